"""doccano JSONL (`entities` + `relations`), written and read, offsets in UTF-16 by default.

Writing: `text`, `entities` and `relations`, offsets in UTF-16 code units.

doccano's browser front end counts offsets in UTF-16 code units, so an astral character (an
emoji) before a span moves it by one; `offsets="codepoint"` writes code points instead.
A relation is a fact with exactly two role fillers (from: the first role, to: the second);
other facts cannot be written and are reported. The line's `id` is the article's external id;
entity and relation ids are their positions in the line, so an export does not depend on
database ids; title, source, url and date go in `meta`, which doccano keeps.

Reading: `entities` + `relations`, the sequence-labelling `label`/`labels` lists, or the
multi-user `annotations` list of doccano 1.x; the text under `text` or `data` (doccano's
JSONL writer of late 2021).

A `.jsonl` file is read a line at a time; a `.json` file as one JSON document (doccano's "JSON"
export): an array of records (each named by the line it starts on and its index), or a single
record spread over lines; a `.json` file that holds JSON lines is read as lines. Offsets are
UTF-16 code units (doccano's) unless the file's `meta.offsets` or the caller says "codepoint";
an offset that falls inside a surrogate pair is reported. A relation becomes a fact of its
`type`, its two arguments placed on the fact type's roles in schema order. The `annotations` of
several users are merged, each distinct span once, as the decision of the first user who made it
(a reviewer of that name, `user` as written): a note on each record that several users annotated
(kind "per-user layer": counted, `--strict` fails it) says so, as per-user layers are not stored
yet (the teams issue). Each
comment of a record's `Comments` is a note too (kind "comment"). Keys of `meta` other than
title, source, url, published and offsets are kept in the article's meta.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from store.errors import TelaahError
from store.export.model import ExportContext, ExportDoc, ExportFact, ExportSpan
from store.formats import limits, safejson
from store.formats.problems import Problem, decode_error
from store.formats.reading import Item, Note, ReadDoc

OFFSET_UNITS = ("utf16", "codepoint")
_META_FIELDS = ("title", "source", "url", "published", "offsets")  # read into the article
_SEPARATORS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def utf16_offsets(text: str) -> list[int]:
    """For each code-point offset 0..len(text), the same place in UTF-16 code units."""
    table = [0] * (len(text) + 1)
    units = 0
    for index, char in enumerate(text):
        table[index] = units
        units += 2 if ord(char) > 0xFFFF else 1
    table[len(text)] = units
    return table


def codepoint_offsets(text: str) -> dict[int, int]:
    """UTF-16 offset -> code-point offset, for every place between two code points."""
    return {units: index for index, units in enumerate(utf16_offsets(text))}


def doccano_record(
    doc: ExportDoc,
    *,
    offsets: str = "utf16",
) -> tuple[dict[str, Any], list[tuple[ExportFact, str]]]:
    """One doccano JSONL object for `doc`, and the facts that could not be written.

    Raises:
        ValueError: `offsets` is not one of `OFFSET_UNITS`.
    """
    if offsets not in OFFSET_UNITS:
        raise ValueError(f"offsets must be one of {', '.join(OFFSET_UNITS)}, not {offsets!r}")
    table = utf16_offsets(doc.text) if offsets == "utf16" else None
    spans = sorted(doc.spans, key=lambda s: (s.start, -s.end, s.id))
    position = {s.id: i for i, s in enumerate(spans)}
    entities = [
        {
            "id": i,
            "start_offset": table[s.start] if table else s.start,
            "end_offset": table[s.end] if table else s.end,
            "label": s.label,
        }
        for i, s in enumerate(spans)
    ]
    relations: list[dict[str, Any]] = []
    skipped: list[tuple[ExportFact, str]] = []
    for fact in doc.facts:
        pair, reason = _pair(fact, set(position))
        if pair is None:
            skipped.append((fact, reason))
            continue
        relations.append(
            {
                "id": len(relations),
                "from_id": position[pair[0]],
                "to_id": position[pair[1]],
                "type": fact.type,
            }
        )
    meta = {
        "title": doc.title,
        "source": doc.source,
        "url": doc.url,
        "published": doc.published.isoformat() if doc.published else None,
        "offsets": offsets,
    }
    record = {
        "id": doc.external_id,
        "text": doc.text,
        "entities": entities,
        "relations": relations,
        "meta": meta,
    }
    return record, skipped


def iter_doccano(
    docs: Iterable[ExportDoc], context: ExportContext, *, offsets: str = "utf16"
) -> Iterator[str]:
    """The JSONL lines of `docs`; facts that cannot be relations are reported to `context`."""
    for doc in docs:
        record, missed = doccano_record(doc, offsets=offsets)
        for fact, reason in missed:
            context.skip_fact(doc, fact, reason)
        line = json.dumps(record, ensure_ascii=False)
        for raw, escaped in _SEPARATORS.items():  # a `splitlines` reader must see one line
            line = line.replace(raw, escaped)
        yield line + "\n"


def write_doccano(docs: Iterable[ExportDoc], path: Path, context: ExportContext) -> None:
    """Write `docs` to `path` as doccano JSONL (UTF-8, LF); `context.options["offsets"]` is
    "utf16" (the default) or "codepoint"."""
    offsets = context.options.get("offsets") or "utf16"
    if offsets not in OFFSET_UNITS:
        raise TelaahError(f"--offsets must be one of {', '.join(OFFSET_UNITS)}, not {offsets!r}")
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for line in iter_doccano(docs, context, offsets=offsets):
            handle.write(line)


def _pair(fact: ExportFact, known: set[int]) -> tuple[tuple[int, int] | None, str]:
    fillers = [(role, span) for role, ids in fact.roles.items() for span in ids]
    if len(fillers) != 2:
        return None, f"a relation has two arguments; this fact has {len(fillers)}"
    if fillers[0][0] == fillers[1][0]:
        return None, "both arguments fill one role"
    if any(span not in known for _role, span in fillers):
        return None, "a role is filled by a span that is not exported"
    return (fillers[0][1], fillers[1][1]), ""


# Reading


class RecordError(ValueError):
    """A record that cannot be read: its message names the field."""


def read_doccano(path: Path, *, offsets: str | None = None) -> Iterator[Item]:
    """The documents of a doccano JSONL file, and a problem (with its line) for each bad one.

    Args:
        offsets: "utf16" or "codepoint"; None: the file's `meta.offsets`, else "utf16".
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield Problem(path, None, f"cannot read: {exc.strerror or exc}")
        return
    with handle:
        if path.suffix.lower() == ".json":
            data = handle.read()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                yield decode_error(path, exc)
                return
            records = _json_document(path, text)
            if records is not None:
                yield from _read_records(path, records, offsets)
                return
            handle.seek(0)  # JSON lines under a .json name
        yield from _read_records(path, _lines(path, handle), offsets)


# A record as a reader found it: its line, its index in a JSON array (None: a line of its own),
# and the parsed value; or a problem in its place.
_Found = tuple[int, int | None, Any] | Problem


def _lines(path: Path, handle: BinaryIO) -> Iterator[_Found]:
    """The records of a JSON-lines file, one a line (memory stays bounded)."""
    position = 0
    for number, raw, size in limits.lines(handle):
        start, position = position, position + size
        if raw is None:
            yield Problem(path, number, limits.current().line_error(size))
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw, start = raw[3:], 3
        if not raw.strip():
            continue
        try:
            yield number, None, safejson.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield decode_error(path, exc, offset=start, line=number)
        except json.JSONDecodeError as exc:
            yield Problem(path, number, f"not JSON: {exc.msg} (column {exc.colno})")
        except safejson.JsonValueError as exc:
            yield Problem(path, number, str(exc))


def _json_document(path: Path, text: str) -> list[_Found] | None:
    """The records of a file that is one JSON document: each element of an array (with the
    line it starts on), or the one object; None when the file holds JSON lines instead.

    An array is read element by element, so a syntax error is one problem at its line and the
    records before it are kept.
    """
    decoder = json.JSONDecoder()
    found: list[_Found] = []

    def broken(exc: json.JSONDecodeError) -> list[_Found]:
        return [*found, Problem(path, exc.lineno, f"not JSON: {exc.msg} (column {exc.colno})")]

    start = _skip_space(text, 0)
    if start == len(text):
        return []
    if text[start] != "[":
        try:
            value, end = safejson.raw_decode(decoder, text, start)
        except json.JSONDecodeError as exc:
            return broken(exc)
        except safejson.JsonValueError as exc:
            return [Problem(path, _line_of(text, start), str(exc))]
        if _skip_space(text, end) < len(text):
            return None  # more values follow the first: JSON lines
        return [_checked(path, text, start, end, None, value)]
    position = _skip_space(text, start + 1)
    empty = text.startswith("]", position)
    for index in itertools.count():
        if empty:
            break
        try:
            value, end = safejson.raw_decode(decoder, text, position)
        except json.JSONDecodeError as exc:
            return broken(exc)
        except safejson.JsonValueError as exc:
            line = _line_of(text, position)
            return [*found, Problem(path, line, f"record {index}: {exc}")]
        found.append(_checked(path, text, position, end, index, value))
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        elif position < len(text) and text[position] == "]":
            break
        else:
            line = _line_of(text, position)
            return [*found, Problem(path, line, "not JSON: expected `,` or `]` in the array")]
    if _skip_space(text, position + 1) < len(text):
        return [*found, Problem(path, _line_of(text, position + 1), "not JSON: extra data")]
    return found


def _checked(path: Path, text: str, start: int, end: int, index: int | None, value: Any) -> _Found:
    """The record read from `text[start:end]`, or its problem (`safejson.check`)."""
    line = _line_of(text, start)
    try:
        safejson.check(value, text[start:end])
    except safejson.JsonValueError as exc:
        return Problem(path, line, f"{'' if index is None else f'record {index}: '}{exc}")
    return line, index, value


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _read_records(path: Path, found: Iterable[_Found], offsets: str | None) -> Iterator[Item]:
    """The documents of the records found, a problem for each bad one, and a note (with its
    kind) for each record whose users' spans were merged and for each comment."""
    for entry in found:
        if isinstance(entry, Problem):
            yield entry
            continue
        line, index, record = entry
        where = "" if index is None else f"record {index}: "
        default_id = f"{path.stem}-{line if index is None else index + 1}"
        try:
            if not isinstance(record, dict):
                raise RecordError("not a JSON object")
            doc = doc_from_record(record, default_id, offsets=offsets)
        except RecordError as exc:
            yield Problem(path, line, f"{where}{exc}")
            continue
        users = annotation_users(record)
        if len(users) > 1:
            yield Note(
                Problem(
                    path,
                    line,
                    f"{where}annotations of {len(users)} users ({', '.join(users)}) merged, "
                    "each distinct span once (the first label where they disagree); "
                    "per-user layers are not stored yet",
                ),
                "per-user layer",
            )
        comments = record.get("Comments", record.get("comments"))
        for comment in comments if isinstance(comments, list) else ():
            said = comment.get("text", comment) if isinstance(comment, dict) else comment
            yield Note(Problem(path, line, f"{where}comment {str(said)!r}: not stored"), "comment")
        yield ReadDoc(path, line, doc)


def doc_from_record(
    record: dict[str, Any], default_id: str, *, offsets: str | None = None
) -> ExportDoc:
    """The document of one doccano object.

    Raises:
        RecordError: a field is missing or wrong, or an offset cannot be converted.
    """
    text = record.get("text", record.get("data"))  # doccano wrote `data` in late 2021
    if not isinstance(text, str):
        raise RecordError("`text` (or `data`) is missing or not a string")
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    assert isinstance(meta, dict)
    units = offsets or meta.get("offsets") or "utf16"
    if units not in OFFSET_UNITS:
        raise RecordError(f"offsets must be one of {', '.join(OFFSET_UNITS)}, not {units!r}")
    table = codepoint_offsets(text) if units == "utf16" else None

    def point(value: Any, what: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise RecordError(f"{what} is not an integer")
        if table is None:
            return value
        if value not in table:
            raise RecordError(
                f"{what} {value} is not a place in the text in UTF-16 code units "
                "(inside a surrogate pair, or past the end)"
            )
        return table[value]

    spans = []
    ids: dict[Any, int] = {}
    raw_entities = record.get("entities")
    if raw_entities is None and "annotations" in record:
        raw_entities = _merged_annotations(record)
    if raw_entities is None:
        raw_entities = [
            {"id": i, "start_offset": e[0], "end_offset": e[1], "label": e[2]}
            for i, e in enumerate(_triples(record))
        ]
    if not isinstance(raw_entities, list):
        raise RecordError("`entities` is not a list")
    for index, entity in enumerate(raw_entities):
        if not isinstance(entity, dict):
            raise RecordError(f"entity {index} is not an object")
        label = _label(entity.get("label"))
        if label is None:
            raise RecordError(f"entity {index}: `label` is missing")
        start = point(entity.get("start_offset"), f"entity {index}: start_offset")
        end = point(entity.get("end_offset"), f"entity {index}: end_offset")
        ids[entity.get("id", index)] = index
        spans.append(
            ExportSpan(
                id=index,
                start=start,
                end=end,
                text=text[start:end],
                label=label,
                origin="import",
                # doccano 1.x: the decision is the annotating user's (a reviewer of that name)
                reviewer=str(entity["user"]) if entity.get("user") is not None else None,
            )
        )
    facts = []
    relations = record.get("relations") or []
    if not isinstance(relations, list):
        raise RecordError("`relations` is not a list")
    for index, relation in enumerate(relations):
        if not isinstance(relation, dict):
            raise RecordError(f"relation {index} is not an object")
        kind = relation.get("type")
        ends = (ids.get(relation.get("from_id")), ids.get(relation.get("to_id")))
        if not isinstance(kind, str) or not kind or None in ends:
            raise RecordError(
                f"relation {index}: needs a `type` and `from_id`/`to_id` naming "
                "entities of the line"
            )
        facts.append(
            ExportFact(
                id=index,
                type=kind,
                state="accepted",
                roles={"#1": [ends[0]], "#2": [ends[1]]},  # type: ignore[list-item]
            )
        )
    external = record.get("id", meta.get("external_id"))
    return ExportDoc(
        id=0,
        external_id=str(external) if external not in (None, "") else default_id,
        title=str(meta.get("title") or ""),
        text=text,
        source=meta.get("source") or None,
        url=meta.get("url") or None,
        published=_date(meta.get("published")),
        meta={k: v for k, v in meta.items() if k not in _META_FIELDS},
        spans=tuple(spans),
        facts=tuple(facts),
    )


def annotation_users(record: dict[str, Any]) -> list[str]:
    """The users named by the `annotations` of a doccano 1.x record, in order of appearance."""
    annotations = record.get("annotations")
    if not isinstance(annotations, list):
        return []
    users = (str(a["user"]) for a in annotations if isinstance(a, dict) and "user" in a)
    return list(dict.fromkeys(users))


def _merged_annotations(record: dict[str, Any]) -> list[Any]:
    """The `annotations` of a doccano 1.x record as entities: each place once, the first
    label given to it kept (per-user layers are not stored yet)."""
    annotations = record.get("annotations")
    if not isinstance(annotations, list):
        raise RecordError("`annotations` is not a list")
    kept: dict[tuple[Any, Any], Any] = {}
    for index, annotation in enumerate(annotations):
        if not isinstance(annotation, dict):
            raise RecordError(f"annotation {index} is not an object")
        place = (annotation.get("start_offset"), annotation.get("end_offset"))
        kept.setdefault(place, {"id": annotation.get("id", index), **annotation})
    return list(kept.values())


def _label(value: Any) -> str | None:
    """A label as doccano writes it: its text, or a number (a label named `1`); None: none."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def _triples(record: dict[str, Any]) -> list[list[Any]]:
    value = record.get("label", record.get("labels")) or []
    if not isinstance(value, list) or not all(
        isinstance(v, list | tuple) and len(v) == 3 for v in value
    ):
        raise RecordError("`label` must be a list of [start, end, label]")
    return [list(v) for v in value]


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RecordError(f"meta `published` {value!r} is not a date") from None
