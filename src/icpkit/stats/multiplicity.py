"""Corrections for testing many things at once: Holm's step-down, plain and weighted."""

from __future__ import annotations

import numpy as np


def holm_adjust(p_values: np.ndarray, m: float | None = None) -> np.ndarray:
    """Holm's step-down adjustment: controls the chance of any false 'significant' among all
    the segments tried, and is never worse than Bonferroni.

    ``m``: how many hypotheses the family holds (default: the p-values given). The ones never
    tested count as p = 1, so they sort last: a search that looked at a few of the
    conjunctions it could have formed pays for all of them, without listing them."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    # m can exceed any machine integer (every group of 60 categories): count it as a float.
    family = float(len(p) if m is None else m)
    steps = np.maximum.accumulate((family - np.arange(len(p))) * p[order])
    adjusted = np.empty(len(p))
    adjusted[order] = np.minimum(steps, 1.0)
    return adjusted


def weighted_holm(p_values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Holm's weighted step-down adjustment (Holm 1979): hypothesis i tested at level
    alpha x weight_i among hypotheses whose weights sum to at most 1, the untested ones
    counted as never rejected. Equal weights 1/m give the plain Holm adjustment."""
    p = np.asarray(p_values, dtype=float)
    w = np.asarray(weights, dtype=float)
    ratio = p / w
    order = np.argsort(ratio, kind="stable")
    remaining = 1.0 - np.concatenate([[0.0], np.cumsum(w[order])[:-1]])
    steps = np.maximum.accumulate(ratio[order] * np.maximum(remaining, 0.0))
    adjusted = np.empty(len(p))
    adjusted[order] = np.minimum(steps, 1.0)
    return adjusted
