"""Shared fixtures: every test gets its own data/config folders and a real database: a SQLite
file, or with `--backend postgresql` a fresh PostgreSQL database (a copy of a migrated
template) on the server `TELAAH_TEST_PG_URL` names (`.ci/pg.sh start` gives one)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from store.corpus.demo import sample_corpus_dir
from store.db import open_database, session_scope
from store.reviewers import ensure_reviewer
from store.schema import load_schema, parse_schema

SAMPLE = sample_corpus_dir()

# End-to-end tests that start real `telaah` processes (a terminal, a clipboard, the command
# line): marked slow so `pytest -m "not slow"` gives a quick loop; CI runs everything.
_SLOW = ("tests/cli/", "tests/tui/test_sigkill.py", "tests/tui/test_clipboard.py")


PG_URL_VAR = "TELAAH_TEST_PG_URL"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help=f"the database the tests run on (postgresql: the server named by {PG_URL_VAR}, "
        "e.g. from `eval $(.ci/pg.sh start)`)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): a test of SQLite itself (a file, its locks, WAL, PRAGMA); "
        "skipped with --backend postgresql",
    )
    if config.getoption("--backend") == "postgresql" and not os.environ.get(PG_URL_VAR):
        raise pytest.UsageError(
            f"--backend postgresql needs {PG_URL_VAR}=postgresql+psycopg://USER@HOST:PORT/DB "
            '(a server where USER may create databases): run `eval "$(.ci/pg.sh start)"`'
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the end-to-end tests slow, by where they live; on PostgreSQL, skip the tests of
    SQLite itself, saying why."""
    root = Path(str(config.rootpath))
    postgresql = config.getoption("--backend") == "postgresql"
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        if where.startswith(_SLOW):
            item.add_marker(pytest.mark.slow)
        marker = item.get_closest_marker("sqlite_only")
        if postgresql and marker is not None:
            why = marker.args[0] if marker.args else "a test of SQLite itself"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {why}"))


def _pg_admin(url: str) -> Any:
    """An autocommit connection to the server's database `url` names (CREATE DATABASE)."""
    import psycopg
    from sqlalchemy.engine import make_url

    plain = make_url(url).set(drivername="postgresql")
    return psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True)


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> str:
    """The database the tests run on: sqlite or postgresql."""
    return str(pytestconfig.getoption("--backend"))


@pytest.fixture(scope="session")
def _pg_template(backend: str, worker_id: str) -> Iterator[tuple[str, Any] | None]:
    """On PostgreSQL: a database migrated once per test process, copied for every test."""
    if backend != "postgresql":
        yield None
        return
    from sqlalchemy.engine import make_url

    server = os.environ[PG_URL_VAR]
    admin = _pg_admin(server)
    name = f"telaah_template_{worker_id}_{os.getpid()}"
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.execute(f"CREATE DATABASE {name}")
    template = make_url(server).set(database=name).render_as_string(hide_password=False)
    open_database(template).dispose()
    # PostgreSQL 15's default copies a database through the WAL: 3 times slower for these.
    version = admin.execute("SHOW server_version_num").fetchone()[0]
    yield name + (" STRATEGY FILE_COPY" if int(version) >= 150000 else ""), admin
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


_DATABASES = itertools.count(1)


def hold_write_lock(db_url: str) -> Any:
    """Another program writing: a raw connection holding the lock a decision needs (SQLite's
    write lock; on PostgreSQL the mention and fact tables, against row claims). Release it
    with `.rollback()`, then `.close()`."""
    if db_url.startswith("sqlite:///"):
        import sqlite3

        holder = sqlite3.connect(
            db_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
        )
        holder.execute("BEGIN IMMEDIATE")
        return holder
    holder = _pg_admin(db_url)
    holder.autocommit = False
    holder.execute("LOCK TABLE mention, fact IN EXCLUSIVE MODE")
    return holder


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the data and config directories into the test's folder; no TELAAH_DB."""
    monkeypatch.setenv("TELAAH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TELAAH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TELAAH_REVIEWER", "tester")
    monkeypatch.delenv("TELAAH_DB", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's database file lives."""
    return tmp_path / "telaah.db"


@pytest.fixture
def db_url(db_path: Path, _pg_template: tuple[str, Any] | None) -> Iterator[str]:
    """The test database's URL: a SQLite file, or a fresh migrated PostgreSQL database."""
    if _pg_template is None:
        yield f"sqlite:///{db_path}"
        return
    from sqlalchemy.engine import make_url

    template, admin = _pg_template
    name = f"{template.split()[0].replace('template', 'test')}_{next(_DATABASES)}"
    admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield make_url(os.environ[PG_URL_VAR]).set(database=name).render_as_string(hide_password=False)
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def cli_db(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> str:
    """A database for the command line's `--db`: a new SQLite file's path, or on PostgreSQL
    the test's database (migrated, empty)."""
    if backend == "postgresql":
        return str(request.getfixturevalue("db_url"))
    return str(tmp_path / "cli.db")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty database."""
    engine = open_database(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database."""
    with session_scope(engine) as session:
        yield session


@pytest.fixture
def reviewer_id(session: Session) -> int:
    """The id of the reviewer 'tester'."""
    return ensure_reviewer(session=session, name="tester")


@pytest.fixture
def schema_loaded(session: Session, reviewer_id: int) -> None:
    """The sample schema, loaded."""
    load_schema(
        session=session, schema=parse_schema(SAMPLE / "schema.toml"), reviewer_id=reviewer_id
    )
