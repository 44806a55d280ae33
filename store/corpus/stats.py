"""Corpus statistics: what `telaah stats` and the app's header show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.audit import Action
from store.layers import facts_seen, layer_of, mentions_seen
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
    MentionTally,
    Reviewer,
    shown_at,
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
    # Reviewers' own layers (blind review): name -> mentions by state (the counts above are
    # the shared layer's: candidates, single reviewers' work, the adjudicated gold).
    layers: dict[str, dict[str, int]]


def _grouped(session: Session, column: Any, keys: tuple[str, ...], *where: Any) -> dict[str, int]:
    counts = dict.fromkeys(keys, 0)
    query = select(column, func.count()).where(*where).group_by(column)
    for key, count in session.exec(query).all():
        counts[key] = count
    return counts


def _tallied(session: Session, column: Any, keys: tuple[str, ...]) -> dict[str, int]:
    """The mentions' counts by `column` of `mention_tally` (kept by triggers, migration
    0009): a few rows read, whatever the number of mentions."""
    counts = dict.fromkeys(keys, 0)
    query = select(column, func.sum(col(MentionTally.n))).group_by(column)
    for key, count in session.exec(query).all():
        counts[key] = int(count or 0)
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
        mentions_by_state=_tallied(session, MentionTally.state, MENTION_STATES),
        mentions_by_origin=_tallied(session, MentionTally.origin, MENTION_ORIGINS),
        facts=_grouped(session, Fact.state, FACT_STATES, col(Fact.layer).is_(None)),
        layers=_layers(session),
    )


def _layers(session: Session) -> dict[str, dict[str, int]]:
    """Each reviewer's own layer: their mentions by state (read from `ix_mention_layer`).

    Counted by layer id first, then named: joined to the reviewers, SQLite (no statistics)
    scanned every mention of the shared layer (10 s at 10M mentions).
    """
    layers: dict[str, dict[str, int]] = {}
    counted = (
        select(
            col(Mention.layer).label("layer"),
            col(Mention.state).label("state"),
            func.count().label("n"),
        )
        .where(col(Mention.layer).is_not(None))
        .group_by(col(Mention.layer), col(Mention.state))
        .subquery()
    )
    query = (
        select(Reviewer.name, counted.c.state, counted.c.n)
        .join(counted, counted.c.layer == col(Reviewer.id))
        .order_by(Reviewer.name)
    )
    for name, state, count in session.exec(query).all():
        layers.setdefault(name, dict.fromkeys(MENTION_STATES, 0))[state] = int(count)
    return layers


# Every action that decides a mention or a fact, and how many decisions one entry holds: a
# bulk entry (`*`, `A`/`X` in the concordance, a fact accepted with its mentions) counts its rows.
# (A fact created is not counted: an annotation import creates thousands in the importer's name.)
SINGLE_DECISIONS = (Action.DECIDE, Action.CREATE, Action.FACT_DECIDE)
BULK_DECISIONS = (Action.DECIDE_MANY, Action.FACT_ACCEPT)


def decisions_since(*, session: Session, reviewer_id: int, since: datetime) -> int:
    """How many decisions `reviewer_id` has made since `since` (aware datetime).

    Every decision counts: a mention accepted, rejected, relabelled or linked, a mention marked
    by hand, a fact accepted or rejected, and each row of a bulk decision. Undos and redos do
    not.
    """
    mine = (col(AuditEntry.reviewer_id) == reviewer_id, col(AuditEntry.at) >= since)
    single = session.exec(
        select(func.count())
        .select_from(AuditEntry)
        .where(*mine, col(AuditEntry.action).in_(SINGLE_DECISIONS))
    ).one()
    bulk = session.exec(
        select(AuditEntry.after).where(*mine, col(AuditEntry.action).in_(BULK_DECISIONS))
    ).all()
    return int(single) + sum(_rows(after) for after in bulk)


def _rows(after: object) -> int:
    """The decisions one bulk entry holds: its mentions, and its fact if it has one."""
    if not isinstance(after, dict):
        return 1
    items = after.get("items", [])
    return (len(items) if isinstance(items, list) else 0) + (1 if "fact" in after else 0)


@dataclass(frozen=True, slots=True)
class Pending:
    """What an article still has to decide."""

    mentions: int
    facts: int

    def __bool__(self) -> bool:
        return bool(self.mentions or self.facts)

    @property
    def summary(self) -> str:
        """`28 pending mentions and 2 pending facts` (only the kinds there are)."""
        parts = [
            f"{count} pending {noun if count == 1 else noun + 's'}"
            for count, noun in ((self.mentions, "mention"), (self.facts, "fact"))
            if count
        ]
        return " and ".join(parts) or "nothing pending"


def pending_in_article(
    *,
    session: Session,
    article_id: int,
    min_score: float | None = None,
    reviewer_id: int | None = None,
) -> Pending:
    """How many mentions and facts of the article are still pending; with `min_score`, not
    counting the candidates scored under it (hidden from the reviewer). Of what `reviewer_id`
    sees (`store.layers`: their layer in blind mode, else the shared one)."""
    layer = layer_of(session, article_id, reviewer_id)
    query = (
        select(func.count())
        .select_from(Mention)
        .where(Mention.article_id == article_id, Mention.state == "pending", mentions_seen(layer))
    )
    if min_score is not None:
        query = query.where(shown_at(min_score))
    mentions = session.exec(query).one()
    facts = session.exec(
        select(func.count())
        .select_from(Fact)
        .where(Fact.article_id == article_id, Fact.state == "pending", facts_seen(layer))
    ).one()
    return Pending(int(mentions), int(facts))


def start_of_today() -> datetime:
    """Local midnight, as an aware datetime: where "today" begins for the reviewer."""
    now = datetime.now().astimezone()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
