"""Undo and redo of gazetteer edits, from their audit entries (the review undo stack's other half).

`revert` and `reapply` check that the gazetteer is still as the entry left it (else `Conflict`,
nothing changed), change it back (or forward again) without committing, and return what changed
so that the articles it reaches can be re-matched; `edit` is the reverser the history uses.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from store.audit import Action
from store.errors import Conflict
from store.gazetteer.change import GazetteerChange
from store.gazetteer.entities import withdraw_candidates
from store.gazetteer.merge import remerge, unmerge
from store.models import Alias, AuditEntry, Entity, Mention, utcnow
from store.textnorm import norm_key
from store.undo.registry import Step, Undone, register

ACTIONS = (
    Action.ENTITY_CREATE,
    Action.ENTITY_RENAME,
    Action.ENTITY_RETYPE,
    Action.ENTITY_UPDATE,
    Action.ENTITY_DELETE,
    Action.ENTITY_REDIRECT,
    Action.ALIAS_ADD,
    Action.ALIAS_REMOVE,
    Action.ENTITY_MERGE,
)


@register(*ACTIONS)
def edit(session: Session, entry: AuditEntry, step: Step) -> Undone:
    """Take back (undo) or make again (redo) a gazetteer edit."""
    assert entry.id is not None
    change = (revert if step.backwards else reapply)(session, entry)
    step.record(
        session,
        target="entity",
        target_id=entry.target_id,
        after={"entry": entry.id, "action": entry.action, "key": change.key},
    )
    return Undone(entry.id, 0, 0, {}, change=change)


def revert(session: Session, entry: AuditEntry) -> GazetteerChange:
    """Take back the edit `entry` recorded (the caller records the undo and commits)."""
    before, after = entry.before or {}, entry.after or {}
    action = entry.action
    if action == Action.ENTITY_MERGE:
        unmerge(session=session, after=after)
        return GazetteerChange(after["target"], entities=(after["source"], after["target"]))
    if action == Action.ALIAS_ADD:
        _drop_alias(session, after["entity"], after["text"])
        return GazetteerChange(after["entity"], removed=((after["entity"], after["text"]),))
    if action == Action.ALIAS_REMOVE:
        _put_alias(session, before["entity"], before["text"], before.get("origin"), None)
        return GazetteerChange(before["entity"], added=(before["text"],))
    if action == Action.ENTITY_CREATE:
        entity = _entity(session, after["key"])
        _expect_unlinked(session, entity)
        session.delete(entity)
        return GazetteerChange(
            after["key"], removed=tuple((after["key"], text) for text in after.get("aliases", []))
        )
    if action == Action.ENTITY_DELETE:
        _recreate(session, before, entry.target_id)
        return GazetteerChange(
            before["key"], added=tuple(before.get("aliases", [])), entities=(before["key"],)
        )
    if action == Action.ENTITY_REDIRECT:
        entity = _entity(session, entry_key(session, entry))
        _expect_redirect(session, entity, after.get("merged_into"))
        entity.merged_into = _id_of(session, before.get("merged_into"))
        session.add(entity)
        return GazetteerChange(entity.key, entities=(entity.key,))
    return _restore(session, action, expect=after, target=before, entry=entry)


def reapply(session: Session, entry: AuditEntry) -> GazetteerChange:
    """Make the edit `entry` recorded again, after it was undone."""
    before, after = entry.before or {}, entry.after or {}
    action = entry.action
    if action == Action.ENTITY_MERGE:
        remerge(session=session, after=after)
        return GazetteerChange(after["target"], entities=(after["source"], after["target"]))
    if action == Action.ALIAS_ADD:
        _put_alias(session, after["entity"], after["text"], after.get("origin"), entry.reviewer_id)
        return GazetteerChange(after["entity"], added=(after["text"],))
    if action == Action.ALIAS_REMOVE:
        _drop_alias(session, before["entity"], before["text"])
        return GazetteerChange(before["entity"], removed=((before["entity"], before["text"]),))
    if action == Action.ENTITY_CREATE:
        _recreate(session, after, entry.target_id)
        return GazetteerChange(after["key"], added=tuple(after.get("aliases", [])))
    if action == Action.ENTITY_DELETE:
        entity = _entity(session, before["key"])
        articles = _articles(session, entity)
        withdraw_candidates(session, entity)  # as the deletion did (re-matching made new ones)
        _expect_unlinked(session, entity, allowed=set(before.get("mentions", [])))
        session.delete(entity)
        return GazetteerChange(before["key"], entities=(before["key"],), articles=articles)
    if action == Action.ENTITY_REDIRECT:
        entity = _entity(session, entry_key(session, entry))
        _expect_redirect(session, entity, before.get("merged_into"))
        entity.merged_into = _id_of(session, after.get("merged_into"))
        session.add(entity)
        return GazetteerChange(entity.key, entities=(entity.key,))
    return _restore(session, action, expect=before, target=after, entry=entry)


def entry_key(session: Session, entry: AuditEntry) -> str:
    """The key of the entity an entry is about."""
    for side in (entry.after or {}, entry.before or {}):
        if isinstance(side, dict) and "key" in side:
            return str(side["key"])
    entity = session.get(Entity, entry.target_id) if entry.target_id else None
    if entity is None:
        raise Conflict("the entity of that change no longer exists")
    return entity.key


def _restore(
    session: Session,
    action: str,
    *,
    expect: dict[str, Any],
    target: dict[str, Any],
    entry: AuditEntry,
) -> GazetteerChange:
    """Rename, retype and update: the entity goes from `expect` to `target`."""
    entity = _entity(session, target["key"])
    fields = ("name", "type", "description", "external_ids")
    if any(
        getattr(entity, name) != expect.get(name) for name in fields if name != "external_ids"
    ) or dict(entity.external_ids or {}) != expect.get("external_ids", {}):
        raise Conflict(f"{entity.key} was changed since; cannot change it back")
    entity.name, entity.type = target["name"], target["type"]
    entity.description, entity.external_ids = target["description"], dict(target["external_ids"])
    entity.updated_at = utcnow()
    session.add(entity)
    change = GazetteerChange(entity.key, entities=(entity.key,))
    if action == Action.ENTITY_RENAME:
        wanted, current = set(target["aliases"]), {a.text for a in _aliases(session, entity)}
        for text in current - wanted:
            _drop_alias(session, entity.key, text)
        for text in wanted - current:
            _put_alias(session, entity.key, text, "reviewer", entry.reviewer_id)
        change = GazetteerChange(
            entity.key,
            added=tuple(wanted - current),
            removed=tuple((entity.key, t) for t in current - wanted),
            entities=(entity.key,),
        )
    if action == Action.ENTITY_RETYPE:
        ids = (entry.after or {}).get("pending_relabelled", [])
        for mention in session.exec(select(Mention).where(col(Mention.id).in_(ids))).all():
            if mention.state == "pending" and mention.label == expect["type"]:
                mention.label = target["type"]
                session.add(mention)
    return change


def _recreate(session: Session, record: dict[str, Any], entity_id: int | None) -> None:
    """Make the entity of a create or delete entry again, with its id, aliases and links."""
    if session.exec(select(Entity.id).where(Entity.key == record["key"])).first() is not None:
        raise Conflict(f"an entity {record['key']!r} exists again; cannot bring it back")
    free = entity_id is not None and session.get(Entity, entity_id) is None
    entity = Entity(
        id=entity_id if free else None,
        key=record["key"],
        name=record["name"],
        type=record["type"],
        description=record.get("description"),
        external_ids=dict(record.get("external_ids") or {}),
        merged_into=_id_of(session, record.get("merged_into")),
    )
    session.add(entity)
    session.flush()
    origins = record.get("origins", {})
    for text in record.get("aliases", []):
        session.add(
            Alias(
                entity_id=_entity_id(entity),
                text=text,
                norm=norm_key(text),
                origin=origins.get(text, "gazetteer"),
            )
        )
    for mention_id in record.get("mentions", []):
        mention = session.get(Mention, mention_id)
        if mention is not None and mention.entity_id is None:
            mention.entity_id = entity.id
            session.add(mention)


def _entity(session: Session, key: str) -> Entity:
    entity = session.exec(select(Entity).where(Entity.key == key)).first()
    if entity is None:
        raise Conflict(f"entity {key!r} no longer exists")
    return entity


def _id_of(session: Session, key: str | None) -> int | None:
    return None if key is None else _entity(session, key).id


def _aliases(session: Session, entity: Entity) -> list[Alias]:
    return list(session.exec(select(Alias).where(Alias.entity_id == entity.id)).all())


def _drop_alias(session: Session, key: str, text: str) -> None:
    entity = _entity(session, key)
    alias = session.exec(
        select(Alias).where(Alias.entity_id == entity.id, Alias.text == text)
    ).first()
    if alias is None:
        raise Conflict(f"{key} no longer has the alias {text!r}")
    session.delete(alias)


def _put_alias(
    session: Session, key: str, text: str, origin: str | None, reviewer_id: int | None
) -> None:
    entity = _entity(session, key)
    if (
        session.exec(select(Alias).where(Alias.entity_id == entity.id, Alias.text == text)).first()
        is not None
    ):
        raise Conflict(f"{key} has the alias {text!r} again")
    session.add(
        Alias(
            entity_id=_entity_id(entity),
            text=text,
            norm=norm_key(text),
            origin=origin or "reviewer",
            added_by=reviewer_id,
        )
    )


def _entity_id(entity: Entity) -> int:
    assert entity.id is not None
    return entity.id


def _articles(session: Session, entity: Entity) -> tuple[int, ...]:
    """The articles with mentions of `entity` (a deletion leaves them unlinked)."""
    return tuple(
        sorted(set(session.exec(select(Mention.article_id).where(Mention.entity_id == entity.id))))
    )


def _expect_unlinked(session: Session, entity: Entity, allowed: set[int] | None = None) -> None:
    linked = set(session.exec(select(Mention.id).where(Mention.entity_id == entity.id)).all())
    if linked - (allowed or set()):
        raise Conflict(f"{entity.key} has mentions linked to it since; relink them first")


def _expect_redirect(session: Session, entity: Entity, key: str | None) -> None:
    if entity.merged_into != _id_of(session, key):
        raise Conflict(f"{entity.key}'s redirect was changed since")
