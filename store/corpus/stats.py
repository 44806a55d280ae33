"""Corpus statistics: what `telaah stats` and the app's header show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.audit import Action
from store.models import (
    ARTICLE_STATUSES,
    FACT_STATES,
    MENTION_ORIGINS,
    MENTION_STATES,
    Alias,
    Article,
    AuditEntry,
    Entity,
    Fact,
    Mention,
)


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts by status, state and origin; every known key is present, zero or not."""

    articles: dict[str, int]
    entities: int
    redirects: int
    aliases: int
    mentions_by_state: dict[str, int]
    mentions_by_origin: dict[str, int]
    facts: dict[str, int]


def _grouped(session: Session, column: Any, keys: tuple[str, ...]) -> dict[str, int]:
    counts = dict.fromkeys(keys, 0)
    for key, count in session.exec(select(column, func.count()).group_by(column)).all():
        counts[key] = count
    return counts


def corpus_stats(*, session: Session) -> Stats:
    """Count articles, entities, aliases, mentions and facts."""
    entities = session.exec(
        select(func.count()).select_from(Entity).where(col(Entity.merged_into).is_(None))
    ).one()
    redirects = session.exec(
        select(func.count()).select_from(Entity).where(col(Entity.merged_into).is_not(None))
    ).one()
    return Stats(
        articles=_grouped(session, Article.status, ARTICLE_STATUSES),
        entities=int(entities),
        redirects=int(redirects),
        aliases=int(session.exec(select(func.count()).select_from(Alias)).one()),
        mentions_by_state=_grouped(session, Mention.state, MENTION_STATES),
        mentions_by_origin=_grouped(session, Mention.origin, MENTION_ORIGINS),
        facts=_grouped(session, Fact.state, FACT_STATES),
    )


def decisions_since(*, session: Session, reviewer_id: int, since: datetime) -> int:
    """How many decisions on mentions `reviewer_id` has made since `since` (aware datetime)."""
    query = (
        select(func.count())
        .select_from(AuditEntry)
        .where(
            col(AuditEntry.reviewer_id) == reviewer_id,
            col(AuditEntry.action) == Action.DECIDE,
            col(AuditEntry.at) >= since,
        )
    )
    return int(session.exec(query).one())


def start_of_today() -> datetime:
    """Local midnight, as an aware datetime: where "today" begins for the reviewer."""
    now = datetime.now().astimezone()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
