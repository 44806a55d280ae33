"""Which reverser takes back (or makes again) each kind of change: action -> reverser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from store import audit
from store.audit import Action
from store.errors import Conflict
from store.gazetteer.change import GazetteerChange
from store.models import AuditEntry


@dataclass(frozen=True, slots=True)
class Step:
    """One undo or redo of an audit entry.

    Attributes:
        action: `Action.UNDO` or `Action.REDO`.
        expect: The side of the entry the data must still be in (`after` to undo).
        target: The side of the entry the data goes to (`before` to undo).
        reviewer_id: Who undoes or redoes.
    """

    action: Action
    expect: Any
    target: Any
    reviewer_id: int

    @property
    def backwards(self) -> bool:
        """True to undo, False to redo."""
        return self.action == Action.UNDO

    def record(
        self,
        session: Session,
        *,
        target: str,
        target_id: int | None,
        after: dict[str, Any],
        before: Any = None,
    ) -> None:
        """Audit this undo or redo (the caller commits)."""
        audit.record(
            session,
            action=self.action,
            reviewer_id=self.reviewer_id,
            target=target,
            target_id=target_id,
            before=before,
            after=after,
        )


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


Reverser = Callable[[Session, AuditEntry, Step], Undone]
"""Checks the data is as `step.expect` says (else `Conflict`, nothing changed), moves it to
`step.target`, audits the step; the caller commits."""

_REVERSERS: dict[str, Reverser] = {}


def register(*actions: Action) -> Callable[[Reverser], Reverser]:
    """Make the decorated function the reverser of these actions."""

    def add(reverser: Reverser) -> Reverser:
        for action in actions:
            if action in _REVERSERS:
                raise ValueError(f"{action} has a reverser already")
            _REVERSERS[action] = reverser
        return reverser

    return add


def reverser_for(action: str) -> Reverser:
    """The reverser of an action.

    Raises:
        Conflict: nothing can undo that action.
    """
    try:
        return _REVERSERS[action]
    except KeyError:
        raise Conflict(f"cannot undo {action}") from None


def reversible() -> tuple[str, ...]:
    """Every action a reverser is registered for."""
    return tuple(_REVERSERS)
