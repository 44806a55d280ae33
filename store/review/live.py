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

from sqlalchemy import Engine, select
from sqlmodel import col

from store.matching import AliasEntry, Matcher
from store.matching.names import hints_for
from store.models import Alias, Entity

_LOCK = threading.Lock()
# Database URL -> the matcher, and the (alias, label) pairs by entity it reflects.
_LIVE: dict[str, tuple[Matcher, dict[str, frozenset[tuple[str, str]]]]] = {}


def _aliases(engine: Engine) -> dict[str, frozenset[tuple[str, str]]]:
    """Every entity that is not a redirect: its (alias, label) pairs (plain rows: 100,000
    aliases are read in a fraction of a second)."""
    grouped: dict[str, set[tuple[str, str]]] = {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(col(Entity.key), col(Alias.text), col(Entity.type))
            .join(Entity, col(Entity.id) == col(Alias.entity_id))
            .where(col(Entity.merged_into).is_(None))
        )
        for key, alias, label in rows:
            found = grouped.get(key)
            if found is None:
                grouped[key] = {(alias, label)}
            else:
                found.add((alias, label))
    return {key: frozenset(pairs) for key, pairs in grouped.items()}


def _entries(key: str, pairs: frozenset[tuple[str, str]]) -> list[AliasEntry]:
    return [AliasEntry(key, alias, label) for alias, label in sorted(pairs)]


def live_matcher(engine: Engine) -> Matcher:
    """The database's matcher, built at its first use and updated in place after."""
    now = _aliases(engine)
    url = engine.url.render_as_string(hide_password=False)
    with _LOCK:
        kept = _LIVE.get(url)
        if kept is None:
            matcher = Matcher.build(e for key, pairs in now.items() for e in _entries(key, pairs))
            hints_for(matcher)  # (the new names' hints: built once, as the first match would)
            # Its millions of objects live as long as the process: out of the collector's
            # full passes, which would walk them all again and again (a second an edit).
            gc.freeze()
        else:
            matcher, before = kept
            touched = {
                key: _entries(key, pairs) for key, pairs in now.items() if before.get(key) != pairs
            }
            touched.update({key: [] for key in before if key not in now})
            if touched:
                matcher.update(touched)
        _LIVE[url] = (matcher, now)
    return matcher


def forget(engine: Engine) -> None:
    """Drop the database's kept matcher (the next use builds one)."""
    with _LOCK:
        _LIVE.pop(engine.url.render_as_string(hide_password=False), None)
