"""The queue's counts by status come from `article_tally` (migration 0013), kept by triggers:
they agree with a count of the rows after imports, status changes, bulk updates and
deletions, whichever way the rows were written."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, delete, func, text, update
from sqlmodel import Session, col, select

from store.corpus.articles import count_articles, count_by_status, set_status
from store.ingest.articles import import_articles
from store.ingest.sink import BATCH
from store.models import ARTICLE_STATUSES, Article


def counted(session: Session) -> dict[str, int]:
    """The articles by status, by scanning them."""
    counts = dict.fromkeys(ARTICLE_STATUSES, 0)
    query = select(Article.status, func.count()).group_by(col(Article.status))
    for status, n in session.exec(query).all():
        counts[status] = n
    return counts


def agree(session: Session) -> dict[str, int]:
    session.expire_all()
    tallied = count_by_status(session=session)
    assert tallied == counted(session)
    assert count_articles(session=session) == sum(tallied.values())
    for status in ARTICLE_STATUSES:
        assert count_articles(session=session, status=status) == tallied[status]
    return tallied


def test_the_counts_follow_every_write(engine: Engine, session: Session, tmp_path: Path) -> None:
    path = tmp_path / "articles.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(BATCH * 2 + 7):  # batches written at once on PostgreSQL
            out.write(json.dumps({"id": f"a{i}", "text": f"artikel {i}"}) + "\n")
    import_articles(engine, [path], reviewer_id=None)
    assert agree(session) == {"todo": BATCH * 2 + 7, "in_progress": 0, "done": 0}
    set_status(session=session, article_id=1, status="done", reviewer_id=None)
    set_status(session=session, article_id=2, status="in_progress", reviewer_id=None)
    set_status(session=session, article_id=2, status="in_progress", reviewer_id=None)  # no change
    assert agree(session) == {"todo": BATCH * 2 + 5, "in_progress": 1, "done": 1}
    with engine.begin() as connection:  # a bulk update, a bulk delete: one statement each
        connection.execute(
            update(Article).where(col(Article.id) <= 100).values(status="in_progress")
        )
        connection.execute(delete(Article).where(col(Article.id) > BATCH * 2))
    assert agree(session) == {"todo": BATCH * 2 - 100, "in_progress": 100, "done": 0}
    with engine.begin() as connection:  # rows folded or not, a count is the sum of its rows
        rows = connection.execute(text("SELECT count(*) FROM article_tally")).scalar_one()
    assert rows >= len(ARTICLE_STATUSES)
