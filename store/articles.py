"""Repository functions for articles: detached read models, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from store import audit
from store.errors import NotFound, TelaahError
from store.models import ARTICLE_STATUSES, Article, Fact, Mention, utcnow
from store.search import search_ids


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """An article as a list shows it: no text."""

    id: int
    external_id: str
    title: str
    source: str | None
    published: date | None
    status: str
    length: int
    pending: int = 0  # pending candidates
    accepted: int = 0  # accepted mentions
    facts: int = 0


@dataclass(frozen=True, slots=True)
class ArticleView:
    """An article with its text and metadata."""

    id: int
    external_id: str
    title: str
    source: str | None
    url: str | None
    published: date | None
    status: str
    text: str
    sha256: str
    meta: dict[str, Any]


SORTS = {
    "id": col(Article.id),
    "title": col(Article.title),
    "published": col(Article.published),
    "source": col(Article.source),
    "status": col(Article.status),
}


def list_articles(
    *,
    session: Session,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: str = "id",
    search: str | None = None,
) -> list[ArticleRow]:
    """A page of articles with their counts, optionally of one status or matching a search.

    `search` is a full-text query over title and text (words, "a phrase", prefix*).
    """
    if sort not in SORTS:
        raise TelaahError(f"cannot sort by {sort!r}; choose one of {', '.join(SORTS)}")
    # More columns than sqlmodel's typed `select` takes: plain SQLAlchemy Core here.
    query = sa_select(
        col(Article.id), col(Article.external_id), col(Article.title), col(Article.source),
        col(Article.published), col(Article.status), func.length(col(Article.text)),
        _mentions_in("pending"), _mentions_in("accepted"),
        sa_select(func.count()).select_from(Fact)
        .where(col(Fact.article_id) == col(Article.id)).scalar_subquery(),
    )
    query = _filtered(query, status, search)
    query = query.order_by(SORTS[sort], col(Article.id)).limit(limit).offset(offset)
    return [ArticleRow(*row) for row in session.execute(query).all()]


def count_articles(*, session: Session, status: str | None = None,
                   search: str | None = None) -> int:
    """How many articles there are, optionally of one status or matching a search."""
    query = _filtered(sa_select(func.count()).select_from(Article), status, search)
    return int(session.execute(query).scalar_one())


def _mentions_in(state: str) -> Any:
    return (sa_select(func.count()).select_from(Mention)
            .where(col(Mention.article_id) == col(Article.id), col(Mention.state) == state)
            .scalar_subquery())


def _filtered(query: Any, status: str | None, search: str | None) -> Any:
    if status is not None:
        query = query.where(col(Article.status) == _checked_status(status))
    if search and search.strip():
        query = query.where(col(Article.id).in_(search_ids(search)))
    return query


def get_article(*, session: Session, article_id: int | None = None,
                external_id: str | None = None) -> ArticleView:
    """One article by id or external id."""
    query = select(Article)
    if article_id is not None:
        query = query.where(Article.id == article_id)
    elif external_id is not None:
        query = query.where(Article.external_id == external_id)
    else:
        raise TypeError("get_article needs article_id or external_id")
    article = session.exec(query).first()
    if article is None:
        raise NotFound(f"no article {article_id if article_id is not None else external_id!r}")
    return _view(article)


def set_status(*, session: Session, article_id: int, status: str, reviewer_id: int | None) -> None:
    """Set an article's status (todo, in_progress, done), audited and committed."""
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    before = article.status
    article.status = _checked_status(status)
    article.updated_at = utcnow()
    audit.record(session, action="article.status", reviewer_id=reviewer_id, target="article",
                 target_id=article_id, before={"status": before}, after={"status": status})
    session.commit()


def _checked_status(status: str) -> str:
    if status not in ARTICLE_STATUSES:
        raise TelaahError(f"unknown status {status!r}; choose one of {', '.join(ARTICLE_STATUSES)}")
    return status


def _view(a: Article) -> ArticleView:
    assert a.id is not None
    return ArticleView(a.id, a.external_id, a.title, a.source, a.url, a.published, a.status,
                       a.text, a.sha256, dict(a.meta or {}))
