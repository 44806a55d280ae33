"""Small modal questions: a line of text, or one choice among a few."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from store.textsafe import visible
from tui.modals.backdrop import TelaahModal


class PromptScreen(TelaahModal[str | None]):
    """Asks for one line of text; `enter` answers it, `escape` cancels (None)."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value

    def compose(self) -> ComposeResult:
        """The question, the input line and the keys."""
        with Vertical():
            yield Static(Content(visible(self.question)))
            yield Input(value=self.value, id="prompt-input")
            yield Static(Content("enter: OK    escape: cancel"), classes="prompt-keys")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class ChoiceScreen(TelaahModal[str | None]):
    """Asks to choose one of `choices` (value, label); `enter` chooses, `escape` cancels."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel")]

    def __init__(
        self, question: str, choices: Sequence[tuple[str, str]], current: str | None = None
    ) -> None:
        super().__init__()
        self.question = question
        self.choices = list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        """The question, the choices and the keys."""
        with Vertical():
            yield Static(Content(visible(self.question)))
            yield OptionList(
                *[Option(Content(visible(label)), id=value) for value, label in self.choices],
                id="choice-list",
            )
            yield Static(
                Content("↑/↓ choose    enter: OK    escape: cancel"), classes="prompt-keys"
            )

    def on_mount(self) -> None:
        """Highlight the current value, if it is among the choices."""
        values = [value for value, _ in self.choices]
        if self.current in values:
            self.query_one(OptionList).highlighted = values.index(self.current)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)
