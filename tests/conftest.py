"""Shared fixtures: every test gets its own data/config folders and a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the end-to-end tests slow, by where they live."""
    root = Path(str(config.rootpath))
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        if where.startswith(_SLOW):
            item.add_marker(pytest.mark.slow)


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
def db_url(db_path: Path) -> str:
    """The test database's URL."""
    return f"sqlite:///{db_path}"


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
