"""The review screen: one article's text with its mentions, decided from the keyboard."""

from __future__ import annotations

from tui.screens.review.keys import FACT_MODE_ACTIONS, REVIEW_BINDINGS
from tui.screens.review.navigation import ReviewNavigation
from tui.screens.review.view import ReviewQueue, article_meta

__all__ = ["ArticleScreen", "ReviewQueue", "article_meta"]


class ArticleScreen(ReviewNavigation):
    """One article under review; every decision is committed the moment it is shown.

    The children report up with messages: `ArticleText` (span modes), `FactsPanel` (fact keys)
    and `FactReview` (fact dialogues); the screen stores, and tells the children what to show.
    """

    CSS_PATH = "review.tcss"
    BINDINGS = REVIEW_BINDINGS

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Moving and deciding need mentions; a digit needs a label of that rank.

        While a span mode is on, its keys (on the text) are the only ones; while a question
        waits (`d`'s), its keys are; while the entity picker or the form is open, theirs.
        """
        if self.mode is not None or self.asking or self.linking:
            return False
        if self.facts_focused and action not in FACT_MODE_ACTIONS:
            return False
        if action in ("edit_span", "tag_fact") and self.current is None:
            return False
        if action in ("move", "move_pending", "decide", "label", "similar") and not self.mentions:
            return False
        if action == "article":
            return self.queue is not None
        if action == "label" and parameters:
            rank = parameters[0]
            return isinstance(rank, int) and rank <= len(self.labels)
        return True
