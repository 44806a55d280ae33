"""The fidelity suite: real files of each tool -> `telaah import` -> every export -> the consumer's
reader -> the same spans, labels, links and facts as the database holds; what a format cannot
carry is listed in the export's manifest, never dropped silently.

The cases are the rows of `cases.CASES` (fixtures in tests/fixtures/<format>/); each is imported
once into a real SQLite file (module scope), then exported to every format.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from store.db import open_database, session_scope
from store.export.selection import Selection
from store.export.verify import CAPABILITIES
from store.export.writer import manifest_path, run_export
from store.formats.labelmap import parse_label_map
from store.formats.registry import get_format
from store.ingest.annotated import AnnotatedReport, LoadOptions, import_annotated
from store.reviewers import ensure_reviewer
from store.schema import load_schema, parse_schema
from tests.fidelity import consumers
from tests.fidelity.cases import CASES, EXPORTS, Case, pairs
from tests.fidelity.held import Held, ordered_fillers, role_order, stored

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


@dataclass
class Imported:
    engine: Engine
    report: AnnotatedReport
    held: list[Held]
    order: dict[str, list[str]]
    folder: Path


def import_case(case: Case, folder: Path) -> Imported:
    """Import the case's files into a new SQLite file, as `telaah import --format F
    --create-entities [--map M]` does."""
    engine = open_database(f"sqlite:///{folder / 'fidelity.db'}")
    with session_scope(engine) as session:
        reviewer = ensure_reviewer(session=session, name="fidelity")
        schema = parse_schema(ROOT / case.schema)
        load_schema(session=session, schema=schema, reviewer_id=reviewer)
    options = LoadOptions(
        reviewer_id=reviewer,
        create_entities=True,
        label_map=parse_label_map(case.label_map) if case.label_map else None,
    )
    paths = [FIXTURES / p for p in case.paths]
    report = import_annotated(engine, case.format, paths, options)
    return Imported(engine, report, stored(engine), role_order(engine), folder)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Case], Imported]]:
    """Each case imported once for the module."""
    done: dict[str, Imported] = {}

    def get(case: Case) -> Imported:
        if case.id not in done:
            done[case.id] = import_case(case, tmp_path_factory.mktemp(case.id))
        return done[case.id]

    yield get
    for found in done.values():
        found.engine.dispose()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_import_stores_what_the_file_holds(
    case: Case, imported: Callable[[Case], Imported]
) -> None:
    got = imported(case)
    report = got.report
    assert report.failed == 0, report.problems
    counts = (
        len(got.held),
        sum(sum(h.spans.values()) for h in got.held),
        sum(sum(h.links.values()) for h in got.held),
        sum(sum(h.facts.values()) for h in got.held),
    )
    assert counts == (case.articles, case.spans, case.links, case.facts)
    found = {(h.text[s:e], label) for h in got.held for s, e, label in h.spans}
    assert set(case.surfaces) <= found, set(case.surfaces) - found
    assert not any("\r" in h.text for h in got.held)  # CRLF stored as LF, spans moved with it
    if case.not_stored is not None:
        assert report.not_stored == dict(case.not_stored)


def test_iob1_and_iob2_files_import_the_same_spans(
    imported: Callable[[Case], Imported],
) -> None:
    one, two = (imported(c).held for c in CASES if c.id in ("conll-2003-iob1", "conll-2003-iob2"))
    assert [(h.text, h.spans) for h in one] == [(h.text, h.spans) for h in two]


def test_doccano_utf16_offsets_after_emoji_land_on_the_same_text(
    imported: Callable[[Case], Imported],
) -> None:
    (case,) = (c for c in CASES if c.id == "doccano-label")
    emoji = next(h for h in imported(case).held if h.text.startswith("😀😀"))
    record = json.loads((FIXTURES / case.paths[0]).read_text(encoding="utf-8").splitlines()[1])
    first = record["label"][0]
    # two astral characters before the span: UTF-16 offsets are two more than code points
    assert (first[0] - 2, first[1] - 2, first[2]) in emoji.spans


@pytest.mark.parametrize(
    ("case", "export"), pairs(), ids=lambda p: p.id if isinstance(p, Case) else str(p)
)
def test_every_export_reads_back_the_same_in_its_consumer(
    case: Case, export: str, imported: Callable[[Case], Imported]
) -> None:
    got = imported(case)
    name, options = EXPORTS[export]
    fmt = get_format(name)
    out = got.folder / f"out-{export}" if fmt.folder else got.folder / f"out.{export}"
    report = run_export(got.engine, fmt=fmt, out=out, selection=Selection(), options=options)
    manifest = json.loads(manifest_path(out, fmt.folder).read_text(encoding="utf-8"))
    assert manifest["verified"] is True
    lost = ", ".join(f"{n} {kind}" for kind, n in manifest.get("not_carried", {}).items())
    said = report.summary.partition("; not carried by ")[2]  # the command's summary line
    assert said == (f"{name}: {lost}" if lost else "")
    read = _read(export, out, got)
    _same(export, got.held, read, manifest, case)


def _read(export: str, out: Path, got: Imported) -> list[Held]:
    order = got.order
    if export == "jsonl":
        return consumers.jsonl(out, order)
    if export == "brat":
        plain = consumers.brat_plain(out, order)
        reader = consumers.brat_reader(out, order)
        by_text = {h.text: h for h in plain}
        for held in reader:  # the plain parse and telaah's reader agree
            same = by_text[held.text]
            assert (same.spans, same.links, same.facts) == (held.spans, held.links, held.facts)
        return reader
    if export == "conll":
        return consumers.conll(out, [h.text for h in got.held])
    if export.startswith("doccano"):
        return consumers.doccano(out, order)
    if export == "spacy":
        return consumers.spacy_docbin(out, {h.external_id: h for h in got.held})
    assert export == "facts-csv"
    return consumers.facts_csv(out, order, {h.external_id: h.text for h in got.held})


def _same(
    export: str, held: list[Held], read: list[Held], manifest: dict[str, Any], case: Case
) -> None:
    """What was read equals what the database holds, less what the manifest lists."""
    name = EXPORTS[export][0]
    capability = CAPABILITIES[name]
    if name in ("conll", "brat"):  # named by order / by file: matched on the text
        by_text = {h.text: h for h in read}
        assert len(by_text) == len(read) == len(held)
        pairs = [(h, by_text[h.text]) for h in held]
    else:
        by_id = {h.external_id: h for h in read}
        assert len(by_id) == len(read) == len(held)
        pairs = [(h, by_id[h.external_id]) for h in held]
    skipped = manifest["skipped"]["items"]
    assert all(item["reason"] for item in skipped)
    not_carried = manifest.get("not_carried", {})
    lost_links = lost_facts = lost_spans = 0
    for want, got in pairs:
        assert got.text == want.text
        article = want.external_id
        spans_out = Counter(
            (i["start"], i["end"], i["label"])
            for i in skipped
            if i["kind"] == "span" and i["article"] == article
        )
        facts_out = Counter(
            i["label"] for i in skipped if i["kind"] == "fact" and i["article"] == article
        )
        if name == "facts-csv":
            fillers = {f for _type, roles in want.facts for _r, fs in roles for f in fs}
            lost_spans += sum(n for (s, e, _l), n in want.spans.items() if (s, e) not in fillers)
        else:
            assert got.spans + spans_out == want.spans, f"{article}: spans differ"
            if not case.overlapping:
                assert not spans_out, f"{article}: spans skipped: {spans_out}"
            elif name not in ("conll", "spacy"):  # formats that nest spans skip none
                assert not spans_out
            for start, end, label in spans_out:  # only a span that overlaps another one
                others = [(s, e) for s, e, _l in want.spans if (s, e) != (start, end)]
                assert any(s < end and start < e for s, e in others), (start, end, label)
        kept_links = Counter(
            {k: n for k, n in want.links.items() if (k[0], k[1], k[2]) not in spans_out}
        )
        if name == "facts-csv":
            pass  # the keys of role fillers are in the CSV; the other spans count as spans
        elif capability.links:
            assert got.links == kept_links, f"{article}: links differ"
        else:
            lost_links += sum(kept_links.values())
        if capability.facts:
            ordered = capability.facts == "ordered"
            key = ordered_fillers if ordered else (lambda k: k)
            want_facts = Counter(key(k) for k in want.facts.elements())
            got_facts = Counter(key(k) for k in got.facts.elements())
            assert not got_facts - want_facts, f"{article}: facts not meant"
            missing = Counter(k[0] for k in (want_facts - got_facts).elements())
            assert missing == facts_out, f"{article}: facts missing and not listed: {missing}"
        else:
            lost_facts += sum(want.facts.values())
    expected = Counter({"links": lost_links, "facts": lost_facts, "spans": lost_spans})
    if not capability.extras:  # what only jsonl and brat carry is counted, by kind
        for want in held:
            extras = Counter(want.extras)
            if not capability.facts:
                del extras["fact filling a role"]
            expected.update(extras)
    assert not_carried == {kind: n for kind, n in expected.items() if n}


def test_an_export_run_without_its_check_never_claims_verified(
    imported: Callable[[Case], Imported],
) -> None:
    got = imported(CASES[0])
    out = got.folder / "unchecked.jsonl"
    fmt = get_format("jsonl")
    run_export(got.engine, fmt=fmt, out=out, selection=Selection(), verify=False)
    manifest = json.loads(manifest_path(out, fmt.folder).read_text(encoding="utf-8"))
    assert manifest["verified"] is False
    assert manifest["verified_reason"] == "not checked: the export ran with verify=False"
    assert "verified_counts" not in manifest
