"""Undo and redo of decisions from the audit log: across sessions, in order, refused on conflict."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.errors import Conflict
from store.review.mentions import decide_mention, get_mention, list_mentions
from store.reviewers import ensure_reviewer
from store.undo.history import redo, undo


@pytest.fixture
def demo_db(engine: Engine, reviewer_id: int) -> Engine:
    prepare_demo(engine, reviewer_id=reviewer_id)
    return engine


def state(session: Session, mention_id: int) -> tuple[str, str]:
    m = get_mention(session=session, mention_id=mention_id)
    return m.state, m.label


def test_undo_and_redo_walk_back_and_forth_through_decisions(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    a, b = list_mentions(session=session, article_id=1)[:2]
    decide_mention(session=session, mention_id=a.id, state="accepted", reviewer_id=reviewer_id)
    decide_mention(session=session, mention_id=b.id, state="rejected", reviewer_id=reviewer_id)
    decide_mention(
        session=session, mention_id=a.id, state="accepted", reviewer_id=reviewer_id, label="ORG"
    )
    first = undo(session=session, reviewer_id=reviewer_id)
    assert first is not None and first.mention_id == a.id
    assert state(session, a.id) == ("accepted", a.label)
    assert undo(session=session, reviewer_id=reviewer_id).mention_id == b.id  # type: ignore[union-attr]
    assert state(session, b.id) == ("pending", b.label)
    with session_scope(demo_db) as later:  # "after a restart": a new session, same log
        again = redo(session=later, reviewer_id=reviewer_id)
        assert again is not None and again.mention_id == b.id
    assert state(session, b.id) == ("rejected", b.label)
    assert redo(session=session, reviewer_id=reviewer_id).mention_id == a.id  # type: ignore[union-attr]
    assert state(session, a.id) == ("accepted", "ORG")
    assert redo(session=session, reviewer_id=reviewer_id) is None


def test_a_new_decision_ends_the_redo_stack(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    a, b = list_mentions(session=session, article_id=2)[:2]
    decide_mention(session=session, mention_id=a.id, state="accepted", reviewer_id=reviewer_id)
    undo(session=session, reviewer_id=reviewer_id)
    decide_mention(session=session, mention_id=b.id, state="accepted", reviewer_id=reviewer_id)
    assert redo(session=session, reviewer_id=reviewer_id) is None
    assert state(session, a.id)[0] == "pending"


def test_undo_is_per_reviewer_and_refused_when_someone_changed_the_mention(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    other = ensure_reviewer(session=session, name="other")
    a = list_mentions(session=session, article_id=3)[0]
    decide_mention(session=session, mention_id=a.id, state="accepted", reviewer_id=reviewer_id)
    assert undo(session=session, reviewer_id=other) is None
    decide_mention(session=session, mention_id=a.id, state="rejected", reviewer_id=other)
    with pytest.raises(Conflict):
        undo(session=session, reviewer_id=reviewer_id)
    assert state(session, a.id)[0] == "rejected"
    assert undo(session=session, reviewer_id=other) is not None
    assert state(session, a.id)[0] == "accepted"


def test_a_bulk_decision_is_one_undo_step(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    from store.review.mentions import decide_similar

    rusia = [m for m in list_mentions(session=session, article_id=1) if m.text == "Rusia"]
    assert len(rusia) > 3
    other = next(m for m in list_mentions(session=session, article_id=1) if m.text != "Rusia")
    decided = decide_similar(
        session=session,
        mention_id=rusia[0].id,
        state="accepted",
        reviewer_id=reviewer_id,
        label="ORG",
    )
    assert sorted(decided) == sorted(m.id for m in rusia)
    assert all(state(session, m.id) == ("accepted", "ORG") for m in rusia)
    assert state(session, other.id)[0] == "pending"
    undone = undo(session=session, reviewer_id=reviewer_id)
    assert undone is not None and set(undone.mention_ids) == set(decided)
    assert all(state(session, m.id) == ("pending", m.label) for m in rusia)
    redo(session=session, reviewer_id=reviewer_id)
    assert all(state(session, m.id) == ("accepted", "ORG") for m in rusia)
