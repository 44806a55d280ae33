"""The attributes, notes and equivalences of mentions and facts (brat `A`/`M`, `#`, `*`), read
for the review and facts screens.

They arrive with imported files (`store.ingest.annotated`) and go out with exports
(`store.export.selection`); deleting a mention or a fact deletes its own (foreign keys).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import (
    AnnotationAttribute,
    AnnotationNote,
    Equivalence,
    EquivalenceMember,
    Mention,
)


@dataclass(frozen=True, slots=True)
class Extras:
    """What a mention or a fact carries besides its state and roles.

    Attributes:
        attributes: (name, value) in stored order; value None: a flag (`Negated`).
        notes: (kind, text) in stored order (`AnnotatorNotes`).
        equivalent: (type, the other mentions' texts) of each equivalence set of a mention.
    """

    attributes: tuple[tuple[str, str | None], ...] = ()
    notes: tuple[tuple[str, str], ...] = ()
    equivalent: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.attributes or self.notes or self.equivalent)


def mention_extras(*, session: Session, mention_ids: Iterable[int]) -> dict[int, Extras]:
    """Mention id -> its extras, for the mentions that have any (three queries)."""
    ids = list(dict.fromkeys(mention_ids))
    if not ids:
        return {}
    attributes, notes = _attributes_and_notes(session, True, ids)
    equivalent: dict[int, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    member = EquivalenceMember.__table__.alias()  # type: ignore[attr-defined]
    other = EquivalenceMember.__table__.alias()  # type: ignore[attr-defined]
    rows = session.execute(
        select(member.c.mention_id, col(Equivalence.id), col(Equivalence.type), col(Mention.text))
        .join(Equivalence, col(Equivalence.id) == member.c.equivalence_id)
        .join(other, other.c.equivalence_id == member.c.equivalence_id)
        .join(Mention, col(Mention.id) == other.c.mention_id)
        .where(member.c.mention_id.in_(ids), other.c.mention_id != member.c.mention_id)
        .order_by(member.c.mention_id, col(Equivalence.id), col(Mention.start))
    ).all()
    sets: dict[tuple[int, int], tuple[str, list[str]]] = {}
    for mention_id, equivalence_id, type_, text in rows:
        sets.setdefault((mention_id, equivalence_id), (type_, []))[1].append(text)
    for (mention_id, _eq), (type_, texts) in sets.items():
        equivalent[mention_id].append((type_, tuple(texts)))
    return {
        i: Extras(tuple(attributes[i]), tuple(notes[i]), tuple(equivalent[i]))
        for i in ids
        if attributes[i] or notes[i] or equivalent[i]
    }


def fact_extras(*, session: Session, fact_ids: Iterable[int]) -> dict[int, Extras]:
    """Fact id -> its attributes and notes (besides `Fact.note`), for the facts that have any."""
    ids = list(dict.fromkeys(fact_ids))
    if not ids:
        return {}
    attributes, notes = _attributes_and_notes(session, False, ids)
    return {
        i: Extras(tuple(attributes[i]), tuple(notes[i])) for i in ids if attributes[i] or notes[i]
    }


def _attributes_and_notes(
    session: Session, by_mention: bool, ids: list[int]
) -> tuple[defaultdict[int, list[tuple[str, str | None]]], defaultdict[int, list[tuple[str, str]]]]:
    a_target = col(AnnotationAttribute.mention_id if by_mention else AnnotationAttribute.fact_id)
    n_target = col(AnnotationNote.mention_id if by_mention else AnnotationNote.fact_id)
    attributes: defaultdict[int, list[tuple[str, str | None]]] = defaultdict(list)
    notes: defaultdict[int, list[tuple[str, str]]] = defaultdict(list)
    for owner, name, value in session.execute(
        select(a_target, col(AnnotationAttribute.name), col(AnnotationAttribute.value))
        .where(a_target.in_(ids))
        .order_by(col(AnnotationAttribute.id))
    ).all():
        attributes[owner].append((name, value))
    for owner, kind, text in session.execute(
        select(n_target, col(AnnotationNote.kind), col(AnnotationNote.text))
        .where(n_target.in_(ids))
        .order_by(col(AnnotationNote.id))
    ).all():
        notes[owner].append((kind, text))
    return attributes, notes
