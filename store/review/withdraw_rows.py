"""The rows a removal by lines reads (store/review/withdraw.py), a chunk of articles at a time."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, and_, func, literal, select
from sqlmodel import col

from store.dialect import json_text
from store.models import Article, Entity, Mention


def read_chunk(
    connection: Connection, chunk: list[int], keys: list[str]
) -> tuple[
    dict[int, list[tuple[int, int]]],
    dict[int, list[Any]],
    set[int],
    list[tuple[int, str]],
    dict[int, int],
]:
    """For the articles of `chunk`: the spans of the lines to match again (the pending
    candidates of the entities `keys`, and those listing one of them as an alternative), their
    pending candidates of entities (the new names: `names_at`), the articles with a decided
    mention, their texts, how many pending candidates of the gazetteer each has (new names
    included). Three queries: the anchors are picked from the pending candidates in Python."""
    pending = connection.execute(
        select(
            col(Mention.id),
            col(Mention.article_id),
            col(Mention.start),
            col(Mention.end),
            col(Mention.entity_id),
            col(Entity.key),
            col(Mention.label),
            col(Mention.matched_alias),
            json_text(col(Mention.alternatives)).label("alternatives"),
        )
        .join(Entity, col(Entity.id) == col(Mention.entity_id))
        .where(
            col(Mention.article_id).in_(chunk),
            col(Mention.state) == "pending",
            col(Mention.origin) == "gazetteer",
        )
    ).all()
    states = connection.execute(
        select(col(Mention.article_id), col(Mention.state), col(Mention.origin), func.count())
        .where(col(Mention.article_id).in_(chunk))
        .group_by(col(Mention.article_id), col(Mention.state), col(Mention.origin))
    ).all()
    texts = read_texts(connection, chunk)
    touched = set(keys)
    quoted = [json.dumps(key) for key in keys]  # a key in the alternatives' JSON text
    spans: dict[int, list[tuple[int, int]]] = {}
    stored: dict[int, list[Any]] = {}
    for held in pending:
        article_id = int(held.article_id)
        stored.setdefault(article_id, []).append(held)
        alternatives = held.alternatives or ""
        if held.key in touched or (alternatives != "[]" and any(q in alternatives for q in quoted)):
            spans.setdefault(article_id, []).append((held.start, held.end))
    decided: set[int] = set()
    counted: dict[int, int] = {}
    for article_id, state, origin, n in states:
        if state != "pending":
            decided.add(int(article_id))
        elif origin == "gazetteer":
            counted[int(article_id)] = int(n)
    return spans, stored, decided, texts, counted


def names_at(
    connection: Connection, spans: list[tuple[int, int, int]], chunk: list[int]
) -> dict[int, list[Any]]:
    """The pending new names starting in one of `spans` (article id, start, end), by article:
    on SQLite the spans go in as one JSON parameter (most pending rows are names: only these
    are read), elsewhere every new name of the chunk is read and filtered."""
    query = select(
        col(Mention.id),
        col(Mention.article_id),
        col(Mention.start),
        col(Mention.end),
        col(Mention.entity_id),
        col(Mention.label),
        col(Mention.matched_alias),
        col(Mention.state),
        col(Mention.origin),
        literal(None).label("key"),
    )
    out: dict[int, list[Any]] = {}
    if not spans:
        return out
    if connection.dialect.name == "sqlite":
        # Only the spans' conditions in SQL, the spans first: with the state's condition there
        # SQLite walks every pending row for each span (minutes on 100,000 articles).
        near = func.json_each(json.dumps(spans)).table_valued("value").alias("near")
        found = connection.execute(
            query.distinct()
            .select_from(near)
            .join(
                Mention,
                and_(
                    col(Mention.article_id) == func.json_extract(near.c.value, "$[0]"),
                    col(Mention.start) >= func.json_extract(near.c.value, "$[1]"),
                    col(Mention.start) < func.json_extract(near.c.value, "$[2]"),
                ),
            )
        ).all()
    else:
        wanted: dict[int, list[tuple[int, int]]] = {}
        for article_id, low, high in spans:
            wanted.setdefault(article_id, []).append((low, high))
        found = [
            row
            for row in connection.execute(query.where(col(Mention.article_id).in_(chunk))).all()
            if any(low <= row.start < high for low, high in wanted.get(row.article_id, []))
        ]
    rows = [
        row
        for row in found
        if row.state == "pending" and row.origin == "gazetteer" and row.entity_id is None
    ]
    for row in rows:
        out.setdefault(int(row.article_id), []).append(row)
    return out


def read_texts(connection: Connection, ids: list[int]) -> list[tuple[int, str]]:
    """The texts of the articles `ids`: (id, text)."""
    rows = connection.execute(
        select(col(Article.id), col(Article.text)).where(col(Article.id).in_(ids))
    ).all()
    return [(int(i or 0), t) for i, t in rows]
