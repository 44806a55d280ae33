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
from store.models import Article, Entity, Fact, FactArgument, Mention
from store.schema import load_schema, parse_schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brat"
NOTES, ATTRIBUTES, RELATIONS = (FIXTURES / f"{n}.ann" for n in ("notes", "attributes", "relations"))
NOT_STORED = [
    f"{NOTES}:2: not stored: note on T1: telaah keeps one note a fact, none on spans",
    f"{RELATIONS}:6: not stored: equivalence Alias T3 T4 T5: telaah has no equivalence sets yet",
    f"{ATTRIBUTES}:18: not stored: argument Event_Arg:E2 of E1: an event as an argument "
    "(the fact is stored without it)",
    f"{ATTRIBUTES}:27: not stored: attribute Confidence of E1 (Neutral): telaah keeps only "
    "State and NeedsReview",
    f"{ATTRIBUTES}:30: not stored: attribute Individual of T1: telaah keeps only State and "
    "NeedsReview",
    f"{ATTRIBUTES}:43: not stored: attribute Negation of E3: telaah keeps only State and "
    "NeedsReview",
]
SUMMARY_TAIL = "failed 0; not stored: 7 attributes, 1 equivalence, 4 nested event arguments, 1 note"


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


def test_brat_tutorial_files_store_what_telaah_keeps_and_report_the_rest(
    engine: Engine, session: Session, reviewer_id: int
) -> None:
    tutorial_schema(engine, reviewer_id)
    report = import_annotated(
        engine, "brat", [FIXTURES], LoadOptions(reviewer_id=reviewer_id, create_entities=True)
    )
    assert report.problems == [] and report.failed == 0
    assert report.summary.endswith(SUMMARY_TAIL)
    assert report.not_stored == {
        "attribute": 7,
        "equivalence": 1,
        "nested event argument": 4,
        "note": 1,
    }
    assert set(NOT_STORED) <= set(report.notes)
    assert len(report.notes) == 13  # one line a construct: 7 + 1 + 4 + 1
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
    # R lines ending in a tab are facts; notes on events and relations are their notes
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
    # nested events: the report is stored with its reporter, without the event argument
    attributes = facts_of(session, "attributes")
    assert attributes[0] == ("Report", None, {"Reporter_Arg": ["Somebody"]})
    assert [t for t, _n, _r in attributes].count("Report") == 4
    relations = facts_of(session, "relations")
    assert relations == [("Located", None, {"located": ["Terry Pratchett"], "place": ["England"]})]
    # the equivalence is reported; its spans are stored as mentions all the same
    stored = {m.start: m.text for m in mentions_of(session, "relations")}
    assert [stored[start] for start in (483, 515, 530)] == [
        "Joanne Rowling",
        "Jo Rowling",
        "J. K. Rowling",
    ]


def test_strict_makes_each_construct_not_stored_a_failure_and_imports_the_rest(
    engine: Engine, session: Session, reviewer_id: int
) -> None:
    tutorial_schema(engine, reviewer_id)
    report = import_annotated(
        engine, "brat", [FIXTURES], LoadOptions(reviewer_id=reviewer_id, strict=True)
    )
    assert report.failed == 13
    assert report.notes == [  # not --create-entities: a note, not a failure, even when strict
        f"{NOTES}:5: unknown entity key 'Wikipedia:64488': the span is imported without a "
        "link (--create-entities creates it)"
    ]
    assert set(NOT_STORED) <= set(report.problems)
    assert report.articles_created == 3 and report.facts == 15
    assert "; not stored: 7 attributes" in report.summary


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


def test_the_import_command_reports_what_it_cannot_store_and_strict_fails(
    engine: Engine, db_path: Path, reviewer_id: int, tmp_path: Path
) -> None:
    from tests.cli.test_cli import run

    tutorial_schema(engine, reviewer_id)
    engine.dispose()
    result = run("--db", str(db_path), "import", "--format", "brat", str(FIXTURES))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(SUMMARY_TAIL)
    assert "articles: 3 new" in result.stdout
    for line in NOT_STORED:
        assert line in result.stderr
    strict_db = tmp_path / "strict.db"
    strict_engine = open_database(f"sqlite:///{strict_db}")
    tutorial_schema(strict_engine, None)
    strict_engine.dispose()
    result = run("--db", str(strict_db), "import", "--format", "brat", "--strict", str(FIXTURES))
    assert result.returncode == 1
    assert "failed 13; not stored: 7 attributes" in result.stdout
    for line in NOT_STORED:
        assert line in result.stderr
    with session_scope(open_database(f"sqlite:///{strict_db}")) as session:
        assert session.execute(select(Article)).scalars().all() != []
        assert len(session.execute(select(Fact)).scalars().all()) == 15


def test_event_types_and_roles_holding_colons_split_at_the_last_one(tmp_path: Path) -> None:
    """ACE-style names (`Life:Die`, a role `Recipient:2`): the trigger and the argument are
    after the last colon, as brat's own `TYPE:ID` fields put them."""
    from store.formats.brat import read_brat
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
