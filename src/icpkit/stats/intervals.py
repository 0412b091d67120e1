"""95% intervals: for a win rate, a ratio of two win rates, and a median."""

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
    # Resampling n yes/no deals with replacement is one binomial draw of their wins.
    rate_in = rng.binomial(len(won_in), won_in.mean(), samples) / len(won_in)
    rate_out = rng.binomial(len(won_out), won_out.mean(), samples) / len(won_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(rate_out > 0, rate_in / rate_out, np.inf)
    ratio = np.where(np.isnan(ratio), 1.0, ratio)
    low, high = _quantiles_with_infinity(ratio, (0.025, 0.975))
    return low, high


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


def median_interval(values: np.ndarray, confidence: float = 0.95) -> tuple:
    """Distribution-free interval for a median: the order statistics x(k) and x(n-k+1) with k
    the largest count for which a Binomial(n, 1/2) falls below k with chance at most
    (1 - confidence) / 2. Covers the true median at least ``confidence`` of the time; with
    five values or fewer no such k exists and both ends are None (unknown)."""
    x = np.sort(np.asarray(values, dtype=float))
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return None, None
    tail = (1 - confidence) / 2
    k = int(sps.binom.ppf(tail, n, 0.5))  # P(B <= k) >= tail; step back until below
    while k > 0 and sps.binom.cdf(k - 1, n, 0.5) > tail:
        k -= 1
    if k < 1:
        return None, None
    return float(x[k - 1]), float(x[n - k])
