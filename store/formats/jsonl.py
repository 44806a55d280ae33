"""telaah's own JSONL: the lossless export, and the reader of it and of Prodigy/spaCy lines.

Writing: lossless, one article a line, in the Prodigy/spaCy conventions.

A line: `id` (the article's external id), `title`, `source`, `url`, `published`, `meta`,
`text`, `tokens` ({text, start, end, id, ws}; `model.document_offsets`: the tokens the article
arrived with, else telaah's, cut at every span boundary; `ws` as spaCy's: the token is followed
by whitespace that the next token does not start with), `spans` ({id, start, end, text, label,
token_start, token_end (inclusive: the first token starts at `start`, the last ends at `end`),
kb_id, entity_name, state, origin, matched_alias, score, reviewer, decided_at}), `facts` ({id,
type, state, roles: role -> span ids, evidence: {start, end, text} or null, note,
needs_review}) and `answer` ("accept").
Span and fact ids are their positions in the line, so an export does not depend on database
ids. Offsets are code points.

Reading: telaah's own export, and Prodigy/spaCy-style `{text, spans}` lines.

Every field telaah's export writes is read back (state, origin, matched alias, score,
reviewer, decision time, entity key and name, facts); a Prodigy line has only `text` and
`spans` (`start`, `end`, `label`, maybe `kb_id`), with `_annotator_id` as its reviewer.
Lines whose `answer` is `reject` or `ignore` are skipped with a note. A line's `tokens`
(Prodigy's and telaah's: {text, start, end}) are kept as the article's arrival tokens when they
fit the text (each token's `text` is `text[start:end]`, in order, every non-space character in
one); otherwise the line is imported without them, with a note.

Prodigy's own answers on a line are read too (`prodigy_answers`): `relations` (rel.manual:
{head, child, head_span, child_span, label}) become facts of type = the relation label with
roles `head` and `child`; an entity-linking answer (`options` with ids, `accept: [id]`, one
span) becomes that span's entity key. What telaah cannot store (a relation between spans it
cannot find or make, a choice that is not a link, a text category) is a `Note` with a kind.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import lru_cache
from json.encoder import encode_basestring as _string  # C-accelerated, as json.dumps
from pathlib import Path
from typing import Any, BinaryIO

from store.export.model import (
    ArrivalTokens,
    ExportContext,
    ExportDoc,
    ExportFact,
    ExportSpan,
    Token,
    doc_offsets,
)
from store.formats import limits, safejson
from store.formats.problems import Problem, decode_error
from store.formats.reading import Item, Note, ReadDoc

# Line separators a `str.splitlines` reader would split on; JSON lets them be escaped.
_SEPARATORS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def token_range(
    starts: Sequence[int], ends: Sequence[int], start: int, end: int
) -> tuple[int, int]:
    """The first and last (inclusive) token a span [start, end) touches.

    `starts` and `ends` are the tokens' offsets in order. A span aligned with tokens gets exactly
    its tokens (with `document_offsets` every span is, but one starting or ending with
    whitespace); one that is not gets the tokens covering it.
    """
    if not starts:
        return 0, 0
    first = max(0, bisect_right(starts, start) - 1)
    if ends[first] <= start and first + 1 < len(starts):
        first += 1
    last = min(len(ends) - 1, bisect_left(ends, end))
    if starts[last] >= end and last > first:
        last -= 1
    return first, max(first, last)


@lru_cache(maxsize=4096)  # bulk decisions share their time
def format_time(value: datetime | None) -> str | None:
    """A decision time as ISO 8601 UTC with microseconds and `Z` (naive values are UTC)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def doc_record(doc: ExportDoc, tokens: Sequence[Token] | None = None) -> dict[str, Any]:
    """One article as a JSON-ready dict (the object of one JSONL line)."""
    offsets = [(t.start, t.end) for t in tokens] if tokens is not None else doc_offsets(doc)
    text, size = doc.text, len(doc.text)
    held = _held_spaces(text, offsets, doc.tokens is not None)
    record = _head(doc)
    record["tokens"] = [
        {
            "text": text[start:end],
            "start": start,
            "end": end,
            "id": i,
            "ws": end < size and text[end].isspace() and end not in held,
        }
        for i, (start, end) in enumerate(offsets)
    ]
    record["spans"], record["facts"] = _spans_and_facts(doc, offsets)
    record.update(doc_extras(doc))
    record["answer"] = "accept"
    return record


def _held_spaces(text: str, offsets: Sequence[tuple[int, int]], arrival: bool) -> set[int]:
    """Where a token starts with whitespace (a whitespace token of Prodigy's): the token
    before it has no `ws`, as in spaCy, since the space is that token's. telaah's tokens never
    start with whitespace, so only `arrival` tokens are looked at."""
    return {start for start, _end in offsets if text[start].isspace()} if arrival else set()


def _head(doc: ExportDoc) -> dict[str, Any]:
    return {
        "id": doc.external_id,
        "title": doc.title,
        "source": doc.source,
        "url": doc.url,
        "published": doc.published.isoformat() if doc.published else None,
        "meta": doc.meta,
        "text": doc.text,
    }


def _spans_and_facts(
    doc: ExportDoc,
    offsets: Sequence[tuple[int, int]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    starts = [start for start, _ in offsets]
    ends = [end for _, end in offsets]
    position: dict[int, int] = {}
    spans = []
    for i, span in enumerate(doc.spans):
        position[span.id] = i
        first, last = token_range(starts, ends, span.start, span.end)
        spans.append(
            {
                "id": i,
                "start": span.start,
                "end": span.end,
                "text": span.text,
                "label": span.label,
                "token_start": first,
                "token_end": last,
                "kb_id": span.entity_key,
                "entity_name": span.entity_name,
                "state": span.state,
                "origin": span.origin,
                "matched_alias": span.matched_alias,
                "score": span.score,
                "reviewer": span.reviewer,
                "decided_at": format_time(span.decided_at),
                **span_extras(span),
            }
        )
    return spans, _facts(doc, position)


def _facts(doc: ExportDoc, position: dict[int, int]) -> list[dict[str, Any]]:
    facts = []
    for i, fact in enumerate(doc.facts):
        evidence = None
        if fact.evidence is not None:
            start, end = fact.evidence
            evidence = {"start": start, "end": end, "text": doc.text[start:end]}
        facts.append(
            {
                "id": i,
                "type": fact.type,
                "state": fact.state,
                "roles": {role: [position[m] for m in ids] for role, ids in fact.roles.items()},
                "evidence": evidence,
                "note": fact.note,
                "needs_review": fact.needs_review,
                **fact_extras(fact, doc.facts),
            }
        )
    return facts


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def doc_line(doc: ExportDoc) -> str:
    """One article as one JSONL line (with its newline); no raw line separator inside.

    The same JSON as `json.dumps(doc_record(doc))`, compact, but tokens and spans (most of a
    line) are formatted directly: several times faster than building a dict for each.
    """
    text = doc.text
    after = text + "x"  # the character after each token: after the last, not whitespace
    offsets = doc_offsets(doc)
    held = _held_spaces(text, offsets, doc.tokens is not None)
    tokens = ",".join(
        [
            f'{{"text":{_string(text[start:end])},"start":{start},"end":{end},"id":{i},'
            f'"ws":{"true" if after[end].isspace() and end not in held else "false"}}}'
            for i, (start, end) in enumerate(offsets)
        ]
    )
    starts = [start for start, _ in offsets]
    ends = [end for _, end in offsets]
    spans = []
    for i, s in enumerate(doc.spans):
        first, last = token_range(starts, ends, s.start, s.end)
        score = "null" if s.score is None else repr(float(s.score))
        spans.append(
            f'{{"id":{i},"start":{s.start},"end":{s.end},"text":{_string(s.text)},'
            f'"label":{_string(s.label)},"token_start":{first},"token_end":{last},'
            f'"kb_id":{_opt(s.entity_key)},"entity_name":{_opt(s.entity_name)},'
            f'"state":{_string(s.state)},"origin":{_string(s.origin)},'
            f'"matched_alias":{_opt(s.matched_alias)},"score":{score},'
            f'"reviewer":{_opt(s.reviewer)},"decided_at":{_opt(format_time(s.decided_at))}'
            f"{_span_extras_json(s) if s.attributes or s.notes else ''}}}"
        )
    facts = _facts(doc, {span.id: i for i, span in enumerate(doc.spans)}) if doc.facts else []
    more = "".join(f",{_string(key)}:{_dumps(value)}" for key, value in doc_extras(doc).items())
    line = (
        f'{_dumps(_head(doc))[:-1]},"tokens":[{tokens}],"spans":[{",".join(spans)}],'
        f'"facts":{_dumps(facts)}{more},"answer":"accept"}}'
    )
    for raw, escaped in _SEPARATORS.items():
        if raw in line:
            line = line.replace(raw, escaped)
    return line + "\n"


def _opt(value: str | None) -> str:
    return "null" if value is None else _string(value)


def write_jsonl(docs: Iterable[ExportDoc], path: Path, context: ExportContext) -> None:
    """Write one line per article to `path` (UTF-8, LF), in article order."""
    del context  # nothing is ever skipped: the format carries everything
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for doc in docs:
            handle.write(doc_line(doc))


# Reading


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
    for number, raw, size in limits.lines(handle):  # one line at a time: memory stays bounded
        start, offset = offset, offset + size
        if raw is None:
            yield Problem(path, number, limits.current().line_error(size))
            continue
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield decode_error(path, exc, offset=start, line=number)
            continue
        try:
            record = safejson.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(path, number, f"not JSON: {exc.msg} (column {exc.colno})")
            continue
        except safejson.JsonValueError as exc:
            yield Problem(path, number, str(exc))
            continue
        if not isinstance(record, dict):
            yield Problem(path, number, "not a JSON object")
            continue
        answer = record.get("answer")
        if answer in ("reject", "ignore"):
            yield Note(Problem(path, number, f"answer is {answer!r}: skipped{_held(record)}"))
            continue
        try:
            doc = read_extras(record, doc_from_record(record, f"{path.stem}-{number}"))
            doc, notes = prodigy_answers(record, doc)
        except RecordError as exc:
            yield Problem(path, number, str(exc))
            continue
        tokens = arrival_tokens(record.get("tokens"), doc.text)
        if isinstance(tokens, str):
            notes.append((f"`tokens` not kept ({tokens}): imported without them", "token list"))
        elif tokens is not None:
            doc = replace(doc, tokens=tokens)
        for message, kind in notes:
            yield Note(Problem(path, number, message), kind)
        yield ReadDoc(path, number, doc)


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


def arrival_tokens(raw: Any, text: str) -> ArrivalTokens | str | None:
    """The tokens of a line (`[{text, start, end, ...}]`) as arrival tokens; None if the line
    has none; why they are not kept when they do not fit `text` (a token's `text` is not
    `text[start:end]`, tokens out of order or overlapping, a character in no token)."""
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list):
        return "not a list"
    offsets: list[tuple[int, int]] = []
    add = offsets.append
    previous, size = 0, len(text)
    try:  # one pass in the usual case (a JSONL export is read back to verify it)
        for token in raw:
            start, end = token["start"], token["end"]
            if (
                type(start) is not int
                or type(end) is not int
                or not previous <= start < end <= size
                or (start != previous and text[previous:start].strip())
            ):
                return _misfit(raw, text)
            said = token.get("text")
            if said is not None and said != text[start:end]:
                return _misfit(raw, text)
            add((start, end))
            previous = end
    except (TypeError, KeyError, AttributeError):
        return _misfit(raw, text)
    if text[previous:].strip():
        return _misfit(raw, text)
    return ArrivalTokens("jsonl", tuple(offsets))


def _misfit(raw: list[Any], text: str) -> str:
    """Why the tokens `raw` do not fit `text`: the first token that does not."""
    previous = 0
    for index, token in enumerate(raw):
        if not isinstance(token, dict):
            return f"token {index} is not an object"
        start, end, said = token.get("start"), token.get("end"), token.get("text")
        if type(start) is not int or type(end) is not int or not 0 <= start < end <= len(text):
            return f"token {index} has no `start` and `end` inside the text"
        if said is not None and said != text[start:end]:
            return (
                f"token {index} says {said!r} but the text at {start}-{end} is {text[start:end]!r}"
            )
        if start < previous:
            return f"token {index} at {start}-{end} overlaps or precedes the one before"
        if text[previous:start].strip():
            return f"{text[previous:start].strip()!r} at {previous}-{start} is in no token"
        previous = end
    return f"{text[previous:].strip()!r} after the last token is in no token"


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


# Attributes, notes, equivalences and facts filling roles (brat's `A`, `#`, `*`, `Theme:E1`):
# keys written only when there is something to carry, ignored by Prodigy and spaCy.


def span_extras(span: ExportSpan) -> dict[str, Any]:
    """The `attributes` ([{name, value}], value null: a flag) and `notes` ([{kind, text}]) of
    a span, when it has any."""
    return _extras(span.attributes, span.notes)


def _span_extras_json(span: ExportSpan) -> str:
    """`span_extras` as the JSON members that follow a span's others (`,"attributes":...`)."""
    return "," + _dumps(span_extras(span))[1:-1]


def fact_extras(fact: ExportFact, facts: Sequence[ExportFact]) -> dict[str, Any]:
    """A fact's `attributes`, `notes` (those after `note`) and `fact_roles` (role -> the ids,
    that is the positions, of the facts of the line filling it), when it has any."""
    result = _extras(fact.attributes, fact.notes)
    if fact.fact_roles:
        position = {other.id: i for i, other in enumerate(facts)}
        result["fact_roles"] = {
            role: [position[i] for i in ids] for role, ids in fact.fact_roles.items()
        }
    return result


def doc_extras(doc: ExportDoc) -> dict[str, Any]:
    """The `equivalences` of a line ([{type, spans: span ids}]), when it has any."""
    if not doc.equivalences:
        return {}
    position = {span.id: i for i, span in enumerate(doc.spans)}
    return {
        "equivalences": [
            {"type": type_, "spans": [position[i] for i in members]}
            for type_, members in doc.equivalences
        ]
    }


def _extras(
    attributes: tuple[tuple[str, str | None], ...], notes: tuple[tuple[str, str], ...]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if attributes:
        result["attributes"] = [{"name": name, "value": value} for name, value in attributes]
    if notes:
        result["notes"] = [{"kind": kind, "text": text} for kind, text in notes]
    return result


def read_extras(record: dict[str, Any], doc: ExportDoc) -> ExportDoc:
    """`doc` with the attributes, notes, fact roles and equivalences `record` carries.

    Raises:
        RecordError: one of them is not of the shape `span_extras`, `fact_extras` and
            `doc_extras` write.
    """
    raw_spans, raw_facts = _list(record, "spans"), _list(record, "facts")
    spans = (
        tuple(
            replace(
                span,
                attributes=_read_attributes(raw, f"span {i}"),
                notes=_read_notes(raw, f"span {i}"),
            )
            if isinstance(raw, dict) and ("attributes" in raw or "notes" in raw)
            else span
            for i, (span, raw) in enumerate(zip(doc.spans, raw_spans, strict=False))
        )
        + doc.spans[len(raw_spans) :]
    )
    facts = (
        tuple(
            replace(
                fact,
                attributes=_read_attributes(raw, f"fact {i}"),
                notes=_read_notes(raw, f"fact {i}"),
                fact_roles=_read_fact_roles(raw, i, len(raw_facts)),
            )
            if isinstance(raw, dict)
            and ("attributes" in raw or "notes" in raw or "fact_roles" in raw)
            else fact
            for i, (fact, raw) in enumerate(zip(doc.facts, raw_facts, strict=False))
        )
        + doc.facts[len(raw_facts) :]
    )
    equivalences = []
    known = {span.id for span in doc.spans}
    for i, raw in enumerate(_list(record, "equivalences")):
        members = raw.get("spans") if isinstance(raw, dict) else None
        type_ = raw.get("type") if isinstance(raw, dict) else None
        if (
            not isinstance(type_, str)
            or not type_
            or not isinstance(members, list)
            or not all(isinstance(m, int) and m in known for m in members)
        ):
            raise RecordError(f"equivalence {i}: needs a `type` and `spans` (span ids of the line)")
        equivalences.append((type_, tuple(members)))
    if not equivalences and spans == doc.spans and facts == doc.facts:
        return doc
    return replace(doc, spans=spans, facts=facts, equivalences=tuple(equivalences))


def _read_attributes(raw: dict[str, Any], what: str) -> tuple[tuple[str, str | None], ...]:
    found = []
    for item in raw.get("attributes") or []:
        name = item.get("name") if isinstance(item, dict) else None
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name or not isinstance(value, str | None):
            raise RecordError(f"{what}: an attribute needs a `name` and a string or null `value`")
        found.append((name, value))
    return tuple(found)


def _read_notes(raw: dict[str, Any], what: str) -> tuple[tuple[str, str], ...]:
    found = []
    for item in raw.get("notes") or []:
        kind = item.get("kind") if isinstance(item, dict) else None
        text = item.get("text") if isinstance(item, dict) else None
        if not isinstance(kind, str) or not kind or not isinstance(text, str):
            raise RecordError(f"{what}: a note needs a `kind` and a `text`")
        found.append((kind, text))
    return tuple(found)


def _read_fact_roles(raw: dict[str, Any], index: int, count: int) -> dict[str, list[int]]:
    roles = raw.get("fact_roles") or {}
    if not isinstance(roles, dict) or not all(
        isinstance(ids, list) and all(isinstance(i, int) and 0 <= i < count for i in ids)
        for ids in roles.values()
    ):
        raise RecordError(f"fact {index}: `fact_roles` must map role names to fact ids of the line")
    return {str(role): list(ids) for role, ids in roles.items()}


# Prodigy answers on a line: relations, entity links, choices, text categories

NoteText = tuple[str, str | None]  # a note's message and kind (None: a deliberate skip)

# Options an entity-linking recipe offers for "none of these" (explosion/projects,
# tutorials/nel_emerson/scripts/el_recipe.py): an answer, but no entity to link.
_NIL = "NIL"


def _held(record: dict[str, Any]) -> str:
    """What a skipped (rejected or ignored) line held, for its note."""
    held = [
        f"{key}: {len(value)}"
        for key in ("spans", "relations", "facts", "accept")
        if isinstance(value := record.get(key), list) and value
    ]
    return f" (with {', '.join(held)})" if held else ""


def prodigy_answers(record: dict[str, Any], doc: ExportDoc) -> tuple[ExportDoc, list[NoteText]]:
    """`doc` with the Prodigy relations and entity link of `record`, and a note for each
    annotation of it that is not stored.

    Raises:
        RecordError: `relations`, `options` or `accept` is not a list.
    """
    notes: list[NoteText] = []
    spans = list(doc.spans)
    facts = list(doc.facts)
    annotator = record.get("_annotator_id")
    reviewer = str(annotator) if annotator else None
    for index, raw in enumerate(_list(record, "relations")):
        fact = _relation(raw, index, doc.text, spans, len(facts), notes, reviewer)
        if fact is not None:
            facts.append(fact)
    _link(record, spans, notes)
    label = record.get("label")
    if isinstance(label, str) and label:
        notes.append((f"label {label!r} of the whole text: not stored", "text category"))
    cats = record.get("cats")
    if isinstance(cats, dict) and cats:
        names = ", ".join(sorted(str(name) for name in cats))
        notes.append((f"cats ({names}): not stored", "text category"))
    if spans == list(doc.spans) and facts == list(doc.facts):
        return doc, notes
    return replace(doc, spans=tuple(spans), facts=tuple(facts)), notes


def _relation(
    raw: Any,
    index: int,
    text: str,
    spans: list[ExportSpan],
    fact_id: int,
    notes: list[NoteText],
    reviewer: str | None,
) -> ExportFact | None:
    """The fact of one Prodigy relation (adding a labelled span it names that `spans` lacks);
    None, with a note, when it cannot be stored."""
    if not isinstance(raw, dict):
        notes.append((f"relation {index} is not an object: not stored", "relation"))
        return None
    label = raw.get("label")
    if not isinstance(label, str) or not label:
        notes.append((f"relation {index} has no label: not stored", "relation"))
        return None
    ids: dict[str, int] = {}
    for role in ("head", "child"):
        found = _relation_span(raw.get(f"{role}_span"), text, spans, reviewer)
        if isinstance(found, str):
            message = f"relation {index} ({label}): {role} {found}: not stored"
            notes.append((message, "relation"))
            return None
        ids[role] = found
    return ExportFact(
        id=fact_id,
        type=label,
        state="accepted",
        roles={"head": [ids["head"]], "child": [ids["child"]]},
    )


def _relation_span(raw: Any, text: str, spans: list[ExportSpan], reviewer: str | None) -> int | str:
    """The id of the span a relation's `head_span`/`child_span` names (added to `spans` if
    it has a label and is not there yet), or why there is none."""
    if not isinstance(raw, dict):
        return "span is missing"
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if (
        not isinstance(start, int)
        or not isinstance(end, int)
        or isinstance(start, bool)
        or isinstance(end, bool)
    ):
        return "span has no integer `start` and `end`"
    same = [span for span in spans if (span.start, span.end) == (start, end)]
    if same:
        return next((span for span in same if span.label == label), same[0]).id
    if not isinstance(label, str) or not label:
        return f"span {start}-{end} {text[start:end]!r} has no label and is not among `spans`"
    span_id = max((span.id for span in spans), default=-1) + 1
    spans.append(
        ExportSpan(
            id=span_id,
            start=start,
            end=end,
            text=text[start:end],
            label=label,
            origin="import",
            reviewer=reviewer,
        )
    )
    return span_id


def _link(record: dict[str, Any], spans: list[ExportSpan], notes: list[NoteText]) -> None:
    """The accepted option of an entity-linking answer, as the entity key of its one span."""
    accept = _list(record, "accept")
    if not accept:
        return
    options = _list(record, "options")
    shown = ", ".join(repr(choice) for choice in accept)
    if not options:
        notes.append((f"accept {shown} without options: not stored", "choice"))
        return
    ids = {str(option.get("id")) for option in options if isinstance(option, dict)}
    chosen = [str(choice) for choice in accept]
    if not set(chosen) <= ids:
        notes.append((f"accept {shown} names no option: not stored", "choice"))
        return
    if not spans:
        notes.append((f"choice {shown} on the whole text: not stored", "choice"))
        return
    if len(spans) != 1 or len(chosen) != 1:
        message = f"accept {shown} for {len(spans)} spans: no link stored"
        notes.append((message, "entity link"))
        return
    key, span = chosen[0], spans[0]
    if key.startswith(_NIL):
        notes.append((f"entity link {key!r}: the span is imported without a link", None))
        return
    if span.entity_key not in (None, key):
        message = f"accept {key!r} but the span's kb_id is {span.entity_key!r}: kb_id kept"
        notes.append((message, "entity link"))
        return
    spans[0] = replace(span, entity_key=key)
