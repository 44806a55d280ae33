"""brat attributes (`A`, `M`), notes (`#`), equivalences (`*`) and events filling roles of
events (`Theme:E1`): read, stored, exported back in brat and JSONL, counted where a format
cannot carry them, and deleted with what they annotate."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from store.export.selection import Selection
from store.export.writer import run_export
from store.facts.repository import delete_fact, get_fact, list_facts
from store.formats.brat_read import read_brat
from store.formats.reading import Note, ReadDoc
from store.formats.registry import get_format
from store.ingest.annotated import LoadOptions, import_annotated
from store.models import (
    AnnotationAttribute,
    AnnotationNote,
    EquivalenceMember,
    Fact,
    FactArgument,
    Mention,
)
from store.review.extras import fact_extras, mention_extras
from store.undo.history import undo
from tests.store.test_import_brat import FIXTURES, tutorial_schema

TEXT = "Ali said Budi sold the company. Budi: the seller. Ali, again.\n"
#       0   4    9    14   19  23     31    37  41  45     52   57
ANN = [
    "E2\tReport:T5 Reporter_Arg:T1 Event_Arg:E1",  # names E1 before E1's line
    "T1\tPerson 0 3\tAli",
    "T2\tOrganization 9 13\tBudi",
    "T3\tOrganization 32 36\tBudi",
    "T4\tMerge_org 14 18\tsold",
    "T5\tReport 4 8\tsaid",
    "E1\tMerge_org:T4 Org_Arg:T2\t",
    "T6\tPerson 50 53\tAli",
    "A1\tNegated E1",
    "A2\tConfidence E2 L1",
    "M3\tSpeculation T2",
    "A4\tConfidence T4 High",  # on a trigger: reported
    "#1\tAnnotatorNotes T2\ta span note",
    "#2\tAnnotatorNotes E1\tthe fact's note",
    "#3\tAnnotatorNotes E1\ta second note",
    "#4\tReviewerNotes E2\tanother kind",
    "#5\tAnnotatorNotes A1\ton an attribute",  # reported
    "*\tEquiv T2 T3",
    "*\tEquiv T1 T6",
]


def write_doc(folder: Path, lines: list[str], name: str = "doc") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.txt").write_text(TEXT, encoding="utf-8")
    path = folder / f"{name}.ann"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_reader_keeps_extras_in_any_line_order_and_reports_the_rest(tmp_path: Path) -> None:
    path = write_doc(tmp_path, ANN)
    items = list(read_brat(path))
    notes = [item for item in items if isinstance(item, Note)]
    assert [(n.kind, n.where.line) for n in notes] == [("attribute", 12), ("note", 17)]
    assert all("not stored" in n.where.message for n in notes)
    (read,) = [item for item in items if isinstance(item, ReadDoc)]
    doc = read.doc
    text = {span.id: span.text for span in doc.spans}
    budi = next(s for s in doc.spans if s.start == 9)
    assert budi.attributes == (("Speculation", None),)
    assert budi.notes == (("AnnotatorNotes", "a span note"),)
    merge = next(f for f in doc.facts if f.type == "Merge_org")
    report = next(f for f in doc.facts if f.type == "Report")
    assert merge.attributes == (("Negated", None),)
    assert merge.note == "the fact's note"
    assert merge.notes == (("AnnotatorNotes", "a second note"),)
    assert report.attributes == (("Confidence", "L1"),)
    assert report.notes == (("ReviewerNotes", "another kind"),)
    assert report.fact_roles == {"Event_Arg": [merge.id]}
    assert [(t, [text[i] for i in ids]) for t, ids in doc.equivalences] == [
        ("Equiv", ["Budi", "Budi"]),
        ("Equiv", ["Ali", "Ali"]),
    ]


def test_cycles_and_missing_arguments_are_refused_with_a_problem(tmp_path: Path) -> None:
    lines = [
        "T1\tPerson 0 3\tAli",
        "T4\tMerge_org 14 18\tsold",
        "T5\tReport 4 8\tsaid",
        "E1\tReport:T5 Reporter_Arg:T1 Event_Arg:E2",
        "E2\tReport:T5 Reporter_Arg:T1 Event_Arg:E1",  # E1 and E2 fill each other
        "E3\tReport:T5 Reporter_Arg:T1 Event_Arg:E1",  # filled by a refused fact
        "E4\tReport:T5 Reporter_Arg:T1 Event_Arg:E9",  # no such event
        "E5\tMerge_org:T4",
        "*\tEquiv T1 T8",  # no such span
        "A1\tNegated T9",  # no such annotation
    ]
    items = list(read_brat(write_doc(tmp_path, lines)))
    problems = [(i.line, i.message) for i in items if not isinstance(i, ReadDoc | Note)]
    assert problems == [
        (4, "E1 is its own argument, through events (a cycle)"),
        (5, "E2 is its own argument, through events (a cycle)"),
        (6, "argument E1 is not imported"),
        (7, "argument E9 is not a fact"),
        (9, "equivalence member T8 is not a span"),
        (10, "attribute Negated of T9: no such span"),
    ]
    (read,) = [i for i in items if isinstance(i, ReadDoc)]
    assert [f.type for f in read.doc.facts] == ["Merge_org"]


def brat_annotations(folder: Path) -> dict[str, set[tuple[object, ...]]]:
    """Every annotation of every .ann file of `folder`, with ids resolved to what they name
    (a span's label and offsets, an event's type, trigger and arguments...), so that two
    folders compare whatever ids they use. telaah's own State attributes are left out; a
    relation's arguments are compared without their role names (brat's `Arg1`/`Arg2` are
    written on the schema's roles)."""
    result = {}
    for path in sorted(folder.glob("*.ann")):
        lines = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
        result[path.stem] = _Resolver(lines).annotations()
    return result


class _Resolver:
    def __init__(self, lines: list[list[str]]) -> None:
        self.lines = lines
        self.refs: dict[str, tuple[object, ...]] = {}
        for fields in lines:
            if fields[0].startswith("T"):
                label, start, end = fields[1].split()
                self.refs[fields[0]] = ("T", label, int(start), int(end))
        self.facts = {f[0]: f[1].split() for f in lines if f[0][0] in "ER"}

    def ref(self, ident: str) -> tuple[object, ...]:
        if ident not in self.refs:
            head, *args = self.facts[ident]
            kind = ident[0]
            start: tuple[object, ...] = (
                kind,
                self.ref(head.split(":")[1]) if kind == "E" else head,
            )
            fillers = []
            for arg in args:
                role, _, target = arg.rpartition(":")
                name = "" if kind == "R" else role.rstrip("0123456789")
                fillers.append(f"{name}={self.ref(target)!r}")
            self.refs[ident] = (*start, *sorted(fillers))
        return self.refs[ident]

    def annotations(self) -> set[tuple[object, ...]]:
        found: set[tuple[object, ...]] = set()
        for fields in self.lines:
            kind = fields[0][0]
            words = fields[1].split()
            if kind in "TER":
                found.add((self.ref(fields[0]),))
            elif kind in "AM" and words[0] != "State":
                found.add(("A", words[0], self.ref(words[1]), *words[2:]))
            elif kind == "#":
                found.add(("#", words[0], self.ref(words[1]), fields[2]))
            elif kind == "*":
                found.add(("*", words[0], *sorted(repr(self.ref(t)) for t in words[1:])))
            elif kind == "N":
                found.add(("N", self.ref(words[1]), words[2].removeprefix("telaah:")))
        return found


def export(engine: Engine, fmt: str, out: Path) -> dict[str, object]:
    """Export everything; the manifest."""
    run_export(engine, fmt=get_format(fmt), out=out, selection=Selection(articles="all"))
    manifest = out / "manifest.json" if out.is_dir() else out.with_name(f"{out.name}.manifest.json")
    loaded: dict[str, object] = json.loads(manifest.read_text(encoding="utf-8"))
    return loaded


def test_brat_to_telaah_to_brat_keeps_every_annotation(
    engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    write_doc(source, ANN[:11] + ANN[12:16] + ANN[17:])  # what can be stored: no reports
    for name in ("notes", "attributes", "relations"):
        for suffix in (".txt", ".ann"):
            (source / f"{name}{suffix}").write_bytes((FIXTURES / f"{name}{suffix}").read_bytes())
    tutorial_schema(engine, reviewer_id)
    report = import_annotated(
        engine, "brat", [source], LoadOptions(reviewer_id=reviewer_id, create_entities=True)
    )
    assert report.failed == 0 and report.notes == [], report.problems
    manifest = export(engine, "brat", tmp_path / "out")
    assert manifest["verified"] is True
    assert manifest["verified_counts"]["extras"] > 0  # type: ignore[index]
    out = tmp_path / "out"
    original, written = brat_annotations(source), brat_annotations(out)
    for name, found in original.items():
        assert found <= written[name], (name, found - written[name])
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert "Confidence\tArg:<EVENT>, Value:High|L1|Low|Neutral" in conf
    assert "Speculation\tArg:<ENTITY>\n" in conf
    assert "Report\tReporter_Arg:Person|Organization, Event_Arg?:Merge_org" in conf
    # and back again: the same annotations
    again = tmp_path / "again.db"
    from store.db import open_database, session_scope
    from store.reviewers import ensure_reviewer

    second = open_database(f"sqlite:///{again}")
    with session_scope(second) as session:
        second_reviewer = ensure_reviewer(session=session, name="tester")
    tutorial_schema(second, second_reviewer)
    report = import_annotated(
        second, "brat", [out], LoadOptions(reviewer_id=second_reviewer, create_entities=True)
    )
    assert report.failed == 0 and report.notes == [], report.problems
    export(second, "brat", tmp_path / "out2")
    assert brat_annotations(tmp_path / "out2") == written
    second.dispose()


def test_jsonl_round_trip_keeps_extras_and_other_formats_count_them(
    engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    tutorial_schema(engine, reviewer_id)
    import_annotated(
        engine, "brat", [FIXTURES], LoadOptions(reviewer_id=reviewer_id, create_entities=True)
    )
    manifest = export(engine, "jsonl", tmp_path / "a.jsonl")
    assert manifest["verified"] is True and "not_carried" not in manifest
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    relations = next(line for line in lines if line["id"] == "relations")
    assert relations["equivalences"] == [{"type": "Alias", "spans": [2, 3, 4]}]
    attributes = next(line for line in lines if line["id"] == "attributes")
    assert attributes["spans"][0]["attributes"] == [{"name": "Individual", "value": None}]
    report = next(f for f in attributes["facts"] if f["type"] == "Report")
    assert attributes["facts"][report["fact_roles"]["Event_Arg"][0]]["type"] == "Merge_org"
    from store.db import open_database, session_scope
    from store.reviewers import ensure_reviewer

    second = open_database(f"sqlite:///{tmp_path / 'second.db'}")
    with session_scope(second) as session:
        second_reviewer = ensure_reviewer(session=session, name="tester")
    tutorial_schema(second, second_reviewer)
    report_in = import_annotated(
        second,
        "jsonl",
        [tmp_path / "a.jsonl"],
        LoadOptions(reviewer_id=second_reviewer, create_entities=True),
    )
    assert report_in.failed == 0, report_in.problems
    export(second, "jsonl", tmp_path / "b.jsonl")
    assert (tmp_path / "b.jsonl").read_bytes() == (tmp_path / "a.jsonl").read_bytes()
    second.dispose()
    conll = export(engine, "conll", tmp_path / "a.conll")
    assert conll["not_carried"] == {
        "attribute": 7,
        "equivalence": 1,
        "note": 1,
        "facts": 15,
        "links": 1,
    }
    doccano = export(engine, "doccano", tmp_path / "a.doccano.jsonl")
    assert doccano["not_carried"] == {
        "attribute": 7,
        "equivalence": 1,
        "fact filling a role": 4,
        "note": 1,
        "links": 1,
    }


def test_deleting_a_mention_or_a_fact_deletes_its_extras_and_undo_brings_a_filler_back(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    tutorial_schema(engine, reviewer_id)
    write_doc(tmp_path / "in", ANN)
    import_annotated(engine, "brat", [tmp_path / "in"], LoadOptions(reviewer_id=reviewer_id))
    budi = session.execute(select(Mention).where(Mention.start == 9)).scalar_one()
    found = mention_extras(session=session, mention_ids=[budi.id])[budi.id]
    assert found.attributes == (("Speculation", None),)
    assert found.notes == (("AnnotatorNotes", "a span note"),)
    assert found.equivalent == (("Equiv", ("Budi",)),)
    merge, report = list_facts(session=session)[:2]
    if merge.type != "Merge_org":
        merge, report = report, merge
    assert [(f.role, f.fact_id, f.type) for f in report.fact_fillers] == [
        ("Event_Arg", merge.id, "Merge_org")
    ]
    assert report.fact_roles == {"Event_Arg": [merge.id]}
    assert fact_extras(session=session, fact_ids=[merge.id])[merge.id].notes == (
        ("AnnotatorNotes", "a second note"),
    )
    # a fact filling a role is deleted: its extras go, the fact it filled needs review
    delete_fact(session=session, fact_id=merge.id, reviewer_id=reviewer_id)
    session.expire_all()
    assert (
        session.execute(
            select(func.count())
            .select_from(AnnotationAttribute)
            .where(AnnotationAttribute.fact_id == merge.id)
        ).scalar_one()
        == 0
    )
    after = get_fact(session=session, fact_id=report.id)
    assert after.fact_fillers == () and after.needs_review
    # undo brings the fact back into the role it filled
    undo(session=session, reviewer_id=reviewer_id)
    session.expire_all()
    restored = get_fact(session=session, fact_id=report.id)
    assert [(f.role, f.fact_id) for f in restored.fact_fillers] == [("Event_Arg", merge.id)]
    # deleting a mention deletes its attributes, notes and equivalence memberships
    session.delete(session.get(Mention, budi.id))
    session.commit()
    for model, column in (
        (AnnotationAttribute, AnnotationAttribute.mention_id),
        (AnnotationNote, AnnotationNote.mention_id),
        (EquivalenceMember, EquivalenceMember.mention_id),
    ):
        count = session.execute(
            select(func.count()).select_from(model).where(column == budi.id)
        ).scalar_one()
        assert count == 0, model
    # a fact filled by a deleted fact's cascade keeps its own mention roles
    assert (
        session.execute(
            select(func.count()).select_from(FactArgument).where(FactArgument.fact_id == report.id)
        ).scalar_one()
        >= 1
    )
    assert session.get(Fact, report.id) is not None


def test_brat_reports_a_fact_filled_by_an_unwritten_fact_and_counts_unwritable_extras() -> None:
    from store.export.model import ExportContext, ExportDoc, ExportFact, ExportSpan, Skipped
    from store.formats.brat import ann_lines
    from store.schema import parse_schema

    schema = parse_schema(FIXTURES / "schema.toml")
    spans = (
        ExportSpan(1, 0, 3, "Ali", "Person", attributes=(("Has space", None), ("Ok", "v w"))),
        ExportSpan(2, 9, 13, "Budi", "Organization", notes=(("Bad kind", "x"),)),
        ExportSpan(3, 32, 36, "Budi", "Organization"),
    )
    facts = (
        ExportFact(10, "Merge_org", "accepted", {"Org_Arg": [2]}, evidence=None),  # no trigger
        ExportFact(
            11, "Report", "accepted", {"Reporter_Arg": [1]}, (4, 8), fact_roles={"Event_Arg": [10]}
        ),
        ExportFact(
            12, "Report", "accepted", {"Reporter_Arg": [1]}, (4, 8), fact_roles={"Event_Arg": [13]}
        ),
        ExportFact(13, "Merge_org", "accepted", {"Org_Arg": [2, 3]}, (14, 18)),
    )
    doc = ExportDoc(0, "doc", "", TEXT, spans=spans, facts=facts, equivalences=(("Equiv", (2,)),))
    skipped: list[Skipped] = []
    context = ExportContext(schema, {}, skipped.append)
    lines = ann_lines(doc, context)
    assert [(s.label, s.start, s.reason) for s in skipped] == [
        ("Merge_org", None, "no evidence span to be the brat event trigger"),
        ("Report", 4, "role Event_Arg is filled by a fact brat cannot show"),
    ]
    events = [line for line in lines if line.startswith("E")]
    assert events == [
        "E1\tReport:T4 Reporter_Arg:T1 Event_Arg:E2",
        "E2\tMerge_org:T5 Org_Arg:T2 Org_Arg2:T3",
    ]
    assert context.extras["not_carried"] == {"attribute": 2, "note": 1, "equivalence": 1}


def test_the_check_of_an_export_names_extras_that_did_not_come_back() -> None:
    from dataclasses import replace

    from store.export.model import ExportDoc, ExportFact, ExportSpan
    from store.export.verify_extras import compare_extras

    spans = (ExportSpan(1, 0, 3, "Ali", "Person", attributes=(("Negated", None),)),)
    facts = (
        ExportFact(1, "Merge_org", "accepted", {"Org_Arg": [1]}, (14, 18), notes=(("K", "t"),)),
    )
    want = ExportDoc(0, "doc", "", TEXT, spans=spans, facts=facts, equivalences=())
    same, compared = compare_extras(want, want, want.spans, want.spans, brat=False)
    assert same == [] and compared == 2
    lost = replace(
        want,
        spans=(replace(spans[0], attributes=()),),
        facts=(replace(facts[0], notes=()),),
        equivalences=(("Equiv", (1, 1)),),
    )
    lines, _ = compare_extras(want, lost, want.spans, lost.spans, brat=False)
    assert lines == [
        "span 0-3 Person: attributes or notes differ",
        "fact Merge_org: attributes, notes or facts filling roles differ",
        "equivalence Equiv of 2 spans not meant",
    ]
