"""Merging one entity into another: aliases move, mentions relink, the old key stays a redirect.

A merge is one committed transaction with one audit entry (`entity.merge`) that records every
row it moved, so that it can be shown before it happens (`plan_merge`) and undone exactly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from store import audit
from store.audit import Action
from store.errors import Conflict, NotFound
from store.facts.repository import mark_for_review
from store.gazetteer.change import GazetteerChange
from store.models import Alias, Entity, Mention, utcnow


@dataclass(frozen=True, slots=True)
class MergePlan:
    """What merging `source` into `target` changes (or changed)."""

    source: str
    target: str
    aliases_moved: tuple[str, ...]
    aliases_dropped: tuple[str, ...]  # the target has them already
    mentions: dict[str, int]  # by state
    articles: int
    redirects: tuple[str, ...]  # keys that redirected to `source` and now go to `target`
    name_copied: str | None = None  # the source's name, copied as an alias of the target

    @property
    def mention_count(self) -> int:
        """How many mentions are relinked."""
        return sum(self.mentions.values())

    def summary(self) -> str:
        """One line saying what the merge does."""
        states = ", ".join(f"{n} {state}" for state, n in sorted(self.mentions.items()))
        copied = f", its name {self.name_copied!r} is copied" if self.name_copied else ""
        return (
            f"merge {self.source} into {self.target}: {len(self.aliases_moved)} aliases "
            f"move ({len(self.aliases_dropped)} already there){copied}, {self.mention_count} "
            f"mentions ({states or 'none'}) in {self.articles} articles relink, "
            f"{len(self.redirects)} redirects follow; {self.source} stays as a redirect"
        )


def plan_merge(*, session: Session, source: str, target: str) -> MergePlan:
    """What `merge_entities` would change, without changing anything.

    Raises:
        NotFound: either key is unknown.
        Conflict: the merge is not possible (same entity, or either is already a redirect).
    """
    src, dst = _pair(session, source, target)
    return _plan(session, src, dst)


def merge_entities(
    *, session: Session, source: str, target: str, reviewer_id: int | None
) -> GazetteerChange:
    """Merge `source` into `target`, committed, audited and undoable.

    Aliases of `source` move to `target` (those `target` has already are dropped; the name is
    copied, so the redirect keeps it as every entity does), every
    mention linked to `source` is linked to `target`, entities redirecting to `source`
    redirect to `target`, and `source` stays as a redirect to `target`.

    Returns:
        The change: the candidates of both entities (`plan_merge` says what moves).
    """
    src, dst = _pair(session, source, target)
    have = {a.text for a in _aliases(session, dst.id)}
    moved, dropped, copied = [], [], []
    for alias in _aliases(session, src.id):
        row = _alias_row(alias)
        if alias.text == src.name:  # the redirect keeps its name; the target gets a copy
            if alias.text not in have:
                copy = Alias(
                    entity_id=_id(dst),
                    text=alias.text,
                    norm=alias.norm,
                    origin=alias.origin,
                    added_by=alias.added_by,
                )
                session.add(copy)
                session.flush()
                copied.append(copy.id)
        elif alias.text in have:
            dropped.append(row)
            session.delete(alias)
        else:
            moved.append(row)
            alias.entity_id = _id(dst)
            session.add(alias)
    mention_ids = []
    for mention in session.exec(select(Mention).where(Mention.entity_id == src.id)).all():
        mention_ids.append(mention.id)
        mention.entity_id = dst.id
        session.add(mention)
    redirect_ids = []
    for entity in session.exec(select(Entity).where(Entity.merged_into == src.id)).all():
        redirect_ids.append(entity.id)
        entity.merged_into = dst.id
        session.add(entity)
    src.merged_into = dst.id
    src.updated_at = utcnow()
    session.add(src)
    mark_for_review(
        session,
        [i for i in mention_ids if i is not None],
        f"a role's entity {src.key} was merged into {dst.key}",
    )
    audit.record(
        session,
        action=Action.ENTITY_MERGE,
        reviewer_id=reviewer_id,
        target="entity",
        target_id=src.id,
        before={"source": src.key, "target": dst.key, "source_id": src.id, "target_id": dst.id},
        after={
            "source": src.key,
            "target": dst.key,
            "source_id": src.id,
            "target_id": dst.id,
            "moved": moved,
            "dropped": dropped,
            "copied": copied,
            "mentions": mention_ids,
            "redirects": redirect_ids,
        },
    )
    session.commit()
    return GazetteerChange(dst.key, entities=(src.key, dst.key))


def unmerge(*, session: Session, after: dict[str, Any]) -> None:
    """Take back a merge from its audit entry's `after`: every moved row goes back.

    The caller records the undo and commits.

    Raises:
        Conflict: the rows were changed since in a way that cannot be taken back.
    """
    source_id, target_id = int(after["source_id"]), int(after["target_id"])
    src = session.get(Entity, source_id)
    if src is None or src.merged_into != target_id or session.get(Entity, target_id) is None:
        raise Conflict(f"{after['source']} is no longer merged into {after['target']}")
    for row in after["moved"]:
        alias = session.get(Alias, row["id"])
        if alias is None or alias.entity_id != target_id:
            raise Conflict(f"alias {row['text']!r} was changed since the merge")
        alias.entity_id = source_id
        session.add(alias)
    for row in after["dropped"]:
        session.add(
            Alias(
                id=row["id"],
                entity_id=source_id,
                text=row["text"],
                norm=row["norm"],
                origin=row["origin"],
                added_by=row["added_by"],
            )
        )
    for alias_id in after.get("copied", []):
        copy = session.get(Alias, alias_id)
        if copy is not None:
            session.delete(copy)
    for mention_id in after["mentions"]:
        mention = session.get(Mention, mention_id)
        if mention is not None and mention.entity_id == target_id:
            mention.entity_id = source_id
            session.add(mention)
    for entity_id in after["redirects"]:
        entity = session.get(Entity, entity_id)
        if entity is not None and entity.merged_into == target_id:
            entity.merged_into = source_id
            session.add(entity)
    src.merged_into = None
    src.updated_at = utcnow()
    session.add(src)


def remerge(*, session: Session, after: dict[str, Any]) -> None:
    """Redo a merge that was undone, moving the same rows again (the caller commits)."""
    source_id, target_id = int(after["source_id"]), int(after["target_id"])
    src, dst = session.get(Entity, source_id), session.get(Entity, target_id)
    if src is None or dst is None or src.merged_into is not None or dst.merged_into is not None:
        raise Conflict(f"cannot merge {after['source']} into {after['target']} again")
    for row in after["moved"]:
        alias = session.get(Alias, row["id"])
        if alias is not None and alias.entity_id == source_id:
            alias.entity_id = target_id
            session.add(alias)
    for row in after["dropped"]:
        alias = session.get(Alias, row["id"])
        if alias is not None:
            session.delete(alias)
    name = next((a for a in _aliases(session, source_id) if a.text == src.name), None)
    for alias_id in after.get("copied", []):
        if name is not None:
            session.add(
                Alias(
                    id=alias_id,
                    entity_id=target_id,
                    text=name.text,
                    norm=name.norm,
                    origin=name.origin,
                    added_by=name.added_by,
                )
            )
    for mention_id in after["mentions"]:
        mention = session.get(Mention, mention_id)
        if mention is not None and mention.entity_id == source_id:
            mention.entity_id = target_id
            session.add(mention)
    for entity_id in after["redirects"]:
        entity = session.get(Entity, entity_id)
        if entity is not None and entity.merged_into == source_id:
            entity.merged_into = target_id
            session.add(entity)
    src.merged_into = target_id
    src.updated_at = utcnow()
    session.add(src)


def _pair(session: Session, source: str, target: str) -> tuple[Entity, Entity]:
    src, dst = _entity(session, source), _entity(session, target)
    if src.id == dst.id:
        raise Conflict(f"cannot merge {source!r} into itself")
    if src.merged_into is not None:
        raise Conflict(f"{source!r} is already merged into another entity")
    if dst.merged_into is not None:
        into = session.get(Entity, dst.merged_into)
        raise Conflict(
            f"{target!r} is a redirect to {into.key if into else '?'!r}; "
            "merge into that entity instead"
        )
    return src, dst


def _plan(session: Session, src: Entity, dst: Entity) -> MergePlan:
    have = {a.text for a in _aliases(session, dst.id)}
    texts = [a.text for a in _aliases(session, src.id) if a.text != src.name]  # name: copied
    rows = session.exec(
        select(Mention.state, Mention.article_id).where(Mention.entity_id == src.id)
    ).all()
    redirects = session.exec(
        select(Entity.key).where(Entity.merged_into == src.id).order_by(col(Entity.key))
    ).all()
    return MergePlan(
        src.key,
        dst.key,
        tuple(t for t in texts if t not in have),
        tuple(t for t in texts if t in have),
        dict(Counter(state for state, _ in rows)),
        len({article for _, article in rows}),
        tuple(redirects),
        src.name if src.name not in have else None,
    )


def _entity(session: Session, key: str) -> Entity:
    entity = session.exec(select(Entity).where(Entity.key == key)).first()
    if entity is None:
        raise NotFound(f"no entity {key!r}")
    return entity


def _aliases(session: Session, entity_id: int | None) -> list[Alias]:
    return list(
        session.exec(
            select(Alias).where(Alias.entity_id == entity_id).order_by(col(Alias.id))
        ).all()
    )


def _alias_row(alias: Alias) -> dict[str, Any]:
    return {
        "id": alias.id,
        "text": alias.text,
        "norm": alias.norm,
        "origin": alias.origin,
        "added_by": alias.added_by,
    }


def _id(entity: Entity) -> int:
    assert entity.id is not None
    return entity.id
