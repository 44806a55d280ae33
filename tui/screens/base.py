"""What every telaah screen shares: the app with its database engine and reviewer."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from tui.app import TelaahApp

ResultType = TypeVar("ResultType")


class TelaahScreen(Screen[ResultType]):
    """A screen of the telaah app."""

    @property
    def telaah(self) -> TelaahApp:
        """The app, with its engine and reviewer."""
        return cast("TelaahApp", self.app)
