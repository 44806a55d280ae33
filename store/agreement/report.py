"""The agreement table: one row per pair of reviewers and label (and `*` for all labels).

Pairs are compared on the articles both annotated. Rows carry the counts behind each figure,
so a reader sees what a 1.0 rests on. `write_csv`/`write_json` give the same rows to files.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from pathlib import Path

from store.agreement import decisions, spans
from store.agreement.gamma import gamma
from store.agreement.model import Annotation, Disagreement, Span

ALL = "*"
EVERYONE = "*"


@dataclass(frozen=True, slots=True)
class AgreementRow:
    first: str
    second: str
    label: str
    articles: int
    spans_first: int
    spans_second: int
    exact_f1: float | None
    overlap_f1: float | None
    links_compared: int
    link_agreement: float | None
    decisions_compared: int
    kappa: float | None
    alpha: float | None
    gamma: float | None


def _by_article(annotations: Iterable[Annotation]) -> dict[int, dict[str, Annotation]]:
    out: dict[int, dict[str, Annotation]] = defaultdict(dict)
    for annotation in annotations:
        out[annotation.article_id][annotation.reviewer] = annotation
    return out


def _binary(layer: dict[int, str | None], label: str) -> dict[int, str | None]:
    return {unit: (label if value == label else None) for unit, value in layer.items()}


def _pair_row(
    first: str,
    second: str,
    label: str,
    pairs: Sequence[tuple[Annotation, Annotation]],
    *,
    with_gamma: bool,
) -> AgreementRow:
    only = None if label == ALL else label
    a_spans = [s for a, _ in pairs for s in _tagged(a)]
    b_spans = [s for _, b in pairs for s in _tagged(b)]
    ex = spans.exact(a_spans, b_spans, only)
    ov = spans.overlapping(a_spans, b_spans, only)
    ln = spans.links(a_spans, b_spans, only)
    a_dec: dict[int, str | None] = {}
    b_dec: dict[int, str | None] = {}
    for a, b in pairs:
        a_dec.update(a.decisions)
        b_dec.update(b.decisions)
    if only is not None:
        a_dec, b_dec = _binary(a_dec, only), _binary(b_dec, only)
    kp = decisions.kappa(a_dec, b_dec)
    al = decisions.alpha([a_dec, b_dec])
    gm = gamma(list(pairs), label=only).value if with_gamma else None
    return AgreementRow(
        first, second, label, len(pairs), ex.first, ex.second, ex.f1, ov.f1,
        ln.both, ln.agreement, kp.units, kp.kappa, al, gm,
    )  # fmt: skip


def _tagged(annotation: Annotation) -> list[Span]:
    """Spans made unique across articles: offsets moved to the article's own range."""
    base = annotation.article_id << 32
    return [
        Span(base + s.start, base + s.end, s.label, s.entity, s.mention_id)
        for s in annotation.spans
    ]


def agreement_table(
    annotations: Iterable[Annotation], *, with_gamma: bool = True, by_label: bool = True
) -> list[AgreementRow]:
    """Rows per reviewer pair (label `*`, then each label), then all reviewers together."""
    articles = _by_article(annotations)
    reviewers = sorted({name for layers in articles.values() for name in layers})
    labels = sorted(
        {s.label for layers in articles.values() for a in layers.values() for s in a.spans}
        | {
            value
            for layers in articles.values()
            for a in layers.values()
            for value in a.decisions.values()
            if value is not None
        }
    )
    rows: list[AgreementRow] = []
    for first, second in combinations(reviewers, 2):
        pairs = [
            (layers[first], layers[second])
            for _, layers in sorted(articles.items())
            if first in layers and second in layers
        ]
        if not pairs:
            continue
        for label in [ALL, *(labels if by_label else [])]:
            rows.append(_pair_row(first, second, label, pairs, with_gamma=with_gamma))
    if len(reviewers) > 2:
        rows.append(_everyone(articles, with_gamma=with_gamma))
    return rows


def _everyone(articles: dict[int, dict[str, Annotation]], *, with_gamma: bool) -> AgreementRow:
    shared = [layers for layers in articles.values() if len(layers) >= 2]
    per_reviewer: dict[str, dict[int, str | None]] = defaultdict(dict)
    for layers in shared:
        for name, annotation in layers.items():
            per_reviewer[name].update(annotation.decisions)
    al = decisions.alpha(list(per_reviewer.values()))
    gm = gamma([list(layers.values()) for layers in shared]).value if with_gamma else None
    count = sum(len(a.spans) for layers in shared for a in layers.values())
    return AgreementRow(
        EVERYONE, EVERYONE, ALL, len(shared), count, count, None, None, 0, None, 0, None, al, gm
    )


def disagreements_of(
    annotations: Iterable[Annotation], first: str, second: str
) -> list[Disagreement]:
    """Every disagreement of two reviewers, article by article (the screen's drill-down)."""
    out: list[Disagreement] = []
    for _, layers in sorted(_by_article(annotations).items()):
        if first in layers and second in layers:
            out.extend(spans.disagreements(layers[first], layers[second]))
    return out


def write_csv(rows: Sequence[AgreementRow], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(AgreementRow.__dataclass_fields__))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in asdict(row).items()})


def write_json(rows: Sequence[AgreementRow], path: Path) -> None:
    path.write_text(
        json.dumps([asdict(row) for row in rows], ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
