"""Holding the app's paint until what belongs in one frame is ready.

Textual draws a frame when its screen's update timer ticks, with the widgets that have said by
then that they changed; each widget says so when it next goes idle, one after the other. A new
entity made from a mention (the review screen's `enter` in the form) changes the screen twice:
at once (the panel closes, the focus moves on) and when its article is re-matched in a worker
(the entity's other mentions there). Drawn as it came, that was two or three frames, each with
a layout, the later ones competing for the processor with the worker; measured with the
review keys benchmark (10 eval articles, 135 new entities), the last frame came at 56-62 ms
(median), and at 36 ms drawn once (`TelaahScreen.rematch_in_background`).

`PaintHold` holds the app's painting (`App.batch_update`: the screen neither lays out nor
draws). `release_soon` ends the hold through the app's message queue, after the widgets changed
meanwhile have told the screen: released at once, the next tick came before some of them had,
and drew a second frame ~20 ms later.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

from textual.app import App


class PaintHold:
    """The app draws nothing until `release` (nested holds: until every one is released)."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        held: AbstractContextManager[None] = app.batch_update()
        held.__enter__()
        self._held: AbstractContextManager[None] | None = held

    def release(self, then: Callable[[], object] | None = None) -> None:
        """End the hold now (a second call does nothing), then call `then`."""
        held, self._held = self._held, None
        if held is not None:
            held.__exit__(None, None, None)
        if then is not None:
            then()

    def release_soon(self, then: Callable[[], object] | None = None) -> None:
        """End the hold once the widgets changed so far have told the screen (through the
        app's queue, after their own), then call `then`; at once when the app no longer runs
        its queue."""
        try:
            scheduled = self.app.call_later(partial(self.release, then))
        except RuntimeError:  # (the event loop is closed: the app is gone)
            scheduled = False
        if not scheduled:  # (the app is closing)
            self.release(then)
