"""Fact candidates: a sentence with a trigger word of a fact type and mentions to fill its roles.

For each sentence (`store.corpus.sentences`) holding a trigger (`store.facts.triggers`) of a
type, the roles
are filled, in schema order, from the sentence's mentions (accepted or pending) whose labels the
role allows:

- mentions written next to each other with only spaces between ("Menhan Kazakhstan Imangali
  Tasmagambetov") are one unit, represented by the mention whose label the role lists first;
- a unit introduced by a cue word of the role (`ke Kyrgyzstan` for a recipient, `di Astana` for
  a place) is preferred, and one with another role's cue is avoided;
- otherwise the nearest unit to the trigger wins, the first role preferring units before it
  (the subject) and the others units after it;
- a role that takes several mentions also takes the units coordinated with its first
  ("Rusia dan Kazakhstan") and every unit with its cue; when its first is after the trigger
  (found by a cue: "bertemu dengan Y"), the nearest unit before the trigger (the subject) too.

A candidate needs every required role filled. Candidates are pending facts of origin "schema";
`refresh_fact_candidates` replaces an article's undecided ones and never touches decided facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from store.corpus.sentences import sentence_spans
from store.db import session_scope
from store.facts.repository import create_fact
from store.facts.triggers import TriggerHit, TriggerIndex
from store.matching.normalise import fold
from store.models import Article, Fact, Mention
from store.schema import FactTypeSpec, RoleSpec, read_schema

CUES: dict[str, frozenset[str]] = {
    "recipient": frozenset({"ke", "kepada", "untuk", "bagi", "to", "for"}),
    "supplier": frozenset({"dari", "oleh", "from", "by"}),
    "place": frozenset({"di", "in", "at"}),
    "date": frozenset({"pada", "on", "tanggal", "sejak", "since"}),
    "participants": frozenset({"dengan", "with", "and"}),
    "organization": frozenset({"anggota", "dalam", "of"}),
}
CUE_WINDOW = 3  # words looked back from a unit for a cue
_WORDS = re.compile(r"[^\W_]+")
_COORDINATED = re.compile(r"\s*(?:,|dan|serta|atau|and|or|&)\s*(?:dan\s+)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Span:
    """A mention as candidates see it."""

    id: int
    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """A fact candidate: type, evidence sentence, trigger and roles -> mention ids."""

    type: str
    evidence: tuple[int, int]
    trigger: tuple[int, int]
    roles: dict[str, list[int]]


def propose(
    text: str,
    mentions: Sequence[Span],
    types: Sequence[FactTypeSpec],
    index: TriggerIndex | None = None,
) -> list[Proposal]:
    """Every fact candidate of one article's text (pure: no database)."""
    index = index or TriggerIndex((t.name, t.triggers) for t in types)
    by_type = {t.name: t for t in types}
    spans = _non_overlapping(mentions)
    proposals = []
    for start, end in sentence_spans(text):
        inside = [m for m in spans if start <= m.start and m.end <= end]
        if not inside:
            continue
        seen: set[str] = set()
        for hit in index.find(text, start, end):
            if hit.type in seen or hit.type not in by_type:
                continue
            seen.add(hit.type)
            roles = fill_roles(text, by_type[hit.type], hit, _units(text, inside))
            if roles is not None:
                proposals.append(Proposal(hit.type, (start, end), (hit.start, hit.end), roles))
    return proposals


def fill_roles(
    text: str, spec: FactTypeSpec, trigger: TriggerHit, units: list[list[Span]]
) -> dict[str, list[int]] | None:
    """Role -> mention ids for one trigger, or None when a required role stays empty."""
    cues = {unit[0].start: _cue_words(text, unit[0].start) for unit in units}
    others = {role.name: CUES.get(role.name, frozenset()) for role in spec.roles}
    free = list(range(len(units)))
    roles: dict[str, list[int]] = {}
    for rank, role in enumerate(spec.roles):
        options = [(i, rep) for i in free if (rep := _representative(units[i], role))]
        if not options:
            if role.required:
                return None
            continue

        def score(option: tuple[int, Span], rank: int = rank, role: RoleSpec = role) -> float:
            _i, span = option
            words = cues[units[option[0]][0].start]
            value = float(abs(span.start - trigger.start))
            if words & others[role.name]:
                value -= 10_000
            elif any(words & cue for name, cue in others.items() if name != role.name):
                value += 10_000
            before = span.end <= trigger.start
            if (rank == 0) == before:
                value -= 500
            return value

        best = min(options, key=score)
        chosen = [best]
        if role.multiple and rank == 0 and best[1].start > trigger.start:
            # "X ... bertemu dengan Y": the subject before the trigger takes part too.
            subject = [
                o
                for o in options
                if o[1].end <= trigger.start
                and not any(cues[units[o[0]][0].start] & cue for cue in others.values())
            ]
            if subject:
                chosen.append(max(subject, key=lambda o: o[1].start))
        if role.multiple:
            for first in list(chosen):
                chosen += [
                    c for c in _coordinated(text, units, first[0], free, role) if c not in chosen
                ]
            chosen += [
                (i, rep)
                for i, rep in options
                if (i, rep) not in chosen and cues[units[i][0].start] & others[role.name]
            ]
        for i, _rep in chosen:
            free.remove(i)
        roles[role.name] = [rep.id for _i, rep in sorted(chosen, key=lambda x: x[1].start)]
    return roles


def refresh_fact_candidates(session: Session, article_id: int) -> int:
    """Recompute the article's fact candidates; return how many are proposed now.

    Undecided candidates (pending, origin schema, not marked for review) are replaced; a
    candidate equal in type and evidence to a fact that exists (any state) is not proposed.
    Commits.
    """
    schema = read_schema(session=session)
    article = session.get(Article, article_id)
    if article is None or not schema.fact_types:
        return 0
    stale = (
        session.execute(
            select(Fact).where(
                col(Fact.article_id) == article_id,
                col(Fact.origin) == "schema",
                col(Fact.state) == "pending",
                col(Fact.needs_review).is_(False),
            )
        )
        .scalars()
        .all()
    )
    for fact in stale:
        session.delete(fact)
    session.flush()
    kept = {
        (f.type, f.evidence_start, f.evidence_end)
        for f in session.execute(select(Fact).where(col(Fact.article_id) == article_id)).scalars()
    }
    mentions = [
        Span(m.id or 0, m.start, m.end, m.label)
        for m in session.execute(
            select(Mention).where(
                col(Mention.article_id) == article_id, col(Mention.state) != "rejected"
            )
        ).scalars()
    ]
    count = 0
    for proposal in propose(article.text, mentions, schema.fact_types):
        if (proposal.type, *proposal.evidence) in kept:
            continue
        create_fact(
            session=session,
            article_id=article_id,
            type=proposal.type,
            roles=proposal.roles,
            reviewer_id=None,
            evidence=proposal.evidence,
            state="pending",
            origin="schema",
            commit=False,
            schema=schema,
        )
        count += 1
    session.commit()
    return count


def refresh_all(engine: Engine, article_ids: Iterable[int] | None = None) -> int:
    """Recompute the fact candidates of these articles (all by default); return how many."""
    with session_scope(engine) as session:
        ids = (
            list(article_ids)
            if article_ids is not None
            else list(session.execute(select(col(Article.id))).scalars())
        )
        return sum(refresh_fact_candidates(session, article_id) for article_id in ids)


def _non_overlapping(mentions: Sequence[Span]) -> list[Span]:
    """Mentions in text order, an overlapped one dropped for the longer."""
    kept: list[Span] = []
    for m in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)
    return kept


def _units(text: str, spans: list[Span]) -> list[list[Span]]:
    """Mentions next to each other with only spaces between form one unit."""
    units: list[list[Span]] = []
    for span in spans:
        if units and not text[units[-1][-1].end : span.start].strip():
            units[-1].append(span)
        else:
            units.append([span])
    return units


def _representative(unit: list[Span], role: RoleSpec) -> Span | None:
    """The unit's mention that fills `role`: the one whose label the role lists first."""
    allowed = [m for m in unit if not role.labels or m.label in role.labels]
    if not allowed:
        return None
    order = {label: i for i, label in enumerate(role.labels)}
    return min(allowed, key=lambda m: (order.get(m.label, 99), m.start))


def _cue_words(text: str, start: int) -> frozenset[str]:
    """The few words before `start`, folded, up to punctuation that ends a clause."""
    before = text[max(0, start - 80) : start]
    clause = re.split(r"[.;:!?()\"“”]", before)[-1]
    return frozenset(fold(w) for w in _WORDS.findall(clause)[-CUE_WINDOW:])


def _coordinated(
    text: str, units: list[list[Span]], first: int, free: list[int], role: RoleSpec
) -> list[tuple[int, Span]]:
    """Units joined to unit `first` by `,`, `dan`, `and`... in either direction."""
    found = []
    for step in (1, -1):
        i = first
        while 0 <= i + step < len(units) and i + step in free:
            a, b = (units[i], units[i + step]) if step > 0 else (units[i + step], units[i])
            if not _COORDINATED.fullmatch(text[a[-1].end : b[0].start]):
                break
            rep = _representative(units[i + step], role)
            if rep is None:
                break
            found.append((i + step, rep))
            i += step
    return found
