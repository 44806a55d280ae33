"""`telaah agree` as a user runs it, on layers two reviewers made blind."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from tests.agreement_layers import decide_blind
from tests.cli.test_cli import run


def test_agree_prints_writes_and_lists(
    tmp_path: Path, db_url: str, engine: Engine, reviewer_id: int
) -> None:
    count, _ = decide_blind(engine, reviewer_id)
    db = db_url
    shown = run("--db", db, "agree", "--no-gamma")
    assert shown.returncode == 0, shown.stderr
    assert "ana · budi" in shown.stdout and "all labels" in shown.stdout
    stats = " ".join(run("--db", db, "stats").stdout.split())
    assert f"layer ana {count} pending 0, accepted {count}, rejected 0" in stats
    assert f"layer budi {count} pending 0, accepted {count - 1}, rejected 1" in stats
    out = tmp_path / "agree.json"
    written = run("--db", db, "agree", "--out", str(out))
    assert written.returncode == 0, written.stderr
    rows = json.loads(out.read_text(encoding="utf-8"))
    whole = next(r for r in rows if r["label"] == "*")
    assert (whole["first"], whole["second"], whole["articles"]) == ("ana", "budi", 1)
    assert (whole["spans_first"], whole["spans_second"]) == (count, count - 1)
    assert whole["gamma"] is not None and 0 < whole["gamma"] < 1
    listed = run("--db", db, "agree", "--disagreements", "ana,budi")
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and {line.split(":")[0].split()[-1] for line in lines} == {
        "span",
        "label",
    }
    bad = run("--db", db, "agree", "--out", str(tmp_path / "x.txt"))
    assert bad.returncode == 1 and "--out takes a .csv or .json file" in bad.stderr


def test_adjudicate_agreed(tmp_path: Path, db_url: str, engine: Engine, reviewer_id: int) -> None:
    count, _ = decide_blind(engine, reviewer_id)
    db = db_url
    refused = run("--db", db, "--reviewer", "tester", "adjudicate", "--agreed")
    assert refused.returncode == 1 and "only an adjudicator or a curator" in refused.stderr
    assert run("--db", db, "reviewers", "add", "ada", "--role", "adjudicator").returncode == 0
    settled = run("--db", db, "--reviewer", "ada", "adjudicate", "--agreed")
    assert settled.returncode == 0, settled.stderr
    assert f"settled {count - 2} agreed units in 1 articles" in settled.stdout
    again = run("--db", db, "--reviewer", "ada", "adjudicate", "--agreed")
    assert "settled 0 agreed units" in again.stdout
    gold = run(
        "--db",
        db,
        "export",
        "--format",
        "jsonl",
        "--layer",
        "gold",
        "-o",
        str(tmp_path / "g.jsonl"),
    )
    assert gold.returncode == 0, gold.stderr
