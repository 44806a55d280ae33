"""Engines and sessions: `make_engine(url)` and `open_database(url)`, never at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

__all__ = ["Engine", "make_engine", "open_database", "session_scope", "upgrade_database"]

BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _make_sqlite_folder(url: str) -> bool:
    """Create the folder of a SQLite file; say whether `url` is SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return True


def _probe(url: str) -> Engine:
    """A bare engine (no pragmas) for looking at a database before deciding to open it."""
    _make_sqlite_folder(url)
    return create_engine(url)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Build an engine for `url`; SQLite gets foreign keys, WAL, a busy timeout, NORMAL sync.

    The folder of a SQLite file is created if missing.
    """
    if _make_sqlite_folder(url):
        engine = create_engine(url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def open_database(url: str, *, migrate: bool = True) -> Engine:
    """An engine on a database at the current schema, migrating it first when asked.

    Raises:
        DatabaseTooNew: the database was written by a newer telaah (it is not touched).
        TelaahError: the database is not a telaah database or is out of date.
    """
    from store.migrate import check_revision, ensure_current

    # Look at the revision through a bare connection first: a database this version must
    # refuse is not even switched to WAL.
    probe = _probe(url)
    try:
        check_revision(probe)
    finally:
        probe.dispose()
    engine = make_engine(url)
    try:
        ensure_current(engine, upgrade=migrate)
    except BaseException:
        engine.dispose()
        raise
    return engine


def upgrade_database(url: str) -> tuple[str | None, str]:
    """Migrate the database at `url` to head; return its revision before and after."""
    from store.migrate import check_revision, current_revision

    probe = _probe(url)
    try:
        before = check_revision(probe)
    finally:
        probe.dispose()
    engine = open_database(url)
    try:
        return before, current_revision(engine) or ""
    finally:
        engine.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that rolls back on error; repository functions commit their own work."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
