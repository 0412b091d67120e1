"""Which attributes add nothing beyond the others: annual revenue, once employees and industry
are known, when revenue is mostly size and industry. What is quoted as the ICP never leans on
such an attribute, and the scorecard learner leaves it out."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from icpkit.discover.binning import Candidate
from icpkit.discover.segment_conditions import ALPHA
from icpkit.stats import fit_logistic

MAX_REDUNDANCY_COLUMNS = 8  # the strongest columns weighed for what each adds to the others


def redundant_attributes(
    candidates: list[Candidate], won: np.ndarray, columns: list[str]
) -> dict[str, list[str]]:
    """Columns (of ``columns``, those that matter) that add nothing beyond the others, each
    with the columns it is explained by: annual revenue, once employees and industry are
    known, when revenue is mostly size and industry.

    Measured, not assumed: each column's bins are tested for what they add to a logistic
    regression on the bins of all the others (a likelihood-ratio test); the columns are then
    taken in order of that independent evidence, strongest first, and a column is kept only
    if it adds, beyond chance, to the ones kept before it. Of two columns carrying the same
    signal, the one that still adds when the other is known is kept. Technologies stay out
    (each is one yes/no); at most ``MAX_REDUNDANCY_COLUMNS`` of the strongest columns are
    weighed, so the fits stay small on wide data."""
    y = np.asarray(won, dtype=float)
    by_column = {c.column: c for c in candidates if c.kind != "list" and c.column in set(columns)}
    if len(by_column) < 2 or y.min() == y.max():
        return {}
    strength = {c: -by_column[c].iv for c in by_column}
    names = sorted(by_column, key=lambda c: strength[c])[:MAX_REDUNDANCY_COLUMNS]
    # Deals that fall in the same bin of every column weighed are one binomial row: the fits
    # see thousands of rows however many deals there are, with the same likelihood.
    bins = np.column_stack([np.asarray(by_column[c].index) for c in names])
    patterns, inverse = np.unique(bins, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    deals = np.bincount(inverse).astype(float)
    rate = np.bincount(inverse, weights=y) / deals
    design = {c: _bin_dummies(patterns[:, i], deals) for i, c in enumerate(names)}
    deviances: dict[frozenset, float] = {}

    def deviance(columns: list[str]) -> float:
        key = frozenset(columns)
        if key not in deviances:
            x = [design[c] for c in names if c in key]
            deviances[key] = _deviance(
                np.column_stack(x) if x else np.zeros((len(deals), 0)), rate, deals
            )
        return deviances[key]

    def added(column: str, given: list[str]) -> float:
        """p-value of the likelihood-ratio test of ``column``'s bins beyond ``given``'s."""
        extra = design[column].shape[1]
        drop = deviance(given) - deviance([*given, column])
        return float(sps.chi2.sf(max(drop, 0.0), extra)) if extra else 1.0

    alone = {c: added(c, [o for o in names if o != c]) for c in names}
    kept: list[str] = []
    redundant: dict[str, list[str]] = {}
    for column in sorted(names, key=lambda c: (alone[c], strength[c])):
        if not kept or added(column, kept) < ALPHA:
            kept.append(column)
        else:
            redundant[column] = list(kept)
    return redundant


def _bin_dummies(index: np.ndarray, deals: np.ndarray) -> np.ndarray:
    """One 0/1 column per bin but the one with most deals (the reference)."""
    bins = np.bincount(index, weights=deals)
    reference = int(np.argmax(bins))
    used = [j for j in range(len(bins)) if bins[j] > 0 and j != reference]
    if not used:
        return np.zeros((len(index), 0))
    return np.column_stack([index == j for j in used]).astype(float)


def _deviance(x: np.ndarray, rate: np.ndarray, deals: np.ndarray) -> float:
    """-2 log-likelihood of a logistic fit to ``rate`` of ``deals`` per row (binomial rows)."""
    intercept, coef = fit_logistic(x, rate, l2=1e-4, sample_weight=deals)
    p = np.clip(1 / (1 + np.exp(-(intercept + x @ coef))), 1e-12, 1 - 1e-12)
    return float(-2 * np.sum(deals * (rate * np.log(p) + (1 - rate) * np.log(1 - p))))
