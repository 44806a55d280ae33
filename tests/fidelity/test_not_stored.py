"""What a doccano file holds that telaah cannot store is a note with a kind: one a record,
naming file and line, counted in the summary; `--strict` makes each a failure while the
documents still import. Extra `meta` keys are kept with the article."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from store.ingest.annotated import LoadOptions, import_annotated
from store.models import Article
from store.reviewers import ensure_reviewer
from store.schema import load_schema, parse_schema

SCHEMA = Path(__file__).with_name("schema.toml")
TEXT = "EU rejects German call to boycott British lamb."


def record(id: int, users: tuple[int, ...], **extra: object) -> dict[str, object]:
    annotations = [
        {"label": "ORG", "start_offset": 0, "end_offset": 2, "user": user} for user in users
    ]
    return {"id": id, "text": f"{TEXT} ({id})", "annotations": annotations, **extra}


def write(path: Path) -> Path:
    records = [
        record(1, (1, 2), meta={"batch": "b7"}),
        record(2, (1,), Comments=[{"user": 1, "text": "is EU an ORG here?"}]),
        record(3, (2, 3)),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def setup(engine: Engine) -> int:
    with Session(engine) as session:
        reviewer = ensure_reviewer(session=session, name="tester")
        load_schema(session=session, schema=parse_schema(SCHEMA), reviewer_id=reviewer)
        session.commit()
    return reviewer


def test_merged_users_and_comments_are_counted_notes_naming_file_and_line(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path / "v1.jsonl")
    report = import_annotated(engine, "doccano", [path], LoadOptions(reviewer_id=setup(engine)))
    assert (report.failed, report.articles_created, report.mentions) == (0, 3, 3)
    assert report.not_stored == {"per-user layer": 2, "comment": 1}
    assert report.summary.endswith("; not stored: 1 comment, 2 per-user layers")
    assert [line.split(": ", 1)[0] for line in report.notes] == [
        f"{path}:1",
        f"{path}:2",
        f"{path}:3",
    ]
    assert "'is EU an ORG here?': not stored" in report.notes[1]
    with Session(engine) as session:
        metas = session.exec(select(Article.meta).order_by(col(Article.id))).all()
    assert metas[0] == {"batch": "b7"}


def test_strict_fails_each_note_with_a_kind_and_imports_the_rest(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path / "v1.jsonl")
    options = LoadOptions(reviewer_id=setup(engine), strict=True)
    report = import_annotated(engine, "doccano", [path], options)
    assert (report.failed, report.articles_created, report.mentions) == (3, 3, 3)
    assert report.notes == []
