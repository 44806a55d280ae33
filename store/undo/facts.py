"""Undo and redo of fact changes from their audit entries (`fact_state` snapshots).

`revert` and `reapply` check the fact is as the entry left it (else `Conflict`, nothing changed),
put it back (or forward again) without committing and return its article id; `change` is the
reverser the history uses, `acceptance` the one of a fact accepted with its mentions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete

from store.audit import Action
from store.errors import Conflict, StaleDecision
from store.facts.repository import fact_state
from store.models import AuditEntry, Fact, FactArgument, Mention
from store.undo.mentions import move_decisions
from store.undo.registry import Step, Undone, register
from store.versioning import check_unchanged, describe_change

ACTIONS = (
    Action.FACT_CREATE,
    Action.FACT_DECIDE,
    Action.FACT_ROLES,
    Action.FACT_NOTE,
    Action.FACT_DELETE,
)
_COMPARED = ("type", "state", "note", "roles", "fact_roles")


@register(*ACTIONS)
def change(session: Session, entry: AuditEntry, step: Step) -> Undone:
    """Take back (undo) or make again (redo) a change to a fact."""
    assert entry.id is not None and entry.target_id is not None
    if step.backwards:
        article_id = revert(session, entry.action, entry.before, entry.after, step.reviewer_id)
    else:
        article_id = reapply(session, entry.action, entry.before, entry.after)
    step.record(
        session,
        target="fact",
        target_id=entry.target_id,
        after={"entry": entry.id, "action": entry.action},
    )
    return Undone(entry.id, 0, article_id, {}, fact_id=entry.target_id)


@register(Action.FACT_ACCEPT)
def acceptance(session: Session, entry: AuditEntry, step: Step) -> Undone:
    """Take back (or make again) a fact accepted with the pending mentions filling its roles:
    the fact and every mention, all or nothing."""
    assert entry.id is not None and entry.target_id is not None
    expect: dict[str, Any] = step.expect
    target: dict[str, Any] = step.target
    mentions = move_decisions(session, expect["items"], target["items"], step)
    article_id = _move(session, Action.FACT_DECIDE, expect=expect["fact"], target=target["fact"])
    step.record(
        session,
        target="fact",
        target_id=entry.target_id,
        after={"entry": entry.id, "action": entry.action},
    )
    ids = tuple(int(m.id or 0) for m in mentions)
    return Undone(entry.id, ids[0] if ids else 0, article_id, {}, ids, fact_id=entry.target_id)


def revert(
    session: Session,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reviewer_id: int | None = None,
) -> int:
    """Take back a fact change (`reviewer_id`'s); returns the article id."""
    return _move(session, action, expect=after, target=before, backwards=True, by=reviewer_id)


def reapply(
    session: Session, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> int:
    """Make a fact change again after it was undone; returns the article id."""
    return _move(session, action, expect=before, target=after)


def _move(
    session: Session,
    action: str,
    *,
    expect: dict[str, Any] | None,
    target: dict[str, Any] | None,
    backwards: bool = False,
    by: int | None = None,
) -> int:
    if action not in ACTIONS:
        raise Conflict(f"cannot undo {action}")
    snapshot = expect or target
    assert snapshot is not None
    fact = session.get(Fact, snapshot["id"])
    if expect is None:  # the fact must not exist: bring it back
        if fact is not None:
            raise Conflict(f"fact {snapshot['id']} exists again")
    elif fact is None:
        raise Conflict(f"fact {snapshot['id']} was deleted since")
    else:
        verb = "undo" if backwards else "redo"
        if _differs(session, fact, expect):
            raise StaleDecision(f"{describe_change(session, fact)} since; cannot {verb} that")
        if backwards:  # the version the change left: nobody changed the fact since
            check_unchanged(session, fact, expect.get("version"), f"since; cannot {verb} that", by)
    if target is None:  # the fact must go
        assert fact is not None
        session.delete(fact)
        return int(snapshot["article_id"])
    if fact is None:
        fact = Fact(id=target["id"], article_id=target["article_id"], type=target["type"])
    _apply(session, fact, target)
    return int(target["article_id"])


def _differs(session: Session, fact: Fact, expect: dict[str, Any]) -> bool:
    now = fact_state(session, fact)
    return any(now.get(name) != expect.get(name) for name in _COMPARED)


def _apply(session: Session, fact: Fact, target: dict[str, Any]) -> None:
    for name in (
        "type",
        "state",
        "origin",
        "evidence_start",
        "evidence_end",
        "note",
        "reviewer_id",
        "needs_review",
        "review_reason",
    ):
        setattr(fact, name, target.get(name))
    decided = target.get("decided_at")
    fact.decided_at = datetime.fromisoformat(decided) if decided else None
    session.add(fact)
    session.flush()
    assert fact.id is not None
    session.execute(delete(FactArgument).where(col(FactArgument.fact_id) == fact.id))
    for role, ids in target.get("roles", {}).items():
        for mention_id in ids:
            if session.get(Mention, mention_id) is None:
                raise Conflict(f"a mention of that fact ({role}) no longer exists")
            session.add(FactArgument(fact_id=fact.id, role=role, mention_id=mention_id))
    for role, ids in target.get("fact_roles", {}).items():
        for filler_id in ids:
            if session.get(Fact, filler_id) is None:
                raise Conflict(f"the fact filling role {role} of that fact no longer exists")
            session.add(FactArgument(fact_id=fact.id, role=role, filler_fact_id=filler_id))
    for parent, role in target.get("fills", []):  # a deleted fact comes back into its roles
        if session.get(Fact, parent) is not None:
            session.add(FactArgument(fact_id=parent, role=role, filler_fact_id=fact.id))
    session.flush()
