"""The side panel: the review counts, the focused mention's details and the article's mentions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widgets import Static

from store.review.extras import Extras
from store.review.mentions import MentionView
from store.textsafe import visible
from tui.widgets.article_text import DEFAULT_COLOUR, mention_style

STATE_STYLES = {"pending": "bold yellow", "accepted": "bold green", "rejected": "dim"}
STATE_MARKS = {"pending": "·", "accepted": "✓", "rejected": "✗"}
DETAIL_LINES = 14  # counts, blank, heading, ten fields, blank: what the list leaves above it
KEPT_LINES = 512  # drawn lines kept for the next redraw (a key changes two or three of ~40)


def count_line(mentions: Sequence[MentionView], hidden: int = 0) -> Content:
    """'N pending · N accepted · N rejected' for the article, and `N hidden (v)` when the
    score threshold hides candidates."""
    counts = Counter(m.state for m in mentions)
    parts = [
        Content.styled(f"{counts[state]} {state}", STATE_STYLES[state])
        for state in ("pending", "accepted", "rejected")
    ]
    if hidden:
        parts.append(Content.styled(f"{hidden} hidden (v)", "dim"))
    return Content(" · ").join(parts)


def mention_details(
    mention: MentionView | None, colour: str, position: str, extras: Extras | None = None
) -> Content:
    """The focused mention, field by field, then its attributes, notes and equivalence sets
    (`extras`); every value is data, never markup."""
    if mention is None:
        return Content("No mentions in this article.").stylize("dim")
    score = "" if mention.score is None else f"{mention.score:g}"
    if mention.reason:
        score = f"{score or '—'} · {mention.reason}"
    rows: list[tuple[str, Content]] = [
        ("text", Content(visible(mention.text)).stylize(mention_style(mention.state, colour))),
        ("label", Content.styled(mention.label, f"bold {colour}")),
        ("entity", Content(visible(mention.entity_name or "—"))),
        ("key", Content(visible(mention.entity_key or "—"))),
        ("alias", Content(visible(mention.matched_alias or "—"))),
        ("score", Content(score or "—")),
        ("method", Content(mention.method or mention.origin)),
        ("others", Content(visible(", ".join(mention.alternatives) or "—"))),
        ("state", Content.styled(mention.state, STATE_STYLES.get(mention.state, ""))),
        ("span", Content(f"{mention.start}–{mention.end}")),
    ]
    rows += extra_rows(extras)
    lines = [Content.styled(f"Mention {position}", "bold")]
    lines += [Content.assemble((f"{name:<7}", "dim"), value) for name, value in rows]
    return Content("\n").join(lines)


def extra_rows(extras: Extras | None) -> list[tuple[str, Content]]:
    """One row per attribute (`Negated`, `Confidence=Low`), note (`AnnotatorNotes: text`) and
    equivalence set (`Alias: Jo Rowling, J. K. Rowling`), each value on one line."""
    if not extras:
        return []
    rows = [
        ("attr", Content(_one_line(name if value is None else f"{name}={value}")))
        for name, value in extras.attributes
    ]
    rows += [("note", Content(_one_line(f"{kind}: {text}"))) for kind, text in extras.notes]
    rows += [
        ("same", Content(_one_line(f"{type_}: {', '.join(texts)}")))
        for type_, texts in extras.equivalent
    ]
    return rows


def _one_line(value: str) -> str:
    return visible(" ".join(value.split()))


def window(count: int, focused: int | None, rows: int) -> range:
    """The indexes of at most `rows` list lines to show, the focused one among them."""
    if count <= rows:
        return range(count)
    centre = focused or 0
    first = max(0, min(count - rows, centre - rows // 3))
    return range(first, first + rows)


def mention_line(mention: MentionView, colour: str, focused: bool, width: int) -> Content:
    """One line of the mention list: state mark, surface (shortened to fit), label."""
    surface = visible(" ".join(mention.text.split()))  # one line, whatever the text holds
    room = max(4, width - len(mention.label) - 4)
    if len(surface) > room:
        surface = surface[: room - 1] + "…"
    line = Content.assemble(
        ("▸" if focused else " ", "bold"),
        (STATE_MARKS.get(mention.state, "?"), STATE_STYLES.get(mention.state, "")),
        " ",
        Content(surface).stylize(mention_style(mention.state, colour)),
        " ",
        (mention.label, f"{colour}"),
    )
    return line.stylize("reverse") if focused else line


def mention_list(
    mentions: Sequence[MentionView],
    focused: int | None,
    colours: Mapping[str, str],
    rows: int,
    width: int,
) -> Content:
    """The article's mentions in text order, a window of `rows` lines around the focused one."""
    shown = window(len(mentions), focused, max(1, rows))
    heading = Content.styled(
        f"Mentions {shown.start + 1}–{shown.stop} of {len(mentions)}"
        if len(shown) < len(mentions)
        else "Mentions",
        "bold",
    )
    lines = [heading]
    lines += [
        mention_line(
            mentions[i], colours.get(mentions[i].label, DEFAULT_COLOUR), i == focused, width
        )
        for i in shown
    ]
    return Content("\n").join(lines)


class MentionPanel(Static):
    """Shows what the screen gives it; it reads nothing itself.

    Drawn line by line: each line of the content is drawn once and kept (by its text, styles,
    width and the panel's style), and a new content repaints only the rows that differ from
    the ones shown (a key changes a dozen of ~40: drawing and filtering the whole panel again
    took about half of `a`'s time). The rows are those of the whole content drawn at once
    (each line wraps on its own).
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id, markup=False)
        self._content = Content("")
        self._drawn: dict[tuple[object, ...], list[Strip]] = {}
        self._rows: tuple[tuple[object, ...], list[Strip]] | None = None

    @property
    def visual(self) -> Visual:
        """The content shown, whole."""
        return self._content

    def render_line(self, y: int) -> Strip:
        """Row `y` of the panel, from the lines drawn before when they are the same."""
        width, style = self.size.width, self.visual_style
        if width <= 0 or self.text_selection is not None:
            return super().render_line(y)  # the whole content at once, as Static draws it
        rows = self._rows_for(width, style)
        if 0 <= y < len(rows):
            return rows[y]
        return Strip.blank(width, (style + Style(reverse=False)).rich_style)

    def _rows_for(self, width: int, style: Style) -> list[Strip]:
        kept = self._rows
        if kept is None or kept[0][0] is not self._content or kept[0][1:] != (width, style):
            kept = self._rows = ((self._content, width, style), self._strips(width, style))
        return kept[1]

    def _strips(self, width: int, style: Style) -> list[Strip]:
        if len(self._drawn) > KEPT_LINES:
            self._drawn.clear()
        rows: list[Strip] = []
        for line in self._content.split("\n"):
            key = (line.plain, tuple(line.spans), width, style)
            drawn = self._drawn.get(key)
            if drawn is None:
                drawn = self._drawn[key] = Visual.to_strips(self, line, width, None, style)
            rows.extend(drawn)
        return rows

    def _use(self, content: Content) -> None:
        """Show `content`: repaint the rows that differ from the ones shown (all of them when
        nothing is drawn yet). The panel's size is the layout's (CSS), never its content's."""
        before = self._rows[1] if self._rows is not None else None
        self._content = content
        width, style = self.size.width, self.visual_style
        if before is None or width <= 0 or self.text_selection is not None:
            self._rows = None
            self.refresh()
            return
        rows = self._rows_for(width, style)
        changed = [
            y
            for y in range(min(max(len(rows), len(before)), self.size.height))
            if y >= len(rows) or y >= len(before) or rows[y] is not before[y]
        ]
        if changed:
            self.refresh(*(Region(0, y, width, 1) for y in changed))

    def show(
        self,
        mentions: Sequence[MentionView],
        focused: int | None,
        colours: Mapping[str, str],
        extras: Extras | None = None,
        *,
        hidden: int = 0,
    ) -> None:
        """Show the counts, the mention at index `focused` of `mentions` (with its `extras`),
        and the mention list."""
        mention = mentions[focused] if focused is not None and mentions else None
        colour = colours.get(mention.label, DEFAULT_COLOUR) if mention else DEFAULT_COLOUR
        position = f"{(focused or 0) + 1} of {len(mentions)}"
        parts = [count_line(mentions, hidden), mention_details(mention, colour, position, extras)]
        below = DETAIL_LINES + len(extra_rows(extras)) + 1
        rows = self.size.height - below if self.size.height else 20
        if mentions and rows > 0:
            parts.append(mention_list(mentions, focused, colours, rows, self.size.width or 40))
        self._use(Content("\n\n").join(parts))
