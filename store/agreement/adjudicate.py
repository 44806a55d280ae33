"""Adjudication: the places where reviewers' layers differ, and the gold chosen for each.

A *unit* is a stretch of an article covered by overlapping spans of any reviewer layer; each
reviewer's version of it is the spans their layer accepted there (maybe none). The gold is the
shared layer (`layer` NULL), which exports write as `--layer gold`. Settling a unit with the
chosen spans accepts them in the shared layer (the shared candidate at those offsets, or a new
manual mention there), rejects every other shared mention over the unit, and is audited as
one `mention.adjudicate` entry: one undo takes it back. Only adjudicators and curators settle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from store import audit
from store.agreement.load import load_layers
from store.agreement.model import Span
from store.audit import Action
from store.errors import NotFound, TelaahError
from store.models import Article, Entity, Mention, Reviewer, utcnow
from store.review.spans import mention_fields
from store.versioning import begin_write, raise_version

SETTLERS = ("adjudicator", "curator")


@dataclass(frozen=True, slots=True)
class Version:
    """One reviewer's spans over a unit (empty: they have nothing there)."""

    reviewer: str
    spans: tuple[Span, ...]

    def key(self) -> frozenset[tuple[int, int, str, str | None]]:
        return frozenset((s.start, s.end, s.label, s.entity) for s in self.spans)


@dataclass(frozen=True, slots=True)
class Unit:
    """A stretch of an article where reviewers' spans fall, with each version and the gold."""

    article_id: int
    start: int
    end: int
    versions: tuple[Version, ...]
    gold: tuple[Span, ...]  # the shared layer's accepted spans over the unit
    undecided: int  # shared mentions over the unit still pending

    @property
    def agreed(self) -> bool:
        """Every reviewer has the same spans, labels and entities here."""
        return len({v.key() for v in self.versions}) == 1

    @property
    def settled(self) -> bool:
        """The gold here is one version's spans (or the merge of all) and nothing is pending."""
        gold = frozenset((s.start, s.end, s.label, s.entity) for s in self.gold)
        merged = frozenset().union(*(v.key() for v in self.versions))
        return self.undecided == 0 and (gold in {v.key() for v in self.versions} or gold == merged)


def units(session: Session, article_id: int) -> list[Unit]:
    """The units of an article, in text order: where any two reviewer layers put spans."""
    layers = load_layers(session, article_ids=[article_id])
    if len(layers) < 2:
        return []
    every = sorted((s.start, s.end) for a in layers for s in a.spans)
    ranges: list[list[int]] = []
    for span_start, span_end in every:
        if ranges and span_start < ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], span_end)
        else:
            ranges.append([span_start, span_end])
    shared = list(
        session.execute(
            select(
                col(Mention.start),
                col(Mention.end),
                col(Mention.label),
                col(Entity.key),
                col(Mention.state),
                col(Mention.id),
            )
            .outerjoin(Entity, col(Entity.id) == col(Mention.entity_id))
            .where(col(Mention.article_id) == article_id, col(Mention.layer).is_(None))
        )
    )
    out = []
    for start, end in ranges:
        versions = tuple(
            Version(a.reviewer, tuple(s for s in a.spans if s.start < end and start < s.end))
            for a in sorted(layers, key=lambda a: a.reviewer)
        )
        here = [row for row in shared if row[0] < end and start < row[1]]
        gold = tuple(
            Span(s, e, lab, key, mid) for s, e, lab, key, state, mid in here if state == "accepted"
        )
        pending = sum(1 for row in here if row[4] == "pending")
        out.append(Unit(article_id, start, end, versions, gold, pending))
    return out


def merged(unit: Unit) -> tuple[Span, ...]:
    """Every span of every version (the `merge` choice).

    Raises:
        TelaahError: two versions give the same offsets different labels or entities.
    """
    spans: dict[tuple[int, int], Span] = {}
    for version in unit.versions:
        for span in version.spans:
            seen = spans.get((span.start, span.end))
            if seen is not None and (seen.label, seen.entity) != (span.label, span.entity):
                raise TelaahError(
                    f"{span.start}-{span.end} is {seen.label} in one version and {span.label} "
                    "in another: choose one"
                )
            spans[(span.start, span.end)] = span
    return tuple(spans[key] for key in sorted(spans))


def _check_role(session: Session, reviewer_id: int) -> None:
    role = session.execute(
        select(col(Reviewer.role)).where(col(Reviewer.id) == reviewer_id)
    ).scalar()
    if role not in SETTLERS:
        raise TelaahError(
            "only an adjudicator or a curator settles disagreements "
            "(telaah reviewers set-role NAME adjudicator)"
        )


def _state(m: Mention) -> dict[str, object]:
    return {
        "id": m.id,
        "state": m.state,
        "label": m.label,
        "entity_id": m.entity_id,
        "reviewer_id": m.reviewer_id,
        "decided_at": m.decided_at.isoformat() if m.decided_at else None,
        "version": m.version,
    }


@dataclass(slots=True)
class _Changes:
    """What one adjudication changes, for its one audit entry."""

    before: list[dict[str, object]]
    after: list[dict[str, object]]
    created: list[dict[str, object]]
    gold: list[Mention]


def settle(
    session: Session,
    *,
    article_id: int,
    start: int,
    end: int,
    spans: Sequence[Span],
    reviewer_id: int,
) -> list[int]:
    """Make `spans` the gold over `start`-`end` of the article (none: nothing there).

    One committed transaction, one audit entry. Returns the ids of the gold mentions.

    Raises:
        TelaahError: the reviewer may not adjudicate, or a span is outside the unit.
        NotFound: no such article or entity.
    """
    begin_write(session)
    _check_role(session, reviewer_id)
    changes = _Changes([], [], [], [])
    _settle_unit(session, changes, article_id, start, end, spans, reviewer_id)
    _record(session, changes, article_id, reviewer_id)
    return [m.id for m in changes.gold if m.id is not None]


def settle_agreed(session: Session, *, article_ids: Sequence[int], reviewer_id: int) -> int:
    """Settle every unit all reviewers agree on and not settled yet, in one transaction and
    one audit entry (one undo); how many units were settled."""
    begin_write(session)
    _check_role(session, reviewer_id)
    changes = _Changes([], [], [], [])
    count = 0
    for article_id in article_ids:
        for unit in units(session, article_id):
            if unit.agreed and not unit.settled:
                spans = unit.versions[0].spans
                _settle_unit(session, changes, article_id, unit.start, unit.end, spans, reviewer_id)
                count += 1
    if count:
        _record(session, changes, article_ids[0], reviewer_id)
    return count


def _record(session: Session, changes: _Changes, article_id: int, reviewer_id: int) -> None:
    audit.record(
        session,
        action=Action.ADJUDICATE,
        reviewer_id=reviewer_id,
        target="article",
        target_id=article_id,
        before={"items": changes.before, "created": []},
        after={"items": changes.after, "created": changes.created},
    )
    session.commit()


def _settle_unit(
    session: Session,
    changes: _Changes,
    article_id: int,
    start: int,
    end: int,
    spans: Sequence[Span],
    reviewer_id: int,
) -> None:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    for span in spans:
        if not (start <= span.start < span.end <= end):
            raise TelaahError(f"{span.start}-{span.end} is outside {start}-{end}")
    keys = {s.entity for s in spans if s.entity is not None}
    found = select(col(Entity.key), col(Entity.id)).where(col(Entity.key).in_(keys))
    entity_ids: dict[str, int] = {key: int(entity_id) for key, entity_id in session.execute(found)}
    if missing := keys - entity_ids.keys():
        raise NotFound(f"no entity {sorted(missing)[0]!r}")
    here = list(
        session.execute(
            select(Mention).where(
                col(Mention.article_id) == article_id,
                col(Mention.layer).is_(None),
                col(Mention.start) < end,
                col(Mention.end) > start,
            )
        ).scalars()
    )
    by_offsets = {(m.start, m.end): m for m in here}
    now = utcnow()
    wanted = {(s.start, s.end): s for s in spans}
    for mention in here:
        choice = wanted.get((mention.start, mention.end))
        state = "accepted" if choice is not None else "rejected"
        label = choice.label if choice is not None else mention.label
        entity_id = entity_ids.get(choice.entity) if choice and choice.entity else None
        if choice is None:
            entity_id = mention.entity_id
            if mention.state == "rejected":
                continue
        else:
            changes.gold.append(mention)
        if (mention.state, mention.label, mention.entity_id) == (state, label, entity_id):
            continue
        changes.before.append(_state(mention))
        raise_version(session, mention)
        mention.state, mention.label, mention.entity_id = state, label, entity_id
        mention.reviewer_id, mention.decided_at = reviewer_id, now
        session.add(mention)
        changes.after.append(_state(mention))
    for (s, e), chosen in sorted(wanted.items()):
        if (s, e) in by_offsets:
            continue
        mention = Mention(
            article_id=article_id,
            start=s,
            end=e,
            text=article.text[s:e],
            label=chosen.label,
            entity_id=entity_ids.get(chosen.entity) if chosen.entity else None,
            state="accepted",
            origin="manual",
            reviewer_id=reviewer_id,
            decided_at=now,
        )
        session.add(mention)
        session.flush()
        changes.created.append(mention_fields(mention))
        changes.gold.append(mention)
