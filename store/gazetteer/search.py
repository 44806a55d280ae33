"""Search as you type over entity names and aliases: exact, prefix, word and misspelt matches."""

from __future__ import annotations

import heapq
import re
import threading
import unicodedata
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from store.db import session_scope
from store.models import Alias, Entity
from store.textnorm import norm_key

_WORD = re.compile(r"[^\W_]+")
# Scores (0-100) by how a query met an alias; within a kind, the closer to the whole alias the
# higher. A misspelt match scores its rapidfuzz ratio, so a near-perfect one outranks a prefix
# of a much longer alias.
EXACT = 100.0
PREFIX_BASE, WORD_BASE, SPAN = 85.0, 75.0, 15.0
# Typo matches (fuzz.ratio on the keys) need a query this long, and this score at least.
FUZZY_MIN_QUERY = 4
FUZZY_CUTOFF = 75.0
# A one-letter query can be the prefix of tens of thousands of aliases: look at this many.
SCAN_LIMIT = 1500


@dataclass(frozen=True, slots=True)
class EntityHit:
    """One entity found: its key, name and type, the name or alias that matched, and how.

    `kind` is "exact", "prefix", "word" (the query starts a later word of the alias), "fuzzy"
    (a misspelling), or, from `suggest`, "current" and "alternative".
    """

    key: str
    name: str
    type: str
    matched: str
    score: float
    kind: str


def search_words(text: str) -> list[str]:
    """The words of `text`, case, diacritics and punctuation ignored (as `norm_key` does)."""
    if text.isascii():
        return _WORD.findall(text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _WORD.findall(kept)


class EntitySearch:
    """An in-memory index of every entity's name and aliases; build it with `build`.

    A redirect (an entity merged into another) is not offered: its aliases find its target.
    Queries are keyed like aliases (`norm_key`: `S-300`, `s300` and `S 300` are one query).
    """

    def __init__(
        self,
        entities: Sequence[tuple[int, str, str, str, int | None]],
        aliases: Iterable[tuple[int, str, str]],
    ) -> None:
        """Index entities and their aliases (`build` reads both from the database).

        Args:
            entities: (id, key, name, type, merged_into) of every entity, redirects included.
            aliases: (entity id, text, norm) of every alias; `norm` is the alias's `norm_key`.
        """
        slot_of: dict[int, int] = {}
        self._ents: list[tuple[str, str, str]] = []  # slot -> (key, name, type)
        self._slot_by_key: dict[str, int] = {}
        merged: dict[int, int] = {}
        for entity_id, key, name, type_, merged_into in entities:
            if merged_into is None:
                slot_of[entity_id] = len(self._ents)
                self._slot_by_key[key] = len(self._ents)
                self._ents.append((key, name, type_))
            else:
                merged[entity_id] = merged_into
        keys_by_id = {e[0]: e[1] for e in entities}
        for entity_id in merged:  # a redirect's key and aliases lead to its final target
            target = _root(entity_id, merged)
            if target in slot_of:
                slot_of[entity_id] = slot_of[target]
                self._slot_by_key[keys_by_id[entity_id]] = slot_of[target]
        self._alias_text: list[str] = []
        self._alias_slot: list[int] = []
        by_key: dict[str, list[int]] = {}
        suffix_keys: list[str] = []
        suffix_alias: list[int] = []
        seen: set[tuple[int, str]] = set()
        for entity_id, text, norm in aliases:
            slot = slot_of.get(entity_id)
            if slot is None or (slot, text) in seen or not norm:
                continue
            seen.add((slot, text))
            index = len(self._alias_text)
            self._alias_text.append(text)
            self._alias_slot.append(slot)
            by_key.setdefault(norm, []).append(index)
            suffix_keys.append(norm)
            suffix_alias.append(index)
            if not text.isalnum():  # several words: each later word starts a suffix key
                words = search_words(text)
                for i in range(1, len(words)):
                    suffix_keys.append("".join(words[i:]))
                    suffix_alias.append(~index)  # ~: the match is not at the alias's start
        # Tuples of ints are left alone by the garbage collector: 100,000 small lists are not.
        self._by_key: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in by_key.items()}
        order = sorted(range(len(suffix_keys)), key=suffix_keys.__getitem__)
        self._suffix_keys = [suffix_keys[i] for i in order]
        self._suffix_alias = [suffix_alias[i] for i in order]
        # Typo matches are looked for among the keys that share the query's first letter or its
        # second (a misspelling rarely changes both): a tenth to a quarter of all keys.
        self._buckets: dict[tuple[str | None, int, str], list[str]] = {}
        for norm, indexes in self._by_key.items():
            types = {self._ents[self._alias_slot[i]][2] for i in indexes}
            for only in (None, *types):
                for place, char in enumerate(norm[:2]):
                    self._buckets.setdefault((only, place, char), []).append(norm)

    @classmethod
    def build(cls, session: Session) -> EntitySearch:
        """Read every entity and alias of the database into a new index."""
        entities = session.execute(
            select(
                col(Entity.id),
                col(Entity.key),
                col(Entity.name),
                col(Entity.type),
                col(Entity.merged_into),
            )
        ).all()
        aliases = session.execute(
            select(col(Alias.entity_id), col(Alias.text), col(Alias.norm)).order_by(col(Alias.id))
        ).all()
        return cls([tuple(row) for row in entities], (tuple(row) for row in aliases))

    def with_entity(
        self, key: str, name: str, type_: str, aliases: Iterable[tuple[str, str]]
    ) -> EntitySearch | None:
        """This index and one new entity (`aliases`: its (text, norm) pairs in id order), as
        `build` would make it once the entity is stored: the lists copied and the entity's
        entries added in place, not every entity and alias read and indexed again (an entity
        created in review). None when `key` is indexed already, or when one of its alias
        keys is indexed for another type only (its place in the typo buckets would differ):
        build the index again then. This index is left as it is (a search may be reading it).
        """
        if key in self._slot_by_key:
            return None
        grown = object.__new__(EntitySearch)
        slot = len(self._ents)
        grown._ents = [*self._ents, (key, name, type_)]
        grown._slot_by_key = {**self._slot_by_key, key: slot}
        grown._alias_text = list(self._alias_text)
        grown._alias_slot = list(self._alias_slot)
        by_key = dict(self._by_key)
        suffix_keys, suffix_alias = list(self._suffix_keys), list(self._suffix_alias)
        buckets = dict(self._buckets)
        seen: set[str] = set()
        for text, norm in aliases:
            if text in seen or not norm:
                continue
            seen.add(text)
            known = by_key.get(norm)
            types = {self._ents[self._alias_slot[i]][2] for i in known or ()}
            if known is not None and type_ not in types:
                return None
            index = len(grown._alias_text)
            grown._alias_text.append(text)
            grown._alias_slot.append(slot)
            by_key[norm] = (*(known or ()), index)
            pairs = [(norm, index)]
            if not text.isalnum():
                words = search_words(text)
                pairs += [("".join(words[i:]), ~index) for i in range(1, len(words))]
            for suffix, owner in pairs:  # after the equal keys, as the stable sort puts them
                at = bisect_right(suffix_keys, suffix)
                suffix_keys.insert(at, suffix)
                suffix_alias.insert(at, owner)
            if known is None:  # a new key goes last in its buckets, as in `build`
                for only in (None, type_):
                    for place, char in enumerate(norm[:2]):
                        bucket = (only, place, char)
                        buckets[bucket] = [*buckets.get(bucket, ()), norm]
        grown._by_key = by_key
        grown._suffix_keys, grown._suffix_alias = suffix_keys, suffix_alias
        grown._buckets = buckets
        return grown

    @property
    def entity_count(self) -> int:
        """How many entities can be found (redirects left out)."""
        return len(self._ents)

    @property
    def alias_count(self) -> int:
        """How many (entity, alias) pairs are indexed."""
        return len(self._alias_text)

    def entity(
        self, key: str, *, kind: str = "exact", matched: str | None = None
    ) -> EntityHit | None:
        """The entity `key` (or, for a redirect, its target) as a hit, if it exists."""
        slot = self._slot_by_key.get(key)
        if slot is None:
            return None
        ent_key, name, type_ = self._ents[slot]
        return EntityHit(ent_key, name, type_, matched or name, EXACT, kind)

    def search(self, query: str, *, limit: int = 20, type: str | None = None) -> list[EntityHit]:
        """The entities best matching `query`, best first, one hit per entity.

        Exact matches of a name or alias come first, then aliases the query begins, then
        aliases with a later word the query begins, mixed with misspellings by score.

        Args:
            query: What the user typed; case, diacritics, spaces and punctuation are ignored.
            limit: At most this many hits.
            type: Only entities of this type.
        """
        q = norm_key(query)
        if not q or limit <= 0:
            return []
        best: dict[int, tuple[float, int, str]] = {}  # slot -> (score, alias, kind)

        def offer(alias: int, score: float, kind: str) -> None:
            slot = self._alias_slot[alias]
            if type is not None and self._ents[slot][2] != type:
                return
            held = best.get(slot)
            if held is None or score > held[0]:
                best[slot] = (score, alias, kind)

        for alias in self._by_key.get(q, ()):
            offer(alias, EXACT, "exact")
        keys, owners = self._suffix_keys, self._suffix_alias
        start = bisect_left(keys, q)
        for i in range(start, min(start + SCAN_LIMIT, len(keys))):
            key = keys[i]
            if not key.startswith(q):
                break
            if len(key) == len(q) and owners[i] >= 0:
                continue  # exact, offered above
            share = SPAN * len(q) / len(key)
            if owners[i] >= 0:
                offer(owners[i], PREFIX_BASE + share, "prefix")
            else:
                offer(~owners[i], WORD_BASE + share, "word")
        if len(q) >= FUZZY_MIN_QUERY:
            for place in (0, 1):
                choices = self._buckets.get((type, place, q[place]), [])
                found = process.extract(
                    q,
                    choices,
                    scorer=fuzz.ratio,
                    processor=None,
                    score_cutoff=FUZZY_CUTOFF,
                    limit=limit * 2,
                )
                for key, score, _index in found:
                    for alias in self._by_key[key]:
                        offer(alias, min(float(score), EXACT - 1), "fuzzy")
        return self._hits(best, limit)

    def suggest(
        self,
        surface: str,
        *,
        current: str | None = None,
        alternatives: Sequence[str] = (),
        limit: int = 20,
        type: str | None = None,
    ) -> list[EntityHit]:
        """What to offer before anything is typed, best first, one hit per entity.

        Args:
            surface: The mention's text: entities it names (or nearly) follow the others.
            current: The key of the mention's entity, offered first (kind "current").
            alternatives: Keys of other entities the matcher thought of (kind "alternative").
            limit: At most this many hits.
            type: Only entities of this type (for the search of the surface).
        """
        hits: list[EntityHit] = []
        seen: set[str] = set()
        for key, kind in [(current, "current"), *((k, "alternative") for k in alternatives)]:
            hit = self.entity(key, kind=kind) if key else None
            if hit is not None and hit.key not in seen and type in (None, hit.type):
                seen.add(hit.key)
                hits.append(hit)
        for hit in self.search(surface, limit=limit, type=type):
            if hit.key not in seen:
                seen.add(hit.key)
                hits.append(hit)
        return hits[:limit]

    def _hits(self, best: dict[int, tuple[float, int, str]], limit: int) -> list[EntityHit]:
        def rank(item: tuple[int, tuple[float, int, str]]) -> tuple[Any, ...]:
            slot, (score, alias, _kind) = item
            key, name, _type = self._ents[slot]
            text = self._alias_text[alias]
            return (-score, text != name, len(text), name, key)

        hits = []
        for slot, (score, alias, kind) in heapq.nsmallest(limit, best.items(), key=rank):
            key, name, type_ = self._ents[slot]
            hits.append(EntityHit(key, name, type_, self._alias_text[alias], round(score, 1), kind))
        return hits


def _root(entity_id: int, merged: dict[int, int]) -> int:
    """The entity a chain of redirects ends at (a cycle ends where it closes)."""
    seen = {entity_id}
    while entity_id in merged and merged[entity_id] not in seen:
        entity_id = merged[entity_id]
        seen.add(entity_id)
    return entity_id


def gazetteer_stamp(session: Session, without: int | None = None) -> tuple[Any, ...]:
    """A cheap fingerprint of the gazetteer, to know when an index is out of date.

    It changes when an entity or alias is added or removed, an entity renamed, retyped or
    redirected (counts, highest ids, latest update, redirect targets). `without`: the
    gazetteer's as if the entity with that id (and its aliases) were not there.
    """
    alias_query = select(func.count(), func.max(col(Alias.id)))
    entity_query = select(
        func.count(),
        func.max(col(Entity.id)),
        func.max(col(Entity.updated_at)),
        func.count(col(Entity.merged_into)),
        func.sum(col(Entity.merged_into)),
    )
    if without is not None:
        alias_query = alias_query.where(col(Alias.entity_id) != without)
        entity_query = entity_query.where(col(Entity.id) != without)
    aliases = session.execute(alias_query).one()
    entities = session.execute(entity_query).one()
    return (*aliases, *entities)


class SearchCache:
    """One database's index, built once and rebuilt only when the gazetteer has changed."""

    def __init__(self, engine: Engine) -> None:
        """A cache for `engine`; nothing is read until `fresh` is called."""
        self.engine = engine
        self._lock = threading.Lock()
        self._index: EntitySearch | None = None
        self._stamp: tuple[Any, ...] | None = None

    @property
    def current(self) -> EntitySearch | None:
        """The index last built, maybe out of date; None before the first build."""
        return self._index

    def fresh(self, created: str | None = None) -> EntitySearch:
        """The index, rebuilt first if the gazetteer changed (safe to call from a thread).

        `created`: the key of an entity just made (in review, from a mention): when it is the
        only change since the index was built, it is added to the index (`with_entity`)
        instead of every entity and alias being read and indexed again."""
        with self._lock, session_scope(self.engine) as session:
            stamp = gazetteer_stamp(session)
            if self._index is not None and stamp != self._stamp and created:
                grown = self._grown(session, self._index, created)
                if grown is not None:
                    self._index, self._stamp = grown, stamp
            if self._index is None or stamp != self._stamp:
                self._index = EntitySearch.build(session)
                self._stamp = stamp
            return self._index

    def _grown(self, session: Session, index: EntitySearch, key: str) -> EntitySearch | None:
        """`index` with the entity `key`, if it is new and the gazetteer is otherwise as it was
        when `index` was built (its stamp without the entity is the one kept)."""
        if index.entity(key) is not None:
            return None
        row = session.execute(
            select(
                col(Entity.id), col(Entity.name), col(Entity.type), col(Entity.merged_into)
            ).where(col(Entity.key) == key)
        ).first()
        if row is None or row.merged_into is not None:
            return None
        if gazetteer_stamp(session, without=row.id) != self._stamp:
            return None
        aliases = session.execute(
            select(col(Alias.text), col(Alias.norm))
            .where(col(Alias.entity_id) == row.id)
            .order_by(col(Alias.id))
        ).all()
        return index.with_entity(key, row.name, row.type, [tuple(a) for a in aliases])


_caches: weakref.WeakKeyDictionary[Engine, SearchCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def search_cache(engine: Engine) -> SearchCache:
    """The cache of `engine`'s index, shared by everything that searches that database."""
    with _caches_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = SearchCache(engine)
        return cache
