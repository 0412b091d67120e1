"""Drift: how far a population has moved from the one a model learned on."""

from __future__ import annotations

import numpy as np


def population_stability(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI = sum over bins of (actual share - expected share) * ln(actual / expected share).

    Half a count is added to every bin, so an empty bin gives a large but finite term.
    Below 0.10 the mix is stable, 0.10-0.25 it moved, above 0.25 it is a different population.
    """
    expected = np.asarray(expected, dtype=float) + 0.5
    actual = np.asarray(actual, dtype=float) + 0.5
    e, a = expected / expected.sum(), actual / actual.sum()
    return float(np.sum((a - e) * np.log(a / e)))
