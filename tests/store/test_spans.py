"""Manual spans: creating a mention, moving its boundaries, and undoing both from the audit log."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from store.audit import list_audit
from store.corpus.articles import get_article
from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.errors import Conflict, NotFound, TelaahError
from store.models import Fact, FactArgument, Mention
from store.review.mentions import decide_mention, get_mention, last_position, list_mentions
from store.review.spans import add_mention, set_span
from store.undo.history import redo, undo


@pytest.fixture
def demo_db(engine: Engine, reviewer_id: int) -> Engine:
    prepare_demo(engine, reviewer_id=reviewer_id)
    return engine


def free_word(session: Session, article_id: int) -> tuple[int, int]:
    """Offsets of a word of the article that no mention covers."""
    text = get_article(session=session, article_id=article_id).text
    taken = {(m.start, m.end) for m in list_mentions(session=session, article_id=article_id)}
    start = text.index("bertemu") if "bertemu" in text else text.index(" ") + 1
    end = start
    while end < len(text) and text[end].isalnum():
        end += 1
    assert (start, end) not in taken and end > start
    return start, end


def test_add_mention_is_accepted_manual_trimmed_and_audited(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    article = get_article(session=session, article_id=2)
    assert article.status == "todo"
    start, end = free_word(session, 2)
    made = add_mention(
        session=session,
        article_id=2,
        start=start - 1,
        end=end + 1,
        label="ORG",
        reviewer_id=reviewer_id,
        entity_key="RU",
    )
    assert (made.start, made.end) == (start, end)  # the spaces around were trimmed off
    assert made.text == article.text[start:end]
    assert (made.state, made.origin, made.label, made.entity_key) == (
        "accepted",
        "manual",
        "ORG",
        "RU",
    )
    assert get_article(session=session, article_id=2).status == "in_progress"
    entry = list_audit(session=session, limit=1)[0]
    assert (entry.action, entry.target_id, entry.reviewer) == ("mention.create", made.id, "tester")
    assert entry.after["start"] == start and entry.before is None
    assert last_position(session=session, reviewer_id=reviewer_id) == (2, made.id)


def test_bad_spans_are_refused(demo_db: Engine, session: Session, reviewer_id: int) -> None:
    existing = list_mentions(session=session, article_id=1)[0]
    text = get_article(session=session, article_id=1).text
    blank = text.index(" ")
    count = len(list_mentions(session=session, article_id=1))
    cases = [(5, 5), (-1, 3), (0, len(text) + 1), (blank, blank + 1), (7, 3)]
    for start, end in cases:
        with pytest.raises(TelaahError):
            add_mention(
                session=session,
                article_id=1,
                start=start,
                end=end,
                label="LOC",
                reviewer_id=reviewer_id,
            )
    # Marking a pending candidate's span accepts the candidate (one decision, its entity kept);
    # a decided mention's span is refused.
    taken = add_mention(
        session=session,
        article_id=1,
        start=existing.start,
        end=existing.end,
        label="LOC",
        reviewer_id=reviewer_id,
    )
    assert (taken.id, taken.state, taken.label) == (existing.id, "accepted", "LOC")
    assert taken.entity_key == existing.entity_key and taken.origin == existing.origin
    assert list_audit(session=session, limit=1)[0].action == "mention.decide"
    with pytest.raises(Conflict):
        add_mention(
            session=session,
            article_id=1,
            start=existing.start,
            end=existing.end,
            label="LOC",
            reviewer_id=reviewer_id,
        )
    with pytest.raises(TelaahError):
        add_mention(
            session=session, article_id=1, start=0, end=3, label="NOPE", reviewer_id=reviewer_id
        )
    with pytest.raises(NotFound):
        add_mention(
            session=session,
            article_id=1,
            start=0,
            end=3,
            label="LOC",
            reviewer_id=reviewer_id,
            entity_key="NO-SUCH-KEY",
        )
    with pytest.raises(NotFound):
        add_mention(
            session=session, article_id=999, start=0, end=3, label="LOC", reviewer_id=reviewer_id
        )
    other = list_mentions(session=session, article_id=1)[1]
    with pytest.raises(Conflict):
        set_span(
            session=session,
            mention_id=existing.id,
            start=other.start,
            end=other.end,
            reviewer_id=reviewer_id,
        )
    with pytest.raises(TelaahError):
        set_span(
            session=session,
            mention_id=existing.id,
            start=existing.start,
            end=existing.start,
            reviewer_id=reviewer_id,
        )
    assert len(list_mentions(session=session, article_id=1)) == count
    assert get_mention(session=session, mention_id=existing.id) == taken  # as it was accepted


def test_set_span_moves_the_boundaries_and_the_text(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    mention = list_mentions(session=session, article_id=1)[0]
    text = get_article(session=session, article_id=1).text
    moved = set_span(
        session=session,
        mention_id=mention.id,
        start=mention.start,
        end=mention.end - 1,
        reviewer_id=reviewer_id,
    )
    assert (moved.start, moved.end, moved.text) == (
        mention.start,
        mention.end - 1,
        text[mention.start : mention.end - 1],
    )
    assert (moved.state, moved.label) == (mention.state, mention.label)
    entry = list_audit(session=session, limit=1)[0]
    assert entry.action == "mention.span"
    assert entry.before == {
        "start": mention.start,
        "end": mention.end,
        "text": mention.text,
        "version": mention.version,
    }
    assert entry.after["version"] == moved.version == mention.version + 1
    assert entry.after["end"] == mention.end - 1
    assert last_position(session=session, reviewer_id=reviewer_id) == (1, mention.id)


def test_undo_and_redo_of_a_span_change_across_sessions(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    mention = list_mentions(session=session, article_id=1)[0]
    set_span(
        session=session,
        mention_id=mention.id,
        start=mention.start,
        end=mention.end - 2,
        reviewer_id=reviewer_id,
    )
    with session_scope(demo_db) as later:  # "after a restart"
        done = undo(session=later, reviewer_id=reviewer_id)
        assert done is not None and done.mention_id == mention.id
    back = get_mention(session=session, mention_id=mention.id)
    assert back == replace(mention, version=mention.version + 2)  # moved, moved back
    with session_scope(demo_db) as later:
        assert redo(session=later, reviewer_id=reviewer_id) is not None
    again = get_mention(session=session, mention_id=mention.id)
    assert (again.start, again.end) == (mention.start, mention.end - 2)
    # Someone moved it again: undoing the first move would lose their change.
    set_span(
        session=session,
        mention_id=mention.id,
        start=mention.start,
        end=mention.end - 1,
        reviewer_id=None,
    )
    with pytest.raises(Conflict):
        undo(session=session, reviewer_id=reviewer_id)


def test_undo_deletes_a_created_mention_and_redo_brings_it_back(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    start, end = free_word(session, 3)
    made = add_mention(
        session=session, article_id=3, start=start, end=end, label="LOC", reviewer_id=reviewer_id
    )
    first = list_mentions(session=session, article_id=3)[0]
    decide_mention(session=session, mention_id=first.id, state="rejected", reviewer_id=reviewer_id)
    assert undo(session=session, reviewer_id=reviewer_id).mention_id == first.id  # type: ignore[union-attr]
    with session_scope(demo_db) as later:
        done = undo(session=later, reviewer_id=reviewer_id)
        assert done is not None and (done.mention_id, done.article_id) == (made.id, 3)
    assert made.id not in {m.id for m in list_mentions(session=session, article_id=3)}
    assert last_position(session=session, reviewer_id=reviewer_id) == (3, first.id)
    with session_scope(demo_db) as later:
        assert redo(session=later, reviewer_id=reviewer_id) is not None
    assert get_mention(session=session, mention_id=made.id) == made
    assert redo(session=session, reviewer_id=reviewer_id).mention_id == first.id  # type: ignore[union-attr]
    assert get_mention(session=session, mention_id=first.id).state == "rejected"


def test_undo_of_a_creation_is_refused_while_a_fact_uses_the_mention(
    demo_db: Engine, session: Session, reviewer_id: int
) -> None:
    start, end = free_word(session, 4)
    made = add_mention(
        session=session, article_id=4, start=start, end=end, label="LOC", reviewer_id=reviewer_id
    )
    fact = Fact(article_id=4, type="MEETING")
    session.add(fact)
    session.flush()
    assert fact.id is not None
    session.add(FactArgument(fact_id=fact.id, role="place", mention_id=made.id))
    session.commit()
    with pytest.raises(Conflict, match="fact"):
        undo(session=session, reviewer_id=reviewer_id)
    assert session.exec(select(Mention).where(col(Mention.id) == made.id)).first() is not None
