"""Repository functions for mentions: the article's spans, and each reviewer decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from store import audit
from store.audit import Action
from store.errors import NotFound, TelaahError
from store.facts.repository import mark_for_review
from store.layers import layer_of, mentions_seen, own_mention
from store.models import Article, AuditEntry, Entity, Mention, utcnow
from store.textnorm import norm_key
from store.versioning import claim_mention, raise_version


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
    # The row's version when read: a change states it (`expected_version`). Not part of the
    # view's equality: two views showing the same mention the same way are equal.
    version: int = field(default=1, compare=False)
    reason: str | None = None  # why the matcher doubts it (`new name`, `lower case`...)
    # In blind mode, a reviewer's copy names the shared candidate it was made from: a screen
    # that showed the candidate shows the copy in its place (`store.layers`).
    derived_from: int | None = field(default=None, compare=False)

    def hidden_under(self, min_score: float) -> bool:
        """Whether a threshold of `min_score` hides it: only pending candidates with a score
        under it (decided and manual mentions are always shown); in SQL: `models.shown_at`."""
        return self.state == "pending" and self.score is not None and self.score < min_score


def list_mentions(
    *,
    session: Session,
    article_id: int,
    min_score: float | None = None,
    reviewer_id: int | None = None,
) -> list[MentionView]:
    """The article's mentions in text order (by start, then longer first); with `min_score`,
    without the pending candidates scored under it (`MentionView.hidden_under`).

    What `reviewer_id` sees (`store.layers`): in blind mode the shared candidates they have
    not decided and their own layer; otherwise (and without a reviewer) the shared layer."""
    seen = mentions_seen(layer_of(session, article_id, reviewer_id))
    # Columns, not ORM objects: an article can have hundreds of mentions and the review screen
    # reads them all before its first paint.
    rows = session.execute(
        select(
            col(Mention.id),
            col(Mention.article_id),
            col(Mention.start),
            col(Mention.end),
            col(Mention.text),
            col(Mention.label),
            col(Mention.state),
            col(Mention.origin),
            col(Entity.key),
            col(Entity.name),
            col(Mention.matched_alias),
            col(Mention.score),
            col(Mention.method),
            col(Mention.alternatives),
            col(Mention.version),
            col(Mention.reason),
            col(Mention.derived_from),
        )
        .join(Entity, col(Entity.id) == col(Mention.entity_id), isouter=True)
        .where(col(Mention.article_id) == article_id, seen)
        .order_by(col(Mention.start), col(Mention.end).desc(), col(Mention.id))
    ).all()
    views = [
        MentionView(
            m_id,
            a_id,
            start,
            end,
            text,
            label,
            state,
            origin,
            key,
            name,
            alias,
            score,
            method,
            tuple(alternatives or ()),
            version,
            reason,
            derived_from,
        )
        for (
            m_id,
            a_id,
            start,
            end,
            text,
            label,
            state,
            origin,
            key,
            name,
            alias,
            score,
            method,
            alternatives,
            version,
            reason,
            derived_from,
        ) in rows
    ]
    if min_score is None:
        return views
    return [view for view in views if not view.hidden_under(min_score)]


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


def decide_mention(
    *,
    session: Session,
    mention_id: int,
    state: str,
    reviewer_id: int | None,
    label: str | None = None,
    expected_version: int | None = None,
) -> MentionView:
    """Accept or reject a mention (optionally relabelling it): one committed, audited decision.

    The article becomes in_progress at its first decision. The mention is read under the
    write lock, so the audit entry's `before` is the state really replaced. In blind mode the
    decision goes to the reviewer's copy of a shared candidate (`store.layers.own_mention`):
    the view returned is the copy's.

    Raises:
        StaleDecision: `expected_version` (the version the reviewer saw) is not the mention's.
    """
    if state not in ("accepted", "rejected", "pending"):
        raise TelaahError(f"unknown decision {state!r}")
    mention = own_mention(
        session,
        claim_mention(session, mention_id, expected_version),
        reviewer_id,
        expected_version,
    )
    apply_decision(session, mention, state=state, label=label, reviewer_id=reviewer_id)
    session.commit()
    assert mention.id is not None
    return get_mention(session=session, mention_id=mention.id)


def apply_decision(
    session: Session,
    mention: Mention,
    *,
    state: str,
    reviewer_id: int | None,
    label: str | None = None,
    entity_id: int | None = None,
) -> None:
    """Decide a mention claimed under the write lock (not committed): its state, and its label
    and entity when given; audited as one decision whose `before` is the row as it was."""
    assert mention.id is not None
    before = _state(mention)
    raise_version(session, mention)
    if state == "rejected" and before["state"] != "rejected":
        mark_for_review(session, [mention.id], f"{mention.text!r} was rejected")
    mention.state = state
    if label is not None:
        mention.label = label
    if entity_id is not None:
        mention.entity_id = entity_id
    mention.reviewer_id = reviewer_id
    mention.decided_at = utcnow() if state != "pending" else None
    session.add(mention)
    if state != "pending":
        _start_article(session, mention.article_id)
    audit.record(
        session,
        action=Action.DECIDE,
        reviewer_id=reviewer_id,
        target="mention",
        target_id=mention.id,
        before=before,
        after=_state(mention),
    )


def decide_similar(
    *,
    session: Session,
    mention_id: int,
    state: str,
    reviewer_id: int | None,
    label: str | None = None,
    expected_version: int | None = None,
) -> list[int]:
    """Apply one decision to every pending mention of the article like this one.

    "Like" is the same normalised surface (case, diacritics and punctuation ignored) and the
    same entity. The focused mention is decided too, pending or not. One committed transaction
    and one audit entry, so a single undo takes it all back. Returns the ids decided.

    The others are read under the write lock: only those still pending then are decided.

    Raises:
        StaleDecision: the focused mention is not at `expected_version` any more.
    """
    if state not in ("accepted", "rejected"):
        raise TelaahError(f"unknown decision {state!r}")
    claimed = claim_mention(session, mention_id, expected_version)
    focused = own_mention(session, claimed, reviewer_id, expected_version)
    key = norm_key(focused.text)
    similar = [
        m
        for m in session.exec(
            sm_select(Mention).where(
                col(Mention.article_id) == focused.article_id,
                col(Mention.state) == "pending",
                col(Mention.entity_id) == focused.entity_id
                if focused.entity_id is not None
                else col(Mention.entity_id).is_(None),
                mentions_seen(layer_of(session, focused.article_id, reviewer_id)),
            )
        ).all()
        if m.id not in (focused.id, claimed.id) and norm_key(m.text) == key
    ]
    return decide_many(
        session,
        [focused, *(own_mention(session, m, reviewer_id) for m in similar)],
        state=state,
        reviewer_id=reviewer_id,
        label=label,
    )


def decide_many(
    session: Session,
    mentions: list[Mention],
    *,
    state: str,
    reviewer_id: int | None,
    label: str | None = None,
    entity_id: int | None = None,
) -> list[int]:
    """Decide `mentions` (relabelled, relinked if asked) in one committed transaction with one
    audit entry (`mention.decide_many`, undone as one step); the first is the focused one.

    Their articles become in_progress; facts whose roles they fill are marked for review when
    they are rejected or relinked. Returns the ids decided.

    The caller read `mentions` after taking the write lock (`store.versioning.begin_write`), so
    the `before` of each item is the state really replaced; each one's version is raised.
    """
    if state == "rejected":
        mark_for_review(
            session, [m.id or 0 for m in mentions], f"{mentions[0].text!r} was rejected"
        )
    if entity_id is not None:
        mark_for_review(
            session,
            [m.id or 0 for m in mentions if m.entity_id not in (None, entity_id)],
            "a role's mention was relinked",
        )
    items_before, items_after = [], []
    now = utcnow()
    for mention in mentions:
        items_before.append({"id": mention.id, **_state(mention)})
        raise_version(session, mention)
        mention.state = state
        if label is not None:
            mention.label = label
        if entity_id is not None:
            mention.entity_id = entity_id
        mention.reviewer_id = reviewer_id
        mention.decided_at = now
        session.add(mention)
        items_after.append({"id": mention.id, **_state(mention)})
    for article_id in dict.fromkeys(m.article_id for m in mentions):
        _start_article(session, article_id)
    audit.record(
        session,
        action=Action.DECIDE_MANY,
        reviewer_id=reviewer_id,
        target="article",
        target_id=mentions[0].article_id,
        before={"items": items_before},
        after={"items": items_after},
    )
    session.commit()
    return [int(item["id"]) for item in items_after]


def _start_article(session: Session, article_id: int) -> None:
    article = session.get(Article, article_id)
    if article is not None and article.status == "todo":
        article.status = "in_progress"
        article.updated_at = utcnow()
        session.add(article)


POSITION_ACTIONS = (
    Action.DECIDE,
    Action.DECIDE_MANY,
    Action.CREATE,
    Action.SPAN,
    Action.UNDO,
    Action.REDO,
)


def last_position(*, session: Session, reviewer_id: int) -> tuple[int, int] | None:
    """(article id, mention id) of where the reviewer stopped.

    That is the mention of their latest change: a decision (single or bulk), a manual mention
    created, boundaries moved, an undo or a redo. When that mention no longer exists (its
    creation was undone), the article's first mention is the place, if it has one.
    """
    entry = session.exec(
        sm_select(AuditEntry)
        .where(
            col(AuditEntry.reviewer_id) == reviewer_id,
            col(AuditEntry.action).in_(POSITION_ACTIONS),
            col(AuditEntry.target).in_(("mention", "article")),
        )  # not gazetteer or fact undos
        .order_by(col(AuditEntry.id).desc())
    ).first()
    if entry is None:
        return None
    # A bulk entry names the article; its first item is the mention that was focused.
    mention_id = (
        entry.after["items"][0]["id"] if entry.action == Action.DECIDE_MANY else entry.target_id
    )
    mention = session.get(Mention, mention_id) if mention_id is not None else None
    if mention is not None and mention.id:
        return mention.article_id, mention.id
    article_id = next(
        (
            side["article_id"]
            for side in (entry.before, entry.after)
            if isinstance(side, dict) and "article_id" in side
        ),
        None,
    )
    if article_id is None:
        return None
    first = session.exec(
        sm_select(Mention)
        .where(col(Mention.article_id) == article_id)
        .order_by(col(Mention.start), col(Mention.id))
    ).first()
    return (article_id, first.id) if first is not None and first.id else None


def _state(m: Mention) -> dict[str, Any]:
    return {
        "state": m.state,
        "label": m.label,
        "entity_id": m.entity_id,
        "reviewer_id": m.reviewer_id,
        "decided_at": m.decided_at.isoformat() if m.decided_at else None,
        "version": m.version,
    }


def _view(m: Mention, key: str | None, name: str | None) -> MentionView:
    assert m.id is not None
    return MentionView(
        m.id,
        m.article_id,
        m.start,
        m.end,
        m.text,
        m.label,
        m.state,
        m.origin,
        key,
        name,
        m.matched_alias,
        m.score,
        m.method,
        tuple(m.alternatives or ()),
        m.version,
        m.reason,
        m.derived_from,
    )
