"""The candidate dump: every current candidate as one JSON object a line."""

from __future__ import annotations

import json
from typing import IO

from sqlalchemy import or_, select
from sqlmodel import Session, col

from store.matching.names import NEW_NAME
from store.models import Article, Entity, Mention


def write_candidates(
    *, session: Session, handle: IO[str], min_score: float = 0.0, new_names: bool = False
) -> int:
    """Write the pending gazetteer candidates scored `min_score` or more, by article and
    offset; return how many.

    One line: {"article", "start", "end", "text", "entity", "label", "alias", "score",
    "method", "alternatives", "reason"}; `article` is the external id, `entity` the key (null
    for a name the gazetteer lacks: written only with `new_names`, whatever its score).
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
            col(Mention.reason),
        )
        .join(Article, col(Article.id) == col(Mention.article_id))
        .join(Entity, col(Entity.id) == col(Mention.entity_id), isouter=True)
        .where(
            col(Mention.state) == "pending",
            col(Mention.origin) == "gazetteer",
            col(Mention.layer).is_(None),  # the matcher's candidates: the shared layer's
        )
        .order_by(col(Mention.article_id), col(Mention.start), col(Mention.end))
    )
    if new_names:  # (all of them: they are scored under the default threshold by design)
        query = query.where(or_(col(Mention.score) >= min_score, col(Mention.reason) == NEW_NAME))
    else:
        query = query.where(col(Mention.score) >= min_score, col(Mention.entity_id).is_not(None))
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
                    "reason": row[10],
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        count += 1
    return count
