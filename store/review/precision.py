"""What reviewers decided about each alias and surface, as a prior on the matcher's score.

Every accepted or rejected mention is evidence about the alias that proposed it (entity and
`matched_alias`) and about its surface (entity and `text`). Where a candidate is stored, its
score is moved toward what the decisions say, by as much as there is evidence:

    score' = (1 - w) * score + w * 100 * p,   w = n / (n + EVIDENCE),   p = (a + 1) / (n + 2)

with `a` accepted of `n` decided (`p`: the mean of a Beta(1, 1) prior updated by them). A few
decisions move little (one rejection: 100 -> 89); an alias rejected 9 times in 10 falls under
the default threshold of 50 (100 -> 44); one accepted every time, 5 times or more, lifts a
candidate the gates doubted above it (30 -> 58). Decisions only ever move a score their way:
mostly accepted never lowers it, mostly rejected never raises it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from store.models import Entity, Mention

EVIDENCE = 5  # decisions weighing as much as the matcher's own score
MOVES = 1.0  # a smaller move is no move (and gives no reason)
IDS_CHUNK = 500  # entity ids per query when reading some entities' decisions


@dataclass(frozen=True, slots=True)
class Tally:
    """Decisions about one alias or surface of one entity."""

    accepted: int = 0
    rejected: int = 0

    @property
    def decided(self) -> int:
        """How many were decided."""
        return self.accepted + self.rejected

    @property
    def shown(self) -> str:
        """`0.90 (9 of 10)`, or `—` when nothing was decided."""
        if not self.decided:
            return "—"
        return f"{self.accepted / self.decided:.2f} ({self.accepted} of {self.decided})"


def prior_score(score: float, tally: Tally) -> float:
    """`score` moved toward what `tally` says, by as much as it is evidence (module doc)."""
    n = tally.decided
    if not n:
        return score
    weight = n / (n + EVIDENCE)
    target = 100.0 * (tally.accepted + 1) / (n + 2)
    moved = (1.0 - weight) * score + weight * target
    if 2 * tally.accepted > n:
        return round(max(score, moved), 2)
    if 2 * tally.accepted < n:
        return round(min(score, moved), 2)
    return score


@dataclass(slots=True)
class Precision:
    """Decisions by (entity id, alias) and by (entity id, surface), read once per match."""

    aliases: dict[tuple[int | None, str], Tally] = field(default_factory=dict)
    surfaces: dict[tuple[int | None, str], Tally] = field(default_factory=dict)

    def adjust(
        self, entity_id: int | None, alias: str, surface: str, score: float, reason: str | None
    ) -> tuple[float, str | None]:
        """The score and reason of a candidate once its alias's and surface's decisions are
        weighed: the one with more decisions counts (the surface, more specific, on a tie)."""
        by_alias = self.aliases.get((entity_id, alias), Tally())
        by_surface = self.surfaces.get((entity_id, surface), Tally())
        tally = by_surface if by_surface.decided >= by_alias.decided else by_alias
        moved = prior_score(score, tally)
        if abs(moved - score) < MOVES:
            return score, reason
        said = (
            f"often rejected ({tally.rejected} of {tally.decided})"
            if moved < score
            else f"often accepted ({tally.accepted} of {tally.decided})"
        )
        return moved, f"{reason}; {said}" if reason else said


def _tallies(rows: Any) -> dict[tuple[int | None, str], Tally]:
    counts: dict[tuple[int | None, str], list[int]] = {}
    for entity_id, value, state, n in rows:
        pair = counts.setdefault((int(entity_id), value), [0, 0])
        pair[0 if state == "accepted" else 1] += int(n)
    return {key: Tally(a, r) for key, (a, r) in counts.items()}


def load_precision(connection: Any, entity_ids: Collection[int] | None = None) -> Precision:
    """Every decision, counted by alias and by surface (a connection or a session); with
    `entity_ids`, only those about these entities: all a few articles' candidates need (a
    re-match after an edit reads a handful of entities' decisions, not the corpus's)."""
    if entity_ids is None:
        return Precision(*_counted(connection, None))
    ids = sorted(set(entity_ids))
    found = Precision()
    for at in range(0, len(ids), IDS_CHUNK):
        aliases, surfaces = _counted(connection, ids[at : at + IDS_CHUNK])
        found.aliases.update(aliases)  # (grouped by entity: the chunks do not overlap)
        found.surfaces.update(surfaces)
    return found


def _counted(
    connection: Any, ids: list[int] | None
) -> tuple[dict[tuple[int | None, str], Tally], dict[tuple[int | None, str], Tally]]:
    """The tallies by alias and by surface of the decisions about `ids` (None: all)."""
    decided = col(Mention.state).in_(("accepted", "rejected"))
    linked = col(Mention.entity_id).is_not(None) if ids is None else col(Mention.entity_id).in_(ids)
    by_alias = connection.execute(
        select(col(Mention.entity_id), col(Mention.matched_alias), col(Mention.state), func.count())
        .where(decided, linked, col(Mention.matched_alias).is_not(None))
        .group_by(col(Mention.entity_id), col(Mention.matched_alias), col(Mention.state))
    ).all()
    by_surface = connection.execute(
        select(col(Mention.entity_id), col(Mention.text), col(Mention.state), func.count())
        .where(decided, linked)
        .group_by(col(Mention.entity_id), col(Mention.text), col(Mention.state))
    ).all()
    return _tallies(by_alias), _tallies(by_surface)


def alias_precision(session: Any, key: str) -> dict[str, Tally]:
    """Each alias of entity `key`: how its candidates were decided (for the gazetteer)."""
    rows = session.execute(
        select(col(Mention.entity_id), col(Mention.matched_alias), col(Mention.state), func.count())
        .join(Entity, col(Entity.id) == col(Mention.entity_id))
        .where(
            col(Entity.key) == key,
            col(Mention.state).in_(("accepted", "rejected")),
            col(Mention.matched_alias).is_not(None),
        )
        .group_by(col(Mention.entity_id), col(Mention.matched_alias), col(Mention.state))
    ).all()
    return {alias: tally for (_, alias), tally in _tallies(rows).items()}
