"""A yes/no question before a change that touches many rows (it says how many first)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from store.textsafe import visible
from tui.modals.backdrop import TelaahModal


class ConfirmScreen(TelaahModal[bool]):
    """Shows `question` (data, never markup); `y`/`enter` answers yes, `n`/`escape` no."""

    CSS_PATH = "modals.tcss"

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str | Content) -> None:
        super().__init__()
        # A question naming data (a name, a surface) shows its controls as marks.
        self.question = question if isinstance(question, Content) else Content(visible(question))

    def compose(self) -> ComposeResult:
        """The question and the keys."""
        with Vertical():
            yield Static(self.question, id="confirm-question")
            yield Static(Content("y / enter: yes    n / escape: no"), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)
