"""Re-matching after a gazetteer change: only the articles the changed aliases can reach."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, and_, func, select
from sqlmodel import col

from store.corpus.search import articles_with_terms, has_search_index, variant_terms
from store.db import session_scope
from store.dialect import json_int, json_rows, json_text
from store.gazetteer.change import GazetteerChange
from store.matching import Candidate, Matcher
from store.matching.delta import Delta
from store.matching.index import Index
from store.matching.names_in import shifted, window_matches
from store.matching.windows import (
    lines_around,
    lines_holding,
    sentence_initial_only,
    terms_pattern,
)
from store.models import Alias, Article, Entity, Mention
from store.review.candidates import (
    MatchReport,
    add_candidates,
    gazetteer_aliases,
    match_articles,
    record_match,
)
from store.review.live import live_matcher
from store.review.withdraw import (
    Withdrawal,
    removal_reach,
    withdraw_candidates,
    withdraw_names,
)

# A candidate kept out because it overlapped an accepted mention is not stored, yet it took
# its place among the matcher's spans: a new candidate this close to an accepted mention may
# overlap it (candidates are far shorter than this), so its line is matched again with the
# live matcher to see (`_line_check`).
NEAR = 400
SPLICE_CHUNK = 500  # articles read per query when splicing
LANGUAGES = ("id", "en")  # as `Matcher.build`


def _reached(
    engine: Engine, change: GazetteerChange
) -> tuple[set[int], set[int], re.Pattern[str] | None]:
    """(articles reached through the change's added aliases, articles reached through its
    entities and articles, the terms that reached the first, as a pattern: None when
    unknown). Those of its removed aliases: `removal_reach`."""
    added: set[int] = set()
    ids: set[int] = set(change.articles)
    pattern: re.Pattern[str] | None = None
    with session_scope(engine) as session:
        if change.added and has_search_index(session):  # as `articles_for_aliases`
            terms = variant_terms(session, list(change.added))
            added = articles_with_terms(session, terms) if terms else set()
            pattern = terms_pattern(terms)
        elif change.added:  # no search index on this database: everything may be affected
            added = set(session.execute(select(col(Article.id))).scalars())
        if change.entities:
            ids |= set(
                session.execute(
                    select(col(Mention.article_id))
                    .join(Entity, col(Entity.id) == col(Mention.entity_id))
                    .where(col(Entity.key).in_(change.entities))
                ).scalars()
            )
    return added, ids, pattern


def affected_articles(engine: Engine, change: GazetteerChange) -> list[int]:
    """Articles a gazetteer change can alter, found through what changed.

    Args:
        engine: The database.
        change: What changed. Its `added` aliases reach the articles where they or their
            variants occur (through the search index); its `removed` (entity key, alias) pairs
            the articles with pending candidates that alias produced; its `entities` the
            articles with their candidates; its `articles` themselves.
    """
    added, others, _ = _reached(engine, change)
    removed = removal_reach(engine, change.removed) if change.removed else set()
    return sorted(added | others | removed)


def touched_matcher(engine: Engine, change: GazetteerChange) -> Delta:
    """The entities `change` touched, alone (those holding its added aliases,
    those of its removed pairs and its entities), as they are now."""
    with session_scope(engine) as session:
        keys = {change.key, *change.entities, *(key for key, _ in change.removed)}
        added = sorted(set(change.added))
        for at in range(0, len(added), SPLICE_CHUNK):
            keys.update(
                session.execute(
                    select(col(Entity.key))
                    .join(Alias, col(Alias.entity_id) == col(Entity.id))
                    .where(col(Alias.text).in_(added[at : at + SPLICE_CHUNK]))
                ).scalars()
            )
        keys.discard("")
        if len(keys) > SPLICE_CHUNK:  # an import: read every alias rather than a long IN list
            entries = [e for e in gazetteer_aliases(session=session) if e.key in keys]
        else:
            entries = gazetteer_aliases(session=session, keys=keys)
    grouped: dict[str, list[Any]] = {key: [] for key in keys}
    for entry in entries:
        grouped[entry.key].append(entry)
    return Delta(Index([], LANGUAGES), grouped)  # never folded: its own candidates are wanted


def _splice(
    engine: Engine,
    touched: Delta,
    ids: list[int],
    report: MatchReport,
    pattern: re.Pattern[str] | None = None,
    live: Callable[[], Matcher] | None = None,
) -> tuple[list[tuple[int, list[Candidate]]], set[int], set[int]]:
    """The new candidates of articles an edit reached through added aliases, without matching
    them whole: the touched entities' candidates that differ from the stored ones, in the
    lines where `pattern` (the terms that reached them) occurs when given (windows.py).

    A new candidate goes in beside the stored ones when it overlaps none of them; it replaces
    the pending candidates it overlaps when they lie inside it and are shorter (the matcher
    prefers the longer span, and whatever those kept out overlaps the new one too). One within
    NEAR of an accepted mention, or on an accepted mention's very span (an entity made from
    that mention), is checked against its line matched again with the live matcher (`live`:
    `_line_check`). Anything else (an overlap with a decided or manual mention, a span shared
    or crossed, a line check that fails or no `live`) sends the article to be matched whole.
    Returns the additions, the stored candidates they replace and the articles to match whole.
    """
    additions: list[tuple[int, list[Candidate]]] = []
    replaced: set[int] = set()
    whole: set[int] = set()
    keys = touched.entities.keys()  # only their candidates can be proposed again
    for at in range(0, len(ids), SPLICE_CHUNK):
        chunk = ids[at : at + SPLICE_CHUNK]
        with engine.connect() as connection:
            texts = connection.execute(
                select(col(Article.id), col(Article.text)).where(col(Article.id).in_(chunk))
            ).all()
            proposed: list[tuple[int, list[Candidate]]] = []
            for row_id, text in texts:
                windows = lines_holding(text, pattern) if pattern is not None else None
                found = touched.own_candidates(text, windows)
                if windows is not None and sentence_initial_only(found):
                    found = touched.own_candidates(text)  # (its doubt depends on the whole text)
                proposed.append((int(row_id or 0), found))
            # Only the stored mentions near what the touched entities propose can be that
            # candidate, overlap it or be within NEAR of it; the others are counted as kept.
            spans = [(i, c.start - NEAR, c.end + NEAR) for i, found in proposed for c in found]
            rows = _mentions_near(connection, chunk, spans)
            counted = dict(
                connection.execute(
                    select(col(Mention.article_id), func.count())
                    .where(
                        col(Mention.article_id).in_(chunk),
                        col(Mention.state) == "pending",
                        col(Mention.origin) == "gazetteer",
                    )
                    .group_by(col(Mention.article_id))
                ).all()
            )
        stored: dict[int, list[Any]] = {}
        for row in rows:
            stored.setdefault(row.article_id, []).append(row)
        for article_id, found in proposed:
            mentions = stored.get(article_id, [])
            # A stored candidate the touched entities propose again, with no alternative it
            # lacks, is unchanged; anything else they propose is new.
            same = {
                (m.start, m.end, m.key, m.matched_alias, m.method): m.alternatives
                for m in mentions
                if m.state == "pending" and m.origin == "gazetteer" and m.key in keys
            }
            new = [c for c in found if not _unchanged(c, same)]
            fit = _replaced(new, mentions)
            gone = None if fit is None else fit.gone
            if fit is not None and fit.check:
                text = next(t for i, t in texts if int(i or 0) == article_id)
                checked = None
                if live is not None:
                    checked = _line_check(engine, live(), text, article_id, new)
                gone = None if checked is None else checked[1]
                new = [] if checked is None else checked[0]
            if gone is None:
                whole.add(article_id)
                continue
            report.articles += 1
            report.kept += int(counted.get(article_id, 0)) - len(gone)
            replaced |= gone
            if new:
                additions.append((article_id, new))
    return additions, replaced, whole


def _mentions_near(
    connection: Connection, chunk: list[int], spans: list[tuple[int, int, int]]
) -> Sequence[Any]:
    """The mentions of the articles of `chunk` that reach into one of `spans` (article id,
    start, end); the spans go in as one JSON parameter."""
    query = select(
        col(Mention.id),
        col(Mention.article_id),
        col(Mention.start),
        col(Mention.end),
        col(Mention.state),
        col(Mention.origin),
        col(Entity.key),
        col(Mention.matched_alias),
        col(Mention.method),
        # As stored (JSON text): decoded only for a candidate proposed again.
        json_text(col(Mention.alternatives)).label("alternatives"),
        col(Mention.layer),
    )
    if not spans:
        return []
    dialect = connection.dialect.name
    near = json_rows(dialect, spans).alias("near")
    rows = connection.execute(
        query.distinct()
        .select_from(near)
        .join(
            Mention,
            and_(
                col(Mention.article_id) == json_int(dialect, near.c.value, 0),
                col(Mention.start) < json_int(dialect, near.c.value, 2),
                col(Mention.end) > json_int(dialect, near.c.value, 1),
            ),
        )
        .join(Entity, col(Entity.id) == col(Mention.entity_id), isouter=True)
    ).all()
    # Candidates are the shared layer's. (Not a condition of the join: SQLite, without
    # statistics, then walks `ix_mention_layer`, nearly every row, for each span: minutes.)
    return [row for row in rows if row.layer is None]


def _unchanged(candidate: Candidate, same: dict[tuple[Any, ...], str | None]) -> bool:
    """Whether a stored pending candidate is `candidate`, with every alternative it has
    (`same`: the stored alternatives as JSON text)."""
    c = candidate
    key = (c.start, c.end, c.key, c.alias, c.method)
    if key not in same:
        return False
    stored = same[key]
    return not c.alternatives or set(c.alternatives) <= set(json.loads(stored or "[]"))


class _Fit(NamedTuple):
    """Where an article's new candidates go among its stored mentions (`_replaced`)."""

    gone: set[int]  # the stored candidates they replace
    check: bool  # one lies on or near an accepted mention: its line decides (`_line_check`)


def _replaced(new: list[Candidate], mentions: list[Any], *, near: bool = True) -> _Fit | None:
    """The stored candidates the new ones replace, and whether their lines must be checked
    (a new candidate on or near an accepted mention; with `near` False, after `_line_check`:
    such a candidate is taken as the check left it); None when the article must be matched
    whole. See `_splice`."""
    gone: set[int] = set()
    check = False
    for c in new:
        for m in mentions:
            if m.state == "accepted":
                if c.start == m.start and c.end == m.end:
                    check = True  # the mention's own span: kept out, unless the line says
                elif c.start < m.end and m.start < c.end:
                    return None  # across an accepted mention
                elif near and c.start < m.end + NEAR and m.start - NEAR < c.end:
                    check = True
                continue
            if not (c.start < m.end and m.start < c.end):
                continue
            inside = c.start <= m.start and m.end <= c.end and m.end - m.start < c.end - c.start
            if m.state != "pending" or m.origin != "gazetteer" or not inside:
                return None
            gone.add(int(m.id))
    return _Fit(gone, check and near)


def _line_check(
    engine: Engine,
    matcher: Matcher,
    text: str,
    article_id: int,
    new: list[Candidate],
) -> tuple[list[Candidate], set[int]] | None:
    """An article's new candidates where one lies on or near an accepted mention, checked
    against their lines matched again with the live matcher: (the new candidates a whole match
    would store, those on an accepted mention's own span left out; the stored candidates they
    replace), or None when the lines say otherwise or are unsure (then it is matched whole).

    A span the splice does not see (one kept out for overlapping an accepted mention) changes
    what is stored only through the spans it overlaps, and no name runs across a newline: in
    the lines of the new candidates, the live matcher's candidates that are not kept out
    (overlapping an accepted mention, or rejected before for the same span and entity) must be
    exactly the stored pending candidates the splice keeps, plus the new ones.
    """
    windows = lines_around(text, [(c.start, c.end) for c in new])
    found = [
        c
        for (low, _), part in zip(windows, window_matches(matcher, text, windows), strict=True)
        for c in shifted(part, low)
    ]
    if sentence_initial_only(found):  # (its doubt depends on the whole text)
        return None
    with engine.connect() as connection:
        stored = list(
            _mentions_near(connection, [article_id], [(article_id, a, b) for a, b in windows])
        )
    accepted = [(m.start, m.end) for m in stored if m.state == "accepted"]
    rejected = {(m.start, m.end, m.key) for m in stored if m.state == "rejected"}

    def kept_out(c: Candidate) -> bool:
        across = any(c.start < end and start < c.end for start, end in accepted)
        return across or (c.start, c.end, c.key) in rejected

    taken = [c for c in new if not kept_out(c)]
    fit = _replaced(taken, stored, near=False)
    if fit is None:
        return None
    gone = fit.gone
    expected = {(c.start, c.end, c.key) for c in found if not kept_out(c)}
    kept = {
        (m.start, m.end, m.key)
        for m in stored
        if m.state == "pending" and m.origin == "gazetteer" and m.key and m.id not in gone
    }
    if expected != kept | {(c.start, c.end, c.key) for c in taken}:
        return None
    return taken, gone


def rematch(
    engine: Engine,
    change: GazetteerChange,
    *,
    reviewer_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    candidates_current: Callable[[MatchReport], object] | None = None,
    already: Collection[int] = (),
) -> MatchReport:
    """Re-match exactly the articles a gazetteer change reaches; report what appeared and went.

    The one policy every gazetteer edit goes through (command line, gazetteer screen, undo and
    redo, teaching an alias, an entity created from a mention in review): earlier pending
    candidates of those articles are replaced, so a removed alias's or a deleted entity's
    candidates go and a new alias's appear.

    Args:
        engine: The database.
        change: What an edit (or its undo or redo) changed, as the edit returned it.
        reviewer_id: Who re-matches (audited).
        progress: Called with how many more articles are done.
        candidates_current: Called (with the counts so far) once the candidates of entities
            are current everywhere, before the new names of the lines a removed alias's
            candidates were on are looked for again and relabelled (`withdraw_names`: a
            second step; the names are scored under the default threshold). Not called
            when there is no second step: the run's end says it.
        already: Articles already matched with the change in effect, left out (an entity
            made from a mention: its article first, `CreatedLink.own`).
    """
    added, whole, pattern = _reached(engine, change)
    removed = removal_reach(engine, change.removed) if change.removed else set()
    if already:
        done = set(already)
        added, whole, removed = added - done, whole - done, removed - done
    if not added and not whole and not removed:
        return MatchReport()
    report = MatchReport()
    on_progress = progress or (lambda _n: None)
    # An article reached both ways (a rename) is matched whole.
    whole |= added & removed
    withdrawn = sorted(removed - whole)
    matcher = None  # the live matcher, read once (it compares the whole gazetteer)
    later: Withdrawal | None = None
    if withdrawn:
        matcher = live_matcher(engine)
        additions, replaced, rest, later = withdraw_candidates(
            engine, matcher, withdrawn, change.removed, report
        )
        found = add_candidates(engine, additions, replaced)
        report.added += found.added
        report.removed += found.removed
        report.kept += found.kept
        whole |= rest
        on_progress(len(withdrawn) - len(rest))
    spliced = sorted(added - whole)
    if spliced:

        def live() -> Matcher:  # read once, when a line check needs it
            nonlocal matcher
            if matcher is None:
                matcher = live_matcher(engine)
            return matcher

        additions, replaced, rest = _splice(
            engine, touched_matcher(engine, change), spliced, report, pattern, live
        )
        found = add_candidates(engine, additions, replaced)
        report.added += found.added
        report.removed += found.removed
        whole |= rest
        on_progress(len(spliced) - len(rest))
    matched = None
    if whole:
        matched = match_articles(
            engine,
            article_ids=sorted(whole),
            matcher=matcher or live_matcher(engine),
            reviewer_id=reviewer_id,
            on_progress=on_progress,
        )
    second = later is not None and matcher is not None and bool(later.lines)
    if candidates_current is not None and second:  # (else the run ends here: nothing to split)
        so_far = MatchReport()
        so_far.merge(report)
        if matched is not None:
            so_far.merge(matched)
        candidates_current(so_far)
    if second:
        assert later is not None and matcher is not None
        additions, replaced = withdraw_names(engine, matcher, later, report)
        found = add_candidates(engine, additions, replaced)
        report.added += found.added
        report.removed += found.removed
        report.kept += found.kept
    if matched is None:
        record_match(engine, report, reviewer_id)
        return report
    report.merge(matched)
    return report
