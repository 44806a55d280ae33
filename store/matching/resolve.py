"""From raw hits to candidates: one per span, alternatives listed, no overlaps."""

from __future__ import annotations

from bisect import bisect_left

from store.matching.index import AliasRecord
from store.matching.types import Candidate
from store.matching.view import Hit

# Per span and entity, the best hit: score, exact, how closely the alias is written like the
# text (2: the same, 1: but for case, 0), the alias (the first in order wins a tie), record id.
_Best = tuple[float, bool, int, str, int]


def _likeness(alias: str, written: str) -> int:
    return 2 if alias == written else 1 if alias.casefold() == written.casefold() else 0


def resolve(hits: list[Hit], records: list[AliasRecord], text: str) -> list[Candidate]:
    """Candidates sorted by start, without overlaps.

    A span that fits several entities is one candidate, the others in `alternatives` (best
    score first, then by key); when some fit exactly, the fuzzy ones are left out. Among the
    aliases of one entity that fit, the one written most like the text is named, then the
    first in order. Between overlapping spans the longer wins, then the higher score, then the
    earlier, then the smaller key.
    """
    spans: dict[tuple[int, int], dict[str, _Best]] = {}
    for start, end, rid, score, exact in hits:
        record = records[rid]
        entities = spans.get((start, end))
        if entities is None:
            entities = spans[(start, end)] = {}
        current = entities.get(record.key)
        if current is not None and (current[0], current[1]) > (score, exact):
            continue
        best = (score, exact, _likeness(record.alias, text[start:end]), record.alias, rid)
        if (current is None or best[:3] > current[:3]
                or (best[:3] == current[:3] and best[3] < current[3])):
            entities[record.key] = best

    proposals: list[tuple[int, float, int, str, int, list[tuple[str, _Best]]]] = []
    for (start, end), entities in spans.items():
        ranked = sorted(entities.items(), key=lambda item: (-item[1][0], item[0]))
        if ranked[0][1][1] and len(ranked) > 1:  # an exact fit: fuzzy ones are left out
            ranked = [item for item in ranked if item[1][1]]
        proposals.append((end - start, ranked[0][1][0], start, ranked[0][0], end, ranked))

    proposals.sort(key=lambda p: (-p[0], -p[1], p[2], p[3]))
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
        key, (score, exact, _, alias, rid) = ranked[0]
        candidates.append(Candidate(
            start=start, end=end, text=text[start:end], key=key, label=records[rid].label,
            alias=alias, score=score, method="exact" if exact else "fuzzy",
            alternatives=tuple(k for k, _ in ranked[1:])))
    return candidates
