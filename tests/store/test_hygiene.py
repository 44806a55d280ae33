"""The core is headless: `store` never loads Textual, and the import contracts hold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import store

# The checkout whose `store` these tests import: the subprocesses must see the same one.
ROOT = Path(store.__file__).resolve().parents[1]

# Imports every module of `store` in a fresh interpreter, then runs the migrations (which
# executes store/migrations/env.py and the revision scripts the way Alembic loads them), and
# reports what was imported and whether Textual came along.
PROBE = r"""
import importlib, json, pkgutil, sys, tempfile
from pathlib import Path

import store

modules = []
for info in pkgutil.walk_packages(store.__path__, "store."):
    if info.name == "store.migrations.env":
        continue  # an Alembic script, run below through the migrations
    importlib.import_module(info.name)
    modules.append(info.name)

from store.db import open_database

with tempfile.TemporaryDirectory() as folder:
    engine = open_database(f"sqlite:///{Path(folder) / 'probe.db'}")
    engine.dispose()

print(json.dumps({"store": store.__file__, "modules": modules, "textual": "textual" in sys.modules,
                  "textual_any": sorted(m for m in sys.modules if m.split(".")[0] in
                                        ("textual", "tui"))}))
"""


def test_store_never_imports_textual(tmp_path: Path) -> None:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=os.environ | {"PYTHONPATH": path},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(report["store"]).resolve() == Path(store.__file__).resolve()
    # The walk really covered the package, down to the formats and the migrations.
    expected = {
        "store.db",
        "store.models",
        "store.ingest.articles",
        "store.gazetteer.entities",
        "store.gazetteer.files",
        "store.schema",
        "store.textnorm",
        "store.migrate",
        "store.formats.articles",
        "store.formats.gazetteer",
        "store.formats.problems",
    }
    assert expected <= set(report["modules"])
    on_disk = {p.stem for p in Path(store.__path__[0]).glob("*.py") if p.stem != "__init__"}
    assert {f"store.{name}" for name in on_disk} <= set(report["modules"])
    assert report["textual"] is False
    assert report["textual_any"] == []


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.exists(), f"{lint_imports} is not installed"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout
