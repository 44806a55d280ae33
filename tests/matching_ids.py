"""The articles a search matches, read from the search index alone."""

from __future__ import annotations

from sqlalchemy import select as sa_select
from sqlmodel import Session

from store.corpus.search import search_from
from store.models import Article


def matching_ids(session: Session, query: str) -> list[int]:
    """The ids matching `query`, in id order, from the search alone: no article column is
    read (a database downgraded for a test lacks the newer ones the listing reads)."""
    hits = search_from(session, Article.__table__, query)  # type: ignore[attr-defined]
    rows = session.execute(
        sa_select(hits.ident).select_from(hits.source).where(hits.condition).order_by(hits.ident)
    )
    return [int(article_id) for article_id in rows.scalars()]
