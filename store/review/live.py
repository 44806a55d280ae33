"""The matcher kept between gazetteer edits: one per database, brought up to date in place.

Building a matcher of 100,000 aliases takes seconds, and a gazetteer edit touches a few
entities. `live_matcher` finds what changed since its last use and gives the entities that
differ to `Matcher.update`: whoever made the edit (this process, another window, the command
line), the matcher is the gazetteer's as it is now.

What changed is found in one of two ways. On SQLite (one writer at a time: the audit log's ids
are in the order their edits were committed) the audit entries written since the last use are
read: when each is a change that leaves the gazetteer as it is (a decision, a fact, a matching
run), an alias added or removed or an entity made (whose entry names the entity), only those
entities' aliases are read. Anything else (an undo, a merge, an import, a retype, an action
this module does not know), and on PostgreSQL (where ids are taken before commit, so a later id
may commit first), the gazetteer's aliases are read whole and compared with those the matcher
reflects (a fraction of a second for 100,000 aliases).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlmodel import col

from store.audit import Action
from store.matching import AliasEntry, Matcher
from store.matching.names import hints_for
from store.models import Alias, AuditEntry, Entity

_LOCK = threading.Lock()
_Row = tuple[str, str, str]  # an alias: entity key, alias, label
# Audit actions that never change the gazetteer: skipped when looking for what changed.
UNCHANGED = frozenset(
    {
        Action.DECIDE,
        Action.DECIDE_MANY,
        Action.CREATE,
        Action.SPAN,
        Action.MATCH,
        Action.MATCH_PROGRESS,
        Action.FACT_CREATE,
        Action.FACT_DECIDE,
        Action.FACT_ROLES,
        Action.FACT_NOTE,
        Action.FACT_DELETE,
        Action.FACT_ACCEPT,
        Action.ARTICLE_STATUS,
        Action.ARTICLES_IMPORT,
        Action.ASSIGN,
        Action.ADJUDICATE,
    }
)
# Audit actions that change one entity's aliases: where the entry names it (side, field).
_ALIAS_EDITS = {
    Action.ALIAS_ADD: ("after", "entity"),
    Action.ALIAS_REMOVE: ("before", "entity"),
    Action.ENTITY_CREATE: ("after", "key"),  # (a new entity: its aliases are all new)
}
# More audit entries than this since the last use: compare the whole gazetteer instead.
MAX_ENTRIES = 5_000


@dataclass(slots=True)
class _Live:
    matcher: Matcher
    rows: set[_Row]  # the gazetteer's (entity key, alias, label) rows the matcher reflects
    seen: int | None  # the last audit entry they include (SQLite), else None


# Database URL -> its live matcher.
_LIVE: dict[str, _Live] = {}


def _aliases(connection: Connection, keys: Collection[str] | None = None) -> list[_Row]:
    """Every alias of every entity that is not a redirect (of `keys` only, if given):
    (entity key, alias, label) tuples, read through the driver's cursor: plain tuples hash and
    compare in C, where SQLAlchemy's rows compare in Python (100,000 aliases are read in a
    fraction of a second)."""
    query = (
        select(col(Entity.key), col(Alias.text), col(Entity.type))
        .join(Entity, col(Entity.id) == col(Alias.entity_id))
        .where(col(Entity.merged_into).is_(None))
    )
    if keys is not None:
        found = connection.execute(query.where(col(Entity.key).in_(list(keys))))
        return [(str(key), str(alias), str(label)) for key, alias, label in found]
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(query.compile(dialect=connection.dialect)))
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _last_entry(connection: Connection) -> int | None:
    """The audit log's last id (SQLite; 0 when empty), None elsewhere (see the module)."""
    if connection.dialect.name != "sqlite":
        return None
    return int(connection.execute(select(func.max(col(AuditEntry.id)))).scalar() or 0)


def _touched(connection: Connection, seen: int) -> tuple[int, set[str]] | None:
    """The last audit id and the entities whose aliases the entries after `seen` changed;
    None when one of them may have changed the gazetteer otherwise (compare it whole)."""
    entries = connection.execute(
        select(
            col(AuditEntry.id),
            col(AuditEntry.action),
            col(AuditEntry.before),
            col(AuditEntry.after),
        )
        .where(col(AuditEntry.id) > seen)
        .order_by(col(AuditEntry.id))
        .limit(MAX_ENTRIES + 1)
    ).all()
    if len(entries) > MAX_ENTRIES:
        return None
    keys: set[str] = set()
    for _, action, before, after in entries:
        if action in UNCHANGED:
            continue
        side, field = _ALIAS_EDITS.get(action, (None, ""))
        value: Any = (before if side == "before" else after) if side else None
        key = value.get(field) if isinstance(value, dict) else None
        if not isinstance(key, str):
            return None
        keys.add(key)
    return (int(entries[-1][0]) if entries else seen), keys


def _entries(rows: Iterable[_Row]) -> list[AliasEntry]:
    """The aliases of `rows` (of one entity), as the matcher takes them: in order."""
    return [AliasEntry(key, alias, label) for key, alias, label in sorted(set(rows))]


def _update(live: _Live, keys: set[str], rows: list[_Row]) -> None:
    """Bring the entities `keys` of the matcher to their aliases `rows` (all of theirs)."""
    touched: dict[str, list[_Row]] = {key: [] for key in keys}
    for row in rows:
        if row[0] in keys:
            touched[row[0]].append(row)
    live.matcher.update({key: _entries(found) for key, found in touched.items()})


def live_matcher(engine: Engine) -> Matcher:
    """The database's matcher, built at its first use and updated in place after."""
    url = engine.url.render_as_string(hide_password=False)
    with _LOCK, engine.connect() as connection:
        live = _LIVE.get(url)
        if live is not None and live.seen is not None:
            found = _touched(connection, live.seen)
            if found is not None:
                last, keys = found
                if keys:
                    current = _aliases(connection, keys)
                    before = {row for row in live.rows if row[0] in keys}
                    changed = {row[0] for row in before.symmetric_difference(current)}
                    if changed:
                        _update(live, changed, current)
                    live.rows -= before
                    live.rows.update(current)
                live.seen = last
                return live.matcher
        seen = _last_entry(connection)  # (before the aliases: a later edit is seen next time)
        rows = _aliases(connection)
        if live is None:
            grouped: dict[str, list[_Row]] = {}
            for row in rows:
                grouped.setdefault(row[0], []).append(row)
            matcher = Matcher.build(e for found in grouped.values() for e in _entries(found))
            hints_for(matcher)  # (the new names' hints: built once, as the first match would)
            # Its millions of objects live as long as the process: out of the collector's
            # full passes, which would walk them all again and again (a second an edit).
            gc.freeze()
            _LIVE[url] = _Live(matcher, set(rows), seen)
            return matcher
        now = set(rows)
        # The entities with an alias added or gone: a set difference of the rows rather than
        # a comparison of every entity's aliases (a fraction of the time).
        keys = {row[0] for row in now ^ live.rows}
        if keys:
            _update(live, keys, rows)
        live.rows, live.seen = now, seen
        return live.matcher


def forget(engine: Engine) -> None:
    """Drop the database's kept matcher (the next use builds one)."""
    with _LOCK:
        _LIVE.pop(engine.url.render_as_string(hide_password=False), None)
