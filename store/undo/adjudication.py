"""Undo and redo of an adjudication: the shared mentions' decisions, and the gold mentions it
created (deleted on undo, made again with their ids on redo), as one step."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from store.audit import Action
from store.models import AuditEntry
from store.undo.mentions import create_again, move_decisions, remove_created
from store.undo.registry import Step, Undone, register


@register(Action.ADJUDICATE)
def adjudication(session: Session, entry: AuditEntry, step: Step) -> Undone:
    """Put the unit's shared mentions back as they were (undo) or settle it again (redo)."""
    assert entry.id is not None and entry.target_id is not None
    expect: dict[str, Any] = step.expect
    target: dict[str, Any] = step.target
    mentions = move_decisions(session, list(expect["items"]), list(target["items"]), step)
    if step.backwards:
        for fields in expect["created"]:
            remove_created(session, int(fields["id"]), fields, step)
    else:
        for fields in target["created"]:
            create_again(session, fields, step)
    step.record(
        session,
        target="article",
        target_id=entry.target_id,
        before=expect,
        after={"entry": entry.id, **target},
    )
    ids = tuple(m.id for m in mentions if m.id is not None) + tuple(
        int(f["id"]) for f in (target["created"] or expect["created"])
    )
    return Undone(entry.id, ids[0] if ids else 0, entry.target_id, {"state": "adjudicated"}, ids)
