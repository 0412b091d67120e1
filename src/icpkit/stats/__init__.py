"""The statistics every number in icpkit leans on, in one place, so that a reader can check
how any rate, interval or "significant" was made:

- :mod:`~icpkit.stats.intervals`: Wilson, bootstrap ratio and median intervals;
- :mod:`~icpkit.stats.hypothesis_tests`: Fisher / chi-square tests of win rates, the omnibus
  and trend tests of a column, the Mantel-Haenszel stratified comparison;
- :mod:`~icpkit.stats.multiplicity`: Holm's correction, plain and weighted;
- :mod:`~icpkit.stats.power`: the smallest effect the data could show;
- :mod:`~icpkit.stats.drift`: the population stability index;
- :mod:`~icpkit.stats.estimates`: shrunk rates, AUC, ridge logistic regression.

Each is checked against scipy or statsmodels in ``tests/test_stats.py``.
"""

from icpkit.stats.drift import population_stability
from icpkit.stats.estimates import auc, fit_logistic, shrunk_rate
from icpkit.stats.hypothesis_tests import (
    ProportionTests,
    contingency_test,
    fisher_exact_two_sided,
    independence_test,
    pearson_chi_square,
    proportion_test,
    stratified_lift,
    trend_test,
    with_trend,
)
from icpkit.stats.intervals import (
    Z95,
    bootstrap_ratio_interval,
    median_interval,
    wilson_interval,
)
from icpkit.stats.multiplicity import holm_adjust, weighted_holm
from icpkit.stats.power import DETECTABLE_SHARES, minimum_detectable_effect

__all__ = [
    "DETECTABLE_SHARES",
    "Z95",
    "ProportionTests",
    "auc",
    "bootstrap_ratio_interval",
    "contingency_test",
    "fisher_exact_two_sided",
    "fit_logistic",
    "holm_adjust",
    "independence_test",
    "median_interval",
    "minimum_detectable_effect",
    "pearson_chi_square",
    "population_stability",
    "proportion_test",
    "shrunk_rate",
    "stratified_lift",
    "trend_test",
    "weighted_holm",
    "wilson_interval",
    "with_trend",
]
