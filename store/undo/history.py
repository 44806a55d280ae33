"""Undo and redo of a reviewer's decisions, built on the audit log (so they survive restarts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from store import audit
from store.errors import Conflict
from store.models import AuditEntry, FactArgument, Mention
from store.review.spans import CREATE, SPAN
from store.undo import facts as undo_facts
from store.undo import gazetteer as undo_gazetteer
from store.undo.gazetteer import GazetteerChange

DECIDE, DECIDE_MANY, UNDO, REDO = "mention.decide", "mention.decide_many", "undo", "redo"
# Everything a reviewer can take back: mention decisions and spans, gazetteer edits, facts.
DECISIONS = (DECIDE, DECIDE_MANY, CREATE, SPAN, *undo_gazetteer.ACTIONS, *undo_facts.ACTIONS)
HISTORY = 5000  # how far back a reviewer's undo history reaches


@dataclass(frozen=True, slots=True)
class Undone:
    """What an undo or redo changed: the mentions (the first is the one to focus), or a
    gazetteer entry (`change`, to re-match what it reaches), or a fact (`fact_id`).

    `mention_id` is 0 when no mention was changed; `article_id` is 0 for a gazetteer edit.
    """

    entry_id: int
    mention_id: int
    article_id: int
    state: dict[str, Any]
    mention_ids: tuple[int, ...] = ()
    change: GazetteerChange | None = None
    fact_id: int | None = None

    @property
    def summary(self) -> str:
        """What was undone or redone, in a few words."""
        if self.change is not None:
            return self.change.summary
        if self.fact_id is not None:
            return f"fact {self.fact_id} in article {self.article_id}"
        return f"a decision in article {self.article_id}"


def _history(session: Session, reviewer_id: int) -> tuple[list[AuditEntry], list[int]]:
    """The reviewer's decisions not undone (oldest first) and the redo stack (top last)."""
    rows = list(
        session.exec(
            select(AuditEntry)
            .where(
                col(AuditEntry.reviewer_id) == reviewer_id,
                col(AuditEntry.action).in_((*DECISIONS, UNDO, REDO)),
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
    return _dispatch(
        session,
        entry,
        expect=entry.after,
        target=entry.before,
        action=UNDO,
        reviewer_id=reviewer_id,
    )


def redo(*, session: Session, reviewer_id: int) -> Undone | None:
    """Redo the reviewer's latest undone decision; None when there is nothing to redo."""
    _live, stack = _history(session, reviewer_id)
    if not stack:
        return None
    entry = session.get(AuditEntry, stack[-1])
    assert entry is not None
    return _dispatch(
        session,
        entry,
        expect=entry.before,
        target=entry.after,
        action=REDO,
        reviewer_id=reviewer_id,
    )


def _dispatch(
    session: Session, entry: AuditEntry, *, expect: Any, target: Any, action: str, reviewer_id: int
) -> Undone:
    """Undo or redo one entry, by the kind of change it records."""
    if entry.action in undo_gazetteer.ACTIONS:
        return _apply_gazetteer(session, entry, action=action, reviewer_id=reviewer_id)
    if entry.action in undo_facts.ACTIONS:
        return _apply_fact(session, entry, action=action, reviewer_id=reviewer_id)
    if entry.action == CREATE:
        return _apply_create(
            session, entry, expect=expect, target=target, action=action, reviewer_id=reviewer_id
        )
    if entry.action == SPAN:
        return _apply_span(
            session, entry, expect=expect, target=target, action=action, reviewer_id=reviewer_id
        )
    return _apply(
        session, entry, expect=expect, target=target, action=action, reviewer_id=reviewer_id
    )


def _apply_gazetteer(
    session: Session, entry: AuditEntry, *, action: str, reviewer_id: int
) -> Undone:
    """Take back (undo) or make again (redo) a gazetteer edit."""
    assert entry.id is not None
    step = undo_gazetteer.revert if action == UNDO else undo_gazetteer.reapply
    change = step(session, entry)
    audit.record(
        session,
        action=action,
        reviewer_id=reviewer_id,
        target="entity",
        target_id=entry.target_id,
        after={"entry": entry.id, "action": entry.action, "key": change.key},
    )
    session.commit()
    return Undone(entry.id, 0, 0, {}, change=change)


def _apply_fact(session: Session, entry: AuditEntry, *, action: str, reviewer_id: int) -> Undone:
    """Take back (undo) or make again (redo) a change to a fact."""
    assert entry.id is not None and entry.target_id is not None
    step = undo_facts.revert if action == UNDO else undo_facts.reapply
    article_id = step(session, entry.action, entry.before, entry.after)
    audit.record(
        session,
        action=action,
        reviewer_id=reviewer_id,
        target="fact",
        target_id=entry.target_id,
        after={"entry": entry.id, "action": entry.action},
    )
    session.commit()
    return Undone(entry.id, 0, article_id, {}, fact_id=entry.target_id)


def _apply_create(
    session: Session,
    entry: AuditEntry,
    *,
    expect: dict[str, Any] | None,
    target: dict[str, Any] | None,
    action: str,
    reviewer_id: int,
) -> Undone:
    """Undo a manual mention (delete it) or redo it (create it again with the same id)."""
    assert entry.id is not None and entry.target_id is not None
    fields = expect if expect is not None else target
    assert fields is not None
    mention = session.get(Mention, entry.target_id)
    if target is None:  # undo: the mention goes, unless it changed or a fact uses it
        if mention is None:
            raise Conflict("the mention of that change no longer exists")
        if (mention.start, mention.end, mention.state, mention.label, mention.entity_id) != (
            fields["start"],
            fields["end"],
            fields["state"],
            fields["label"],
            fields["entity_id"],
        ):
            raise Conflict(
                f"mention {mention.id} ({mention.text!r}) was changed since; "
                f"cannot {action} its creation"
            )
        used = session.exec(
            select(FactArgument).where(col(FactArgument.mention_id) == mention.id)
        ).first()
        if used is not None:
            raise Conflict(
                f"mention {mention.id} ({mention.text!r}) fills a role of fact "
                f"{used.fact_id}; remove it from the fact first"
            )
        session.delete(mention)
    else:  # redo: the same mention again, unless its place was taken meanwhile
        if mention is not None:
            raise Conflict(f"mention {mention.id} exists already; cannot {action} its creation")
        clash = session.exec(
            select(Mention).where(
                col(Mention.article_id) == target["article_id"],
                col(Mention.start) == target["start"],
                col(Mention.end) == target["end"],
            )
        ).first()
        if clash is not None:
            raise Conflict(
                f"mention {clash.id} ({clash.text!r}) has the same boundaries now; "
                f"cannot {action} that change"
            )
        decided = target.get("decided_at")
        session.add(
            Mention(
                **{**target, "decided_at": datetime.fromisoformat(decided) if decided else None}
            )
        )
    audit.record(
        session,
        action=action,
        reviewer_id=reviewer_id,
        target="mention",
        target_id=entry.target_id,
        before=expect,
        after={"entry": entry.id, **(target or {})},
    )
    session.commit()
    return Undone(
        entry.id, entry.target_id, int(fields["article_id"]), dict(target or {}), (entry.target_id,)
    )


def _apply_span(
    session: Session,
    entry: AuditEntry,
    *,
    expect: dict[str, Any],
    target: dict[str, Any],
    action: str,
    reviewer_id: int,
) -> Undone:
    """Put a mention's boundaries back (undo) or move them again (redo)."""
    assert entry.id is not None and entry.target_id is not None
    mention = session.get(Mention, entry.target_id)
    if mention is None:
        raise Conflict("the mention of that change no longer exists")
    if (mention.start, mention.end) != (expect["start"], expect["end"]):
        raise Conflict(
            f"mention {mention.id} ({mention.text!r}) was changed since; "
            f"cannot {action} that change"
        )
    mention.start, mention.end, mention.text = target["start"], target["end"], target["text"]
    session.add(mention)
    audit.record(
        session,
        action=action,
        reviewer_id=reviewer_id,
        target="mention",
        target_id=mention.id,
        before=expect,
        after={"entry": entry.id, **target},
    )
    session.commit()
    return Undone(entry.id, entry.target_id, mention.article_id, dict(target), (entry.target_id,))


def _items(entry: AuditEntry, side: dict[str, Any]) -> list[dict[str, Any]]:
    """The (mention id, state) items of one side of a decision entry, single or bulk."""
    if entry.action == DECIDE_MANY:
        return list(side["items"])
    return [{"id": entry.target_id, **side}]


def _apply(
    session: Session,
    entry: AuditEntry,
    *,
    expect: dict[str, Any],
    target: dict[str, Any],
    action: str,
    reviewer_id: int,
) -> Undone:
    assert entry.id is not None
    expected, wanted = _items(entry, expect), _items(entry, target)
    mentions = []
    for item in expected:  # check every mention first: all or nothing
        mention = session.get(Mention, item["id"])
        if mention is None:
            raise Conflict("a mention of that decision no longer exists")
        if (mention.state, mention.label, mention.entity_id) != (
            item["state"],
            item["label"],
            item["entity_id"],
        ):
            raise Conflict(
                f"mention {mention.id} ({mention.text!r}) was changed since; "
                f"cannot {action} that decision"
            )
        mentions.append(mention)
    for mention, item in zip(mentions, wanted, strict=True):
        mention.state = item["state"]
        mention.label = item["label"]
        mention.entity_id = item["entity_id"]
        mention.reviewer_id = item.get("reviewer_id")
        decided = item.get("decided_at")
        mention.decided_at = datetime.fromisoformat(decided) if decided else None
        session.add(mention)
    first = mentions[0]
    audit.record(
        session,
        action=action,
        reviewer_id=reviewer_id,
        target="mention",
        target_id=first.id,
        before=expect,
        after={"entry": entry.id, **target},
    )
    session.commit()
    assert first.id is not None
    return Undone(
        entry.id,
        first.id,
        first.article_id,
        dict(wanted[0]),
        tuple(int(m.id or 0) for m in mentions),
    )
