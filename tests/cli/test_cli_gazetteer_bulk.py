"""Gazetteer import in bulk: per-row problems and exit status kept; thousands of entities sharing
one alias import and match with bounded work (issue 14 point 5, issue 15 point 3)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from store.audit import Action
from store.db import open_database, session_scope
from store.matching.index import SHARED
from store.models import Alias, AuditEntry, Entity, Mention
from tests.cli.test_cli import run
from tests.conftest import SAMPLE


def test_bulk_import_keeps_every_problem_by_line_and_the_exit_status(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "cli.db")
    run("--db", db, "schema", "load", str(SAMPLE / "schema.toml"))
    run("--db", db, "gazetteer", "import", str(SAMPLE / "gazetteer.csv"))
    rows = [
        "id,name,type,alias",
        "N1,Nusantara Satu,ORG,NS1",  # 2: new entity
        "KG,Kyrgyzstan,GPE,Kirgizija",  # 3: a new alias of a stored entity
        "XX,Thing,NOPE,Thing",  # 4: unknown type
        "N1,Another Name,ORG,N-1",  # 5: same id, another name
        "N2,Dua,ORG,",  # 6: empty alias
        "N3,Tiga,ORG,?!",  # 7: no letters or digits
        "RU,Rusia Raya,GPE,X",  # 8: stored under another name
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run("--db", db, "gazetteer", "import", "--no-match", str(bad))
    assert result.returncode == 1
    for line, message in [
        (4, "type 'NOPE' is not defined in the schema"),
        (5, "id 'N1' was given as 'Nusantara Satu' (ORG) on line 2"),
        (6, "empty alias"),
        (7, "alias '?!' has no letters or digits"),
        (8, "id 'RU' is 'Russia' (GPE) in the database"),
    ]:
        assert f"{bad}:{line}: {message}" in result.stderr
    assert "entities created 3, updated 1, unchanged 0; aliases added 5; failed 5" in result.stdout
    engine = open_database(f"sqlite:///{db}")
    with session_scope(engine) as session:
        kg = session.scalars(select(col(Entity.id)).where(col(Entity.key) == "KG")).one()
        texts = set(session.scalars(select(col(Alias.text)).where(col(Alias.entity_id) == kg)))
        assert "Kirgizija" in texts
        actions = session.scalars(select(col(AuditEntry.action))).all()
    assert actions.count(Action.ENTITY_CREATE.imported()) >= 2
    assert Action.ALIAS_ADD.imported() in actions
    again = run("--db", db, "gazetteer", "import", "--no-match", str(bad))
    assert "entities created 0, updated 0, unchanged 4; aliases added 0" in again.stdout
    engine.dispose()


def test_thousands_of_entities_sharing_one_alias_import_and_match(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    run("--db", db, "schema", "load", str(SAMPLE / "schema.toml"))
    article = tmp_path / "al.txt"
    article.write_text(
        "Para wartawan bertemu dengan Al di kantor itu kemarin.\n\n" * 21,
        encoding="utf-8",
    )
    assert run("--db", db, "import", str(article)).returncode == 0
    shared = tmp_path / "al.csv"
    lines = ["id,name,type,alias"] + [f"P{n:04},Orang {n},PERSON,al" for n in range(3_000)]
    shared.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("--db", db, "gazetteer", "import", str(shared))
    assert result.returncode == 0, result.stderr
    assert "entities created 3000" in result.stdout
    engine = open_database(f"sqlite:///{db}")
    with session_scope(engine) as session:
        found = session.execute(
            select(col(Mention.text), col(Mention.alternatives), col(Entity.key)).join(
                Entity, col(Entity.id) == col(Mention.entity_id)
            )
        ).all()
    engine.dispose()
    assert len(found) == 21 and {text for text, _, _ in found} == {"Al"}
    # Bounded work per alias: the first SHARED entities (by key) are proposed for a shared
    # alias key, the others never: no candidate lists thousands of alternatives.
    assert all(len(alternatives) == SHARED - 1 for _, alternatives, _ in found)
    assert {key for _, _, key in found} == {"P0000"}
