"""Reviewers' layers read from the database as `Annotation`s (what `agreement_table` takes).

A reviewer's annotation of an article is their layer there (`mention.layer`): the mentions
they accepted are their spans; each shared candidate they decided (their row's
`derived_from`) is a decision, the label accepted or None for a rejection. Rows imported as a
reviewer's layer (no `derived_from`) are spans only. Pending rows are no decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from store.agreement.model import Annotation, Span
from store.models import Article, Entity, Mention, Reviewer


def load_layers(
    session: Session,
    *,
    article_ids: Sequence[int] | None = None,
    reviewers: Sequence[str] | None = None,
) -> list[Annotation]:
    """Every reviewer layer (of these articles and reviewers, when given), one per article."""
    query = (
        select(
            col(Mention.id),
            col(Mention.article_id),
            col(Reviewer.name),
            col(Mention.start),
            col(Mention.end),
            col(Mention.label),
            col(Entity.key),
            col(Mention.state),
            col(Mention.derived_from),
        )
        .join(Reviewer, col(Reviewer.id) == col(Mention.layer))
        .outerjoin(Entity, col(Entity.id) == col(Mention.entity_id))
        .where(col(Mention.layer).is_not(None), col(Mention.state) != "pending")
        .order_by(col(Mention.article_id), col(Mention.start), col(Mention.end))
    )
    if article_ids is not None:
        query = query.where(col(Mention.article_id).in_(list(article_ids)))
    if reviewers is not None:
        query = query.where(col(Reviewer.name).in_(list(reviewers)))
    out: dict[tuple[int, str], Annotation] = {}
    for mention_id, article_id, name, start, end, label, key, state, derived in session.execute(
        query
    ):
        annotation = out.get((article_id, name))
        if annotation is None:
            annotation = out[(article_id, name)] = Annotation(name, article_id)
        accepted = state == "accepted"
        if accepted:
            annotation.spans.append(Span(start, end, label, key, mention_id))
        if derived is not None:
            annotation.decisions[derived] = label if accepted else None
    return list(out.values())


def article_texts(session: Session, article_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The external id and text of each article (for showing where reviewers differ)."""
    out: dict[int, tuple[str, str]] = {}
    ids = sorted(set(article_ids))
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            select(col(Article.id), col(Article.external_id), col(Article.text)).where(
                col(Article.id).in_(ids[chunk : chunk + 500])
            )
        )
        for article_id, external_id, text in rows:
            out[article_id] = (external_id, text)
    return out
