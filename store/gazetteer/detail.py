"""What the gazetteer screen shows of one entity: its aliases with their record, mention counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from store.gazetteer.entities import AliasView, EntityView, get_entity
from store.models import Entity, Mention


@dataclass(frozen=True, slots=True)
class AliasRecord:
    """An alias and how its matches were decided."""

    alias: AliasView
    accepted: int
    rejected: int
    pending: int

    @property
    def precision(self) -> str:
        """Accepted of decided (`0.90`), or `—` when none was decided."""
        decided = self.accepted + self.rejected
        return f"{self.accepted / decided:.2f}" if decided else "—"


@dataclass(frozen=True, slots=True)
class EntityDetail:
    """An entity, its aliases' records and its mentions by state."""

    entity: EntityView
    aliases: tuple[AliasRecord, ...]
    mentions: dict[str, int]
    articles: int
    redirects: tuple[str, ...]  # keys merged into this entity


def entity_detail(*, session: Session, key: str) -> EntityDetail:
    """The entity `key` with the decisions on each of its aliases and its mention counts."""
    entity = get_entity(session=session, key=key)
    by_alias: dict[str, dict[str, int]] = defaultdict(dict)
    mentions: dict[str, int] = {}
    for alias, state, count in session.execute(
        select(col(Mention.matched_alias), col(Mention.state), func.count())
        .where(col(Mention.entity_id) == entity.id)
        .group_by(col(Mention.matched_alias), col(Mention.state))
    ).all():
        mentions[state] = mentions.get(state, 0) + count
        if alias is not None:
            by_alias[alias][state] = count
    articles = session.execute(
        select(func.count(func.distinct(col(Mention.article_id)))).where(
            col(Mention.entity_id) == entity.id
        )
    ).scalar_one()
    redirects = tuple(
        session.execute(
            select(col(Entity.key))
            .where(col(Entity.merged_into) == entity.id)
            .order_by(col(Entity.key))
        ).scalars()
    )
    records = tuple(
        AliasRecord(
            a,
            by_alias[a.text].get("accepted", 0),
            by_alias[a.text].get("rejected", 0),
            by_alias[a.text].get("pending", 0),
        )
        for a in entity.aliases
    )
    return EntityDetail(entity, records, mentions, int(articles), redirects)


@dataclass(frozen=True, slots=True)
class EntityListRow:
    """An entity as the gazetteer list shows it."""

    key: str
    name: str
    type: str
    mentions: int
    accepted: int


SORTS = ("name", "mentions", "key")


def entity_rows(
    *, session: Session, type: str | None = None, sort: str = "name", keys: list[str] | None = None
) -> list[EntityListRow]:
    """Every entity that is not a redirect (or those in `keys`, in that order), with counts.

    Sorted by name, by mention count (most first) or by key.
    """
    counts = (
        select(
            col(Mention.entity_id).label("entity_id"),
            func.count().label("n"),
            func.sum(case((col(Mention.state) == "accepted", 1), else_=0)).label("accepted"),
        )
        .group_by(col(Mention.entity_id))
        .subquery()
    )
    query = select(
        col(Entity.key),
        col(Entity.name),
        col(Entity.type),
        func.coalesce(counts.c.n, 0),
        func.coalesce(counts.c.accepted, 0),
    ).join(counts, counts.c.entity_id == col(Entity.id), isouter=True)
    if keys is not None:
        query = query.where(col(Entity.key).in_(keys))
    else:
        query = query.where(col(Entity.merged_into).is_(None))
    if type is not None:
        query = query.where(col(Entity.type) == type)
    rows = [EntityListRow(*row) for row in session.execute(query).all()]
    if keys is not None:
        order = {key: i for i, key in enumerate(keys)}
        return sorted(rows, key=lambda r: order[r.key])
    if sort == "mentions":
        return sorted(rows, key=lambda r: (-r.mentions, r.name.casefold(), r.key))
    if sort == "key":
        return sorted(rows, key=lambda r: r.key)
    return sorted(rows, key=lambda r: (r.name.casefold(), r.key))


def accepted_other_label(*, session: Session, key: str, label: str) -> list[int]:
    """The ids of the entity's accepted mentions whose label is not `label` (after a retype)."""
    entity = get_entity(session=session, key=key)
    return [
        int(i)
        for i in session.execute(
            select(col(Mention.id))
            .where(
                col(Mention.entity_id) == entity.id,
                col(Mention.state) == "accepted",
                col(Mention.label) != label,
            )
            .order_by(col(Mention.id))
        ).scalars()
    ]
