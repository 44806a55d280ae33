"""`telaah db ...` and `telaah locate`: where the data lives, and schema migrations."""

from __future__ import annotations

import typer

from store.paths import config_file, data_dir
from tui.cli.context import data, out, settings

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Migrate the database to this version's schema (new databases are created)."""
    from store.db import upgrade_database

    current = settings(ctx)
    before, after = upgrade_database(current.db_url)
    if before == after:
        out.print(data(f"{current.db_url}: already at revision {after}"))
    else:
        out.print(data(f"{current.db_url}: upgraded from {before or 'empty'} to {after}"))


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Show the database's schema revision and this version's."""
    from store.db import make_engine
    from store.migrate import current_revision, head_revision

    current = settings(ctx)
    engine = make_engine(current.db_url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    out.print(data(f"database: {current.db_url}"))
    out.print(data(f"revision: {revision or 'none (empty database)'}"))
    out.print(data(f"this version's revision: {head_revision()}"))


def locate(ctx: typer.Context) -> None:
    """Print where the database, config file and data directory are."""
    current = settings(ctx)
    out.print(data(f"database: {current.db_url}"))
    out.print(data(f"config:   {config_file()}"))
    out.print(data(f"data:     {data_dir()}"))
