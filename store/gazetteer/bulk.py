"""A gazetteer import's new entities and aliases, written in a few bulk statements.

What `create_entity` and `add_alias` store one entity at a time (the rows, the `norm` of each
alias, one audit entry each, under `import:` names), for thousands at once: one INSERT of many
rows per table, ids read back by key. The caller checks the records first and commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from store.audit import Action
from store.bulk_copy import insert_rows
from store.gazetteer.entities import AliasView, EntityView
from store.models import Alias, AuditEntry, Entity, utcnow
from store.textnorm import norm_key

BATCH = 5_000  # rows per statement, and keys per IN list (SQLite allows 32,766 variables)


def _batches(rows: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _insert(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `model`'s table in one statement."""
    insert_rows(session.connection(), model.__table__, rows)


def _ids(session: Session, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for batch in _batches(keys):
        rows = session.execute(
            select(col(Entity.key), col(Entity.id)).where(col(Entity.key).in_(list(batch)))
        ).all()
        found.update({key: int(i) for key, i in rows})
    return found


def create_entities(
    session: Session,
    new: Sequence[tuple[str, str, str, str | None, dict[str, Any], list[str]]],
    reviewer_id: int | None,
    norms: Mapping[str, str],
) -> None:
    """Store new entities: (key, name, type, description, external ids, aliases) each; the
    name and the aliases (in order, once each) become its aliases, origin `gazetteer`
    (`norms`: the aliases' `norm_key`, when known)."""
    if not new:
        return
    now = utcnow()
    for batch in _batches(new):
        _insert(
            session,
            Entity,
            [
                {
                    "key": key,
                    "name": name,
                    "type": label,
                    "description": description or None,
                    "external_ids": dict(external_ids),
                    "created_at": now,
                    "updated_at": now,
                }
                for key, name, label, description, external_ids, _ in batch
            ],
        )
    ids = _ids(session, [row[0] for row in new])
    aliases: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for key, name, label, description, external_ids, texts in new:
        entity_id = ids[key]
        seen = list(dict.fromkeys(t.strip() for t in [name, *texts] if t.strip()))
        aliases.extend(
            {
                "entity_id": entity_id,
                "text": text,
                "norm": norms.get(text) or norm_key(text),
                "origin": "gazetteer",
                "added_by": reviewer_id,
                "created_at": now,
            }
            for text in seen
        )
        after = {
            "key": key,
            "name": name,
            "type": label,
            "description": description or None,
            "external_ids": dict(external_ids),
            "merged_into": None,
            "aliases": seen,
            "origins": dict.fromkeys(seen, "gazetteer"),
        }
        entries.append(_entry(Action.ENTITY_CREATE, reviewer_id, "entity", entity_id, after, now))
    for batch in _batches(aliases):
        _insert(session, Alias, list(batch))
    for batch in _batches(entries):
        _insert(session, AuditEntry, list(batch))


def add_aliases(
    session: Session,
    new: Sequence[tuple[int, str, str]],
    reviewer_id: int | None,
    norms: Mapping[str, str],
) -> None:
    """Add aliases to stored entities: (entity id, entity key, text) each, origin `gazetteer`."""
    if not new:
        return
    now = utcnow()
    for batch in _batches(new):
        _insert(
            session,
            Alias,
            [
                {
                    "entity_id": entity_id,
                    "text": text,
                    "norm": norms.get(text) or norm_key(text),
                    "origin": "gazetteer",
                    "added_by": reviewer_id,
                    "created_at": now,
                }
                for entity_id, _, text in batch
            ],
        )
    ids: dict[tuple[int, str], int] = {}
    entity_ids = sorted({row[0] for row in new})
    for batch in _batches(entity_ids):
        rows = session.execute(
            select(col(Alias.entity_id), col(Alias.text), col(Alias.id)).where(
                col(Alias.entity_id).in_(list(batch))
            )
        ).all()
        ids.update({(int(e), t): int(i) for e, t, i in rows})
    entries = [
        _entry(
            Action.ALIAS_ADD,
            reviewer_id,
            "alias",
            ids[(entity_id, text)],
            {"entity": key, "text": text, "origin": "gazetteer"},
            now,
        )
        for entity_id, key, text in new
    ]
    for batch in _batches(entries):
        _insert(session, AuditEntry, list(batch))


def _entry(
    action: Action, reviewer_id: int | None, target: str, target_id: int, after: Any, now: Any
) -> dict[str, Any]:
    return {
        "at": now,
        "action": action.imported(),
        "reviewer_id": reviewer_id,
        "target": target,
        "target_id": target_id,
        "before": None,
        "after": after,
    }


def stored_entities(session: Session, keys: Sequence[str]) -> dict[str, EntityView]:
    """The stored entities among `keys`, with their aliases (read in bulk; `added_by` left
    out), redirects included (their target as `merged_into`)."""
    found: dict[str, EntityView] = {}
    target = Entity.__table__.alias("target")  # type: ignore[attr-defined]
    for batch in _batches(sorted(set(keys))):
        rows = session.execute(
            select(
                col(Entity.id),
                col(Entity.key),
                col(Entity.name),
                col(Entity.type),
                col(Entity.description),
                col(Entity.external_ids),
                target.c.key,
            )
            .join(target, target.c.id == col(Entity.merged_into), isouter=True)
            .where(col(Entity.key).in_(list(batch)))
        ).all()
        if not rows:
            continue
        aliases: dict[int, list[AliasView]] = {}
        for alias_id, entity_id, text, norm, origin in session.execute(
            select(
                col(Alias.id),
                col(Alias.entity_id),
                col(Alias.text),
                col(Alias.norm),
                col(Alias.origin),
            )
            .where(col(Alias.entity_id).in_([row[0] for row in rows]))
            .order_by(col(Alias.id))
        ).all():
            aliases.setdefault(entity_id, []).append(AliasView(alias_id, text, norm, origin, None))
        for entity_id, key, name, label, description, external_ids, merged in rows:
            found[key] = EntityView(
                entity_id,
                key,
                name,
                label,
                description,
                dict(external_ids or {}),
                merged,
                tuple(aliases.get(entity_id, [])),
            )
    return found
