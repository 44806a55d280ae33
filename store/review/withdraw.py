"""Re-matching after aliases were removed: only the lines of the candidates they proposed.

A removed alias's pending candidates (stored with `matched_alias`, per entity) are withdrawn,
and the lines they were on are matched again with the live matcher (already without the
alias), new names included (`names_in.window_candidates`; in the clauses where the spans
changed): what they hid comes back, and a line gives there what it gives inside the whole text
(windows.py). The lines of the entity's other pending candidates are matched again too (an
entity's names are trusted together), and those of candidates listing it as an alternative.
Every pending candidate the matcher proposed in those lines that differs from what they give
now is replaced; the rest of the article is left as it is.

A new name's label counts the labels of the candidates after the same word in the whole text
(`names._context`): the names of these lines, and the stored new names elsewhere after a word
that stood before a changed candidate, are labelled from the article's stored candidates
(those of an article without decided mentions are the matcher's), else from its lines where
those words stand, matched again (`names_in`). A relabelled stored name is updated in place.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Engine, String, func, or_, select, tuple_, type_coerce
from sqlmodel import col

from store.matching import Candidate, Matcher
from store.matching.names import NEW_NAME, SCORE, hints_for, word_before
from store.matching.names_in import (
    after_words,
    context_of,
    lines_after,
    relabelled,
    window_candidates,
    words_before,
)
from store.matching.scores import OVERLAP
from store.matching.windows import Window, sentence_initial_only
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
    candidates, in the articles `ids`, and the stored new names elsewhere relabelled: (what
    those lines give now and the names relabelled, the stored pending candidates they replace,
    the articles to match whole)."""
    keys = sorted({key for key, _ in removed})
    if len(keys) > MAX_KEYS:
        return [], set(), set(ids)
    hints = hints_for(matcher)
    additions: list[tuple[int, list[Candidate]]] = []
    replaced: set[int] = set()
    whole: set[int] = set()
    for at in range(0, len(ids), CHUNK):
        chunk = ids[at : at + CHUNK]
        with engine.connect() as connection:
            spans, stored, decided, texts = _read(connection, chunk, keys)
        for article_id, text in texts:
            windows = _lines(text, spans.get(article_id, []))
            mine = stored.get(article_id, [])
            inside = _within(windows, [m.start for m in mine])
            # The candidates stored in the lines are the matcher's unless a decided mention
            # kept one out: the names are then looked for only where their spans changed.
            before = None
            if article_id not in decided:
                before = [
                    (m.start, m.end) for m, i in zip(mine, inside, strict=True) if i and m.entity_id
                ]
            found = window_candidates(matcher, text, windows, before) if windows else None
            if found is None:
                whole.add(article_id)
                continue
            taken, names, ranges = found
            if sentence_initial_only(taken):  # its doubt depends on the whole text
                whole.add(article_id)
                continue
            # A stored name is replaced where names were looked for, else kept as it is.
            named = _within(ranges, [m.start for m in mine])
            inside = [i if m.entity_id else n for m, i, n in zip(mine, inside, named, strict=True)]
            # A new name's label counts the labels of the candidates after the same word in the
            # whole text: a stored new name elsewhere after a word that stood before a
            # candidate of these lines, then or now, is labelled again.
            changed = words_before(
                text,
                [m.start for m, i in zip(mine, inside, strict=True) if i and m.entity_id]
                + [c.start for c in taken],
            )
            after = after_words(text, changed) if changed else set()
            stale = [
                m
                for m, i in zip(mine, inside, strict=True)
                if m.start in after
                and not i
                and m.entity_id is None
                and word_before(text, m.start) in changed
            ]
            words = words_before(text, [c.start for c in names] + [m.start for m in stale])
            gone = {int(m.id) for m, i in zip(mine, inside, strict=True) if i}
            if words:
                if article_id in decided:  # a candidate may be kept out: match its lines
                    lines = lines_after(matcher, text, windows, words)
                    others = [(c.start, c.label) for c in lines]
                else:  # the stored candidates elsewhere are the matcher's
                    others = [
                        (m.start, m.label)
                        for m, i in zip(mine, inside, strict=True)
                        if not i and m.entity_id
                    ]
                context = context_of(text, words, [(c.start, c.label) for c in taken] + others)
                names = [relabelled(hints, text, c, context) for c in names]
                for m in stale:
                    name = relabelled(hints, text, _stored_name(text, m), context)
                    if name.label != m.label:
                        names.append(name)
                        gone.add(int(m.id))
            held = [m for m, i in zip(mine, inside, strict=True) if i]
            new, same = _changed(taken + names, held, keys, spans.get(article_id, []))
            gone -= same
            report.articles += 1
            report.kept += len(mine) - len(gone)
            replaced |= gone
            if new:
                additions.append((article_id, sorted(new, key=lambda c: c.start)))
    return additions, replaced, whole


def _within(ranges: list[tuple[int, int]], starts: list[int]) -> list[bool]:
    """Whether each of `starts` falls in one of `ranges` (in order, without overlaps)."""
    lows = [low for low, _ in ranges]
    out = []
    for start in starts:
        k = bisect_right(lows, start) - 1
        out.append(k >= 0 and start < ranges[k][1])
    return out


def _changed(
    found: list[Candidate], held: list[Any], keys: list[str], anchors: list[tuple[int, int]]
) -> tuple[list[Candidate], set[int]]:
    """The candidates of `found` (what the lines give now) that are not stored as they are
    among `held` (the lines' stored pending candidates), and the ids of those that are.

    Only the removed aliases' entities (`keys`) lost hits: a candidate of another entity at
    the same span, with the same label and alias, is the one stored, unless one of those
    entities fits it too (its alternatives), it was one of theirs (`anchors`), or it was kept
    beside a span that may have changed (`overlap`)."""
    touched = set(keys)
    anchored = set(anchors)
    stored = {(m.start, m.end, m.key or ""): m for m in held}
    new: list[Candidate] = []
    same: set[int] = set()
    for c in found:
        m = stored.get((c.start, c.end, c.key))
        if (
            m is not None
            and m.label == c.label
            and (m.matched_alias or "") == c.alias
            and c.key not in touched
            and touched.isdisjoint(c.alternatives)
            and (c.start, c.end) not in anchored
            and OVERLAP not in (c.reason or "")
        ):
            same.add(int(m.id))
        else:
            new.append(c)
    return new, same


def _read(
    connection: Connection, chunk: list[int], keys: list[str]
) -> tuple[dict[int, list[tuple[int, int]]], dict[int, list[Any]], set[int], list[tuple[int, str]]]:
    """For the articles of `chunk`: the spans of the lines to match again (the pending
    candidates of the entities `keys`, and those listing one of them as an alternative), their
    pending candidates of the gazetteer, the articles with a decided mention, their texts."""
    anchors = connection.execute(
        select(col(Mention.article_id), col(Mention.start), col(Mention.end))
        .join(Entity, col(Entity.id) == col(Mention.entity_id))
        .where(
            col(Mention.article_id).in_(chunk),
            col(Mention.state) == "pending",
            col(Mention.origin) == "gazetteer",
            or_(
                col(Entity.key).in_(keys),
                *(
                    type_coerce(col(Mention.alternatives), String).like(f"%{json.dumps(key)}%")
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
            col(Mention.end),
            col(Mention.entity_id),
            col(Entity.key),
            col(Mention.label),
            col(Mention.matched_alias),
        )
        .join(Entity, col(Entity.id) == col(Mention.entity_id), isouter=True)
        .where(
            col(Mention.article_id).in_(chunk),
            col(Mention.state) == "pending",
            col(Mention.origin) == "gazetteer",
        )
    ).all()
    decided = set(
        connection.execute(
            select(func.distinct(col(Mention.article_id))).where(
                col(Mention.article_id).in_(chunk), col(Mention.state) != "pending"
            )
        ).scalars()
    )
    texts = connection.execute(
        select(col(Article.id), col(Article.text)).where(col(Article.id).in_(chunk))
    ).all()
    spans: dict[int, list[tuple[int, int]]] = {}
    for row in anchors:
        spans.setdefault(int(row.article_id), []).append((row.start, row.end))
    stored: dict[int, list[Any]] = {}
    for held in pending:
        stored.setdefault(int(held.article_id), []).append(held)
    return spans, stored, decided, [(int(i or 0), t) for i, t in texts]


def _stored_name(text: str, row: Any) -> Candidate:
    """A stored new name as the matching run proposed it."""
    return Candidate(
        start=row.start,
        end=row.end,
        text=text[row.start : row.end],
        key="",
        label=row.label,
        alias="",
        score=SCORE,
        method="name",
        reason=NEW_NAME,
    )


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
