"""Re-matching after aliases were removed: only the lines of the candidates they proposed.

A removed alias's pending candidates (stored with `matched_alias`, per entity) are withdrawn,
and the lines they were on are matched again with the live matcher (already without the
alias), new names included (`names_in.window_candidates`; in the clauses where the spans
changed): what they hid comes back, and a line gives there what it gives inside the whole text
(windows.py). The lines of the entity's other pending candidates are matched again too (an
entity's names are trusted together), and those of candidates listing it as an alternative.
Every pending candidate the matcher proposed in those lines that differs from what they give
now is replaced; the rest of the article is left as it is.

In two steps: `withdraw_candidates` gives the candidates of entities of those lines (written,
they make the candidates current: what the screens show at the default threshold), then
`withdraw_names` the new names of the lines (scored under it) and the stored names relabelled,
from what the first step kept (`Withdrawal`); `withdraw_lines` is both at once.

A new name's label counts the labels of the candidates after the same word in the whole text
(`names._context`): the names of these lines, and the stored new names elsewhere after a word
that stood before a changed candidate, are labelled from the article's stored candidates
(those of an article without decided mentions are the matcher's), else from its lines where
those words stand, matched again (`names_in`). A relabelled stored name is updated in place.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    Engine,
    func,
    select,
    tuple_,
)
from sqlmodel import col

from store.matching import Candidate, Matcher
from store.matching.names import NEW_NAME, SCORE, hints_for, word_before
from store.matching.names_in import (
    after_words,
    context_of,
    lines_after,
    relabelled,
    shifted,
    window_matches,
    window_names,
    words_before,
)
from store.matching.scores import OVERLAP
from store.matching.windows import lines_around, sentence_initial_only
from store.models import Entity, Mention
from store.review.candidates import MatchReport
from store.review.withdraw_rows import names_at, read_chunk, read_texts

CHUNK = 500  # articles read per query
MAX_KEYS = 50  # more entities than this (an import undone): the articles are matched whole


def withdraw_lines(
    engine: Engine,
    matcher: Matcher,
    ids: list[int],
    removed: Collection[tuple[str, str]],
    report: MatchReport,
) -> tuple[list[tuple[int, list[Candidate]]], set[int], set[int]]:
    """Both steps at once (`withdraw_candidates`, then `withdraw_names` before anything is
    written): (what the lines give now and the names relabelled, the stored pending
    candidates they replace, the articles to match whole)."""
    additions, replaced, whole, later = withdraw_candidates(engine, matcher, ids, removed, report)
    named, renamed = withdraw_names(engine, matcher, later, report)
    merged: dict[int, list[Candidate]] = {}
    for article_id, found in [*additions, *named]:
        merged.setdefault(article_id, []).extend(found)
    out = [(i, sorted(found, key=lambda c: c.start)) for i, found in sorted(merged.items())]
    return out, replaced | renamed, whole


def withdraw_candidates(
    engine: Engine,
    matcher: Matcher,
    ids: list[int],
    removed: Collection[tuple[str, str]],
    report: MatchReport,
) -> tuple[list[tuple[int, list[Candidate]]], set[int], set[int], Withdrawal]:
    """The first step: the candidates of entities of the lines where the removed (entity key,
    alias) pairs had pending candidates, in the articles `ids`: (those that differ from the
    stored ones, the stored pending candidates of entities they replace, the articles to match
    whole, what the second step needs: `withdraw_names`). Written, they make the candidates
    current; the new names of those lines are as they were until the second step."""
    keys = sorted({key for key, _ in removed})
    later = Withdrawal(keys, [])
    if len(keys) > MAX_KEYS:
        return [], set(), set(ids), later
    hints = hints_for(matcher)
    additions: list[tuple[int, list[Candidate]]] = []
    replaced: set[int] = set()
    whole: set[int] = set()
    for at in range(0, len(ids), CHUNK):
        chunk = ids[at : at + CHUNK]
        with engine.connect() as connection:
            spans, stored, decided, texts, counted = read_chunk(connection, chunk, keys)
        for article_id, text in texts:
            windows = lines_around(text, spans.get(article_id, []))
            if not windows or not hints.overall:  # (a label then comes from the context)
                whole.add(article_id)
                continue
            found = window_matches(matcher, text, windows)
            taken = [
                c for (low, _), part in zip(windows, found, strict=True) for c in shifted(part, low)
            ]
            if sentence_initial_only(taken):  # (the doubt of such a candidate depends on the
                whole.add(article_id)  # whole text)
                continue
            mine = stored.get(article_id, [])  # the candidates of entities
            inside = _within(windows, [m.start for m in mine])
            held = [m for m, i in zip(mine, inside, strict=True) if i]
            new, same = _changed(taken, held, keys, spans.get(article_id, []))
            gone = {int(m.id) for m in held} - same
            report.articles += 1
            report.kept += counted.get(article_id, 0) - len(gone)
            replaced |= gone
            if new or gone:  # (an article without one: its `gone` are not withdrawn)
                additions.append((article_id, new))
            later.lines.append(
                _Lines(
                    article_id,
                    windows,
                    found,
                    mine,
                    inside,
                    taken,
                    article_id in decided,
                    spans.get(article_id, []),
                )
            )
    return additions, replaced, whole, later


def withdraw_names(
    engine: Engine, matcher: Matcher, later: Withdrawal, report: MatchReport
) -> tuple[list[tuple[int, list[Candidate]]], set[int]]:
    """The second step: the new names of the lines `withdraw_candidates` matched again (in the
    clauses where the candidates' spans changed) and the stored new names elsewhere relabelled:
    (the names that differ from the stored ones, the stored names they replace).

    A new name's label counts the labels of the candidates after the same word in the whole
    text: a stored new name elsewhere after a word that stood before a candidate of these
    lines, then or now, is labelled again."""
    hints = hints_for(matcher)
    additions: list[tuple[int, list[Candidate]]] = []
    replaced: set[int] = set()
    for at in range(0, len(later.lines), CHUNK):
        plans = later.lines[at : at + CHUNK]
        lines: list[tuple[_Lines, str, list[Candidate], list[tuple[int, int]], set[str], set[int]]]
        lines = []
        with engine.connect() as connection:
            texts = dict(read_texts(connection, [x.article_id for x in plans]))
            for x in plans:
                text = texts.get(x.article_id)
                if text is None:  # (deleted since)
                    continue
                # The stored candidates of the lines are the matcher's unless a decided
                # mention kept one out: the names are then looked for only where their spans
                # changed.
                before = None
                if not x.decided:
                    before = [(m.start, m.end) for m, i in zip(x.mine, x.inside, strict=True) if i]
                named = window_names(matcher, text, x.windows, x.found, before)
                names, ranges = named if named is not None else ([], [])
                changed = words_before(
                    text,
                    [m.start for m, i in zip(x.mine, x.inside, strict=True) if i]
                    + [c.start for c in x.taken],
                )
                after = after_words(text, changed) if changed else set()
                lines.append((x, text, names, ranges, changed, after))
            # The stored names to replace (where names were looked for) or maybe relabel.
            where = [(x.article_id, low, high) for x, _, _, got, _, _ in lines for low, high in got]
            where += [(x.article_id, p, p + 1) for x, _, _, _, _, after in lines for p in after]
            named_at = names_at(connection, where, [x.article_id for x in plans])
        for x, text, names, ranges, changed, after in lines:
            article_id = x.article_id
            held_names = named_at.get(article_id, [])
            inside_names = _within(ranges, [m.start for m in held_names])
            stale = [
                m
                for m, i in zip(held_names, inside_names, strict=True)
                if not i and m.start in after and word_before(text, m.start) in changed
            ]
            words = words_before(text, [c.start for c in names] + [m.start for m in stale])
            gone = {int(m.id) for m, i in zip(held_names, inside_names, strict=True) if i}
            if words:
                if x.decided:  # a candidate may be kept out: match its lines
                    found_lines = lines_after(matcher, text, x.windows, words)
                    others = [(c.start, c.label) for c in found_lines]
                else:  # the stored candidates elsewhere are the matcher's
                    others = [
                        (m.start, m.label)
                        for m, i in zip(x.mine, x.inside, strict=True)
                        if not i and m.entity_id
                    ]
                context = context_of(text, words, [(c.start, c.label) for c in x.taken] + others)
                names = [relabelled(hints, text, c, context) for c in names]
                for m in stale:
                    name = relabelled(hints, text, _stored_name(text, m), context)
                    if name.label != m.label:
                        names.append(name)
                        gone.add(int(m.id))
            held = [m for m, i in zip(held_names, inside_names, strict=True) if i]
            new, same = _changed(names, held, later.keys, x.anchors)
            gone -= same
            report.kept -= len(gone)
            replaced |= gone
            if new or gone:  # (an article without one: its `gone` are not withdrawn)
                additions.append((article_id, sorted(new, key=lambda c: c.start)))
    return additions, replaced


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


class _Lines(NamedTuple):
    """An article's lines matched again by the first step, for the second."""

    article_id: int
    windows: list[tuple[int, int]]
    found: list[list[Candidate]]  # each window's candidates, in its own offsets
    mine: list[Any]  # its pending candidates of entities, as stored before
    inside: list[bool]  # whether each is in the lines
    taken: list[Candidate]  # the lines' candidates now
    decided: bool  # the article has a decided mention
    anchors: list[tuple[int, int]]  # the spans the lines were taken for


@dataclass(slots=True)
class Withdrawal:
    """What the first step of a removal by lines leaves to the second (the new names)."""

    keys: list[str]  # the removed aliases' entities
    lines: list[_Lines]


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
