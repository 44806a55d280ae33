"""A list that renders only the lines on screen: 10 or 100,000 lines open equally fast.

The owner gives a line count and a function that renders line `index` at a width; the list
keeps a cursor, scrolls it into view and posts `Highlighted` / `Selected` messages.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

LineRenderer = Callable[[int, int], Text]


class VirtualList(ScrollView, can_focus=True):
    """`count` lines drawn by `render(index, width)`; the line under the cursor in reverse."""

    BINDINGS = [
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    class Highlighted(Message):
        """The cursor moved to `index`."""

        def __init__(self, source: VirtualList, index: int) -> None:
            super().__init__()
            self.source = source
            self.index = index

        @property
        def control(self) -> VirtualList:
            """The list the message comes from (for `@on(..., selector)`)."""
            return self.source

    class Selected(Message):
        """`enter` on line `index`."""

        def __init__(self, source: VirtualList, index: int) -> None:
            super().__init__()
            self.source = source
            self.index = index

        @property
        def control(self) -> VirtualList:
            """The list the message comes from (for `@on(..., selector)`)."""
            return self.source

    def __init__(self, render: LineRenderer, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._draw_line = render
        self.count = 0
        self.cursor = 0
        self._cache: dict[tuple[int, int, bool], Strip] = {}

    def reset(self, count: int, cursor: int = 0) -> None:
        """Show `count` lines (drawn afresh) with the cursor on line `cursor`."""
        self.count = count
        self._cache.clear()
        self.virtual_size = Size(self.size.width, count)
        self.cursor = max(0, min(cursor, count - 1)) if count else 0
        self.refresh()
        self.call_after_refresh(self._follow)
        if count:
            self.post_message(self.Highlighted(self, self.cursor))

    def redraw(self) -> None:
        """Draw every line again (their data changed)."""
        self._cache.clear()
        self.refresh()

    def move_to(self, index: int) -> None:
        """Put the cursor on line `index`."""
        if not self.count:
            return
        index = max(0, min(index, self.count - 1))
        if index != self.cursor:
            self.cursor = index
            self.refresh()
            self.post_message(self.Highlighted(self, index))
        self._follow()

    def action_cursor(self, step: int) -> None:
        """Move the cursor by `step` lines."""
        self.move_to(self.cursor + step)

    def action_page(self, step: int) -> None:
        """Move the cursor by a screenful."""
        self.move_to(self.cursor + step * max(1, self.size.height - 1))

    def action_jump(self, index: int) -> None:
        """Go to the first (0) or the last (-1) line."""
        self.move_to(self.count - 1 if index < 0 else index)

    def action_select(self) -> None:
        """Say that the line under the cursor was chosen."""
        if self.count:
            self.post_message(self.Selected(self, self.cursor))

    def _follow(self) -> None:
        height = max(1, self.size.height)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def on_resize(self) -> None:
        """Lines are drawn for a width: draw them again at the new one."""
        self._cache.clear()
        self.virtual_size = Size(self.size.width, self.count)

    def on_click(self, event: object) -> None:
        """A click puts the cursor on the clicked line."""
        y = getattr(event, "y", None)
        if isinstance(y, int):
            self.move_to(int(self.scroll_y) + y)

    def render_line(self, y: int) -> Strip:
        """Line `y` of the visible area."""
        index = int(self.scroll_y) + y
        width = self.size.width
        if index >= self.count or width <= 0:
            return Strip.blank(width, self.rich_style)
        key = (index, width, index == self.cursor)
        strip = self._cache.get(key)
        if strip is None:
            text = self._draw_line(index, width)
            text.no_wrap, text.overflow = True, "ellipsis"
            text.truncate(width, overflow="ellipsis", pad=True)
            if index == self.cursor:
                text.stylize(Style(reverse=True))
            segments = list(text.render(self.app.console))
            segments = [s for s in segments if s.text != "\n"] or [Segment("")]
            strip = Strip(segments).crop_extend(0, width, self.rich_style)
            if len(self._cache) > 4000:
                self._cache.clear()
            self._cache[key] = strip
        return strip
