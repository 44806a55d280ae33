"""The matcher kept between gazetteer edits: one per database, brought up to date in place.

Building a matcher of 100,000 aliases takes seconds, and a gazetteer edit touches a few
entities. `live_matcher` reads the gazetteer's aliases (a fraction of a second), compares them
with those the kept matcher was built or updated from, and gives the entities that differ to
`Matcher.update`: whoever made the edit (this process, another window, the command line), the
matcher is the gazetteer's as it is now.

After an entity is made in review (`created`), the kept matcher is brought up to date from
that entity's aliases alone when the gazetteer is otherwise as it was at the last comparison
(its fingerprint without the entity, `store.gazetteer.search.gazetteer_stamp`, is the one
taken then): a creation reads one entity, not the whole gazetteer.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import col

from store.db import session_scope
from store.gazetteer.search import gazetteer_stamp
from store.matching import AliasEntry, Matcher
from store.matching.names import hints_for
from store.models import Alias, Entity

_LOCK = threading.Lock()
_Row = tuple[str, str, str]  # an alias: entity key, alias, label
# Database URL -> the matcher, the gazetteer's (entity key, alias, label) rows it reflects, and
# the gazetteer's fingerprint read before those rows (a write between them: compared again).
_LIVE: dict[str, tuple[Matcher, frozenset[_Row], tuple[Any, ...]]] = {}


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


def live_matcher(engine: Engine, created: str | None = None) -> Matcher:
    """The database's matcher, built at its first use and updated in place after.

    `created`: the key of an entity just made (a creation in review): when it is the only
    change since the last comparison, its aliases alone are read and given to the matcher."""
    url = engine.url.render_as_string(hide_password=False)
    if created:
        grown = _grown(engine, url, created)
        if grown is not None:
            return grown
    with session_scope(engine) as session:
        stamp = gazetteer_stamp(session)  # before the rows: a write between them is seen later
    rows = _aliases(engine)
    now = frozenset(rows)
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
            matcher, before, _ = kept
            # The entities with an alias added or gone: a set difference of the rows rather
            # than a comparison of every entity's aliases (a fraction of the time).
            keys = {row[0] for row in now ^ before}
            if keys:
                touched: dict[str, list[_Row]] = {key: [] for key in keys}
                for row in rows:
                    if row[0] in keys:
                        touched[row[0]].append(row)
                matcher.update({key: _entries(found) for key, found in touched.items()})
        _LIVE[url] = (matcher, now, stamp)
    return matcher


def _grown(engine: Engine, url: str, key: str) -> Matcher | None:
    """The kept matcher with the new entity `key`, when the gazetteer is otherwise as it was at
    the last comparison; else None (compare every alias)."""
    with _LOCK:
        kept = _LIVE.get(url)
        if kept is None:
            return None
        matcher, before, stamp = kept
        # (An entity the matcher knew: the gazetteer without it differs from the one compared.)
        with session_scope(engine) as session:
            found = session.execute(
                select(col(Entity.id), col(Entity.type), col(Entity.merged_into)).where(
                    col(Entity.key) == key
                )
            ).first()
            if found is None or found.merged_into is not None:
                return None
            now = gazetteer_stamp(session)  # first: a write after it is seen at the next use
            if gazetteer_stamp(session, without=found.id) != stamp:
                return None
            texts = session.execute(
                select(col(Alias.text)).where(col(Alias.entity_id) == found.id)
            ).scalars()
            rows = [(key, str(text), str(found.type)) for text in texts]
        matcher.update({key: _entries(rows)})
        _LIVE[url] = (matcher, before | frozenset(rows), now)
        return matcher


def forget(engine: Engine) -> None:
    """Drop the database's kept matcher (the next use builds one)."""
    with _LOCK:
        _LIVE.pop(engine.url.render_as_string(hide_password=False), None)
