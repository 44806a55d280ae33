"""The ids of a searched listing's next pages, read once ahead of them.

A search's page costs what finding its matches costs: for a prefix of many words the
index's look-up of every word (PostgreSQL's GIN bitmap, FTS5's doclists), made again for
each page. The ids of the pages after it come out of the same look-up for little more, so
`list_articles` reads `PAGES` pages of ids at once into an `IdsAhead` its caller holds, and
serves the next pages from there: each then reads its rows by id, as a listing without a
search does.

Only a listing's order and membership are kept, never a row: statuses and counts are read
with each page. What the ids could miss is an article stored after they were read, which a
reload (a fresh `IdsAhead`) lists; an article gone since gives a short page and the run is
dropped.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

PAGES = 50  # pages of ids read ahead at once


@dataclass(slots=True)
class IdsAhead:
    """A run of consecutive ids of one listing, in its order, following `start`.

    `listing` names the listing they belong to (None: nothing read yet); `start` is the id
    the run follows (None: the listing's start); `to_end` says the run reaches the listing's
    end (its read came back short).
    """

    listing: Hashable | None = None
    start: int | None = None
    ids: list[int] = field(default_factory=list)
    to_end: bool = False
    _at: dict[int, int] = field(default_factory=dict)

    def after(self, listing: Hashable, mark: int | None, limit: int) -> list[int] | None:
        """The `limit` ids following `mark` (None: the listing's start), if the run holds
        them all (or holds the rest up to the listing's end); else None."""
        if listing != self.listing or listing is None:
            return None
        if mark == self.start:
            at = 0
        elif mark is not None and mark in self._at:
            at = self._at[mark] + 1
        else:
            return None
        rest = self.ids[at : at + limit]
        return rest if len(rest) == limit or self.to_end else None

    def before(self, listing: Hashable, mark: int, limit: int) -> list[int] | None:
        """The `limit` ids just before `mark`, in the listing's order, if the run holds them
        all (or all back to the listing's start); else None."""
        if listing != self.listing or listing is None or mark not in self._at:
            return None
        at = self._at[mark]
        if at >= limit:
            return self.ids[at - limit : at]
        return self.ids[:at] if self.start is None else None

    def keep(self, listing: Hashable, start: int | None, ids: list[int], asked: int) -> None:
        """Hold `ids`, read after `start` by asking for `asked` of them."""
        self.listing = listing
        self.start = start
        self.ids = ids
        self.to_end = len(ids) < asked
        self._at = {article_id: i for i, article_id in enumerate(ids)}

    def drop(self) -> None:
        """Forget the run (its listing changed under it)."""
        self.keep(None, None, [], 0)
