"""brat export: the grammar of every line, exact offsets, safe file names, atomic folders."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from store.errors import TelaahError
from store.export.model import ExportContext, ExportDoc
from store.export.selection import Selection
from store.export.writer import run_export
from store.formats.brat import FileNames, safe_name
from store.formats.registry import Format, get_format
from store.models import Article, Fact, FactArgument, Mention
from store.schema import load_schema, parse_schema
from tests.golden.corpus import golden_corpus

BRAT = get_format("brat")
GRAMMAR = {
    "T": re.compile(r"T\d+\t[A-Za-z_][\w-]* \d+ \d+\t[^\n]*"),
    "N": re.compile(r"N\d+\tReference T\d+ [\w-]+:\S+\t[^\n]*"),
    "E": re.compile(r"E\d+\t[\w-]+:T\d+( [A-Za-z_][\w-]*:[TE]\d+)*"),
    "R": re.compile(r"R\d+\t[\w-]+ [A-Za-z_][\w-]*:T\d+ [A-Za-z_][\w-]*:T\d+"),
    "A": re.compile(r"A\d+\t[\w-]+ [TER]\d+( [\w-]+)?"),
    "#": re.compile(r"#\d+\tAnnotatorNotes [TER]\d+\t[^\n]*"),
}


@pytest.fixture
def golden(engine: Engine) -> Engine:
    golden_corpus(engine)
    return engine


def check_folder(folder: Path) -> dict[str, list[str]]:
    """Check every .ann of the folder against the brat grammar and its .txt; return them."""
    result = {}
    for ann in sorted(folder.glob("*.ann")):
        text = ann.with_suffix(".txt").read_bytes().decode("utf-8")
        raw = ann.read_bytes().decode("utf-8")
        assert raw == "" or raw.endswith("\n")
        lines = raw.split("\n")[:-1]
        ids: dict[str, str] = {}
        for line in lines:
            assert GRAMMAR[line[0]].fullmatch(line), line
            ident = line.split("\t")[0]
            assert ident not in ids, f"{ident} twice"
            ids[ident] = line
            if line[0] == "T":
                _, middle, surface = line.split("\t")
                _, start, end = middle.split(" ")
                assert text[int(start) : int(end)] == surface
        for line in lines:  # references point at annotations of the same file
            middle = line.split("\t")[1]
            for ref in re.findall(r"(?<=[: ])([TERN]\d+)\b", middle):
                assert ref in ids, f"{line} names {ref}"
            if line[0] == "E":
                trigger = middle.split(" ")[0]
                event_type, tid = trigger.split(":")
                assert ids[tid].split("\t")[1].split(" ")[0] == event_type
        result[ann.stem] = lines
    return result


def test_golden_corpus_as_brat(golden: Engine, tmp_path: Path) -> None:
    out = tmp_path / "brat"
    report = run_export(golden, fmt=BRAT, out=out, selection=Selection())
    files = check_folder(out)
    assert len(files) == report.articles == 4
    lines = [line for ann in files.values() for line in ann]
    assert sum(1 for line in lines if line[0] == "T") >= report.spans
    assert any(line.startswith("N") and "\tReference T1 telaah:" in line for line in lines)
    assert sum(1 for line in lines if line[0] == "E") == report.facts > 0
    assert any(line.startswith("#") and "checked against the source" in line for line in lines)
    assert any(line.endswith(" accepted") for line in lines if line[0] == "A")
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert "[entities]\n\nPERSON\nORG\nGPE" in conf
    assert "ARMS_TRANSFER\tsupplier:GPE|ORG, recipient+:GPE|ORG, item+:WEAPON, date?:DATE" in conf
    assert "State\tArg:<ENTITY>|<EVENT>, Value:pending|accepted|rejected" in conf
    assert "[normalization]" in (out / "tools.conf").read_text(encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "brat" and manifest["files"] == {}
    assert report.skipped_total == 0


@pytest.mark.parametrize(
    "external_id, expected",
    [
        ("../../x", "_.._x"),
        ("a/b", "a_b"),
        ("con", "_con"),
        ("CON.txt", "_CON.txt"),
        ("", "article"),
        ("..", "article"),
        (".hidden", "hidden"),
        ("a\\b:c*?", "a_b_c__"),
        ("Kirgistan-ü", "Kirgistan-_"),
    ],
)
def test_safe_names(external_id: str, expected: str) -> None:
    assert safe_name(external_id) == expected


def test_repeated_safe_names_get_numbers() -> None:
    names = FileNames()
    assert [names.name(i) for i in ("a/b", "a:b", "A_B", "x")] == ["a_b", "a_b~2", "A_B~3", "x"]
    assert names.renamed == {"a_b": "a/b", "a_b~2": "a:b", "A_B~3": "A_B"}


def add(
    session: Session, external_id: str, text: str, spans: Iterable[tuple[int, int, str]] = ()
) -> Article:
    article = Article(
        external_id=external_id,
        title=external_id,
        text=text,
        sha256=f"{abs(hash(external_id + text)):064x}",
        status="done",
    )
    session.add(article)
    session.flush()
    assert article.id is not None
    for start, end, label in spans:
        session.add(
            Mention(
                article_id=article.id,
                start=start,
                end=end,
                text=text[start:end],
                label=label,
                state="accepted",
                origin="manual",
            )
        )
    session.commit()
    return article


def test_hostile_ids_never_write_outside_the_folder(
    engine: Engine, session: Session, schema_loaded: None, tmp_path: Path
) -> None:
    hostile = ["../../x", "a/b", "con", "", "..", "/etc/passwd", "a\\..\\..\\y", "A/B"]
    for number, external_id in enumerate(hostile):
        add(session, external_id, f"Rusia {number}", [(0, 5, "GPE")])
    work = tmp_path / "work"
    work.mkdir()
    out = work / "brat"
    report = run_export(engine, fmt=BRAT, out=out, selection=Selection())
    assert report.articles == len(hostile)
    assert sorted(p.name for p in work.iterdir()) == ["brat"]
    written = sorted(p.name for p in out.iterdir())
    assert len([n for n in written if n.endswith(".txt")]) == len(hostile)
    assert all(p.is_file() for p in out.iterdir())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"].values()) == sorted(hostile)
    check_folder(out)


def test_span_across_a_line_break_is_reported_not_written(
    engine: Engine, session: Session, schema_loaded: None, tmp_path: Path
) -> None:
    text = "Federasi\nRusia dan 😀 Kirgizstan\r\nemoji"
    k = text.index("Kirgizstan")
    add(session, "lines", text, [(0, 14, "GPE"), (k, k + 10, "GPE")])
    out = tmp_path / "brat"
    report = run_export(engine, fmt=BRAT, out=out, selection=Selection())
    files = check_folder(out)
    assert files["lines"] == [f"T1\tGPE {k} {k + 10}\tKirgizstan", "A1\tState T1 accepted"]
    assert (out / "lines.txt").read_bytes() == text.encode("utf-8")  # CRLF kept as stored
    assert report.skipped_total == 1
    (item,) = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["skipped"]["items"]
    assert item["start"] == 0 and "line break" in item["reason"]


SCHEMA = """
[[labels]]
name = "GPE"
key = "g"
colour = "#98c379"

[[labels]]
name = "ORG"
key = "o"
colour = "#61afef"

[[fact_types]]
name = "MEMBER_OF"
triggers = ["anggota"]
  [[fact_types.roles]]
  name = "member"
  labels = ["GPE"]
  [[fact_types.roles]]
  name = "organization"
  labels = ["ORG"]
"""


def test_two_role_facts_are_relations(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    (tmp_path / "schema.toml").write_text(SCHEMA, encoding="utf-8")
    load_schema(
        session=session, schema=parse_schema(tmp_path / "schema.toml"), reviewer_id=reviewer_id
    )
    article = add(session, "rel", "Kirgizstan anggota CSTO.", [(0, 10, "GPE"), (19, 23, "ORG")])
    ids = list(session.execute(select(Mention.id).order_by(Mention.start)).scalars())
    fact = Fact(article_id=article.id, type="MEMBER_OF", state="accepted", note="multi\nline")
    session.add(fact)
    session.flush()
    session.add_all(
        [
            FactArgument(fact_id=fact.id, role="member", mention_id=ids[0]),
            FactArgument(fact_id=fact.id, role="organization", mention_id=ids[1]),
        ]
    )
    session.commit()
    out = tmp_path / "brat"
    run_export(engine, fmt=BRAT, out=out, selection=Selection())
    lines = check_folder(out)["rel"]
    assert "R1\tMEMBER_OF member:T1 organization:T2" in lines
    assert "#1\tAnnotatorNotes R1\tmulti line" in lines
    assert (
        "MEMBER_OF\tmember:GPE, organization:ORG"
        in (out / "annotation.conf").read_text(encoding="utf-8").split("[events]")[0]
    )


def test_failed_brat_export_keeps_the_previous_folder(golden: Engine, tmp_path: Path) -> None:
    out = tmp_path / "brat"
    run_export(golden, fmt=BRAT, out=out, selection=Selection())
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(docs: Iterable[ExportDoc], folder: Path, context: ExportContext) -> None:
        def some() -> Iterable[ExportDoc]:
            for number, doc in enumerate(docs):
                if number == 2:
                    raise RuntimeError("interrupted")
                yield doc

        BRAT.write(some(), folder, context)

    with pytest.raises(RuntimeError):
        run_export(golden, fmt=Format("brat", broken, folder=True), out=out, selection=Selection())
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    run_export(golden, fmt=BRAT, out=out, selection=Selection(labels=("GPE",)))  # replaces it
    assert json.loads((out / "manifest.json").read_text())["selection"]["labels"] == ["GPE"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_refuses_to_replace_a_folder_that_is_not_an_export(engine: Engine, tmp_path: Path) -> None:
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(TelaahError, match="not a telaah export"):
        run_export(engine, fmt=BRAT, out=mine, selection=Selection())
    assert (mine / "chapter1.tex").read_text(encoding="utf-8") == "precious"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(TelaahError, match="is a file"):
        run_export(engine, fmt=BRAT, out=tmp_path / "file", selection=Selection())


def test_a_colon_in_an_event_type_or_role_name_is_reported_not_written(tmp_path: Path) -> None:
    # brat's standoff format separates an event's type from its trigger (`Die:T4`) and a role
    # from its argument (`Victim:T1`) with `:` (https://brat.nlplab.org/standoff.html), so
    # ACE 2005 names (`Conflict:Attack`, a role `Recipient:2`) cannot be written; `:` in a
    # relation type or an entity label (`Life:Die`) can, and reads back.
    from store.export.model import ExportFact, ExportSpan
    from store.formats.brat import ann_lines, annotation_conf, read_brat
    from store.formats.reading import ReadDoc
    from store.schema import FactTypeSpec, LabelSpec, RoleSpec, Schema

    roles = (RoleSpec("Attacker", ("PER",)), RoleSpec("Target", ("PER",)))
    schema = Schema(
        (LabelSpec("PER", "#e5c07b"), LabelSpec("Life:Die", "#e06c75")),
        (
            FactTypeSpec("Life:Die", (RoleSpec("Victim", ("PER",)), RoleSpec("Agent", ("PER",)))),
            FactTypeSpec("Conflict:Attack", (*roles, RoleSpec("Place", ("PER",), False))),
            FactTypeSpec("Meet", (RoleSpec("Entity:1", ("PER",)), RoleSpec("Entity:2", ("PER",)))),
        ),
    )
    text = "Budi tewas ditembak Amir."
    spans = (
        ExportSpan(0, 0, 4, "Budi", "PER"),
        ExportSpan(1, 5, 10, "tewas", "Life:Die"),
        ExportSpan(2, 20, 24, "Amir", "PER"),
    )
    facts = (
        ExportFact(0, "Life:Die", "accepted", {"Victim": [0], "Agent": [2]}),
        ExportFact(1, "Conflict:Attack", "accepted", {"Attacker": [2], "Target": [0]}, (11, 19)),
        ExportFact(2, "Meet", "accepted", {"Entity:1": [0], "Entity:2": [2]}),
    )
    skipped: list[Any] = []
    doc = ExportDoc(id=1, external_id="ace", title="", text=text, spans=spans, facts=facts)
    lines = ann_lines(doc, ExportContext(schema, {}, skipped.append))
    assert [line for line in lines if line[0] in "ER"] == ["R1\tLife:Die Victim:T1 Agent:T3"]
    assert [(s.label, s.reason) for s in skipped] == [
        ("Conflict:Attack", "brat reads `:` in the event type 'Conflict:Attack' as its separator"),
        ("Meet", "brat reads `:` in the role name 'Entity:1' as its separator"),
    ]
    conf = annotation_conf(schema)
    assert "Life:Die\tVictim:PER, Agent:PER" in conf
    assert "# Conflict:Attack is not written: brat reads `:` in the event type" in conf
    assert "# Meet is not written: brat reads `:` in the role name 'Entity:1'" in conf
    (tmp_path / "ace.txt").write_text(text, encoding="utf-8")
    (tmp_path / "ace.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (read,) = read_brat(tmp_path / "ace.ann")
    assert isinstance(read, ReadDoc)
    assert [s.label for s in read.doc.spans] == ["PER", "Life:Die", "PER"]
    facts_read = [(f.type, f.roles) for f in read.doc.facts]
    assert facts_read == [("Life:Die", {"Victim": [0], "Agent": [2]})]
