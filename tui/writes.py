"""The app's writes, in the order they were asked for, never blocking the screen on a lock.

A write goes straight to the database when nothing waits before it and the database's write
lock is free (it does not wait for the lock at all: a decision commits in about a millisecond).
When the lock is held by another program, or earlier writes are still waiting, it joins a queue
that one worker drains in order, trying each write again with a growing pause
(`store.db.write_retrying`) for at most the app's `save_wait` seconds; the screen stays
responsive and shows "saving… (database busy)". A write that cannot be saved, or that the store
refuses (a stale decision), is one notification line, and the screen reloads what it shows.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual.app import App

from store.db import Session, is_busy, write_once, write_retrying
from store.errors import TelaahError

if TYPE_CHECKING:
    from tui.screens.base import TelaahScreen
    from tui.workbench import Workbench

BUSY = "saving… (database busy)"


@dataclass(frozen=True, slots=True)
class Write:
    """One store call (it commits) and what the screen does after it."""

    screen: TelaahScreen[Any]
    call: Callable[[Session], Any]
    title: str
    done: Callable[[Any], None] | None
    failed: Callable[[BaseException], None] | None
    token: object = None  # what the screen showed when asked (`TelaahScreen.view_token`)


class Writer:
    """The queue of one app's writes that wait for the database (see the module)."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.workbench = cast("Workbench", app)  # its engine and settings, from any thread
        self._waiting: deque[Write] = deque()
        self._lock = threading.Lock()
        self._draining = False

    @property
    def idle(self) -> bool:
        """Whether no write waits: a new one may go to the database at once."""
        with self._lock:
            return not self._waiting and not self._draining

    def submit(self, write: Write) -> None:
        """Apply `write` now if nothing waits and the lock is free; else queue it, in order."""
        if self.idle:
            try:
                value = write_once(self.workbench.engine, write.call, busy_ms=0)
            except TelaahError as error:
                self._finish(write, None, error)
                return
            except Exception as error:
                if not is_busy(error):
                    raise  # a bug, on the UI thread as before
            else:
                self._finish(write, value, None, guard=False)
                return
        self._queue(write)

    def _queue(self, write: Write) -> None:
        with self._lock:
            self._waiting.append(write)
            start = not self._draining
            self._draining = True
        _show_busy(self.app, write.screen, True)
        if start:
            self.app.run_worker(
                self._drain,
                thread=True,
                exit_on_error=False,
                group="writes",
                description="saving decisions",
            )

    def _drain(self) -> None:
        """In the worker: apply the waiting writes in order, each retried while busy.

        When the app has closed meanwhile (the reviewer quit), the writes still waiting are
        applied all the same (the process waits for this worker before it exits)."""
        ui = True
        while True:
            with self._lock:
                if not self._waiting:
                    self._draining = False
                    break
                write = self._waiting[0]
            value: Any = None
            error: BaseException | None = None
            try:
                value = write_retrying(
                    self.workbench.engine, write.call, wait_limit=self.workbench.save_wait
                )
            except Exception as exc:  # every failure becomes one notification line
                error = exc
            with self._lock:
                self._waiting.popleft()
            if ui:
                ui = self._on_ui(self._finish, write, value, error)
        if ui:
            self._on_ui(self._all_saved)

    def _on_ui(self, callback: Callable[..., None], *args: Any) -> bool:
        """Have `callback` run on the UI thread, without waiting for it (a closing app never
        runs it, and must not leave this worker waiting); False when the app has closed."""
        try:
            return self.app.call_later(callback, *args)  # a message: safe from any thread
        except RuntimeError:  # the event loop is closed
            return False

    def _all_saved(self) -> None:
        if self.idle:
            for screen in self.app.screen_stack:
                _show_busy(self.app, screen, False)

    def _finish(
        self, write: Write, value: Any, error: BaseException | None, *, guard: bool = True
    ) -> None:
        """On the UI thread: tell the screen (if it is still there) or say what went wrong.

        After a write that waited (`guard`), a failing callback is one line, not a traceback.
        """
        screen = write.screen
        # Still there, and still showing what the write was asked on (not another article).
        alive = screen.is_attached and screen.view_token == write.token
        try:
            if error is None:
                if alive and write.done is not None:
                    write.done(value)
                return
            if isinstance(error, TelaahError):
                message = str(error)
            else:
                message = f"{type(error).__name__}: {error}"
            self.app.notify(message, title=write.title, severity="error", markup=False)
            if alive and write.failed is not None:
                write.failed(error)
        except Exception as bug:
            if not guard:
                raise
            self.app.notify(
                f"{type(bug).__name__}: {bug}",
                title="Display not updated",
                severity="error",
                markup=False,
            )


def _show_busy(app: App[Any], screen: Any, busy: bool) -> None:
    shown = app.screen
    for where in {id(screen): screen, id(shown): shown}.values():
        show = getattr(where, "show_saving", None)
        if show is not None and where.is_attached:
            show(BUSY if busy else None)


_WRITERS: weakref.WeakKeyDictionary[App[Any], Writer] = weakref.WeakKeyDictionary()


def writer_for(app: App[Any]) -> Writer:
    """The app's one writer."""
    writer = _WRITERS.get(app)
    if writer is None:
        writer = _WRITERS[app] = Writer(app)
    return writer
