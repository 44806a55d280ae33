"""Versions of mentions and facts: every change raises the row's version by one, and a change
made on a view of an older version is refused with what changed, who changed it and when.

The check is atomic: a write first takes the database's write lock (`begin_write`: SQLite's
`BEGIN IMMEDIATE`; a row lock elsewhere), then reads the row (`claim_mention`, `claim_fact`)
and compares its version with the one the view was loaded at; the change raises it
(`raise_version`). Whatever else changes a
mention or fact through the ORM (a merge relinking, a retype relabelling, facts marked for
review) raises its version too: one `before_flush` listener, registered when `store.db` is
imported.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from store.audit import Action
from store.errors import NotFound, StaleDecision
from store.models import AuditEntry, Fact, Mention, Reviewer

Row = TypeVar("Row", Mention, Fact)

# session.info: the rows whose version this transaction raised, and the rows it claimed
_RAISED = "telaah.versions_raised"
_CLAIMED = "telaah.rows_claimed"
_DONE = {"accepted": "accepted", "rejected": "rejected", "pending": "set back to pending"}


def begin_write(session: Session) -> None:
    """Take the database's write lock now, so that what is read next is what gets replaced.

    On SQLite a `BEGIN IMMEDIATE` (nothing is done if the session's transaction writes already);
    it waits for the lock as long as the connection's busy timeout, then raises the driver's
    "database is locked". Other databases lock the rows read `with_for_update`.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def claim_mention(session: Session, mention_id: int, expected_version: int | None) -> Mention:
    """The mention, read under the write lock and checked against the version the reviewer
    saw; the change then calls `raise_version` where it changes the row.

    Raises:
        NotFound: no such mention (`StaleDecision` when a version was stated: it was deleted).
        StaleDecision: `expected_version` is given and the mention is at another version.
    """
    return _claim(session, Mention, mention_id, expected_version)


def claim_fact(session: Session, fact_id: int, expected_version: int | None) -> Fact:
    """The fact, read under the write lock and checked (see `claim_mention`)."""
    return _claim(session, Fact, fact_id, expected_version)


def _claim(session: Session, kind: type[Row], row_id: int, expected: int | None) -> Row:
    what = "mention" if kind is Mention else "fact"
    # Claimed already in this transaction: keep it (and its changes) as it is.
    held = session.identity_map.get(session.identity_key(kind, row_id))
    if isinstance(held, kind) and id(held) in session.info.get(_CLAIMED, ()):
        row: Row | None = held
    else:
        begin_write(session)
        row = session.get(kind, row_id, populate_existing=True, with_for_update=True)
    if row is None:
        if expected is not None:
            raise StaleDecision(f"{what} {row_id} was deleted since you loaded it")
        raise NotFound(f"no {what} {row_id}")
    session.info.setdefault(_CLAIMED, set()).add(id(row))
    seen = row.version - (1 if id(row) in session.info.get(_RAISED, ()) else 0)
    if expected is not None and seen != expected:
        raise StaleDecision(f"{describe_change(session, row)} since you loaded it")
    return row


def raise_version(session: Session | OrmSession, row: Mention | Fact) -> None:
    """Raise the row's version by one for the change being made (once per transaction)."""
    raised: set[int] = session.info.setdefault(_RAISED, set())
    if id(row) not in raised:
        raised.add(id(row))
        row.version = (row.version or 1) + 1
        session.add(row)


def check_unchanged(
    session: Session, row: Mention | Fact, version: Any, since: str, reviewer_id: int | None
) -> None:
    """Refuse (StaleDecision) to undo a change of `row` that someone else changed after it.

    `version` is the row's version right after the change (when the audit entry knew it); a
    row at another version whose latest decision is not `reviewer_id`'s was changed by someone
    else (the reviewer's own later changes, undone or redone since, do not count). `since`
    ends the message: "since; cannot undo that decision".
    """
    if isinstance(version, int) and row.version != version and row.reviewer_id != reviewer_id:
        raise StaleDecision(f"{describe_change(session, row)} {since}")


def describe_change(session: Session, row: Mention | Fact) -> str:
    """What happened to `row` last, by whom and when: "mention 'Rusia' was accepted by ana at
    14:02". Read from its latest audit entry, or from the row when that is newer (a decision
    in bulk names the article, not each mention)."""
    if isinstance(row, Mention):
        what, target = f"mention {row.text!r}", "mention"
    else:
        what, target = f"{row.type} fact {row.id}", "fact"
    entry = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.target) == target, col(AuditEntry.target_id) == row.id)
        .order_by(col(AuditEntry.id).desc())
    ).first()
    decided = _aware(row.decided_at)
    if entry is not None and (decided is None or _aware(entry.at) >= decided):  # type: ignore[operator]
        verb = _verb(entry.action, entry.after, row)
        who, at = entry.reviewer_id, _aware(entry.at)
    elif decided is not None:
        verb, who, at = _DONE.get(row.state, f"set to {row.state}"), row.reviewer_id, decided
    elif isinstance(row, Fact) and row.needs_review:
        return f"{what} was marked needs review ({row.review_reason or 'a role changed'})"
    else:
        return f"{what} was changed (re-matched or edited in the gazetteer)"
    reviewer = session.get(Reviewer, who) if who is not None else None
    by = f" by {reviewer.name}" if reviewer is not None else ""
    return f"{what} was {verb}{by} at {_clock(at)}"


def _verb(action: str, after: Any, row: Mention | Fact) -> str:
    state = after.get("state") if isinstance(after, dict) else None
    if action in (Action.DECIDE, Action.FACT_DECIDE) and isinstance(state, str):
        return _DONE.get(state, f"set to {state}")
    verbs: dict[str, str] = {
        Action.SPAN: "given new boundaries",
        Action.CREATE: "marked",
        Action.UNDO: "changed by an undo",
        Action.REDO: "changed by a redo",
        Action.FACT_CREATE: "tagged",
        Action.FACT_ROLES: "given new roles",
        Action.FACT_NOTE: "given a note",
    }
    return verbs.get(action, _DONE.get(row.state, "changed"))


def _aware(moment: datetime | None) -> datetime | None:
    """Timestamps come back from SQLite without a zone: they are UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _clock(moment: datetime | None) -> str:
    if moment is None:
        return "an unknown time"
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


@event.listens_for(OrmSession, "before_flush")
def _raise_versions(session: OrmSession, _context: Any, _instances: Any) -> None:
    """Every mention or fact changed through the ORM gets its version raised by one, once per
    transaction (`raise_version` and `claim_*` count as the change's raise)."""
    for row in session.dirty:
        if isinstance(row, Mention | Fact) and session.is_modified(row, include_collections=False):
            raise_version(session, row)


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_soft_rollback")
def _transaction_ended(session: OrmSession, *_args: Any) -> None:
    session.info.pop(_RAISED, None)
    session.info.pop(_CLAIMED, None)
