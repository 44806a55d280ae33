"""doccano inputs as doccano writes them: `data` for `text`, `.json` documents (an array of
records, or one record over many lines), and the multi-user `annotations` of doccano 1.x.

Every fixture copies a shape doccano's own exports have, cited at the fixture.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from store.models import Article, Mention, Reviewer
from tests.store.test_import_annotated import mentions, run, write_lines


def spans(session: Session) -> list[tuple[int, int, str, str]]:
    return [(m[0], m[1], m[2], m[3]) for m in mentions(session)]


def test_records_with_data_instead_of_text(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    # doccano's JSONL writer of late 2021 names the text `data` and the spans `label`: the record
    # of https://github.com/doccano/doccano/issues/1522 (doccano/doccano docker image), verbatim.
    record = {
        "id": 10,
        "data": "It makes reporting easy for police by enabling them to execute different "
        "types of queries such as monthly reporting.",
        "label": [[28, 34, "A"], [9, 23, "B"], [55, 89, "C"]],
    }
    report = run(engine, "doccano", write_lines(tmp_path / "admin.jsonl", [record]), reviewer_id)
    assert (report.failed, report.problems) == (0, [])
    assert spans(session) == [
        (9, 23, "reporting easy", "B"),
        (28, 34, "police", "A"),
        (55, 89, "execute different types of queries", "C"),
    ]
    assert session.execute(select(Article.external_id)).scalar_one() == "10"


def test_a_json_array_is_read_record_by_record_each_named_by_its_line_and_index(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    # The JSON array doccano's "JSON" export writes, as requested and shown in
    # https://github.com/doccano/doccano/issues/454 (records from doccano's sequence-labelling
    # example), pretty-printed as `json.dump(..., indent=4)` does; the second record is broken.
    records: list[Any] = [
        {
            "text": "EU rejects German call to boycott British lamb.",
            "labels": [[0, 2, "ORG"], [11, 17, "MISC"]],
        },
        {"text": "Peter Blackburn", "labels": [[0, 15]]},
        {"text": "President Obama", "labels": [[10, 15, "PERSON"]]},
    ]
    path = tmp_path / "doccano.json"
    path.write_text(json.dumps(records, indent=4), encoding="utf-8")
    report = run(engine, "doccano", path, reviewer_id)
    second = json.dumps(records, indent=4).splitlines().index("    {", 2) + 1
    assert report.problems == [
        f"{path}:{second}: record 1: `label` must be a list of [start, end, label]"
    ]
    assert report.failed == 1 and report.articles_created == 2
    assert spans(session) == [
        (0, 2, "EU", "ORG"),
        (11, 17, "German", "MISC"),
        (10, 15, "Obama", "PERSON"),
    ]
    ids = session.execute(select(Article.external_id).order_by(Article.id)).scalars().all()
    assert ids == ["doccano-1", "doccano-3"]


def test_one_record_spread_over_lines_is_one_document(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    # One record over many lines, as the doccano export in the README of
    # https://github.com/nishika-inc/cpt-hanrei-1st-refactor shows it (`id`, `text`, `meta`,
    # `annotation_approver`, `labels`, every number on its own line), with an Indonesian text.
    text = "Presiden Joko Widodo meresmikan Bendungan Sadawarna di Subang."
    record = {
        "id": 43,
        "text": text,
        "meta": {"filename": "berita_043.txt", "category": "infrastruktur"},
        "annotation_approver": None,
        "labels": [[9, 20, "PERSON"], [32, 51, "LOCATION"], [55, 61, "LOCATION"]],
    }
    path = tmp_path / "train.json"
    path.write_text(json.dumps(record, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")
    assert len(path.read_text(encoding="utf-8").splitlines()) > 20
    report = run(engine, "doccano", path, reviewer_id)
    assert (report.failed, report.problems, report.articles_created) == (0, [], 1)
    assert spans(session) == [
        (9, 20, "Joko Widodo", "PERSON"),
        (32, 51, "Bendungan Sadawarna", "LOCATION"),
        (55, 61, "Subang", "LOCATION"),
    ]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(record, indent=4)[:-3], encoding="utf-8")
    report = run(engine, "doccano", broken, reviewer_id)
    assert len(report.problems) == 1 and report.problems[0].startswith(f"{broken}:")
    assert "not JSON" in report.problems[0]


def test_multi_user_annotations_are_imported_each_distinct_span_once_with_a_note(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    # doccano 1.x JSONL: `annotations` of {label (a label id), start_offset, end_offset, user},
    # as https://github.com/doccano/doccano/issues/113 ("format 0") and #1291 show them; the
    # second user's annotations are added: one agrees, one disagrees on the label, one is new.
    path = write_lines(
        tmp_path / "file.jsonl",
        [
            {
                "id": 15,
                "text": "EU rejects German call to boycott British lamb.",
                "annotations": [
                    {"label": 7, "start_offset": 0, "end_offset": 2, "user": 1},
                    {"label": 6, "start_offset": 11, "end_offset": 17, "user": 1},
                    {"label": 7, "start_offset": 0, "end_offset": 2, "user": 2},
                    {"label": 8, "start_offset": 11, "end_offset": 17, "user": 2},
                    {"label": 6, "start_offset": 34, "end_offset": 41, "user": 2},
                ],
                "meta": {},
            },
            {
                "id": 16,
                "text": "Peter Blackburn",
                "annotations": [
                    {"id": 2, "label": 1, "start_offset": 0, "end_offset": 15, "user": 1}
                ],
            },
        ],
    )
    report = run(engine, "doccano", path, reviewer_id)
    assert (report.failed, report.problems, report.mentions) == (0, [], 4)
    assert spans(session) == [
        (0, 2, "EU", "7"),
        (11, 17, "German", "6"),
        (34, 41, "British", "6"),
        (0, 15, "Peter Blackburn", "1"),
    ]
    # Each span is the decision of the user who made it first: a reviewer of that name.
    deciders = session.exec(
        select(Mention.text, Reviewer.name)
        .join(Reviewer, col(Reviewer.id) == col(Mention.reviewer_id))
        .order_by(col(Mention.id))
    ).all()
    assert deciders == [("EU", "1"), ("German", "1"), ("British", "2"), ("Peter Blackburn", "1")]
    assert report.notes == [
        f"{path}:1: annotations of 2 users (1, 2) merged, each distinct span once (the first "
        "label where they disagree); per-user layers are not stored yet"
    ]
