"""Engines and sessions: `make_engine(url)` and `open_database(url)`, never at import time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from store import versioning as _versioning  # registers the version listener on every session
from store.errors import NotSaved

__all__ = [
    "Engine",
    "Session",
    "is_busy",
    "make_engine",
    "open_database",
    "session_scope",
    "upgrade_database",
    "write_once",
    "write_retrying",
]
_ = _versioning
T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
# Revisions are named NNNN_what.py with revision "NNNN" (tests/store/test_db.py checks it).
VERSIONS = Path(__file__).with_name("migrations") / "versions"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _make_sqlite_folder(url: str) -> bool:
    """Create the folder of a SQLite file; say whether `url` is SQLite. (A `file:` URI, as
    a read-only open uses, names a file that must exist already: nothing is created.)"""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    uri = parsed.query.get("uri") == "true" or (parsed.database or "").startswith("file:")
    if parsed.database and parsed.database != ":memory:" and not uri:
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
        event.listen(engine, "checkin", _restore_busy)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def known_head() -> str:
    """The newest schema revision this version of telaah ships, read from the file names."""
    return max(path.name[:4] for path in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


def _at_head(url: str) -> bool:
    """Whether the database is telaah's at the newest revision (one query, no Alembic)."""
    probe = _probe(url)
    try:
        with probe.connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no such table, not a database, cannot be opened: the full check says
        return False
    finally:
        probe.dispose()
    return [tuple(row) for row in found] == [(known_head(),)]


def open_database(url: str, *, migrate: bool = True) -> Engine:
    """An engine on a database at the current schema, migrating it first when asked.

    Raises:
        DatabaseTooNew: the database was written by a newer telaah (it is not touched).
        TelaahError: the database is not a telaah database or is out of date.
    """
    if _at_head(url):  # the usual case: no need to load Alembic (~0.15 s) to check or upgrade
        return _index_missing(make_engine(url))
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
    return _index_missing(engine)


def _index_missing(engine: Engine) -> Engine:
    """Add to the search index the articles an import killed before indexing them stored.

    Articles are only appended, so two look-ups of a highest id tell (well under a
    millisecond); a read-only database is left as it is.
    """
    dialect = engine.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return engine
    indexed = "article_fts_docsize" if dialect == "sqlite" else "article_fts"
    try:
        with engine.connect() as connection:
            stored, indexed_upto = connection.execute(
                text(
                    "SELECT (SELECT coalesce(max(id), 0) FROM article), "
                    f"(SELECT coalesce(max(id), 0) FROM {indexed})"
                )
            ).one()
        if stored > indexed_upto:
            from store.corpus.search import index_new_articles

            index_new_articles(engine)
    except OperationalError as error:
        if not ("readonly" in str(error.orig) or "no such table" in str(error.orig)):
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


def is_busy(error: BaseException) -> bool:
    """Whether `error` is the database refusing a write because another one holds its lock."""
    if not isinstance(error, OperationalError):
        return False
    message = str(error.orig).lower()
    return any(
        busy in message
        for busy in (
            "database is locked",  # SQLite
            "database is busy",
            "lock timeout",  # PostgreSQL: a row lock held past `lock_timeout`
            "deadlock detected",  # PostgreSQL rolled this one back: trying again is right
        )
    )


def _busy_timeout(session: Session, milliseconds: int) -> None:
    """Wait at most `milliseconds` for the write lock in this session's connection: SQLite's
    busy timeout, put back when the connection returns to the pool (`_restore_busy`), or
    PostgreSQL's lock timeout for the rows claimed in this transaction (at least 1 ms: 0
    would wait for ever)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(milliseconds)}")
        connection.connection.info["busy_changed"] = True
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(milliseconds))}")


def _restore_busy(dbapi_connection: Any, record: Any) -> None:
    if dbapi_connection is not None and record.info.pop("busy_changed", False):
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def write_once(engine: Engine, call: Callable[[Session], T], *, busy_ms: int = 0) -> T:
    """Run one store write (`call` commits) in its own session, waiting at most `busy_ms`
    for the write lock; a busy database raises the driver's error (see `is_busy`)."""
    with session_scope(engine) as session:
        _busy_timeout(session, busy_ms)
        return call(session)


def write_retrying(
    engine: Engine,
    call: Callable[[Session], T],
    *,
    wait_limit: float,
    on_busy: Callable[[float], None] | None = None,
    first_pause: float = 0.05,
    longest_pause: float = 1.0,
) -> T:
    """Run one store write, trying again with a growing pause while the database is locked.

    `on_busy(seconds waited)` is called after each busy attempt. After `wait_limit` seconds
    the write gives up.

    Raises:
        NotSaved: the database stayed locked for `wait_limit` seconds; nothing was written.
        TelaahError: the store refused the write (a stale decision...), as `call` raised it.
    """
    started = time.monotonic()
    pause = first_pause
    while True:
        try:
            return write_once(engine, call, busy_ms=100)
        except OperationalError as error:
            if not is_busy(error):
                raise
        waited = time.monotonic() - started
        if waited >= wait_limit:
            raise NotSaved(
                f"not saved: the database stayed locked for {round(waited, 1):g} s "
                "(another program is writing to it)"
            )
        if on_busy is not None:
            on_busy(waited)
        time.sleep(min(pause, max(0.0, wait_limit - waited)))
        pause = min(pause * 2, longest_pause)
