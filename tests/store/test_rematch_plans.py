"""The queries of a re-match find an article's mentions by article, never by walking
`ix_mention_layer` (every shared-layer row has a NULL layer: SQLite, without statistics, took
that index for a selective one and read nearly every mention for each span or chunk, turning an
add of 0.8 s into minutes on 100,000 articles), and a reviewer's layer is still left out."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, select
from sqlmodel import col

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.models import Article, Mention
from store.review.candidates import _store
from store.review.precision import Precision
from store.review.rematch import _mentions_near
from store.reviewers import ensure_reviewer


def _plans(engine: Engine, run: Any) -> list[str]:
    """The query plans (EXPLAIN QUERY PLAN) of the SELECTs on `mention` that `run` makes."""
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, params: Any, _x: Any, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith("SELECT") and "mention" in statement:
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plans = []
    with engine.connect() as connection:
        for statement, params in seen:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            plans.append("\n".join(str(row[-1]) for row in rows))
    return plans


def test_rematch_reads_mentions_by_article_not_by_layer(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query planner")
    prepare_demo(engine, reviewer_id=None)
    with session_scope(engine) as session:
        ids = list(session.execute(select(col(Article.id))).scalars())
        mention = session.execute(
            select(Mention).where(col(Mention.state) == "pending").limit(1)
        ).scalar_one()
        copy = {k: v for k, v in mention.model_dump().items() if k != "id"}
        reviewer = ensure_reviewer(session=session, name="rina")
    article = copy["article_id"]
    # A reviewer's copy of a candidate (blind mode): never a shared candidate.
    with engine.begin() as connection:
        connection.execute(insert(Mention), [{**copy, "layer": reviewer, "state": "accepted"}])
    spans = [(i, 0, 10_000) for i in ids]
    near: list[Any] = []
    plans = _plans(engine, lambda: near.extend(_mentions_near_all(engine, ids, spans)))
    chunk = [(i, []) for i in (ids * 100)[:100]]  # (a chunk's worth of ids, as a match has)
    plans += _plans(engine, lambda: _store(engine, chunk, {}, Precision(), add_only=True))
    assert plans
    for plan in plans:
        assert "ix_mention_layer" not in plan, plan
    assert all(row.layer is None for row in near)
    assert sum(row.article_id == article for row in near) >= 1
    assert not any(row.state == "accepted" and row.article_id == article for row in near)


def _mentions_near_all(engine: Engine, ids: list[int], spans: list[Any]) -> list[Any]:
    with engine.connect() as connection:
        return list(_mentions_near(connection, ids, spans))
