"""Versions of mentions and facts: every change raises them, a stale change is refused."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from store.audit import list_audit
from store.corpus.demo import prepare_demo
from store.db import make_engine, session_scope, write_once, write_retrying
from store.errors import NotSaved, StaleDecision
from store.facts.repository import decide_fact, list_facts, set_note
from store.gazetteer.merge import merge_entities
from store.models import AuditEntry, Fact, Mention
from store.review.concordance import decide_lines
from store.review.linking import link_mention
from store.review.mentions import decide_mention, decide_similar, get_mention, list_mentions
from store.review.spans import set_span
from store.reviewers import ensure_reviewer
from store.undo.history import undo
from tests.conftest import hold_write_lock


@pytest.fixture
def demo_db(engine: Engine, reviewer_id: int) -> Engine:
    prepare_demo(engine, reviewer_id=reviewer_id)
    return engine


def ids(session: Session) -> tuple[int, int]:
    return ensure_reviewer(session=session, name="ana"), ensure_reviewer(
        session=session, name="budi"
    )


def test_a_decision_on_a_stale_version_is_refused_and_says_who_changed_what(
    demo_db: Engine,
) -> None:
    with session_scope(demo_db) as session:
        ana, budi = ids(session)
        seen = list_mentions(session=session, article_id=1)[0]  # both load the article
    assert seen.version == 1
    with session_scope(demo_db) as session:
        first = decide_mention(
            session=session,
            mention_id=seen.id,
            state="accepted",
            reviewer_id=ana,
            expected_version=seen.version,
        )
    assert first.version == 2
    with session_scope(demo_db) as session, pytest.raises(StaleDecision) as refused:
        decide_mention(
            session=session,
            mention_id=seen.id,
            state="rejected",
            reviewer_id=budi,
            expected_version=seen.version,
        )
    message = str(refused.value)
    assert f"mention {seen.text!r} was accepted by ana at " in message
    assert message.endswith("since you loaded it")
    with session_scope(demo_db) as session:
        now = get_mention(session=session, mention_id=seen.id)
        assert (now.state, now.version) == ("accepted", 2)
        decisions = list_audit(session=session, action="mention.decide")
        assert len(decisions) == 1
        assert decisions[0].before["state"] == "pending" and decisions[0].before["version"] == 1
        assert decisions[0].after["state"] == "accepted" and decisions[0].after["version"] == 2


def test_the_audit_before_is_the_state_really_replaced(demo_db: Engine) -> None:
    """Without a version (a script, the command line) the last writer wins, but the entry's
    `before` is what it replaced, read under the write lock, not the writer's old view."""
    with session_scope(demo_db) as session:
        ana, budi = ids(session)
        seen = list_mentions(session=session, article_id=1)[0]
    with session_scope(demo_db) as first, session_scope(demo_db) as second:
        first.get(Mention, seen.id)  # both sessions hold the pending row
        second.get(Mention, seen.id)
        decide_mention(session=first, mention_id=seen.id, state="accepted", reviewer_id=ana)
        decide_mention(session=second, mention_id=seen.id, state="rejected", reviewer_id=budi)
    with session_scope(demo_db) as session:
        last = list_audit(session=session, action="mention.decide")[0]
        assert last.before["state"] == "accepted" and last.before["version"] == 2
        assert get_mention(session=session, mention_id=seen.id).version == 3


def test_two_connections_deciding_at_once_one_wins(demo_db: Engine, db_url: str) -> None:
    """The check and the write are one step under the write lock: of two writers on the same
    version, exactly one commits, whatever the interleaving."""
    with session_scope(demo_db) as session:
        ana, budi = ids(session)
        mentions = list_mentions(session=session, article_id=2)[:6]
    engines = [make_engine(db_url), make_engine(db_url)]
    try:
        for mention in mentions:
            start = threading.Barrier(2)
            results: list[str] = []

            def decide(
                engine: Engine,
                who: int,
                state: str,
                m_id: int = mention.id,
                start: threading.Barrier = start,
                results: list[str] = results,
            ) -> None:
                start.wait()
                try:
                    with session_scope(engine) as session:
                        decide_mention(
                            session=session,
                            mention_id=m_id,
                            state=state,
                            reviewer_id=who,
                            expected_version=1,
                        )
                    results.append(state)
                except StaleDecision:
                    results.append("refused")

            threads = [
                threading.Thread(target=decide, args=(engines[0], ana, "accepted")),
                threading.Thread(target=decide, args=(engines[1], budi, "rejected")),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(results) in (["accepted", "refused"], ["refused", "rejected"])
            with session_scope(demo_db) as session:
                now = get_mention(session=session, mention_id=mention.id)
                assert now.version == 2 and now.state == next(r for r in results if r != "refused")
    finally:
        for engine in engines:
            engine.dispose()


def test_every_kind_of_change_raises_the_version(demo_db: Engine, reviewer_id: int) -> None:
    with session_scope(demo_db) as session:
        a, b = list_mentions(session=session, article_id=1)[:2]
        decide_mention(session=session, mention_id=a.id, state="accepted", reviewer_id=reviewer_id)
        set_span(
            session=session,
            mention_id=a.id,
            start=a.start,
            end=a.end - 1,
            reviewer_id=reviewer_id,
            expected_version=2,
        )
        link_mention(
            session=session,
            mention_id=a.id,
            entity_key="KG",
            reviewer_id=reviewer_id,
            expected_version=3,
        )
        assert get_mention(session=session, mention_id=a.id).version == 4
        decided = decide_similar(
            session=session,
            mention_id=b.id,
            state="accepted",
            reviewer_id=reviewer_id,
            expected_version=1,
        )
        rows = session.exec(select(Mention).where(col(Mention.id).in_(decided))).all()
        assert len(rows) >= 1 and {m.version for m in rows} == {2}
        with pytest.raises(StaleDecision):  # the view of `b` is stale now
            decide_similar(
                session=session,
                mention_id=b.id,
                state="rejected",
                reviewer_id=reviewer_id,
                expected_version=1,
            )
        fact = list_facts(session=session, article_id=1)[0]
        v = fact.version  # relinking `a` marked the facts it fills for review: 2 then
        noted = set_note(session=session, fact_id=fact.id, note="checked", reviewer_id=reviewer_id)
        assert noted.version == v + 1
        with pytest.raises(StaleDecision, match="given a note by tester"):
            decide_fact(
                session=session,
                fact_id=fact.id,
                state="accepted",
                reviewer_id=reviewer_id,
                expected_version=v,
            )
        accepted = decide_fact(
            session=session,
            fact_id=fact.id,
            state="accepted",
            reviewer_id=reviewer_id,
            expected_version=v + 1,
        )
        assert accepted.version == v + 2
        # A change no reviewer made on this fact (a filler rejected) raises it too.
        filler = accepted.fillers[0].mention_id
        decide_mention(
            session=session, mention_id=filler, state="rejected", reviewer_id=reviewer_id
        )
        assert session.get(Fact, fact.id).version == v + 3  # type: ignore[union-attr]
        # A merge relinks mentions through the ORM: their versions rise.
        kg = session.exec(select(Mention).where(col(Mention.text) == "Kyrgyzstan")).first()
        assert kg is not None and kg.id is not None
        before = get_mention(session=session, mention_id=kg.id).version
    with session_scope(demo_db) as session:
        merge_entities(session=session, source="KG", target="RU", reviewer_id=reviewer_id)
    with session_scope(demo_db) as session:
        assert get_mention(session=session, mention_id=kg.id).version == before + 1


def test_undo_of_a_row_changed_since_is_refused_with_who_changed_it(demo_db: Engine) -> None:
    with session_scope(demo_db) as session:
        ana, budi = ids(session)
        seen = list_mentions(session=session, article_id=1)[0]
        decide_mention(session=session, mention_id=seen.id, state="accepted", reviewer_id=ana)
    with session_scope(demo_db) as session:
        # budi relabels it and back: the state is as ana left it, but it is not her change.
        for label in ("ORG", seen.label):
            decide_mention(
                session=session, mention_id=seen.id, state="accepted", reviewer_id=budi, label=label
            )
    with session_scope(demo_db) as session, pytest.raises(StaleDecision) as refused:
        undo(session=session, reviewer_id=ana)
    assert "was accepted by budi" in str(refused.value)
    assert "cannot undo that decision" in str(refused.value)
    with session_scope(demo_db) as session:
        assert get_mention(session=session, mention_id=seen.id).state == "accepted"
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "undo")).first() is None


def test_a_bulk_decision_with_versions_skips_the_lines_changed_since(
    demo_db: Engine, reviewer_id: int
) -> None:
    with session_scope(demo_db) as session:
        ana, _budi = ids(session)
        lines = [m for m in list_mentions(session=session, article_id=1) if m.state == "pending"]
        lines = lines[:4]
        decide_mention(session=session, mention_id=lines[1].id, state="rejected", reviewer_id=ana)
        decided = decide_lines(
            session=session,
            mention_ids=[m.id for m in lines],
            state="accepted",
            reviewer_id=reviewer_id,
            versions={m.id: m.version for m in lines},
        )
        assert decided == 3
        assert get_mention(session=session, mention_id=lines[1].id).state == "rejected"


def test_a_write_waits_for_the_lock_and_commits_when_it_is_released(
    demo_db: Engine, db_url: str, reviewer_id: int
) -> None:
    with session_scope(demo_db) as session:
        seen = list_mentions(session=session, article_id=1)[0]
    holder = hold_write_lock(db_url)

    def decide(session: Session) -> int:
        return decide_mention(
            session=session, mention_id=seen.id, state="accepted", reviewer_id=reviewer_id
        ).version

    with pytest.raises(Exception, match="locked|lock timeout"):
        write_once(demo_db, decide)  # does not wait at all
    waits: list[float] = []
    release = threading.Timer(0.5, holder.rollback)
    release.start()
    assert write_retrying(demo_db, decide, wait_limit=20, on_busy=waits.append) == 2
    assert waits  # it said it was waiting
    release.join()
    holder.close()


def test_a_write_gives_up_after_its_limit_and_writes_nothing(
    demo_db: Engine, db_url: str, reviewer_id: int
) -> None:
    with session_scope(demo_db) as session:
        seen = list_mentions(session=session, article_id=1)[0]
    holder = hold_write_lock(db_url)
    try:
        started = time.monotonic()
        with pytest.raises(NotSaved, match="locked"):
            write_retrying(
                demo_db,
                lambda s: decide_mention(
                    session=s, mention_id=seen.id, state="accepted", reviewer_id=reviewer_id
                ),
                wait_limit=0.3,
            )
        assert time.monotonic() - started < 10  # bounded, not the 30 s busy timeout
    finally:
        holder.rollback()
        holder.close()
    with session_scope(demo_db) as session:
        assert get_mention(session=session, mention_id=seen.id).state == "pending"
