"""Read annotated JSONL: telaah's own export, and Prodigy/spaCy-style `{text, spans}` lines.

Every field telaah's export writes is read back (state, origin, matched alias, score,
reviewer, decision time, entity key and name, facts); a Prodigy line has only `text` and
`spans` (`start`, `end`, `label`, maybe `kb_id`), with `_annotator_id` as its reviewer.
Lines whose `answer` is `reject` or `ignore` are skipped with a note.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from store.export.model import ExportDoc, ExportFact, ExportSpan
from store.formats.problems import Problem, decode_error
from store.ingest.annotated import Item, Note, ReadDoc


class RecordError(ValueError):
    """A record that cannot be read: its message names the field."""


def read_jsonl(path: Path) -> Iterator[Item]:
    """The documents of a JSONL file, and a problem (with its line) for each bad one."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield Problem(path, None, f"cannot read: {exc.strerror or exc}")
        return
    with handle:
        yield from _records(path, handle)


def _records(path: Path, handle: BinaryIO) -> Iterator[Item]:
    offset = 0
    for number, raw in enumerate(handle, 1):  # one line at a time: memory stays bounded
        start, offset = offset, offset + len(raw)
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield decode_error(path, exc, offset=start, line=number)
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(path, number, f"not JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield Problem(path, number, "not a JSON object")
            continue
        answer = record.get("answer")
        if answer in ("reject", "ignore"):
            yield Note(Problem(path, number, f"answer is {answer!r}: skipped"))
            continue
        try:
            yield ReadDoc(path, number, doc_from_record(record, f"{path.stem}-{number}"))
        except RecordError as exc:
            yield Problem(path, number, str(exc))


def doc_from_record(record: dict[str, Any], default_id: str) -> ExportDoc:
    """The document of one JSONL object; span ids are their `id` or position.

    Raises:
        RecordError: a field is missing or of the wrong type.
    """
    text = record.get("text")
    if not isinstance(text, str):
        raise RecordError("`text` is missing or not a string")
    meta = record.get("meta") or {}
    if not isinstance(meta, dict):
        raise RecordError("`meta` is not an object")
    annotator = record.get("_annotator_id")
    spans = [
        _span(raw, index, text, str(annotator) if annotator else None)
        for index, raw in enumerate(_list(record, "spans"))
    ]
    facts = [_fact(raw, index) for index, raw in enumerate(_list(record, "facts"))]
    external = record.get("id", meta.get("id"))
    return ExportDoc(
        id=0,
        external_id=str(external) if external not in (None, "") else default_id,
        title=_str(record, "title") or "",
        text=text,
        source=_str(record, "source"),
        url=_str(record, "url"),
        published=_date(record.get("published")),
        meta=meta,
        spans=tuple(spans),
        facts=tuple(facts),
    )


def _span(raw: Any, index: int, text: str, annotator: str | None) -> ExportSpan:
    if not isinstance(raw, dict):
        raise RecordError(f"span {index} is not an object")
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
        raise RecordError(f"span {index}: `start` and `end` must be integers")
    if not isinstance(label, str) or not label:
        raise RecordError(f"span {index}: `label` is missing")
    score = raw.get("score")
    if score is not None and not isinstance(score, int | float):
        raise RecordError(f"span {index}: `score` is not a number")
    span_id = raw.get("id", index)
    return ExportSpan(
        id=span_id if isinstance(span_id, int) else index,
        start=start,
        end=end,
        text=raw["text"] if isinstance(raw.get("text"), str) else text[start:end],
        label=label,
        entity_key=_str(raw, "kb_id") or _str(raw, "entity_key"),
        entity_name=_str(raw, "entity_name"),
        state=_str(raw, "state") or "accepted",
        origin=_str(raw, "origin") or "import",
        matched_alias=_str(raw, "matched_alias"),
        score=float(score) if score is not None else None,
        reviewer=_str(raw, "reviewer") or annotator,
        decided_at=_time(raw.get("decided_at")),
    )


def _fact(raw: Any, index: int) -> ExportFact:
    if not isinstance(raw, dict):
        raise RecordError(f"fact {index} is not an object")
    roles = raw.get("roles")
    if not isinstance(roles, dict) or not all(
        isinstance(ids, list) and all(isinstance(i, int) for i in ids) for ids in roles.values()
    ):
        raise RecordError(f"fact {index}: `roles` must map role names to lists of span ids")
    evidence = raw.get("evidence")
    span: tuple[int, int] | None = None
    if isinstance(evidence, dict):
        start, end = evidence.get("start"), evidence.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            raise RecordError(f"fact {index}: evidence `start` and `end` must be integers")
        span = (start, end)
    elif evidence is not None:
        raise RecordError(f"fact {index}: `evidence` is not an object")
    type_ = raw.get("type")
    if not isinstance(type_, str) or not type_:
        raise RecordError(f"fact {index}: `type` is missing")
    return ExportFact(
        id=index,
        type=type_,
        state=_str(raw, "state") or "accepted",
        roles={str(k): list(v) for k, v in roles.items()},
        evidence=span,
        note=_str(raw, "note"),
        needs_review=bool(raw.get("needs_review")),
    )


def _list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key) or []
    if not isinstance(value, list):
        raise RecordError(f"`{key}` is not a list")
    return value


def _str(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"`{key}` is not a string")
    return value


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RecordError(f"`published` {value!r} is not a date (YYYY-MM-DD)") from None


def _time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise RecordError(f"`decided_at` {value!r} is not an ISO 8601 time") from None
