"""Undo and redo of a reviewer's decisions, built on the audit log (so they survive restarts).

The history walk is here; what taking back each kind of change means is its reverser's
(`store.undo.registry`), registered by the modules imported below.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from store.audit import Action
from store.models import AuditEntry
from store.undo import adjudication, facts, gazetteer, mentions
from store.undo.registry import Step, Undone, reverser_for, reversible
from store.versioning import begin_write

# The modules whose reversers make the registry complete: everything a reviewer can take back
# (mention decisions and spans, gazetteer edits, facts, adjudications).
REVERSERS = (mentions, gazetteer, facts, adjudication)
DECISIONS = reversible()
HISTORY = 5000  # how far back a reviewer's undo history reaches


def _history(session: Session, reviewer_id: int) -> tuple[list[AuditEntry], list[int]]:
    """The reviewer's decisions not undone (oldest first) and the redo stack (top last)."""
    rows = list(
        session.exec(
            select(AuditEntry)
            .where(
                col(AuditEntry.reviewer_id) == reviewer_id,
                col(AuditEntry.action).in_((*DECISIONS, Action.UNDO, Action.REDO)),
            )
            .order_by(col(AuditEntry.id).desc())
            .limit(HISTORY)
        ).all()
    )
    decisions: dict[int, AuditEntry] = {}
    undone: set[int] = set()
    redo: list[int] = []
    for entry in reversed(rows):
        assert entry.id is not None
        if entry.action in DECISIONS:
            decisions[entry.id] = entry
            redo.clear()  # a new decision ends what could be redone
        elif entry.action == Action.UNDO:
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
        StaleDecision: (a Conflict) it says what changed, who changed it and when.
    """
    begin_write(session)  # what the reverser checks is what it replaces
    live, _redo = _history(session, reviewer_id)
    if not live:
        return None
    entry = live[-1]
    return _step(session, entry, Step(Action.UNDO, entry.after, entry.before, reviewer_id))


def redo(*, session: Session, reviewer_id: int) -> Undone | None:
    """Redo the reviewer's latest undone decision; None when there is nothing to redo."""
    begin_write(session)
    _live, stack = _history(session, reviewer_id)
    if not stack:
        return None
    entry = session.get(AuditEntry, stack[-1])
    assert entry is not None
    return _step(session, entry, Step(Action.REDO, entry.before, entry.after, reviewer_id))


def _step(session: Session, entry: AuditEntry, step: Step) -> Undone:
    """Undo or redo one entry with the reverser of the kind of change it records; commit."""
    done = reverser_for(entry.action)(session, entry, step)
    session.commit()
    return done
