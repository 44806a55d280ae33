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
draws). `release_soon` ends the hold once the event loop has run what was ready to run: each
widget changed meanwhile has then told the screen (a widget does so from its own task, when it
next goes idle). Released at once, the next tick came before some of them had, and drew a
second frame ~20 ms later. Through the app's message queue (as before) was not enough when the
hold was taken in the app's own task (a key's action): the app reads its next message without
letting the widgets' tasks run first (seen with `d`'s paint held, tried and left out: its text
was drawn in both of its frames all the same, bench/README.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

from textual.app import App
from textual.message_pump import MessagePump


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
        """End the hold once the widgets changed so far have told the screen (the event loop's
        next turn: their tasks were ready before it), then call `then`; at once when no event
        loop runs here (the app is gone)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # (no loop runs here: the app is gone)
            self.release(then)
            return
        loop.call_soon(partial(self.release, then))


def after_frames(node: MessagePump, callback: Callable[[], object]) -> None:
    """Call `callback` once what a key changed is drawn: after the screen's next refresh, and
    after the one after it when the first asked for another (a layout that changed a size is
    laid out and drawn again: `d`, a span saved). Work put here (the collector's due pass,
    the fact candidates of the article left) no longer falls between a key's two frames;
    with nothing left to draw, it runs at once after the first."""
    node.call_after_refresh(node.call_after_refresh, callback)
