"""The article text with its mentions highlighted by label colour and review state.

The text is data: it goes in as `Content(text)` and every highlight is applied by code-point
offsets with `Content.stylize`, so markup-like text and emoji are shown exactly as stored.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence

from textual.content import Content
from textual.widgets import Static

from store.mentions import MentionView

DEFAULT_COLOUR = "#abb2bf"
REJECTED_STYLE = "strike #808080"
FOCUS_STYLE = "reverse bold"


def mention_style(state: str, colour: str) -> str:
    """The style of a mention: label colour, and how the review state shows.

    Pending: underlined in the label colour on a faint tint of it; accepted: dark text on a solid
    background of the label colour; rejected: struck through in grey.
    """
    if state == "accepted":
        return f"bold #000000 on {colour}"
    if state == "rejected":
        return REJECTED_STYLE
    return f"underline {colour} on {colour} 20%"


def highlighted(text: str, mentions: Sequence[MentionView], colours: Mapping[str, str],
                focused: int | None = None) -> Content:
    """`text` as data with every mention styled; the mention at index `focused` in reverse."""
    content = Content(text)
    for mention in mentions:
        colour = colours.get(mention.label, DEFAULT_COLOUR)
        content = content.stylize(mention_style(mention.state, colour), mention.start, mention.end)
    if focused is not None and 0 <= focused < len(mentions):
        mention = mentions[focused]
        content = content.stylize(FOCUS_STYLE, mention.start, mention.end)
    return content


class ArticleText(Static):
    """Shows the text and its highlights; the screen tells it what to show, it reads nothing."""

    def __init__(self, text: str, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(Content(text), id=id, markup=False)
        self.text = text
        self._line_starts: tuple[int, list[int]] | None = None  # (width, visual line starts)

    def show(self, mentions: Sequence[MentionView], colours: Mapping[str, str],
             focused: int | None) -> None:
        """Redraw the highlights, with the mention at index `focused` in reverse video."""
        self.update(highlighted(self.text, mentions, colours, focused))

    def line_of(self, offset: int) -> int:
        """The visual line (after wrapping at the current width) holding code point `offset`."""
        width = self.size.width
        if width <= 0:
            return 0
        if self._line_starts is None or self._line_starts[0] != width:
            self._line_starts = (width, _visual_line_starts(self.text, width))
        return max(0, bisect_right(self._line_starts[1], offset) - 1)


def _visual_line_starts(text: str, width: int) -> list[int]:
    """The offset in `text` at which each wrapped line starts (approximate for tabs)."""
    starts: list[int] = []
    base = 0
    for paragraph in text.split("\n"):
        position = 0
        for line in Content(paragraph).wrap(width) or [Content()]:
            piece = line.plain.rstrip()
            found = paragraph.find(piece, position) if piece else -1
            if found >= 0:
                position = found
            starts.append(base + position)
            position += len(piece)
        base += len(paragraph) + 1
    return starts
