"""The `telaah` command as a user runs it: a real process, real files, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE


def run(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `telaah ARGS` in a fresh interpreter with the test's environment."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def db(cli_db: str) -> str:
    """A database path (or URL) for the command line."""
    return cli_db


def sample_counts() -> tuple[int, int]:
    """Entities and aliases in the sample gazetteer, counted from the file itself."""
    with (SAMPLE / "gazetteer.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    aliases = {(r["id"], r["alias"]) for r in rows} | {(r["id"], r["name"]) for r in rows}
    return len({r["id"] for r in rows}), len(aliases)


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in (
        "import",
        "stats",
        "demo",
        "locate",
        "open",
        "db",
        "gazetteer",
        "schema",
        "articles",
        "export",
        "config",
        "match",
        "reviewers",
        "assign",
        "assignments",
    ):
        assert command in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["import"],
        ["gazetteer", "export", "-f", "x"],
        ["articles", "list", "--status", "nope"],
    ],
)
def test_usage_errors_exit_2_with_a_usage_line(args: list[str], db: str) -> None:
    result = run("--db", db, *args)
    assert result.returncode == 2
    assert "Usage:" in result.stderr


def test_locate_follows_flag_then_env_then_default(tmp_path: Path) -> None:
    default = run("locate")
    assert f"database: sqlite:///{tmp_path / 'data' / 'telaah.db'}" in default.stdout
    assert str(tmp_path / "config" / "config.toml") in default.stdout
    assert f"data:     {tmp_path / 'data'}" in default.stdout
    from_env = run("locate", env={"TELAAH_DB": str(tmp_path / "env.db")})
    assert f"sqlite:///{tmp_path / 'env.db'}" in from_env.stdout
    flag = run("--db", "sqlite:////x/flag.db", "locate", env={"TELAAH_DB": "ignored.db"})
    assert "database: sqlite:////x/flag.db" in flag.stdout


def test_demo_loads_sample_corpus_and_stats_count_it(tmp_path: Path) -> None:
    result = run("demo", "--no-open")
    assert result.returncode == 0, result.stderr
    demo_db = tmp_path / "data" / "demo.db"
    assert demo_db.is_file()
    entities, aliases = sample_counts()
    stats = " ".join(run("--db", str(demo_db), "stats").stdout.split())
    assert "articles 5 todo 5, in_progress 0, done 0" in stats
    assert f"entities {entities} redirects 0" in stats
    assert f"aliases {aliases}" in stats
    pending = re.search(r"mentions (\d+) pending (\d+), accepted 0, rejected 0", stats)
    assert pending and pending[1] == pending[2] and int(pending[1]) > 50  # the demo is matched
    again = run("demo", "--no-open")  # reopening does not import twice
    assert again.returncode == 0
    assert "imported" not in again.stdout
    assert f"entities {entities} " in " ".join(run("--db", str(demo_db), "stats").stdout.split())


def test_import_reports_each_problem_and_exits_1_when_partial(tmp_path: Path, db: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Rusia memasok S-300.\n", encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"caf\xe9 latte")
    (corpus / "lines.jsonl").write_text('{"text": "one"}\n{oops\n', encoding="utf-8")
    result = run("--db", db, "import", "--quiet", str(corpus))
    assert result.returncode == 1
    assert "imported 2, duplicates 0, failed 2" in result.stdout
    errors = result.stderr.strip().splitlines()
    assert any(line.startswith(f"{corpus / 'bad.txt'}:") and "offset 3" in line for line in errors)
    assert any(line.startswith(f"{corpus / 'lines.jsonl'}:2:") for line in errors)
    clean = run("--db", db, "import", "--encoding", "cp1252", str(corpus / "bad.txt"))
    assert clean.returncode == 0
    assert "imported 1, duplicates 0, failed 0" in clean.stdout
    listed = run("--db", db, "articles", "list").stdout
    assert "café latte" in listed


def test_import_duplicates_are_noted_not_failed(tmp_path: Path, db: str) -> None:
    (tmp_path / "a.txt").write_text("Same text.", encoding="utf-8")
    assert run("--db", db, "import", str(tmp_path / "a.txt")).returncode == 0
    again = run("--db", db, "import", str(tmp_path / "a.txt"))
    assert again.returncode == 0
    assert "imported 0, duplicates 1, failed 0" in again.stdout
    assert "duplicate of article 'a'" in again.stderr
    assert run("--db", db, "import", "--quiet", str(tmp_path / "a.txt")).stderr == ""
    # Texts stored before (an import run again) are one line, however many.
    (tmp_path / "b.txt").write_text("Other text.", encoding="utf-8")
    (tmp_path / "c.txt").write_text("Third text.", encoding="utf-8")
    assert run("--db", db, "import", str(tmp_path)).returncode == 0
    resumed = run("--db", db, "import", str(tmp_path))
    assert "imported 0, duplicates 3, failed 0" in resumed.stdout
    assert resumed.stderr.strip().splitlines() == [
        f"{tmp_path / 'a.txt'}: duplicate of article 'a', skipped "
        "(the first of 3 stored before this import, all skipped)"
    ]


def test_data_is_printed_literally_never_as_markup(tmp_path: Path, db: str) -> None:
    title = "[bold]Kyrgyzstan[/bold] [link=x]S-300[/link] [/] 🤔"
    (tmp_path / "m.jsonl").write_text(
        json.dumps({"id": "m1", "text": title}) + "\n", encoding="utf-8"
    )
    assert run("--db", db, "import", str(tmp_path / "m.jsonl")).returncode == 0
    assert title in run("--db", db, "articles", "list").stdout
    shown = run("--db", db, "articles", "show", "m1")
    assert shown.returncode == 0
    assert title in shown.stdout


def test_articles_show_unknown_is_one_line_error(db: str) -> None:
    result = run("--db", db, "articles", "show", "nope")
    assert result.returncode == 1
    assert result.stderr.strip() == "telaah: no article 'nope'"


def test_schema_and_gazetteer_commands(tmp_path: Path, db: str) -> None:
    loaded = run("--db", db, "schema", "load", str(SAMPLE / "schema.toml"))
    assert loaded.returncode == 0
    assert "loaded 6 labels and 4 fact types" in loaded.stdout
    shown = run("--db", db, "schema", "show").stdout
    for name in (
        "PERSON",
        "ORG",
        "GPE",
        "LOC",
        "WEAPON",
        "DATE",
        "ARMS_TRANSFER",
        "MEMBERSHIP",
        "MEETING",
        "AGREEMENT",
        "supplier",
    ):
        assert name in shown
    imported = run("--db", db, "gazetteer", "import", str(SAMPLE / "gazetteer.csv"))
    assert imported.returncode == 0, imported.stderr
    entities, aliases = sample_counts()
    assert f"entities created {entities}" in imported.stdout
    assert f"aliases added {aliases}" in imported.stdout
    again = run("--db", db, "gazetteer", "import", str(SAMPLE / "gazetteer.csv"))
    assert f"entities created 0, updated 0, unchanged {entities}" in again.stdout
    out = tmp_path / "export.csv"
    assert run("--db", db, "gazetteer", "export", str(out)).returncode == 0
    fresh = str(tmp_path / "fresh.db")
    run("--db", fresh, "schema", "load", str(SAMPLE / "schema.toml"))
    assert run("--db", fresh, "gazetteer", "import", str(out)).returncode == 0
    out2 = tmp_path / "export2.csv"
    run("--db", fresh, "gazetteer", "export", str(out2))
    assert out.read_bytes() == out2.read_bytes()
    jsonl = run("--db", db, "gazetteer", "export", "--format", "jsonl").stdout
    assert len(jsonl.strip().splitlines()) == entities
    listing = run("--db", db, "gazetteer", "list", "--type", "GPE").stdout
    assert "Kyrgyzstan" in listing
    assert "Shoigu" not in listing
    kg = run("--db", db, "gazetteer", "show", "KG").stdout
    assert "Kirgistan" in kg
    assert "wikidata: Q813" in kg


def test_gazetteer_import_errors_name_line_and_exit_1(tmp_path: Path, db: str) -> None:
    run("--db", db, "schema", "load", str(SAMPLE / "schema.toml"))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,name,type,alias\nKG,Kyrgyzstan,GPE,Kirgistan\nXX,Thing,NOPE,Thing\n", encoding="utf-8"
    )
    result = run("--db", db, "gazetteer", "import", str(bad))
    assert result.returncode == 1
    assert f"{bad}:3: type 'NOPE' is not defined in the schema" in result.stderr
    assert "entities created 1" in result.stdout


def test_schema_errors_name_file_and_line(tmp_path: Path, db: str) -> None:
    bad = tmp_path / "schema.toml"
    bad.write_text(
        '[[labels]]\nname = "PERSON"\ncolour = "#ffffff"\n\n'
        '[[labels]]\nname = "ORG"\ncolour = "blue"\n',
        encoding="utf-8",
    )
    result = run("--db", db, "schema", "load", str(bad))
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"telaah: {bad}:5:")
    assert "colour" in result.stderr


def test_db_upgrade_and_refusal_of_newer_database(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    first = run("--db", str(path), "db", "upgrade")
    assert first.returncode == 0
    assert "upgraded from empty to" in first.stdout
    assert "already at revision" in run("--db", str(path), "db", "upgrade").stdout
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for args in (["stats"], ["db", "upgrade"], ["articles", "list"]):
        result = run("--db", str(path), *args)
        assert result.returncode == 1
        assert "newer version of telaah" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
