"""p-values: does a group's win rate differ from another's, does a column matter at all, does
the win rate climb along an ordered column, and does it differ within strata."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps
from scipy.special import gammaln

from icpkit.stats.intervals import Z95

# Below these counts a 2x2 table gets Fisher's exact test, at and above them the chi-square
# test with Yates' correction (the same answer there, much faster).
LARGE_GROUP = 200
LARGE_CELL = 10


def _large(n1, n2, smallest_cell):
    """Whether a 2x2 table is large enough for the chi-square test (elementwise)."""
    return (np.minimum(n1, n2) >= LARGE_GROUP) & (smallest_cell >= LARGE_CELL)


def proportion_test(k_in: int, n_in: int, k_out: int, n_out: int) -> float:
    """Two-sided p-value that a group's rate differs from the rest: Fisher's exact test for
    small tables, the chi-square test (same answer, much faster) once counts are large."""
    table = np.array([[k_in, n_in - k_in], [k_out, n_out - k_out]])
    if table.min() < 0 or n_in == 0 or n_out == 0:
        return 1.0
    if not _large(n_in, n_out, table.min()):
        return float(sps.fisher_exact(table).pvalue)
    _chi2, p, _, _ = sps.chi2_contingency(table, correction=True)
    return float(p)


class ProportionTests:
    """:func:`proportion_test` for many tables at once, among ``n`` deals with ``k`` wins:
    the same rule and the same p-values, vectorised, small tables memoised. The segment search
    tests tens of thousands of tables, where scipy's general Fisher test costs a millisecond
    each."""

    def __init__(self, n: int, k: int) -> None:
        self.n, self.k = n, k
        self._fisher: dict[tuple[int, int, int, int], float] = {}
        self._lf = gammaln(np.arange(n + 2, dtype=float))  # log((i - 1)!) at i

    def against_rest(self, deals: np.ndarray, wins: np.ndarray) -> np.ndarray:
        """Each group (``wins`` of ``deals``) against the rest of the ``n`` deals."""
        return self.compare(deals, wins, self.n - deals, self.k - wins)

    def within(self, deals, wins, within_deals, within_wins) -> np.ndarray:
        """Each group against the rest of a larger group that holds it (``within_wins`` of
        ``within_deals``): does a condition add, among the deals the others already select?"""
        return self.compare(deals, wins, within_deals - deals, within_wins - wins)

    def compare(self, n1, k1, n2, k2) -> np.ndarray:
        """Two-sided p-values of k1/n1 against k2/n2, elementwise; 1 where a side is empty."""
        n1, k1, n2, k2 = (np.asarray(v, dtype=np.int64) for v in (n1, k1, n2, k2))
        p = np.ones(len(n1))
        cells = np.stack([k1, n1 - k1, k2, n2 - k2])
        valid = (n1 > 0) & (n2 > 0) & (cells.min(axis=0) >= 0)
        large = valid & _large(n1, n2, cells.min(axis=0))
        if large.any():
            p[large] = _chi_square_yates(n1[large], k1[large], n2[large], k2[large])
        for r in np.flatnonzero(valid & ~large):
            key = (int(k1[r]), int(n1[r]), int(k2[r]), int(n2[r]))
            if key not in self._fisher:
                self._fisher[key] = fisher_exact_two_sided(*key, log_factorial=self._lf)
            p[r] = self._fisher[key]
        return p


def fisher_exact_two_sided(
    k1: int, n1: int, k2: int, n2: int, log_factorial: np.ndarray | None = None
) -> float:
    """Fisher's exact test of k1/n1 against k2/n2, two-sided as in scipy (tables no more
    likely than the one observed, with the same 1e-7 relative tolerance), but written on log
    factorials: scipy's general version costs a millisecond a table, and the search tests
    thousands. ``log_factorial[i]`` = log((i - 1)!) for i up to n1 + n2 + 1 (optional)."""
    won, n = k1 + k2, n1 + n2
    lf = log_factorial if log_factorial is not None else gammaln(np.arange(n + 2, dtype=float))
    low, high = max(0, won - n2), min(won, n1)
    x = np.arange(low, high + 1)
    log_pmf = (
        _log_choose(lf, n1, x) + _log_choose(lf, n2, won - x) - _log_choose(lf, n, np.int64(won))
    )
    observed = log_pmf[k1 - low]
    p = np.exp(log_pmf[log_pmf <= observed + np.log1p(1e-7)]).sum()
    return float(min(p, 1.0))


def _log_choose(lf: np.ndarray, n, k):
    return lf[n + 1] - lf[k + 1] - lf[n - k + 1]


def _chi_square_yates(n1, k1, n2, k2) -> np.ndarray:
    """p-values of the chi-square test with Yates' correction of 2x2 tables, as scipy's
    ``chi2_contingency(table, correction=True)`` gives one at a time."""
    n = (n1 + n2).astype(float)
    won, lost = (k1 + k2).astype(float), (n1 + n2 - k1 - k2).astype(float)
    diff = np.abs(k1 * (n2 - k2) - k2 * (n1 - k1)).astype(float)
    diff = np.maximum(diff - n / 2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = n * diff**2 / (n1 * n2 * won * lost)
    chi2 = np.nan_to_num(chi2, nan=0.0)
    return sps.chi2.sf(chi2, 1)


def pearson_chi_square(n: int, k: int, deals, wins) -> np.ndarray:
    """Pearson's chi-square (no continuity correction) of ``wins`` of ``deals`` against the
    rest of ``n`` deals with ``k`` wins in all; 0 where a side is empty."""
    deals, wins = np.asarray(deals, dtype=float), np.asarray(wins, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = n * (wins * n - deals * k) ** 2 / (deals * (n - deals) * k * (n - k))
    return np.nan_to_num(score, nan=0.0, posinf=0.0)


def contingency_test(table: np.ndarray) -> float:
    """p-value of Pearson's chi-square test that the rows of a table of counts are drawn
    from one distribution over its columns (no continuity correction, whatever its size).
    Empty rows and columns are left out; 1 when fewer than two of either are left."""
    counts = np.asarray(table, dtype=float)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return 1.0
    return float(sps.chi2_contingency(counts, correction=False)[1])


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
    return contingency_test(table)


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


def stratified_lift(
    won_with: np.ndarray, deals_with: np.ndarray, won_all: np.ndarray, deals_all: np.ndarray
) -> tuple[float, list[float], float]:
    """Win rate with vs without, compared within strata: the Mantel-Haenszel risk ratio, its
    95% interval (Greenland-Robins variance) and the Cochran-Mantel-Haenszel test's p-value
    (with continuity correction). Arrays hold one count per stratum."""
    a = np.asarray(won_with, dtype=float)
    n1 = np.asarray(deals_with, dtype=float)
    total = np.asarray(deals_all, dtype=float)
    m1 = np.asarray(won_all, dtype=float)
    keep = (n1 > 0) & (total - n1 > 0)  # a stratum informs only with deals on both sides
    a, n1, total, m1 = a[keep], n1[keep], total[keep], m1[keep]
    n0, c = total - n1, m1 - a
    r, s = float(np.sum(a * n0 / total)), float(np.sum(c * n1 / total))
    if r == 0 or s == 0:
        lift = float("inf") if s == 0 and r > 0 else (0.0 if s > 0 else 1.0)
        return lift, [float("nan"), float("nan")], 1.0 if r == s == 0 else _cmh(a, n1, m1, total)
    lift = r / s
    variance = float(np.sum((m1 * n1 * n0 - a * c * total) / total**2)) / (r * s)
    half = Z95 * np.sqrt(max(variance, 0.0))
    return (
        lift,
        [float(np.exp(np.log(lift) - half)), float(np.exp(np.log(lift) + half))],
        _cmh(a, n1, m1, total),
    )


def _cmh(a: np.ndarray, n1: np.ndarray, m1: np.ndarray, total: np.ndarray) -> float:
    usable = total > 1
    a, n1, m1, total = a[usable], n1[usable], m1[usable], total[usable]
    expected = n1 * m1 / total
    variance = n1 * (total - n1) * m1 * (total - m1) / (total**2 * (total - 1))
    if variance.sum() <= 0:
        return 1.0
    statistic = max(abs(a.sum() - expected.sum()) - 0.5, 0.0) ** 2 / variance.sum()
    return float(sps.chi2.sf(statistic, 1))
