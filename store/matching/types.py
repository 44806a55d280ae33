"""What the matcher takes and gives: gazetteer aliases in, candidates out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AliasEntry:
    """One surface form of one entity, as the matcher is built from it."""

    key: str  # the entity's key, e.g. "KG"
    alias: str  # the surface form as the gazetteer writes it, e.g. "Kirgistan"
    label: str  # the entity's type, e.g. "GPE"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span the matcher proposes; offsets are code points into the text it was given."""

    start: int
    end: int
    text: str  # text[start:end]
    key: str  # the entity the span is proposed for
    label: str
    alias: str  # the alias that matched, as the gazetteer writes it
    score: float  # 0-100: 100 written as the alias, 50-99 accepted by the gates, under 50 doubted
    # (see store/matching/scores.py)
    method: str  # "exact" or "fuzzy"
    alternatives: tuple[str, ...] = ()  # other entity keys the same span fits, best first
    # Why the score is lowered (`sentence-initial`, `common word`, `lower case`, `new name`...);
    # None when nothing is doubted. Stored as `Mention.reason`.
    reason: str | None = None
