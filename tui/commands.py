"""The app's bindings by id, for the keymap (`telaah config`, the tests): every screen imported."""

from __future__ import annotations

import tui.app  # noqa: F401  (every screen and widget, so their classes and bindings exist)
from tui.keymap import BindingInfo, defined_bindings, effective_keymap, keymap_clashes

__all__ = ["BindingInfo", "app_bindings", "effective_keymap", "keymap_clashes"]


def app_bindings() -> list[BindingInfo]:
    """Every binding with an id defined by a telaah screen, widget or app class, by id."""
    return defined_bindings()
