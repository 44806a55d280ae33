"""From raw hits to candidates: one per span, alternatives listed, exact before fuzzy."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate

from store.matching.index import ONE_EDIT, AliasRecord
from store.matching.normalise import TOKEN, fold_tokens
from store.matching.scores import OVERLAP, SHOWN, doubted, join_reasons
from store.matching.types import Candidate
from store.matching.view import Hit

# Per span and entity, the best hit: score, whether exact, record id, reason.
_Best = tuple[float, bool, int, str | None]
# A span's proposal: its class (0: exact, 1: fuzzy, 2: doubted), start, end, the entities it
# fits, best first.
_Proposal = tuple[int, int, int, list[tuple[str, _Best]]]


def _likeness(alias: str, written: str) -> tuple[int, str]:
    # How closely an alias is written like the text (the same, but for case, otherwise), then
    # the alias itself: the smaller wins.
    return (0 if alias == written else 1 if alias.casefold() == written.casefold() else 2, alias)


def _class(score: float, exact: bool) -> int:
    return 2 if score < SHOWN else 0 if exact else 1


def _entities(hits: list[Hit], records: list[AliasRecord], text: str) -> list[_Proposal]:
    """Per span, the best hit of each entity, ranked."""
    spans: dict[tuple[int, int], dict[str, _Best]] = {}
    for start, end, rid, score, exact, reason in hits:
        key = records[rid].key
        span = (start, end)
        entities = spans.get(span)
        if entities is None:
            spans[span] = {key: (score, exact, rid, reason)}
            continue
        current = entities.get(key)
        if current is None or (score, exact) > (current[0], current[1]):
            entities[key] = (score, exact, rid, reason)
        elif (score, exact) == (current[0], current[1]):
            written = text[start:end]
            if _likeness(records[rid].alias, written) < _likeness(
                records[current[2]].alias, written
            ):
                entities[key] = (score, exact, rid, reason)
    proposals = []
    for (start, end), entities in spans.items():
        if len(entities) == 1:
            ranked = list(entities.items())
            score, exact = ranked[0][1][0], ranked[0][1][1]
            proposals.append((2 if score < SHOWN else 0 if exact else 1, start, end, ranked))
            continue
        ranked = sorted(entities.items(), key=lambda item: (-item[1][0], item[0]))
        if len(ranked) > 1:
            best = ranked[0][1]
            # Exact fits leave out fuzzy ones; fits the gates accept leave out doubted ones.
            ranked = [
                item
                for item in ranked
                if (item[1][1] or not best[1]) and (item[1][0] >= SHOWN or best[0] < SHOWN)
            ]
        proposals.append((_class(ranked[0][1][0], ranked[0][1][1]), start, end, ranked))
    return proposals


def _slight(alias: str, written: str) -> bool:
    """Whether a misspelling changes a short word or one in capitals ("DPP" for "DPD" in "DPP
    Hanura"): another name, not a misspelt one."""
    ours, theirs = fold_tokens(written), fold_tokens(alias)
    if len(ours) != len(theirs):
        return False
    spelt = TOKEN.findall(written)
    return any(
        a != b and (len(b) < ONE_EDIT or (len(w) > 1 and w.isupper()))
        for a, b, w in zip(ours, theirs, spelt, strict=False)
    )


def _promote(proposals: list[_Proposal], records: list[AliasRecord], text: str) -> list[_Proposal]:
    # A fuzzy span overlapping exact ones ranks with them (the longer wins: "Sergey Shoigu"
    # around "Shoigu", "San Tomé e Prínsipe" around "San Tomé"), unless its misspelling changes
    # a short word or one in capitals: "DPP Hanura" is no misspelt "DPD Hanura" around "Hanura".
    exact = sorted((start, end) for rank, start, end, _ in proposals if not rank)
    if not exact:
        return proposals
    starts = [start for start, _ in exact]
    reach = list(accumulate((end for _, end in exact), max))  # the furthest end so far
    out = []
    for proposal in proposals:
        rank, start, end, ranked = proposal
        if rank != 1:
            out.append(proposal)
            continue
        at = bisect_left(starts, end)  # the exact spans starting before this one ends
        if (
            at
            and reach[at - 1] > start
            and not _slight(records[ranked[0][1][2]].alias, text[start:end])
        ):
            proposal = (0, start, end, ranked)
        out.append(proposal)
    return out


def resolve(hits: list[Hit], records: list[AliasRecord], text: str) -> list[Candidate]:
    """Candidates sorted by start; those scored SHOWN or more never overlap.

    A span that fits several entities is one candidate, the others in `alternatives` (best
    score first, then by key); when some fit exactly, the fuzzy ones are left out. Among the
    aliases of one entity that fit equally well, the one written most like the text is named,
    then the first in order. Between overlapping spans, an exact one the gates accept wins
    (written as the alias, or in another case or spelling), then a fuzzy one, then a doubted
    one; within each, the longer wins, then the higher score, then the earlier, then the
    smaller key. A fuzzy span overlapping exact ones ranks with them, the longer winning
    (a misspelt name around an exact one: "Sergey Shoigu" around "Shoigu"), unless it changes a
    short word or one in capitals ("DPP Hanura", misspelt from "DPD Hanura", around "Hanura"):
    then, losing to shorter spans, an exact one among them, it is kept beside them as an
    alternative, doubted: `overlap`.
    """
    proposals = _promote(_entities(hits, records, text), records, text)
    proposals.sort(key=lambda p: (p[0], p[1] - p[2], -p[3][0][1][0], p[1], p[3][0][0]))
    starts: list[int] = []
    ends: list[int] = []
    chosen: list[tuple[int, int, list[tuple[str, _Best]]]] = []
    lost: list[_Proposal] = []
    for proposal in proposals:
        rank, start, end, ranked = proposal
        at = bisect_left(starts, start)
        if (at > 0 and ends[at - 1] > start) or (at < len(starts) and starts[at] < end):
            if rank == 1:
                lost.append(proposal)
            continue
        starts.insert(at, start)
        ends.insert(at, end)
        chosen.insert(at, (start, end, ranked))

    out = [_candidate(start, end, ranked, records, text) for start, end, ranked in chosen]
    taken: list[tuple[int, int]] = []
    for _, start, end, ranked in lost:
        overlapped = chosen[bisect_right(ends, start) : bisect_left(starts, end)]
        if (
            all(e - s < end - start for s, e, _ in overlapped)
            and any(r[0][1][1] and r[0][1][0] >= SHOWN for _, _, r in overlapped)
            and not any(s < end and start < e for s, e in taken)
        ):
            taken.append((start, end))
            best = ranked[0]
            score, reason = doubted(join_reasons(best[1][3], OVERLAP), fuzzy=not best[1][1])
            alternative = [(best[0], (min(score, best[1][0]), best[1][1], best[1][2], reason))]
            out.append(_candidate(start, end, alternative + ranked[1:], records, text))
    if taken:
        out.sort(key=lambda c: (c.start, c.end))
    return out


def _candidate(
    start: int, end: int, ranked: list[tuple[str, _Best]], records: list[AliasRecord], text: str
) -> Candidate:
    key, (score, exact, rid, reason) = ranked[0]
    record = records[rid]
    return Candidate(  # (by position: start, end, text, key, label, alias, score, method...)
        start,
        end,
        text[start:end],
        key,
        record.label,
        record.alias,
        score,
        "exact" if exact else "fuzzy",
        tuple([k for k, _ in ranked[1:]]) if len(ranked) > 1 else (),
        reason,
    )
