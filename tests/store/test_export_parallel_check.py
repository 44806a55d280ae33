"""A parallel export checks itself part by part: each worker reads its own part back and
compares it with its articles; the parent checks that the joined output holds every part."""

from __future__ import annotations

import dataclasses
import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import Engine

from store.errors import TelaahError
from store.export.model import ExportContext, ExportDoc
from store.export.parallel import _export_part, _Task, parts_for, split
from store.export.selection import Selection
from store.export.writer import UNCHECKED, manifest_path, run_export
from store.formats import registry
from store.formats.jsonl import write_jsonl
from tests.golden.corpus import golden_corpus

JSONL = registry.get_format("jsonl")
SELECTION = Selection(articles="all")


@pytest.fixture
def golden(engine: Engine) -> Engine:
    golden_corpus(engine)
    return engine


def _losing_first_span(docs: Iterable[ExportDoc], path: Path, context: ExportContext) -> None:
    """The real JSONL writer, but the first article's first span that fills no fact role is
    silently left out."""

    def changed() -> Iterator[ExportDoc]:
        for index, doc in enumerate(docs):
            if index == 0:
                fillers = {i for f in doc.facts for ids in f.roles.values() for i in ids}
                lost = next(s for s in doc.spans if s.id not in fillers)
                doc = dataclasses.replace(doc, spans=tuple(s for s in doc.spans if s != lost))
            yield doc

    write_jsonl(changed(), path, context)


def _task(engine: Engine, path: Path, verify: bool = True) -> _Task:
    url = engine.url.render_as_string(hide_password=False)
    return _Task(url, "jsonl", SELECTION, {}, (1, 10**9), str(path), verify)


def test_a_worker_checks_its_part_and_names_what_it_lost(
    golden: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _export_part(_task(golden, tmp_path / "good"))
    assert good.verification is not None and good.verification.verified
    assert good.verification.documents == good.report.articles == 5
    assert good.verification.spans == good.report.spans > 0
    monkeypatch.setitem(
        registry.FORMATS, "jsonl", dataclasses.replace(JSONL, write=_losing_first_span)
    )
    bad = _export_part(_task(golden, tmp_path / "bad"))
    assert bad.verification is not None and not bad.verification.verified
    first = json.loads((tmp_path / "good").read_text(encoding="utf-8").splitlines()[0])
    fillers = {i for fact in first["facts"] for ids in fact["roles"].values() for i in ids}
    lost = next(span for span in first["spans"] if span["id"] not in fillers)
    assert bad.verification.differences[0] == (
        f"{first['id']}: span {lost['start']}-{lost['end']} {lost['label']} "
        f"{lost['text']!r} missing"
    )
    unchecked = _export_part(_task(golden, tmp_path / "unchecked", verify=False))
    assert unchecked.verification is None


def _corrupting(source: BinaryIO, joined: BinaryIO) -> int:
    """A copy that changes one byte, and says it copied the part as it was."""
    data = source.read()
    joined.write(data[:-2] + bytes([data[-2] ^ 1]) + data[-1:])
    return zlib.crc32(data)


def test_a_part_changed_while_joined_fails_and_publishes_nothing(
    golden: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("store.export.writer.PARALLEL_MIN", 1)
    monkeypatch.setattr("store.export.parallel._append", _corrupting)
    out = tmp_path / "par.jsonl"
    with pytest.raises(TelaahError, match="read back from the joined output differs"):
        run_export(golden, fmt=JSONL, out=out, selection=SELECTION, workers=2)
    assert not out.exists() and not manifest_path(out, False).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_parallel_export_without_its_check_says_so(
    golden: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("store.export.writer.PARALLEL_MIN", 1)
    out = tmp_path / "par.jsonl"
    run_export(golden, fmt=JSONL, out=out, selection=SELECTION, workers=2, verify=False)
    manifest = json.loads(manifest_path(out, False).read_text(encoding="utf-8"))
    assert manifest["verified"] is False and manifest["verified_reason"] == UNCHECKED


def test_big_exports_are_split_into_bounded_parts() -> None:
    assert parts_for(10, 2) == 8  # PARTS_PER_WORKER parts a worker
    assert parts_for(100_000, 2) == 20  # no part over PART_MAX articles
    assert parts_for(1_000_000, 2) == 200


def test_ranges_are_made_from_streamed_ids() -> None:
    ids = [3, 4, 8, 9, 10, 15, 16]
    assert split(iter(ids), len(ids), 3) == [(3, 8), (9, 15), (16, 16)]
    assert split(iter(ids), len(ids), 1) == [(3, 16)]
    assert split(iter(ids), 2, 1) == [(3, 4), (8, 9), (10, 15), (16, 16)]  # more than counted
    assert split(iter([]), 0, 4) == []
