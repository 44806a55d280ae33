"""`telaah gazetteer merge|delete|lint` as a curator runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import run
from tests.cli.test_cli_match import setup_db


def candidates(db: str) -> list[dict[str, str]]:
    return [json.loads(x) for x in run("--db", db, "match", "--dump", "-").stdout.splitlines()]


def test_merge_shows_then_relinks_and_redirects(tmp_path: Path, cli_db: str) -> None:
    db = cli_db
    setup_db(db)
    (tmp_path / "a.txt").write_text(
        "Rusia memasok S-300 ke Kyrgystan dan Kyrgyzstan.", encoding="utf-8"
    )
    run("--db", db, "import", str(tmp_path / "a.txt"))
    assert (
        run(
            "--db",
            db,
            "gazetteer",
            "import",
            str(write(tmp_path / "dup.csv", "id,name,type,alias\nX-KG,Kyrgystan,GPE,Kyrgystan\n")),
        ).returncode
        == 0
    )
    linted = run("--db", db, "gazetteer", "lint", "--kind", "near-duplicate")
    assert linted.returncode == 1
    assert "near-duplicate: KG and X-KG look like one entity" in linted.stdout
    dry = run("--db", db, "gazetteer", "merge", "X-KG", "KG", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith(
        "would merge X-KG into KG: 0 aliases move (0 already there), its name 'Kyrgystan' is "
        "copied, 1 mentions (1 pending) "
        "in 1 articles relink"
    )
    merged = run("--db", db, "gazetteer", "merge", "X-KG", "KG")
    assert merged.returncode == 0, merged.stderr
    assert {c["entity"] for c in candidates(db) if c["text"].startswith("Kyrgy")} == {"KG"}
    assert "merged into: KG" in run("--db", db, "gazetteer", "show", "X-KG").stdout
    assert "X-KG" not in run("--db", db, "gazetteer", "lint", "--kind", "near-duplicate").stdout
    again = run("--db", db, "gazetteer", "merge", "X-KG", "KG")
    assert again.returncode == 1 and "already merged" in again.stderr


def test_delete_and_unknown_lint_kind(tmp_path: Path, cli_db: str) -> None:
    db = cli_db
    setup_db(db)
    assert run("--db", db, "gazetteer", "delete", "W-SU57E").returncode == 0
    assert run("--db", db, "gazetteer", "show", "W-SU57E").returncode == 1
    assert run("--db", db, "gazetteer", "lint", "--kind", "nonsense").returncode == 2


def test_delete_withdraws_its_pending_candidates(tmp_path: Path, cli_db: str) -> None:
    db = cli_db
    setup_db(db)
    (tmp_path / "a.txt").write_text("Rusia memasok S-300 ke Kyrgyzstan.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Kyrgyzstan dan Kazakhstan bertemu.", encoding="utf-8")
    (tmp_path / "c.txt").write_text("Rusia dan Kazakhstan bertemu di Astana.", encoding="utf-8")
    run("--db", db, "import", str(tmp_path))
    assert {c["article"] for c in candidates(db) if c["entity"] == "KG"} == {"a", "b"}
    before = {(c["article"], c["text"]) for c in candidates(db) if c["entity"] != "KG"}
    deleted = run("--db", db, "gazetteer", "delete", "KG")
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.splitlines() == [
        "KG: deleted",
        # Its candidates are gone already; `Kirgistan` comes back as a `new name` proposal.
        "re-matched 2 articles: 1 new candidates, 0 withdrawn, 3 unchanged",
    ]
    after = candidates(db)
    assert "Kyrgyzstan" not in {c["text"] for c in after}  # no candidate is left unlinked
    assert {(c["article"], c["text"]) for c in after} == before  # the others are untouched
    kept = run("--db", db, "gazetteer", "delete", "KZ", "--no-match")
    assert kept.returncode == 0 and kept.stdout.splitlines() == ["KZ: deleted"]
    # Without a re-match too: the store withdraws them with the entity.
    left = candidates(db)
    assert "Kazakhstan" not in {c["text"] for c in left}
    assert all(c["entity"] for c in left)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
