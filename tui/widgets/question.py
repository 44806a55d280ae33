"""A yes/no question on the screen's last lines (the screen docks it there), not a dialog.

A dialog is a screen of its own: opening and closing one styles and draws the whole screen
again (about 100 ms under the test driver); the line is one widget shown and hidden. It has
the keys of `ConfirmScreen` (same binding ids, so a remapped key applies to both): `y`/`enter`
yes, `n`/`escape` no; the focus going elsewhere (a click) answers no. The screen switches its
own keys off while it asks (`asking`).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from store.textsafe import visible


class Question(Static, can_focus=True):
    """Asks one question at a time and calls back with the answer."""

    DEFAULT_CSS = """
    Question {
        display: none;
        height: auto;
        padding: 0 1;
        background: $warning 30%;
    }
    Question.-asking {
        display: block;
    }
    """
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]
    KEYS = Content.assemble(
        ("  y", "bold"),
        " / ",
        ("enter", "bold"),
        ": yes   ",
        ("n", "bold"),
        " / ",
        ("escape", "bold"),
        ": no",
    )

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id, markup=False)
        self._answered: Callable[[bool], None] | None = None

    @property
    def asking(self) -> bool:
        """Whether a question waits for its answer."""
        return self._answered is not None

    def ask(self, question: str | Content, answered: Callable[[bool], None]) -> None:
        """Show `question` (data, never markup) with its keys and take the focus; `answered`
        gets True or False."""
        text = question if isinstance(question, Content) else Content(visible(question))
        self._answered = answered
        self.update(text + self.KEYS)
        self.add_class("-asking")
        self.focus(scroll_visible=False)

    def action_answer(self, yes: bool) -> None:
        """Close the question and give the answer."""
        answered, self._answered = self._answered, None
        if answered is None:
            return
        self.remove_class("-asking")
        answered(yes)

    def on_blur(self) -> None:
        """The focus went elsewhere: no."""
        self.action_answer(False)
