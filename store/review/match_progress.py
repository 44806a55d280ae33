"""Where a corpus match stopped: checkpoints in the audit log, so that a killed `telaah match`
run again continues where it stopped.

A resumable run matches its articles in the order of their ids; every `EVERY` articles, in the
transaction that writes a chunk's candidates, it adds an audit entry `mentions.match.progress`
naming its scope (every article, or a digest of the ids given), the gazetteer it matches (a
digest of its aliases), the highest article id done (all below it are done too) and its counts
so far. The run's closing `mentions.match` entry names the same scope: that run is over.

A new run over the same scope and gazetteer whose latest checkpoint no closing entry follows
skips the articles up to the checkpoint (at most `EVERY` articles are matched twice: matching
an article again changes nothing). Against another gazetteer it starts over: the checkpoint
says nothing about what the new aliases reach. No table is added: the audit log already keeps
what happened, in order, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select
from sqlmodel import Session, col

from store.audit import Action
from store.models import AuditEntry, utcnow

if TYPE_CHECKING:
    from store.matching import Matcher
    from store.review.candidates import MatchReport  # the run's counts so far

ALL = "all"  # the scope of a run over every article
EVERY = 2_000  # articles between checkpoints
COUNTS = ("articles", "added", "removed", "kept")


def scope_of(article_ids: Sequence[int]) -> str:
    """The scope of a run over these articles: a digest of their ids."""
    ids = ",".join(map(str, sorted(set(article_ids))))
    return "ids:" + hashlib.sha256(ids.encode()).hexdigest()[:16]


def gazetteer_digest(matcher: Matcher) -> str:
    """A digest of the aliases a matcher matches (key, alias and label of each)."""
    digest = hashlib.sha256()
    for entry in sorted(matcher.entries(), key=lambda e: (e.key, e.alias, e.label)):
        digest.update(f"{entry.key}\t{entry.alias}\t{entry.label}\n".encode())
    return digest.hexdigest()[:16]


class Progress:
    """The checkpoints of one resumable run."""

    def __init__(self, scope: str, gazetteer: str, total: int, reviewer_id: int | None) -> None:
        self.scope = scope
        self.gazetteer = gazetteer
        self.total = total
        self.reviewer_id = reviewer_id
        self.through: int | None = None  # resumed: every article up to this id was matched
        self.before: dict[str, int] = {}  # resumed: the interrupted run's counts (COUNTS)
        self._next = EVERY

    def resume_from(self, session: Session) -> None:
        """Continue the latest interrupted run of this scope and gazetteer, if there is one."""
        latest = session.execute(
            select(col(AuditEntry.id), col(AuditEntry.after))
            .where(col(AuditEntry.action) == Action.MATCH_PROGRESS)
            .order_by(col(AuditEntry.id).desc())
            .limit(1)
        ).first()
        if latest is None:
            return
        entry_id, after = latest
        if not isinstance(after, dict) or after.get("scope") != self.scope:
            return
        if after.get("gazetteer") != self.gazetteer:
            return
        closed = session.execute(
            select(col(AuditEntry.after)).where(
                col(AuditEntry.action) == Action.MATCH, col(AuditEntry.id) > entry_id
            )
        ).scalars()
        if any(isinstance(a, dict) and a.get("scope") == self.scope for a in closed):
            return
        self.through = int(after["through"])
        self.before = {name: int(after.get(name, 0)) for name in COUNTS}
        self._next = self.before["articles"] + EVERY

    def passed(self, connection: Connection, through: int, report: MatchReport) -> None:
        """After a chunk up to article `through`, with the run's counts `report`: a checkpoint
        in the chunk's transaction when one is due."""
        if report.articles < self._next:
            return
        self._next = report.articles + EVERY
        after: dict[str, Any] = {
            "scope": self.scope,
            "gazetteer": self.gazetteer,
            "through": through,
            "total": self.total,
            **{name: getattr(report, name) for name in COUNTS},
        }
        connection.execute(
            insert(AuditEntry).values(
                at=utcnow(),
                reviewer_id=self.reviewer_id,
                action=Action.MATCH_PROGRESS,
                after=after,
            )
        )
