"""Gazetteer: import and export (CSV, JSONL) and the audited store functions, on real files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from store.audit import list_audit
from store.db import open_database, session_scope
from store.errors import Conflict, NotFound, TelaahError
from store.gazetteer import entities as gazetteer
from store.gazetteer.change import GazetteerChange
from store.gazetteer.files import GazetteerReport, export_gazetteer, import_gazetteer
from store.models import Alias, Article, AuditEntry, Entity, Mention
from store.reviewers import ensure_reviewer
from store.schema import load_schema, parse_schema
from store.textnorm import norm_key
from tests.conftest import SAMPLE

HEADER = "id,name,type,alias\n"


# --- helpers -------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def export(session: Session, fmt: str) -> str:
    handle = io.StringIO()
    export_gazetteer(session=session, handle=handle, fmt=fmt)
    return handle.getvalue()


def entity_rows(session: Session) -> list[tuple[str, str, str, str | None, dict[str, str]]]:
    return [
        (e.key, e.name, e.type, e.description, e.external_ids)
        for e in session.exec(select(Entity).order_by(col(Entity.id))).all()
    ]


def alias_rows(session: Session) -> list[tuple[str, str, str, str]]:
    rows = session.exec(
        select(Entity.key, Alias.text, Alias.norm, Alias.origin)
        .join(Entity, col(Entity.id) == col(Alias.entity_id))
        .order_by(col(Alias.id))
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def aliases_by_entity(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (v.key, [(a.text, a.norm) for a in v.aliases])
        for v in gazetteer.all_entities(session=session)
    ]


def audit_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditEntry)).one())


def fresh_database(path: Path) -> Engine:
    """Another database with the sample schema loaded."""
    engine = open_database(f"sqlite:///{path}")
    with session_scope(engine) as session:
        reviewer = ensure_reviewer(session=session, name="other")
        load_schema(
            session=session, schema=parse_schema(SAMPLE / "schema.toml"), reviewer_id=reviewer
        )
    return engine


def sample_expectations() -> tuple[dict[str, tuple[str, str]], dict[str, list[str]]]:
    """What sample_corpus/gazetteer.csv holds: entity -> (name, type), entity -> aliases."""
    entities: dict[str, tuple[str, str]] = {}
    aliases: dict[str, list[str]] = {}
    with (SAMPLE / "gazetteer.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            entities.setdefault(row["id"], (row["name"], row["type"]))
            known = aliases.setdefault(row["id"], [row["name"]])
            if row["alias"] not in known:
                known.append(row["alias"])
    return entities, aliases


def add_article(session: Session, text: str = "Rusia memasok S-300 ke Kirgizstan.") -> int:
    article = Article(external_id="a1", title="t", text=text, sha256="0" * 64)
    session.add(article)
    session.commit()
    assert article.id is not None
    return article.id


def add_mention(
    session: Session, article_id: int, entity_key: str, state: str, start: int = 0, end: int = 5
) -> int:
    entity = session.exec(select(Entity).where(Entity.key == entity_key)).one()
    mention = Mention(
        article_id=article_id,
        start=start,
        end=end,
        text="Rusia",
        label=entity.type,
        entity_id=entity.id,
        state=state,
    )
    session.add(mention)
    session.commit()
    assert mention.id is not None
    return mention.id


# --- the sample gazetteer --------------------------------------------------------------------


def test_import_sample_gazetteer(session: Session, reviewer_id: int, schema_loaded: None) -> None:
    entities, aliases = sample_expectations()
    report = import_gazetteer(
        session=session, path=SAMPLE / "gazetteer.csv", reviewer_id=reviewer_id
    )
    assert report.problems == []
    assert report.failed == 0
    assert report.created == len(entities) == 77
    assert report.aliases_added == sum(len(a) for a in aliases.values())
    assert report.summary == (
        f"entities created {len(entities)}, updated 0, unchanged 0; "
        f"aliases added {report.aliases_added}; failed 0"
    )

    assert gazetteer.count_entities(session=session) == len(entities)
    assert gazetteer.count_aliases(session=session) == sum(len(a) for a in aliases.values())
    stored = {e.key: e for e in gazetteer.all_entities(session=session)}
    assert set(stored) == set(entities)
    for key, (name, type_) in entities.items():
        view = stored[key]
        assert (view.name, view.type) == (name, type_)
        texts = [a.text for a in view.aliases]
        assert texts == aliases[key]
        assert name in texts  # the name is always an alias
        for alias in view.aliases:
            assert alias.norm == norm_key(alias.text)
            assert alias.origin == "gazetteer"
            assert alias.added_by == "tester"
    kg = stored["KG"]
    assert kg.external_ids == {"wikidata": "Q813"}
    assert kg.description is not None and kg.description.startswith("Kyrgyz Republic")
    assert "Kirgizstan" in [a.text for a in kg.aliases]
    # Every entity creation is audited (apart from reviewers' edits: undo never steps into it).
    created = list_audit(session=session, action="import:entity.create", limit=1000)
    assert len(created) == len(entities)


def test_reimporting_the_same_file_changes_nothing(
    session: Session, reviewer_id: int, schema_loaded: None
) -> None:
    path = SAMPLE / "gazetteer.csv"
    first = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    entities_before, aliases_before = entity_rows(session), alias_rows(session)
    audit_before = audit_count(session)
    second = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert (second.created, second.updated, second.aliases_added) == (0, 0, 0)
    assert second.unchanged == first.created
    assert second.failed == 0
    assert second.summary == (
        f"entities created 0, updated 0, unchanged {first.created}; aliases added 0; failed 0"
    )
    assert entity_rows(session) == entities_before
    assert alias_rows(session) == aliases_before
    assert audit_count(session) == audit_before  # nothing changed, nothing audited


# --- CSV and JSONL -----------------------------------------------------------------------------


def test_csv_import_name_is_always_an_alias(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "g.csv",
        HEADER + "KG,Kyrgyzstan,GPE,Kirgizstan\n"
        "KG,Kyrgyzstan,GPE,Kirgistan\n"
        "KG,Kyrgyzstan,GPE,Kirgizstan\n"  # a repeated alias is one alias
        "S300,S-300,WEAPON,S-300\n"  # the name given as an alias too
        "S300,S-300,WEAPON,S300\n",
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == []
    assert (report.created, report.aliases_added) == (2, 5)
    assert alias_rows(session) == [
        ("KG", "Kyrgyzstan", "kyrgyzstan", "gazetteer"),
        ("KG", "Kirgizstan", "kirgizstan", "gazetteer"),
        ("KG", "Kirgistan", "kirgistan", "gazetteer"),
        ("S300", "S-300", "s300", "gazetteer"),
        ("S300", "S300", "s300", "gazetteer"),
    ]


def test_jsonl_import(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    lines = [
        {
            "id": "KG",
            "name": "Kyrgyzstan",
            "type": "GPE",
            "aliases": ["Kirgistan", "Kirgizstan"],
            "description": "Kyrgyz Republic",
            "external_ids": {"wikidata": "Q813"},
        },
        {
            "id": "CSTO",
            "name": "CSTO",
            "type": "ORG",
            "aliases": ["Collective Security Treaty Organization", "ODKB", "CSTO"],
        },
        {"id": "S-300", "name": "S-300", "type": "WEAPON"},
    ]
    path = write(tmp_path / "g.jsonl", "\n".join(json.dumps(o) for o in lines) + "\n\n")
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == []
    assert (report.created, report.aliases_added, report.failed) == (3, 7, 0)
    assert entity_rows(session) == [
        ("KG", "Kyrgyzstan", "GPE", "Kyrgyz Republic", {"wikidata": "Q813"}),
        ("CSTO", "CSTO", "ORG", None, {}),
        ("S-300", "S-300", "WEAPON", None, {}),
    ]
    assert [a[1] for a in alias_rows(session)] == [
        "Kyrgyzstan",
        "Kirgistan",
        "Kirgizstan",
        "CSTO",
        "Collective Security Treaty Organization",
        "ODKB",
        "S-300",
    ]


def test_export_csv(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "g.csv",
        "id,name,type,alias,description,wikidata\n"
        'KG,Kyrgyzstan,GPE,Kirgizstan,"Kyrgyz Republic, Central Asia",Q813\n'
        "KG,Kyrgyzstan,GPE,Kirgistan,,\n"
        "CSTO,CSTO,ORG,ODKB,,\n",
    )
    import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert export(session, "csv") == (
        "id,name,type,alias,description,wikidata\n"
        'KG,Kyrgyzstan,GPE,Kyrgyzstan,"Kyrgyz Republic, Central Asia",Q813\n'
        "KG,Kyrgyzstan,GPE,Kirgizstan,,\n"
        "KG,Kyrgyzstan,GPE,Kirgistan,,\n"
        "CSTO,CSTO,ORG,CSTO,,\n"
        "CSTO,CSTO,ORG,ODKB,,\n"
    )


def test_export_jsonl(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "g.csv",
        "id,name,type,alias,description,wikidata\n"
        "KG,Kyrgyzstan,GPE,Kirgizstan,Kyrgyz Republic,Q813\n"
        "ALM,Almaty,GPE,Алматы,,\n",
    )
    import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    lines = export(session, "jsonl").splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "id": "KG",
            "name": "Kyrgyzstan",
            "type": "GPE",
            "aliases": ["Kirgizstan"],
            "description": "Kyrgyz Republic",
            "external_ids": {"wikidata": "Q813"},
        },
        {"id": "ALM", "name": "Almaty", "type": "GPE", "aliases": ["Алматы"]},
    ]
    assert "Алматы" in lines[1]  # UTF-8 as written, not \u escapes


def test_export_unknown_format_is_refused(session: Session, schema_loaded: None) -> None:
    with pytest.raises(ValueError, match="xml"):
        export(session, "xml")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_round_trip_is_byte_identical(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path, fmt: str
) -> None:
    import_gazetteer(session=session, path=SAMPLE / "gazetteer.csv", reviewer_id=reviewer_id)
    # A redirect and a reviewer alias make the round trip cover every column.
    gazetteer.add_alias(session=session, key="KG", text="Kirgiziya", reviewer_id=reviewer_id)
    gazetteer.create_entity(
        session=session, key="KGZ", name="Kirghizia", type="GPE", reviewer_id=reviewer_id
    )
    gazetteer.set_redirect(session=session, key="KGZ", target="KG", reviewer_id=reviewer_id)
    first = export(session, fmt)
    exported = write(tmp_path / f"first.{fmt}", first)

    other = fresh_database(tmp_path / "fresh.db")
    try:
        with session_scope(other) as fresh:
            report = import_gazetteer(session=fresh, path=exported, reviewer_id=None)
            assert report.problems == []
            assert report.created == gazetteer.count_entities(session=session) + 1
            second = export(fresh, fmt)
            assert entity_rows(fresh) == entity_rows(session)
            assert aliases_by_entity(fresh) == aliases_by_entity(session)
            assert gazetteer.get_entity(session=fresh, key="KGZ").merged_into == "KG"
    finally:
        other.dispose()
    assert second.encode("utf-8") == first.encode("utf-8")
    assert "Kirgiziya" in first and "KGZ" in first


def test_extra_csv_columns_become_external_ids(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "g.csv",
        "id,name,type,alias,wikidata,geonames\n"
        "KG,Kyrgyzstan,GPE,Kyrgyzstan,Q813,1527747\n"
        "KG,Kyrgyzstan,GPE,Kirgizstan,,\n"
        "RU,Russia,GPE,Rusia,Q159,\n",
    )
    import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert gazetteer.get_entity(session=session, key="KG").external_ids == {
        "wikidata": "Q813",
        "geonames": "1527747",
    }
    assert gazetteer.get_entity(session=session, key="RU").external_ids == {"wikidata": "Q159"}
    exported = export(session, "csv")
    assert exported.splitlines()[0] == "id,name,type,alias,description,geonames,wikidata"
    assert exported.splitlines()[1] == "KG,Kyrgyzstan,GPE,Kyrgyzstan,,1527747,Q813"
    again = write(tmp_path / "again.csv", exported)
    other = fresh_database(tmp_path / "fresh.db")
    try:
        with session_scope(other) as fresh:
            assert import_gazetteer(session=fresh, path=again, reviewer_id=None).problems == []
            assert gazetteer.get_entity(session=fresh, key="KG").external_ids == {
                "wikidata": "Q813",
                "geonames": "1527747",
            }
    finally:
        other.dispose()


def test_reimport_adds_new_aliases_and_ids(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    import_gazetteer(
        session=session,
        path=write(
            tmp_path / "a.csv", HEADER + "KG,Kyrgyzstan,GPE,Kirgizstan\nRU,Russia,GPE,Rusia\n"
        ),
        reviewer_id=reviewer_id,
    )
    path = write(
        tmp_path / "b.csv",
        "id,name,type,alias,wikidata\nKG,Kyrgyzstan,GPE,Kirgistan,Q813\nRU,Russia,GPE,Rusia,\n",
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert (report.created, report.updated, report.unchanged, report.aliases_added) == (0, 1, 1, 1)
    kg = gazetteer.get_entity(session=session, key="KG")
    assert [a.text for a in kg.aliases] == ["Kyrgyzstan", "Kirgizstan", "Kirgistan"]
    assert kg.external_ids == {"wikidata": "Q813"}


# --- errors ------------------------------------------------------------------------------------


def test_missing_column(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(tmp_path / "g.csv", "id,name,alias\nKG,Kyrgyzstan,Kirgizstan\n")
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [
        f"{path}:1: missing column(s): type (the header must have id,name,type,alias)"
    ]
    assert report.failed == 1 and report.created == 0
    assert gazetteer.count_entities(session=session) == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (",Kyrgyzstan,GPE,Kirgizstan", "empty id"),
        ("KG,,GPE,Kirgizstan", "empty name"),
        ("KG,Kyrgyzstan,,Kirgizstan", "empty type"),
        ("KG,Kyrgyzstan,GPE,  ", "empty alias"),
        ("KG,Kyrgyzstan,GPE,Kirgizstan,extra", "more fields than the header has"),
    ],
)
def test_bad_row_names_the_line_good_rows_imported(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path, row: str, message: str
) -> None:
    path = write(
        tmp_path / "g.csv",
        HEADER + "RU,Russia,GPE,Rusia\n" + row + "\nKZ,Kazakhstan,GPE,Kazakstan\n",
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [f"{path}:3: {message}"]
    assert report.failed == 1
    keys = [e[0] for e in entity_rows(session)]
    assert "RU" in keys and "KZ" in keys
    assert [a[1] for a in alias_rows(session) if a[0] == "RU"] == ["Russia", "Rusia"]


def test_undefined_type(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "g.csv",
        HEADER + "RU,Russia,GPE,Rusia\n"
        "SHOIGU,Sergei Shoigu,POLITICIAN,Sergey Shoigu\n"
        "SHOIGU,Sergei Shoigu,POLITICIAN,Shoigu\n"
        "KZ,Kazakhstan,GPE,Kazakstan\n",
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [f"{path}:3: type 'POLITICIAN' is not defined in the schema"]
    assert report.failed == 1 and report.created == 2
    assert [e[0] for e in entity_rows(session)] == ["RU", "KZ"]


def test_one_id_two_names_or_types_in_the_file(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "g.csv",
        HEADER + "KG,Kyrgyzstan,GPE,Kirgizstan\n"
        "KG,Kirgizia,GPE,Kirgizia\n"
        "KG,Kyrgyzstan,LOC,Kyrgyz\n"
        "KG,Kyrgyzstan,GPE,Kirgistan\n"
        "RU,Russia,GPE,Rusia\n",
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [
        f"{path}:3: id 'KG' was given as 'Kyrgyzstan' (GPE) on line 2, here as 'Kirgizia' (GPE)",
        f"{path}:4: id 'KG' was given as 'Kyrgyzstan' (GPE) on line 2, here as 'Kyrgyzstan' (LOC)",
    ]
    assert report.failed == 2 and report.created == 2
    kg = gazetteer.get_entity(session=session, key="KG")
    assert (kg.name, kg.type) == ("Kyrgyzstan", "GPE")
    assert [a.text for a in kg.aliases] == ["Kyrgyzstan", "Kirgizstan", "Kirgistan"]


def test_jsonl_errors_name_the_line(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "g.jsonl",
        "\n".join(
            [
                json.dumps({"id": "RU", "name": "Russia", "type": "GPE"}),
                "{broken",
                json.dumps(["not", "an", "object"]),
                json.dumps({"id": "KG", "name": "", "type": "GPE"}),
                json.dumps(
                    {"id": "KZ", "name": "Kazakhstan", "type": "GPE", "aliases": "Kazakstan"}
                ),
                json.dumps({"id": "RU", "name": "Rossiya", "type": "GPE"}),
                json.dumps(
                    {"id": "BY", "name": "Belarus", "type": "GPE", "aliases": ["Belarusia"]}
                ),
            ]
        )
        + "\n",
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert len(report.problems) == 5
    assert report.problems[0].startswith(f"{path}:2: malformed JSON: ")
    assert report.problems[1:] == [
        f"{path}:3: expected a JSON object",
        f"{path}:4: empty name",
        f"{path}:5: `aliases` must be a list of strings",
        f"{path}:6: id 'RU' was given as 'Russia' (GPE) on line 1, here as 'Rossiya' (GPE)",
    ]
    assert [e[0] for e in entity_rows(session)] == ["RU", "BY"]


def test_id_in_database_with_another_name_is_refused(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    gazetteer.create_entity(
        session=session, key="KG", name="Kyrgyzstan", type="GPE", reviewer_id=reviewer_id
    )
    path = write(
        tmp_path / "g.csv",
        HEADER + "RU,Russia,GPE,Rusia\nKG,Kirgizia,GPE,Kirgizstan\nKZ,Kazakhstan,LOC,Kazakstan\n",
    )
    gazetteer.create_entity(
        session=session, key="KZ", name="Kazakhstan", type="GPE", reviewer_id=reviewer_id
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [
        f"{path}:3: id 'KG' is 'Kyrgyzstan' (GPE) in the database, not 'Kirgizia' (GPE); "
        "rename or retype it first",
        f"{path}:4: id 'KZ' is 'Kazakhstan' (GPE) in the database, not 'Kazakhstan' (LOC); "
        "rename or retype it first",
    ]
    assert report.failed == 2 and report.created == 1
    kg = gazetteer.get_entity(session=session, key="KG")
    assert kg.name == "Kyrgyzstan"
    assert [a.text for a in kg.aliases] == ["Kyrgyzstan"]  # the refused row added nothing
    assert gazetteer.get_entity(session=session, key="KZ").type == "GPE"


def test_csv_line_numbers_count_blank_lines_and_multiline_fields(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "g.csv",
        "id,name,type,alias,description\n"
        '\nRU,Russia,GPE,Rusia,"two\nlines"\n\nKG,Kyrgyzstan,XYZ,Kirgizstan,\n',
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [f"{path}:6: type 'XYZ' is not defined in the schema"]
    assert gazetteer.get_entity(session=session, key="RU").description == "two\nlines"


def test_non_utf8_gazetteer_names_the_byte_offset(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = tmp_path / "g.csv"
    head = b"\xef\xbb\xbf" + HEADER.encode() + b"KG,Kyrgyzstan,GPE,Kirg"
    path.write_bytes(head + b"\xfdzstan\n")
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [
        f"{path}: not valid UTF-8: byte 0xfd at offset {len(head)} (save the file as UTF-8)"
    ]
    assert gazetteer.count_entities(session=session) == 0


def test_unknown_gazetteer_suffix(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(tmp_path / "g.tsv", "id\tname\ttype\talias\n")
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [f"{path}: unknown gazetteer format (expected .csv or .jsonl)"]
    assert report.failed == 1


def test_import_without_schema(session: Session, reviewer_id: int) -> None:
    report = import_gazetteer(
        session=session, path=SAMPLE / "gazetteer.csv", reviewer_id=reviewer_id
    )
    assert report.problems == [
        f"{SAMPLE / 'gazetteer.csv'}: no schema is loaded: run `telaah schema load FILE` first"
    ]
    assert report.failed == 1
    assert report.created == 0
    assert gazetteer.count_entities(session=session) == 0
    assert gazetteer.count_aliases(session=session) == 0
    with pytest.raises(TelaahError, match="no schema is loaded"):
        gazetteer.create_entity(
            session=session, key="KG", name="Kyrgyzstan", type="GPE", reviewer_id=reviewer_id
        )


# --- store functions, each audited -------------------------------------------------------------


@pytest.fixture
def kg(session: Session, reviewer_id: int, schema_loaded: None) -> gazetteer.EntityView:
    change = gazetteer.create_entity(
        session=session,
        key="KG",
        name="Kyrgyzstan",
        type="GPE",
        aliases=["Kirgizstan", " Kirgistan ", "Kyrgyzstan"],
        description="Central Asian state",
        external_ids={"wikidata": "Q813"},
        reviewer_id=reviewer_id,
    )
    assert change == GazetteerChange("KG", added=("Kyrgyzstan", "Kirgizstan", "Kirgistan"))
    return gazetteer.get_entity(session=session, key="KG")


def last_audit(session: Session, action: str):  # type: ignore[no-untyped-def]
    entries = list_audit(session=session, action=action)
    assert entries, f"no audit entry {action}"
    return entries[0]


def test_create_entity(session: Session, kg: gazetteer.EntityView) -> None:
    assert kg.key == "KG" and kg.name == "Kyrgyzstan"
    assert [a.text for a in kg.aliases] == ["Kyrgyzstan", "Kirgizstan", "Kirgistan"]
    assert [a.norm for a in kg.aliases] == ["kyrgyzstan", "kirgizstan", "kirgistan"]
    assert entity_rows(session) == [
        ("KG", "Kyrgyzstan", "GPE", "Central Asian state", {"wikidata": "Q813"})
    ]
    entry = last_audit(session, "entity.create")
    assert entry.reviewer == "tester" and entry.target == "entity" and entry.target_id == kg.id
    assert entry.before is None
    origins = {"Kyrgyzstan": "gazetteer", "Kirgizstan": "gazetteer", "Kirgistan": "gazetteer"}
    assert entry.after == gazetteer.entity_to_dict(kg) | {"origins": origins}
    assert entry.after["aliases"] == ["Kyrgyzstan", "Kirgizstan", "Kirgistan"]


def test_create_entity_refuses_duplicates_and_bad_types(
    session: Session, reviewer_id: int, kg: gazetteer.EntityView
) -> None:
    audits = audit_count(session)
    with pytest.raises(Conflict, match="already exists"):
        gazetteer.create_entity(
            session=session, key="KG", name="Other", type="GPE", reviewer_id=reviewer_id
        )
    session.rollback()
    with pytest.raises(TelaahError, match="not defined in the schema"):
        gazetteer.create_entity(
            session=session, key="X", name="X", type="PLANET", reviewer_id=reviewer_id
        )
    with pytest.raises(TelaahError, match="non-empty key and name"):
        gazetteer.create_entity(
            session=session, key=" ", name="X", type="GPE", reviewer_id=reviewer_id
        )
    assert [e[0] for e in entity_rows(session)] == ["KG"]
    assert audit_count(session) == audits


def test_rename_entity(session: Session, reviewer_id: int, kg: gazetteer.EntityView) -> None:
    change = gazetteer.rename_entity(
        session=session, key="KG", name="Kyrgyz Republic", reviewer_id=reviewer_id
    )
    assert change == GazetteerChange("KG", added=("Kyrgyz Republic",), entities=("KG",))
    view = gazetteer.get_entity(session=session, key="KG")
    assert view.name == "Kyrgyz Republic"
    texts = [a.text for a in view.aliases]
    assert texts == ["Kyrgyzstan", "Kirgizstan", "Kirgistan", "Kyrgyz Republic"]
    session.expire_all()
    stored = session.exec(select(Entity).where(Entity.key == "KG")).one()
    assert stored.name == "Kyrgyz Republic"
    new_alias = session.exec(select(Alias).where(Alias.text == "Kyrgyz Republic")).one()
    assert (new_alias.norm, new_alias.origin, new_alias.added_by) == (
        "kyrgyzrepublic",
        "reviewer",
        reviewer_id,
    )
    entry = last_audit(session, "entity.rename")
    assert entry.before["name"] == "Kyrgyzstan"
    assert entry.after["name"] == "Kyrgyz Republic"
    assert entry.before["aliases"] == ["Kyrgyzstan", "Kirgizstan", "Kirgistan"]
    assert entry.after["aliases"] == texts
    with pytest.raises(TelaahError, match="empty"):
        gazetteer.rename_entity(session=session, key="KG", name="  ", reviewer_id=reviewer_id)
    with pytest.raises(NotFound):
        gazetteer.rename_entity(session=session, key="NOPE", name="x", reviewer_id=reviewer_id)


def test_retype_entity_relabels_pending_mentions(
    session: Session, reviewer_id: int, kg: gazetteer.EntityView
) -> None:
    article_id = add_article(session)
    pending = add_mention(session, article_id, "KG", "pending", 0, 5)
    accepted = add_mention(session, article_id, "KG", "accepted", 6, 13)
    rejected = add_mention(session, article_id, "KG", "rejected", 14, 19)
    change = gazetteer.retype_entity(session=session, key="KG", type="LOC", reviewer_id=reviewer_id)
    assert change == GazetteerChange("KG", entities=("KG",))
    view = gazetteer.get_entity(session=session, key="KG")
    assert view.type == "LOC"
    session.expire_all()
    labels = {m.id: m.label for m in session.exec(select(Mention)).all()}
    assert labels == {pending: "LOC", accepted: "GPE", rejected: "GPE"}
    assert session.exec(select(Entity.type).where(Entity.key == "KG")).one() == "LOC"
    entry = last_audit(session, "entity.retype")
    assert entry.before["type"] == "GPE" and entry.after["type"] == "LOC"
    assert entry.after["pending_relabelled"] == [pending]
    with pytest.raises(TelaahError, match="not defined in the schema"):
        gazetteer.retype_entity(session=session, key="KG", type="PLANET", reviewer_id=reviewer_id)
    assert session.exec(select(Entity.type).where(Entity.key == "KG")).one() == "LOC"


def test_delete_entity(session: Session, reviewer_id: int, kg: gazetteer.EntityView) -> None:
    article_id = add_article(session)
    pending = add_mention(session, article_id, "KG", "pending")
    change = gazetteer.delete_entity(session=session, key="KG", reviewer_id=reviewer_id)
    assert change == GazetteerChange("KG", articles=(article_id,))
    session.expire_all()
    assert entity_rows(session) == []
    assert alias_rows(session) == []  # aliases go with their entity
    # Its pending candidate is withdrawn at once: none is left without an entity.
    assert session.get(Mention, pending) is None
    entry = last_audit(session, "entity.delete")
    origins = {"Kyrgyzstan": "gazetteer", "Kirgizstan": "gazetteer", "Kirgistan": "gazetteer"}
    assert entry.before == gazetteer.entity_to_dict(kg) | {
        "withdrawn": [pending],
        "mentions": [],
        "origins": origins,
    }
    assert entry.after is None
    assert entry.target_id == kg.id


def test_delete_entity_with_accepted_mention_is_refused(
    session: Session, reviewer_id: int, kg: gazetteer.EntityView
) -> None:
    article_id = add_article(session)
    add_mention(session, article_id, "KG", "accepted")
    audits = audit_count(session)
    with pytest.raises(Conflict, match="1 accepted mentions"):
        gazetteer.delete_entity(session=session, key="KG", reviewer_id=reviewer_id)
    session.rollback()
    session.expire_all()
    assert [e[0] for e in entity_rows(session)] == ["KG"]
    assert len(alias_rows(session)) == 3
    assert audit_count(session) == audits


def test_add_alias(session: Session, reviewer_id: int, kg: gazetteer.EntityView) -> None:
    change = gazetteer.add_alias(
        session=session, key="KG", text="  Kirgiziya ", reviewer_id=reviewer_id
    )
    assert change == GazetteerChange("KG", added=("Kirgiziya",))
    (view,) = [
        a for a in gazetteer.get_entity(session=session, key="KG").aliases if a.text == "Kirgiziya"
    ]
    assert (view.text, view.norm, view.origin, view.added_by) == (
        "Kirgiziya",
        "kirgiziya",
        "reviewer",
        "tester",
    )
    assert alias_rows(session)[-1] == ("KG", "Kirgiziya", "kirgiziya", "reviewer")
    entry = last_audit(session, "alias.add")
    assert entry.target == "alias" and entry.target_id == view.id
    assert entry.before is None
    assert entry.after == {"entity": "KG", "text": "Kirgiziya", "origin": "reviewer"}
    audits = audit_count(session)
    with pytest.raises(Conflict, match="already has"):
        gazetteer.add_alias(session=session, key="KG", text="Kirgizstan", reviewer_id=reviewer_id)
    with pytest.raises(TelaahError, match="empty"):
        gazetteer.add_alias(session=session, key="KG", text=" ", reviewer_id=reviewer_id)
    with pytest.raises(TelaahError, match="no letters or digits"):
        gazetteer.add_alias(session=session, key="KG", text="--", reviewer_id=reviewer_id)
    assert len(alias_rows(session)) == 4
    assert audit_count(session) == audits


def test_remove_alias(session: Session, reviewer_id: int, kg: gazetteer.EntityView) -> None:
    gazetteer.remove_alias(session=session, key="KG", text="Kirgistan", reviewer_id=reviewer_id)
    assert [a[1] for a in alias_rows(session)] == ["Kyrgyzstan", "Kirgizstan"]
    entry = last_audit(session, "alias.remove")
    assert entry.before == {"entity": "KG", "text": "Kirgistan", "origin": "gazetteer"}
    assert entry.after is None
    audits = audit_count(session)
    with pytest.raises(Conflict, match="is the name of"):
        gazetteer.remove_alias(
            session=session, key="KG", text="Kyrgyzstan", reviewer_id=reviewer_id
        )
    with pytest.raises(NotFound):
        gazetteer.remove_alias(session=session, key="KG", text="Kirgistan", reviewer_id=reviewer_id)
    assert [a[1] for a in alias_rows(session)] == ["Kyrgyzstan", "Kirgizstan"]
    assert audit_count(session) == audits


def test_set_redirect(session: Session, reviewer_id: int, kg: gazetteer.EntityView) -> None:
    gazetteer.create_entity(
        session=session, key="KGZ", name="Kirghizia", type="GPE", reviewer_id=reviewer_id
    )
    gazetteer.create_entity(
        session=session, key="KYR", name="Kyrgyz", type="GPE", reviewer_id=reviewer_id
    )
    gazetteer.set_redirect(session=session, key="KGZ", target="KG", reviewer_id=reviewer_id)
    assert gazetteer.get_entity(session=session, key="KGZ").merged_into == "KG"
    stored = session.exec(select(Entity).where(Entity.key == "KGZ")).one()
    assert stored.merged_into == kg.id
    # A redirect is left out of lists and counts.
    assert [r.key for r in gazetteer.list_entities(session=session)] == ["KG", "KYR"]
    assert gazetteer.count_entities(session=session) == 2
    entry = last_audit(session, "entity.redirect")
    assert entry.before == {"merged_into": None}
    assert entry.after == {"merged_into": "KG"}

    # Before and after name entities by key, so an undo can replay `before`.
    gazetteer.set_redirect(session=session, key="KGZ", target="KYR", reviewer_id=reviewer_id)
    entry = last_audit(session, "entity.redirect")
    assert entry.before == {"merged_into": "KG"}
    assert entry.after == {"merged_into": "KYR"}
    gazetteer.set_redirect(session=session, key="KGZ", target=None, reviewer_id=reviewer_id)
    entry = last_audit(session, "entity.redirect")
    assert entry.before == {"merged_into": "KYR"} and entry.after == {"merged_into": None}
    assert gazetteer.get_entity(session=session, key="KGZ").merged_into is None

    with pytest.raises(Conflict, match="itself"):
        gazetteer.set_redirect(session=session, key="KG", target="KG", reviewer_id=reviewer_id)
    with pytest.raises(NotFound):
        gazetteer.set_redirect(session=session, key="KG", target="NOPE", reviewer_id=reviewer_id)


def test_delete_entity_that_is_a_redirect_target_is_refused(
    session: Session, reviewer_id: int, kg: gazetteer.EntityView
) -> None:
    gazetteer.create_entity(
        session=session, key="KGZ", name="Kirghizia", type="GPE", reviewer_id=reviewer_id
    )
    gazetteer.set_redirect(session=session, key="KGZ", target="KG", reviewer_id=reviewer_id)
    with pytest.raises(Conflict, match="redirects"):
        gazetteer.delete_entity(session=session, key="KG", reviewer_id=reviewer_id)
    session.rollback()
    assert [e[0] for e in entity_rows(session)] == ["KG", "KGZ"]


def test_report_type() -> None:
    report = GazetteerReport(problems=["a", "b"])
    assert report.failed == 2
    assert report.summary.endswith("failed 2")


def test_reimporting_an_exported_jsonl_changes_nothing(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    import_gazetteer(session=session, path=SAMPLE / "gazetteer.csv", reviewer_id=reviewer_id)
    path = write(tmp_path / "g.jsonl", export(session, "jsonl"))
    entities_before, aliases_before = entity_rows(session), alias_rows(session)
    audits = audit_count(session)
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert (report.created, report.updated, report.aliases_added, report.failed) == (0, 0, 0, 0)
    assert report.unchanged == len(entities_before)
    assert entity_rows(session) == entities_before
    assert alias_rows(session) == aliases_before
    assert audit_count(session) == audits


def test_unknown_redirect_target_names_the_line(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "g.csv",
        "id,name,type,alias,merged_into\n"
        "KG,Kyrgyzstan,GPE,Kirgizstan,\n"
        "KGZ,Kirghizia,GPE,Kirghizia,KG\n"
        "OLD,Old name,GPE,Old name,NOWHERE\n",
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [f"{path}:4: merged_into: no entity 'NOWHERE'"]
    assert report.created == 3
    assert gazetteer.get_entity(session=session, key="KGZ").merged_into == "KG"
    assert gazetteer.get_entity(session=session, key="OLD").merged_into is None


def test_aliases_without_letters_are_reported_in_file_order(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "g.jsonl",
        json.dumps(
            {
                "id": "KG",
                "name": "Kyrgyzstan",
                "type": "GPE",
                "aliases": ["--", "Kirgizstan", "...", "()", "!!", "Kirgistan"],
            }
        )
        + "\n",
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [
        f"{path}:1: alias {bad!r} has no letters or digits" for bad in ["--", "...", "()", "!!"]
    ]
    assert [a[1] for a in alias_rows(session)] == ["Kyrgyzstan", "Kirgizstan", "Kirgistan"]
