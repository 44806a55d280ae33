"""doccano JSONL export: `text`, `entities` and `relations`, offsets in UTF-16 code units.

doccano's browser front end counts offsets in UTF-16 code units, so an astral character (an
emoji) before a span moves it by one; `offsets="codepoint"` writes code points instead.
A relation is a fact with exactly two role fillers (from: the first role, to: the second);
other facts cannot be written and are reported. The line's `id` is the article's external id;
entity and relation ids are their positions in the line, so an export does not depend on
database ids; title, source, url and date go in `meta`, which doccano keeps.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from store.errors import TelaahError
from store.export.model import ExportDoc, ExportFact
from store.export.writer import ExportContext

OFFSET_UNITS = ("utf16", "codepoint")
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
