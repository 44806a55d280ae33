"""The review screen's article keys: `n`/`p` (next, previous), `d` (done, then the next one),
`escape` (back to the list)."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static

from store.corpus.articles import get_article, set_status
from tui.screens.review.done import confirm_done
from tui.screens.review.facts_keys import ReviewFacts
from tui.screens.review.view import article_meta


class ReviewNavigation(ReviewFacts):
    """Moving between the articles of the queue, and marking one done."""

    def action_article(self, step: int) -> None:
        """Open the next (`step` 1) or previous (-1) article of the queue, status unchanged."""
        if self.queue is None:
            return
        target = self.queue.neighbour(self.article.id, step)
        if target is None:
            self.notify(
                "No next article" if step > 0 else "No previous article", timeout=2, markup=False
            )
            return
        self._open(target)

    def action_done(self) -> None:
        """Mark the article done, then open the next article of the queue (after a yes, when
        mentions or facts are left pending)."""
        confirm_done(self, self.article.id, self._mark_done)

    def _mark_done(self) -> None:
        """Mark the article done (committed), then open the next article of the queue."""
        # Before the status changes: under a status filter the article leaves the listing.
        target = None if self.queue is None else self.queue.neighbour(self.article.id, 1)
        article_id, reviewer = self.article.id, self.telaah.reviewer_id

        def marked(_view: object) -> None:
            if not self.is_attached:  # left meanwhile while the write waited
                return
            self.article = replace(self.article, status="done")
            self.query_one("#article-meta", Static).update(article_meta(self.article))
            if target is None:
                self.refresh_on_leave()
                self.notify("No next article", timeout=2, markup=False)
                return
            self._open(target)

        # Through the write queue: after the decisions pressed before it, never before them.
        self.write(
            lambda s: set_status(
                session=s, article_id=article_id, status="done", reviewer_id=reviewer
            ),
            title="Status not saved",
            done=marked,
        )

    def _open(self, article_id: int) -> None:
        """Show the review of `article_id` on this screen, in place of this article."""
        stored = self.store(
            lambda s: get_article(session=s, article_id=article_id), title="Cannot open article"
        )
        if stored.value is None:
            return
        if self.queue is not None:
            self.queue.reviewing(stored.value.id)
        self.refresh_on_leave(after_paint=True)  # (the next article is shown first)
        self.show_article(stored.value)

    def action_back(self) -> None:
        """Return to the article list (which reads its counts again when it resumes)."""
        self.refresh_on_leave()
        self.dismiss()
