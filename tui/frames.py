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
import inspect
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from typing import Any, TypeVar

from textual._compositor import Compositor
from textual.app import App
from textual.geometry import Size
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget

ResultType = TypeVar("ResultType")


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


class OneFrame(Screen[ResultType]):
    """A screen that draws what a key changed in one frame, not two.

    Textual draws a frame when the screen's update timer ticks, with the widgets that have told
    the screen by then that they changed; a widget tells it from its own task, when it next
    goes idle, one widget after the other. Two things made a key take two frames (traced with
    the review keys benchmark, `d`: 30-60 ms apart, the second redrawing the article's text,
    its panels and the scroll bar):

    - the tick came before some widgets changed by the key had told the screen: `d` put the
      next article in seven widgets, and the first frame drew one of them;
    - a layout changes sizes, and what a widget does about its new size (a virtual size set
      through a reactive that asks for a layout, a scroll bar's new window, which repaints it)
      reaches the screen after that frame is drawn.

    Here the screen does not wait to be told: when it ticks, and after each layout, it takes
    the refreshes that its widgets have asked for and not yet sent (what each widget's idle
    handler would send, `Widget._check_refresh`, read from the same flags and cleared, so that
    it sends nothing later), lays out again while a layout asked for another (up to
    `SETTLE_LAYOUTS` times), and draws once. On a Textual without the private attributes this
    reads, the screen draws as Textual does.
    """

    SETTLE_LAYOUTS = 3
    SETTLE_TURNS = 12
    _settling = False
    _paint_owed = False

    def _on_timer_update(self) -> None:
        if _CLAIMABLE and self.is_current and not self.app._batch_count and self._unsettled():
            self._update_timer.pause()
            self._tick_when_settled(self.SETTLE_TURNS)
            return
        self._tick()

    def _tick_when_settled(self, turns: int) -> None:
        """Draw once no widget of the screen has a message left to read (or after `turns` of
        the event loop): what they do with them is in the frame."""

        def turn() -> None:
            try:
                if turns > 1 and self._unsettled():
                    self._tick_when_settled(turns - 1)
                else:
                    self._tick()
            except Exception as error:  # as Textual's timer would: the app reports it
                self.app._handle_exception(error)

        asyncio.get_running_loop().call_soon(turn)

    def _tick(self) -> None:
        if _CLAIMABLE and self.is_current and not self.app._batch_count:
            self._claim_refreshes()
        super()._on_timer_update()

    def _unsettled(self) -> bool:
        """Whether the screen or a widget laid out on it has messages or callbacks not read."""
        for node in (self, *self._compositor.widgets):
            if node._message_queue.qsize() or node._next_callbacks:
                return True
            if node._pending_message is not None:
                return True
        return False

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        if not _CLAIMABLE or self._settling or not self.is_current:  # (a screen under another
            super()._refresh_layout(size, scroll)  # is drawn through the top one: left as is)
            return
        self._settling, self._paint_owed = True, False
        try:
            super()._refresh_layout(size, scroll)
            for _ in range(self.SETTLE_LAYOUTS):
                if not self._claim_refreshes():
                    break
                super()._refresh_layout(size)
        finally:
            self._settling = False
        if self._paint_owed:
            if self._dirty_widgets:
                self._compositor.update_widgets(self._dirty_widgets)
            self._compositor_refresh()

    def _compositor_refresh(self) -> None:
        if self._settling:  # drawn once the layouts are settled
            self._paint_owed = True
            return
        super()._compositor_refresh()

    def _claim_refreshes(self) -> bool:
        """Take the repaints and layouts this screen's laid-out widgets asked for and have not
        sent yet, as the screen's `Update` and `Layout` handlers would; True if a layout was
        asked for."""
        dirty = self._dirty_widgets
        laid = False
        for widget in list(self._compositor.widgets):
            if widget is self or widget._closing or widget._parent is None:
                continue  # (the screen's own flags are its frame's: `_on_timer_update`)
            if widget._repaint_required:
                widget._repaint_required = False
                if widget.display:
                    dirty.add(widget)
            if widget._layout_required:
                widget._layout_required = False
                self._note_layout(widget)
                laid = True
        if laid:
            self._layout_required = True
        return laid

    def _note_layout(self, widget: Widget) -> None:
        """What a widget's idle handler and the screen's `Layout` handler do for a layout."""
        for ancestor in widget.ancestors:
            if not isinstance(ancestor, Widget):
                break
            ancestor._clear_arrangement_cache()
            ancestor._layout_updates += 1
            if not ancestor.styles.auto_dimensions:
                break
        layouts = self._layout_widgets
        node: Widget = widget
        for ancestor in widget.ancestors:
            if not isinstance(ancestor, Widget):
                break
            layouts.setdefault(ancestor, set())
            if node not in layouts:
                layouts[ancestor].add(node)
            if not ancestor.styles.auto_dimensions:
                break
            node = ancestor


def _claimable() -> bool:
    """Whether this Textual sends refreshes as `OneFrame` takes them (the pinned 8.2.8 does):
    the lines it copies are checked in Textual's source, as `tui.cycles` does."""
    expected: dict[Callable[..., object], tuple[str, ...]] = {
        Widget._check_refresh: (
            "if self._repaint_required:",
            "self._repaint_required = False",
            "screen.post_message(messages.Update(self))",
            "if self._layout_required:",
            "ancestor._clear_arrangement_cache()",
            "ancestor._layout_updates += 1",
            "screen.post_message(messages.Layout(self))",
        ),
        Screen._on_layout: ("self._layout_widgets[ancestor].add(widget)",),
        Screen._on_update: ("self._dirty_widgets.add(widget)",),
        Screen._refresh_layout: ("self._compositor.update_widgets(self._dirty_widgets)",),
        Screen._on_timer_update: ("self._refresh_layout(scroll=self._scroll_required)",),
    }
    try:
        return all(
            line in inspect.getsource(method)
            for method, lines in expected.items()
            for line in lines
        ) and hasattr(Compositor, "update_widgets")
    except (OSError, TypeError):  # no source (a frozen app)
        return False


_CLAIMABLE = _claimable()
