"""Gazetteer lint on the sample corpus and on gazetteers built to hold each kind of problem."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.gazetteer import entities as gazetteer
from store.gazetteer.lint import LintOptions, lint_gazetteer
from store.models import Entity, Mention


@pytest.fixture
def corpus(engine: Engine, reviewer_id: int) -> Engine:
    """The sample corpus, gazetteer, schema and candidates."""
    prepare_demo(engine, reviewer_id=reviewer_id)
    return engine


def kinds(session: Session, kind: str, options: LintOptions | None = None) -> list[tuple[str, ...]]:
    return [f.keys for f in lint_gazetteer(session=session, options=options) if f.kind == kind]


def add(session: Session, key: str, name: str, type: str, *aliases: str) -> None:
    gazetteer.create_entity(
        session=session, key=key, name=name, type=type, reviewer_id=None, aliases=list(aliases)
    )


def test_duplicate_spellings_of_the_articles_are_offered_as_merges(corpus: Engine) -> None:
    """The articles' own misspellings, held as separate entities, are found as duplicates."""
    with session_scope(corpus) as session:
        add(session, "X-KYRGYSTAN", "Kyrgystan", "GPE")
        add(session, "X-MOSKOW", "MOSKOW", "GPE", "Moskow")
        add(session, "X-PLETERSK", "Pletersk Cosmodrome", "LOC")
        add(session, "X-SHOIGU", "Sergey Shoigu", "PERSON")
        found = set(kinds(session, "near-duplicate"))
    assert {("KG", "X-KYRGYSTAN"), ("G-MOSCOW", "X-MOSKOW"), ("L-PLESETSK", "X-PLETERSK")} <= found
    assert any("X-SHOIGU" in pair for pair in found)
    # A name of another type is not a duplicate, however close.
    with session_scope(corpus) as session:
        add(session, "X-KG-ORG", "Kyrgyzstann", "ORG")
        assert not [pair for pair in kinds(session, "near-duplicate") if "X-KG-ORG" in pair]


def test_ambiguous_short_and_unknown_types(corpus: Engine) -> None:
    with session_scope(corpus) as session:
        add(session, "X-GEORGIA-US", "Georgia (US state)", "LOC", "Rusia")
        add(session, "X-AB", "AB", "ORG")
        session.execute(update(Entity).where(col(Entity.key) == "X-AB").values(type="THING"))
        session.commit()
        findings = lint_gazetteer(session=session)
    ambiguous = [f for f in findings if f.kind == "ambiguous"]
    assert [(f.keys, f.alias) for f in ambiguous] == [(("RU", "X-GEORGIA-US"), "Rusia")]
    assert [f.keys for f in findings if f.kind == "short"] == [("X-AB",)]
    assert [f.keys for f in findings if f.kind == "unknown-type"] == [("X-AB",)]


def test_noisy_aliases_come_from_the_decisions(corpus: Engine) -> None:
    with session_scope(corpus) as session:
        rusia = list(
            session.exec(
                select(Mention)
                .join(Entity)
                .where(Entity.key == "RU", Mention.matched_alias == "Rusia")
            ).all()
        )
        assert len(rusia) >= 6
        for i, mention in enumerate(rusia[:6]):
            mention.state = "rejected" if i % 2 else "accepted"
            session.add(mention)
        session.commit()
        assert kinds(session, "noisy", LintOptions(noisy_min=6)) == [("RU",)]
        assert kinds(session, "noisy", LintOptions(noisy_min=7)) == []
        rusia[0].state = "accepted"
        rusia[1].state = "accepted"
        session.add_all(rusia[:2])
        session.commit()
        assert kinds(session, "noisy", LintOptions(noisy_min=6)) == []


def test_redirect_chains_and_cycles(corpus: Engine) -> None:
    with session_scope(corpus) as session:
        add(session, "X-A", "Alpha Place", "GPE")
        add(session, "X-B", "Bravo Place", "GPE")
        gazetteer.set_redirect(session=session, key="X-A", target="X-B", reviewer_id=None)
        gazetteer.set_redirect(session=session, key="X-B", target="RU", reviewer_id=None)
        assert kinds(session, "bad-redirect") == [("X-A", "RU")]
        gazetteer.set_redirect(session=session, key="RU", target="X-A", reviewer_id=None)
        assert len(kinds(session, "bad-redirect")) == 3


def test_the_sample_gazetteer_is_nearly_clean(corpus: Engine) -> None:
    with session_scope(corpus) as session:
        findings = lint_gazetteer(session=session)
    assert [(f.kind, f.keys) for f in findings] == [("near-duplicate", ("W-SU57", "W-SU57E"))]


def test_common_words_are_frequent_and_mostly_rejected(corpus: Engine) -> None:
    options = LintOptions(common_min_articles=1, common_share=0.6)
    with session_scope(corpus) as session:
        assert kinds(session, "common-word", options) == []  # no decisions: no evidence
        rusia = list(
            session.exec(
                select(Mention)
                .join(Entity)
                .where(Entity.key == "RU", Mention.matched_alias == "Rusia")
            ).all()
        )
        rusia[0].state = "rejected"
        session.add(rusia[0])
        session.commit()
        assert kinds(session, "common-word", options) == [("RU",)]
        assert kinds(session, "common-word", LintOptions(common_min_articles=6)) == []
        for mention in rusia[1:3]:
            mention.state = "accepted"
            session.add(mention)
        session.commit()
        assert kinds(session, "common-word", options) == []
