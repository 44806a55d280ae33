"""The append-only audit log: every change is written here in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from store.models import AuditEntry, Reviewer


def record(
    session: Session,
    *,
    action: str,
    reviewer_id: int | None,
    target: str | None = None,
    target_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Add an audit entry to the session's transaction (the caller commits)."""
    session.add(
        AuditEntry(
            action=action,
            reviewer_id=reviewer_id,
            target=target,
            target_id=target_id,
            before=before,
            after=after,
        )
    )


@dataclass(frozen=True, slots=True)
class AuditView:
    """One audit entry, detached."""

    id: int
    at: datetime
    reviewer: str | None
    action: str
    target: str | None
    target_id: int | None
    before: Any
    after: Any


def list_audit(*, session: Session, limit: int = 50, action: str | None = None) -> list[AuditView]:
    """The newest audit entries first."""
    query = (
        select(AuditEntry, Reviewer.name)
        .join(Reviewer, col(Reviewer.id) == col(AuditEntry.reviewer_id), isouter=True)
        .order_by(col(AuditEntry.id).desc())
        .limit(limit)
    )
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return [
        AuditView(e.id or 0, e.at, name, e.action, e.target, e.target_id, e.before, e.after)
        for e, name in session.exec(query).all()
    ]
