"""The review screen's span modes: `e` edits the focused span, `m` marks a new one.

`ArticleText` runs the mode (cursor, keys, mouse) and reports with messages; this base class of
the review screen starts the modes, shows their status line and stores what they produce.
A span made with `l` gets the schema's first label (like `1`) and then goes to the link action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Static

from store.db import session_scope
from store.errors import TelaahError
from store.review.mentions import MentionView
from store.review.spans import add_mention, set_span
from tui.widgets.article_text import ArticleText

if TYPE_CHECKING:
    from tui.app import TelaahApp


class SpanStatus(Static):
    """One line under the text while a span mode is on: the span and the mode's keys."""

    DEFAULT_CSS = """
    SpanStatus {
        display: none;
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    SpanStatus.-active {
        display: block;
    }
    """


class SpanModes(Screen[None]):
    """Start the span modes and store their results; the review screen fills in the rest."""

    mode: str | None = None  # "edit" or "mark" while a span mode is on
    labels: list[str]

    @property
    def current(self) -> MentionView | None:
        """The focused mention (the review screen's)."""
        raise NotImplementedError

    def _reload(self, focus_id: int) -> None:
        raise NotImplementedError

    def action_edit_span(self) -> None:
        """Edit the focused mention's boundaries from the keyboard."""
        mention = self.current
        if mention is not None:
            self.query_one(ArticleText).start_edit(mention)

    def action_mark_span(self) -> None:
        """Put a text cursor on the focused mention (or the top of the view) to mark a span."""
        text = self.query_one(ArticleText)
        text.labels = len(self.labels)
        body = self.query_one("#article-body", VerticalScroll)
        top = max(0, round(body.scroll_y) - text.virtual_region.y)
        height = body.scrollable_content_region.height
        mention = self.current
        layout = text.text_layout
        if mention is not None and top <= layout.row_of(mention.start) < top + height:
            offset = mention.start
        else:
            offset = layout.starts[min(top, layout.rows - 1)]
        text.start_mark(offset)

    def on_article_text_mode_changed(self, event: ArticleText.ModeChanged) -> None:
        """Show the mode's status line, switch the screen's keys, keep the cursor in view."""
        status = self.query_one(SpanStatus)
        status.update(event.status)
        status.set_class(event.mode is not None, "-active")
        if event.mode != self.mode:
            self.mode = event.mode
            if event.mode is None:
                self.query_one("#article-body").focus(scroll_visible=False)
            self.refresh_bindings()
        if event.offset is not None:
            self._scroll_to_offset(event.offset)

    def _scroll_to_offset(self, offset: int) -> None:
        text = self.query_one(ArticleText)
        y = text.virtual_region.y + text.line_of(offset)
        self.query_one("#article-body", VerticalScroll).scroll_to_region(
            Region(0, y, 1, 1), animate=False, spacing=None, immediate=True
        )

    def on_article_text_span_edited(self, event: ArticleText.SpanEdited) -> None:
        """Store the new boundaries (one audited commit), then leave the edit mode."""
        try:
            with session_scope(self._telaah.engine) as session:
                set_span(
                    session=session,
                    mention_id=event.mention_id,
                    start=event.start,
                    end=event.end,
                    reviewer_id=self._telaah.reviewer_id,
                )
        except TelaahError as exc:
            self.notify(str(exc), title="Span not saved", severity="error", markup=False)
            return
        self.query_one(ArticleText).leave()
        self._reload(event.mention_id)

    def on_article_text_span_marked(self, event: ArticleText.SpanMarked) -> None:
        """Store the selection as an accepted manual mention, focus it, maybe link it."""
        if not self.labels:
            self.notify("The schema has no labels", severity="error", markup=False)
            return
        label = self.labels[max(0, event.rank - 1)]
        try:
            with session_scope(self._telaah.engine) as session:
                made = add_mention(
                    session=session,
                    article_id=self._article_id,
                    start=event.start,
                    end=event.end,
                    label=label,
                    reviewer_id=self._telaah.reviewer_id,
                )
        except TelaahError as exc:
            self.notify(str(exc), title="Span not saved", severity="error", markup=False)
            return
        self.query_one(ArticleText).leave()
        self._reload(made.id)
        self.notify(f"{label}: {made.text}", timeout=2, markup=False)
        if event.rank == 0:
            link = getattr(self, "action_link", None)
            if callable(link):
                link()
            else:
                self.notify("Linking is not available here yet", timeout=3, markup=False)

    @property
    def _telaah(self) -> TelaahApp:
        return cast("TelaahApp", self.app)

    @property
    def _article_id(self) -> int:
        return cast(int, getattr(self, "article").id)  # noqa: B009 (set by the review screen)
