"""Undo and redo from any screen: one stack per reviewer (decisions, spans, gazetteer, facts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from store.db import session_scope
from store.errors import TelaahError
from store.review.rematch import rematch
from store.undo.history import Undone, redo, undo

if TYPE_CHECKING:
    from textual.screen import Screen

    from tui.app import TelaahApp


def step(screen: Screen[Any], backwards: bool) -> Undone | None:
    """Undo (or redo) the reviewer's latest change and say what it was.

    A gazetteer edit taken back or made again re-matches the articles it reaches. Returns what
    changed, or None (nothing to do, or refused: the notification says why).
    """
    app = cast("TelaahApp", screen.app)
    verb = "undo" if backwards else "redo"
    try:
        with session_scope(app.engine) as session:
            done = (undo if backwards else redo)(session=session, reviewer_id=app.reviewer_id)
    except TelaahError as exc:
        screen.notify(str(exc), title=f"Cannot {verb}", severity="error", markup=False)
        return None
    if done is None:
        screen.notify(f"Nothing to {verb}", timeout=2, markup=False)
        return None
    message = f"{verb}: {done.summary}"
    if done.change is not None:
        report = rematch(app.engine, done.change, reviewer_id=app.reviewer_id)
        message += f"; {report.summary.replace('matched', 're-matched', 1)}"
    screen.notify(message, timeout=3, markup=False)
    return done
