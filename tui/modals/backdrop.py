"""The screen under a dialog, tinted as Textual tints it, drawn cheaply.

Textual draws a `ModalScreen`'s translucent background by rendering the whole screen under it
again through Rich (every segment styled anew, every line split and cropped, links looked
for), twice as a dialog opens: about 25 ms each on the review screen. `Backdrop` takes the
lines the screen under it already holds (its compositor keeps every widget's lines) and tints
each distinct style once: the same colours, a few milliseconds. `TelaahModal` is the base of
telaah's dialogs and draws its background so, once per opening: the dialog's own screen is
drawn again whenever a line of it changes (typing in the search, a new list of results), and
the screen under it does not change meanwhile, so the tinted lines of the first drawing are
kept until the dialog closes (or the terminal's size changes); and from one opening to the
next each tinted line is kept by its segments (the dialogs are built once per app and the
screen under them changes by a few lines between two openings).
"""

from __future__ import annotations

from typing import Any, TypeVar

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.app import RenderResult
from textual.color import Color
from textual.css.styles import RulesMap
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen, Screen
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

ResultType = TypeVar("ResultType")
KEPT_LINES = 400  # tinted lines a dialog keeps for its next openings (about ten screens)


class Backdrop(Visual):
    """`screen`'s lines with `color` blended into each style (`BackgroundScreen`'s blend)."""

    def __init__(
        self,
        screen: Screen[Any],
        color: Color,
        lines: dict[tuple[object, ...], Strip] | None = None,
    ) -> None:
        """`lines`: tinted lines kept from an earlier drawing, by their segments (most lines
        of the screen under a dialog are the same at its next opening); filled as drawn."""
        self.screen = screen
        self.color = color
        self.lines = lines

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        """The screen under the dialog as it is now, tinted, cut or padded to the size asked."""
        lines = self.screen._compositor.render_strips()
        tinted: dict[RichStyle | None, RichStyle | None] = {}
        color, base = self.color, style.rich_style

        def tint(style: RichStyle | None) -> RichStyle | None:
            # As Textual does: the blend, then the dialog's own style under it (`post_render`).
            if style not in tinted:
                blend = BackgroundScreen.process_segments([Segment(" ", style)], color)
                blended = next(iter(blend)).style
                tinted[style] = base + blended if base else blended
            return tinted[style]

        kept = self.lines if self.lines is not None else {}
        if len(kept) > KEPT_LINES:
            kept.clear()
        strips: list[Strip] = []
        for line in lines[: height if height is not None else len(lines)]:
            key: tuple[object, ...] | None = None
            try:
                found = (tuple(line), line.cell_length, width, color, base)
                strip = kept.get(found)
                key = found
            except TypeError:  # a control segment's codes in a list: drawn, not kept
                strip = None
            if strip is None:
                strip = Strip(
                    [
                        segment if segment.control else Segment(segment.text, tint(segment.style))
                        for segment in line
                    ],
                    line.cell_length,
                ).adjust_cell_length(width)
                if key is not None:
                    kept[key] = strip
            strips.append(strip)
        if height is not None and len(strips) < height:
            strips.extend(Strip.blank(width) for _ in range(height - len(strips)))
        return strips

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        """The screen's width."""
        return self.screen.size.width

    def get_height(self, rules: RulesMap, width: int) -> int:
        """The screen's height."""
        return self.screen.size.height


class TelaahModal(ModalScreen[ResultType]):
    """A dialog over the screen that opened it, its background drawn by `Backdrop` once per
    opening (kept until the dialog is closed or covered, or the size changes)."""

    _backdrop: tuple[object, list[Strip]] | None = None
    _tinted: dict[tuple[object, ...], Strip] | None = None  # `Backdrop.lines`, across openings

    def render(self) -> RenderResult:  # type: ignore[override]  # a Visual, as widgets may
        """Textual's background, unless it is the tinted screen under the dialog."""
        rendered = super().render()
        if isinstance(rendered, BackgroundScreen):
            return KeptBackdrop(self, rendered.screen, rendered.color)
        return rendered

    def on_screen_suspend(self) -> None:
        """Closed (or covered by another dialog): the screen under it may change meanwhile."""
        self._backdrop = None


class KeptBackdrop(Backdrop):
    """A `Backdrop` whose lines its dialog keeps for as long as it stays open."""

    def __init__(self, dialog: TelaahModal[Any], screen: Screen[Any], color: Color) -> None:
        if dialog._tinted is None:
            dialog._tinted = {}
        super().__init__(screen, color, dialog._tinted)
        self.dialog = dialog

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        """The lines drawn at this opening, at this size, in this style."""
        key = (id(self.screen), width, height, self.color, style)
        kept = self.dialog._backdrop
        if kept is not None and kept[0] == key:
            return kept[1]
        strips = super().render_strips(width, height, style, options)
        self.dialog._backdrop = (key, strips)
        return strips
