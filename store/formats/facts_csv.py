"""The facts as CSV: one row per fact, each role as entity keys, surfaces and offsets.

Columns: article, fact (its position in the article), type, state, needs_review, note,
evidence_start, evidence_end, evidence_text, then for every role of the schema (in schema order,
a role name shared by several fact types once): ROLE_key, ROLE_text, ROLE_start, ROLE_end.
Several fillers of one role are joined with " | " in text order. UTF-8, LF line ends, a header.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from store.export.model import ExportContext, ExportDoc, ExportSpan
from store.schema import Schema

JOIN = " | "
FIXED = (
    "article",
    "fact",
    "type",
    "state",
    "needs_review",
    "note",
    "evidence_start",
    "evidence_end",
    "evidence_text",
)
PARTS = ("key", "text", "start", "end")


def role_names(schema: Schema) -> list[str]:
    """Every role name of the schema, once, in schema order."""
    return list(dict.fromkeys(role.name for t in schema.fact_types for role in t.roles))


def header(schema: Schema) -> list[str]:
    """The CSV header for `schema`."""
    return [*FIXED, *(f"{role}_{part}" for role in role_names(schema) for part in PARTS)]


def fact_rows(doc: ExportDoc, roles: list[str], context: ExportContext) -> list[list[str]]:
    """The rows of one article's facts (a fact with a role the schema lacks is reported)."""
    spans = {span.id: span for span in doc.spans}
    rows = []
    for index, fact in enumerate(doc.facts):
        unknown = [role for role in fact.roles if role not in roles]
        if unknown:
            context.skip_fact(doc, fact, f"role {unknown[0]} is not in the schema")
            continue
        start, end = fact.evidence or (None, None)
        row = [
            doc.external_id,
            str(index),
            fact.type,
            fact.state,
            "true" if fact.needs_review else "false",
            fact.note or "",
            _str(start),
            _str(end),
            doc.text[start:end] if fact.evidence else "",
        ]
        for role in roles:
            fillers: list[ExportSpan] = [spans[m] for m in fact.roles.get(role, [])]
            row += [
                JOIN.join(s.entity_key or "" for s in fillers),
                JOIN.join(s.text for s in fillers),
                JOIN.join(str(s.start) for s in fillers),
                JOIN.join(str(s.end) for s in fillers),
            ]
        rows.append(row)
    return rows


def _str(value: int | None) -> str:
    return "" if value is None else str(value)


def write_facts_csv(docs: Iterable[ExportDoc], path: Path, context: ExportContext) -> None:
    """Write the header and one row per fact of the documents to `path`."""
    roles = role_names(context.schema)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header(context.schema))
        for doc in docs:
            writer.writerows(fact_rows(doc, roles, context))
