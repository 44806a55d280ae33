"""Gazetteer edits applied to a built matcher in place: small indexes beside the big one.

Building the index of 100,000 aliases takes seconds; an edit touches a few entities. A `Delta`
takes over every alias of the entities an edit touched: the big index's records of those
entities are hidden (filtered out of its hits), and their aliases as they are now go into small
indexes of their own, matched beside the big one; the hits of all are settled together. Taking
over whole entities keeps what depends on all of an entity's names (a renowned entity's names
are trusted at the start of a sentence) exact. When the delta grows past FOLD aliases the owner
builds one index again (`Matcher.update`).

The small indexes are segments, each built once: an edit adds a segment of the entities it
touched (an entity edited again is hidden in the older segment, as in the big index), and the
newest segments are built again as one when the last is at least half the size of the one
before it (a binary counter's carries): an edit costs the index of its own entities plus, on
average, a logarithmic share of the rest, and a text is looked up in a logarithmic number of
segments. (Rebuilding the whole delta for each edit cost 54 ms an edit at 1,400 aliases: a
reviewer's session of entities made from mentions.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from store.matching.exact import exact_hits
from store.matching.fuzzy import fuzzy_hits
from store.matching.index import AliasRecord, Index
from store.matching.resolve import resolve
from store.matching.tokens import Entry, lookup
from store.matching.types import AliasEntry, Candidate
from store.matching.view import Hit, TextView
from store.matching.windows import Window
from store.matching.words import word_table

# A delta of more aliases than this (or than a tenth of the big index) is folded into a new
# big index: past it the second pass costs more than a rebuild saves.
FOLD = 5_000

_Entities = dict[str, tuple[AliasEntry, ...]]


class _Segment:
    """Some of a delta's entities in an index of their own (with its tokens' lookups)."""

    __slots__ = ("entities", "index", "tokens")

    def __init__(self, entities: _Entities, languages: tuple[str, ...]) -> None:
        self.entities = entities
        self.index = Index([e for entries in entities.values() for e in entries], languages)
        self.tokens: dict[str, Entry] = {}


class Delta:
    """The entities an edit touched, with their aliases as they are now.

    `entities` maps each touched entity key to its current aliases (none: the entity is gone
    or is a redirect). Immutable: `merged` makes the delta of a further edit (sharing the
    segments it keeps).
    """

    def __init__(
        self,
        base: Index,
        entities: Mapping[str, Iterable[AliasEntry]],
        segments: list[_Segment] | None = None,
    ) -> None:
        self.base = base
        if segments is None:
            segments = [_Segment({k: tuple(v) for k, v in entities.items()}, base.languages)]
        self.segments = segments
        # Each entity as its newest segment holds it.
        owner: dict[str, int] = {}
        for n, segment in enumerate(segments):
            owner.update(dict.fromkeys(segment.entities, n))
        self.entities: _Entities = {key: segments[n].entities[key] for key, n in owner.items()}
        # The segments' records, one after another: the delta's own record ids.
        self.starts: list[int] = []
        own: list[AliasRecord] = []
        for segment in segments:
            self.starts.append(len(own))
            own += segment.index.records
        self.own_records = own
        # An older segment's records of an entity a newer one holds are hidden.
        self.own_hidden = frozenset(
            start + rid
            for n, (start, segment) in enumerate(zip(self.starts, segments, strict=True))
            for key in segment.entities
            if owner[key] != n
            for rid in _records_by_key(segment.index).get(key, ())
        )
        self.offset = len(base.records)
        # The big index's records of the touched entities are hidden.
        self.hidden = frozenset(
            rid for key in self.entities for rid in _records_by_key(base).get(key, ())
        )
        self.records: list[AliasRecord] = base.records + own
        self._table = word_table(base.languages)

    @property
    def size(self) -> int:
        """How many aliases the delta holds."""
        return sum(len(entries) for entries in self.entities.values())

    def merged(self, entities: Mapping[str, Iterable[AliasEntry]]) -> Delta:
        """This delta with `entities` taken over as they are now (replacing earlier ones)."""
        languages = self.base.languages
        segments = [*self.segments, _Segment({k: tuple(v) for k, v in entities.items()}, languages)]
        while len(segments) > 1:
            last, before = segments[-1], segments[-2]
            kept = {k: v for k, v in before.entities.items() if k not in last.entities}
            if 2 * _aliases(last.entities) < _aliases(kept):
                break
            segments[-2:] = [_Segment({**kept, **last.entities}, languages)]
        return Delta(self.base, {}, segments)

    def entries(self) -> list[AliasEntry]:
        """Every alias of the big index and the delta, the delta's entities as they are now."""
        kept = [
            AliasEntry(r.key, r.alias, r.label)
            for r in self.base.records
            if r.key not in self.entities
        ]
        return kept + [e for entries in self.entities.values() for e in entries]

    def own_hits(self, view: TextView) -> list[Hit]:
        """The delta's hits in `view`, with the delta's own record ids (`own_records`)."""
        hits: list[Hit] = []
        hidden = self.own_hidden
        for start, segment in zip(self.starts, self.segments, strict=True):
            index = segment.index
            entries = lookup(index, view.tokens, segment.tokens)
            found = exact_hits(index, view, entries, self._table)
            found += fuzzy_hits(index, view, self._table, entries)
            for s, e, rid, score, exact, why in found:
                if start + rid not in hidden:
                    hits.append((s, e, start + rid, score, exact, why))
        return hits

    def settle(self, base_hits: list[Hit], view: TextView) -> list[Candidate]:
        """The candidates from the big index's hits and the delta's, settled together."""
        hidden, offset = self.hidden, self.offset
        hits = [hit for hit in base_hits if hit[2] not in hidden] if hidden else base_hits
        hits += [
            (s, e, rid + offset, score, exact, why)
            for s, e, rid, score, exact, why in self.own_hits(view)
        ]
        return resolve(hits, self.records, view.text)

    def own_candidates(self, text: str, windows: list[Window] | None = None) -> list[Candidate]:
        """The candidates of the touched entities alone in `text` (settled among themselves);
        with `windows` (whole lines, see windows.py), in those lines only."""
        if windows is None:
            return resolve(self.own_hits(TextView(text)), self.own_records, text)
        found: list[Candidate] = []
        for start, end in windows:
            part = text[start:end]
            for c in resolve(self.own_hits(TextView(part)), self.own_records, part):
                found.append(replace(c, start=c.start + start, end=c.end + start) if start else c)
        return found


def _aliases(entities: _Entities) -> int:
    """How many aliases `entities` hold."""
    return sum(len(entries) for entries in entities.values())


def _records_by_key(index: Index) -> dict[str, list[int]]:
    # Entity key -> its record ids in `index`; computed once per index and kept on it.
    found: dict[str, list[int]] | None = getattr(index, "_by_entity", None)
    if found is None:
        found = {}
        for rid, record in enumerate(index.records):
            found.setdefault(record.key, []).append(rid)
        index._by_entity = found  # type: ignore[attr-defined]
    return found
