"""Span agreement between two reviewers: exact and overlapping F1, link agreement.

F1 between two reviewers is symmetric (2·matched / (|A| + |B|)): neither is the reference.
Overlapping spans are paired one to one, longest overlap first, so a span is never counted
twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from store.agreement.model import Annotation, Disagreement, Span


@dataclass(frozen=True, slots=True)
class SpanScores:
    """Counts behind one F1 figure; `f1` is None when neither reviewer has a span."""

    first: int
    second: int
    matched: int

    @property
    def f1(self) -> float | None:
        total = self.first + self.second
        return None if total == 0 else 2 * self.matched / total


def _keyed(spans: Iterable[Span], label: str | None) -> list[Span]:
    return [s for s in spans if label is None or s.label == label]


def exact(first: Iterable[Span], second: Iterable[Span], label: str | None = None) -> SpanScores:
    """Same start, end and label (only spans of `label` when given)."""
    a = {(s.start, s.end, s.label) for s in _keyed(first, label)}
    b = {(s.start, s.end, s.label) for s in _keyed(second, label)}
    return SpanScores(len(a), len(b), len(a & b))


def overlap_pairs(first: Iterable[Span], second: Iterable[Span]) -> list[tuple[Span, Span]]:
    """Pairs of same-label spans that overlap, one to one, longest overlap first."""
    a = sorted(set(first), key=lambda s: (s.start, s.end, s.label))
    b = sorted(set(second), key=lambda s: (s.start, s.end, s.label))
    options: list[tuple[int, int, int]] = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if y.start >= x.end:
                break
            shared = min(x.end, y.end) - max(x.start, y.start)
            if shared > 0 and x.label == y.label:
                options.append((-shared, i, j))
    options.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[Span, Span]] = []
    for _, i, j in options:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((a[i], b[j]))
    return pairs


def overlapping(
    first: Iterable[Span], second: Iterable[Span], label: str | None = None
) -> SpanScores:
    """Same label and at least one shared code point, paired one to one."""
    a = set(_keyed(first, label))
    b = set(_keyed(second, label))
    return SpanScores(len(a), len(b), len(overlap_pairs(a, b)))


@dataclass(frozen=True, slots=True)
class LinkScores:
    """Of the spans both reviewers accepted at the same offsets, how many name one entity."""

    both: int
    same: int

    @property
    def agreement(self) -> float | None:
        return None if self.both == 0 else self.same / self.both


def links(first: Iterable[Span], second: Iterable[Span], label: str | None = None) -> LinkScores:
    """Entity-link agreement on the spans both accepted with the same offsets (and label)."""
    a = {(s.start, s.end, s.label): s.entity for s in _keyed(first, label)}
    b = {(s.start, s.end, s.label): s.entity for s in _keyed(second, label)}
    both = a.keys() & b.keys()
    return LinkScores(len(both), sum(1 for key in both if a[key] == b[key]))


def disagreements(first: Annotation, second: Annotation) -> list[Disagreement]:
    """Where two layers of one article differ, in text order (for drilling down)."""
    out: list[Disagreement] = []
    a = {(s.start, s.end): s for s in first.spans}
    b = {(s.start, s.end): s for s in second.spans}
    for key in sorted(a.keys() | b.keys()):
        x, y = a.get(key), b.get(key)
        if x is not None and y is not None:
            if x.label != y.label:
                out.append(Disagreement(first.article_id, *key, "label", x, y))
            elif x.entity != y.entity:
                out.append(Disagreement(first.article_id, *key, "link", x, y))
        else:
            out.append(Disagreement(first.article_id, *key, "span", x, y))
    return out
