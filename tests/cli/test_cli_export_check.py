"""`telaah export` when the export's own check finds a difference: exit status 1, the first
difference named on its own line, nothing published.

The command runs in this process (`tui.cli.main`, as the `telaah` script does) so that the
registry's JSONL entry can be swapped for a writer that silently drops a span: the real
writer, the real check and the real command line, with one span lost on the way.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.export.model import ExportContext, ExportDoc
from store.formats.jsonl import write_jsonl
from store.formats.registry import FORMATS
from tests.golden.corpus import golden_corpus
from tui.cli import main


def _dropping_first_span(docs: Iterable[ExportDoc], path: Path, context: ExportContext) -> None:
    """The JSONL writer, leaving out the first span of the first article that fills no fact role
    (so only that span, and its link, are missing)."""

    def changed() -> Iterable[ExportDoc]:
        dropped = False
        for doc in docs:
            fillers = {i for f in doc.facts for ids in f.roles.values() for i in ids}
            lost = next((s for s in doc.spans if s.id not in fillers), None)
            if not dropped and lost is not None:
                dropped = True
                doc = dataclasses.replace(doc, spans=tuple(s for s in doc.spans if s != lost))
            yield doc

    write_jsonl(changed(), path, context)


def run_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """`telaah ARGS` through the script's entry point: exit status, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["telaah", *args])
    monkeypatch.setenv("COLUMNS", "400")  # one difference, one line
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_an_export_that_fails_its_check_exits_1_naming_the_difference_and_publishes_nothing(
    engine: Engine,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    golden_corpus(engine)
    engine.dispose()
    out = tmp_path / "gold.jsonl"
    # First the real writer: the same command verifies and publishes.
    code, stdout, stderr = run_in_process(
        monkeypatch, capsys, "--db", db_url, "export", "--out", str(out)
    )
    assert code == 0, stderr
    assert stdout.startswith("exported 4 articles") and out.is_file()
    out.unlink()
    (tmp_path / "gold.jsonl.manifest.json").unlink()

    broken = dataclasses.replace(FORMATS["jsonl"], write=_dropping_first_span)
    monkeypatch.setitem(FORMATS, "jsonl", broken)
    code, stdout, stderr = run_in_process(
        monkeypatch, capsys, "--db", db_url, "export", "--out", str(out)
    )
    assert code == 1
    assert stdout == ""
    assert "Traceback" not in stderr
    lines = stderr.rstrip("\n").split("\n")
    assert lines[0] == (
        f"telaah: export to {out} failed its check: what was read back differs from what was "
        "meant (2 differences)"
    )
    # The first difference on a line of its own: article, offsets, label, surface.
    assert re.fullmatch(r"  000_\w+: span \d+-\d+ [A-Z]+ '[^']+' missing", lines[1]), lines[1]
    assert re.fullmatch(r"  000_\w+: span \d+-\d+ [A-Z]+: link to '[^']+' missing", lines[2])
    assert lines[3:] == ["nothing was written"]
    # Nothing published, nothing left behind: no output, no manifest, no temporary file.
    assert not [p.name for p in tmp_path.iterdir() if "gold.jsonl" in p.name]
