"""Consistent gold: a fact accepted with its mentions, deleted entities' candidates withdrawn,
every decision counted."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from store.audit import Action
from store.corpus.demo import prepare_demo
from store.corpus.stats import decisions_since, start_of_today
from store.db import session_scope
from store.errors import Conflict
from store.facts.accept import accept_fact
from store.facts.repository import list_facts
from store.gazetteer.entities import delete_entity
from store.matching.names import NEW_NAME
from store.models import AuditEntry, Entity, Mention
from store.review.mentions import decide_many, decide_mention
from store.review.rematch import rematch
from store.reviewers import ensure_reviewer
from store.undo.history import redo, undo


@pytest.fixture
def corpus(engine: Engine, reviewer_id: int) -> Engine:
    prepare_demo(engine, reviewer_id=reviewer_id)
    return engine


def states(session: Session, ids: set[int]) -> set[str]:
    return {m.state for m in session.exec(select(Mention).where(col(Mention.id).in_(ids))).all()}


def test_accepting_a_fact_accepts_its_pending_fillers_in_one_undo(
    corpus: Engine, reviewer_id: int
) -> None:
    with session_scope(corpus) as session:
        fact = list_facts(session=session, article_id=1)[0]
        fillers = {f.mention_id for f in fact.fillers}
        decide_mention(
            session=session, mention_id=min(fillers), state="accepted", reviewer_id=reviewer_id
        )
        done = accept_fact(session=session, fact_id=fact.id, reviewer_id=reviewer_id)
        assert done.fact.state == "accepted"
        assert set(done.mention_ids) == fillers - {min(fillers)}  # the pending ones only
        assert done.summary == "ARMS_TRANSFER accepted, and 2 pending mentions it names"
        assert states(session, fillers) == {"accepted"}
        entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert entry is not None and entry.action == Action.FACT_ACCEPT
        undone = undo(session=session, reviewer_id=reviewer_id)
        assert undone is not None and undone.fact_id == fact.id
        assert list_facts(session=session, article_id=1)[0].state == "pending"
        assert states(session, fillers - {min(fillers)}) == {"pending"}
        assert states(session, {min(fillers)}) == {"accepted"}  # decided before: stays
        redone = redo(session=session, reviewer_id=reviewer_id)
        assert redone is not None and states(session, fillers) == {"accepted"}
        # Nothing pending left: a plain decision.
        again = accept_fact(session=session, fact_id=fact.id, reviewer_id=reviewer_id)
        assert again.mention_ids == () and again.summary == "ARMS_TRANSFER accepted"


def test_a_fact_with_a_rejected_filler_is_refused(corpus: Engine, reviewer_id: int) -> None:
    with session_scope(corpus) as session:
        fact = list_facts(session=session, article_id=2)[0]
        item = fact.role("item")[0]
        decide_mention(
            session=session, mention_id=item.mention_id, state="rejected", reviewer_id=reviewer_id
        )
        with pytest.raises(Conflict, match=r"'S-300PS' \(item\) was rejected"):
            accept_fact(session=session, fact_id=fact.id, reviewer_id=reviewer_id)
        session.rollback()
        assert list_facts(session=session, article_id=2)[0].state == "pending"
        others = {f.mention_id for f in fact.fillers} - {item.mention_id}
        assert states(session, others) == {"pending"}


def test_decisions_today_count_every_decision_bulk_ones_by_their_rows(
    corpus: Engine, reviewer_id: int
) -> None:
    with session_scope(corpus) as session:
        other = ensure_reviewer(session=session, name="other")
        pending = session.exec(
            select(Mention).where(Mention.state == "pending").order_by(col(Mention.id))
        ).all()
        assert len(pending) > 60
        decide_many(session, list(pending[:58]), state="accepted", reviewer_id=reviewer_id)
        assert (
            decisions_since(session=session, reviewer_id=reviewer_id, since=start_of_today()) == 58
        )
        decide_mention(
            session=session, mention_id=pending[58].id or 0, state="rejected", reviewer_id=other
        )
        decide_mention(
            session=session,
            mention_id=pending[59].id or 0,
            state="rejected",
            reviewer_id=reviewer_id,
        )
        fact = next(
            f
            for f in list_facts(session=session, state="pending")
            if any(states(session, {x.mention_id}) == {"pending"} for x in f.fillers)
            and not any(states(session, {x.mention_id}) == {"rejected"} for x in f.fillers)
        )
        made = accept_fact(session=session, fact_id=fact.id, reviewer_id=reviewer_id)
        expected = 58 + 1 + 1 + len(made.mention_ids)
        assert (
            decisions_since(session=session, reviewer_id=reviewer_id, since=start_of_today())
            == expected
        )
        undo(session=session, reviewer_id=reviewer_id)  # an undo is no decision
        assert (
            decisions_since(session=session, reviewer_id=reviewer_id, since=start_of_today())
            == expected
        )


def test_deleting_an_entity_withdraws_its_pending_candidates_at_once(
    corpus: Engine, reviewer_id: int
) -> None:
    with session_scope(corpus) as session:
        kg = session.exec(select(Entity).where(Entity.key == "KG")).one()
        linked = session.exec(select(Mention).where(Mention.entity_id == kg.id)).all()
        rejected = linked[-1]
        decide_mention(
            session=session, mention_id=rejected.id or 0, state="rejected", reviewer_id=reviewer_id
        )
        count = len(linked)
        change = delete_entity(session=session, key="KG", reviewer_id=reviewer_id)
        unlinked = session.exec(
            select(Mention).where(
                col(Mention.entity_id).is_(None),
                Mention.state == "pending",
                col(Mention.reason).is_distinct_from(NEW_NAME),  # (never linked)
            )
        ).all()
        assert unlinked == []  # before any re-match
        assert session.get(Mention, rejected.id) is not None  # a decision stays
        assert count > 1
    rematch(corpus, change)
    with session_scope(corpus) as session:
        undone = undo(session=session, reviewer_id=reviewer_id)
    assert undone is not None and undone.change is not None
    rematch(corpus, undone.change)  # the entity is back and, re-matched, its candidates
    with session_scope(corpus) as session:
        kg = session.exec(select(Entity).where(Entity.key == "KG")).one()
        back = session.exec(
            select(Mention).where(Mention.entity_id == kg.id, Mention.state == "pending")
        ).all()
        assert back
        redo(session=session, reviewer_id=reviewer_id)  # the new candidates go with it again
        assert session.exec(select(Entity).where(Entity.key == "KG")).first() is None
        assert not session.exec(
            select(Mention).where(
                col(Mention.entity_id).is_(None),
                Mention.state == "pending",
                col(Mention.reason).is_distinct_from(NEW_NAME),
            )
        ).all()
