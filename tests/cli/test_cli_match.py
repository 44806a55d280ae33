"""`telaah match`, matching on import, re-matching after gazetteer edits, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import SAMPLE


def setup_db(db: str) -> None:
    assert run("--db", db, "schema", "load", str(SAMPLE / "schema.toml")).returncode == 0
    assert run("--db", db, "gazetteer", "import", str(SAMPLE / "gazetteer.csv")).returncode == 0


def test_import_matches_new_articles_unless_told_not_to(tmp_path: Path, cli_db: str) -> None:
    db = cli_db
    setup_db(db)
    (tmp_path / "a.txt").write_text("Rusia memasok S-300 ke Kyrgyzstan.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Rusia dan Kazakhstan bertemu di Astana.", encoding="utf-8")
    skipped = run("--db", db, "import", "--no-match", str(tmp_path / "a.txt"))
    assert skipped.returncode == 0 and "matched" not in skipped.stdout
    assert run("--db", db, "match", "--dump", "-").stdout == ""
    imported = run("--db", db, "import", str(tmp_path / "b.txt"))
    assert "matched 1 articles: 3 new candidates, 0 withdrawn, 0 unchanged" in imported.stdout
    only_a = run("--db", db, "match", "--article", "a")
    assert "matched 1 articles: 3 new candidates" in only_a.stdout
    everything = run("--db", db, "match")
    assert "matched 2 articles: 0 new candidates, 0 withdrawn, 6 unchanged" in everything.stdout
    lines = [json.loads(x) for x in run("--db", db, "match", "--dump", "-").stdout.splitlines()]
    assert [(x["article"], x["text"], x["entity"]) for x in lines] == [
        ("a", "Rusia", "RU"),
        ("a", "S-300", lines[1]["entity"]),
        ("a", "Kyrgyzstan", "KG"),
        ("b", "Rusia", "RU"),
        ("b", "Kazakhstan", "KZ"),
        ("b", "Astana", lines[5]["entity"]),
    ]
    out = tmp_path / "dump.jsonl"
    run("--db", db, "match", "--dump", str(out))
    assert len(out.read_text(encoding="utf-8").splitlines()) == 6


def test_gazetteer_edits_rematch_what_they_reach(tmp_path: Path, cli_db: str) -> None:
    db = cli_db
    setup_db(db)
    (tmp_path / "a.txt").write_text("Pasukan Wagnerovich tiba di Kyrgyzstan.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Tidak ada yang baru.", encoding="utf-8")
    run("--db", db, "import", str(tmp_path))
    added = run("--db", db, "gazetteer", "add-alias", "RU", "Wagnerovich")
    assert added.returncode == 0
    # The new alias's candidate replaces the `new name` proposal of the same span.
    assert "re-matched 1 articles: 1 new candidates, 1 withdrawn, 1 unchanged" in added.stdout
    removed = run("--db", db, "gazetteer", "remove-alias", "RU", "Wagnerovich")
    assert "re-matched 1 articles: 1 new candidates, 1 withdrawn, 1 unchanged" in removed.stdout
    retyped = run("--db", db, "gazetteer", "retype", "KG", "LOC")
    assert "re-matched 1 articles" in retyped.stdout
    dump = run("--db", db, "match", "--dump", "-").stdout
    assert [json.loads(x)["label"] for x in dump.splitlines()] == ["LOC"]
    missing = run("--db", db, "gazetteer", "add-alias", "NOPE", "x")
    assert missing.returncode == 1 and missing.stderr.strip() == "telaah: no entity 'NOPE'"


def test_match_import_and_facts_propose_make_fact_candidates(tmp_path: Path, cli_db: str) -> None:
    db = cli_db
    setup_db(db)
    (tmp_path / "a.txt").write_text("Rusia memasok S-300 ke Kyrgyzstan.", encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        "Rusia dan Kazakhstan menandatangani perjanjian.", encoding="utf-8"
    )
    imported = run("--db", db, "import", str(tmp_path / "a.txt"))
    assert "proposed 1 fact candidates in 1 articles\n  ARMS_TRANSFER 1" in imported.stdout
    run("--db", db, "import", "--no-match", str(tmp_path / "b.txt"))
    matched = run("--db", db, "match", "--article", "b")
    assert "proposed 1 fact candidates in 1 articles\n  AGREEMENT 1\n" in matched.stdout
    proposed = run("--db", db, "facts", "propose")
    assert proposed.returncode == 0
    assert proposed.stdout.endswith(
        "proposed 2 fact candidates in 2 articles\n  AGREEMENT 1\n  ARMS_TRANSFER 1\n"
    )
    one = run("--db", db, "facts", "propose", "--article", "1")
    assert one.stdout == "proposed 1 fact candidates in 1 articles\n  ARMS_TRANSFER 1\n"
    missing = run("--db", db, "facts", "propose", "--article", "9")
    assert missing.returncode == 1 and "no article" in missing.stderr


def test_dump_writes_what_the_threshold_shows_with_scores_and_reasons(
    tmp_path: Path, cli_db: str
) -> None:

    db = cli_db
    setup_db(db)
    (tmp_path / "a.txt").write_text(
        "Kata republik kazakhstan, lalu Rusia dan PDI-P.", encoding="utf-8"
    )
    assert run("--db", db, "import", str(tmp_path / "a.txt")).returncode == 0

    def dump(*options: str) -> list[tuple[str, object, object, object]]:
        done = run("--db", db, "match", "--dump", "-", *options)
        assert done.returncode == 0, done.stderr
        lines = [json.loads(x) for x in done.stdout.splitlines()]
        return [(x["text"], x["entity"], x["score"], x["reason"]) for x in lines]

    # The default threshold (50) hides what the gates doubt; --min-score 0 shows it.
    assert dump() == [("Rusia", "RU", 100.0, None)]
    assert dump("--min-score", "0") == [
        ("republik kazakhstan", "KZ", 35.0, "lower case"),
        ("Rusia", "RU", 100.0, None),
    ]
    assert dump("--min-score", "100") == [("Rusia", "RU", 100.0, None)]
    bad = run("--db", db, "match", "--dump", "-", "--min-score", "101")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    # A name the gazetteer lacks (no entity; proposed beside the matcher, scored under the
    # default threshold) only with --new-names, whatever its score.
    assert dump("--new-names") == [("Rusia", "RU", 100.0, None), ("PDI-P", None, 45.0, "new name")]


def test_match_continues_an_interrupted_run_and_prints_its_peak_memory(
    tmp_path: Path, cli_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store.db import make_engine
    from store.review import candidates, match_progress

    db = cli_db
    setup_db(db)
    for name in "abcd":
        text = f"Rusia memasok S-300 ke Kyrgyzstan ({name})."
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    assert run("--db", db, "import", "--no-match", str(tmp_path)).returncode == 0
    # A run killed after its first checkpoint (2 articles of 4), made in this process.
    monkeypatch.setattr(candidates, "CHUNK", 2)
    monkeypatch.setattr(match_progress, "EVERY", 2)

    class Killed(Exception):
        pass

    def killed(_n: int) -> None:
        raise Killed

    engine = make_engine(db if "://" in db else f"sqlite:///{db}")
    with pytest.raises(Killed):
        candidates.match_articles(engine, resumable=True, on_progress=killed)
    engine.dispose()
    continued = run("--db", db, "match")
    assert continued.returncode == 0
    assert "matched 4 articles (continued: 2 matched before): 12 new candidates" in continued.stdout
    assert "peak memory: " in continued.stderr and " MiB" in continued.stderr
    again = run("--db", db, "match")
    assert "matched 4 articles: 0 new candidates, 0 withdrawn, 12 unchanged" in again.stdout
    restarted = run("--db", db, "match", "--restart")
    assert "matched 4 articles: 0 new candidates" in restarted.stdout
