"""The candidate dump: every current candidate as one JSON object a line."""

from __future__ import annotations

import json
from typing import IO

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import Article, Entity, Mention


def write_candidates(*, session: Session, handle: IO[str]) -> int:
    """Write every pending gazetteer candidate, by article and offset; return how many.

    One line: {"article", "start", "end", "text", "entity", "label", "alias", "score",
    "method", "alternatives"}; `article` is the external id, `entity` the key.
    """
    query = (
        select(
            col(Article.external_id),
            col(Mention.start),
            col(Mention.end),
            col(Mention.text),
            col(Entity.key),
            col(Mention.label),
            col(Mention.matched_alias),
            col(Mention.score),
            col(Mention.method),
            col(Mention.alternatives),
        )
        .join(Article, col(Article.id) == col(Mention.article_id))
        .join(Entity, col(Entity.id) == col(Mention.entity_id), isouter=True)
        .where(
            col(Mention.state) == "pending",
            col(Mention.origin) == "gazetteer",
            col(Mention.entity_id).is_not(None),  # not the `new name` proposals
        )
        .order_by(col(Mention.article_id), col(Mention.start), col(Mention.end))
    )
    count = 0
    for row in session.execute(query).yield_per(2000):
        handle.write(
            json.dumps(
                {
                    "article": row[0],
                    "start": row[1],
                    "end": row[2],
                    "text": row[3],
                    "entity": row[4],
                    "label": row[5],
                    "alias": row[6],
                    "score": row[7],
                    "method": row[8],
                    "alternatives": list(row[9] or []),
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        count += 1
    return count
