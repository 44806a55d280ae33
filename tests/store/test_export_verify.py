"""Every export checks itself: it reads its output back and publishes nothing that differs."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.errors import TelaahError
from store.export.model import ExportContext, ExportDoc
from store.export.selection import Selection
from store.export.verify import CAPABILITIES, verify_output
from store.export.writer import manifest_path, run_export
from store.formats.doccano import write_doccano
from store.formats.jsonl import write_jsonl
from store.formats.registry import get_format
from tests.golden.corpus import golden_corpus


@pytest.fixture
def golden(engine: Engine) -> Engine:
    golden_corpus(engine)
    return engine


def manifest_of(out: Path, folder: bool) -> dict[str, object]:
    data = json.loads(manifest_path(out, folder).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("name", ["jsonl", "brat", "conll", "doccano", "spacy", "facts-csv"])
def test_every_format_verifies_its_golden_export(golden: Engine, tmp_path: Path, name: str) -> None:
    fmt = get_format(name)
    out = tmp_path / f"golden.{name}"
    report = run_export(golden, fmt=fmt, out=out, selection=Selection())
    manifest = manifest_of(out, fmt.folder)
    capability = CAPABILITIES[name]
    skipped_spans = sum(1 for item in report.skipped if item.kind == "span")
    skipped_facts = sum(1 for item in report.skipped if item.kind == "fact")
    spans = 0 if name == "facts-csv" else report.spans - skipped_spans
    assert report.articles == 4 and report.spans == 147 and report.facts == 6
    assert manifest["verified"] is True
    assert manifest["verified_counts"] == {
        "documents": report.articles,
        "spans": spans,
        # every exported span of the golden corpus is linked
        "links": spans if capability.links else 0,
        "facts": report.facts - skipped_facts if capability.facts else 0,
    }


def test_a_parallel_export_is_verified_part_by_part(
    golden: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("store.export.writer.PARALLEL_MIN", 1)
    monkeypatch.setattr("store.export.parallel.PARTS_PER_WORKER", 2)
    selection = Selection(articles="all")
    serial = tmp_path / "one.jsonl"
    run_export(golden, fmt=get_format("jsonl"), out=serial, selection=selection)
    out = tmp_path / "par.jsonl"
    report = run_export(golden, fmt=get_format("jsonl"), out=out, selection=selection, workers=2)
    manifest = manifest_of(out, False)
    assert manifest["verified"] is True
    assert manifest["verified_counts"] == manifest_of(serial, False)["verified_counts"]
    assert manifest["verified_counts"] == {
        "documents": 5,
        "spans": report.spans,
        "links": manifest["verified_counts"]["links"],  # type: ignore[index]
        "facts": report.facts,
    }


def _dropping(write: object, article_index: int, what: str) -> object:
    """A real writer that silently leaves out a span (the first that fills no fact role) or the
    first fact of one article."""

    def broken(docs: Iterable[ExportDoc], path: Path, context: ExportContext) -> None:
        def changed() -> Iterator[ExportDoc]:
            for index, doc in enumerate(docs):
                if index == article_index and what == "span":
                    fillers = {i for f in doc.facts for ids in f.roles.values() for i in ids}
                    lost = next(s for s in doc.spans if s.id not in fillers)
                    doc = dataclasses.replace(doc, spans=tuple(s for s in doc.spans if s != lost))
                elif index == article_index:
                    doc = dataclasses.replace(doc, facts=doc.facts[1:])
                yield doc

        write(changed(), path, context)  # type: ignore[operator]

    return broken


def test_a_writer_that_drops_a_span_fails_and_publishes_nothing(
    golden: Engine, tmp_path: Path
) -> None:
    fmt = dataclasses.replace(get_format("jsonl"), write=_dropping(write_jsonl, 1, "span"))
    out = tmp_path / "broken.jsonl"
    with pytest.raises(TelaahError) as caught:
        run_export(golden, fmt=fmt, out=out, selection=Selection())
    message = str(caught.value)
    second = json.loads(_golden_lines(golden, tmp_path)[1])
    assert re.search(rf"\n  {second['id']}: span \d+-\d+ [A-Z]+ '[^']+' missing\n", message)
    assert re.search(
        rf"\n  {second['id']}: span \d+-\d+ [A-Z]+: link to '[^']+' missing\n", message
    )
    assert "(2 differences)" in message and message.endswith("nothing was written")
    assert not out.exists() and not manifest_path(out, False).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _golden_lines(engine: Engine, tmp_path: Path) -> list[str]:
    out = tmp_path / "good.jsonl"
    run_export(engine, fmt=get_format("jsonl"), out=out, selection=Selection())
    return out.read_text(encoding="utf-8").splitlines()


def test_a_writer_that_drops_a_relation_fails_naming_the_fact(
    golden: Engine, tmp_path: Path
) -> None:
    fmt = dataclasses.replace(get_format("doccano"), write=_dropping(write_doccano, 0, "fact"))
    out = tmp_path / "broken.jsonl"
    with pytest.raises(
        TelaahError, match=r"\n  000_\w+: fact \w+ #1=\d+-\d+, #2=\d+-\d+.* missing\n"
    ):
        run_export(golden, fmt=fmt, out=out, selection=Selection())
    assert not out.exists() and not manifest_path(out, False).exists()


def test_an_export_whose_skips_are_not_all_listed_is_not_claimed_verified(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("", encoding="utf-8")
    result = verify_output(get_format("jsonl"), path, [], [], skipped_complete=False)
    assert result.to_manifest() == {
        "verified": False,
        "verified_reason": (
            "more items were skipped than the manifest lists: cannot tell them apart"
        ),
    }
