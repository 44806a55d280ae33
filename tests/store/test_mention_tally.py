"""`telaah stats`' mention counts come from `mention_tally` (migration 0009), kept by
triggers: they agree with a count of the rows after inserts, decisions, bulk updates and
deletes, whichever way the rows were written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event, func, insert, text
from sqlmodel import Session, col, select

from store.corpus.stats import corpus_stats
from store.models import MENTION_ORIGINS, MENTION_STATES, Article, Mention
from store.review.mentions import decide_mention
from tests.agreement_layers import decide_blind


def counted(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    """The shared layer's counts by state and by origin, by scanning the mentions."""
    by_state = dict.fromkeys(MENTION_STATES, 0)
    by_origin = dict.fromkeys(MENTION_ORIGINS, 0)
    for state, origin, n in session.exec(
        select(Mention.state, Mention.origin, func.count())
        .where(col(Mention.layer).is_(None))
        .group_by(col(Mention.state), col(Mention.origin))
    ).all():
        by_state[state] += n
        by_origin[origin] += n
    return by_state, by_origin


def agree(session: Session) -> dict[str, int]:
    session.expire_all()
    stats = corpus_stats(session=session)
    assert (stats.mentions_by_state, stats.mentions_by_origin) == counted(session)
    return stats.mentions_by_state


def test_stats_follow_every_write(engine: Engine, session: Session, reviewer_id: int) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Article.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": n,
                    "external_id": f"a{n}",
                    "title": f"A {n}",
                    "text": "Kata kata kata kata kata.",
                    "sha256": f"{n:064x}",
                    "status": "todo",
                    "meta": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for n in (1, 2)
            ],
        )
        connection.execute(
            insert(Mention.__table__),  # type: ignore[attr-defined]
            [
                {
                    "article_id": 1 + i % 2,
                    "start": i,
                    "end": i + 1,
                    "text": "K",
                    "label": "PER",
                    "state": ("pending", "accepted", "rejected")[i % 3],
                    "origin": ("gazetteer", "manual", "import")[i % 3 == 0],
                    "alternatives": [],
                    "created_at": now,
                }
                for i in range(12)
            ],
        )
    assert agree(session) == {"pending": 4, "accepted": 4, "rejected": 4}
    # A decision through the store (ORM update of one row).
    pending = session.exec(select(Mention).where(Mention.state == "pending")).first()
    assert pending is not None and pending.id is not None
    decide_mention(
        session=session, mention_id=pending.id, state="accepted", reviewer_id=reviewer_id
    )
    assert agree(session) == {"pending": 3, "accepted": 5, "rejected": 4}
    # A bulk update, an update that changes nothing counted, a delete, an article's cascade.
    with engine.begin() as connection:
        connection.execute(text("UPDATE mention SET state = 'rejected' WHERE state = 'pending'"))
        connection.execute(text("UPDATE mention SET label = 'ORG'"))
        connection.execute(text("UPDATE mention SET origin = 'manual' WHERE origin = 'import'"))
        connection.execute(text("DELETE FROM mention WHERE id = (SELECT min(id) FROM mention)"))
    assert agree(session)["pending"] == 0
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM article WHERE id = 1"))
    by_state = agree(session)
    assert sum(by_state.values()) == session.exec(select(func.count()).select_from(Mention)).one()
    assert sum(by_state.values()) < 11


def test_stats_count_the_shared_layer_and_each_reviewers_layer_apart(
    engine: Engine, session: Session, reviewer_id: int
) -> None:
    """Blind review copies a candidate into the reviewer's layer: the shared counts (what the
    exports of the gold take) stay as they were, each layer is counted on its own line."""
    shown, _ = decide_blind(engine, reviewer_id)
    before = agree(session)
    assert before["accepted"] == before["rejected"] == 0  # the shared candidates stay pending
    layers = corpus_stats(session=session).layers
    assert layers == {
        "ana": {"pending": 0, "accepted": shown, "rejected": 0},
        "budi": {"pending": 0, "accepted": shown - 1, "rejected": 1},
    }
    # A layer's row deleted (its article's cascade included) leaves the shared counts alone.
    session.exec(text("DELETE FROM mention WHERE layer IS NOT NULL"))  # type: ignore[call-overload]
    session.commit()
    assert agree(session) == before
    assert corpus_stats(session=session).layers == {}


@pytest.mark.sqlite_only("SQLite's query plan (PostgreSQL keeps statistics)")
def test_stats_read_no_mention_but_the_reviewers_layers(engine: Engine, session: Session) -> None:
    """`telaah stats` at 10M mentions: the shared layer's counts come from the tally, each
    reviewer's from `ix_mention_layer`; no statement walks the mention table."""
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        corpus_stats(session=session)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    plans = []
    with engine.connect() as connection:
        for statement in statements:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}").all()
            plans.extend(str(row[-1]) for row in rows)
    assert any("ix_mention_layer" in step for step in plans), plans
    assert not [step for step in plans if step.split()[:2] == ["SCAN", "mention"]], plans
