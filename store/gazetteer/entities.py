"""Repository functions for the gazetteer: entities and aliases, each change audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import func
from sqlmodel import Session, col, select

from store import audit
from store.audit import Action
from store.errors import Conflict, NotFound, TelaahError
from store.facts.repository import mark_for_review
from store.gazetteer.change import GazetteerChange
from store.models import Alias, Entity, Label, Mention, Reviewer, utcnow
from store.textnorm import norm_key, normalise_field, normalise_optional


@dataclass(frozen=True, slots=True)
class AliasView:
    """An alias, detached: who added it and where it came from."""

    id: int
    text: str
    norm: str
    origin: str
    added_by: str | None


@dataclass(frozen=True, slots=True)
class EntityView:
    """An entity with its aliases; the name is always among them."""

    id: int
    key: str
    name: str
    type: str
    description: str | None
    external_ids: dict[str, Any]
    merged_into: str | None
    aliases: tuple[AliasView, ...]


@dataclass(frozen=True, slots=True)
class EntityRow:
    """An entity as a list shows it."""

    id: int
    key: str
    name: str
    type: str
    aliases: int
    merged_into: str | None


def list_entities(
    *,
    session: Session,
    type: str | None = None,
    limit: int = 100,
    offset: int = 0,
    include_redirects: bool = False,
) -> list[EntityRow]:
    """A page of entities by key, with alias counts."""
    target = Entity.__table__.alias("target")  # type: ignore[attr-defined]
    alias_count = (
        select(func.count())
        .select_from(Alias)
        .where(Alias.entity_id == Entity.id)
        .scalar_subquery()
    )
    # sqlmodel's select() is typed for up to four columns; this one has six.
    query = (
        select(
            Entity.id,
            Entity.key,
            Entity.name,
            Entity.type,  # type: ignore[call-overload]
            alias_count,
            target.c.key,
        )
        .join(target, target.c.id == Entity.merged_into, isouter=True)
        .order_by(col(Entity.key))
        .limit(limit)
        .offset(offset)
    )
    if type is not None:
        query = query.where(Entity.type == type)
    if not include_redirects:
        query = query.where(col(Entity.merged_into).is_(None))
    return [EntityRow(*row) for row in session.exec(query).all()]


def count_entities(*, session: Session) -> int:
    """How many entities there are, redirects left out."""
    query = select(func.count()).select_from(Entity).where(col(Entity.merged_into).is_(None))
    return int(session.exec(query).one())


def count_aliases(*, session: Session) -> int:
    """How many aliases there are."""
    return int(session.exec(select(func.count()).select_from(Alias)).one())


def get_entity(*, session: Session, key: str) -> EntityView:
    """One entity by key, with its aliases."""
    return _view(session, _entity(session, key))


def all_entities(*, session: Session) -> list[EntityView]:
    """Every entity with its aliases, in the order they were created (for export)."""
    entities = session.exec(select(Entity).order_by(col(Entity.id))).all()
    keys = {e.id: e.key for e in entities}
    names = dict(session.exec(select(Reviewer.id, Reviewer.name)).all())
    aliases: dict[int, list[AliasView]] = {}
    for a in session.exec(select(Alias).order_by(col(Alias.id))).all():
        aliases.setdefault(a.entity_id, []).append(_alias_view(a, names))
    return [
        _make_view(
            e, aliases.get(e.id or 0, []), keys.get(e.merged_into) if e.merged_into else None
        )
        for e in entities
    ]


def label_names(*, session: Session) -> set[str]:
    """The labels the stored schema defines."""
    return set(session.exec(select(Label.name)).all())


def create_entity(
    *,
    session: Session,
    key: str,
    name: str,
    type: str,
    reviewer_id: int | None,
    aliases: list[str] | None = None,
    description: str | None = None,
    external_ids: dict[str, Any] | None = None,
    origin: str = "gazetteer",
    commit: bool = True,
    imported: bool = False,
) -> GazetteerChange:
    """Create an entity; its name and the given aliases become its aliases.

    `imported` marks a change made by a gazetteer import: audited under `import:` names, so
    that a reviewer's undo never steps into an import.

    Returns:
        The change: every alias of the new entity, found where it (or a variant) occurs.
    """
    key, name = key.strip(), normalise_field(name).strip()
    description = normalise_optional(description)
    aliases = [normalise_field(a) for a in aliases or []]
    if not key or not name:
        raise TelaahError("an entity needs a non-empty key and name")
    _check_type(session, type)
    if session.exec(select(Entity.id).where(Entity.key == key)).first() is not None:
        raise Conflict(f"entity {key!r} already exists")
    entity = Entity(
        key=key,
        name=name,
        type=type,
        description=description or None,
        external_ids=dict(external_ids or {}),
    )
    session.add(entity)
    session.flush()
    assert entity.id is not None
    seen: dict[str, None] = {}  # in order: the name first
    for text in [name, *(aliases or [])]:
        text = text.strip()
        if text and text not in seen:
            seen[text] = None
            session.add(
                Alias(
                    entity_id=entity.id,
                    text=text,
                    norm=norm_key(text),
                    origin=origin,
                    added_by=reviewer_id,
                )
            )
    session.flush()
    view = _view(session, entity)
    audit.record(
        session,
        action=_action(Action.ENTITY_CREATE, imported),
        reviewer_id=reviewer_id,
        target="entity",
        target_id=entity.id,
        after=entity_to_dict(view) | {"origins": {a.text: a.origin for a in view.aliases}},
    )
    if commit:
        session.commit()
    return GazetteerChange(key, added=tuple(seen))


def key_problem(*, session: Session, key: str) -> str | None:
    """What is wrong with `key` as the key of a new entity (empty, spaces, taken), or None."""
    key = key.strip()
    if not key:
        return "the key is empty"
    if any(ch.isspace() or not ch.isprintable() for ch in key):
        return f"the key {key!r} has spaces or control characters"
    taken = session.exec(select(Entity).where(Entity.key == key)).first()
    if taken is not None:
        return f"the key {key!r} is taken by {taken.name!r} ({taken.type})"
    return None


def rename_entity(
    *, session: Session, key: str, name: str, reviewer_id: int | None
) -> GazetteerChange:
    """Rename an entity; the new name becomes an alias and the old one stays an alias.

    Returns:
        The change: the new name is an alias, and the entity's candidates show the new name.
    """
    name = normalise_field(name).strip()
    if not name:
        raise TelaahError("the new name is empty")
    entity = _entity(session, key)
    before = entity_to_dict(_view(session, entity))
    entity.name = name
    entity.updated_at = utcnow()
    _ensure_alias(session, entity, name, reviewer_id, "reviewer")
    _finish(session, entity, Action.ENTITY_RENAME, before, reviewer_id)
    return GazetteerChange(key, added=(name,), entities=(key,))


def retype_entity(
    *, session: Session, key: str, type: str, reviewer_id: int | None
) -> GazetteerChange:
    """Change an entity's type; its pending mentions take the new label.

    Returns:
        The change: the entity's candidates carry another label.
    """
    _check_type(session, type)
    entity = _entity(session, key)
    before = entity_to_dict(_view(session, entity))
    entity.type = type
    entity.updated_at = utcnow()
    pending = session.exec(
        select(Mention).where(Mention.entity_id == entity.id, Mention.state == "pending")
    ).all()
    for mention in pending:
        mention.label = type
        session.add(mention)
    _finish(
        session,
        entity,
        Action.ENTITY_RETYPE,
        before,
        reviewer_id,
        extra={"pending_relabelled": [m.id for m in pending]},
    )
    return GazetteerChange(key, entities=(key,))


def update_entity(
    *,
    session: Session,
    key: str,
    reviewer_id: int | None,
    description: str | None = None,
    external_ids: dict[str, Any] | None = None,
    commit: bool = True,
    imported: bool = False,
) -> EntityView:
    """Set an entity's description and/or external ids (`imported`: see `create_entity`)."""
    entity = _entity(session, key)
    before = entity_to_dict(_view(session, entity))
    if description is not None:
        entity.description = normalise_field(description) or None
    if external_ids is not None:
        entity.external_ids = dict(external_ids)
    entity.updated_at = utcnow()
    return _finish(
        session, entity, _action(Action.ENTITY_UPDATE, imported), before, reviewer_id, commit=commit
    )


def delete_entity(*, session: Session, key: str, reviewer_id: int | None) -> GazetteerChange:
    """Delete an entity, refused while accepted mentions are linked to it.

    Its pending candidates are withdrawn in the same transaction (`withdraw_candidates`), so no
    pending mention is ever left without an entity; facts they filled are marked for review.

    Returns:
        The change: the articles of the entity's mentions (re-matching them proposes what the
        other entities match there).
    """
    entity = _entity(session, key)
    accepted = session.exec(
        select(func.count())
        .select_from(Mention)
        .where(Mention.entity_id == entity.id, Mention.state == "accepted")
    ).one()
    if accepted:
        raise Conflict(f"entity {key!r} has {accepted} accepted mentions; relink them first")
    redirects = session.exec(
        select(func.count()).select_from(Entity).where(Entity.merged_into == entity.id)
    ).one()
    if redirects:
        raise Conflict(f"entity {key!r} is the target of {redirects} redirects")
    before = entity_to_dict(_view(session, entity))
    articles = sorted(
        set(session.exec(select(Mention.article_id).where(Mention.entity_id == entity.id)).all())
    )
    before["withdrawn"] = withdraw_candidates(session, entity)
    # Kept so that undo can link them again (the database unlinks them: ON DELETE SET NULL).
    before["mentions"] = list(
        session.exec(
            select(Mention.id).where(Mention.entity_id == entity.id).order_by(col(Mention.id))
        ).all()
    )
    before["origins"] = {
        a.text: a.origin
        for a in session.exec(select(Alias).where(Alias.entity_id == entity.id)).all()
    }
    mark_for_review(session, before["mentions"], f"a role's entity {key} was deleted")
    session.delete(entity)
    audit.record(
        session,
        action=Action.ENTITY_DELETE,
        reviewer_id=reviewer_id,
        target="entity",
        target_id=entity.id,
        before=before,
    )
    session.commit()
    return GazetteerChange(key, articles=tuple(articles))


def withdraw_candidates(session: Session, entity: Entity) -> list[int]:
    """Delete the pending candidates (origin gazetteer) linked to `entity`, marking the facts
    they fill for review; return their ids (no commit). Rejected mentions and imported or manual
    pending ones stay: they are decisions or annotations, not the matcher's proposals."""
    ids = [
        int(i)
        for i in session.exec(
            select(Mention.id).where(
                Mention.entity_id == entity.id,
                Mention.state == "pending",
                Mention.origin == "gazetteer",
            )
        ).all()
        if i is not None
    ]
    if ids:
        mark_for_review(session, ids, f"a role's entity {entity.key} was deleted")
        session.execute(sa_delete(Mention).where(col(Mention.id).in_(ids)))
    return ids


def add_alias(
    *,
    session: Session,
    key: str,
    text: str,
    reviewer_id: int | None,
    origin: str = "reviewer",
    commit: bool = True,
    imported: bool = False,
) -> GazetteerChange:
    """Add a surface form to an entity (`imported`: see `create_entity`).

    Returns:
        The change: the new alias, found where it (or a variant) occurs.
    """
    text = normalise_field(text).strip()
    if not text:
        raise TelaahError("an alias cannot be empty")
    if not norm_key(text):
        raise TelaahError(f"alias {text!r} has no letters or digits")
    entity = _entity(session, key)
    exists = session.exec(
        select(Alias).where(Alias.entity_id == entity.id, Alias.text == text)
    ).first()
    if exists is not None:
        raise Conflict(f"{key!r} already has the alias {text!r}")
    alias = _ensure_alias(session, entity, text, reviewer_id, origin)
    audit.record(
        session,
        action=_action(Action.ALIAS_ADD, imported),
        reviewer_id=reviewer_id,
        target="alias",
        target_id=alias.id,
        after={"entity": key, "text": text, "origin": origin},
    )
    if commit:
        session.commit()
    return GazetteerChange(key, added=(text,))


def remove_alias(
    *, session: Session, key: str, text: str, reviewer_id: int | None
) -> GazetteerChange:
    """Remove a surface form from an entity; its name cannot be removed.

    Returns:
        The change: the pending candidates the alias produced are withdrawn when re-matched.
    """
    entity = _entity(session, key)
    if text == entity.name:
        raise Conflict(f"{text!r} is the name of {key!r}; rename the entity first")
    alias = session.exec(
        select(Alias).where(Alias.entity_id == entity.id, Alias.text == text)
    ).first()
    if alias is None:
        raise NotFound(f"{key!r} has no alias {text!r}")
    audit.record(
        session,
        action=Action.ALIAS_REMOVE,
        reviewer_id=reviewer_id,
        target="alias",
        target_id=alias.id,
        before={"entity": key, "text": text, "origin": alias.origin},
    )
    session.delete(alias)
    session.commit()
    return GazetteerChange(key, removed=((key, text),))


def set_redirect(
    *,
    session: Session,
    key: str,
    target: str | None,
    reviewer_id: int | None,
    commit: bool = True,
    imported: bool = False,
) -> None:
    """Make `key` a redirect to `target` (or clear it with None; `imported`: see
    `create_entity`)."""
    entity = _entity(session, key)
    target_id = _entity(session, target).id if target else None
    if target_id == entity.id:
        raise Conflict(f"{key!r} cannot redirect to itself")
    # Before and after both name the target by key, so that undo can replay `before`.
    current = session.get(Entity, entity.merged_into) if entity.merged_into else None
    before = {"merged_into": current.key if current else None}
    entity.merged_into = target_id
    session.add(entity)
    audit.record(
        session,
        action=_action(Action.ENTITY_REDIRECT, imported),
        reviewer_id=reviewer_id,
        target="entity",
        target_id=entity.id,
        before=before,
        after={"merged_into": target},
    )
    if commit:
        session.commit()


def _action(name: Action, imported: bool) -> Action:
    return name.imported() if imported else name


def entity_to_dict(view: EntityView) -> dict[str, Any]:
    """A JSON-ready form of an entity, for the audit log."""
    return {
        "key": view.key,
        "name": view.name,
        "type": view.type,
        "description": view.description,
        "external_ids": view.external_ids,
        "merged_into": view.merged_into,
        "aliases": [a.text for a in view.aliases],
    }


def _check_type(session: Session, type: str) -> None:
    labels = label_names(session=session)
    if not labels:
        raise TelaahError("no schema is loaded: run `telaah schema load FILE` first")
    if type not in labels:
        raise TelaahError(
            f"type {type!r} is not defined in the schema ({', '.join(sorted(labels))})"
        )


def _entity(session: Session, key: str) -> Entity:
    entity = session.exec(select(Entity).where(Entity.key == key)).first()
    if entity is None:
        raise NotFound(f"no entity {key!r}")
    return entity


def _ensure_alias(
    session: Session, entity: Entity, text: str, reviewer_id: int | None, origin: str
) -> Alias:
    alias = session.exec(
        select(Alias).where(Alias.entity_id == entity.id, Alias.text == text)
    ).first()
    if alias is None:
        assert entity.id is not None
        alias = Alias(
            entity_id=entity.id, text=text, norm=norm_key(text), origin=origin, added_by=reviewer_id
        )
        session.add(alias)
        session.flush()
    return alias


def _finish(
    session: Session,
    entity: Entity,
    action: Action,
    before: dict[str, Any],
    reviewer_id: int | None,
    extra: dict[str, Any] | None = None,
    commit: bool = True,
) -> EntityView:
    session.add(entity)
    session.flush()
    view = _view(session, entity)
    after = entity_to_dict(view) | (extra or {})
    audit.record(
        session,
        action=action,
        reviewer_id=reviewer_id,
        target="entity",
        target_id=entity.id,
        before=before,
        after=after,
    )
    if commit:
        session.commit()
    return view


def _alias_view(a: Alias, names: Mapping[int | None, str]) -> AliasView:
    return AliasView(
        a.id or 0, a.text, a.norm, a.origin, names.get(a.added_by) if a.added_by else None
    )


def _view(session: Session, entity: Entity) -> EntityView:
    names = dict(session.exec(select(Reviewer.id, Reviewer.name)).all())
    aliases = [
        _alias_view(a, names)
        for a in session.exec(
            select(Alias).where(Alias.entity_id == entity.id).order_by(col(Alias.id))
        ).all()
    ]
    target = session.get(Entity, entity.merged_into) if entity.merged_into else None
    return _make_view(entity, aliases, target.key if target else None)


def _make_view(entity: Entity, aliases: list[AliasView], merged_into: str | None) -> EntityView:
    assert entity.id is not None
    return EntityView(
        entity.id,
        entity.key,
        entity.name,
        entity.type,
        entity.description,
        dict(entity.external_ids or {}),
        merged_into,
        tuple(aliases),
    )
