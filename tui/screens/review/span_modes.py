"""The review screen's span modes: `e` edits the focused span, `m` marks a new one.

`ArticleText` runs a mode (cursor, keys, mouse) and reports with messages (`ModeChanged`,
`SpanEdited`, `SpanMarked`) that bubble up to the screen, which stores what they produce.
`ArticleBody`, the scrolling text, starts the modes on its text and keeps their cursor in view;
`SpanStatus` is the mode's status line under the text.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Region, Spacing
from textual.widgets import Static

from store.review.mentions import MentionView
from tui.widgets.article_text import ArticleText


class SpanStatus(Static):
    """One line under the text while a span mode is on: the span and the mode's keys."""

    def show_mode(self, status: Content, active: bool) -> None:
        """Show `status`; the line is only there while a mode is `active`."""
        self.update(status, layout=False)  # one line, always
        if self.display != active:  # `display`, not a class: no styling pass
            self.display = active


class ArticleBody(VerticalScroll):
    """The article text, scrolling; the span modes start here and their cursor stays in view."""

    def _on_focus(self, event: events.Focus) -> None:
        # Textual's own handler draws the whole body again when the focus comes or goes;
        # nothing of its look follows the focus (its scrollbar, a widget of its own, redraws
        # itself), and the picker's panel takes and gives back the focus at every `l`/`N`.
        event.prevent_default()
        self.has_focus = True
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self))

    def _on_blur(self, event: events.Blur) -> None:
        # See `_on_focus`.
        event.prevent_default()
        self.has_focus = False
        if self.parent is not None:
            self.parent.post_message(events.DescendantBlur(self))

    def __init__(self, text: str, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._text = text

    def compose(self) -> ComposeResult:
        """The text with its highlights."""
        yield ArticleText(self._text, id="article-text")

    @property
    def text(self) -> ArticleText:
        """The highlighted text."""
        return self.query_one(ArticleText)

    def show_text(self, text: str) -> None:
        """Another article's text, from its top."""
        self.text.set_text(text)
        self.scroll_to(0, 0, animate=False, immediate=True)

    def edit(self, mention: MentionView) -> None:
        """Edit `mention`'s boundaries from the keyboard."""
        self.text.start_edit(mention)

    def mark(self, near: MentionView | None, labels: int) -> None:
        """Put a text cursor on `near` if it is in view (else the top of the view) to mark a span.

        Args:
            near: The focused mention, if any.
            labels: How many labels the digits can choose from.
        """
        text = self.text
        text.labels = labels
        top = max(0, round(self.scroll_y) - text.virtual_region.y)
        height = self.scrollable_content_region.height
        layout = text.text_layout
        if near is not None and top <= layout.row_of(near.start) < top + height:
            offset = near.start
        else:
            offset = layout.starts[min(top, layout.rows - 1)]
        text.start_mark(offset)

    def leave(self) -> None:
        """End the span mode (nothing is stored)."""
        self.text.leave()

    def scroll_to_offset(self, offset: int, *, immediate: bool = False, covered: int = 0) -> None:
        """Scroll the line holding code point `offset` into view (not on a screen going away);
        `covered`: rows at the bottom hidden by a panel over them (the line goes above it)."""
        found = self.query(ArticleText)
        if not found:
            return
        text = found.first()
        y = text.virtual_region.y + text.line_of(offset)
        spacing = Spacing(0, 0, covered, 0) if covered else None
        self.scroll_to_region(
            Region(0, y, 1, 1), animate=False, spacing=spacing, immediate=immediate
        )
