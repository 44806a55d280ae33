"""An upgrade keeps every row: a database filled at an older revision (reviewers with audit
entries, facts whose roles name mentions, attributes, notes, equivalences) comes out of `alembic
upgrade head` with the same rows and the same references.

SQLite rebuilds a table to alter it (Alembic's batch mode); with foreign keys on, dropping the
old table would cascade into the rows naming it (a fact's roles, a mention's notes) or set their
references to NULL (the append-only audit log then refuses the upgrade).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command

from store.db import make_engine, open_database
from store.migrate import alembic_config

pytestmark = pytest.mark.sqlite_only("fills a SQLite file at an old revision by hand")

ROWS = [
    "INSERT INTO reviewer (id, name, created_at) VALUES (1, 'ana', '2026-01-01 00:00:00')",
    "INSERT INTO article (id, external_id, title, text, sha256, status, meta, created_at,"
    " updated_at) VALUES (1, 'a1', 'T', 'Rusia dan Kyrgyzstan', 'h', 'in_progress', '{}',"
    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO entity (id, key, name, type, external_ids, created_at, updated_at)"
    " VALUES (1, 'RU', 'Russia', 'GPE', '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO alias (id, entity_id, text, norm, origin, added_by, created_at)"
    " VALUES (1, 1, 'Rusia', 'rusia', 'reviewer', 1, '2026-01-01 00:00:00')",
    'INSERT INTO mention (id, article_id, start, "end", text, label, entity_id, state, origin,'
    " alternatives, reviewer_id, created_at, version) VALUES (1, 1, 0, 5, 'Rusia', 'GPE', 1,"
    " 'accepted', 'gazetteer', '[]', 1, '2026-01-01 00:00:00', 2)",
    'INSERT INTO mention (id, article_id, start, "end", text, label, state, origin,'
    " alternatives, created_at, version) VALUES (2, 1, 10, 20, 'Kyrgyzstan', 'GPE', 'pending',"
    " 'gazetteer', '[]', '2026-01-01 00:00:00', 1)",
    "INSERT INTO fact (id, article_id, type, state, origin, reviewer_id, created_at,"
    " needs_review, version) VALUES (1, 1, 'MEETING', 'accepted', 'manual', 1,"
    " '2026-01-01 00:00:00', 0, 1)",
    "INSERT INTO fact (id, article_id, type, state, origin, created_at, needs_review, version)"
    " VALUES (2, 1, 'REPORT', 'pending', 'manual', '2026-01-01 00:00:00', 0, 1)",
    "INSERT INTO factargument (id, fact_id, role, mention_id) VALUES (1, 1, 'a', 1)",
    "INSERT INTO factargument (id, fact_id, role, mention_id) VALUES (2, 1, 'b', 2)",
    "INSERT INTO factargument (id, fact_id, role, filler_fact_id) VALUES (3, 2, 'what', 1)",
    "INSERT INTO annotation_attribute (id, mention_id, name, value) VALUES (1, 1, 'Negated', 'x')",
    "INSERT INTO annotation_attribute (id, fact_id, name, value) VALUES (2, 1, 'Speculated', 'y')",
    "INSERT INTO annotation_note (id, mention_id, kind, text) VALUES (1, 2, 'note', 'check')",
    "INSERT INTO annotation_note (id, fact_id, kind, text) VALUES (2, 1, 'note', 'seen')",
    "INSERT INTO equivalence (id, article_id, type) VALUES (1, 1, 'Equiv')",
    "INSERT INTO equivalence_member (equivalence_id, mention_id) VALUES (1, 1)",
    "INSERT INTO equivalence_member (equivalence_id, mention_id) VALUES (1, 2)",
    "INSERT INTO audit_log (id, at, reviewer_id, action, target, target_id, before, after)"
    " VALUES (1, '2026-01-01 00:00:00', 1, 'mention.decide', 'mention', 1, '{}', '{}')",
]

# Every table with rows above, and the references that must survive.
TABLES = [
    "reviewer", "article", "entity", "alias", "mention", "fact", "factargument",
    "annotation_attribute", "annotation_note", "equivalence", "equivalence_member", "audit_log",
]  # fmt: skip
REFERENCES = {
    "SELECT reviewer_id FROM audit_log": [(1,)],
    "SELECT added_by FROM alias": [(1,)],
    "SELECT reviewer_id FROM mention ORDER BY id": [(1,), (None,)],
    "SELECT reviewer_id FROM fact ORDER BY id": [(1,), (None,)],
    "SELECT fact_id, mention_id, filler_fact_id FROM factargument ORDER BY id": [
        (1, 1, None),
        (1, 2, None),
        (2, None, 1),
    ],
}


def _snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        seen = {
            t: [(n,) for (n,) in connection.execute(f"SELECT count(*) FROM {t}")] for t in TABLES
        }
        seen.update({q: list(connection.execute(q)) for q in REFERENCES})
        return seen


def test_upgrading_from_0007_keeps_every_row_and_reference(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), "0007")
    engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA foreign_keys=ON")
        for row in ROWS:
            connection.execute(row)
    before = _snapshot(path)
    assert all(before[t] != [(0,)] for t in TABLES)
    for query, expected in REFERENCES.items():
        assert before[query] == expected

    upgraded = open_database(f"sqlite:///{path}")  # what telaah does with an old file
    upgraded.dispose()

    assert _snapshot(path) == before
    with sqlite3.connect(path) as connection:
        assert list(connection.execute("PRAGMA foreign_key_check")) == []
        assert list(connection.execute("PRAGMA integrity_check")) == [("ok",)]
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:  # telaah's connections enforce them again
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
