"""Fact proposals (pure: no database): a sentence with a trigger word of a fact type and the
mentions that fill its roles.

For each sentence (`store.corpus.sentences`) holding a trigger (`store.facts.triggers`) of a
type, the roles are filled, in schema order, from the sentence's mentions (accepted or pending)
whose labels the role allows:

- mentions written next to each other with only spaces between ("Menhan Kazakhstan Imangali
  Tasmagambetov") are one unit, represented by the mention whose label the role lists first;
- a unit introduced by a cue word of the role (`ke Kyrgyzstan` for a recipient, `di Astana` for
  a place) is preferred, and one with another role's cue is avoided;
- otherwise the nearest unit to the trigger wins, the first role preferring units before it
  (the subject) and the others units after it;
- a role that takes several mentions also takes the units coordinated with its first
  ("Rusia dan Kazakhstan") and every unit with its cue; when its first is after the trigger
  (found by a cue: "bertemu dengan Y"), the nearest unit before the trigger (the subject) too;
- units coordinated with the one a single role took ("Rusia dan Kyrgyzstan menyepakati") are
  its peers: they fill no other role of that fact.

What a proposal never is:

- one entity (or one mention) in two roles, or twice in one role;
- a filler whose label the role does not list;
- a news source: the article's dateline, byline, quoted agency or own site
  (`store.facts.sources`), nor anything on a teaser line (`Baca juga: ...`);
- a trigger word inside a name (`Treaty` in `Collective Security Treaty Organization`);
- about fewer than two entities (`AGREEMENT parties=Russia` alone says nothing);
- with one filler in a reciprocal role: the only required role of its type, taking several
  mentions (an agreement's parties, a meeting's participants), needs two.

The triggers of one type in one sentence make one proposal: their fillings are merged, a role
that takes several mentions getting all of them; a proposal whose required roles cannot be
filled by distinct entities is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from store.corpus.sentences import sentence_spans
from store.facts.sources import not_news, teaser_lines
from store.facts.triggers import TriggerHit, TriggerIndex
from store.matching.normalise import fold
from store.schema import FactTypeSpec, RoleSpec

CUES: dict[str, frozenset[str]] = {
    "recipient": frozenset({"ke", "kepada", "untuk", "bagi", "to", "for"}),
    "supplier": frozenset({"dari", "oleh", "from", "by"}),
    "place": frozenset({"di", "in", "at"}),
    "date": frozenset({"pada", "on", "tanggal", "sejak", "since"}),
    "participants": frozenset({"dengan", "with", "and"}),
    "organization": frozenset({"anggota", "dalam", "of"}),
}
CUE_WINDOW = 3  # words looked back from a unit for a cue
MIN_ENTITIES = 2  # a fact relates at least this many distinct entities
_WORDS = re.compile(r"[^\W_]+")
_COORDINATED = re.compile(r"\s*(?:,|dan|serta|atau|and|or|&)\s*(?:dan\s+)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Span:
    """A mention as candidates see it; `entity` is its entity's id (None: not linked)."""

    id: int
    start: int
    end: int
    label: str
    entity: int | None = None

    @property
    def identity(self) -> int:
        """What must differ between two fillers: the entity, else the mention itself."""
        return self.entity if self.entity is not None else -self.id


@dataclass(frozen=True, slots=True)
class Proposal:
    """A fact candidate: type, evidence sentence, trigger and roles -> mention ids."""

    type: str
    evidence: tuple[int, int]
    trigger: tuple[int, int]
    roles: dict[str, list[int]]


Filled = dict[str, list[Span]]


def propose(
    text: str,
    mentions: Sequence[Span],
    types: Sequence[FactTypeSpec],
    index: TriggerIndex | None = None,
    *,
    source: str | None = None,
    url: str | None = None,
) -> list[Proposal]:
    """Every fact candidate of one article's text.

    Args:
        text: The article's text.
        mentions: Its mentions that may fill roles (not rejected).
        types: The schema's fact types.
        index: Their trigger words (built from `types` when not given).
        source: The article's source (its mentions are never fillers).
        url: The article's address (its site is a source too).
    """
    index = index or TriggerIndex((t.name, t.triggers) for t in types)
    by_type = {t.name: t for t in types}
    left_out = not_news(text, mentions, source, url)
    spans = [m for m in _non_overlapping(mentions) if m.id not in left_out]
    names = sorted((m.start, m.end) for m in mentions)
    teaser = teaser_lines(text)
    proposals = []
    for start, end in sentence_spans(text):
        inside = [m for m in spans if start <= m.start and m.end <= end]
        if len(inside) < MIN_ENTITIES or teaser(start):
            continue
        units = _units(text, inside)
        found: dict[str, list[tuple[TriggerHit, Filled]]] = {}
        for hit in index.find(text, start, end):
            if hit.type not in by_type or _in_a_name(hit, names):
                continue
            roles = fill_roles(text, by_type[hit.type], hit, units)
            if roles is not None:
                found.setdefault(hit.type, []).append((hit, roles))
        for type_, filled in found.items():
            merged = merge(by_type[type_], [roles for _hit, roles in filled])
            if merged is None:
                continue
            hit = filled[0][0]
            proposals.append(
                Proposal(
                    type_,
                    (start, end),
                    (hit.start, hit.end),
                    {role: [m.id for m in ms] for role, ms in merged.items()},
                )
            )
    return proposals


def merge(spec: FactTypeSpec, fillings: Sequence[Filled]) -> Filled | None:
    """One proposal from the fillings of every trigger of a type in one sentence.

    Roles in schema order; a role that takes several mentions gets every filler of every
    filling, a single role the first; an entity fills one role once. None when a required role
    is left without a distinct entity, or fewer than `MIN_ENTITIES` entities are left.
    """
    used: set[int] = set()
    merged: Filled = {}
    for role in spec.roles:
        fillers = [m for filling in fillings for m in filling.get(role.name, [])]
        chosen: list[Span] = []
        for m in fillers:
            if m.identity in used or (chosen and not role.multiple):
                continue
            used.add(m.identity)
            chosen.append(m)
        if chosen:
            merged[role.name] = sorted(chosen, key=lambda m: m.start)
        elif role.required:
            return None
    reciprocal = _reciprocal(spec)
    if reciprocal is not None and len(merged.get(reciprocal, [])) < MIN_ENTITIES:
        return None
    return merged if len(used) >= MIN_ENTITIES else None


def _reciprocal(spec: FactTypeSpec) -> str | None:
    """The type's reciprocal role: its only required role, when that takes several mentions
    (`parties`, `participants`): the fact is between its fillers."""
    required = [role for role in spec.roles if role.required]
    return required[0].name if len(required) == 1 and required[0].multiple else None


def fill_roles(
    text: str, spec: FactTypeSpec, trigger: TriggerHit, units: list[list[Span]]
) -> Filled | None:
    """Role -> mentions for one trigger, or None when a required role stays empty."""
    cues = {unit[0].start: _cue_words(text, unit[0].start) for unit in units}
    others = {role.name: CUES.get(role.name, frozenset()) for role in spec.roles}
    free = list(range(len(units)))
    used: set[int] = set()
    roles: Filled = {}
    for rank, role in enumerate(spec.roles):
        options = [
            (i, rep)
            for i in free
            if (rep := _representative(units[i], role)) and rep.identity not in used
        ]
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
        else:  # its peers ("Rusia dan Kyrgyzstan") fill no other role
            for peer in _coordinated(text, units, best[0], free, None):
                free.remove(peer[0])
        fillers: list[Span] = []
        for i, rep in sorted(chosen, key=lambda x: x[1].start):
            free.remove(i)
            if rep.identity not in used:
                used.add(rep.identity)
                fillers.append(rep)
        roles[role.name] = fillers
    return roles


def _in_a_name(hit: TriggerHit, names: list[tuple[int, int]]) -> bool:
    """Whether the trigger word is part of a mention (`Treaty` in a treaty organisation's name)."""
    return any(start <= hit.start and hit.end <= end for start, end in names)


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


def _representative(unit: list[Span], role: RoleSpec | None) -> Span | None:
    """The unit's mention that fills `role`: the one whose label the role lists first.

    With no role (peers), the unit's first mention.
    """
    if role is None:
        return unit[0]
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
    text: str, units: list[list[Span]], first: int, free: list[int], role: RoleSpec | None
) -> list[tuple[int, Span]]:
    """Units joined to unit `first` by `,`, `dan`, `and`... in either direction (that can fill
    `role`; any, with None)."""
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
