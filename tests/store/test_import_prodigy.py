"""Prodigy answers in annotated JSONL: relations become facts, entity-linking answers entity
keys, and every other answer telaah cannot store is a note with a kind, counted.

Fixture shapes, from public Prodigy output:
- relations (`rel.manual`, the `relations` view): the record quoted in explosion/projects,
  tutorials/rel_component (the BioNLP Genia annotations its scripts/parse_data.py reads):
  `"relations": [{"head": 14, "child": 5, "head_span": {"start": 63, "end": 88,
  "token_start": 12, "token_end": 14, "label": "GGP"}, "child_span": {...}, "label":
  "Pos-Reg"}]`, `head`/`child` being the index of each span's last token; a relation between
  single tokens carries spans with `"label": null` (the dependency shape of the same view).
- entity linking: explosion/projects, tutorials/nel_emerson/assets/emerson_annotated_text.jsonl
  (written by its scripts/el_recipe.py): one span, `options` with Wikidata ids plus
  `NIL_otherLink`/`NIL_ambiguous`, `"accept": ["Q312545"]`, `"answer": "accept"`.
- choices and text categories: Prodigy's `choice` view (`options`, `accept`) and binary
  `textcat.teach` answers (a top-level `label`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from store.gazetteer.entities import create_entity
from store.ingest.annotated import AnnotatedReport, LoadOptions, import_annotated
from store.models import Entity, Fact, FactArgument, Mention
from store.schema import load_schema, parse_schema

SCHEMA = """\
[[labels]]
name = "ORG"
colour = "#61afef"

[[labels]]
name = "PERSON"
colour = "#e5c07b"

[[fact_types]]
name = "SUBSIDIARY"
  [[fact_types.roles]]
  name = "head"
  labels = ["ORG"]

  [[fact_types.roles]]
  name = "child"
  labels = ["ORG"]
"""

TEXT = "PT Telkom mengakuisisi Mitratel, kata Budi."
OPTIONS = [
    {"id": "Q48226", "html": "Q48226: American philosopher, essayist, and poet"},
    {"id": "Q312545", "html": "Q312545: Australian tennis player"},
    {"id": "NIL_otherLink", "text": "Link not in options"},
    {"id": "NIL_ambiguous", "text": "Need more context"},
]


def at(surface: str, text: str = TEXT) -> dict[str, Any]:
    start = text.index(surface)
    return {"start": start, "end": start + len(surface)}


def rel_span(surface: str, label: str | None) -> dict[str, Any]:
    return {**at(surface), "token_start": 0, "token_end": 0, "label": label}


def nel(text: str, accept: list[str], answer: str = "accept") -> dict[str, Any]:
    return {
        "text": text,
        "spans": [{**at("Emerson", text), "text": "Emerson", "label": "PERSON"}],
        "options": OPTIONS,
        "_view_id": "choice",
        "accept": accept,
        "answer": answer,
    }


RECORDS: list[dict[str, Any]] = [
    {
        "text": TEXT,
        "spans": [{**at("PT Telkom"), "token_start": 0, "token_end": 1, "label": "ORG"}],
        "_view_id": "relations",
        "relations": [
            {  # both spans given, the child only here: it is added as a span
                "head": 1,
                "child": 2,
                "head_span": rel_span("PT Telkom", "ORG"),
                "child_span": rel_span("Mitratel", "ORG"),
                "label": "SUBSIDIARY",
            },
            {  # a relation type the schema lacks: a failure naming the line
                "head": 6,
                "child": 1,
                "head_span": rel_span("Budi", "PERSON"),
                "child_span": rel_span("PT Telkom", "ORG"),
                "label": "SPOKESPERSON",
            },
            {  # between unlabelled tokens not among `spans`: a note
                "head": 5,
                "child": 6,
                "head_span": rel_span("kata", None),
                "child_span": rel_span("Budi", "PERSON"),
                "label": "SPEAKER",
            },
        ],
        "answer": "accept",
    },
    nel("Emerson won five consecutive Australian Championships.", ["Q312545"]),
    nel("Emerson toured Europe in 1833.", ["Q48226"]),
    nel("Emerson scored one goal during the tournament.", ["NIL_otherLink"]),
    nel("Emerson was born on a farm.", ["Q312545"], answer="reject"),
    {  # a choice on the whole text
        "text": "Timnas menang 2-0.",
        "options": [{"id": "SPORT", "text": "Olahraga"}, {"id": "POLITIK", "text": "Politik"}],
        "accept": ["SPORT"],
        "answer": "accept",
    },
    {"text": "Harga beras naik.", "accept": ["EKONOMI"], "answer": "accept"},
    {"text": "Rupiah melemah.", "label": "EKONOMI", "answer": "accept"},
]


def setup(session: Session, reviewer_id: int, tmp_path: Path) -> Path:
    schema = tmp_path / "schema.toml"
    schema.write_text(SCHEMA, encoding="utf-8")
    load_schema(session=session, schema=parse_schema(schema), reviewer_id=reviewer_id)
    create_entity(
        session=session, key="Q312545", name="Roy Emerson", type="PERSON", reviewer_id=reviewer_id
    )
    path = tmp_path / "prodigy.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


def run(engine: Engine, path: Path, reviewer_id: int, **options: Any) -> AnnotatedReport:
    return import_annotated(
        engine, "jsonl", [path], LoadOptions(reviewer_id=reviewer_id, **options)
    )


def facts(session: Session) -> list[tuple[str, str, str]]:
    rows = session.execute(
        select(Fact.type, FactArgument.role, Mention.text)
        .join(FactArgument, FactArgument.fact_id == Fact.id)
        .join(Mention, Mention.id == FactArgument.mention_id)
        .order_by(Fact.id, FactArgument.role)
    ).all()
    return [tuple(row) for row in rows]


def links(session: Session) -> list[tuple[str, str, str | None]]:
    rows = session.execute(
        select(Mention.text, Mention.label, Entity.key)
        .join(Entity, Entity.id == Mention.entity_id, isouter=True)
        .order_by(Mention.id)
    ).all()
    return [tuple(row) for row in rows]


def test_prodigy_relations_links_and_choices_are_stored_or_counted(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    path = setup(session, reviewer_id, tmp_path)
    report = run(engine, path, reviewer_id)

    assert report.articles_created == 7  # every line but the rejected one
    assert report.facts == 1 and report.mentions == 6
    assert facts(session) == [
        ("SUBSIDIARY", "child", "Mitratel"),
        ("SUBSIDIARY", "head", "PT Telkom"),
    ]
    assert links(session) == [
        ("PT Telkom", "ORG", None),
        ("Mitratel", "ORG", None),
        ("Budi", "PERSON", None),
        ("Emerson", "PERSON", "Q312545"),
        ("Emerson", "PERSON", None),  # Q48226 is not in the gazetteer
        ("Emerson", "PERSON", None),  # NIL_otherLink: no link, said so
    ]
    assert report.unknown_keys == {"Q48226": 1}
    assert report.failed == 1
    assert report.problems == [
        f"{path}:1: fact SPOKESPERSON: fact type 'SPOKESPERSON' is not in the schema"
    ]
    assert report.not_stored == {"relation": 1, "choice": 2, "text category": 1}
    notes = "\n".join(report.notes)
    assert f"{path}:1: relation 2 (SPEAKER): head span" in notes
    assert "'kata' has no label and is not among `spans`" in notes
    assert f"{path}:4: entity link 'NIL_otherLink'" in notes
    assert f"{path}:5: answer is 'reject': skipped (with spans: 1, accept: 1)" in notes
    assert f"{path}:6: choice 'SPORT' on the whole text" in notes
    assert f"{path}:7: accept 'EKONOMI' without options" in notes
    assert f"{path}:8: label 'EKONOMI' of the whole text" in notes


def test_prodigy_links_create_entities_and_strict_fails_on_what_is_not_stored(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    path = setup(session, reviewer_id, tmp_path)
    report = run(engine, path, reviewer_id, create_entities=True, strict=True)

    assert report.entities_created == 1 and report.unknown_keys == {}
    created = session.execute(select(Entity).where(Entity.key == "Q48226")).scalar_one()
    assert (created.name, created.type) == ("Emerson", "PERSON")
    # strict: the four notes with a kind fail, and the line whose fact failed
    assert report.failed == 5
    assert report.not_stored == {"relation": 1, "choice": 2, "text category": 1}
    assert [key for *_, key in links(session)][3:5] == ["Q312545", "Q48226"]


def test_prodigy_answers_that_cannot_be_placed_are_noted_and_bad_lines_reported(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    path = setup(session, reviewer_id, tmp_path)
    two = "Emerson dan Laver juara."
    records: list[Any] = [
        {  # no `spans` at all: the relation's labelled spans are the mentions
            "text": TEXT,
            "relations": [
                {
                    "head": 1,
                    "child": 2,
                    "head_span": rel_span("PT Telkom", "ORG"),
                    "child_span": rel_span("Mitratel", "ORG"),
                    "label": "SUBSIDIARY",
                },
                {"head": 1, "child": 2, "label": "SUBSIDIARY"},  # token indices only
                "SUBSIDIARY",
            ],
        },
        {"text": TEXT, "relations": {"head": 1}},
        {  # two spans, one answer: which span it links is unknown
            "text": two,
            "spans": [
                {**at("Emerson", two), "label": "PERSON"},
                {**at("Laver", two), "label": "PERSON"},
            ],
            "options": OPTIONS,
            "accept": ["Q312545"],
        },
        {**nel("Emerson juara.", ["Q312545"]), "options": OPTIONS[:1]},
    ]
    kept = nel("Emerson menang.", ["Q312545"])
    kept["spans"][0]["kb_id"] = "Q48226"
    records.append(kept)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    report = run(engine, path, reviewer_id, create_entities=True)

    assert facts(session) == [
        ("SUBSIDIARY", "child", "Mitratel"),
        ("SUBSIDIARY", "head", "PT Telkom"),
    ]
    assert [key for *_, key in links(session)] == [None, None, None, None, None, "Q48226"]
    assert report.problems == [f"{path}:2: `relations` is not a list"]
    assert report.not_stored == {"relation": 2, "entity link": 2, "choice": 1}
    notes = "\n".join(report.notes)
    assert f"{path}:1: relation 1 (SUBSIDIARY): head span is missing" in notes
    assert f"{path}:1: relation 2 is not an object" in notes
    assert f"{path}:3: accept 'Q312545' for 2 spans: no link stored" in notes
    assert f"{path}:4: accept 'Q312545' names no option" in notes
    assert f"{path}:5: accept 'Q312545' but the span's kb_id is 'Q48226': kb_id kept" in notes
