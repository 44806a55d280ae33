"""Gamma (Mathet et al.) for overlapping spans, with `pygamma-agreement`.

Gamma aligns the units of several annotators and weighs positional and categorical
dissimilarity against chance. Its cost grows faster than the number of units (~1 s for 200,
~17 s for 800 here), so articles are packed into batches of at most `batch_units` units (each
article at its own place on one line, far from the next) and the batches' gammas are averaged,
weighted by their units.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from store.agreement.model import Annotation

BATCH_UNITS = 300
GAP = 1_000


@dataclass(frozen=True, slots=True)
class GammaScore:
    value: float | None
    units: int
    batches: int


def _batches(
    articles: Sequence[Sequence[Annotation]], batch_units: int
) -> list[list[Sequence[Annotation]]]:
    out: list[list[Sequence[Annotation]]] = []
    current: list[Sequence[Annotation]] = []
    count = 0
    for layers in articles:
        size = sum(len(layer.spans) for layer in layers)
        if current and count + size > batch_units:
            out.append(current)
            current, count = [], 0
        current.append(layers)
        count += size
    if current:
        out.append(current)
    return out


def gamma(
    articles: Sequence[Sequence[Annotation]],
    *,
    label: str | None = None,
    batch_units: int = BATCH_UNITS,
    precision_level: float = 0.05,
    seed: int = 0,
) -> GammaScore:
    """Gamma of the reviewers' spans over `articles` (each: the layers of one article).

    Only articles where at least two reviewers have spans count. None when no batch has two
    annotators with units (gamma is undefined there).
    """
    import numpy as np

    kept = []
    for layers in articles:
        present = [
            layer for layer in layers if any(label is None or s.label == label for s in layer.spans)
        ]
        if len(present) >= 2:
            kept.append(
                [
                    Annotation(
                        layer.reviewer,
                        layer.article_id,
                        [s for s in layer.spans if label is None or s.label == label],
                    )
                    for layer in present
                ]
            )
    if not kept:
        return GammaScore(None, 0, 0)
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.ERROR)  # its import logs "CBC solver not installed" on the root logger
    try:
        import pygamma_agreement as pa
        from pyannote.core import Segment
    finally:
        root.setLevel(previous)

    np.random.seed(seed)
    total = 0.0
    units = 0
    batches = 0
    for batch in _batches(kept, batch_units):
        continuum = pa.Continuum()
        origin = 0
        for layers in batch:
            width = max(s.end for layer in layers for s in layer.spans)
            for layer in layers:
                for s in layer.spans:
                    segment = Segment(origin + s.start, origin + s.end)
                    continuum.add(layer.reviewer, segment, s.label)
            origin += width + GAP
        if len(continuum.annotators) < 2:
            continue
        dissimilarity = pa.CombinedCategoricalDissimilarity(alpha=1, beta=1)
        result = continuum.compute_gamma(dissimilarity, precision_level=precision_level)
        size = continuum.num_units
        total += float(result.gamma) * size
        units += size
        batches += 1
    return GammaScore(None if units == 0 else total / units, units, batches)
