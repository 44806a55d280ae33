"""The annotation schema: parsing the TOML file, loading it, reading it back, refusing bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from store.audit import list_audit
from store.gazetteer import entities as gazetteer
from store.models import Article, FactRole, FactType, Label, Mention
from store.schema import (
    FactTypeSpec,
    LabelSpec,
    RoleSpec,
    Schema,
    SchemaError,
    load_schema,
    parse_schema,
    read_schema,
    schema_to_dict,
)
from tests.conftest import SAMPLE
from tests.store.real_names import LABELS, REAL_NAMES, load_real_names

SMALL = """\
[[labels]]
name = "PERSON"
key = "1"
colour = "#E5C07B"
description = "People"

[[labels]]
name = "GPE"
key = "3"
colour = "#98c379"

[[fact_types]]
name = "MEETING"
triggers = ["Bertemu", "meet"]
  [[fact_types.roles]]
  name = "participants"
  labels = ["PERSON", "GPE"]
  multiple = true

  [[fact_types.roles]]
  name = "place"
  labels = ["GPE"]
  required = false
"""


def write(tmp_path: Path, text: str, name: str = "schema.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(SchemaError) as info:
        parse_schema(path)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the sample schema -------------------------------------------------------------------------


def test_sample_schema_labels() -> None:
    schema = parse_schema(SAMPLE / "schema.toml")
    assert [label.name for label in schema.labels] == [
        "PERSON",
        "ORG",
        "GPE",
        "LOC",
        "WEAPON",
        "DATE",
    ]
    assert [label.key for label in schema.labels] == ["1", "2", "3", "4", "5", "6"]
    for label in schema.labels:
        assert label.colour.startswith("#") and len(label.colour) == 7
        assert label.description
    assert len({label.colour for label in schema.labels}) == 6


def test_sample_schema_fact_types() -> None:
    schema = parse_schema(SAMPLE / "schema.toml")
    types = {f.name: f for f in schema.fact_types}
    assert [f.name for f in schema.fact_types] == [
        "ARMS_TRANSFER",
        "MEMBERSHIP",
        "MEETING",
        "AGREEMENT",
    ]

    def roles(name: str) -> list[tuple[str, tuple[str, ...], bool]]:
        return [(r.name, r.labels, r.required) for r in types[name].roles]

    assert roles("ARMS_TRANSFER") == [
        ("supplier", ("GPE", "ORG"), True),
        ("recipient", ("GPE", "ORG"), True),
        ("item", ("WEAPON",), True),
        ("date", ("DATE",), False),
    ]
    assert roles("MEMBERSHIP") == [
        ("member", ("GPE", "ORG"), True),
        ("organization", ("ORG",), True),
    ]
    assert roles("MEETING") == [
        ("participants", ("PERSON", "GPE", "ORG"), True),
        ("place", ("GPE", "LOC"), False),
        ("date", ("DATE",), False),
    ]
    assert roles("AGREEMENT") == [
        ("parties", ("GPE", "ORG"), True),
        ("topic", ("WEAPON", "ORG"), False),
        ("date", ("DATE",), False),
    ]
    # Indonesian and English trigger words, lower-case.
    assert {"memasok", "supply"} <= set(types["ARMS_TRANSFER"].triggers)
    assert {"anggota", "member"} <= set(types["MEMBERSHIP"].triggers)
    assert {"pertemuan", "meeting"} <= set(types["MEETING"].triggers)
    assert {"perjanjian", "agreement"} <= set(types["AGREEMENT"].triggers)
    for fact_type in schema.fact_types:
        assert all(t == t.lower() and t.strip() == t for t in fact_type.triggers)


def test_small_schema_parses_to_specs(tmp_path: Path) -> None:
    schema = parse_schema(write(tmp_path, SMALL))
    assert schema == Schema(
        labels=(LabelSpec("PERSON", "#e5c07b", "1", "People"), LabelSpec("GPE", "#98c379", "3")),
        fact_types=(
            FactTypeSpec(
                "MEETING",
                (
                    RoleSpec("participants", ("PERSON", "GPE"), True, True),
                    RoleSpec("place", ("GPE",), False, False),
                ),
                ("bertemu", "meet"),
            ),
        ),
    )


# --- load and read back ------------------------------------------------------------------------


def test_load_and_read_round_trip(session: Session, reviewer_id: int) -> None:
    schema = parse_schema(SAMPLE / "schema.toml")
    assert read_schema(session=session) == Schema()
    load_schema(session=session, schema=schema, reviewer_id=reviewer_id)
    session.expire_all()
    assert read_schema(session=session) == schema
    # What is stored, row by row.
    labels = session.exec(select(Label).order_by(col(Label.position))).all()
    assert [(x.name, x.key, x.position) for x in labels] == [
        (spec.name, spec.key, i) for i, spec in enumerate(schema.labels)
    ]
    assert session.exec(select(func.count()).select_from(FactType)).one() == 4
    assert session.exec(select(func.count()).select_from(FactRole)).one() == 12
    entry = list_audit(session=session, action="schema.load")[0]
    assert entry.reviewer == "tester"
    assert entry.before == {"labels": [], "fact_types": []}
    assert entry.after == schema_to_dict(schema)


def test_reload_replaces_the_schema(session: Session, reviewer_id: int, tmp_path: Path) -> None:
    load_schema(
        session=session, schema=parse_schema(SAMPLE / "schema.toml"), reviewer_id=reviewer_id
    )
    small = parse_schema(write(tmp_path, SMALL))
    load_schema(session=session, schema=small, reviewer_id=reviewer_id)
    session.expire_all()
    assert read_schema(session=session) == small
    assert session.exec(select(func.count()).select_from(FactRole)).one() == 2
    entries = list_audit(session=session, action="schema.load")
    assert len(entries) == 2
    assert [x["name"] for x in entries[0].before["labels"]] == [
        "PERSON",
        "ORG",
        "GPE",
        "LOC",
        "WEAPON",
        "DATE",
    ]


def test_dropping_a_label_used_by_an_entity_is_refused(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    gazetteer.create_entity(
        session=session, key="S300", name="S-300", type="WEAPON", reviewer_id=reviewer_id
    )
    before = read_schema(session=session)
    audits = len(list_audit(session=session, limit=1000))
    with pytest.raises(SchemaError, match="label WEAPON is used by 1 entities or mentions"):
        load_schema(
            session=session, schema=parse_schema(write(tmp_path, SMALL)), reviewer_id=reviewer_id
        )
    session.rollback()
    session.expire_all()
    assert read_schema(session=session) == before
    assert len(list_audit(session=session, limit=1000)) == audits


def test_dropping_a_label_used_by_a_mention_is_refused(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    article = Article(external_id="a", title="t", text="Rusia, 2021", sha256="1" * 64)
    session.add(article)
    session.commit()
    assert article.id is not None
    session.add(
        Mention(article_id=article.id, start=7, end=11, text="2021", label="DATE", origin="manual")
    )
    session.commit()
    before = read_schema(session=session)
    with pytest.raises(SchemaError, match="label DATE is used by 1"):
        load_schema(
            session=session, schema=parse_schema(write(tmp_path, SMALL)), reviewer_id=reviewer_id
        )
    session.rollback()
    assert read_schema(session=session) == before


def test_dropping_an_unused_label_is_allowed(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    gazetteer.create_entity(
        session=session, key="PUTIN", name="Vladimir Putin", type="PERSON", reviewer_id=reviewer_id
    )
    load_schema(
        session=session, schema=parse_schema(write(tmp_path, SMALL)), reviewer_id=reviewer_id
    )
    assert [x.name for x in read_schema(session=session).labels] == ["PERSON", "GPE"]


# --- errors name the file and the line ---------------------------------------------------------


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL.replace('colour = "#98c379"', "colour = #98c379"))
    message = refused(path)
    assert message.startswith(f"{path}:10: ")
    assert "line 10" in message


def test_duplicate_toml_key(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL.replace('key = "3"', 'key = "3"\nname = "LOC"'))
    message = refused(path)
    assert message.startswith(f"{path}:10: ")
    assert "line 10" in message


def test_duplicate_label(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL + '\n[[labels]]\nname = "PERSON"\ncolour = "#ffffff"\n')
    assert refused(path) == f"{path}:25: duplicate label name 'PERSON'"


def test_duplicate_label_key_names_the_right_line(tmp_path: Path) -> None:
    # The first label has no key: the line must still be that of the label with the duplicate.
    text = (
        '[[labels]]\nname = "A"\ncolour = "#000000"\n\n'
        '[[labels]]\nname = "B"\nkey = "b"\ncolour = "#000000"\n\n'
        '[[labels]]\nname = "C"\nkey = "b"\ncolour = "#000000"\n'
    )
    path = write(tmp_path, text)
    assert refused(path) == f"{path}:10: duplicate label key 'b'"


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#gg0000", ""])
def test_bad_colour(tmp_path: Path, colour: str) -> None:
    path = write(tmp_path, SMALL.replace('"#98c379"', f'"{colour}"'))
    message = refused(path)
    assert message.startswith(f"{path}:7: ")
    if colour:
        assert message == f"{path}:7: colour {colour!r} of GPE must look like #rrggbb"
    else:
        assert message == f"{path}:7: `colour` is missing or empty"


def test_role_with_an_undefined_label(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL.replace('labels = ["GPE"]', 'labels = ["GPE", "PLACE"]'))
    assert refused(path) == (f"{path}:20: role MEETING.place allows undefined label 'PLACE'")


def test_role_error_in_a_later_fact_type_names_its_line(tmp_path: Path) -> None:
    extra = (
        '\n[[fact_types]]\nname = "VISIT"\n'
        '  [[fact_types.roles]]\n  name = "visitor"\n  labels = ["PERSON"]\n'
        '  [[fact_types.roles]]\n  name = "host"\n  labels = ["ORG"]\n'
    )
    path = write(tmp_path, SMALL + extra)
    assert refused(path) == f"{path}:30: role VISIT.host allows undefined label 'ORG'"


def test_missing_label_name(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL.replace('name = "GPE"\n', ""))
    assert refused(path) == f"{path}:7: `name` is missing or empty"


def test_missing_fact_type_and_role_names(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL.replace('name = "MEETING"\n', ""))
    assert refused(path) == f"{path}:12: `name` is missing or empty"
    path = write(tmp_path, SMALL.replace('  name = "place"\n', ""))
    assert refused(path) == f"{path}:20: `name` is missing or empty"


def test_other_errors_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL.replace('key = "3"', 'key = "33"'))
    assert refused(path) == f"{path}:7: key '33' of GPE must be one character"
    path = write(tmp_path, SMALL.replace('name = "GPE"', 'name = "G P E"'))
    assert refused(path) == (
        f"{path}:7: label name 'G P E': letters, digits, `-`, `_`, `.` and `:` only"
    )
    path = write(tmp_path, SMALL.replace("required = false", 'required = "no"'))
    assert refused(path) == f"{path}:20: `required` and `multiple` of place must be true/false"
    path = write(tmp_path, SMALL.replace('triggers = ["Bertemu", "meet"]', 'triggers = "meet"'))
    assert refused(path) == f"{path}:12: `triggers` of MEETING must be a list of words"
    path = write(
        tmp_path,
        SMALL + '\n[[fact_types]]\nname = "MEETING"\n'
        '  [[fact_types.roles]]\n  name = "x"\n  labels = ["GPE"]\n',
    )
    assert refused(path) == f"{path}:25: duplicate fact type name 'MEETING'"


def test_file_level_errors_name_the_file(tmp_path: Path) -> None:
    assert refused(write(tmp_path, "")) == f"{tmp_path / 'schema.toml'}: no [[labels]] defined"
    path = write(tmp_path, "colours = 1\n" + SMALL)
    assert refused(path) == f"{path}: unknown top-level key(s): colours"
    missing = tmp_path / "missing.toml"
    assert refused(missing).startswith(f"{missing}: cannot read")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'name = "\xff"\n')
    assert refused(binary) == f"{binary}: not valid UTF-8 at byte offset 8"


# --- names as real corpora write them ------------------------------------------------------------


def test_names_as_real_corpora_write_them_load_and_read_back(
    session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    load_real_names(session, reviewer_id, tmp_path)
    stored = read_schema(session=session)
    assert [label.name for label in stored.labels] == LABELS
    assert [(t.name, [r.name for r in t.roles]) for t in stored.fact_types] == [
        ("Life:Die", ["Victim", "Place-Arg"]),
        ("Transaction:Transfer-Money", ["Giver.1", "Recipient:2"]),
    ]
    assert parse_schema(write(tmp_path, REAL_NAMES)) == stored


@pytest.mark.parametrize(
    ("old", "new", "line", "what"),
    [
        ('name = "Pos-Reg"', 'name = "Pos Reg"', 13, "label name 'Pos Reg'"),
        ('name = "B.1"', 'name = "B\t1"', 17, "label name 'B\\t1'"),
        ('name = "Life:Die"\n  [[', 'name = "Life Die"\n  [[', 29, "fact type name 'Life Die'"),
        ('name = "Victim"', 'name = "the victim"', 31, "role name 'the victim' of Life:Die"),
    ],
)
def test_names_with_whitespace_are_refused(
    tmp_path: Path, old: str, new: str, line: int, what: str
) -> None:
    assert old in REAL_NAMES
    path = write(tmp_path, REAL_NAMES.replace(old, new, 1))
    assert refused(path) == f"{path}:{line}: {what}: letters, digits, `-`, `_`, `.` and `:` only"
