"""What every command shares: the database URL, the reviewer, consoles and output helpers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from store.config import Config

# The choices some options' help texts name, known here so that registering the commands
# (and `telaah --help`) loads no store module; tests/cli/test_cli_start.py checks they equal
# the store's own.
ARTICLE_STATUSES = ("todo", "in_progress", "done")  # store.models.ARTICLE_STATUSES
REVIEWER_ROLES = ("reviewer", "curator", "adjudicator")  # store.models.REVIEWER_ROLES
LINT_KINDS = (  # store.gazetteer.lint.KINDS
    "blank",
    "unknown-type",
    "bad-redirect",
    "ambiguous",
    "near-duplicate",
    "noisy",
    "short",
    "common-word",
)
# store.formats.registry.EXPORT_FORMATS
EXPORT_FORMATS = ("jsonl", "brat", "facts-csv", "conll", "doccano", "spacy")
DEFAULT_EXPORT_FORMAT = "jsonl"  # store.formats.registry.DEFAULT_FORMAT

_db_url: str | None = None  # the database of the running command, for error messages

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class Settings:
    """Global options, resolved once by the root command."""

    db_url: str
    reviewer: str
    config: Config | None = None  # the config file's settings, problems included
    reviewer_given: bool = False  # named with --reviewer (an import goes to their layer)
    _engine: Any = field(default=None, repr=False)

    def engine(self) -> Any:
        """The database engine, opened (and migrated) on first use."""
        if self._engine is None:
            from store.db import open_database

            self._engine = open_database(self.db_url)
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Any]:
        """A session on the database."""
        from store.db import session_scope

        with session_scope(self.engine()) as session:
            yield session

    def reviewer_id(self) -> int:
        """The id of the reviewer running this command."""
        from store.reviewers import ensure_reviewer

        with self.session() as session:
            return ensure_reviewer(session=session, name=self.reviewer)


def remember_db_url(url: str) -> None:
    """Note the database the command runs on, so that `main` can name it in an error."""
    global _db_url
    _db_url = url


def current_db_url() -> str | None:
    """The database the running command was given (None before the options are read)."""
    return _db_url


def settings(ctx: typer.Context) -> Settings:
    """The settings the root command stored on the context."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


def shown(value: object) -> str:
    """`value` as a terminal may show it: controls, escape sequences and bidi characters as
    visible marks (`store.textsafe`, imported here so that `--help` does not load it)."""
    from store.textsafe import visible

    return visible("" if value is None else str(value))


def data(value: object) -> Text:
    """Data (titles, names, file names) as plain text: never parsed as markup, never acting on
    the terminal."""
    return Text(shown(value))


def problem(line: str) -> None:
    """One problem line on stderr, as data."""
    err.print(Text(shown(line), style="red"))


def note(line: str) -> None:
    """One note line on stderr, as data."""
    err.print(Text(shown(line), style="yellow"))


def fail_if(failed: int) -> None:
    """Exit 1 when anything failed: the run was partial."""
    if failed:
        raise typer.Exit(1)


def interactive() -> bool:
    """Whether stderr is a terminal (progress bars only then)."""
    return sys.stderr.isatty()
