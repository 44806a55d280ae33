"""Reviewer decisions on mentions: each one committed at once, audited, the article in progress."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from store.audit import list_audit
from store.config import MIN_SCORE
from store.corpus.articles import get_article
from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.errors import NotFound, TelaahError
from store.review.mentions import decide_mention, get_mention, list_mentions


@pytest.fixture
def demo_db(engine: Engine, reviewer_id: int) -> Engine:
    prepare_demo(engine, reviewer_id=reviewer_id)
    return engine


def test_mentions_are_listed_in_text_order_with_their_entity(
    demo_db: Engine, session: Session
) -> None:
    article = get_article(session=session, article_id=1)
    mentions = list_mentions(session=session, article_id=1, min_score=MIN_SCORE)
    assert mentions and [m.start for m in mentions] == sorted(m.start for m in mentions)
    for m in mentions:
        assert article.text[m.start : m.end] == m.text
        assert m.entity_key and m.entity_name and m.state == "pending"
    assert get_mention(session=session, mention_id=mentions[0].id) == mentions[0]


def test_a_decision_is_committed_audited_and_starts_the_article(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    first = list_mentions(session=session, article_id=2)[0]
    decided = decide_mention(
        session=session, mention_id=first.id, state="accepted", reviewer_id=reviewer_id, label="ORG"
    )
    assert (decided.state, decided.label) == ("accepted", "ORG")
    with session_scope(demo_db) as other:  # another connection sees it: it is committed
        seen = get_mention(session=other, mention_id=first.id)
        assert (seen.state, seen.label) == ("accepted", "ORG")
        assert get_article(session=other, article_id=2).status == "in_progress"
    entry = list_audit(session=session, action="mention.decide", limit=1)[0]
    assert entry.reviewer == "tester" and entry.target_id == first.id
    assert entry.before["state"] == "pending" and entry.before["label"] == first.label
    assert entry.after["state"] == "accepted" and entry.after["label"] == "ORG"


def test_bad_decisions_are_refused(demo_db: Engine, session: Session, reviewer_id: int) -> None:
    first = list_mentions(session=session, article_id=1)[0]
    with pytest.raises(TelaahError):
        decide_mention(session=session, mention_id=first.id, state="maybe", reviewer_id=reviewer_id)
    with pytest.raises(NotFound):
        decide_mention(
            session=session, mention_id=999_999, state="accepted", reviewer_id=reviewer_id
        )
    assert get_mention(session=session, mention_id=first.id).state == "pending"


def test_queue_rows_count_candidates_and_decisions_today(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    from store.corpus.articles import list_articles
    from store.corpus.stats import decisions_since, start_of_today

    before = {r.id: r for r in list_articles(session=session)}
    pending = list_mentions(session=session, article_id=3)
    assert before[3].pending == len(pending) and before[3].accepted == 0
    for m in pending[:2]:
        decide_mention(session=session, mention_id=m.id, state="accepted", reviewer_id=reviewer_id)
    decide_mention(
        session=session, mention_id=pending[2].id, state="rejected", reviewer_id=reviewer_id
    )
    after = {r.id: r for r in list_articles(session=session)}
    assert (after[3].pending, after[3].accepted) == (len(pending) - 3, 2)
    assert decisions_since(session=session, reviewer_id=reviewer_id, since=start_of_today()) == 3


def test_full_text_search_over_title_and_text(demo_db: Engine, session: Session) -> None:
    from store.corpus.articles import count_articles, list_articles

    texts = {
        r.id: get_article(session=session, article_id=r.id).text
        for r in list_articles(session=session)
    }
    hits = {r.id for r in list_articles(session=session, search="Kazakhstan")}
    assert hits == {i for i, t in texts.items() if "Kazakhstan" in t}
    assert {r.id for r in list_articles(session=session, search='"Sadyr Zhaparov"')} == {1}
    assert count_articles(session=session, search="turkiye") == 1  # diacritics and case
    for odd in ('"', "a OR (b", "NEAR(", "*", "-"):
        count_articles(session=session, search=odd)  # never an FTS5 syntax error


def test_last_position_is_the_latest_decision(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    from store.review.mentions import last_position

    assert last_position(session=session, reviewer_id=reviewer_id) is None
    m = list_mentions(session=session, article_id=4)[2]
    decide_mention(session=session, mention_id=m.id, state="rejected", reviewer_id=reviewer_id)
    assert last_position(session=session, reviewer_id=reviewer_id) == (4, m.id)


def test_last_position_follows_bulk_decisions_and_undo(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    from store.review.mentions import decide_similar, last_position
    from store.undo.history import undo

    a = list_mentions(session=session, article_id=1)[0]
    b = list_mentions(session=session, article_id=3)[1]
    decide_similar(session=session, mention_id=b.id, state="accepted", reviewer_id=reviewer_id)
    assert last_position(session=session, reviewer_id=reviewer_id) == (3, b.id)
    decide_mention(session=session, mention_id=a.id, state="accepted", reviewer_id=reviewer_id)
    undo(session=session, reviewer_id=reviewer_id)
    assert last_position(session=session, reviewer_id=reviewer_id) == (1, a.id)
