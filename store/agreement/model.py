"""What agreement is computed on: each reviewer's annotation of each article, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """An accepted mention of one reviewer: code-point offsets, label, entity key (or None)."""

    start: int
    end: int
    label: str
    entity: str | None = None
    mention_id: int | None = None


@dataclass(slots=True)
class Annotation:
    """One reviewer's layer on one article.

    `spans` are the mentions the reviewer accepted (their gold); `decisions` maps each shared
    candidate the reviewer decided to the label accepted, or None for a rejection.
    """

    reviewer: str
    article_id: int
    spans: list[Span] = field(default_factory=list)
    decisions: dict[int, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One place where two reviewers differ: what each has there (None: nothing)."""

    article_id: int
    start: int
    end: int
    kind: str  # "span", "label", "link" or "decision"
    first: Span | None
    second: Span | None
