"""A footer that rebuilds its keys only when what it shows changes.

Textual's `Footer` recomposes (a widget per key, styles applied) every time the screen's
bindings are refreshed, which happens on focus changes and many key presses; the review
screen's keys rarely change, so that work is wasted on every decision. A screen that shows
some keys elsewhere for a while (the review screen's span modes, on their status line) hides
the footer meanwhile (`footer_hidden`), so that it is not rebuilt for them and back.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class QuietFooter(Footer):
    """`Footer`, recomposed only when the shown keys, their labels or their states differ."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None

    def _signature(self, screen: Screen[Any]) -> tuple[Any, ...]:
        return tuple(
            (
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
            )
            for (_, binding, enabled, _tip) in screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Recompose only when the keys on show changed; not while the screen hides the
        footer (compared again when it shows it)."""
        if not screen.app.app_focus or not (self.is_attached and screen is self.screen):
            super().bindings_changed(screen)
            return
        if getattr(screen, "footer_hidden", False):
            return
        signature = self._signature(screen)
        if signature == self._shown:
            self._bindings_ready = True
            return
        self._shown = signature
        super().bindings_changed(screen)
