"""The link dialog: the entity picker (`tui.widgets.link_picker`) as a dialog of its own, for
the screens that have no panel for it (the concordance); the review screen docks the same
picker (`tui.widgets.link_dock`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual import on
from textual.app import App, ComposeResult

from store.db import Engine
from store.review.mentions import MentionView
from tui.modals.backdrop import TelaahModal
from tui.modals.new_entity import NewEntity, show_form
from tui.widgets.link_picker import LinkChoice, LinkPicker

__all__ = ["DIALOG", "LinkChoice", "LinkScreen", "show_link"]


class LinkScreen(TelaahModal[LinkChoice | None]):
    """The picker in a dialog: its choice is the dialog's result; `ctrl+n` opens the
    new-entity form over it (`escape` there comes back to the search)."""

    CSS_PATH = "modals.tcss"

    def __init__(
        self, engine: Engine, mention: MentionView, labels: Sequence[str], colours: dict[str, str]
    ) -> None:
        """A dialog for `mention`; `labels` in schema order, `colours` by label."""
        super().__init__()
        self.engine = engine
        self.picker = LinkPicker(engine, mention, labels, colours, id="link-dialog")

    def compose(self) -> ComposeResult:
        """The picker."""
        yield self.picker

    def on_mount(self) -> None:
        """Typing searches."""
        self.picker.focus_query()

    def prepare(self, mention: MentionView, labels: Sequence[str], colours: dict[str, str]) -> None:
        """The dialog again, for another mention (`show_link`: built once per app)."""
        self.picker.prepare(self.engine, mention, labels, colours)
        self.picker.focus_query()

    @on(LinkPicker.Chosen)
    def _chosen(self, event: LinkPicker.Chosen) -> None:
        event.stop()
        self.dismiss(event.choice)

    @on(LinkPicker.CreateAsked)
    def _create(self, event: LinkPicker.CreateAsked) -> None:
        event.stop()
        picker = self.picker

        def made(new: NewEntity | None) -> None:
            if new is not None:
                self.dismiss(LinkChoice(None, new.label, name=new.name, key=new.key))

        show_form(
            self.app,
            self.engine,
            picker.mention.text,
            picker.label,
            picker.labels,
            picker.colours,
            made,
        )


DIALOG = "telaah-link"  # the name the dialog is installed under in the app


def show_link(
    app: App[Any],
    engine: Engine,
    mention: MentionView,
    labels: Sequence[str],
    colours: dict[str, str],
    chosen: Callable[[LinkChoice | None], None],
) -> None:
    """Open the link dialog for `mention`, `chosen` getting the choice. The dialog is built once
    per app and shown again after (`prepare`), as the new-entity form is."""
    dialog = app.get_screen(DIALOG) if app.is_screen_installed(DIALOG) else None
    if isinstance(dialog, LinkScreen) and dialog.engine is engine and dialog.is_mounted:
        dialog.prepare(mention, labels, colours)
    else:
        if dialog is not None:
            app.uninstall_screen(DIALOG)
        dialog = LinkScreen(engine, mention, labels, colours)
        app.install_screen(dialog, DIALOG)
    app.push_screen(dialog, chosen)
