"""`telaah import --map` and `telaah export --map`: labels and fact types renamed on the way in
and out, with the real command on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from store.db import open_database, session_scope
from store.errors import TelaahError
from store.formats.labelmap import LabelMap, parse_label_map
from store.models import Fact, Mention
from store.paths import resolve_db_url
from store.schema import load_schema, parse_schema
from tests.cli.test_cli import run

SCHEMA = """
[[labels]]
name = "PER"
colour = "#e5c07b"

[[labels]]
name = "LOC"
colour = "#61afef"

[[fact_types]]
name = "VISIT"
  [[fact_types.roles]]
  name = "visitor"
  labels = ["PER"]
  [[fact_types.roles]]
  name = "place"
  labels = ["LOC"]
"""

CONLL = (
    "-DOCSTART- -X- -X- O\n\n"
    "Zhaparov B-PERSON\nke O\nRusia B-GPE\ndan O\nAsia B-LOCATION\nTengah I-LOCATION\n\n"
)


@pytest.fixture
def per_loc_db(engine: Engine, db_path: Path, db_url: str, tmp_path: Path) -> str:
    """A database whose schema has the labels PER and LOC and the fact type VISIT."""
    schema = tmp_path / "schema.toml"
    schema.write_text(SCHEMA, encoding="utf-8")
    with session_scope(engine) as session:
        load_schema(session=session, schema=parse_schema(schema), reviewer_id=None)
        session.commit()
    engine.dispose()
    return str(db_path) if db_url.startswith("sqlite") else db_url


def _labels(db: str) -> list[tuple[str, str]]:
    with session_scope(open_database(resolve_db_url(db))) as session:
        rows = session.execute(select(Mention.text, Mention.label).order_by(Mention.start))
        return [(text, label) for text, label in rows]


def test_parse_label_map_forms_and_errors(tmp_path: Path) -> None:
    assert parse_label_map("PERSON=PER, GPE=LOC,LOCATION=LOC").pairs == (
        ("PERSON", "PER"),
        ("GPE", "LOC"),
        ("LOCATION", "LOC"),
    )
    path = tmp_path / "map.txt"
    path.write_text("# CoNLL-2003 to ours\nPERSON = PER\n\nLife:Die=Die\n", encoding="utf-8")
    mapping = parse_label_map(f"@{path}")
    assert mapping.pairs == (("PERSON", "PER"), ("Life:Die", "Die"))
    assert mapping.label("GPE") == "GPE" and mapping.fact_type("Life:Die") == "Die"
    for bad, said in (
        ("PERSON", "'PERSON' is not OLD=NEW"),
        ("PERSON=", "'PERSON=' is not OLD=NEW"),
        ("A B=C", "name 'A B'"),
        ("A=B,A=C", "A is mapped to both B and C"),
        ("", "no OLD=NEW pair"),
        (f"@{tmp_path / 'missing.txt'}", "cannot read"),
    ):
        with pytest.raises(TelaahError, match=said):
            parse_label_map(bad)


def test_merges_are_described() -> None:
    mapping = LabelMap((("PERSON", "PER"), ("GPE", "LOC"), ("LOCATION", "LOC")))
    assert mapping.merges() == {"LOC": ["GPE", "LOCATION"]}
    assert mapping.describe() == (
        "label map: PERSON->PER, GPE->LOC, LOCATION->LOC; merged GPE, LOCATION into LOC"
    )


def test_import_conll_with_map_into_a_per_loc_schema(per_loc_db: str, tmp_path: Path) -> None:
    path = tmp_path / "train.conll"
    path.write_text(CONLL, encoding="utf-8")
    unmapped = run("--db", per_loc_db, "import", "--format", "conll", str(path))
    assert unmapped.returncode == 1
    assert "unknown label 'PERSON'" in unmapped.stderr
    result = run(
        "--db",
        per_loc_db,
        "import",
        "--format",
        "conll",
        "--map",
        "PERSON=PER,GPE=LOC,LOCATION=LOC",
        str(path),
    )
    assert result.returncode == 0, result.stderr
    assert "merged GPE, LOCATION into LOC" in result.stdout
    assert _labels(per_loc_db) == [("Zhaparov", "PER"), ("Rusia", "LOC"), ("Asia Tengah", "LOC")]


def test_import_jsonl_maps_fact_types_and_a_map_file(per_loc_db: str, tmp_path: Path) -> None:
    text = "Zhaparov ke Rusia"
    record = {
        "id": "a1",
        "text": text,
        "spans": [
            {"id": 0, "start": 0, "end": 8, "label": "PERSON"},
            {"id": 1, "start": 12, "end": 17, "label": "GPE"},
        ],
        "facts": [{"id": 0, "type": "Movement:Transport", "roles": {"visitor": [0], "place": [1]}}],
    }
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    mapping = tmp_path / "map.txt"
    mapping.write_text("PERSON=PER\nGPE=LOC\nMovement:Transport=VISIT\n", encoding="utf-8")
    result = run(
        "--db", per_loc_db, "import", "--format", "jsonl", "--map", f"@{mapping}", str(path)
    )
    assert result.returncode == 0, result.stderr
    assert "facts 1" in result.stdout
    with session_scope(open_database(resolve_db_url(per_loc_db))) as session:
        assert list(session.execute(select(Fact.type)).scalars()) == ["VISIT"]


def test_import_map_to_a_name_not_in_the_schema_fails_as_an_unknown_label(
    per_loc_db: str, tmp_path: Path
) -> None:
    path = tmp_path / "train.conll"
    path.write_text(CONLL, encoding="utf-8")
    result = run(
        "--db",
        per_loc_db,
        "import",
        "--format",
        "conll",
        "--map",
        "PERSON=PERSONA,GPE=LOC,LOCATION=LOC",
        str(path),
    )
    assert result.returncode == 1
    assert "unknown label 'PERSONA'" in result.stderr


@pytest.mark.parametrize("command", ["import", "export"])
def test_a_bad_map_exits_2_with_one_line(per_loc_db: str, tmp_path: Path, command: str) -> None:
    path = tmp_path / "train.conll"
    path.write_text(CONLL, encoding="utf-8")
    args = (
        ["import", "--format", "conll", str(path)]
        if command == "import"
        else ["export", "--out", str(tmp_path / "out.jsonl")]
    )
    result = run("--db", per_loc_db, *args, "--map", "PERSON=PER,GPE")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "GPE" in line]
    assert len(lines) == 1 and "'GPE' is not OLD=NEW" in lines[0]
    assert not (tmp_path / "out.jsonl").exists()


def test_export_with_map_renames_labels_and_fact_types_and_the_manifest_says_so(
    per_loc_db: str, tmp_path: Path
) -> None:
    path = tmp_path / "train.conll"
    path.write_text(CONLL, encoding="utf-8")
    imported = run(
        "--db",
        per_loc_db,
        "import",
        "--format",
        "conll",
        "--map",
        "PERSON=PER,GPE=LOC,LOCATION=LOC",
        str(path),
    )
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "gold.jsonl"
    result = run(
        "--db",
        per_loc_db,
        "export",
        "--format",
        "jsonl",
        "--out",
        str(out),
        "--map",
        "PER=PERSON,LOC=GPE",
    )
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(s["text"], s["label"]) for s in record["spans"]] == [
        ("Zhaparov", "PERSON"),
        ("Rusia", "GPE"),
        ("Asia Tengah", "GPE"),
    ]
    manifest = json.loads((tmp_path / "gold.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert manifest["selection"]["map"] == {"PER": "PERSON", "LOC": "GPE"}
    assert set(manifest["counts"]["labels"]) == {"PERSON", "GPE"}
    assert {label["name"] for label in manifest["schema"]["labels"]} == {"PERSON", "GPE"}
    conll = tmp_path / "gold.conll"
    result = run(
        "--db", per_loc_db, "export", "--format", "conll", "--out", str(conll), "--map", "LOC=GPE"
    )
    assert result.returncode == 0, result.stderr
    tags = {line.split()[-1] for line in conll.read_text(encoding="utf-8").splitlines() if line}
    assert {"B-PER", "B-GPE", "I-GPE"} <= tags and "B-LOC" not in tags
