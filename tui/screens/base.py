"""What every telaah screen shares: the typed app, the store call, undo, re-matching, workers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from textual import on, work
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from store.db import Session, session_scope
from store.errors import TelaahError
from store.gazetteer.change import GazetteerChange
from store.gazetteer.search import search_cache
from store.review.rematch import rematch
from store.undo.history import Undone, redo, undo
from tui.workbench import Workbench

ResultType = TypeVar("ResultType")
T = TypeVar("T")

# One re-match at a time, whichever screen asked: a second one waits for the first's writes.
_REMATCHING = threading.Lock()


@dataclass(frozen=True, slots=True)
class Stored(Generic[T]):
    """What a store call gave: `ok` is False when it raised a `TelaahError` (already notified)."""

    ok: bool
    value: T | None = None

    def __bool__(self) -> bool:
        return self.ok


class TelaahScreen(Screen[ResultType]):
    """A screen of the telaah app: reaches the app as `self.telaah`, the store with `self.store`.

    Undo and redo (`undo_step`) and the re-matching after a gazetteer change
    (`rematch_in_background`) are the same on every screen; a screen that shows mentions reads
    them again in `after_rematch`.
    """

    class Rematched(Message):
        """A re-match in the background is done: `message` says what it found."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    @property
    def telaah(self) -> Workbench:
        """The app, with its engine and reviewer."""
        return cast("Workbench", self.app)

    def store(self, call: Callable[[Session], T], *, title: str = "Not changed") -> Stored[T]:
        """Run one store call in its own session and commit it.

        A `TelaahError` (a conflict, a refused edit) becomes an error notification with `title`
        and nothing is committed; any other exception propagates as a bug.

        Args:
            call: Takes the session, returns what the screen needs.
            title: The notification's title when the store refuses.

        Returns:
            `Stored(ok=True, value=...)`, or `Stored(ok=False)` after a refusal.
        """
        try:
            with session_scope(self.telaah.engine) as session:
                return Stored(True, call(session))
        except TelaahError as exc:
            self.notify(str(exc), title=title, severity="error", markup=False)
            return Stored(False)

    def undo_step(self, backwards: bool) -> Undone | None:
        """Undo (or redo) the reviewer's latest change, anywhere, and say what it was.

        A gazetteer edit taken back or made again re-matches the articles it reaches, in the
        background. Returns what changed, or None (nothing to do, or refused: the notification
        says why).
        """
        verb = "undo" if backwards else "redo"
        reviewer_id = self.telaah.reviewer_id
        step = undo if backwards else redo
        stored = self.store(
            lambda session: step(session=session, reviewer_id=reviewer_id), title=f"Cannot {verb}"
        )
        if not stored:
            return None
        done = stored.value
        if done is None:
            self.notify(f"Nothing to {verb}", timeout=2, markup=False)
            return None
        message = f"{verb}: {done.summary}"
        if done.change is not None:
            self.rematch_in_background(done.change, message)
        else:
            self.notify(message, timeout=3, markup=False)
        return done

    def rematch_in_background(self, change: GazetteerChange, done: str) -> None:
        """Say `done` now; re-match what `change` reaches and refresh the entity search in a
        worker; then say what the re-match found and call `after_rematch`."""
        self.notify(f"{done}; re-matching the articles it reaches…", timeout=4, markup=False)
        self._rematch(change, done)

    @work(
        thread=True,
        exclusive=False,
        exit_on_error=False,
        group="rematch",
        description="re-matching after a gazetteer change",
    )
    def _rematch(self, change: GazetteerChange, done: str) -> None:
        engine, reviewer_id = self.telaah.engine, self.telaah.reviewer_id
        with _REMATCHING:
            report = rematch(engine, change, reviewer_id=reviewer_id)
            search_cache(engine).fresh()  # the change altered what entity search must find
        summary = report.summary.replace("matched", "re-matched", 1)
        self.post_message(self.Rematched(f"{done}; {summary}"))

    @on(Rematched)
    def _rematched(self, event: Rematched) -> None:
        self.notify(event.message, timeout=4, markup=False)
        self.after_rematch()

    def after_rematch(self) -> None:
        """What the screen does once a re-match is done: by default nothing to read again."""

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Every worker of the screen: a failure is one notification, never a traceback."""
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.error is None:
            return
        error = worker.error
        what = worker.description or worker.name or "background work"
        if isinstance(error, TelaahError):
            self.notify(str(error), title=what, severity="error", markup=False)
        else:
            self.notify(
                f"{type(error).__name__}: {error}",
                title=f"{what} failed",
                severity="error",
                markup=False,
            )
