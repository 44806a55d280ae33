"""The last line of defence: no terminal-active code point leaves the app.

Every screen shows data through `store.textsafe.visible` where it becomes `Content` or `Text`,
so a control or bidi character is drawn as a visible mark. This filter runs on every line the
app draws and removes whatever is left of them (a value some widget drew without passing it
through `visible`): they are zero cells wide, so nothing drawn moves. It never adds a mark.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from store.textsafe import strip_unsafe


class TerminalSafe(LineFilter):
    """Removes C0/C1 controls, bidi controls and lone surrogates from drawn segments."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        """The line's segments, their text without terminal-active code points."""
        cleaned: list[Segment] | None = None
        for index, segment in enumerate(segments):
            text = strip_unsafe(segment.text)
            if text is not segment.text:
                if cleaned is None:
                    cleaned = list(segments)
                cleaned[index] = Segment(text, segment.style, segment.control)
        return segments if cleaned is None else cleaned
