"""The Textual app: a thin shell with the `make_app()` factory used by the CLI and tests."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from store.db import Engine, open_database, session_scope
from store.reviewers import ensure_reviewer
from tui.screens.articles import ArticlesScreen


class TelaahApp(App[None]):
    """telaah on one database, for one reviewer; it disposes of the engine when it closes."""

    CSS_PATH = "app.tcss"
    TITLE = "telaah"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "toggle_help", "Keys", id="app.help"),
    ]

    def __init__(self, engine: Engine, *, reviewer: str, reviewer_id: int) -> None:
        super().__init__()
        self.engine = engine
        self.reviewer = reviewer
        self.reviewer_id = reviewer_id
        self.sub_title = reviewer

    def get_default_screen(self) -> Screen[None]:
        """The article list."""
        return ArticlesScreen(self.engine)

    def action_toggle_help(self) -> None:
        """Show or hide the panel listing every key of the current screen."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def on_unmount(self) -> None:
        """Close the database connections."""
        self.engine.dispose()


def make_app(db_url: str, *, reviewer: str) -> TelaahApp:
    """Build the app on a database, migrating it first, with `reviewer` recorded.

    Errors (a database too new, not a telaah database) are raised here, before any screen.

    Args:
        db_url: SQLAlchemy URL of the database.
        reviewer: Name of the person working; created if new.

    Returns:
        The app, ready to `run()` or `run_test()`.
    """
    engine = open_database(db_url)
    try:
        with session_scope(engine) as session:
            reviewer_id = ensure_reviewer(session=session, name=reviewer)
    except BaseException:
        engine.dispose()
        raise
    return TelaahApp(engine, reviewer=reviewer, reviewer_id=reviewer_id)


def run_app(db_url: str, *, reviewer: str) -> None:
    """Run the app until the user quits.

    Args:
        db_url: SQLAlchemy URL of the database.
        reviewer: Name of the person working.
    """
    make_app(db_url, reviewer=reviewer).run()
