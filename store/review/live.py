"""The matcher kept between gazetteer edits: one per database, brought up to date in place.

Building a matcher of 100,000 aliases takes seconds, and a gazetteer edit touches a few
entities. `live_matcher` reads the gazetteer's aliases (a fraction of a second), compares them
with those the kept matcher was built or updated from, and gives the entities that differ to
`Matcher.update`: whoever made the edit (this process, another window, the command line), the
matcher is the gazetteer's as it is now.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from store.db import session_scope
from store.matching import AliasEntry, Matcher
from store.review.candidates import gazetteer_aliases

_LOCK = threading.Lock()
# Database URL -> the matcher, and the aliases by entity it reflects.
_LIVE: dict[str, tuple[Matcher, dict[str, frozenset[AliasEntry]]]] = {}


def live_matcher(engine: Engine) -> Matcher:
    """The database's matcher, built at its first use and updated in place after."""
    with session_scope(engine) as session:
        entries = gazetteer_aliases(session=session)
    grouped: dict[str, set[AliasEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.key, set()).add(entry)
    now = {key: frozenset(found) for key, found in grouped.items()}
    url = engine.url.render_as_string(hide_password=False)
    with _LOCK:
        kept = _LIVE.get(url)
        if kept is None:
            matcher = Matcher.build(entries)
        else:
            matcher, before = kept
            touched = {key: found for key, found in now.items() if before.get(key) != found}
            touched.update({key: frozenset() for key in before if key not in now})
            if touched:
                matcher.update(touched)
        _LIVE[url] = (matcher, now)
    return matcher


def forget(engine: Engine) -> None:
    """Drop the database's kept matcher (the next use builds one)."""
    with _LOCK:
        _LIVE.pop(engine.url.render_as_string(hide_password=False), None)
