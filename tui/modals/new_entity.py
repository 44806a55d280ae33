"""The new-entity dialog: the form (`tui.widgets.entity_form`) as a dialog of its own, for the
link dialog's `ctrl+n`; the review screen docks the same form (`tui.widgets.link_dock`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual import on
from textual.app import App, ComposeResult

from store.db import Engine
from tui.modals.backdrop import TelaahModal
from tui.widgets.entity_form import EntityForm, NewEntity

__all__ = ["FORM", "NewEntity", "NewEntityScreen", "show_form"]


class NewEntityScreen(TelaahModal[NewEntity | None]):
    """The form in a dialog: what it gives is the dialog's result (None: `escape`)."""

    CSS_PATH = "modals.tcss"

    def __init__(
        self,
        engine: Engine,
        surface: str,
        label: str,
        labels: Sequence[str],
        colours: dict[str, str],
    ) -> None:
        super().__init__()
        self.engine = engine
        self.form = EntityForm(engine, surface, label, labels, colours, id="new-entity-dialog")

    def compose(self) -> ComposeResult:
        """The form."""
        yield self.form

    def on_mount(self) -> None:
        """The name focused, everything selected."""
        self.form.focus_name()

    def prepare(
        self, surface: str, label: str, labels: Sequence[str], colours: dict[str, str]
    ) -> None:
        """The form again, for another surface (`show_form`: built once per app)."""
        self.form.prepare(self.engine, surface, label, labels, colours)
        self.form.focus_name()

    @on(EntityForm.Done)
    def _done(self, event: EntityForm.Done) -> None:
        event.stop()
        self.dismiss(event.new)


FORM = "telaah-new-entity"  # the name the form is installed under in the app


def show_form(
    app: App[Any],
    engine: Engine,
    surface: str,
    label: str,
    labels: Sequence[str],
    colours: dict[str, str],
    made: Callable[[NewEntity | None], None],
) -> None:
    """Open the new-entity dialog for `surface`, `made` getting what it gives. The dialog is
    built once per app and shown again after (`prepare`): composing and styling it anew took
    most of the time `N` and `ctrl+n` took."""
    form = app.get_screen(FORM) if app.is_screen_installed(FORM) else None
    if isinstance(form, NewEntityScreen) and form.engine is engine and form.is_mounted:
        form.prepare(surface, label, labels, colours)
    else:
        if form is not None:
            app.uninstall_screen(FORM)
        form = NewEntityScreen(engine, surface, label, labels, colours)
        app.install_screen(form, FORM)
    app.push_screen(form, made)
