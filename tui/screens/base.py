"""What every telaah screen shares: the typed app, the store call, undo, re-matching, workers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar, cast

from textual import on, work
from textual.message import Message
from textual.reactive import Reactive
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from store.db import Session, is_busy, write_once
from store.errors import TelaahError
from store.gazetteer.change import GazetteerChange
from store.gazetteer.search import search_cache
from store.review.candidates import MatchReport
from store.review.rematch import rematch
from store.undo.history import Undone, redo, undo
from tui.frames import OneFrame, PaintHold
from tui.workbench import Workbench
from tui.writes import Write, writer_for

ResultType = TypeVar("ResultType")
T = TypeVar("T")

# One re-match at a time, whichever screen asked: a second one waits for the first's writes.
_REMATCHING = threading.Lock()
# A re-match in the background says that it runs only when it takes longer than this.
SAY_REMATCHING_AFTER = 0.5
# How long the screen waits, undrawn, for the article re-matched first (`rematch_in_background`
# with `first`): longer (it waits behind another re-match), the screen is drawn without it.
FIRST_WAIT = 0.15
# How long the rest of such a re-match waits for the screen to be drawn before it goes on.
PAINT_WAIT = 0.3
# How long a store call on the UI thread waits for another program's write lock (then refused).
STORE_BUSY_MS = 2000


@dataclass(frozen=True, slots=True)
class Stored(Generic[T]):
    """What a store call gave: `ok` is False when it raised a `TelaahError` (already notified)."""

    ok: bool
    value: T | None = None

    def __bool__(self) -> bool:
        return self.ok


class SavingLine(Static):
    """One line at the bottom while a write waits for the database: "saving… (database busy)"."""

    DEFAULT_CSS = """
    SavingLine {
        display: none;
        height: 1;
        padding: 0 1;
        background: $warning 30%;
    }
    SavingLine.-busy {
        display: block;
    }
    """


class TelaahScreen(OneFrame[ResultType]):
    """A screen of the telaah app: reaches the app as `self.telaah`, the store with `self.store`.

    Undo and redo (`undo_step`) and the re-matching after a gazetteer change
    (`rematch_in_background`) are the same on every screen; a screen that shows mentions reads
    them again in `after_rematch`. Changes go through `self.write` (in order, never blocking on
    a locked database); a screen reads what it shows again in `refresh_view`, which runs
    whenever it regains the focus (back from another screen or a dialogue).
    """

    # Textual's `sub_title` repaints the whole screen when it changes (its default
    # `repaint=True`): the header, which watches it, redraws itself (`n`, `p`, `d` set it).
    sub_title: Reactive[str | None] = Reactive(None, compute=False, repaint=False)

    _resumed_once = False
    _held: PaintHold | None = None  # the paint held while `first` is re-matched
    _first_overdue: Timer | None = None
    _drawn: threading.Event | None = None  # set once the held paint is drawn
    _shown_stamp: object = None  # `view_stamp` when the screen last read what it shows

    class CandidatesCurrent(Message):
        """A re-match in the background has made the candidates current (the new names of a
        removal's lines come next: `Rematched`); `first`: those of the articles re-matched
        first (`rematch_in_background`)."""

        def __init__(self, *, first: bool = False) -> None:
            super().__init__()
            self.first = first

    class Rematched(Message):
        """A re-match in the background is done: `message` says what it found; `saying`: the
        timer that would say it runs."""

        def __init__(self, message: str, saying: Timer) -> None:
            super().__init__()
            self.message = message
            self.saying = saying

    @property
    def article_rematching(self) -> bool:
        """Whether the articles `rematch_in_background` re-matches first are not current yet
        (the screen's paint is held meanwhile)."""
        return self._held is not None

    @property
    def telaah(self) -> Workbench:
        """The app, with its engine and reviewer."""
        return cast("Workbench", self.app)

    def store(self, call: Callable[[Session], T], *, title: str = "Not changed") -> Stored[T]:
        """Run one store call in its own session and commit it.

        A `TelaahError` (a conflict, a refused edit) becomes an error notification with `title`
        and nothing is committed; so does a database whose write lock another program holds for
        longer than `STORE_BUSY_MS` (decisions go through `write`, which waits in a worker);
        any other exception propagates as a bug.

        Args:
            call: Takes the session, returns what the screen needs.
            title: The notification's title when the store refuses.

        Returns:
            `Stored(ok=True, value=...)`, or `Stored(ok=False)` after a refusal.
        """
        try:
            return Stored(True, write_once(self.telaah.engine, call, busy_ms=STORE_BUSY_MS))
        except TelaahError as exc:
            self.notify(str(exc), title=title, severity="error", markup=False)
            return Stored(False)
        except Exception as exc:
            if not is_busy(exc):
                raise
            self.notify(
                "the database is busy (another program is writing to it); try again",
                title=title,
                severity="error",
                markup=False,
            )
            return Stored(False)

    def write(
        self,
        call: Callable[[Session], T],
        *,
        title: str = "Not saved",
        done: Callable[[T], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run one store write (it commits), in order after the writes asked for before it.

        It commits at once when the database is free (`done` is called before this returns);
        when another program holds the database's lock it waits in the app's queue, in a
        worker, while the screen goes on and shows "saving… (database busy)", and `done` is
        called once it is saved. A refusal (a `TelaahError`: a stale decision, a conflict) or
        a write not saved within the `save_wait` setting is one notification with `title`,
        then `failed(error)`, by default `refresh_view()`: the screen shows what is stored.
        Neither is called once the screen has gone, or shows something else (`view_token`).
        """
        writer_for(self.app).submit(
            Write(
                self,
                call,
                title,
                done,
                failed if failed is not None else self._refused,
                self.view_token,
            )
        )

    @property
    def view_token(self) -> object:
        """What the screen shows, for the writes: one asked while it showed something else
        (the review screen's previous article) does not call `done` or `failed` back."""
        return None

    def _refused(self, _error: BaseException) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        """Read what the screen shows again (states, counts); each screen says how."""

    def view_stamp(self, session: Session) -> object:
        """A cheap read that differs whenever `refresh_view` could show something else (None:
        the screen has none, and reads everything again each time it comes back)."""
        return None

    def note_shown(self) -> None:
        """What the screen shows was just read from the store: take its stamp (`view_stamp`)."""
        if type(self).view_stamp is TelaahScreen.view_stamp:
            return
        self._shown_stamp = self.store(self.view_stamp, title="Not read").value

    def on_screen_resume(self) -> None:
        """Back on this screen: what it shows may have changed meanwhile (elsewhere in the app,
        by another reviewer): read it again, unless writes still wait (they refresh after), or
        nothing it shows changed since it read it last (its `view_stamp` is the same)."""
        if not self._resumed_once:  # shown for the first time: it has just read everything
            self._resumed_once = True
            return
        self.refresh_if_changed()

    def refresh_if_changed(self) -> None:
        """Read what the screen shows again if it may have changed since it last read it (a
        panel of the screen closed on nothing: as `on_screen_resume` after a dialog)."""
        if not writer_for(self.app).idle:
            return
        if self._shown_stamp is not None:
            stamp = self.store(self.view_stamp, title="Not read").value
            if stamp == self._shown_stamp:
                return
        self.refresh_view()

    def show_saving(self, status: str | None) -> None:
        """Show `status` on the line at the bottom (None hides it)."""
        lines = self.query(SavingLine)
        line = lines.first() if lines else None
        if line is None:
            if status is None:
                return
            line = SavingLine(markup=False)
            self.mount(line)
        line.update(status or "")
        line.set_class(status is not None, "-busy")

    def undo_step(
        self, backwards: bool, then: Callable[[Undone], None] | None = None
    ) -> Undone | None:
        """Undo (or redo) the reviewer's latest change, anywhere, and say what it was.

        A gazetteer edit taken back or made again re-matches the articles it reaches, in the
        background. `then` gets what changed. Returns it too when it was saved at once; None
        when there was nothing to do, it was refused (the notification says why) or it waits
        for a busy database (`then` is called once it is saved).
        """
        verb = "undo" if backwards else "redo"
        reviewer_id = self.telaah.reviewer_id
        step = undo if backwards else redo
        result: list[Undone] = []

        def stepped(done: Undone | None) -> None:
            if done is None:
                self.notify(f"Nothing to {verb}", timeout=2, markup=False)
                return
            message = f"{verb}: {done.summary}"
            if done.change is not None:
                self.rematch_in_background(done.change, message)
            else:
                self.notify(message, timeout=3, markup=False)
            result.append(done)
            if then is not None:
                then(done)

        self.write(
            lambda session: step(session=session, reviewer_id=reviewer_id),
            title=f"Cannot {verb}",
            done=stepped,
        )
        return result[0] if result else None

    def rematch_in_background(
        self, change: GazetteerChange, done: str, *, first: GazetteerChange | None = None
    ) -> None:
        """Re-match what `change` reaches and refresh the entity search in a worker; then say
        `done` and what the re-match found, and call `after_rematch`. A re-match that takes
        longer than `SAY_REMATCHING_AFTER` says first that it runs (a quick one is one notice).

        With `first` (an entity made from a mention: its article, `CreatedLink.own`), that is
        re-matched before the rest, which then leaves its articles out, and `after_rematch`
        called once it is. Until then `article_rematching` is set and nothing is drawn (for
        `FIRST_WAIT` at most): what the key changed (a panel closed, the move to the next
        mention) is drawn together with the article's new candidates, in one frame. The rest
        of the re-match starts once that frame is drawn (for `PAINT_WAIT` at most), so that
        the two do not share the processor."""
        running = f"{done}; re-matching the articles it reaches…"
        saying = self.set_timer(
            SAY_REMATCHING_AFTER, partial(self.notify, running, timeout=4, markup=False)
        )
        drawn = threading.Event()
        if first is not None:
            self._hold_paint(drawn)
        else:
            drawn.set()
        self._rematch(change, done, first, saying, drawn)

    def _hold_paint(self, drawn: threading.Event) -> None:
        """Draw nothing until the article re-matched first is current (or `FIRST_WAIT`)."""
        self._release_paint()  # (one hold at a time: a second entity made meanwhile)
        self._held = PaintHold(self.app)
        self._drawn = drawn
        self._first_overdue = self.set_timer(FIRST_WAIT, self._first_done)

    def _first_done(self) -> None:
        """The article re-matched first is current (or overdue): draw the screen with it (its
        changes made while the paint is still held)."""
        self.after_rematch()
        self._release_paint(soon=True)

    def _release_paint(self, *, soon: bool = False) -> None:
        """End the hold of `_hold_paint`, if any (`soon`: once the widgets changed have said
        so, `PaintHold.release_soon`); the worker waiting for the frame goes on once it is
        drawn."""
        if self._first_overdue is not None:
            self._first_overdue.stop()
            self._first_overdue = None
        held, self._held = self._held, None
        if held is None:
            return
        drawn = self._drawn
        go_on = None if drawn is None else partial(self.call_after_refresh, drawn.set)
        if soon:
            held.release_soon(go_on)
        else:
            held.release(go_on)

    def on_unmount(self) -> None:
        self._release_paint()  # (the app's paint is held for the whole app)

    @work(
        thread=True,
        exclusive=False,
        exit_on_error=False,
        group="rematch",
        description="re-matching after a gazetteer change",
    )
    def _rematch(
        self,
        change: GazetteerChange,
        done: str,
        first: GazetteerChange | None,
        saying: Timer,
        drawn: threading.Event,
    ) -> None:
        engine, reviewer_id = self.telaah.engine, self.telaah.reviewer_id
        with _REMATCHING:
            report = MatchReport()
            if first is not None:
                try:
                    report.merge(rematch(engine, first, reviewer_id=reviewer_id))
                finally:  # (shown even if it failed: the failure is the worker's notice)
                    self.post_message(self.CandidatesCurrent(first=True))
                drawn.wait(PAINT_WAIT)
            report.merge(
                rematch(
                    engine,
                    change,
                    reviewer_id=reviewer_id,
                    # The candidates are shown as soon as they are current; the new names after.
                    candidates_current=lambda _r: self.post_message(self.CandidatesCurrent()),
                    already=first.articles if first is not None else (),
                )
            )
            # The change altered what entity search must find (an entity made: added to it).
            search_cache(engine).fresh(created=change.key)
        summary = report.summary.replace("matched", "re-matched", 1)
        self.post_message(self.Rematched(f"{done}; {summary}", saying))

    @on(CandidatesCurrent)
    def _candidates_current(self, event: CandidatesCurrent) -> None:
        if event.first and self._held is not None:
            self._first_done()  # (else drawn already, when it was overdue)
            return
        self.after_rematch()

    @on(Rematched)
    def _rematched(self, event: Rematched) -> None:
        event.saying.stop()
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
