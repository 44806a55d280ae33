"""The article's facts under the mention panel: one line each, the focused one with its roles.

`F` on the review screen focuses the panel; then its keys (next, previous, accept, reject, edit
roles, delete, note, copy) act on the focused fact. The panel only moves its own cursor: every
change is asked of the screen with a `FactsPanel.Requested` message, and the screen stores it.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from store.facts.repository import FactView
from store.textsafe import visible

STATE_MARKS = {
    "pending": ("·", "bold yellow"),
    "accepted": ("✓", "bold green"),
    "rejected": ("✗", "dim"),
}


def one_line(text: str) -> str:
    """`text` on one line, runs of whitespace as one space, controls shown (`store.textsafe`)."""
    return visible(" ".join(text.split()))


def filler_name(surface: str, entity_name: str | None, entity_key: str | None) -> Content:
    """A filler as `surface → entity (KEY)` (`surface (KEY)` when they are the same), or the
    surface alone when not linked."""
    line = Content(one_line(surface))
    if entity_key is None:
        return line
    name = one_line(entity_name or entity_key)
    if name == one_line(surface):
        return line + Content.styled(f" ({one_line(entity_key)})", "dim")
    return line + Content.styled(f" → {name} ({one_line(entity_key)})", "dim")


def fact_heading(fact: FactView, focused: bool) -> Content:
    """The first line of a fact: cursor, state mark, type, needs-review mark, note mark."""
    mark, style = STATE_MARKS.get(fact.state, ("?", ""))
    line = Content.assemble(
        ("▸" if focused else " ", "bold"), (mark, style), " ", (fact.type, "bold")
    )
    if fact.needs_review:
        line += Content.styled(" ! needs review", "bold red")
    if fact.note:
        line += Content.styled(" ✎", "cyan")
    return line.stylize("reverse") if focused else line


def fact_summary(fact: FactView, width: int) -> Content:
    """The roles of an unfocused fact on one line: `role=filler+filler ...`, shortened."""
    roles: dict[str, list[str]] = {}
    for filler in fact.fillers:
        roles.setdefault(filler.role, []).append(one_line(filler.entity_name or filler.text))
    for nested in fact.fact_fillers:
        roles.setdefault(nested.role, []).append(f"E{nested.fact_id} {nested.type}")
    text = " ".join(f"{role}={'+'.join(names)}" for role, names in roles.items())
    room = max(8, width - 3)
    if len(text) > room:
        text = text[: room - 1] + "…"
    return Content("   ") + Content(text).stylize("dim")


def fact_details(fact: FactView) -> list[Content]:
    """The focused fact's roles, one filler a line, then the review reason and the note."""
    lines: list[Content] = []
    roles: dict[str, list[Content]] = {}
    for filler in fact.fillers:
        roles.setdefault(filler.role, []).append(
            filler_name(filler.text, filler.entity_name, filler.entity_key)
        )
    for nested in fact.fact_fillers:  # a fact filling a role: its id and type
        roles.setdefault(nested.role, []).append(Content(f"E{nested.fact_id} {nested.type}"))
    for role, names in roles.items():
        for n, name in enumerate(names):
            label = f"   {role:<12} " if n == 0 else " " * 16
            lines.append(Content.styled(label, "bold italic") + name)
    if fact.needs_review:
        lines.append(
            Content.styled("   needs review: ", "bold red")
            + Content(one_line(fact.review_reason or ""))
        )
    if fact.note:
        lines.append(Content.styled("   note: ", "cyan") + Content(one_line(fact.note)))
    return lines


def fact_blocks(facts: Sequence[FactView], cursor: int | None, width: int) -> list[list[Content]]:
    """Each fact's lines: the focused one with every role, the others on two lines."""
    blocks = []
    for index, fact in enumerate(facts):
        focused = index == cursor
        lines = [fact_heading(fact, focused)]
        lines += fact_details(fact) if focused else [fact_summary(fact, width)]
        blocks.append(lines)
    return blocks


def visible_blocks(blocks: list[list[Content]], cursor: int | None, rows: int) -> range:
    """The indexes of the blocks that fit in `rows` lines, the focused one among them."""
    if not blocks:
        return range(0)
    centre = min(cursor or 0, len(blocks) - 1)
    first = last = centre
    used = len(blocks[centre])
    # One block after the focused one, then those before it, then more after it.
    if last + 1 < len(blocks) and used + len(blocks[last + 1]) <= rows:
        last += 1
        used += len(blocks[last])
    while first > 0 and used + len(blocks[first - 1]) <= rows:
        first -= 1
        used += len(blocks[first])
    while last + 1 < len(blocks) and used + len(blocks[last + 1]) <= rows:
        last += 1
        used += len(blocks[last])
    return range(first, last + 1)


class FactsPanel(Static, can_focus=True):
    """Shows the article's facts; the screen gives it the facts and stores what it asks for."""

    BINDINGS = [
        Binding("j,down", "move(1)", "Next fact", key_display="j/↓", id="review_facts.next"),
        Binding("k,up", "move(-1)", "Previous fact", key_display="k/↑", id="review_facts.previous"),
        Binding("a", "request('accept')", "Accept fact", id="review_facts.accept"),
        Binding("x", "request('reject')", "Reject fact", id="review_facts.reject"),
        Binding("e", "request('edit')", "Edit roles", id="review_facts.edit"),
        Binding("D", "request('delete')", "Delete", id="review_facts.delete"),
        Binding("N", "request('note')", "Note", id="review_facts.note"),
        Binding("c", "request('copy')", "Copy citation", id="review_facts.copy"),
        Binding(
            "escape,F",
            "request('leave')",
            "Back to mentions",
            key_display="F/esc",
            id="review_facts.leave",
        ),
    ]

    class Requested(Message):
        """The reviewer asked for `action` on the fact `fact` (None for `leave`)."""

        def __init__(self, action: str, fact: FactView | None) -> None:
            super().__init__()
            self.action = action
            self.fact = fact

    class Moved(Message):
        """The focused fact changed (the text's highlights follow it)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(Content(""), id=id, markup=False)
        self.facts: list[FactView] = []
        self.cursor: int | None = None
        self.note = ""  # a line under the heading (e.g. that candidates are out of date)

    @property
    def current(self) -> FactView | None:
        """The focused fact, if any."""
        return None if self.cursor is None else self.facts[self.cursor]

    def show(self, facts: Sequence[FactView], focus_id: int | None = None, note: str = "") -> None:
        """Show `facts`; keep the fact `focus_id` (else the same position) focused."""
        ids = [f.id for f in facts]
        if focus_id in ids:
            self.cursor = ids.index(focus_id)
        elif facts:
            self.cursor = min(self.cursor or 0, len(facts) - 1)
        else:
            self.cursor = None
        self.facts = list(facts)
        self.note = note
        self._draw()

    def _draw(self) -> None:
        pending = sum(f.state == "pending" for f in self.facts)
        review = sum(f.needs_review for f in self.facts)
        counts = f"{len(self.facts)} · {pending} pending" + (
            f" · {review} to review" if review else ""
        )
        heading = Content.assemble(("Facts ", "bold"), (counts, "dim"))
        focused = self.is_attached and self.screen.focused is self
        if not focused:
            heading += Content.styled("   F: review", "dim italic")
        lines = [heading]
        if self.note:
            lines.append(Content.styled(self.note, "dim italic"))
        if not self.facts:
            lines.append(
                Content.styled("No facts: f tags one on the focused mention's sentence.", "dim")
            )
        width = self.size.width or 40
        blocks = fact_blocks(self.facts, self.cursor if focused else None, width)
        rows = (self.size.height or 12) - len(lines)
        for index in visible_blocks(blocks, self.cursor, max(1, rows)):
            lines += blocks[index]
        self.update(Content("\n").join(lines), layout=False)  # its height is the CSS's

    def on_resize(self) -> None:
        """The panel grows with the focus: fill the new height."""
        self._draw()

    def on_focus(self) -> None:
        """Show the cursor and the focused fact's roles."""
        self._draw()

    def on_blur(self) -> None:
        """Back to the compact list."""
        self._draw()

    def action_move(self, step: int) -> None:
        """Focus the next (`step` 1) or previous (-1) fact."""
        if self.cursor is None:
            return
        cursor = max(0, min(len(self.facts) - 1, self.cursor + step))
        if cursor != self.cursor:
            self.cursor = cursor
            self._draw()
            self.post_message(self.Moved())

    def action_request(self, action: str) -> None:
        """Ask the screen to do `action` with the focused fact."""
        if action != "leave" and self.current is None:
            self.notify("No fact here: f tags one", timeout=2, markup=False)
            return
        self.post_message(self.Requested(action, self.current))
