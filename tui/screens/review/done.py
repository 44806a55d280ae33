"""`d`: an article is marked done only after a yes when it still has pending mentions or facts.

The question says how many, and what exports will make of them (the config file's
`[export] pending_in_done`: counted as rejected, or kept pending).
"""

from __future__ import annotations

from collections.abc import Callable

from store.config import load_config
from store.corpus.stats import pending_in_article
from tui.screens.review.view import ReviewView


def done_question(article_id: int, pending: str, policy: str) -> str:
    """The question `d` asks when `pending` (`28 pending mentions and 2 pending facts`) is left."""
    fate = "count as rejected" if policy == "reject" else "stay pending"
    return (
        f"Article {article_id} still has {pending}. Mark it done? In exports they {fate} "
        f"([export] pending_in_done = {policy} in the config file)."
    )


def confirm_done(screen: ReviewView, article_id: int, mark: Callable[[], None]) -> None:
    """Call `mark` at once when nothing the reviewer sees of the article is pending (candidates
    hidden under the score threshold do not count), else after a yes (asked on the line in the
    footer's place: `ReviewView.ask`)."""
    telaah = screen.telaah
    below = None if telaah.show_all else telaah.min_score
    pending = screen.store(
        lambda s: pending_in_article(
            session=s, article_id=article_id, min_score=below, reviewer_id=telaah.reviewer_id
        ),
        title="Not marked done",
    ).value
    if pending is None:
        return
    if not pending:
        mark()
        return
    question = done_question(article_id, pending.summary, load_config().pending_in_done)
    screen.ask(question, lambda yes: mark() if yes else None)
