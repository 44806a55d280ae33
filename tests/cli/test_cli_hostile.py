"""No escape sequence reaches the terminal from the command line either.

Every command that prints stored data runs on a database holding `tests.hostile.HOSTILE` in
every field; its raw stdout and stderr bytes must hold no control byte (newline and tab aside),
no C1 control and no bidi control, and must show the marks (`␛[2J`, `\\u202e`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.db import open_database, session_scope
from store.reviewers import ensure_reviewer
from tests.hostile import HOSTILE, SHOWN_ESC, SHOWN_RLO, forbidden, plant


def run_bytes(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run `telaah ARGS`; its raw output."""
    result = subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )
    assert b"Traceback" not in result.stderr, result.stderr
    return result


def assert_safe(result: subprocess.CompletedProcess[bytes], *marks: str) -> str:
    """Both streams are UTF-8 without a forbidden code point; stdout shows every mark."""
    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert forbidden(out) == [] and forbidden(err) == [], (out, err)
    for mark in marks:
        assert mark in out + err, (mark, out, err)
    return out


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "hostile.db"
    engine = open_database(f"sqlite:///{path}")
    with session_scope(engine) as session:
        reviewer_id = ensure_reviewer(session=session, name="tester")
    plant(engine, reviewer_id)
    engine.dispose()
    return str(path)


def test_commands_print_hostile_data_as_marks(db: str, tmp_path: Path) -> None:
    shown = assert_safe(run_bytes("--db", db, "articles", "show", "1"), SHOWN_ESC, SHOWN_RLO)
    assert shown.count(SHOWN_ESC) == 3  # title, source, url
    assert_safe(run_bytes("--db", db, "articles", "list"), SHOWN_ESC)
    shown = assert_safe(run_bytes("--db", db, "gazetteer", "show", "RU"), SHOWN_ESC, SHOWN_RLO)
    assert shown.count(SHOWN_ESC) >= 4  # name, description, the alias and who added it
    assert_safe(run_bytes("--db", db, "gazetteer", "list"), SHOWN_ESC)
    assert_safe(run_bytes("--db", db, "stats"))
    assert_safe(run_bytes("--db", db, "gazetteer", "lint"))
    out = tmp_path / "out.jsonl"
    export = run_bytes("--db", db, "export", "--articles", "all", "--out", str(out))
    assert export.returncode == 0, export.stderr
    assert_safe(export)
    # The export itself keeps the data as stored (JSON escapes the controls).
    assert "\\u001b[2J" in out.read_text(encoding="utf-8")


def test_errors_and_edits_print_hostile_values_as_marks(db: str) -> None:
    missing = run_bytes("--db", db, "gazetteer", "show", HOSTILE)
    assert missing.returncode == 1
    assert_safe(missing)
    bad = run_bytes("--db", db, "articles", "show", HOSTILE)
    assert bad.returncode != 0
    assert_safe(bad)
    added = run_bytes("--db", db, "gazetteer", "add-alias", "KZ", f"Qazaq{HOSTILE}", "--no-match")
    assert added.returncode == 0, added.stderr
    assert_safe(added, SHOWN_RLO)
    # Stored normalised as article text is: no C0/C1 controls; the bidi characters stay.
    shown = assert_safe(run_bytes("--db", db, "gazetteer", "show", "KZ"), SHOWN_RLO)
    assert "Qazaq" in shown and "Evil]52;c;aGFja2Vk[2J" in shown
