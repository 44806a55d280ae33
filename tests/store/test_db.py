"""The database: engine pragmas, migrations, refusing foreign or newer files, constraints."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, SQLModel, select

from store import audit
from store.db import known_head, make_engine, open_database
from store.errors import DatabaseTooNew, TelaahError
from store.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    include_object,
    is_model_table,
)
from store.models import Alias, Article, AuditEntry, Entity, Mention

# --- helpers -------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pragma(engine: Engine, name: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(f"PRAGMA {name}")).scalar()


def schema_of(engine: Engine) -> dict[str, dict[str, Any]]:
    """Everything SQLAlchemy's inspector sees of each table, in a comparable form."""
    insp = inspect(engine)
    tables: dict[str, dict[str, Any]] = {}
    for table in sorted(insp.get_table_names()):
        if table == "alembic_version" or not is_model_table(table):
            continue
        tables[table] = {
            "columns": [
                (
                    c["name"],
                    str(c["type"]),
                    c["nullable"],
                    c.get("default"),
                    bool(c.get("primary_key")),
                )
                for c in insp.get_columns(table)
            ],
            "primary_key": insp.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(
                (
                    fk["name"],
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    fk["options"].get("ondelete"),
                )
                for fk in insp.get_foreign_keys(table)
            ),
            "checks": sorted(
                (c["name"], " ".join(c["sqltext"].split()))
                for c in insp.get_check_constraints(table)
            ),
        }
    return tables


@pytest.fixture
def article_id(session: Session) -> int:
    article = Article(external_id="a1", title="t", text="Rusia memasok S-300.", sha256="a" * 64)
    session.add(article)
    session.commit()
    assert article.id is not None
    return article.id


def insert_mention(
    engine: Engine, article_id: int, start: int, end: int, state: str = "pending", **extra: Any
) -> None:
    values = {
        "article_id": article_id,
        "start": start,
        "end": end,
        "text": "x",
        "label": "GPE",
        "state": state,
        "origin": "gazetteer",
        "alternatives": "[]",
        "created_at": "2026-01-01 00:00:00",
    } | extra
    columns = ", ".join(f'"{k}"' for k in values)
    params = ", ".join(f":{k}" for k in values)
    with engine.begin() as connection:
        connection.execute(text(f"INSERT INTO mention ({columns}) VALUES ({params})"), values)


# --- engine --------------------------------------------------------------------------------


@pytest.mark.sqlite_only("PRAGMA settings")
def test_make_engine_pragmas(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert pragma(engine, "foreign_keys") == 1
        assert pragma(engine, "journal_mode") == "wal"
        assert pragma(engine, "busy_timeout") > 0
        assert pragma(engine, "synchronous") in (1, 2)  # NORMAL or FULL
    finally:
        engine.dispose()


@pytest.mark.sqlite_only("a new, empty database file")
def test_make_engine_does_not_create_tables(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.sqlite_only("the folder of a database file")
def test_make_engine_creates_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "t.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect():
            pass
        assert path.is_file()
    finally:
        engine.dispose()


# --- migrations ----------------------------------------------------------------------------


@pytest.mark.sqlite_only("a new database file (test_postgresql.py migrates an empty one)")
def test_open_database_migrates_a_new_file_to_head(db_path: Path, db_url: str) -> None:
    assert not db_path.exists()
    engine = open_database(db_url)
    try:
        assert db_path.is_file()
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) | {"alembic_version"} == {
            t for t in tables if is_model_table(t)
        }
        assert "article_fts" in tables  # the search index
        assert pragma(engine, "foreign_keys") == 1
    finally:
        engine.dispose()
    # Reopening a current database changes nothing.
    before = sha256(db_path)
    again = open_database(db_url)
    try:
        assert current_revision(again) == head_revision()
    finally:
        again.dispose()
    assert sha256(db_path) == before


@pytest.mark.sqlite_only("SQLite files (tests/store/test_postgresql.py compares PostgreSQL)")
def test_upgrade_head_produces_exactly_the_models_schema(tmp_path: Path) -> None:
    migrated = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    created = make_engine(f"sqlite:///{tmp_path / 'created.db'}")
    try:
        command.upgrade(alembic_config(migrated), "head")
        SQLModel.metadata.create_all(created)
        assert current_revision(migrated) == head_revision()

        with migrated.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    "include_object": include_object,
                },
            )
            assert compare_metadata(context, SQLModel.metadata) == []

        upgraded, modelled = schema_of(migrated), schema_of(created)
        assert set(upgraded) == set(SQLModel.metadata.tables)
        for table in modelled:
            assert upgraded[table] == modelled[table], table
        assert upgraded == modelled
        # The comparison sees what matters: named checks, ON DELETE rules, indexes.
        assert ("ck_mention_span", 'start >= 0 AND start < "end"') in upgraded["mention"]["checks"]
        assert (
            "fk_alias_entity_id_entity",
            ("entity_id",),
            "entity",
            ("id",),
            "CASCADE",
        ) in upgraded["alias"]["foreign_keys"]
        assert (
            "fk_mention_entity_id_entity",
            ("entity_id",),
            "entity",
            ("id",),
            "SET NULL",
        ) in upgraded["mention"]["foreign_keys"]
        assert ("ix_alias_norm", ("norm",), False) in upgraded["alias"]["indexes"]
        assert ("uq_article_sha256", ("sha256",)) in upgraded["article"]["unique"]
    finally:
        migrated.dispose()
        created.dispose()


@pytest.mark.sqlite_only("SQLite files (tests/store/test_postgresql.py for PostgreSQL)")
def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        config = alembic_config(engine)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        with engine.connect() as connection:
            triggers = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).all()
        assert triggers == []
        command.upgrade(config, "head")
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


@pytest.mark.sqlite_only("the bytes of a database file")
def test_database_from_a_newer_version_is_refused_untouched(db_path: Path, db_url: str) -> None:
    engine = open_database(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    files = sorted(p.name for p in db_path.parent.iterdir())
    before = sha256(db_path)

    with pytest.raises(DatabaseTooNew) as info:
        open_database(db_url)
    message = str(info.value)
    assert "newer version of telaah" in message and "9999" in message
    assert "\n" not in message
    with pytest.raises(DatabaseTooNew):
        open_database(db_url, migrate=False)

    assert sha256(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == files
    with closing(sqlite3.connect(db_path)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("9999",)
        ]


@pytest.mark.sqlite_only("a foreign SQLite file")
def test_foreign_sqlite_file_is_refused_untouched(db_path: Path, db_url: str) -> None:
    connection = sqlite3.connect(db_path)
    connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    connection.execute("INSERT INTO customers (name) VALUES ('Ani')")
    connection.commit()
    connection.close()
    before = sha256(db_path)

    with pytest.raises(TelaahError) as info:
        open_database(db_url)
    assert not isinstance(info.value, DatabaseTooNew)
    assert "not a telaah database" in str(info.value)

    assert sha256(db_path) == before
    with closing(sqlite3.connect(db_path)) as check:
        assert check.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert check.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == [
            ("customers",)
        ]
        assert check.execute("SELECT name FROM customers").fetchall() == [("Ani",)]


# --- constraints ---------------------------------------------------------------------------


def test_a_valid_mention_is_stored(engine: Engine, article_id: int) -> None:
    insert_mention(engine, article_id, 0, 5, "accepted", method="exact", score=100)
    with engine.connect() as connection:
        assert connection.execute(text('SELECT start, "end", state FROM mention')).all() == [
            (0, 5, "accepted")
        ]


@pytest.mark.parametrize(
    ("start", "end", "state", "extra", "check"),
    [
        (5, 5, "pending", {}, "ck_mention_span"),
        (6, 5, "pending", {}, "ck_mention_span"),
        (-1, 3, "pending", {}, "ck_mention_span"),
        (0, 5, "maybe", {}, "ck_mention_state"),
        (0, 5, "pending", {"origin": "guess"}, "ck_mention_origin"),
        (0, 5, "pending", {"method": "regex"}, "ck_mention_method"),
        (0, 5, "pending", {"score": 101}, "ck_mention_score"),
    ],
)
def test_mention_check_constraints(
    engine: Engine,
    article_id: int,
    start: int,
    end: int,
    state: str,
    extra: dict[str, Any],
    check: str,
) -> None:
    failed = f'CHECK constraint failed: {check}|violates check constraint "{check}"'
    with pytest.raises(IntegrityError, match=failed):
        insert_mention(engine, article_id, start, end, state, **extra)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM mention")).scalar() == 0


def test_orm_mention_with_bad_span_is_refused(session: Session, article_id: int) -> None:
    session.add(Mention(article_id=article_id, start=4, end=2, text="x", label="GPE"))
    with pytest.raises(IntegrityError, match="ck_mention_span"):
        session.commit()
    session.rollback()
    assert session.exec(select(Mention)).all() == []


def test_other_check_constraints(engine: Engine, session: Session) -> None:
    session.add(Article(external_id="b", title="t", text="x", sha256="b" * 64, status="closed"))
    with pytest.raises(IntegrityError, match="ck_article_status"):
        session.commit()
    session.rollback()
    entity = Entity(key="KG", name="Kyrgyzstan", type="GPE")
    session.add(entity)
    session.commit()
    assert entity.id is not None
    session.add(Alias(entity_id=entity.id, text="   ", norm=""))
    with pytest.raises(IntegrityError, match="ck_alias_text_not_blank"):
        session.commit()
    session.rollback()
    session.add(Alias(entity_id=entity.id, text="Kirgizstan", norm="kirgizstan", origin="x"))
    with pytest.raises(IntegrityError, match="ck_alias_origin"):
        session.commit()
    session.rollback()


def test_unique_constraints(session: Session, article_id: int) -> None:
    session.add(Article(external_id="other", title="t", text="same", sha256="a" * 64))
    with pytest.raises(IntegrityError, match="article.sha256"):
        session.commit()
    session.rollback()
    session.add(Article(external_id="a1", title="t", text="other", sha256="c" * 64))
    with pytest.raises(IntegrityError, match="article.external_id"):
        session.commit()
    session.rollback()


def test_audit_log_is_append_only(engine: Engine, session: Session, reviewer_id: int) -> None:
    audit.record(session, action="test.entry", reviewer_id=reviewer_id, after={"x": 1})
    session.commit()
    with pytest.raises(DBAPIError, match="audit_log is append-only"), engine.begin() as c:
        c.execute(text("UPDATE audit_log SET action = 'forged'"))
    with pytest.raises(DBAPIError, match="audit_log is append-only"), engine.begin() as c:
        c.execute(text("DELETE FROM audit_log"))
    session.expire_all()
    entries = session.exec(select(AuditEntry)).all()
    assert [(e.action, e.after) for e in entries] == [("test.entry", {"x": 1})]
    # Appending still works.
    audit.record(session, action="test.second", reviewer_id=reviewer_id)
    session.commit()
    assert len(session.exec(select(AuditEntry)).all()) == 2


FK_FAILED = "FOREIGN KEY constraint failed|violates foreign key constraint"


def test_foreign_keys_are_enforced(engine: Engine, session: Session, article_id: int) -> None:
    with pytest.raises(IntegrityError, match=FK_FAILED):
        insert_mention(engine, 999, 0, 5)
    with (
        pytest.raises(IntegrityError, match=FK_FAILED),
        engine.begin() as connection,
    ):
        connection.execute(
            text(
                "INSERT INTO alias (entity_id, text, norm, origin, created_at) "
                "VALUES (12345, 'x', 'x', 'gazetteer', '2026-01-01')"
            )
        )
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM mention")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM alias")).scalar() == 0


def test_on_delete_rules_apply(engine: Engine, session: Session, article_id: int) -> None:
    entity = Entity(key="RU", name="Russia", type="GPE")
    session.add(entity)
    session.commit()
    assert entity.id is not None
    session.add(Alias(entity_id=entity.id, text="Rusia", norm="rusia"))
    session.commit()
    insert_mention(engine, article_id, 0, 5, entity_id=entity.id)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM entity WHERE key = 'RU'"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alias")).scalar() == 0  # CASCADE
        assert connection.execute(text("SELECT entity_id FROM mention")).all() == [(None,)]
        connection.execute(text("DELETE FROM article"))
        connection.commit()
        assert connection.execute(text("SELECT count(*) FROM mention")).scalar() == 0


@pytest.mark.sqlite_only("a file path in the URL")
def test_database_path_with_parentheses_and_percent_opens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a(1) 100%' / 'x.db'}"
    engine = open_database(url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_known_head_is_alembics_head() -> None:
    """The revision read from the file names (no Alembic) is the one Alembic finds."""
    assert known_head() == head_revision()


def test_a_database_at_head_opens_without_alembic(db_url: str) -> None:
    """The usual open loads no Alembic; an older or foreign database still gets the full check."""
    import subprocess
    import sys

    open_database(db_url).dispose()
    probe = (
        "import sys; from store.db import open_database; "
        f"open_database({db_url!r}).dispose(); print('alembic' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "False"
