"""The review screen's span modes, seen from the screen: `e` edits the focused span, `m`
marks a new one; `ArticleText` runs the mode and reports up, the screen stores (span_modes.py
holds the widgets)."""

from __future__ import annotations

from textual import on

from store.errors import StaleDecision
from store.review.mentions import MentionView
from store.review.spans import add_mention, set_span
from tui.screens.review.fact_review import FactReview
from tui.screens.review.linking import ReviewLinking
from tui.widgets.article_text import ArticleText


class ReviewSpans(ReviewLinking):
    """Starting the span modes and storing what they give (an edited or a marked span)."""

    def action_edit_span(self) -> None:
        """Edit the focused mention's boundaries from the keyboard."""
        self._relinkable = None
        mention = self.current
        if mention is not None:
            self.body.edit(mention)

    def action_mark_span(self) -> None:
        """Put a text cursor on the focused mention (or the top of the view) to mark a span."""
        self._relinkable = None
        self.body.mark(self.current, len(self.labels))

    @on(ArticleText.ModeChanged)
    def _mode_changed(self, event: ArticleText.ModeChanged) -> None:
        """Switch the screen's keys, keep the cursor in view (the text has shown the mode's
        status line itself: `ArticleText.mode_line`)."""
        if event.mode != self._mode_shown:
            self._mode_shown = event.mode
            # The status line covers the footer (which is not rebuilt meanwhile: the screen's
            # `footer_hidden`): the text keeps its size, and only that line is drawn again.
            if event.mode is None and not self.linking:  # `l`: the picker has it
                self.body.focus(scroll_visible=False)
            self.refresh_bindings()
        if event.offset is not None:
            self.body.scroll_to_offset(event.offset, immediate=True)
        if event.mode is None:  # a tagging waiting for a new span goes on
            self.query_one(FactReview).span_mode_ended(self.mentions)

    @on(ArticleText.SpanEdited)
    def _span_edited(self, event: ArticleText.SpanEdited) -> None:
        """Store the new boundaries and accept the mention (one audited commit, one undo),
        then leave the edit mode and go to the next pending mention."""
        reviewer = self.telaah.reviewer_id
        shown = next((m for m in self.mentions if m.id == event.mention_id), None)
        version = shown.version if shown is not None else None

        def saved(view: MentionView) -> None:
            self.body.leave()
            self._started()
            self._put(view, show=False)
            self._move_on()

        self.write(
            lambda s: set_span(
                session=s,
                mention_id=event.mention_id,
                start=event.start,
                end=event.end,
                reviewer_id=reviewer,
                expected_version=version,
                accept=True,
            ),
            title="Span not saved",
            done=saved,
            failed=self._span_refused,
        )

    def _span_refused(self, error: BaseException) -> None:
        """A span edit not saved: the mode stays on to fix the boundaries, unless the mention
        changed meanwhile (then the mentions are read again)."""
        if isinstance(error, StaleDecision):
            self.body.leave()
            self.call_after_refresh(self.refresh_view)

    @on(ArticleText.SpanMarked)
    def _span_marked(self, event: ArticleText.SpanMarked) -> None:
        """Store the selection as an accepted manual mention; then link it (`l`, rank 0: with
        the entity's label), or go to the next pending mention (a tagging waiting for the span
        keeps it in focus)."""
        if not self.labels:
            self.notify("The schema has no labels", severity="error", markup=False)
            return
        label = self.labels[max(0, event.rank - 1)]
        article_id, reviewer = self.article.id, self.telaah.reviewer_id

        def saved(view: MentionView) -> None:
            self.body.leave()
            self._started()
            self._put(view)
            if event.rank == 0:
                self.action_link(entity_label=True)
                return
            self.notify(f"{label}: {view.text}", timeout=2, markup=False)
            tagging = self.query_one(FactReview).tagging
            if tagging is None or not tagging.known:  # no role step waits for this span
                self._move_on()

        self.write(
            lambda s: add_mention(
                session=s,
                article_id=article_id,
                start=event.start,
                end=event.end,
                label=label,
                reviewer_id=reviewer,
            ),
            title="Span not saved",
            done=saved,
        )
