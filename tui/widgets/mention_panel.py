"""The side panel: the focused mention's details and the article's review counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from store.mentions import MentionView
from tui.widgets.article_text import DEFAULT_COLOUR, mention_style

STATE_STYLES = {"pending": "bold yellow", "accepted": "bold green", "rejected": "dim"}


def count_line(mentions: Sequence[MentionView]) -> Content:
    """'N pending · N accepted · N rejected' for the article."""
    counts = Counter(m.state for m in mentions)
    parts = [Content.styled(f"{counts[state]} {state}", STATE_STYLES[state])
             for state in ("pending", "accepted", "rejected")]
    return Content(" · ").join(parts)


def mention_details(mention: MentionView | None, colour: str, position: str) -> Content:
    """The focused mention, field by field; every value is data, never markup."""
    if mention is None:
        return Content("No mentions in this article.").stylize("dim")
    score = "" if mention.score is None else f"{mention.score:g}"
    rows: list[tuple[str, Content]] = [
        ("text", Content(mention.text).stylize(mention_style(mention.state, colour))),
        ("label", Content.styled(mention.label, f"bold {colour}")),
        ("entity", Content(mention.entity_name or "—")),
        ("key", Content(mention.entity_key or "—")),
        ("alias", Content(mention.matched_alias or "—")),
        ("score", Content(score or "—")),
        ("method", Content(mention.method or mention.origin)),
        ("others", Content(", ".join(mention.alternatives) or "—")),
        ("state", Content.styled(mention.state, STATE_STYLES.get(mention.state, ""))),
        ("span", Content(f"{mention.start}–{mention.end}")),
    ]
    lines = [Content.styled(f"Mention {position}", "bold")]
    lines += [Content.assemble((f"{name:<7}", "dim"), value) for name, value in rows]
    return Content("\n").join(lines)


class MentionPanel(Static):
    """Shows what the screen gives it; it reads nothing itself."""

    def show(self, mentions: Sequence[MentionView], focused: int | None,
             colours: dict[str, str]) -> None:
        """Show the mention at index `focused` of `mentions`, and the counts."""
        mention = mentions[focused] if focused is not None and mentions else None
        colour = colours.get(mention.label, DEFAULT_COLOUR) if mention else DEFAULT_COLOUR
        position = f"{(focused or 0) + 1} of {len(mentions)}"
        self.update(Content("\n\n").join([
            count_line(mentions),
            mention_details(mention, colour, position),
        ]))
