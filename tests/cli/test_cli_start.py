"""Headless commands start light: `telaah --help` and `stats` never load what they do not use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import context

ROOT = Path(__file__).resolve().parents[2]  # `python -c`/`-m` put the working directory first
# Runs `telaah ARGS` as the console script does, then writes every module loaded, one a line,
# to the file named by $TELAAH_MODULES_OUT when the interpreter exits (after sys.exit too), and
# to that name + ".frozen" how many objects the command left out of the collector (gc.freeze).
WRAPPER = """
import atexit, gc, os, sys

def dump():
    with open(os.environ["TELAAH_MODULES_OUT"], "w", encoding="utf-8") as handle:
        handle.write("\\n".join(sorted(sys.modules)))
    with open(os.environ["TELAAH_MODULES_OUT"] + ".frozen", "w", encoding="utf-8") as handle:
        handle.write(str(gc.get_freeze_count()))

atexit.register(dump)
sys.argv = ["telaah", *sys.argv[1:]]
from tui.cli import run
run()
"""


def loaded_modules(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `telaah ARGS` in a fresh interpreter; its result and the modules it had loaded."""
    listing = tmp_path / "modules.txt"
    env = {**os.environ, "COLUMNS": "200", "TELAAH_MODULES_OUT": str(listing)}
    result = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result, set(listing.read_text(encoding="utf-8").split("\n"))


def packages(modules: set[str], *names: str) -> list[str]:
    """The modules of these packages (the package itself or anything under it)."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_help_loads_neither_textual_nor_the_database_layer(tmp_path: Path) -> None:
    result, modules = loaded_modules(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert "stats" in result.stdout
    assert packages(modules, "textual", "sqlalchemy", "sqlmodel", "alembic") == []
    # nor any store module beyond paths, config and errors (and the package itself)
    assert packages(modules, "store") == ["store", "store.config", "store.errors", "store.paths"]
    assert packages(modules, "rapidfuzz", "numpy", "wordfreq", "rich.progress") == []


def test_stats_loads_no_textual_and_no_matcher(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    demo = subprocess.run(
        [sys.executable, "-m", "tui", "--db", db, "demo", "--no-open"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stderr
    result, modules = loaded_modules(tmp_path, "--db", db, "stats")
    assert result.returncode == 0, result.stderr
    assert "articles" in result.stdout and "facts" in result.stdout
    assert "sqlmodel" in modules  # the wrapper really saw the command run
    assert packages(modules, "textual", "tui.app", "tui.screens", "tui.widgets") == []
    assert packages(modules, "alembic") == []  # a database at the newest revision: one query
    assert packages(modules, "rapidfuzz", "numpy", "wordfreq", "rich.progress") == []
    assert packages(modules, "store.matching", "store.export", "store.gazetteer") == []
    # Its objects left to die with the process: the collector does not walk them at exit.
    assert int((tmp_path / "modules.txt.frozen").read_text()) > 10_000


@pytest.mark.parametrize(
    ("ours", "module", "name"),
    [
        (context.ARTICLE_STATUSES, "store.models", "ARTICLE_STATUSES"),
        (context.REVIEWER_ROLES, "store.models", "REVIEWER_ROLES"),
        (context.LINT_KINDS, "store.gazetteer.lint", "KINDS"),
        (context.EXPORT_FORMATS, "store.formats.registry", "EXPORT_FORMATS"),
        (context.DEFAULT_EXPORT_FORMAT, "store.formats.registry", "DEFAULT_FORMAT"),
    ],
)
def test_help_choices_equal_the_stores(ours: object, module: str, name: str) -> None:
    """The choices the help texts name without loading the store are the store's own."""
    import importlib

    theirs = getattr(importlib.import_module(module), name)
    assert ours == (tuple(theirs) if isinstance(theirs, dict) else theirs)
