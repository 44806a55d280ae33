"""The matcher kept between gazetteer edits: one per database, brought up to date in place.

Building a matcher of 100,000 aliases takes seconds, and a gazetteer edit touches a few
entities. `live_matcher` reads the gazetteer's aliases (a fraction of a second), compares them
with those the kept matcher was built or updated from, and gives the entities that differ to
`Matcher.update`: whoever made the edit (this process, another window, the command line), the
matcher is the gazetteer's as it is now.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable

from sqlalchemy import Engine, select
from sqlmodel import col

from store.matching import AliasEntry, Matcher
from store.matching.names import hints_for
from store.models import Alias, Entity

_LOCK = threading.Lock()
_Row = tuple[str, str, str]  # an alias: entity key, alias, label
# Database URL -> the matcher, and the gazetteer's (entity key, alias, label) rows it reflects.
_LIVE: dict[str, tuple[Matcher, frozenset[_Row]]] = {}


def _aliases(engine: Engine) -> list[_Row]:
    """Every alias of every entity that is not a redirect: (entity key, alias, label) tuples,
    read through the driver's cursor: plain tuples hash and compare in C, where SQLAlchemy's
    rows compare in Python (100,000 aliases are read in a fraction of a second)."""
    query = (
        select(col(Entity.key), col(Alias.text), col(Entity.type))
        .join(Entity, col(Entity.id) == col(Alias.entity_id))
        .where(col(Entity.merged_into).is_(None))
    )
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(str(query.compile(dialect=connection.dialect)))
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()


def _entries(rows: Iterable[_Row]) -> list[AliasEntry]:
    """The aliases of `rows` (of one entity), as the matcher takes them: in order."""
    return [AliasEntry(key, alias, label) for key, alias, label in sorted(set(rows))]


def live_matcher(engine: Engine) -> Matcher:
    """The database's matcher, built at its first use and updated in place after."""
    rows = _aliases(engine)
    now = frozenset(rows)
    url = engine.url.render_as_string(hide_password=False)
    with _LOCK:
        kept = _LIVE.get(url)
        if kept is None:
            grouped: dict[str, list[_Row]] = {}
            for row in rows:
                grouped.setdefault(row[0], []).append(row)
            matcher = Matcher.build(e for found in grouped.values() for e in _entries(found))
            hints_for(matcher)  # (the new names' hints: built once, as the first match would)
            # Its millions of objects live as long as the process: out of the collector's
            # full passes, which would walk them all again and again (a second an edit).
            gc.freeze()
        else:
            matcher, before = kept
            # The entities with an alias added or gone: a set difference of the rows rather
            # than a comparison of every entity's aliases (a fraction of the time).
            keys = {row[0] for row in now ^ before}
            if keys:
                touched: dict[str, list[_Row]] = {key: [] for key in keys}
                for row in rows:
                    if row[0] in keys:
                        touched[row[0]].append(row)
                matcher.update({key: _entries(found) for key, found in touched.items()})
        _LIVE[url] = (matcher, now)
    return matcher


def forget(engine: Engine) -> None:
    """Drop the database's kept matcher (the next use builds one)."""
    with _LOCK:
        _LIVE.pop(engine.url.render_as_string(hide_password=False), None)
