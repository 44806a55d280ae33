"""Article listings: every sort both ways, keyset pages, positions and neighbours."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert
from sqlmodel import Session

from store.corpus.articles import (
    SORTS,
    ArticleRow,
    article_position,
    last_articles,
    list_articles,
    neighbour_article,
)
from store.models import Article, Fact, Mention

N = 120


@pytest.fixture
def corpus(engine: Engine) -> None:
    """N articles with repeated titles, missing sources and dates, mentions and facts."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    articles: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    facts: list[dict[str, Any]] = []
    for n in range(1, N + 1):
        text = f"Teks nomor {n} tentang Rusia."
        articles.append(
            {
                "id": n,
                "external_id": f"a{n}",
                "title": rng.choice(["Alpha", "beta", "Gamma"]),
                "source": rng.choice([None, "kompas", "antara"]),
                "url": None,
                "published": rng.choice(
                    [None, date(2024, 1, 1) + timedelta(days=rng.randint(0, 9))]
                ),
                "text": text,
                "sha256": f"{n:064x}",
                "status": rng.choice(["todo", "done", "in_progress"]),
                "meta": {},
                "created_at": now,
                "updated_at": now,
            }
        )
        for i in range(rng.randint(0, 4)):
            mentions.append(
                {
                    "article_id": n,
                    "start": i,
                    "end": i + 1,
                    "text": text[i],
                    "label": "LOC",
                    "state": rng.choice(["pending", "accepted", "rejected"]),
                    "origin": "gazetteer",
                    "alternatives": [],
                    "created_at": now,
                }
            )
        facts += [
            {
                "article_id": n,
                "type": "T",
                "state": "pending",
                "origin": "manual",
                "created_at": now,
            }
        ] * rng.randint(0, 2)
    with engine.begin() as connection:
        connection.execute(insert(Article.__table__), articles)  # type: ignore[attr-defined]
        connection.execute(insert(Mention.__table__), mentions)  # type: ignore[attr-defined]
        connection.execute(insert(Fact.__table__), facts)  # type: ignore[attr-defined]


def expected(rows: list[ArticleRow], sort: str, descending: bool) -> list[int]:
    """The listing's order computed in Python: key (None first), then id."""

    def key(row: ArticleRow) -> tuple[Any, int]:
        value = getattr(row, sort)
        if sort in ("source", "published"):
            value = (value is not None, value or "")
        return value, row.id

    return [row.id for row in sorted(rows, key=key, reverse=descending)]


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", list(SORTS))
def test_every_sort_both_ways_with_keyset_pages(
    session: Session, sort: str, descending: bool
) -> None:
    everything = list_articles(session=session, limit=N)
    assert sum(r.pending for r in everything) and sum(r.facts for r in everything)
    for status in (None, "todo"):
        rows = [r for r in everything if status is None or r.status == status]
        order = expected(rows, sort, descending)
        listing: dict[str, Any] = {"status": status, "sort": sort, "descending": descending}
        assert [r.id for r in list_articles(session=session, limit=N, **listing)] == order
        assert [
            r.id for r in list_articles(session=session, limit=7, offset=5, **listing)
        ] == order[5:12]
        middle = order[len(order) // 2]
        at = order.index(middle)
        assert [
            r.id for r in list_articles(session=session, limit=5, after=middle, **listing)
        ] == order[at + 1 : at + 6]
        assert [
            r.id for r in list_articles(session=session, limit=5, before=middle, **listing)
        ] == order[max(0, at - 5) : at]
        assert [r.id for r in last_articles(session=session, limit=9, **listing)] == order[-9:]
        assert article_position(session=session, article_id=middle, **listing) == at
        assert (
            neighbour_article(session=session, article_id=middle, step=1, **listing)
            == order[at + 1]
        )
        assert (
            neighbour_article(session=session, article_id=middle, step=-1, **listing)
            == order[at - 1]
        )
        assert neighbour_article(session=session, article_id=order[-1], step=1, **listing) is None
        assert neighbour_article(session=session, article_id=order[0], step=-1, **listing) is None


@pytest.mark.usefixtures("corpus")
def test_neighbour_of_an_article_that_left_the_listing(session: Session) -> None:
    everything = list_articles(session=session, limit=N, sort="title")
    done = [r for r in everything if r.status == "done"]
    todo = [r.id for r in everything if r.status == "todo"]
    gone = done[len(done) // 2]
    listing: dict[str, Any] = {"status": "todo", "sort": "title"}
    assert article_position(session=session, article_id=gone.id, **listing) is None
    # In (title, id) order the next todo article after the done one, and the one before it.
    after = [
        r.id for r in everything if (r.title, r.id) > (gone.title, gone.id) and r.status == "todo"
    ]
    before = [
        r.id for r in everything if (r.title, r.id) < (gone.title, gone.id) and r.status == "todo"
    ]
    assert neighbour_article(session=session, article_id=gone.id, step=1, **listing) == after[0]
    assert neighbour_article(session=session, article_id=gone.id, step=-1, **listing) == before[-1]
    assert set(after + before) == set(todo)
    assert neighbour_article(session=session, article_id=N + 10, step=1, **listing) is None
