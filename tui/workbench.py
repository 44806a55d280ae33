"""What screens and widgets may ask of the app: a protocol, so that they never import the app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from store.corpus.articles import ArticleView
from store.db import Engine


class Workbench(Protocol):
    """The running telaah app as its screens see it (`TelaahScreen.telaah`).

    `tui.app.TelaahApp` is the one implementation; the app imports the screens, and the
    screens know only this, so there is no import circle between them.
    """

    engine: Engine
    reviewer: str
    reviewer_id: int
    save_wait: float  # seconds a write waits for a locked database before "not saved"
    min_score: float  # candidates scored under it are hidden (the config's `min_score`)
    show_all: bool  # `v` in the review screen: the hidden candidates are shown

    def open_article(
        self,
        article: ArticleView,
        *,
        focus: int | None = None,
        then: Callable[[None], None] | None = None,
    ) -> None:
        """Review `article`, `focus` a mention first; `then` on the way back."""
