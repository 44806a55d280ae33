"""`telaah export` as a user runs it: files, exit status, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli.test_cli import run
from tests.golden.corpus import golden_corpus


@pytest.fixture
def golden_db(engine: Engine, db_path: Path, db_url: str) -> str:
    golden_corpus(engine)
    engine.dispose()
    return str(db_path) if db_url.startswith("sqlite") else db_url


def test_export_jsonl_writes_file_and_manifest(golden_db: str, tmp_path: Path) -> None:
    out = tmp_path / "gold.jsonl"
    result = run("--db", golden_db, "export", "--format", "jsonl", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("exported 4 articles, ")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4
    manifest = json.loads((tmp_path / "gold.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["articles"] == 4
    assert manifest["selection"] == {
        "articles": "done",
        "state": "accepted",
        "reviewer": None,
        "labels": [],
        "since": None,
        "pending_in_done": "reject",
        "layer": "gold",
    }
    config = Path(os.environ["TELAAH_CONFIG_DIR"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[export]\npending_in_done = "keep"\n', encoding="utf-8")
    kept = run("--db", golden_db, "export", "--state", "all", "--out", str(out))
    assert kept.returncode == 0, kept.stderr
    manifest = json.loads((tmp_path / "gold.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert manifest["selection"]["pending_in_done"] == "keep"
    assert "pending" in manifest["counts"]["fact_types"]["AGREEMENT"]


def test_selection_options_reach_the_export(golden_db: str, tmp_path: Path) -> None:
    out = tmp_path / "gpe.jsonl"
    result = run(
        "--db",
        golden_db,
        "export",
        "--out",
        str(out),
        "--articles",
        "all",
        "--state",
        "all",
        "--labels",
        "GPE,ORG",
        "--reviewer",
        "golden",
        "--since",
        "2024-01-01",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 5
    assert {s["label"] for r in records for s in r["spans"]} == {"GPE", "ORG"}
    assert {s["state"] for r in records for s in r["spans"]} == {"accepted", "rejected"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "xml"], "unknown export format 'xml'"),
        (["--articles", "some"], "--articles must be one of done, all"),
        (["--state", "pending"], "--state must be one of accepted, all"),
        (["--since", "yesterday"], "--since must be a date"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    golden_db: str, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run("--db", golden_db, "export", "--out", str(tmp_path / "x.jsonl"), *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.jsonl").exists()


def test_unwritable_out_exits_1_with_one_line(golden_db: str, tmp_path: Path) -> None:
    missing = run("--db", golden_db, "export", "--out", str(tmp_path / "no" / "x.jsonl"))
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"telaah: cannot write {tmp_path / 'no' / 'x.jsonl'}: folder {tmp_path / 'no'} "
        "does not exist"
    ]
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        result = run("--db", golden_db, "export", "--out", str(locked / "x.jsonl"))
        assert result.returncode == 1 and "not writable" in result.stderr
    folder = run("--db", golden_db, "export", "--out", str(tmp_path))
    assert folder.returncode == 1 and len(folder.stderr.strip().splitlines()) == 1


def test_help_lists_export_and_its_formats() -> None:
    result = run("export", "--help")
    assert result.returncode == 0
    for word in ("--format", "--out", "--articles", "--state", "--labels", "--since", "jsonl"):
        assert word in result.stdout
