"""The attributes, notes and equivalences of an imported document, stored beside its mentions
and facts (in the document's transaction, by `store.ingest.annotated`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from store.export.model import ExportFact, ExportSpan
from store.models import AnnotationAttribute, AnnotationNote, Equivalence, EquivalenceMember
from store.textnorm import normalise_field

_ATTRIBUTE = AnnotationAttribute.__table__  # type: ignore[attr-defined]
_NOTE = AnnotationNote.__table__  # type: ignore[attr-defined]
_MEMBER = EquivalenceMember.__table__  # type: ignore[attr-defined]


def store_span_extras(session: Session, spans: Iterable[tuple[int, ExportSpan]]) -> None:
    """The attributes and notes of new mentions: (mention id, the span it was read from)."""
    attributes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for mention_id, span in spans:
        attributes += [
            {"mention_id": mention_id, "fact_id": None, "name": name, "value": value}
            for name, value in span.attributes
        ]
        notes += [
            {"mention_id": mention_id, "fact_id": None, "kind": kind, "text": text}
            for kind, text in span.notes
        ]
    _insert(session, attributes, notes)


def store_fact_extras(session: Session, fact_id: int, fact: ExportFact) -> None:
    """The attributes and notes (besides `note`) of a new fact."""
    _insert(
        session,
        [
            {"mention_id": None, "fact_id": fact_id, "name": name, "value": value}
            for name, value in fact.attributes
        ],
        [
            {"mention_id": None, "fact_id": fact_id, "kind": kind, "text": text}
            for kind, text in fact.notes
        ],
    )


def store_equivalences(
    session: Session,
    article_id: int,
    equivalences: Iterable[tuple[str, tuple[int, ...]]],
    mention_ids: dict[int, int],
) -> int:
    """The equivalence sets of a document (type, span ids), as sets of its mentions; a set the
    article holds already (same type, same mentions) is not stored twice. Returns how many
    were stored."""
    wanted = [
        (type_, frozenset(mention_ids[i] for i in members if i in mention_ids))
        for type_, members in equivalences
    ]
    wanted = [(type_, members) for type_, members in wanted if len(members) >= 2]
    if not wanted:
        return 0
    held: dict[int, tuple[str, set[int]]] = {}
    for equivalence_id, type_, mention_id in session.execute(
        select(col(Equivalence.id), col(Equivalence.type), _MEMBER.c.mention_id)
        .join(_MEMBER, _MEMBER.c.equivalence_id == col(Equivalence.id))
        .where(col(Equivalence.article_id) == article_id)
    ).all():
        held.setdefault(equivalence_id, (type_, set()))[1].add(mention_id)
    known = {(type_, frozenset(members)) for type_, members in held.values()}
    stored = 0
    for type_, members in wanted:
        if (type_, members) in known:
            continue
        known.add((type_, members))
        row = Equivalence(article_id=article_id, type=type_)
        session.add(row)
        session.flush()
        session.execute(
            insert(_MEMBER), [{"equivalence_id": row.id, "mention_id": m} for m in sorted(members)]
        )
        stored += 1
    return stored


def _insert(
    session: Session, attributes: list[dict[str, Any]], notes: list[dict[str, Any]]
) -> None:
    if attributes:
        session.execute(insert(_ATTRIBUTE), attributes)
    if notes:
        rows = [note | {"text": normalise_field(note["text"])} for note in notes]
        session.execute(insert(_NOTE), rows)
