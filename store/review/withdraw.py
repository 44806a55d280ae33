"""Re-matching after aliases were removed: only the lines of the candidates they proposed.

A removed alias's pending candidates (stored with `matched_alias`, per entity) are withdrawn,
and the lines they were on are matched again with the live matcher (already without the
alias), new names included (`names.with_new_names_in`): what they hid comes back, and a line
gives there what it gives inside the whole text (windows.py). The lines of the entity's other
pending candidates are matched again too (an entity's names are trusted together), and those of
candidates listing it as an alternative. An article where a stored new name elsewhere may take
another label (its context changed) is matched whole. Every
pending candidate the matcher proposed in those lines is replaced by what they give now; the
rest of the article is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Collection

from sqlalchemy import Engine, func, or_, select, tuple_
from sqlmodel import col

from store.dialect import json_text
from store.matching import Candidate, Matcher
from store.matching.names import with_new_names_in, words_before
from store.matching.windows import Window
from store.models import Article, Entity, Mention
from store.review.candidates import MatchReport

CHUNK = 500  # articles read per query
MAX_KEYS = 50  # more entities than this (an import undone): the articles are matched whole


def _lines(text: str, spans: list[tuple[int, int]]) -> list[Window]:
    """The whole lines of `text` holding `spans`, in order, without overlaps."""
    windows: list[Window] = []
    for start, end in sorted(spans):
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", max(end, start + 1) - 1)
        line_end = len(text) if line_end < 0 else line_end + 1
        if windows and line_start < windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], line_end))
        else:
            windows.append((line_start, line_end))
    return windows


def withdraw_lines(
    engine: Engine,
    matcher: Matcher,
    ids: list[int],
    removed: Collection[tuple[str, str]],
    report: MatchReport,
) -> tuple[list[tuple[int, list[Candidate]]], set[int], set[int]]:
    """The candidates of the lines where the removed (entity key, alias) pairs had pending
    candidates, in the articles `ids`: (what those lines give now, the stored pending
    candidates they replace, the articles to match whole)."""
    keys = sorted({key for key, _ in removed})
    if len(keys) > MAX_KEYS:
        return [], set(), set(ids)
    additions: list[tuple[int, list[Candidate]]] = []
    replaced: set[int] = set()
    whole: set[int] = set()
    for at in range(0, len(ids), CHUNK):
        chunk = ids[at : at + CHUNK]
        with engine.connect() as connection:
            # The lines to match again: the removed pairs' candidates and their entities'.
            anchors = connection.execute(
                select(col(Mention.article_id), col(Mention.start), col(Mention.end))
                .join(Entity, col(Entity.id) == col(Mention.entity_id))
                .where(
                    col(Mention.article_id).in_(chunk),
                    col(Mention.state) == "pending",
                    col(Mention.origin) == "gazetteer",
                    or_(
                        col(Entity.key).in_(keys),
                        # A span the removed alias's entity fitted too (an alternative).
                        *(
                            json_text(col(Mention.alternatives)).like(f"%{json.dumps(key)}%")
                            for key in keys
                        ),
                    ),
                )
            ).all()
            pending = connection.execute(
                select(
                    col(Mention.id),
                    col(Mention.article_id),
                    col(Mention.start),
                    col(Mention.entity_id),
                ).where(
                    col(Mention.article_id).in_(chunk),
                    col(Mention.state) == "pending",
                    col(Mention.origin) == "gazetteer",
                )
            ).all()
            texts = connection.execute(
                select(col(Article.id), col(Article.text)).where(col(Article.id).in_(chunk))
            ).all()
        spans: dict[int, list[tuple[int, int]]] = {}
        for row in anchors:
            spans.setdefault(int(row.article_id), []).append((row.start, row.end))
        stored: dict[int, list[tuple[int, int, bool]]] = {}
        for held in pending:
            stored.setdefault(int(held.article_id), []).append(
                (int(held.id or 0), held.start, held.entity_id is None)
            )
        for row_id, text in texts:
            article_id = int(row_id or 0)
            windows = _lines(text, spans.get(article_id, []))
            found = with_new_names_in(matcher, text, windows) if windows else None
            if found is None:
                whole.add(article_id)
                continue
            mine = stored.get(article_id, [])
            inside = [any(s <= start < e for s, e in windows) for _, start, _ in mine]
            # A new name's label counts the candidates after the same word in the whole text
            # (`names._context`): a stored new name elsewhere after a word that stood before a
            # candidate of these lines, then or now, may change: the article is matched whole.
            changed = words_before(
                text,
                [start for (_, start, name), i in zip(mine, inside, strict=True) if i and not name]
                + [c.start for c in found if c.key],
            )
            if changed & words_before(
                text,
                [start for (_, start, name), i in zip(mine, inside, strict=True) if name and not i],
            ):
                whole.add(article_id)
                continue
            gone = {m[0] for m, i in zip(mine, inside, strict=True) if i}
            report.articles += 1
            report.kept += len(mine) - len(gone)
            replaced |= gone
            additions.append((article_id, found))
    return additions, replaced, whole


def removal_reach(engine: Engine, removed: Collection[tuple[str, str]]) -> set[int]:
    """The articles with pending candidates of the removed (entity key, alias) pairs."""
    with engine.connect() as connection:
        return set(
            connection.execute(
                select(func.distinct(col(Mention.article_id)))
                .join(Entity, col(Entity.id) == col(Mention.entity_id))
                .where(
                    col(Mention.state) == "pending",
                    tuple_(col(Entity.key), col(Mention.matched_alias)).in_(list(removed)),
                )
            ).scalars()
        )
