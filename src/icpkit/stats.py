"""The statistics every number in icpkit leans on: intervals, shrinkage, tests, corrections.

Kept in one place so that a reader can check how any rate, interval or "significant" was made.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps

Z95 = 1.959963984540054


def wilson_interval(successes: np.ndarray | int, trials: np.ndarray | int, z: float = Z95):
    """Wilson score interval for a proportion: honest at small counts and at 0% or 100%,
    where the textbook normal interval collapses to a point."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        low = np.where(n > 0, np.clip(centre - half, 0, 1), 0.0)
        high = np.where(n > 0, np.clip(centre + half, 0, 1), 1.0)
    if np.ndim(low) == 0:
        return float(low), float(high)
    return low, high


def shrunk_rate(successes, trials, base_rate: float, strength: float = 10.0):
    """Win rate pulled toward the base rate as if each group had ``strength`` extra deals at
    the base rate: a group of 3 deals with 3 wins is not a 100% segment."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    return (k + strength * base_rate) / (n + strength)


def proportion_test(k_in: int, n_in: int, k_out: int, n_out: int) -> float:
    """Two-sided p-value that a group's rate differs from the rest: Fisher's exact test for
    small tables, the chi-square test (same answer, much faster) once counts are large."""
    table = np.array([[k_in, n_in - k_in], [k_out, n_out - k_out]])
    if table.min() < 0 or n_in == 0 or n_out == 0:
        return 1.0
    if min(n_in, n_out) < 200 or table.min() < 10:
        return float(sps.fisher_exact(table).pvalue)
    _chi2, p, _, _ = sps.chi2_contingency(table, correction=True)
    return float(p)


def independence_test(levels: np.ndarray, won: np.ndarray) -> float:
    """p-value of one omnibus test that a column's levels and the outcome are unrelated:
    Pearson's chi-square on the levels x won/lost table, levels drawn without the outcome
    (pre-bins, categories, yes/no). One test per column, however its best bins are found
    afterwards, so a search over ranges and groups does not have to pay for each one."""
    codes = np.unique(np.asarray(levels), return_inverse=True)[1].reshape(-1)
    y = np.asarray(won, dtype=int)
    table = np.stack(
        [
            np.bincount(codes, weights=y, minlength=codes.max() + 1),
            np.bincount(codes, weights=1 - y, minlength=codes.max() + 1),
        ],
        axis=1,
    )
    table = table[table.sum(axis=1) > 0]
    if len(table) < 2 or (table.sum(axis=0) == 0).any():
        return 1.0
    return float(sps.chi2_contingency(table, correction=False)[1])


def trend_test(order: np.ndarray, won: np.ndarray) -> float:
    """p-value of the Cochran-Armitage test for a trend in the win rate along an ordered
    column (``order``: each row's place, NaN where unknown, left out). One degree of freedom
    where the omnibus test spends one per level, so a rate that climbs or falls steadily with
    size or tenure is found with far fewer deals."""
    x = np.asarray(order, dtype=float).reshape(-1)
    y = np.asarray(won, dtype=float).reshape(-1)
    known = ~np.isnan(x)
    x, y = x[known], y[known]
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return 1.0
    r = float(np.corrcoef(x, y)[0, 1])
    return float(sps.chi2.sf((len(x) - 1) * r * r, 1))


def with_trend(omnibus: float, order: np.ndarray | None, won: np.ndarray) -> float:
    """One p-value for a column: its omnibus test's, or, for an ordered column (``order``:
    each row's place, NaN unknown; None when unordered), the better of that and the trend
    test, paid for by doubling it (Bonferroni over the two). A steady climb is found with a
    fraction of the deals the omnibus needs; a bump in the middle is still the omnibus's."""
    if order is None:
        return omnibus
    return float(min(1.0, 2 * min(omnibus, trend_test(order, won))))


def holm_adjust(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment: controls the chance of any false 'significant' among all
    the segments tried, and is never worse than Bonferroni."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, (m - rank) * p[index])
        adjusted[index] = min(running, 1.0)
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


def bootstrap_ratio_interval(
    won_in: np.ndarray,
    won_out: np.ndarray,
    *,
    samples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """95% percentile-bootstrap interval for (win rate inside) / (win rate outside), resampling
    each group's deals. Infinite ratios (no wins outside) are kept as such, not dropped."""
    rng = np.random.default_rng(seed)
    won_in = np.asarray(won_in, dtype=float)
    won_out = np.asarray(won_out, dtype=float)
    if len(won_in) == 0 or len(won_out) == 0:
        return float("nan"), float("nan")
    rate_in = rng.binomial(len(won_in), won_in.mean(), samples) / len(won_in)
    rate_out = rng.binomial(len(won_out), won_out.mean(), samples) / len(won_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(rate_out > 0, rate_in / rate_out, np.inf)
    ratio = np.where(np.isnan(ratio), 1.0, ratio)
    return _quantiles_with_infinity(ratio, (0.025, 0.975))


def _quantiles_with_infinity(values: np.ndarray, shares: tuple[float, ...]) -> tuple[float, ...]:
    """np.quantile where some values are +inf: a quantile that reaches an infinite value is
    infinite (np.quantile would interpolate inf - inf, warn, and give NaN)."""
    infinite = np.isinf(values)
    if not infinite.any():
        return tuple(float(q) for q in np.quantile(values, shares))
    finite = values[~infinite]
    top = float(finite.max()) if finite.size else 0.0
    # an infinite value stands in as one above every finite one; a quantile above them all
    # reached it
    stand_in = np.where(infinite, top + 1.0, values)
    found = np.quantile(stand_in, shares)
    return tuple(math.inf if q > top else float(q) for q in found)


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
