"""The public entry: build a matcher once from the gazetteer, then find candidates in texts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from store.matching.delta import FOLD, Delta
from store.matching.exact import exact_hits
from store.matching.fuzzy import fuzzy_hits
from store.matching.index import Index
from store.matching.resolve import resolve
from store.matching.tokens import Entry, lookup
from store.matching.types import AliasEntry, Candidate
from store.matching.view import TextView
from store.matching.words import word_table


class Matcher:
    """Fast exact and fuzzy gazetteer matching; picklable for worker processes.

    Matching ignores case, diacritics and punctuation or spacing inside names; offsets are code
    points into the text given, on token boundaries (or a clitic's stem, "Rusia|nya").
    """

    def __init__(self, index: Index, delta: Delta | None = None) -> None:
        self._index = index
        self._delta = delta  # edits since the index was built (delta.py)
        self._table = word_table(index.languages)
        self._tokens: dict[str, Entry] = {}  # text token -> walk step, fuzzy anchors

    @classmethod
    def build(
        cls, aliases: Iterable[AliasEntry], *, languages: tuple[str, ...] = ("id", "en")
    ) -> Matcher:
        """A matcher for `aliases` (every alias of every entity, the name included)."""
        return cls(Index(aliases, tuple(languages)))

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages whose common words the gates know."""
        return self._index.languages

    def find_candidates(self, text: str) -> list[Candidate]:
        """The candidates in `text`, sorted by start and not overlapping."""
        view = TextView(text)
        entries = lookup(self._index, view.tokens, self._tokens)
        hits = exact_hits(self._index, view, entries, self._table)
        hits += fuzzy_hits(self._index, view, self._table, entries)
        if self._delta is not None:
            return self._delta.settle(hits, view)
        return resolve(hits, self._index.records, text)

    def entries(self) -> Iterator[AliasEntry]:
        """The aliases the matcher matches, edits applied (`update`) included."""
        if self._delta is not None:
            yield from self._delta.entries()
            return
        for record in self._index.records:
            yield AliasEntry(key=record.key, alias=record.alias, label=record.label)

    def update(self, entities: Mapping[str, Iterable[AliasEntry]]) -> None:
        """Apply a gazetteer edit in place: `entities` maps each entity key the edit touched to
        all its aliases as they are now (none: deleted). Matching then gives what a matcher
        built from the edited gazetteer gives; a grown delta is folded into a new index."""
        delta = self._delta.merged(entities) if self._delta else Delta(self._index, entities)
        if delta.size > max(FOLD, len(self._index.records) // 10):
            self._index, self._delta = Index(delta.entries(), self.languages), None
            self._tokens.clear()
        else:
            self._delta = delta

    def affected_by(self, alias: str) -> Callable[[str], bool]:
        """A test of whether `alias` alone could propose a candidate in a text.

        After `alias` is added to or removed from the gazetteer, only the texts that pass the
        test can have different candidates (the alias's gates do not depend on other aliases).
        """
        alone = Matcher.build(
            [AliasEntry(key="?", alias=alias, label="?")], languages=self.languages
        )

        def could_match(text: str) -> bool:
            view = TextView(text)
            entries = lookup(alone._index, view.tokens, alone._tokens)
            return bool(
                exact_hits(alone._index, view, entries, alone._table)
                or fuzzy_hits(alone._index, view, alone._table, entries)
            )

        return could_match

    def __getstate__(self) -> dict[str, Any]:
        return {"index": self._index, "delta": self._delta.entities if self._delta else None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["index"])  # type: ignore[misc]
        if state.get("delta"):
            self._delta = Delta(self._index, state["delta"])
