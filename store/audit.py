"""The append-only audit log: every change is written here in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from store.models import AuditEntry, Reviewer


class Action(StrEnum):
    """Every name the audit log records a change under.

    The values are stored in users' databases: they never change.
    """

    DECIDE = "mention.decide"
    DECIDE_MANY = "mention.decide_many"
    CREATE = "mention.create"
    SPAN = "mention.span"
    MATCH = "mentions.match"
    # A resumable match's checkpoint: how far it got (store/review/match_progress.py).
    MATCH_PROGRESS = "mentions.match.progress"
    UNDO = "undo"
    REDO = "redo"
    ENTITY_CREATE = "entity.create"
    ENTITY_RENAME = "entity.rename"
    ENTITY_RETYPE = "entity.retype"
    ENTITY_UPDATE = "entity.update"
    ENTITY_DELETE = "entity.delete"
    ENTITY_REDIRECT = "entity.redirect"
    ENTITY_MERGE = "entity.merge"
    ALIAS_ADD = "alias.add"
    ALIAS_REMOVE = "alias.remove"
    # A gazetteer import's changes, apart so that a reviewer's undo never steps into one.
    IMPORT_ENTITY_CREATE = "import:entity.create"
    IMPORT_ENTITY_UPDATE = "import:entity.update"
    IMPORT_ENTITY_REDIRECT = "import:entity.redirect"
    IMPORT_ALIAS_ADD = "import:alias.add"
    FACT_CREATE = "fact.create"
    FACT_DECIDE = "fact.decide"
    FACT_ROLES = "fact.roles"
    FACT_NOTE = "fact.note"
    FACT_DELETE = "fact.delete"
    FACT_ACCEPT = "fact.accept"  # a fact accepted with the pending mentions filling its roles
    ARTICLE_STATUS = "article.status"
    SCHEMA_LOAD = "schema.load"
    ARTICLES_IMPORT = "articles.import"
    ANNOTATIONS_IMPORT = "annotations.import"
    ASSIGN = "articles.assign"  # `telaah assign`: articles given to reviewers
    ADJUDICATE = "mention.adjudicate"  # the gold of one place where reviewers differ

    def imported(self) -> Action:
        """The name of this change when a gazetteer import makes it (`import:` first).

        Raises:
            ValueError: an import never makes this change.
        """
        return Action(f"import:{self.value}")


def record(
    session: Session,
    *,
    action: Action,
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
