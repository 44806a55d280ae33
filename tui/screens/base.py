"""What every telaah screen shares: the typed app, one way to call the store, one worker handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from textual import on
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from store.db import Session, session_scope
from store.errors import TelaahError

if TYPE_CHECKING:
    from tui.app import TelaahApp

ResultType = TypeVar("ResultType")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Stored(Generic[T]):
    """What a store call gave: `ok` is False when it raised a `TelaahError` (already notified)."""

    ok: bool
    value: T | None = None

    def __bool__(self) -> bool:
        return self.ok


class TelaahScreen(Screen[ResultType]):
    """A screen of the telaah app: reaches the app as `self.telaah`, the store with `self.store`."""

    @property
    def telaah(self) -> TelaahApp:
        """The app, with its engine and reviewer."""
        return cast("TelaahApp", self.app)

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
