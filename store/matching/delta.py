"""Gazetteer edits applied to a built matcher in place: a small index beside the big one.

Building the index of 100,000 aliases takes seconds; an edit touches a few entities. A `Delta`
takes over every alias of the entities an edit touched: the big index's records of those
entities are hidden (filtered out of its hits), and their aliases as they are now go into a
small index of their own, matched beside the big one; the hits of both are settled together.
Taking over whole entities keeps what depends on all of an entity's names (a renowned entity's
names are trusted at the start of a sentence) exact. When the delta grows past FOLD aliases the
owner builds one index again (`Matcher.update`).
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


class Delta:
    """The entities an edit touched, with their aliases as they are now.

    `entities` maps each touched entity key to its current aliases (none: the entity is gone
    or is a redirect). Immutable: `merged` makes the delta of a further edit.
    """

    def __init__(self, base: Index, entities: Mapping[str, Iterable[AliasEntry]]) -> None:
        self.base = base
        self.entities: dict[str, tuple[AliasEntry, ...]] = {
            key: tuple(entries) for key, entries in entities.items()
        }
        self.index = Index(
            [e for entries in self.entities.values() for e in entries], base.languages
        )
        self.offset = len(base.records)
        # The big index's records of the touched entities are hidden.
        self.hidden = frozenset(
            rid for key in self.entities for rid in _records_by_key(base).get(key, ())
        )
        self.records: list[AliasRecord] = base.records + self.index.records
        self._table = word_table(base.languages)
        self._tokens: dict[str, Entry] = {}

    @property
    def size(self) -> int:
        """How many aliases the delta holds."""
        return sum(len(entries) for entries in self.entities.values())

    def merged(self, entities: Mapping[str, Iterable[AliasEntry]]) -> Delta:
        """This delta with `entities` taken over as they are now (replacing earlier ones)."""
        return Delta(self.base, {**self.entities, **{k: tuple(v) for k, v in entities.items()}})

    def entries(self) -> list[AliasEntry]:
        """Every alias of the big index and the delta, the delta's entities as they are now."""
        kept = [
            AliasEntry(r.key, r.alias, r.label)
            for r in self.base.records
            if r.key not in self.entities
        ]
        return kept + [e for entries in self.entities.values() for e in entries]

    def own_hits(self, view: TextView) -> list[Hit]:
        """The delta's hits in `view`, with record ids of the delta's own index."""
        entries = lookup(self.index, view.tokens, self._tokens)
        hits = exact_hits(self.index, view, entries, self._table)
        hits += fuzzy_hits(self.index, view, self._table, entries)
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
            return resolve(self.own_hits(TextView(text)), self.index.records, text)
        found: list[Candidate] = []
        for start, end in windows:
            part = text[start:end]
            for c in resolve(self.own_hits(TextView(part)), self.index.records, part):
                found.append(replace(c, start=c.start + start, end=c.end + start) if start else c)
        return found


def _records_by_key(index: Index) -> dict[str, list[int]]:
    # Entity key -> its record ids in `index`; computed once per index and kept on it.
    found: dict[str, list[int]] | None = getattr(index, "_by_entity", None)
    if found is None:
        found = {}
        for rid, record in enumerate(index.records):
            found.setdefault(record.key, []).append(rid)
        index._by_entity = found  # type: ignore[attr-defined]
    return found
