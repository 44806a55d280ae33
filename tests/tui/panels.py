"""Where the tests find the entity picker and the new-entity form: the review screen's panel
(`LinkDock`) when it shows one, else the dialog on top."""

from __future__ import annotations

from typing import Any

from textual.app import App

from tui.modals.link import LinkScreen
from tui.modals.new_entity import NewEntityScreen
from tui.screens.review import ArticleScreen
from tui.widgets.entity_form import EntityForm
from tui.widgets.link_dock import LinkDock
from tui.widgets.link_picker import LinkPicker


def open_panel(app: App[Any]) -> LinkPicker | EntityForm | None:
    """The picker or the form the reviewer sees now, if any."""
    screen = app.screen
    if isinstance(screen, LinkScreen):
        return screen.picker
    if isinstance(screen, NewEntityScreen):
        return screen.form
    if isinstance(screen, ArticleScreen):
        return screen.query_one(LinkDock).shown
    return None


def picker(app: App[Any]) -> LinkPicker:
    """The entity picker shown now (the test fails if none is)."""
    shown = open_panel(app)
    assert isinstance(shown, LinkPicker), f"no link picker shown: {shown!r} on {app.screen!r}"
    return shown


def form(app: App[Any]) -> EntityForm:
    """The new-entity form shown now (the test fails if none is)."""
    shown = open_panel(app)
    assert isinstance(shown, EntityForm), f"no new-entity form shown: {shown!r} on {app.screen!r}"
    return shown


def reviewing(app: App[Any]) -> ArticleScreen:
    """The review screen, nothing open over it or in its panel."""
    screen = app.screen
    assert isinstance(screen, ArticleScreen), f"not on the review screen: {screen!r}"
    assert open_panel(app) is None, "the picker or the form is still open"
    return screen
