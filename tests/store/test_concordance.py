"""The concordance on the sample corpus: lines in context, groups, and decisions across articles."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.models import Article, Entity, Mention
from store.review.concordance import concordance, decide_lines
from store.undo.history import undo


@pytest.fixture
def corpus(engine: Engine, reviewer_id: int) -> Engine:
    prepare_demo(engine, reviewer_id=reviewer_id)
    return engine


def test_lines_are_exact_slices_grouped_by_surface(corpus: Engine) -> None:
    with session_scope(corpus) as session:
        groups = concordance(session=session, key="KG", window=25)
        texts = {a.id: a.text for a in session.exec(select(Article)).all()}
        count = len(session.exec(select(Mention.id).join(Entity).where(Entity.key == "KG")).all())
    assert sum(len(g.lines) for g in groups) == count > 5
    assert len({g.surface for g in groups}) == len(groups) > 1
    for group in groups:
        for line in group.lines:
            text = texts[line.article_id]
            assert text[line.start : line.end] == line.text
            assert (
                text[max(0, line.start - 25) : line.end + 25] == line.left + line.text + line.right
            )
    assert [len(g.pending) for g in groups] == sorted(
        (len(g.pending) for g in groups), reverse=True
    )
    only = concordance(session=session, key="RU", alias="Rusia")
    assert only and all(line.alias == "Rusia" for g in only for line in g.lines)


def test_a_whole_surface_form_is_decided_and_undone_at_once(
    corpus: Engine, reviewer_id: int
) -> None:
    with session_scope(corpus) as session:
        group = concordance(session=session, key="RU")[0]
        ids = [line.mention_id for line in group.pending]
        assert len({line.article_id for line in group.pending}) > 1
        decided = decide_lines(
            session=session, mention_ids=ids, state="accepted", reviewer_id=reviewer_id, label="ORG"
        )
        assert decided == len(ids)
    with session_scope(corpus) as session:
        rows = session.exec(select(Mention).where(Mention.id.in_(ids))).all()  # type: ignore[union-attr]
        assert {(m.state, m.label, m.reviewer_id) for m in rows} == {
            ("accepted", "ORG", reviewer_id)
        }
        statuses = {
            a.status
            for a in session.exec(
                select(Article).where(Article.id.in_({m.article_id for m in rows}))
            ).all()
        }  # type: ignore[union-attr]
        assert statuses == {"in_progress"}
        assert undo(session=session, reviewer_id=reviewer_id) is not None
    with session_scope(corpus) as session:
        rows = session.exec(select(Mention).where(Mention.id.in_(ids))).all()  # type: ignore[union-attr]
        assert {(m.state, m.label) for m in rows} == {("pending", "GPE")}
