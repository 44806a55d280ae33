"""Fuzzing every importer (issue 15, point 6): hostile files never raise out of a reader or an
import, every problem names its file, and every record accepted round-trips.

A fixed number of examples each, derandomised: CI runs the same files every time (about ten
seconds in all). Raise EXAMPLES locally to search further.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from store.config import load_config
from store.errors import TelaahError
from store.formats.gazetteer import read_gazetteer, write_gazetteer
from store.formats.problems import Problem
from store.formats.reading import Note, ReadDoc
from store.formats.registry import import_format, read_paths
from store.ingest.annotated import LoadOptions, load_docs
from store.ingest.articles import import_articles
from store.models import Article, Mention
from store.schema import parse_schema
from store.textnorm import normalise_text

EXAMPLES = int(os.environ.get("TELAAH_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_serial = itertools.count()

# JSON values that stopped whole imports before issue 15, and other awkward ones.
HOSTILE_JSON = [
    '"\\ud800"',
    '"a\\udfffb"',
    "[" * 3_000 + "]" * 3_000,
    '{"a":' * 500 + "1" + "}" * 500,
    "9" * 4_400,
    "-" + "1" * 5_000,
    "1e999",
    "NaN",
    "null",
    '"\\u0000\\u001b[2J\\u202e"',
]
hostile_value = st.sampled_from(HOSTILE_JSON)
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), any_text)
raw_line = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def _write(path: Path, lines: Iterable[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _with_hostile(record: dict[str, Any], field: str, hostile: str) -> bytes:
    """`record` as a JSON line whose `field` holds the hostile JSON text."""
    body = json.dumps({k: v for k, v in record.items() if k != field}, ensure_ascii=False)
    return (body[:-1] + (", " if len(body) > 2 else "") + f'"{field}": {hostile}}}').encode()


@st.composite
def article_lines(draw: st.DrawFn, serial: int) -> tuple[list[bytes], dict[str, str]]:
    """JSON lines of articles, some hostile; the good ones' texts by id."""
    lines: list[bytes] = []
    good: dict[str, str] = {}
    for index in range(draw(st.integers(1, 6))):
        record = {"id": f"f{serial}-{index}", "text": draw(any_text)}
        kind = draw(st.sampled_from(["good", "hostile", "hostile", "raw"]))
        if kind == "good":
            if draw(st.booleans()):
                record["meta"] = {"k": draw(json_scalar)}
            good[record["id"]] = record["text"]
            lines.append(_dumps(record))
        elif kind == "hostile":
            field = draw(st.sampled_from(["text", "text", "meta", "title", "id", "source"]))
            lines.append(_with_hostile(record, field, draw(hostile_value)))
        else:
            lines.append(draw(raw_line))
    return lines, good


def _stored(session: Session) -> dict[str, str]:
    rows = session.execute(select(col(Article.external_id), col(Article.text))).all()
    return {row[0]: row[1] for row in rows}


def _check_problems(problems: Iterable[str], *paths: Path) -> None:
    for line in problems:
        assert line.startswith(tuple(str(p) for p in paths)), line
        assert "\n" not in line and "Traceback" not in line, line


@FUZZ
@given(data=st.data())
def test_article_jsonl_files(engine: Engine, tmp_path: Path, data: st.DataObject) -> None:
    serial = next(_serial)
    lines, good = data.draw(article_lines(serial))
    path = _write(tmp_path / f"fuzz{serial}.jsonl", lines)
    report = import_articles(engine, [path], reviewer_id=None)
    _check_problems(report.problems, path)
    with Session(engine) as session:
        stored = _stored(session)
    for external_id, text in good.items():
        normal = normalise_text(text)[0]
        if normal.strip() and external_id in stored:
            assert stored[external_id] == normal  # accepted: stored as normalised, exactly
        elif normal.strip():
            assert normal in stored.values() or any(external_id in p for p in report.problems)


@FUZZ
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".txt", ".csv"]))
def test_article_txt_and_csv_files(
    engine: Engine, tmp_path: Path, content: bytes, suffix: str
) -> None:
    path = tmp_path / f"fuzz{next(_serial)}{suffix}"
    path.write_bytes(content)
    report = import_articles(engine, [path], reviewer_id=None)
    _check_problems(report.problems, path)
    if suffix == ".txt" and report.imported:
        with Session(engine) as session:
            assert _stored(session)[path.stem] == normalise_text(content.decode("utf-8-sig"))[0]


@FUZZ
@given(
    header=st.lists(
        st.sampled_from(["id", "name", "type", "alias", "description", "wikidata"]),
        min_size=3,
        max_size=6,
    ),
    rows=st.lists(st.lists(any_text, max_size=7), max_size=6),
)
def test_gazetteer_csv_files_round_trip(
    tmp_path: Path, header: list[str], rows: list[list[str]]
) -> None:
    import csv

    path = tmp_path / f"fuzz{next(_serial)}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    _round_trip(path, "csv")


@FUZZ
@given(data=st.data())
def test_gazetteer_jsonl_files_round_trip(tmp_path: Path, data: st.DataObject) -> None:
    lines = []
    for index in range(data.draw(st.integers(1, 5))):
        record = {
            "id": data.draw(st.sampled_from(["KG", "KZ", f"E{index}", ""])),
            "name": data.draw(any_text),
            "type": "GPE",
            "aliases": data.draw(st.lists(any_text, max_size=3)),
        }
        if data.draw(st.booleans()):
            field = data.draw(st.sampled_from(["aliases", "description", "external_ids", "name"]))
            lines.append(_with_hostile(record, field, data.draw(hostile_value)))
        else:
            lines.append(_dumps(record) if data.draw(st.booleans()) else data.draw(raw_line))
    _round_trip(_write(tmp_path / f"fuzz{next(_serial)}.jsonl", lines), "jsonl")


def _round_trip(path: Path, fmt: str) -> None:
    """Read `path`; write what was accepted and read it again: the same entities come back."""
    records, problems = read_gazetteer(path)
    _check_problems(map(str, problems), path)
    again = path.with_name(f"again-{path.stem}.{fmt}")
    with again.open("w", encoding="utf-8", newline="") as handle:
        write_gazetteer(records, handle, fmt)
    back, more = read_gazetteer(again)
    assert more == []

    def shape(r: Any) -> tuple[Any, ...]:
        ids = {k: str(v) for k, v in r.external_ids.items()}
        return r.key, r.name, r.type, sorted(r.aliases), r.description, ids, r.merged_into

    assert [shape(r) for r in back] == [shape(r) for r in records]


@st.composite
def annotated_lines(draw: st.DrawFn, fmt: str) -> list[bytes]:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        text = draw(any_text)
        start = draw(st.one_of(st.integers(-2, len(text) + 2), st.sampled_from([10**30])))
        end = draw(st.integers(-2, len(text) + 2))
        if fmt == "doccano":
            record: dict[str, Any] = {"text": text, "label": [[start, end, "GPE"]]}
        else:
            record = {"text": text, "spans": [{"start": start, "end": end, "label": "GPE"}]}
        kind = draw(st.sampled_from(["good", "hostile", "hostile", "raw"]))
        if kind == "good":
            lines.append(_dumps(record))
        elif kind == "hostile":
            field = draw(st.sampled_from(["text", "text", "meta", "spans", "label", "tokens"]))
            lines.append(_with_hostile(record, field, draw(hostile_value)))
        else:
            lines.append(draw(raw_line))
    return lines


@pytest.mark.parametrize("fmt", ["jsonl", "doccano"])
@FUZZ
@given(data=st.data())
def test_annotated_json_lines(
    engine: Engine,
    reviewer_id: int,
    schema_loaded: None,
    tmp_path: Path,
    fmt: str,
    data: st.DataObject,
) -> None:
    path = _write(tmp_path / f"fuzz{next(_serial)}.jsonl", data.draw(annotated_lines(fmt)))
    _import_annotated(engine, reviewer_id, fmt, path)


@FUZZ
@given(
    text=any_text,
    ann=st.lists(
        st.one_of(
            any_text,
            st.sampled_from(
                [
                    "T1\tGPE 0 5\tRusia",
                    "T2\tGPE 0 99999999999999999999\tx",
                    "T3\tGPE 5 2\t",
                    "E1\tSupply:T1 Item:T9",
                    "R1\tMember_of Arg1:T1 Arg2:T1",
                    "A1\tNegated T1",
                    "N1\tReference T1 Wikidata:Q1\tx",
                    "#1\tAnnotatorNotes T1\tnote",
                    "T4\tGPE 0 2;1 3\tRu",
                ]
            ),
        ),
        max_size=6,
    ),
)
def test_brat_files(
    engine: Engine, reviewer_id: int, schema_loaded: None, tmp_path: Path, text: str, ann: list[str]
) -> None:
    name = f"fuzz{next(_serial)}"
    (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
    path = tmp_path / f"{name}.ann"
    path.write_text("\n".join(ann) + "\n", encoding="utf-8", newline="")
    _import_annotated(engine, reviewer_id, "brat", path)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "-DOCSTART- -X- -X- O",
                    "",
                    "Rusia NNP B-NP B-GPE",
                    "ke IN O O",
                    "Kirgizstan NNP I-NP I-GPE",
                    "x I-PER",
                    "y B-",
                    "z\tO",
                    "w X Y Z Q B-LOC",
                ]
            ),
            any_text,
        ),
        max_size=12,
    )
)
def test_conll_files(
    engine: Engine, reviewer_id: int, schema_loaded: None, tmp_path: Path, lines: list[str]
) -> None:
    path = tmp_path / f"fuzz{next(_serial)}.conll"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    _import_annotated(engine, reviewer_id, "conll", path)


def _import_annotated(engine: Engine, reviewer_id: int, fmt: str, path: Path) -> None:
    """Read and import `path`: nothing raises, problems name the file, and every mention
    stored is its article's text at its offsets."""
    items = list(read_paths(import_format(fmt), [path]))
    assert all(isinstance(item, ReadDoc | Problem | Note) for item in items)
    report = load_docs(engine, items, LoadOptions(reviewer_id=reviewer_id))
    _check_problems(report.problems, path, path.with_suffix(".txt"))
    with Session(engine) as session:  # every stored span is its article's text there
        rows = session.execute(
            select(col(Mention.text), col(Mention.start), col(Mention.end), col(Article.text)).join(
                Article, col(Article.id) == col(Mention.article_id)
            )
        ).all()
    for mention_text, start, end, article_text in rows:
        assert article_text[start:end] == mention_text


@FUZZ
@given(
    source=st.one_of(
        any_text,
        st.sampled_from(
            [
                "a = " + "[" * 2_000 + "]" * 2_000,
                "a = " + "9" * 4_400,
                '[[labels]]\nname = "\\ud800"',
                "[[labels]]\nname = 'GPE'\nkey = 3",
                '[[fact_types]]\nname = "X"\n[[fact_types.roles]]\nname = 1',
            ]
        ),
    )
)
def test_schema_toml_files(tmp_path: Path, source: str) -> None:
    path = tmp_path / f"fuzz{next(_serial)}.toml"
    path.write_text(source, encoding="utf-8")
    try:
        parse_schema(path)
    except TelaahError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)


@FUZZ
@given(
    source=st.one_of(
        any_text,
        st.sampled_from(
            [
                "[keymap]\n" + "a." * 400 + "b = 'x'",
                "[keymap]\nx = " + "[" * 2_000,
                "save_wait = " + "9" * 4_400,
                "[keymap]\n'review.accept' = 7",
                "[import]\nmax_text_size = 'big'",
                "[keymap]\n" + "[x]\n" * 50,
            ]
        ),
    )
)
def test_config_files(tmp_path: Path, source: str) -> None:
    path = tmp_path / f"fuzz{next(_serial)}.toml"
    path.write_text(source, encoding="utf-8")
    config = load_config(path)  # never raises: problems are lines
    for line in config.problems:
        assert line.startswith(str(path)) and "\n" not in line
