"""One role of a fact being tagged: the sentence's mentions that fit it, chosen by key."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from store.review.mentions import MentionView
from store.schema import RoleSpec
from tui.modals.backdrop import TelaahModal
from tui.widgets.facts_panel import filler_name, one_line

SENTENCE_MAX = 240  # characters of the evidence shown in the role step
MARK = "mark"  # what the role step answers when the reviewer wants to mark a new span first
BACK = "back"  # ... and when they go back to the previous role


def role_rule(role: RoleSpec) -> str:
    """What a role takes: `GPE, ORG · required · several`."""
    labels = ", ".join(role.labels) or "any label"
    return (
        f"{labels} · {'required' if role.required else 'optional'} · "
        f"{'several' if role.multiple else 'one'}"
    )


class RoleScreen(TelaahModal[list[int] | str | None]):
    """One role step: digits choose among numbered mentions; `enter` answers the chosen ids."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [
        *[
            Binding(
                str(n),
                f"choose({n})",
                "Choose" if n == 1 else f"Choose {n}",
                show=n == 1,
                key_display="1-9" if n == 1 else None,
                id=f"role.choose_{n}",
            )
            for n in range(1, 10)
        ],
        Binding("down,j", "move(1)", "Down", key_display="↓/j", id="role.down"),
        Binding("up,k", "move(-1)", "Up", key_display="↑/k", id="role.up"),
        Binding("space", "choose(0)", "Choose here", id="role.choose_here"),
        Binding("enter", "next", "Next role", id="role.next"),
        Binding("backspace", "back", "Previous role", id="role.back"),
        Binding("m", "mark", "Mark new span", id="role.mark"),
        Binding("escape", "cancel", "Cancel tagging", id="role.cancel"),
    ]

    def __init__(
        self,
        title: str,
        sentence: str,
        role: RoleSpec,
        options: Sequence[MentionView],
        chosen: Sequence[int],
    ) -> None:
        super().__init__()
        self.title_text = title
        self.sentence = sentence
        self.role = role
        self.options = list(options)
        self.chosen = [i for i in chosen if i in {m.id for m in options}]
        self.cursor = 0  # the option `space` chooses (beyond the nine digits)

    def compose(self) -> ComposeResult:
        """The fact and role, the sentence, the numbered mentions, the keys."""
        with Vertical():
            yield Static(Content.styled(self.title_text, "bold"), id="role-title")
            yield Static(Content(role_rule(self.role)).stylize("dim"))
            sentence = one_line(self.sentence)
            if len(sentence) > SENTENCE_MAX:
                sentence = sentence[: SENTENCE_MAX - 1] + "…"
            yield Static(Content(f"“{sentence}”").stylize("italic"), id="role-sentence")
            yield Static(id="role-options")
            yield Static(
                Content(
                    "1-9 or ↑/↓ space: choose    enter: next role    "
                    "backspace: previous    m: mark a new span    escape: cancel"
                ),
                classes="prompt-keys",
            )

    def on_mount(self) -> None:
        """Draw the options."""
        self._draw()

    def _draw(self) -> None:
        if not self.options:
            text = Content("No mention of the sentence fits; m marks a new span.").stylize("dim")
        else:
            lines = []
            for n, mention in enumerate(self.options, 1):
                box = "[x]" if mention.id in self.chosen else "[ ]"
                key = str(n) if n <= 9 else " "
                line = Content.assemble(f"{box} {key}  ", (mention.label, "bold"), "  ")
                line += filler_name(mention.text, mention.entity_name, mention.entity_key)
                lines.append(line.stylize("reverse") if n - 1 == self.cursor else line)
            text = Content("\n").join(lines)
        self.query_one("#role-options", Static).update(text)

    def action_move(self, step: int) -> None:
        """Move the cursor to the next (`step` 1) or previous (-1) option."""
        if self.options:
            self.cursor = max(0, min(len(self.options) - 1, self.cursor + step))
            self._draw()

    def action_choose(self, number: int) -> None:
        """Choose or drop mention `number` (0: the one under the cursor); a role taking one
        mention keeps only the last chosen."""
        number = number or self.cursor + 1
        if not 1 <= number <= len(self.options):
            return
        mention_id = self.options[number - 1].id
        if mention_id in self.chosen:
            self.chosen.remove(mention_id)
        elif self.role.multiple:
            self.chosen.append(mention_id)
        else:
            self.chosen = [mention_id]
        self._draw()

    def action_next(self) -> None:
        """Answer the chosen mentions (a required role needs one)."""
        if self.role.required and not self.chosen:
            self.notify(
                f"{self.role.name} is required: choose a mention, or m to mark one",
                severity="warning",
                timeout=3,
                markup=False,
            )
            return
        self.dismiss(list(self.chosen))

    def action_back(self) -> None:
        """Go back to the previous role."""
        self.dismiss(BACK)

    def action_mark(self) -> None:
        """Leave to mark a new span; the tagging comes back to this role afterwards."""
        self.dismiss(MARK)

    def action_cancel(self) -> None:
        """Cancel the whole tagging."""
        self.dismiss(None)
