"""Undo and redo of mention changes: decisions (single or bulk), manual mentions, spans moved."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from sqlmodel import Session, col, select

from store.audit import Action
from store.errors import Conflict, StaleDecision
from store.models import AuditEntry, FactArgument, Mention
from store.undo.registry import Step, Undone, register
from store.versioning import check_unchanged, describe_change


@register(Action.CREATE)
def creation(session: Session, entry: AuditEntry, step: Step) -> Undone:
    """Undo a manual mention (delete it) or redo it (create it again with the same id)."""
    assert entry.id is not None and entry.target_id is not None
    expect: dict[str, Any] | None = step.expect
    target: dict[str, Any] | None = step.target
    fields = expect if expect is not None else target
    assert fields is not None
    if target is None:  # undo: the mention goes, unless it changed or a fact uses it
        remove_created(session, entry.target_id, fields, step)
    else:  # redo: the same mention again, unless its place was taken meanwhile
        create_again(session, target, step)
    step.record(
        session,
        target="mention",
        target_id=entry.target_id,
        before=expect,
        after={"entry": entry.id, **(target or {})},
    )
    return Undone(
        entry.id, entry.target_id, int(fields["article_id"]), dict(target or {}), (entry.target_id,)
    )


def remove_created(session: Session, mention_id: int, fields: dict[str, Any], step: Step) -> None:
    """Undo a mention's creation: delete it, unless it changed since or a fact uses it."""
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise Conflict("the mention of that change no longer exists")
    if (mention.start, mention.end, mention.state, mention.label, mention.entity_id) != (
        fields["start"],
        fields["end"],
        fields["state"],
        fields["label"],
        fields["entity_id"],
    ):
        _changed(session, mention, step, "its creation")
    check_unchanged(
        session,
        mention,
        fields.get("version"),
        _since(step, "its creation"),
        step.reviewer_id,
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


def create_again(session: Session, target: dict[str, Any], step: Step) -> None:
    """Redo a mention's creation: the same mention with the same id, unless its id or its
    boundaries were taken meanwhile."""
    if session.get(Mention, target["id"]) is not None:
        raise Conflict(f"mention {target['id']} exists already; cannot {step.action} its creation")
    clash = session.exec(
        select(Mention).where(
            col(Mention.article_id) == target["article_id"],
            col(Mention.start) == target["start"],
            col(Mention.end) == target["end"],
            col(Mention.layer) == target.get("layer")
            if target.get("layer") is not None
            else col(Mention.layer).is_(None),
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"mention {clash.id} ({clash.text!r}) has the same boundaries now; "
            f"cannot {step.action} that change"
        )
    decided = target.get("decided_at")
    session.add(
        Mention(**{**target, "decided_at": datetime.fromisoformat(decided) if decided else None})
    )


@register(Action.SPAN)
def span(session: Session, entry: AuditEntry, step: Step) -> Undone:
    """Put a mention's boundaries back (undo) or move them again (redo)."""
    assert entry.id is not None and entry.target_id is not None
    expect: dict[str, Any] = step.expect
    target: dict[str, Any] = step.target
    mention = session.get(Mention, entry.target_id)
    if mention is None:
        raise Conflict("the mention of that change no longer exists")
    if (mention.start, mention.end) != (expect["start"], expect["end"]) or (
        "state" in expect and mention.state != expect["state"]
    ):
        _changed(session, mention, step, "that change")
    if step.backwards:
        check_unchanged(
            session, mention, expect.get("version"), _since(step, "that change"), step.reviewer_id
        )
    mention.start, mention.end, mention.text = target["start"], target["end"], target["text"]
    if "state" in target:  # the span edit accepted the mention too
        mention.state, mention.reviewer_id = target["state"], target.get("reviewer_id")
        decided = target.get("decided_at")
        mention.decided_at = datetime.fromisoformat(decided) if decided else None
    session.add(mention)
    step.record(
        session,
        target="mention",
        target_id=mention.id,
        before=expect,
        after={"entry": entry.id, **target},
    )
    return Undone(entry.id, entry.target_id, mention.article_id, dict(target), (entry.target_id,))


def _since(step: Step, what: str) -> str:
    return f"since; cannot {step.action} {what}"


def _changed(session: Session, mention: Mention, step: Step, what: str) -> NoReturn:
    """Refuse: the mention is not as the entry left it (what changed, by whom, when)."""
    raise StaleDecision(f"{describe_change(session, mention)} {_since(step, what)}")


def _items(entry: AuditEntry, side: dict[str, Any]) -> list[dict[str, Any]]:
    """The (mention id, state) items of one side of a decision entry, single or bulk."""
    if entry.action == Action.DECIDE_MANY:
        return list(side["items"])
    return [{"id": entry.target_id, **side}]


@register(Action.DECIDE, Action.DECIDE_MANY)
def decision(session: Session, entry: AuditEntry, step: Step) -> Undone:
    """Put the decided mentions back as they were (undo) or decide them again (redo)."""
    assert entry.id is not None
    expected, wanted = _items(entry, step.expect), _items(entry, step.target)
    mentions = move_decisions(session, expected, wanted, step)
    first = mentions[0]
    step.record(
        session,
        target="mention",
        target_id=first.id,
        before=step.expect,
        after={"entry": entry.id, **step.target},
    )
    assert first.id is not None
    return Undone(
        entry.id,
        first.id,
        first.article_id,
        dict(wanted[0]),
        tuple(int(m.id or 0) for m in mentions),
    )


def move_decisions(
    session: Session, expected: list[dict[str, Any]], wanted: list[dict[str, Any]], step: Step
) -> list[Mention]:
    """Check every mention is as `expected` says (else `Conflict`, nothing changed: all or
    nothing), then give each its `wanted` decision; the mentions, in the items' order."""
    mentions = []
    for item in expected:
        mention = session.get(Mention, item["id"])
        if mention is None:
            raise Conflict("a mention of that decision no longer exists")
        if (mention.state, mention.label, mention.entity_id) != (
            item["state"],
            item["label"],
            item["entity_id"],
        ):
            _changed(session, mention, step, "that decision")
        if step.backwards:  # the version after the decision: nobody changed it since
            check_unchanged(
                session,
                mention,
                item.get("version"),
                _since(step, "that decision"),
                step.reviewer_id,
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
    return mentions
