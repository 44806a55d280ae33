"""What the gazetteer screen shows of one entity: its aliases with their record, mention counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from store.gazetteer import AliasView, EntityView, get_entity
from store.models import Entity, Mention


@dataclass(frozen=True, slots=True)
class AliasRecord:
    """An alias and how its matches were decided."""

    alias: AliasView
    accepted: int
    rejected: int
    pending: int


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
            .group_by(col(Mention.matched_alias), col(Mention.state))).all():
        mentions[state] = mentions.get(state, 0) + count
        if alias is not None:
            by_alias[alias][state] = count
    articles = session.execute(select(func.count(func.distinct(col(Mention.article_id))))
                               .where(col(Mention.entity_id) == entity.id)).scalar_one()
    redirects = tuple(session.execute(select(col(Entity.key)).where(
        col(Entity.merged_into) == entity.id).order_by(col(Entity.key))).scalars())
    records = tuple(AliasRecord(a, by_alias[a.text].get("accepted", 0),
                                by_alias[a.text].get("rejected", 0),
                                by_alias[a.text].get("pending", 0)) for a in entity.aliases)
    return EntityDetail(entity, records, mentions, int(articles), redirects)
