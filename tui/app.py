"""The Textual app: a thin shell with the `make_app()` factory used by the CLI and tests."""

from __future__ import annotations

from textual.app import App


class TelaahApp(App[None]):
    """Placeholder replaced below."""


def make_app(db_url: str, *, reviewer: str) -> TelaahApp:
    """Build the app on a database."""
    return TelaahApp()


def run_app(db_url: str, *, reviewer: str) -> None:
    """Run the app until the user quits."""
    make_app(db_url, reviewer=reviewer).run()
