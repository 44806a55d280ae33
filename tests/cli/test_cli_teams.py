"""`telaah reviewers`, `assign`, `assignments`, `export --layer` and `--reviewer B import` onto
stored articles, end to end: real `telaah` processes on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import col, select

from store.db import open_database, session_scope
from store.models import Assignment, Mention, Reviewer
from tests.cli.test_cli import run


def demo_db(tmp_path: Path) -> str:
    result = run("demo", "--no-open")
    assert result.returncode == 0, result.stderr
    return str(tmp_path / "data" / "demo.db")


def test_reviewers_assign_and_assignments(tmp_path: Path) -> None:
    db = demo_db(tmp_path)
    for name, role in (("ana", "reviewer"), ("budi", "curator"), ("eko", "reviewer")):
        added = run("--db", db, "reviewers", "add", name, "--role", role)
        assert added.returncode == 0, added.stderr
        assert added.stdout.strip() == f"reviewer {name}: {role}"
    bad = run("--db", db, "reviewers", "add", "x", "--role", "boss")
    assert bad.returncode == 1 and "unknown role 'boss'" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert run("--db", db, "reviewers", "set-role", "budi", "adjudicator").returncode == 0
    listed = run("--db", db, "reviewers", "list").stdout.splitlines()
    assert [line.split()[:2] for line in listed if line.startswith(("ana", "budi"))] == [
        ["ana", "reviewer"],
        ["budi", "adjudicator"],
    ]
    result = run(
        "--db", db, "assign", "--reviewers", "ana,budi,eko", "--overlap", "0.4", "--seed", "2"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("assigned 5 articles (2 to two reviewers); ")
    shares = dict(part.rsplit(" ", 1) for part in result.stdout.strip().split("; ")[1].split(", "))
    assert sorted(int(n) for n in shares.values()) == [2, 2, 3]
    with session_scope(open_database(f"sqlite:///{db}")) as session:
        rows = session.exec(select(Assignment)).all()
    assert len(rows) == 7
    again = run("--db", db, "assign", "--reviewers", "ana")
    assert "5 assigned already, left as they are" in again.stdout
    unknown = run("--db", db, "assign", "--reviewers", "ana,zed")
    assert unknown.returncode == 1 and "no reviewer 'zed'" in unknown.stderr
    progress = run("--db", db, "assignments", "--reviewer", "ana")
    assert progress.returncode == 0, progress.stderr
    assert progress.stdout.startswith(f"ana (reviewer): {shares['ana']} articles, done 0, ")


def test_import_as_a_reviewer_then_export_every_layer(tmp_path: Path) -> None:
    db = demo_db(tmp_path)
    gold = tmp_path / "gold.jsonl"
    exported = run("--db", db, "export", "--articles", "all", "--state", "all", "--out", str(gold))
    assert exported.returncode == 0, exported.stderr
    first = json.loads(gold.read_text(encoding="utf-8").splitlines()[0])
    # budi's work done elsewhere: two spans of the first article, accepted.
    spans = [s for s in first["spans"] if s["state"] == "pending"][:2]
    mine = {
        "id": first["id"],
        "text": first["text"],
        "spans": [{k: s[k] for k in ("start", "end", "label")} for s in spans],
    }
    path = tmp_path / "budi.jsonl"
    path.write_text(json.dumps(mine, ensure_ascii=False) + "\n", encoding="utf-8")
    plain = run("--db", db, "import", "--format", "jsonl", str(path))
    assert plain.returncode == 0, plain.stderr
    assert "duplicates 2" in plain.stdout and "layer" not in plain.stdout
    result = run("--db", db, "--reviewer", "budi", "import", "--format", "jsonl", str(path))
    assert result.returncode == 0, result.stderr
    assert "mentions 2" in result.stdout and "duplicates 0" in result.stdout
    assert "1 stored article: their annotations went to the reviewer's layer" in result.stdout
    out = tmp_path / "all.jsonl"
    every = run("--db", db, "export", "--articles", "all", "--layer", "all", "--out", str(out))
    assert every.returncode == 0, every.stderr
    assert "layer gold: exported" in every.stdout and "layer budi: exported" in every.stdout
    budi = tmp_path / "all.budi.jsonl"
    manifest = json.loads((tmp_path / "all.budi.jsonl.manifest.json").read_text())
    assert manifest["selection"]["layer"] == "budi" and manifest["verified"] is True
    lines = [json.loads(line) for line in budi.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [first["id"]]
    assert [(s["start"], s["end"]) for s in lines[0]["spans"]] == [
        (s["start"], s["end"]) for s in spans
    ]
    shared = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(not line["spans"] for line in shared)  # nothing accepted in the shared layer
    one = run("--db", db, "export", "--layer", "nobody", "--out", str(tmp_path / "x.jsonl"))
    assert one.returncode == 2 and "no reviewer 'nobody'" in one.stderr
    with session_scope(open_database(f"sqlite:///{db}")) as session:
        owner = session.exec(select(Reviewer).where(col(Reviewer.name) == "budi")).one()
        assert len(session.exec(select(Mention).where(col(Mention.layer) == owner.id)).all()) == 2
