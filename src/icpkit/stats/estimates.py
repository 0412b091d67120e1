"""Estimates: a win rate shrunk toward the base rate, the AUC, and a ridge logistic fit."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps


def shrunk_rate(successes, trials, base_rate: float, strength: float = 10.0):
    """Win rate pulled toward the base rate as if each group had ``strength`` extra deals at
    the base rate: a group of 3 deals with 3 wins is not a 100% segment."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    return (k + strength * base_rate) / (n + strength)


def auc(won: np.ndarray, score: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """Area under the ROC curve as the Mann-Whitney statistic: the chance that a random won
    deal scores above a random lost one (ties count half). With ``sample_weight``, deals are
    drawn in proportion to their weights (scikit-learn's weighted AUC, without its overhead)."""
    y = np.asarray(won, dtype=bool)
    if sample_weight is not None:
        return _weighted_auc(y, np.asarray(score, dtype=float), np.asarray(sample_weight, float))
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = sps.rankdata(score)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _weighted_auc(y: np.ndarray, score: np.ndarray, weight: np.ndarray) -> float:
    order = np.argsort(score, kind="stable")
    score, y, weight = score[order], y[order], weight[order]
    starts = np.flatnonzero(np.r_[True, score[1:] != score[:-1]])  # groups of tied scores
    won = np.add.reduceat(weight * y, starts)
    lost = np.add.reduceat(weight * ~y, starts)
    if won.sum() <= 0 or lost.sum() <= 0:
        return float("nan")
    lost_below = np.cumsum(lost) - lost
    return float(np.sum(won * (lost_below + 0.5 * lost)) / (won.sum() * lost.sum()))


def fit_logistic(
    x: np.ndarray,
    won: np.ndarray,
    *,
    l2: float = 1.0,
    iterations: int = 50,
    sample_weight: np.ndarray | None = None,
    offset: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Ridge-penalised logistic regression by Newton's method: (intercept, coefficients).

    The same objective as scikit-learn's ``LogisticRegression(C=1 / l2)``; written out because
    attribute selection fits hundreds of these on a handful of columns, where a direct Newton
    step is two orders of magnitude faster than a general-purpose solver. ``sample_weight``
    (default: every row 1) counts a row that many times, as scikit-learn's does. ``offset``
    (default none) is a fixed log-odds per row the fit starts from, so the penalty shrinks the
    coefficients toward that model instead of toward no effect.
    """
    y = np.asarray(won, dtype=float)
    # Multiplying by ones is exact, so unweighted fits are unchanged to the last bit.
    row_weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    design = np.column_stack([np.ones(len(y)), np.asarray(x, dtype=float)])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0  # the intercept is not shrunk
    beta = np.zeros(design.shape[1])
    start = 0.0 if offset is None else np.asarray(offset, dtype=float)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(start + design @ beta)))
        gradient = design.T @ ((p - y) * row_weight) + penalty * beta
        weights = np.maximum(p * (1 - p), 1e-10) * row_weight
        hessian = (design.T * weights) @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return float(beta[0]), beta[1:]
