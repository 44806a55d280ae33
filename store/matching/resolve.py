"""From raw hits to candidates: one per span, alternatives listed, no overlaps."""

from __future__ import annotations

from bisect import bisect_left

from store.matching.index import AliasRecord
from store.matching.types import Candidate
from store.matching.view import Hit

# Per span and entity, the best hit: score, whether exact, record id.
_Best = tuple[float, bool, int]


def _likeness(alias: str, written: str) -> tuple[int, str]:
    # How closely an alias is written like the text (the same, but for case, otherwise), then
    # the alias itself: the smaller wins.
    return (0 if alias == written else 1 if alias.casefold() == written.casefold() else 2, alias)


def resolve(hits: list[Hit], records: list[AliasRecord], text: str) -> list[Candidate]:
    """Candidates sorted by start, without overlaps.

    A span that fits several entities is one candidate, the others in `alternatives` (best
    score first, then by key); when some fit exactly, the fuzzy ones are left out. Among the
    aliases of one entity that fit equally well, the one written most like the text is named,
    then the first in order. Between overlapping spans the longer wins, then the higher score,
    then the earlier, then the smaller key.
    """
    spans: dict[tuple[int, int], dict[str, _Best]] = {}
    for start, end, rid, score, exact in hits:
        key = records[rid].key
        entities = spans.get((start, end))
        if entities is None:
            spans[(start, end)] = {key: (score, exact, rid)}
            continue
        current = entities.get(key)
        if current is None or (score, exact) > (current[0], current[1]):
            entities[key] = (score, exact, rid)
        elif (score, exact) == (current[0], current[1]):
            written = text[start:end]
            if _likeness(records[rid].alias, written) < _likeness(
                records[current[2]].alias, written
            ):
                entities[key] = (score, exact, rid)

    proposals: list[tuple[int, float, int, str, int, list[tuple[str, _Best]]]] = []
    for (start, end), entities in spans.items():
        ranked = list(entities.items())
        if len(ranked) > 1:
            ranked.sort(key=lambda item: (-item[1][0], item[0]))
            if ranked[0][1][1]:  # an exact fit: fuzzy ones are left out
                ranked = [item for item in ranked if item[1][1]]
        proposals.append((start - end, -ranked[0][1][0], start, ranked[0][0], end, ranked))

    proposals.sort(key=lambda p: p[:4])  # longest, best score, earliest, smallest key
    starts: list[int] = []
    ends: list[int] = []
    chosen: list[tuple[int, int, list[tuple[str, _Best]]]] = []
    for _, _, start, _, end, ranked in proposals:
        at = bisect_left(starts, start)
        if (at > 0 and ends[at - 1] > start) or (at < len(starts) and starts[at] < end):
            continue
        starts.insert(at, start)
        ends.insert(at, end)
        chosen.insert(at, (start, end, ranked))

    candidates = []
    for start, end, ranked in chosen:
        key, (score, exact, rid) = ranked[0]
        record = records[rid]
        candidates.append(
            Candidate(
                start=start,
                end=end,
                text=text[start:end],
                key=key,
                label=record.label,
                alias=record.alias,
                score=score,
                method="exact" if exact else "fuzzy",
                alternatives=tuple(k for k, _ in ranked[1:]),
            )
        )
    return candidates
