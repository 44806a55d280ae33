"""The ids of a searched listing's next pages, read once ahead of them.

On PostgreSQL a page of a search in a few percent of the articles costs what finding all its
matches costs: the GIN index's bitmap of every match, then sorted (20-60 ms at a million
articles, where a page without a search takes 7); the ids of the pages after it come out of
the same look-up for little more. A common search's page is found walking its first rows,
but each page also weighs the search up again (the vocabulary's counts). So from a search's
second page on (its first is read as
before: most searches are looked at there alone) `list_articles` reads `PAGES` pages of ids
at once into an `IdsAhead` its caller holds, and serves the next pages from there: each then
reads its rows by id, as a listing without a search does. On SQLite a page's ids are cheap, but a
prefix of many terms is set up again for each page (`meng*`: 7-12 ms a page against 3-5).

Only a listing's order and membership are kept, never a row: statuses and counts are read
with each page, and a searched listing without a status filter changes its membership only
when articles are stored: the queue keeps its run across reloads. The listing's first page
and any page past the run's ends ask the index again, so articles stored since come in at
the listing's end (or its start, in descending order); an article gone since (no command
deletes one) gives a short page, and the run is dropped.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

PAGES = 50  # pages of ids read ahead at once
# On PostgreSQL the ids of a search in fewer than this share of the articles
# (`search.search_share`) are read ahead through the GIN index's bitmap, those of a denser
# one by walking the vectors in id order (as its page is found). 10,000 ids at a million
# articles (`bench/search_ids_bench.py`): the bitmap 23 ms at 2%, 60 at 14%, 76 at 40%, 120 at
# 100%, 190 for a prefix in 72% (`mem*`); the walk 465 ms at 14%, 158 at 40%, 72-86 at 70-100%.
BITMAP_BELOW = 0.5


@dataclass(slots=True)
class IdsAhead:
    """A run of consecutive ids of one listing, in its order, following `start`.

    `listing` names the listing they belong to (None: nothing read yet); `start` is the id
    the run follows (None: the listing's start); `to_end`: the run reached the listing's end
    when it was read.
    """

    listing: Hashable | None = None
    start: int | None = None
    ids: list[int] = field(default_factory=list)
    to_end: bool = False
    _at: dict[int, int] = field(default_factory=dict)

    def after(self, listing: Hashable, mark: int | None, limit: int) -> list[int] | None:
        """The `limit` ids following `mark`, if the run holds them all (or, read to the
        listing's end, the rest: not none, the end itself is asked again); else None. The
        listing's start (`mark` None) is never served from a run: in descending order the
        articles stored since come first."""
        if listing != self.listing or listing is None or mark is None:
            return None
        if mark == self.start:
            at = 0
        elif mark in self._at:
            at = self._at[mark] + 1
        else:
            return None
        rest = self.ids[at : at + limit]
        return rest if len(rest) == limit or (rest and self.to_end) else None

    def before(self, listing: Hashable, mark: int, limit: int) -> list[int] | None:
        """The `limit` ids just before `mark`, in the listing's order, if the run holds them
        all; else None."""
        if listing != self.listing or listing is None or mark not in self._at:
            return None
        at = self._at[mark]
        return self.ids[at - limit : at] if at >= limit else None

    def keep(self, listing: Hashable, start: int | None, ids: list[int], asked: int) -> None:
        """Hold `ids`, the listing's ids after `start`, read by asking for `asked`."""
        self.listing = listing
        self.start = start
        self.ids = ids
        self.to_end = len(ids) < asked
        self._at = {article_id: i for i, article_id in enumerate(ids)}

    def drop(self) -> None:
        """Forget the run (its listing changed under it)."""
        self.keep(None, None, [], 0)
