"""Alembic, driven from code: upgrade to head, and refuse databases from newer versions."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from store.errors import DatabaseTooNew, TelaahError

MIGRATIONS = Path(__file__).with_name("migrations")


SEARCH_TABLE = "article_fts"


def is_model_table(name: str | None) -> bool:
    """Whether a table belongs to the models (not the search index and its shadow tables)."""
    return not (name or "").startswith(SEARCH_TABLE)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: the search index (FTS5, or PostgreSQL's tsvector table) is managed by
    hand, not by autogenerate."""
    return type_ != "table" or is_model_table(name)


def tell(line: str) -> None:
    """Tell whoever waits what a long migration step is doing: one line on stderr, before the
    step (upgrades run from `telaah db upgrade` or when a database is first opened, before
    any screen is drawn)."""
    print(line, file=sys.stderr, flush=True)


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config for telaah's migrations, bound to `engine` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        # env.py migrates through this engine; no URL goes through the config's %-interpolation.
        config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration this version of telaah knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database telaah never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_revision(engine: Engine) -> str | None:
    """The database's revision, after refusing a database telaah must not touch.

    A database at a revision this version does not know was written by a newer telaah. A
    non-empty database without a revision is not telaah's. Only reads.
    """
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise DatabaseTooNew(
            f"{where} was written by a newer version of telaah (schema revision {current}); "
            "upgrade telaah to open it. The database was not changed."
        )
    if current is None:
        tables = set(inspect(engine).get_table_names())
        if tables - {"alembic_version"}:
            raise TelaahError(f"{where} is not a telaah database (it has tables but no revision)")
    return current


def ensure_current(engine: Engine, *, upgrade: bool = True) -> str:
    """Check the database's revision and upgrade it to head; return the revision it is at."""
    current = check_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    head = head_revision()
    if current == head:
        return str(current)
    if not upgrade:
        raise TelaahError(f"{where} is at revision {current}; run `telaah db upgrade`")
    command.upgrade(alembic_config(engine), "head")
    return str(head)
