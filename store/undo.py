"""Undo and redo of a reviewer's decisions, built on the audit log (so they survive restarts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from store import audit
from store.errors import Conflict
from store.models import AuditEntry, Mention

DECIDE, UNDO, REDO = "mention.decide", "undo", "redo"
HISTORY = 5000  # how far back a reviewer's undo history reaches


@dataclass(frozen=True, slots=True)
class Undone:
    """What an undo or redo changed: the mention and the state it now has."""

    entry_id: int
    mention_id: int
    article_id: int
    state: dict[str, Any]


def _history(session: Session, reviewer_id: int) -> tuple[list[AuditEntry], list[int]]:
    """The reviewer's decisions not undone (oldest first) and the redo stack (top last)."""
    rows = list(session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.reviewer_id) == reviewer_id,
               col(AuditEntry.action).in_((DECIDE, UNDO, REDO)))
        .order_by(col(AuditEntry.id).desc()).limit(HISTORY)).all())
    decisions: dict[int, AuditEntry] = {}
    undone: set[int] = set()
    redo: list[int] = []
    for entry in reversed(rows):
        assert entry.id is not None
        if entry.action == DECIDE:
            decisions[entry.id] = entry
            redo.clear()  # a new decision ends what could be redone
        elif entry.action == UNDO:
            target = int(entry.after["entry"])
            undone.add(target)
            redo.append(target)
        else:
            target = int(entry.after["entry"])
            undone.discard(target)
            if redo and redo[-1] == target:
                redo.pop()
    live = [e for i, e in decisions.items() if i not in undone]
    return live, [i for i in redo if i in decisions]


def undo(*, session: Session, reviewer_id: int) -> Undone | None:
    """Undo the reviewer's latest decision still in effect; None when there is nothing to undo.

    Raises:
        Conflict: the mention was changed since (by someone else); nothing is changed.
    """
    live, _redo = _history(session, reviewer_id)
    if not live:
        return None
    entry = live[-1]
    return _apply(session, entry, expect=entry.after, target=entry.before, action=UNDO,
                  reviewer_id=reviewer_id)


def redo(*, session: Session, reviewer_id: int) -> Undone | None:
    """Redo the reviewer's latest undone decision; None when there is nothing to redo."""
    _live, stack = _history(session, reviewer_id)
    if not stack:
        return None
    entry = session.get(AuditEntry, stack[-1])
    assert entry is not None
    return _apply(session, entry, expect=entry.before, target=entry.after, action=REDO,
                  reviewer_id=reviewer_id)


def _apply(session: Session, entry: AuditEntry, *, expect: dict[str, Any],
           target: dict[str, Any], action: str, reviewer_id: int) -> Undone:
    assert entry.id is not None and entry.target_id is not None
    mention = session.get(Mention, entry.target_id)
    if mention is None:
        raise Conflict("the mention of that decision no longer exists")
    if (mention.state, mention.label, mention.entity_id) != (
            expect["state"], expect["label"], expect["entity_id"]):
        raise Conflict(f"mention {mention.id} ({mention.text!r}) was changed since; "
                       f"cannot {action} that decision")
    mention.state = target["state"]
    mention.label = target["label"]
    mention.entity_id = target["entity_id"]
    mention.reviewer_id = target.get("reviewer_id")
    decided = target.get("decided_at")
    mention.decided_at = datetime.fromisoformat(decided) if decided else None
    session.add(mention)
    audit.record(session, action=action, reviewer_id=reviewer_id, target="mention",
                 target_id=mention.id, before=expect, after={"entry": entry.id, **target})
    session.commit()
    assert mention.id is not None
    return Undone(entry.id, mention.id, mention.article_id, dict(target))
