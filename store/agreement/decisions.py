"""Agreement on the decisions of shared candidates: Cohen's kappa and Krippendorff's alpha.

A unit is a candidate of the shared layer; a reviewer's value for it is the label accepted or
`rejected`. Kappa (scikit-learn) takes the units both reviewers of a pair decided; alpha
(`krippendorff`, nominal) takes every reviewer at once and tolerates units some did not
decide. Both are None where they are undefined (fewer than two values in play, or no unit).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class DecisionScores:
    """`units` decided by both; `same` of them alike; kappa None when undefined."""

    units: int
    same: int
    kappa: float | None

    @property
    def observed(self) -> float | None:
        return None if self.units == 0 else self.same / self.units


def _value(label: str | None) -> str:
    return REJECTED if label is None else label


def kappa(first: Mapping[int, str | None], second: Mapping[int, str | None]) -> DecisionScores:
    """Cohen's kappa of two reviewers' decisions on the candidates both decided."""
    shared = sorted(first.keys() & second.keys())
    a = [_value(first[unit]) for unit in shared]
    b = [_value(second[unit]) for unit in shared]
    same = sum(1 for x, y in zip(a, b, strict=True) if x == y)
    if len(set(a) | set(b)) < 2:
        return DecisionScores(len(shared), same, None)
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(cohen_kappa_score(a, b))
    return DecisionScores(len(shared), same, None if math.isnan(value) else value)


def alpha(layers: Sequence[Mapping[int, str | None]]) -> float | None:
    """Krippendorff's alpha (nominal) over every reviewer's decisions; None when undefined."""
    units = sorted({unit for layer in layers for unit in layer})
    values = sorted({_value(label) for layer in layers for label in layer.values()})
    paired = [unit for unit in units if sum(1 for layer in layers if unit in layer) >= 2]
    if len(layers) < 2 or len(values) < 2 or not paired:
        return None
    import numpy as np
    from krippendorff import alpha as krippendorff_alpha

    code = {value: float(i) for i, value in enumerate(values)}
    data = np.full((len(layers), len(units)), np.nan)
    column = {unit: i for i, unit in enumerate(units)}
    for row, layer in enumerate(layers):
        for unit, label in layer.items():
            data[row, column[unit]] = code[_value(label)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = float(
                krippendorff_alpha(
                    reliability_data=data,
                    level_of_measurement="nominal",
                    value_domain=list(code.values()),
                )
            )
        except (ValueError, ZeroDivisionError):
            return None
    return None if math.isnan(value) else value
