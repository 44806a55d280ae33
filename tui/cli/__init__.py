"""The `telaah` command: global options, subcommands, and one-line errors instead of tracebacks."""

from __future__ import annotations

import gc
import sys
import traceback
from typing import Annotated

import typer
from rich.text import Text

from store.config import load_config
from store.errors import TelaahError
from store.paths import data_dir, resolve_db_url
from tui.cli import (
    agree,
    config,
    corpus,
    curation,
    database,
    export,
    facts,
    gazetteer,
    schema,
    teams,
)
from tui.cli.context import (
    Settings,
    current_db_url,
    err,
    note,
    remember_db_url,
    settings,
    shown,
)

app = typer.Typer(
    name="telaah",
    help="Keyboard-driven workbench for gold-standard entity and fact annotation of news.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(database.app, name="db")
app.add_typer(gazetteer.app, name="gazetteer")
curation.register(gazetteer.app)
app.add_typer(schema.app, name="schema")
app.add_typer(corpus.articles_app, name="articles")
app.add_typer(config.app, name="config")
app.add_typer(facts.app, name="facts")
corpus.register(app)
export.register(app)
agree.register(app)
teams.register(app)
app.command("locate")(database.locate)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH_OR_URL",
            help="Database file or SQLAlchemy URL (default: $TELAAH_DB, else telaah.db in the "
            "data directory).",
        ),
    ] = None,
    reviewer: Annotated[
        str | None,
        typer.Option(
            "--reviewer",
            help="Who is working, stored with every decision (default: "
            "$TELAAH_REVIEWER, else `reviewer` in the config file, else the login name).",
        ),
    ] = None,
) -> None:
    """Keyboard-driven workbench for gold-standard entity and fact annotation of news.

    Run without a command to open the app on the database.
    """
    from store.formats import limits
    from store.reviewers import default_reviewer_name  # sqlmodel: not for `--help`

    loaded = load_config()
    limits.apply(loaded.limits)  # every importer's limits on one record ([import])
    ctx.obj = Settings(
        db_url=resolve_db_url(db),
        reviewer=reviewer or default_reviewer_name(loaded),
        config=loaded,
        reviewer_given=reviewer is not None,
    )
    remember_db_url(ctx.obj.db_url)
    if ctx.invoked_subcommand not in (None, "open", "config"):
        for line in loaded.problems:  # the app and `telaah config` show them themselves
            note(line)
    if ctx.invoked_subcommand is None:
        open_app(ctx)


@app.command("open")
def open_app(ctx: typer.Context) -> None:
    """Open the app on the database."""
    from tui.app import run_app

    current = settings(ctx)
    current.engine()  # migrate or refuse before the screen takes over
    run_app(current.db_url, reviewer=current.reviewer, config=current.config)


def _log_crash() -> str:
    log = data_dir() / "telaah.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc() + "\n")
    except OSError:
        return "(no log could be written)"
    return f"(details in {log})"


def main() -> None:
    """Entry point: run the command; errors become one line on stderr and exit status 1."""
    try:
        app()
    except TelaahError as exc:
        err.print(Text(shown(f"telaah: {exc}"), style="red"))
        sys.exit(1)
    except KeyboardInterrupt:
        err.print(Text("telaah: interrupted", style="red"))
        sys.exit(130)
    except Exception as exc:
        from store.dberrors import describe  # the database layer: not loaded for `--help`

        explained = describe(exc, current_db_url())
        if explained is not None:
            err.print(Text(f"telaah: {explained}", style="red"))
            sys.exit(1)
        where = _log_crash()
        first = (str(exc).strip().splitlines() or [""])[0]  # one line: SQL and links in the log
        line = f"telaah: internal error: {type(exc).__name__}: {first} {where}"
        err.print(Text(shown(line), style="red"))
        sys.exit(1)


def run() -> None:
    """The `telaah` command (and `python -m tui`): `main`, then an exit that skips the
    collector's last walk over every object the imports made (SQLAlchemy's, pydantic's): the
    objects die with the process. That walk took 200-300 ms of a headless command
    (`telaah stats` at a million articles: 1.0-1.3 s in all, 0.64-0.77 without it)."""
    try:
        main()
    finally:
        gc.freeze()
