"""brat files that brat itself wrote, read without losing anything silently.

The fixtures in tests/fixtures/brat/ are brat's news tutorial documents (repository nlplab/brat,
example-data/tutorials/news/110-note_annotation, 100-attribute_annotation and
060-relation_annotation, .txt and .ann), with the type names made identifiers, one `N` line and
one `M` line added in the form of brat's standoff documentation (https://brat.nlplab.org/
standoff.html): see tests/fixtures/brat/README.md.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from store.db import open_database, session_scope
from store.ingest.annotated import LoadOptions, import_annotated
from store.models import (
    AnnotationAttribute,
    AnnotationNote,
    Article,
    Entity,
    Equivalence,
    EquivalenceMember,
    Fact,
    FactArgument,
    Mention,
)
from store.schema import load_schema, parse_schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brat"
NOTES, ATTRIBUTES, RELATIONS = (FIXTURES / f"{n}.ann" for n in ("notes", "attributes", "relations"))
SUMMARY_TAIL = "duplicates 0, failed 0"


def tutorial_schema(engine: Engine, reviewer_id: int | None) -> None:
    """Load the schema of brat's news tutorial (tests/fixtures/brat/schema.toml)."""
    with session_scope(engine) as session:
        load_schema(
            session=session, schema=parse_schema(FIXTURES / "schema.toml"), reviewer_id=reviewer_id
        )


def mentions_of(session: Session, external_id: str) -> list[Mention]:
    """An article's mentions."""
    return list(
        session.execute(
            select(Mention).join(Article).where(Article.external_id == external_id)
        ).scalars()
    )


def facts_of(
    session: Session, external_id: str
) -> list[tuple[str, str | None, dict[str, list[str]]]]:
    """(type, note, role -> mention texts) of an article's facts, in id order."""
    article = session.execute(
        select(Article).where(Article.external_id == external_id)
    ).scalar_one()
    result = []
    for fact in session.execute(
        select(Fact).where(Fact.article_id == article.id).order_by(Fact.id)
    ).scalars():
        roles: dict[str, list[str]] = {}
        for argument, mention in session.execute(
            select(FactArgument, Mention)
            .join(Mention, Mention.id == FactArgument.mention_id)
            .where(FactArgument.fact_id == fact.id)
            .order_by(FactArgument.id)
        ).all():
            roles.setdefault(argument.role, []).append(mention.text)
        result.append((fact.type, fact.note, roles))
    return result


def test_brat_tutorial_files_store_attributes_notes_equivalences_and_nested_events(
    engine: Engine, session: Session, reviewer_id: int
) -> None:
    tutorial_schema(engine, reviewer_id)
    report = import_annotated(
        engine, "brat", [FIXTURES], LoadOptions(reviewer_id=reviewer_id, create_entities=True)
    )
    assert report.problems == [] and report.failed == 0
    assert report.summary.endswith(SUMMARY_TAIL)  # nothing "not stored" any more
    assert report.not_stored == {} and report.notes == []
    # N with its namespace: the key is the whole DB:ID
    google = session.execute(
        select(Mention, Entity)
        .join(Entity, Entity.id == Mention.entity_id)
        .where(Mention.start == 507)
    ).one()
    assert (google[0].text, google[1].key, google[1].name) == (
        "Google",
        "Wikipedia:64488",
        "Google",
    )
    # R lines ending in a tab are facts; the first AnnotatorNotes of a fact is its note
    assert facts_of(session, "notes") == [
        (
            "Merge_org",
            "Annotate as one merge event with three participants or two events with two "
            "participants each?",
            {"Org_Arg": ["YouTube", "DoubleClick", "Google"]},
        ),
        (
            "Family",
            "Should this be marked? It's not explicitly stated.",
            {"person": ["Orville Wright"], "relative": ["Wilbur Wright"]},
        ),
        ("Merge_org", None, {"Org_Arg": ["YouTube", "DoubleClick", "Google"]}),
        ("Family", None, {"person": ["Orville Wright"], "relative": ["Wilbur Wright"]}),
    ]
    # a note on a span is stored with its kind
    notes = session.execute(
        select(Mention.text, AnnotationNote.kind, AnnotationNote.text).join(
            Mention, Mention.id == AnnotationNote.mention_id
        )
    ).all()
    assert [tuple(n) for n in notes] == [
        ("Discworld", "AnnotatorNotes", "Should fictional places be annotated?")
    ]
    # attributes: a flag on a span (value None), values and a legacy M flag on events
    on_spans = session.execute(
        select(Mention.text, AnnotationAttribute.name, AnnotationAttribute.value).join(
            Mention, Mention.id == AnnotationAttribute.mention_id
        )
    ).all()
    assert [tuple(a) for a in on_spans] == [("Somebody", "Individual", None)]
    on_facts = session.execute(
        select(Fact.evidence_start, AnnotationAttribute.name, AnnotationAttribute.value)
        .join(Fact, Fact.id == AnnotationAttribute.fact_id)
        .order_by(Fact.evidence_start, AnnotationAttribute.id)
    ).all()
    assert [tuple(a) for a in on_facts] == [
        (506, "Confidence", "Neutral"),  # E1, a Report
        (531, "Confidence", "Low"),
        (557, "Confidence", "Neutral"),
        (557, "Negation", None),  # M1
        (601, "Confidence", "Neutral"),
        (626, "Confidence", "High"),
    ]
    # nested events: each Report's Event_Arg is the Merge_org fact of its line
    nested = session.execute(
        select(Fact.type, Fact.evidence_start, FactArgument.role, FactArgument.filler_fact_id)
        .join(FactArgument, FactArgument.fact_id == Fact.id)
        .where(FactArgument.filler_fact_id.is_not(None))  # type: ignore[union-attr]
        .order_by(Fact.evidence_start)
    ).all()
    starts = {f.id: f.evidence_start for f in session.execute(select(Fact)).scalars()}
    assert [(t, s, r, starts[f]) for t, s, r, f in nested] == [
        ("Report", 506, "Event_Arg", 531),
        ("Report", 601, "Event_Arg", 626),
        ("Report", 873, "Event_Arg", 898),
        ("Report", 968, "Event_Arg", 993),
    ]
    attributes = facts_of(session, "attributes")
    assert ("Report", None, {"Reporter_Arg": ["Somebody"]}) in attributes
    # the equivalence: a set of the three spans
    members = session.execute(
        select(Equivalence.type, Mention.text)
        .join(EquivalenceMember, EquivalenceMember.equivalence_id == Equivalence.id)
        .join(Mention, Mention.id == EquivalenceMember.mention_id)
        .order_by(Mention.start)
    ).all()
    assert [tuple(m) for m in members] == [
        ("Alias", "Joanne Rowling"),
        ("Alias", "Jo Rowling"),
        ("Alias", "J. K. Rowling"),
    ]


def test_strict_no_longer_fails_on_what_is_now_stored(
    engine: Engine, session: Session, reviewer_id: int
) -> None:
    tutorial_schema(engine, reviewer_id)
    report = import_annotated(
        engine, "brat", [FIXTURES], LoadOptions(reviewer_id=reviewer_id, strict=True)
    )
    assert report.failed == 0 and report.problems == []
    assert report.notes == [  # not --create-entities: a note, not a failure, even when strict
        f"{NOTES}:5: unknown entity key 'Wikipedia:64488': the span is imported without a "
        "link (--create-entities creates it)"
    ]
    assert report.articles_created == 3 and report.facts == 15
    assert "not stored" not in report.summary


def test_namespaces_trailing_whitespace_and_links_that_cannot_be_kept(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    tutorial_schema(engine, reviewer_id)
    (tmp_path / "doc.txt").write_text("Orville Wright and Wilbur Wright flew.\n", encoding="utf-8")
    ann = [
        "T1\tPerson 0 14\tOrville Wright",
        "T2\tPerson 19 32\tWilbur Wright",
        "R1\tFamily Arg1:T1 Arg2:T2 \t",  # a space and a tab after the arguments
        "N1\tReference T1 telaah:orville\tOrville Wright",  # our own database: the key alone
        "N2\tReference T1 Wikidata:Q35820\tOrville Wright",  # a second link for T1
        "N3\tReference T2 Wikipedia:64488 \t",  # trailing space, no name
        "N4\tReference T9 Wikipedia:1\tnothing",  # no such span
        "A1\tState T2 rejected\t",
        "A2\tbroken",
    ]
    (tmp_path / "doc.ann").write_text("\n".join(ann) + "\n", encoding="utf-8")
    report = import_annotated(
        engine, "brat", [tmp_path], LoadOptions(reviewer_id=reviewer_id, create_entities=True)
    )
    ann_path = tmp_path / "doc.ann"
    assert report.problems == [
        f"{ann_path}:9: not a brat attribute line (`A1<TAB>NAME ID [VALUE]`)"
    ]
    assert report.notes == [
        f"{ann_path}:5: not stored: a second normalisation of T1 (Wikidata:Q35820): a span "
        "links to one entity",
        f"{ann_path}:7: not stored: normalisation of T9, which is not an entity span",
    ]
    assert report.not_stored == {"normalisation": 2}
    rows = session.execute(
        select(Mention.text, Mention.state, Entity.key)
        .join(Entity, Entity.id == Mention.entity_id)
        .order_by(Mention.start)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("Orville Wright", "accepted", "orville"),
        ("Wilbur Wright", "rejected", "Wikipedia:64488"),
    ]
    assert facts_of(session, "doc") == [
        ("Family", None, {"person": ["Orville Wright"], "relative": ["Wilbur Wright"]})
    ]


def test_the_import_command_stores_the_tutorial_files_and_strict_passes(
    engine: Engine, db_url: str, reviewer_id: int, tmp_path: Path
) -> None:
    from tests.cli.test_cli import run

    tutorial_schema(engine, reviewer_id)
    engine.dispose()
    result = run("--db", db_url, "import", "--format", "brat", "--strict", str(FIXTURES))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(SUMMARY_TAIL)
    assert "articles: 3 new" in result.stdout
    with session_scope(open_database(db_url)) as session:
        assert len(session.execute(select(Fact)).scalars().all()) == 15
        assert len(session.execute(select(AnnotationAttribute)).scalars().all()) == 7


def test_event_types_and_roles_holding_colons_split_at_the_last_one(tmp_path: Path) -> None:
    """ACE-style names (`Life:Die`, a role `Recipient:2`): the trigger and the argument are
    after the last colon, as brat's own `TYPE:ID` fields put them."""
    from store.formats.brat_read import read_brat
    from store.formats.reading import ReadDoc

    (tmp_path / "doc.txt").write_text("Ali died in Aceh.\n", encoding="utf-8")
    ann = [
        "T1\tPER 0 3\tAli",
        "T2\tLife:Die 4 8\tdied",
        "T3\tGPE 12 16\tAceh",
        "E1\tLife:Die:T2 Victim:T1 Place-Arg:T3",
        "E2\tTransaction:Transfer-Money:T2 Recipient:2:T1\t",
    ]
    (tmp_path / "doc.ann").write_text("\n".join(ann) + "\n", encoding="utf-8")
    items = list(read_brat(tmp_path / "doc.ann"))
    docs = [item for item in items if isinstance(item, ReadDoc)]
    assert len(docs) == 1, items
    doc = docs[0].doc
    spans = {span.id: doc.text[span.start : span.end] for span in doc.spans}
    facts = {
        fact.type: {role: [spans[i] for i in ids] for role, ids in fact.roles.items()}
        for fact in doc.facts
    }
    assert facts == {
        "Life:Die": {"Victim": ["Ali"], "Place-Arg": ["Aceh"]},
        "Transaction:Transfer-Money": {"Recipient:2": ["Ali"]},
    }
