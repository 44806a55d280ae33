"""The gazetteer screen: find an entity as you type, see its record, curate it in place."""

from tui.screens.gazetteer.screen import GazetteerScreen

__all__ = ["GazetteerScreen"]
