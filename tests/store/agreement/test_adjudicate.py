"""Adjudication on real blind layers: units, settling one (one undo), settling the agreed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from store.agreement.adjudicate import merged, settle, settle_agreed, units
from store.audit import Action
from store.db import session_scope
from store.errors import TelaahError
from store.models import Article, AuditEntry, Mention
from store.review.spans import add_mention
from store.reviewers import ensure_reviewer
from store.teams import add_reviewer
from store.undo.history import redo, undo
from tests.agreement_layers import decide_blind


@pytest.fixture
def adjudicator(engine: Engine, reviewer_id: int) -> tuple[int, int]:
    count, _ = decide_blind(engine, reviewer_id)
    with session_scope(engine) as session:
        view = add_reviewer(session=session, name="ada", role="adjudicator")
    return view.id, count


def shared(engine: Engine) -> dict[tuple[int, int], tuple[str, str]]:
    with session_scope(engine) as session:
        return {
            (m.start, m.end): (m.state, m.label)
            for m in session.exec(
                select(Mention).where(Mention.article_id == 1, col(Mention.layer).is_(None))
            ).all()
        }


def test_units_and_settling_one_with_one_undo(engine: Engine, adjudicator: tuple[int, int]) -> None:
    ada, count = adjudicator
    with session_scope(engine) as session:
        found = units(session, 1)
    assert len(found) == count
    differ = [u for u in found if not u.agreed]
    assert len(differ) == 2 and not any(u.settled for u in found)
    label_unit = next(u for u in differ if all(v.spans for v in u.versions))
    budi = next(v for v in label_unit.versions if v.reviewer == "budi")
    before = shared(engine)
    with session_scope(engine) as session:
        ids = settle(
            session,
            article_id=1,
            start=label_unit.start,
            end=label_unit.end,
            spans=budi.spans,
            reviewer_id=ada,
        )
    assert len(ids) == 1
    place = (budi.spans[0].start, budi.spans[0].end)
    assert shared(engine)[place] == ("accepted", budi.spans[0].label)
    with session_scope(engine) as session:
        again = next(u for u in units(session, 1) if u.start == label_unit.start)
        assert again.settled
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.action == Action.ADJUDICATE)
        ).all()
        assert len(entries) == 1
        assert undo(session=session, reviewer_id=ada) is not None
    assert shared(engine) == before
    with session_scope(engine) as session:
        assert redo(session=session, reviewer_id=ada) is not None
    assert shared(engine)[place] == ("accepted", budi.spans[0].label)


def test_rejecting_everywhere_and_only_adjudicators(
    engine: Engine, adjudicator: tuple[int, int], reviewer_id: int
) -> None:
    ada, _ = adjudicator
    with session_scope(engine) as session:
        unit = next(
            u for u in units(session, 1) if not u.agreed and not all(v.spans for v in u.versions)
        )
        with pytest.raises(TelaahError, match="only an adjudicator or a curator"):
            settle(
                session,
                article_id=1,
                start=unit.start,
                end=unit.end,
                spans=(),
                reviewer_id=reviewer_id,
            )
        settle(session, article_id=1, start=unit.start, end=unit.end, spans=(), reviewer_id=ada)
    states = {k: v for k, v in shared(engine).items() if unit.start <= k[0] < unit.end}
    assert {s for s, _ in states.values()} == {"rejected"}
    with session_scope(engine) as session:
        assert next(u for u in units(session, 1) if u.start == unit.start).settled


def test_settle_agreed_and_a_span_only_a_reviewer_marked(
    engine: Engine, adjudicator: tuple[int, int]
) -> None:
    ada, count = adjudicator
    with session_scope(engine) as session:
        assert settle_agreed(session, article_ids=[1], reviewer_id=ada) == count - 2
        assert settle_agreed(session, article_ids=[1], reviewer_id=ada) == 0
        ana = ensure_reviewer(session=session, name="ana")
        last = session.exec(
            select(Mention).where(Mention.article_id == 1).order_by(col(Mention.end).desc())
        ).first()
        article = session.get(Article, 1)
        assert last is not None and article is not None
        word = re.compile(r"\w{4,}").search(article.text, last.end + 1)
        assert word is not None
    with session_scope(engine) as session:
        # ana marks a span of her own, which no candidate proposed: a unit of its own
        marked = add_mention(
            session=session,
            article_id=1,
            start=word.start(),
            end=word.end(),
            label=last.label,
            reviewer_id=ana,
        )
    with session_scope(engine) as session:
        unit = next(u for u in units(session, 1) if u.start == marked.start)
        version = next(v for v in unit.versions if v.reviewer == "ana")
        settle(
            session,
            article_id=1,
            start=unit.start,
            end=unit.end,
            spans=version.spans,
            reviewer_id=ada,
        )
    assert shared(engine)[(marked.start, marked.end)] == ("accepted", last.label)
    with session_scope(engine) as session:
        undo(session=session, reviewer_id=ada)
    assert (marked.start, marked.end) not in shared(engine)
    with session_scope(engine) as session:
        redo(session=session, reviewer_id=ada)
    assert shared(engine)[(marked.start, marked.end)] == ("accepted", last.label)


def test_merge_refuses_two_labels_on_one_span(engine: Engine, adjudicator: tuple[int, int]) -> None:
    with session_scope(engine) as session:
        label_unit = next(
            u for u in units(session, 1) if not u.agreed and all(v.spans for v in u.versions)
        )
    with pytest.raises(TelaahError, match="choose one"):
        merged(label_unit)
