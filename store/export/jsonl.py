"""telaah's own JSONL export: lossless, one article a line, in the Prodigy/spaCy conventions.

A line: `id` (the article's external id), `title`, `source`, `url`, `published`, `meta`,
`text`, `tokens` ({text, start, end, id, ws}), `spans` ({id, start, end, text, label,
token_start, token_end (inclusive), kb_id, entity_name, state, origin, matched_alias, score,
reviewer, decided_at}), `facts` ({id, type, state, roles: role -> span ids, evidence: {start,
end, text} or null, note, needs_review}) and `answer` ("accept"). Span and fact ids are their
positions in the line, so an export does not depend on database ids. Offsets are code points.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from json.encoder import encode_basestring as _string  # C-accelerated, as json.dumps
from pathlib import Path
from typing import Any

from store.export.model import ExportDoc, Token, token_offsets
from store.export.writer import ExportContext

# Line separators a `str.splitlines` reader would split on; JSON lets them be escaped.
_SEPARATORS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def token_range(
    starts: Sequence[int], ends: Sequence[int], start: int, end: int
) -> tuple[int, int]:
    """The first and last (inclusive) token a span [start, end) touches.

    `starts` and `ends` are the tokens' offsets in order. A span aligned with tokens gets exactly
    its tokens; one that is not gets the tokens covering it.
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
    offsets = [(t.start, t.end) for t in tokens] if tokens is not None else token_offsets(doc.text)
    text, size = doc.text, len(doc.text)
    record = _head(doc)
    record["tokens"] = [
        {
            "text": text[start:end],
            "start": start,
            "end": end,
            "id": i,
            "ws": end < size and text[end].isspace(),
        }
        for i, (start, end) in enumerate(offsets)
    ]
    record["spans"], record["facts"] = _spans_and_facts(doc, offsets)
    record["answer"] = "accept"
    return record


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
    text, size = doc.text, len(doc.text)
    offsets = token_offsets(text)
    tokens = ",".join(
        [
            f'{{"text":{_string(text[start:end])},"start":{start},"end":{end},"id":{i},'
            f'"ws":{"true" if end < size and text[end].isspace() else "false"}}}'
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
            f'"reviewer":{_opt(s.reviewer)},"decided_at":{_opt(format_time(s.decided_at))}}}'
        )
    facts = _facts(doc, {span.id: i for i, span in enumerate(doc.spans)}) if doc.facts else []
    line = (
        f'{_dumps(_head(doc))[:-1]},"tokens":[{tokens}],"spans":[{",".join(spans)}],'
        f'"facts":{_dumps(facts)},"answer":"accept"}}'
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
