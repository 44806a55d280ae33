"""Repository functions for mentions: the article's spans, and each reviewer decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from store import audit
from store.errors import NotFound, TelaahError
from store.models import Article, Entity, Mention, utcnow


@dataclass(frozen=True, slots=True)
class MentionView:
    """A mention, detached, with what the review panel shows of it."""

    id: int
    article_id: int
    start: int
    end: int
    text: str
    label: str
    state: str
    origin: str
    entity_key: str | None
    entity_name: str | None
    matched_alias: str | None
    score: float | None
    method: str | None
    alternatives: tuple[str, ...]


def list_mentions(*, session: Session, article_id: int) -> list[MentionView]:
    """The article's mentions in text order (by start, then longer first)."""
    rows = session.execute(
        select(Mention, col(Entity.key), col(Entity.name))
        .join(Entity, col(Entity.id) == col(Mention.entity_id), isouter=True)
        .where(col(Mention.article_id) == article_id)
        .order_by(col(Mention.start), col(Mention.end).desc(), col(Mention.id))
    ).all()
    return [_view(m, key, name) for m, key, name in rows]


def get_mention(*, session: Session, mention_id: int) -> MentionView:
    """One mention by id."""
    row = session.execute(
        select(Mention, col(Entity.key), col(Entity.name))
        .join(Entity, col(Entity.id) == col(Mention.entity_id), isouter=True)
        .where(col(Mention.id) == mention_id)
    ).first()
    if row is None:
        raise NotFound(f"no mention {mention_id}")
    return _view(*row)


def decide_mention(*, session: Session, mention_id: int, state: str, reviewer_id: int | None,
                   label: str | None = None) -> MentionView:
    """Accept or reject a mention (optionally relabelling it): one committed, audited decision.

    The article becomes in_progress at its first decision.
    """
    if state not in ("accepted", "rejected", "pending"):
        raise TelaahError(f"unknown decision {state!r}")
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise NotFound(f"no mention {mention_id}")
    before = _state(mention)
    mention.state = state
    if label is not None:
        mention.label = label
    mention.reviewer_id = reviewer_id
    mention.decided_at = utcnow() if state != "pending" else None
    session.add(mention)
    article = session.get(Article, mention.article_id)
    if article is not None and article.status == "todo" and state != "pending":
        article.status = "in_progress"
        article.updated_at = utcnow()
        session.add(article)
    audit.record(session, action="mention.decide", reviewer_id=reviewer_id, target="mention",
                 target_id=mention_id, before=before, after=_state(mention))
    session.commit()
    return get_mention(session=session, mention_id=mention_id)


def _state(m: Mention) -> dict[str, Any]:
    return {"state": m.state, "label": m.label, "entity_id": m.entity_id,
            "reviewer_id": m.reviewer_id,
            "decided_at": m.decided_at.isoformat() if m.decided_at else None}


def _view(m: Mention, key: str | None, name: str | None) -> MentionView:
    assert m.id is not None
    return MentionView(m.id, m.article_id, m.start, m.end, m.text, m.label, m.state, m.origin,
                       key, name, m.matched_alias, m.score, m.method,
                       tuple(m.alternatives or ()))
