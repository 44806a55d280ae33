"""What a gazetteer edit will change, said before it happens: mentions and articles it reaches."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from store.gazetteer.change import GazetteerChange
from store.gazetteer.entities import get_entity
from store.models import Entity, Mention
from store.review.rematch import affected_articles


def _mentions(
    session: Session, key: str, *, alias: str | None = None, state: str | None = None
) -> tuple[Counter[str], int]:
    query = (
        select(col(Mention.state), col(Mention.article_id))
        .join(Entity, col(Entity.id) == col(Mention.entity_id))
        .where(col(Entity.key) == key)
    )
    if alias is not None:
        query = query.where(col(Mention.matched_alias) == alias)
    if state is not None:
        query = query.where(col(Mention.state) == state)
    rows = session.execute(query).all()
    return Counter(state for state, _ in rows), len({article for _, article in rows})


def _states(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no mentions"


def rename_impact(*, session: Session, key: str, name: str) -> str:
    """What renaming `key` to `name` changes."""
    counts, articles = _mentions(session, key)
    entity = get_entity(session=session, key=key)
    return (
        f"Rename {key} from {entity.name!r} to {name.strip()!r}: {_states(counts)} in "
        f"{articles} articles show the new name; {entity.name!r} stays an alias."
    )


def retype_impact(*, session: Session, key: str, type: str) -> str:
    """What retyping `key` to `type` changes."""
    pending, pending_articles = _mentions(session, key, state="pending")
    accepted, _ = _mentions(session, key, state="accepted")
    return (
        f"Retype {key} as {type}: {sum(pending.values())} pending mentions in "
        f"{pending_articles} articles take the label {type}; {sum(accepted.values())} "
        "accepted ones are offered next."
    )


def add_alias_impact(engine: Engine, *, key: str, text: str) -> str:
    """What adding the alias `text` to `key` changes: the articles re-matched."""
    articles = affected_articles(engine, GazetteerChange(key, added=(text.strip(),)))
    return (
        f"Add {text.strip()!r} to {key}: {len(articles)} articles where it (or a variant) "
        "occurs are re-matched; decided mentions are never touched."
    )


def remove_alias_impact(*, session: Session, key: str, text: str) -> str:
    """What removing the alias `text` of `key` changes: its pending candidates go."""
    pending, articles = _mentions(session, key, alias=text, state="pending")
    decided, _ = _mentions(session, key, alias=text)
    kept = sum(decided.values()) - sum(pending.values())
    return (
        f"Remove {text!r} from {key}: {sum(pending.values())} pending candidates in "
        f"{articles} articles are withdrawn; {kept} decided mentions stay."
    )


def delete_impact(*, session: Session, key: str) -> str:
    """What deleting `key` changes."""
    counts, articles = _mentions(session, key)
    entity = get_entity(session=session, key=key)
    return (
        f"Delete {key} ({entity.name}) and its {len(entity.aliases)} aliases: "
        f"{_states(counts)} in {articles} articles lose their link (refused while any is "
        "accepted)."
    )
