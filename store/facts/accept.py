"""Accepting a fact with the mentions that fill its roles: consistent gold in one step.

An accepted fact whose role is filled by a pending mention would be dropped by every export
("role filled by a span that is not exported"). So accepting a fact accepts its pending fillers
in the same transaction, with one audit entry (`Action.FACT_ACCEPT`: the fact and every mention,
before and after) that one undo takes back; a fact with a rejected filler is refused, naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from store import audit
from store.audit import Action
from store.errors import Conflict
from store.facts.repository import FactView, decide_fact, fact_state, get_fact
from store.layers import own_fact, own_mention
from store.models import FactArgument, Mention, utcnow

# The mention snapshot and the article's first-decision rule are the review's own.
from store.review.mentions import _start_article, _state
from store.versioning import claim_fact


@dataclass(frozen=True, slots=True)
class AcceptedFact:
    """A fact accepted, and the ids of the pending mentions accepted with it."""

    fact: FactView
    mention_ids: tuple[int, ...]

    @property
    def summary(self) -> str:
        """What happened, for the reviewer."""
        count = len(self.mention_ids)
        if not count:
            return f"{self.fact.type} accepted"
        noun = "mention" if count == 1 else "mentions"
        return f"{self.fact.type} accepted, and {count} pending {noun} it names"


def accept_fact(
    *,
    session: Session,
    fact_id: int,
    reviewer_id: int | None,
    expected_version: int | None = None,
) -> AcceptedFact:
    """Accept a fact and the pending mentions filling its roles: one commit, one undo.

    The fact is read under the write lock (and checked against `expected_version`, the version
    the reviewer saw), so its fillers' states are read as they are, not as they were.

    Raises:
        NotFound: no such fact.
        StaleDecision: the fact changed since the reviewer loaded it.
        Conflict: a mention filling a role was rejected (nothing is changed).
    """
    asked = fact_id
    fact = own_fact(
        session, claim_fact(session, fact_id, expected_version), reviewer_id, expected_version
    )
    assert fact.id is not None
    fact_id = fact.id
    fillers = session.execute(
        select(col(FactArgument.role), Mention)
        .join(Mention, col(Mention.id) == col(FactArgument.mention_id))
        .where(col(FactArgument.fact_id) == fact_id)
        .order_by(col(Mention.start), col(Mention.id))
    ).all()
    rejected = [(role, m) for role, m in fillers if m.state == "rejected"]
    if rejected:
        role, mention = rejected[0]
        raise Conflict(
            f"cannot accept the {fact.type} fact: {mention.text!r} ({role}) was rejected; "
            "accept that mention or edit the fact's roles (e) first"
        )
    pending = [
        own_mention(session, m, reviewer_id)
        for m in {m.id: m for _role, m in fillers if m.state == "pending"}.values()
    ]
    if not pending:
        view = decide_fact(
            session=session,
            fact_id=fact_id,
            state="accepted",
            reviewer_id=reviewer_id,
            expected_version=expected_version if fact_id == asked else None,  # checked
        )
        return AcceptedFact(view, ())
    fact_before = fact_state(session, fact)
    items_before, items_after = [], []
    now = utcnow()
    for mention in pending:
        items_before.append({"id": mention.id, **_state(mention)})
        mention.state = "accepted"
        mention.reviewer_id = reviewer_id
        mention.decided_at = now
        session.add(mention)
        items_after.append({"id": mention.id, **_state(mention)})
    _start_article(session, fact.article_id)
    fact.state = "accepted"
    fact.decided_at = now
    fact.needs_review, fact.review_reason = False, None
    fact.reviewer_id = reviewer_id
    session.add(fact)
    session.flush()
    audit.record(
        session,
        action=Action.FACT_ACCEPT,
        reviewer_id=reviewer_id,
        target="fact",
        target_id=fact_id,
        before={"fact": fact_before, "items": items_before},
        after={"fact": fact_state(session, fact), "items": items_after},
    )
    session.commit()
    return AcceptedFact(
        get_fact(session=session, fact_id=fact_id), tuple(int(m.id or 0) for m in pending)
    )
