"""Every importer survives every record (issue 15, point 2): a lone surrogate, JSON nested
100,000 deep, a number of 5,000 digits, a line or a text over its limit, a CSV row short or
long of fields is one problem naming file and line; the records around it are imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from store.config import load_config
from store.errors import TelaahError
from store.formats import limits
from store.gazetteer.files import import_gazetteer
from store.ingest.annotated import LoadOptions, import_annotated
from store.ingest.articles import import_articles
from store.models import Article, Entity
from store.schema import parse_schema

GOOD = "Rusia memasok sistem pertahanan udara S-300 ke Kirgizstan."
SURROGATE = '"bad \\ud800 text"'  # JSON text: an escaped lone surrogate
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5_000


def hostile_values() -> list[tuple[str, str]]:
    """(JSON value text, what the problem line says) for each hostile record."""
    return [
        (SURROGATE, "lone surrogate (\\ud800)"),
        (DEEP, "nested more than 100 levels deep"),
        (HUGE, "more than 4,300 digits"),
    ]


def stored_texts(session: Session) -> list[str]:
    return list(session.execute(select(col(Article.text)).order_by(col(Article.id))).scalars())


@pytest.mark.parametrize(("value", "says"), hostile_values())
def test_article_jsonl_reports_the_hostile_line_and_imports_the_others(
    engine: Engine, session: Session, tmp_path: Path, value: str, says: str
) -> None:
    path = tmp_path / "news.jsonl"
    path.write_text(
        json.dumps({"text": GOOD})
        + "\n"
        + f'{{"text": "x", "meta": {{"v": {value}}}}}\n'
        + f'{{"text": {value}}}\n'
        + json.dumps({"text": GOOD + " Lagi."})
        + "\n",
        encoding="utf-8",
    )
    report = import_articles(engine, [path], reviewer_id=None)
    assert report.imported == 2 and report.failed == 2
    assert all(
        line.startswith(f"{path}:2: ") or line.startswith(f"{path}:3: ") for line in report.problems
    )
    assert all(says in line for line in report.problems), report.problems
    assert stored_texts(session) == [GOOD, GOOD + " Lagi."]


@pytest.mark.parametrize(("value", "says"), hostile_values())
def test_gazetteer_jsonl_reports_the_hostile_entity_and_imports_the_others(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path, value: str, says: str
) -> None:
    path = tmp_path / "gazetteer.jsonl"
    path.write_text(
        '{"id": "KG", "name": "Kyrgyzstan", "type": "GPE"}\n'
        f'{{"id": "X", "name": "X", "type": "GPE", "aliases": [{value}]}}\n'
        '{"id": "KZ", "name": "Kazakhstan", "type": "GPE"}\n',
        encoding="utf-8",
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.created == 2
    assert len(report.problems) == 1 and report.problems[0].startswith(f"{path}:2: ")
    assert says in report.problems[0]
    keys = session.execute(select(col(Entity.key)).order_by(col(Entity.key))).scalars().all()
    assert keys == ["KG", "KZ"]


@pytest.mark.parametrize("fmt", ["doccano", "jsonl"])
@pytest.mark.parametrize(("value", "says"), hostile_values())
def test_annotated_json_lines_report_the_hostile_record_and_import_the_others(
    engine: Engine,
    session: Session,
    reviewer_id: int,
    schema_loaded: None,
    tmp_path: Path,
    fmt: str,
    value: str,
    says: str,
) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        json.dumps({"text": GOOD})
        + "\n"
        + f'{{"text": "x", "meta": {{"v": {value}}}}}\n'
        + json.dumps({"text": GOOD + " Lagi."})
        + "\n",
        encoding="utf-8",
    )
    report = import_annotated(engine, fmt, [path], LoadOptions(reviewer_id=reviewer_id))
    assert report.failed == 1 and report.problems[0].startswith(f"{path}:2: ")
    assert says in report.problems[0]
    assert stored_texts(session) == [GOOD, GOOD + " Lagi."]


def test_doccano_json_array_with_a_hostile_record_keeps_the_others(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = tmp_path / "gold.json"
    path.write_text(
        f'[{json.dumps({"text": GOOD})},\n{{"text": {SURROGATE}}},\n'
        f"{json.dumps({'text': GOOD + ' Lagi.'})}]\n",
        encoding="utf-8",
    )
    report = import_annotated(engine, "doccano", [path], LoadOptions(reviewer_id=reviewer_id))
    assert report.failed == 1 and report.problems[0].startswith(f"{path}:2: record 1: ")
    assert stored_texts(session) == [GOOD, GOOD + " Lagi."]


def test_gazetteer_csv_rows_short_or_long_of_fields_are_problems_and_the_rest_imports(
    session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    # A short row used to raise KeyError on the extra column and import nothing.
    path = tmp_path / "gazetteer.csv"
    path.write_text(
        "id,name,type,alias,description,wikidata\n"
        "KG,Kyrgyzstan,GPE,Kirgistan\n"
        "KZ,Kazakhstan,GPE,Kazakstan,,Q232\n"
        "RU,Rusia,GPE,Russia,,Q159,extra\n"
        "UZ,Uzbekistan,GPE,Uzbekistan,,Q265\n",
        encoding="utf-8",
    )
    report = import_gazetteer(session=session, path=path, reviewer_id=reviewer_id)
    assert report.problems == [
        f"{path}:2: fewer fields than the header has",
        f"{path}:4: more fields than the header has",
    ]
    keys = session.execute(select(col(Entity.key)).order_by(col(Entity.key))).scalars().all()
    assert keys == ["KZ", "UZ"]


def test_article_csv_short_row_is_a_problem_and_the_rest_imports(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "news.csv"
    path.write_text(f"id,title,text\na,A,{GOOD}\nb,B\nc,C,{GOOD} Lagi.\n", encoding="utf-8")
    report = import_articles(engine, [path], reviewer_id=None)
    assert report.problems == [f"{path}:3: fewer fields than the header has"]
    assert stored_texts(session) == [GOOD, GOOD + " Lagi."]


def test_a_text_over_max_text_size_is_one_problem_naming_the_setting(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "news.jsonl"
    lines = [{"text": GOOD}, {"text": "x" * 101}, {"text": GOOD + " Lagi."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    with limits.using(limits.Limits(max_text_size=100)):
        report = import_articles(engine, [path], reviewer_id=None)
    assert report.problems == [
        f"{path}:2: text of 101 characters is over the limit of 100 (raise it with "
        "`max_text_size` under [import] in the config file)"
    ]
    assert stored_texts(session) == [GOOD, GOOD + " Lagi."]


def test_a_text_over_max_text_size_in_annotated_data_is_one_problem(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = tmp_path / "gold.jsonl"
    lines = [{"text": GOOD}, {"text": "y" * 101}]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    with limits.using(limits.Limits(max_text_size=100)):
        report = import_annotated(engine, "jsonl", [path], LoadOptions(reviewer_id=reviewer_id))
    assert report.failed == 1 and "over the limit of 100" in report.problems[0]
    assert stored_texts(session) == [GOOD]


@pytest.mark.parametrize("fmt", ["articles", "jsonl", "doccano"])
def test_a_line_over_max_line_length_is_skipped_without_reading_it_whole(
    engine: Engine,
    session: Session,
    reviewer_id: int,
    schema_loaded: None,
    tmp_path: Path,
    fmt: str,
) -> None:
    path = tmp_path / "lines.jsonl"
    long_line = json.dumps({"text": "z" * 5_000})
    path.write_text(
        f"{json.dumps({'text': GOOD})}\n{long_line}\n{json.dumps({'text': GOOD + ' Lagi.'})}\n",
        encoding="utf-8",
    )
    with limits.using(limits.Limits(max_line_length=1_000)):
        if fmt == "articles":
            problems = import_articles(engine, [path], reviewer_id=None).problems
        else:
            options = LoadOptions(reviewer_id=reviewer_id)
            problems = import_annotated(engine, fmt, [path], options).problems
    assert problems == [
        f"{path}:2: line of {len(long_line) + 1:,} bytes or more is over the limit of 1,000 "
        "(raise it with `max_line_length` under [import] in the config file); skipped"
    ]
    assert stored_texts(session) == [GOOD, GOOD + " Lagi."]


def test_the_limits_are_read_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[import]\nmax_text_size = 5000\nmax_line_length = -1\nmax_depth = 3\n", encoding="utf-8"
    )
    config = load_config(path)
    assert config.limits.max_text_size == 5000
    assert config.limits.max_line_length == limits.MAX_LINE_LENGTH
    assert config.problems == [
        f"{path}:3: max_line_length must be a positive whole number; ignored",
        f"{path}:4: unknown import setting 'max_depth' (known: max_text_size, "
        "max_line_length); ignored",
    ]


@pytest.mark.parametrize(
    ("toml", "says"),
    [("a = " + "[" * 5000 + "]" * 5000, "nested too deep"), (f"a = {HUGE}", "4300 digits")],
)
def test_hostile_toml_is_one_line_for_a_schema_and_for_the_config(
    tmp_path: Path, toml: str, says: str
) -> None:
    path = tmp_path / "schema.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(TelaahError) as raised:
        parse_schema(path)
    assert str(raised.value).startswith(f"{path}: ") and "\n" not in str(raised.value)
    config = load_config(path)
    assert len(config.problems) == 1 and "the file is ignored" in config.problems[0]
    assert says.split()[0] in raised.value.args[0] + config.problems[0]
