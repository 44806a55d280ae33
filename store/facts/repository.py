"""Facts: typed relations and events between mentions, each change committed and audited.

A fact's roles are filled by mentions (so by their entities); when a filler is rejected,
relinked, merged away or deleted, the fact is marked `needs_review` with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col, delete

from store import audit
from store.audit import Action
from store.errors import NotFound, TelaahError
from store.layers import blind_anywhere, facts_seen, layer_of, own_fact, seen_by
from store.models import Article, Entity, Fact, FactArgument, Mention, Reviewer, utcnow
from store.schema import Schema, read_schema
from store.textnorm import normalise_field, normalise_optional
from store.versioning import claim_fact, raise_version

FACT_STATES = ("pending", "accepted", "rejected")


@dataclass(frozen=True, slots=True)
class RoleFiller:
    """One mention filling a role."""

    role: str
    mention_id: int
    start: int
    end: int
    text: str
    label: str
    entity_key: str | None
    entity_name: str | None


@dataclass(frozen=True, slots=True)
class FactFiller:
    """A fact filling a role of another fact (a nested event: brat `Theme:E1`)."""

    role: str
    fact_id: int
    type: str


@dataclass(frozen=True, slots=True)
class FactView:
    """A fact, detached, with its fillers in role order."""

    id: int
    article_id: int
    type: str
    state: str
    origin: str
    evidence_start: int | None
    evidence_end: int | None
    note: str | None
    reviewer: str | None
    needs_review: bool
    review_reason: str | None
    fillers: tuple[RoleFiller, ...]
    fact_fillers: tuple[FactFiller, ...] = ()
    # The row's version when read: a change states it (`expected_version`); not compared.
    version: int = field(default=1, compare=False)

    def role(self, name: str) -> tuple[RoleFiller, ...]:
        """The fillers of role `name`."""
        return tuple(f for f in self.fillers if f.role == name)

    @property
    def roles(self) -> dict[str, list[int]]:
        """Role -> mention ids, the shape `create_fact` takes."""
        result: dict[str, list[int]] = defaultdict(list)
        for filler in self.fillers:
            result[filler.role].append(filler.mention_id)
        return dict(result)

    @property
    def fact_roles(self) -> dict[str, list[int]]:
        """Role -> ids of the facts filling it (nested events)."""
        result: dict[str, list[int]] = defaultdict(list)
        for filler in self.fact_fillers:
            result[filler.role].append(filler.fact_id)
        return dict(result)


def list_facts(
    *,
    session: Session,
    article_id: int | None = None,
    type: str | None = None,
    state: str | None = None,
    entity: str | None = None,
    reviewer: str | None = None,
    needs_review: bool | None = None,
    limit: int | None = None,
    offset: int = 0,
    reviewer_id: int | None = None,
) -> list[FactView]:
    """Facts by article then evidence position, filtered by any of the arguments; those
    `reviewer_id` sees (`store.layers`: without a reviewer, the shared layer)."""
    query = select(Fact).order_by(col(Fact.article_id), col(Fact.evidence_start), col(Fact.id))
    if article_id is not None:
        query = query.where(
            col(Fact.article_id) == article_id,
            facts_seen(layer_of(session, article_id, reviewer_id)),
        )
    else:
        query = query.where(seen_by(Fact, reviewer_id, blind=blind_anywhere(session)))
    if type is not None:
        query = query.where(col(Fact.type) == type)
    if state is not None:
        query = query.where(col(Fact.state) == state)
    if needs_review is not None:
        query = query.where(col(Fact.needs_review) == needs_review)
    if reviewer is not None:
        query = query.join(Reviewer, col(Reviewer.id) == col(Fact.reviewer_id)).where(
            col(Reviewer.name) == reviewer
        )
    if entity is not None:
        query = query.where(
            col(Fact.id).in_(
                select(col(FactArgument.fact_id))
                .join(Mention, col(Mention.id) == col(FactArgument.mention_id))
                .join(Entity, col(Entity.id) == col(Mention.entity_id))
                .where(col(Entity.key) == entity)
            )
        )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    facts = list(session.execute(query).scalars())
    return _views(session, facts)


def get_fact(*, session: Session, fact_id: int) -> FactView:
    """One fact by id."""
    fact = session.get(Fact, fact_id)
    if fact is None:
        raise NotFound(f"no fact {fact_id}")
    return _views(session, [fact])[0]


def create_fact(
    *,
    session: Session,
    article_id: int,
    type: str,
    roles: Mapping[str, Sequence[int]],
    reviewer_id: int | None,
    evidence: tuple[int, int] | None = None,
    state: str = "accepted",
    origin: str = "manual",
    note: str | None = None,
    commit: bool = True,
    schema: Schema | None = None,
    fact_roles: Mapping[str, Sequence[int]] | None = None,
    layer: int | None = None,
) -> FactView:
    """A new fact of `type` with `roles` (role -> mention ids) in article `article_id`.

    `layer`: the reviewer's layer it goes to (`store.layers`); a fact a reviewer tags
    (origin "manual") goes to theirs in blind mode.

    The mentions must be in the article and their labels allowed by the role; a fact tagged by
    a reviewer is accepted, a proposed one (origin "schema") pending. `schema`: the stored
    schema, when the caller has read it already (many facts in a row). `fact_roles`: roles
    filled by other facts of the article (role -> fact ids), whose types the role must name.
    """
    schema = schema or read_schema(session=session)
    _check_roles(session, article_id, type, roles, schema, fact_roles or {})
    if state not in FACT_STATES:
        raise TelaahError(f"unknown fact state {state!r}")
    now = utcnow()
    if layer is None and origin == "manual":
        layer = layer_of(session, article_id, reviewer_id)
    fact = Fact(
        layer=layer,
        article_id=article_id,
        type=type,
        state=state,
        origin=origin,
        evidence_start=evidence[0] if evidence else None,
        evidence_end=evidence[1] if evidence else None,
        note=normalise_optional(note or None),
        reviewer_id=reviewer_id if origin != "schema" else None,
        decided_at=now if state != "pending" else None,
    )
    session.add(fact)
    session.flush()
    _put_roles(session, _id(fact), roles, fact_roles or {})
    session.flush()
    audit.record(
        session,
        action=Action.FACT_CREATE,
        reviewer_id=reviewer_id,
        target="fact",
        target_id=fact.id,
        after=fact_state(session, fact),
    )
    if commit:
        session.commit()
    return _views(session, [fact], schema)[0]


def decide_fact(
    *,
    session: Session,
    fact_id: int,
    state: str,
    reviewer_id: int | None,
    expected_version: int | None = None,
) -> FactView:
    """Accept or reject a fact (or set it back to pending): one audited decision.

    Accepting a fact that needs review clears the mark: the reviewer has looked at it.
    Every change of a fact states the version the reviewer saw (`expected_version`), if it
    knows it; a fact changed since is refused (`StaleDecision`).
    """
    if state not in FACT_STATES:
        raise TelaahError(f"unknown fact state {state!r}")
    return _change(session, fact_id, reviewer_id, Action.FACT_DECIDE, expected_version, state=state)


def set_roles(
    *,
    session: Session,
    fact_id: int,
    roles: Mapping[str, Sequence[int]],
    reviewer_id: int | None,
    expected_version: int | None = None,
) -> FactView:
    """Replace the fact's role fillers (checked like `create_fact`)."""
    fact = claim_fact(session, fact_id, expected_version)
    _check_roles(session, fact.article_id, fact.type, roles, read_schema(session=session))
    return _change(session, fact_id, reviewer_id, Action.FACT_ROLES, None, roles=roles)


def set_note(
    *,
    session: Session,
    fact_id: int,
    note: str | None,
    reviewer_id: int | None,
    expected_version: int | None = None,
) -> FactView:
    """Set (or clear, with None or "") the fact's note."""
    return _change(
        session,
        fact_id,
        reviewer_id,
        Action.FACT_NOTE,
        expected_version,
        note=normalise_field(note or "").strip() or None,
    )


def delete_fact(
    *,
    session: Session,
    fact_id: int,
    reviewer_id: int | None,
    expected_version: int | None = None,
) -> None:
    """Delete a fact; the audit entry keeps everything needed to bring it back (with the
    roles of other facts it filled, which are marked `needs_review`)."""
    fact = own_fact(
        session, claim_fact(session, fact_id, expected_version), reviewer_id, expected_version
    )
    fact_id = _id(fact)
    before = fact_state(session, fact)
    fills = session.execute(
        select(col(FactArgument.fact_id), col(FactArgument.role))
        .where(col(FactArgument.filler_fact_id) == fact_id)
        .order_by(col(FactArgument.id))
    ).all()
    if fills:
        before["fills"] = [[parent, role] for parent, role in fills]
        for parent in {parent for parent, _role in fills}:
            row = session.get(Fact, parent)
            if row is not None:
                row.needs_review, row.review_reason = (
                    True,
                    f"the fact filling a role ({fact_id}) was deleted",
                )
                session.add(row)
    session.delete(fact)
    audit.record(
        session,
        action=Action.FACT_DELETE,
        reviewer_id=reviewer_id,
        target="fact",
        target_id=fact_id,
        before=before,
    )
    session.commit()


def mark_for_review(session: Session, mention_ids: Iterable[int], reason: str) -> int:
    """Mark every fact a role of which `mention_ids` fill (no commit); return how many."""
    ids = list(mention_ids)
    if not ids:
        return 0
    facts = (
        session.execute(
            select(Fact).where(
                col(Fact.id).in_(
                    select(col(FactArgument.fact_id)).where(col(FactArgument.mention_id).in_(ids))
                )
            )
        )
        .scalars()
        .all()
    )
    for fact in facts:
        fact.needs_review = True
        fact.review_reason = reason
        session.add(fact)
    return len(facts)


def fact_state(session: Session, fact: Fact) -> dict[str, Any]:
    """Everything about a fact, JSON-ready, for the audit log and undo."""
    arguments = (
        session.execute(
            select(FactArgument)
            .where(col(FactArgument.fact_id) == fact.id)
            .order_by(col(FactArgument.id))
        )
        .scalars()
        .all()
    )
    roles: dict[str, list[int]] = defaultdict(list)
    fact_roles: dict[str, list[int]] = defaultdict(list)
    for argument in arguments:
        if argument.mention_id is not None:
            roles[argument.role].append(argument.mention_id)
        elif argument.filler_fact_id is not None:
            fact_roles[argument.role].append(argument.filler_fact_id)
    extra = {"fact_roles": dict(fact_roles)} if fact_roles else {}  # older entries have none
    return {
        "id": fact.id,
        "article_id": fact.article_id,
        "type": fact.type,
        "state": fact.state,
        "origin": fact.origin,
        "evidence_start": fact.evidence_start,
        "evidence_end": fact.evidence_end,
        "note": fact.note,
        "reviewer_id": fact.reviewer_id,
        "decided_at": fact.decided_at.isoformat() if fact.decided_at else None,
        "needs_review": fact.needs_review,
        "review_reason": fact.review_reason,
        "roles": dict(roles),
        **extra,
        "version": fact.version,
    }


def _change(
    session: Session,
    fact_id: int,
    reviewer_id: int | None,
    action: Action,
    expected_version: int | None,
    **changes: Any,
) -> FactView:
    """Make `changes` to the fact, read under the write lock (claimed: checked against
    `expected_version`, version raised), with its audit entry; commit. In blind mode the
    change goes to the reviewer's copy of a shared fact (`store.layers.own_fact`)."""
    fact = own_fact(
        session, claim_fact(session, fact_id, expected_version), reviewer_id, expected_version
    )
    fact_id = _id(fact)
    before = fact_state(session, fact)
    raise_version(session, fact)
    if "state" in changes:
        fact.state = changes["state"]
        fact.decided_at = utcnow() if fact.state != "pending" else None
        if fact.state == "accepted":
            fact.needs_review, fact.review_reason = False, None
    if "note" in changes:
        fact.note = changes["note"]
    if "roles" in changes:  # the roles filled by facts stay
        session.execute(
            delete(FactArgument).where(
                col(FactArgument.fact_id) == fact_id, col(FactArgument.mention_id).is_not(None)
            )
        )
        _put_roles(session, fact_id, changes["roles"], {})
        fact.needs_review, fact.review_reason = False, None
    fact.reviewer_id = reviewer_id
    session.add(fact)
    session.flush()
    audit.record(
        session,
        action=action,
        reviewer_id=reviewer_id,
        target="fact",
        target_id=fact_id,
        before=before,
        after=fact_state(session, fact),
    )
    session.commit()
    return get_fact(session=session, fact_id=fact_id)


def _check_roles(
    session: Session,
    article_id: int,
    type: str,
    roles: Mapping[str, Sequence[int]],
    schema: Schema,
    fact_roles: Mapping[str, Sequence[int]] | None = None,
) -> None:
    spec = next((t for t in schema.fact_types if t.name == type), None)
    if spec is None:
        raise TelaahError(f"fact type {type!r} is not in the schema")
    if session.get(Article, article_id) is None:
        raise NotFound(f"no article {article_id}")
    known = {role.name: role for role in spec.roles}
    for name, ids in roles.items():
        role = known.get(name)
        if role is None:
            raise TelaahError(f"{type} has no role {name!r} ({', '.join(known)})")
        if len(ids) > 1 and not role.multiple:
            raise TelaahError(f"role {name} of {type} takes one mention")
        for mention_id in ids:
            mention = session.get(Mention, mention_id)
            if mention is None or mention.article_id != article_id:
                raise TelaahError(f"mention {mention_id} is not in article {article_id}")
            if role.labels and mention.label not in role.labels:
                raise TelaahError(
                    f"{mention.text!r} is a {mention.label}; role {name} takes "
                    f"{', '.join(role.labels)}"
                )
    for name, ids in (fact_roles or {}).items():
        role = known.get(name)
        if role is None:
            raise TelaahError(f"{type} has no role {name!r} ({', '.join(known)})")
        if len(ids) + len(roles.get(name, ())) > 1 and not role.multiple:
            raise TelaahError(f"role {name} of {type} takes one filler")
        for filler_id in ids:
            filler = session.get(Fact, filler_id)
            if filler is None or filler.article_id != article_id:
                raise TelaahError(f"fact {filler_id} is not in article {article_id}")
            if filler.type not in role.labels:
                raise TelaahError(
                    f"a {filler.type} fact cannot fill role {name} of {type} "
                    f"(it takes {', '.join(role.labels)})"
                )


def _put_roles(
    session: Session,
    fact_id: int,
    roles: Mapping[str, Sequence[int]],
    fact_roles: Mapping[str, Sequence[int]],
) -> None:
    for role, ids in roles.items():
        for mention_id in dict.fromkeys(ids):
            session.add(FactArgument(fact_id=fact_id, role=role, mention_id=mention_id))
    for role, ids in fact_roles.items():
        for filler_id in dict.fromkeys(ids):
            session.add(FactArgument(fact_id=fact_id, role=role, filler_fact_id=filler_id))


def _views(session: Session, facts: Sequence[Fact], schema: Schema | None = None) -> list[FactView]:
    if not facts:
        return []
    ids = [f.id for f in facts]
    rows = session.execute(
        select(
            col(FactArgument.fact_id),
            col(FactArgument.role),
            Mention,
            col(Entity.key),
            col(Entity.name),
        )
        .join(Mention, col(Mention.id) == col(FactArgument.mention_id))
        .join(Entity, col(Entity.id) == col(Mention.entity_id), isouter=True)
        .where(col(FactArgument.fact_id).in_(ids))
        .order_by(col(FactArgument.id))
    ).all()
    fillers: dict[int, list[RoleFiller]] = defaultdict(list)
    for fact_id, role, m, key, name in rows:
        fillers[fact_id].append(RoleFiller(role, m.id, m.start, m.end, m.text, m.label, key, name))
    nested: dict[int, list[FactFiller]] = defaultdict(list)
    for fact_id, role, filler_id, filler_type in session.execute(
        select(
            col(FactArgument.fact_id),
            col(FactArgument.role),
            col(FactArgument.filler_fact_id),
            col(Fact.type),
        )
        .join(Fact, col(Fact.id) == col(FactArgument.filler_fact_id))
        .where(col(FactArgument.fact_id).in_(ids))
        .order_by(col(FactArgument.id))
    ).all():
        nested[fact_id].append(FactFiller(role, filler_id, filler_type))
    order = _role_order(schema or read_schema(session=session))
    names: dict[int | None, str] = dict(
        session.execute(select(col(Reviewer.id), col(Reviewer.name))).all()
    )
    views = []
    for fact in facts:
        rank = order.get(fact.type, {})
        mine = sorted(fillers[_id(fact)], key=lambda f: (rank.get(f.role, 99), f.start))
        views.append(
            FactView(
                _id(fact),
                fact.article_id,
                fact.type,
                fact.state,
                fact.origin,
                fact.evidence_start,
                fact.evidence_end,
                fact.note,
                names.get(fact.reviewer_id) if fact.reviewer_id else None,
                fact.needs_review,
                fact.review_reason,
                tuple(mine),
                tuple(sorted(nested[_id(fact)], key=lambda f: rank.get(f.role, 99))),
                fact.version,
            )
        )
    return views


def _role_order(schema: Schema) -> dict[str, dict[str, int]]:
    return {t.name: {r.name: i for i, r in enumerate(t.roles)} for t in schema.fact_types}


def _fact(session: Session, fact_id: int) -> Fact:
    fact = session.get(Fact, fact_id)
    if fact is None:
        raise NotFound(f"no fact {fact_id}")
    return fact


def _id(fact: Fact) -> int:
    assert fact.id is not None
    return fact.id
