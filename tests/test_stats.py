"""The statistics behind every rate and every 'significant', each checked against scipy,
statsmodels or scikit-learn on drawn inputs (Hypothesis), and against textbook values."""

import gc
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from statsmodels.stats.contingency_tables import StratifiedTable, Table, Table2x2
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import power_proportions_2indep, proportion_confint

from icpkit import stats
from icpkit.stats import (
    ProportionTests,
    auc,
    bootstrap_ratio_interval,
    contingency_test,
    fisher_exact_two_sided,
    fit_logistic,
    holm_adjust,
    independence_test,
    median_interval,
    minimum_detectable_effect,
    pearson_chi_square,
    population_stability,
    proportion_test,
    shrunk_rate,
    stratified_lift,
    trend_test,
    weighted_holm,
    wilson_interval,
    with_trend,
)

DRAWN = settings(max_examples=60, deadline=None)


@st.composite
def counts(draw, most: int = 3000):
    """(successes, trials) with at least one trial."""
    n = draw(st.integers(1, most))
    return draw(st.integers(0, n)), n


@st.composite
def two_by_two(draw, most: int = 1500):
    """(k1, n1, k2, n2): two groups, each with at least one deal."""
    k1, n1 = draw(counts(most))
    k2, n2 = draw(counts(most))
    return k1, n1, k2, n2


p_value_lists = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40)


def statsmodels_holm(p_values) -> np.ndarray:
    """statsmodels' Holm adjustment. multipletests collects garbage on every call, a tenth of
    a second or more in a test process this size, so the reference is asked without it."""
    with mock.patch.object(gc, "collect", return_value=0):
        return multipletests(p_values, method="holm")[1]


# ---- the package itself ----------------------------------------------------------------------


def test_every_public_name_is_reachable_both_ways():
    for name in stats.__all__:
        assert getattr(stats, name) is not None
    assert stats.wilson_interval is wilson_interval


# ---- intervals -------------------------------------------------------------------------------


@DRAWN
@given(counts())
def test_wilson_interval_matches_statsmodels(count):
    k, n = count
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((low, high), abs=1e-12)


def test_wilson_interval_matches_published_values():
    # Newcombe (1998), Table I: 81/263 -> 0.2553-0.3662; 0/10 upper bound 0.2775.
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-4)
    assert high == pytest.approx(0.3662, abs=5e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-4)
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)


def test_wilson_interval_is_vectorised_and_handles_empty_groups():
    low, high = wilson_interval(np.array([1, 0, 7]), np.array([4, 0, 9]))
    assert low[1] == 0.0 and high[1] == 1.0
    assert (low[0], high[0]) == pytest.approx(proportion_confint(1, 4, method="wilson"))
    assert (low[2], high[2]) == pytest.approx(proportion_confint(7, 9, method="wilson"))


@DRAWN
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=300))
def test_median_interval_matches_scipys_quantile_test(values):
    x = np.array(values)
    ci = sps.quantile_test(x, q=float(np.median(x)), p=0.5).confidence_interval(0.95)
    low, high = median_interval(x)
    if np.isnan(ci.low):
        assert (low, high) == (None, None)
    else:
        assert (low, high) == (ci.low, ci.high)


def test_median_interval_uses_order_statistics():
    assert median_interval(np.arange(1, 6)) == (None, None)  # five values: unknowable at 95%
    assert median_interval(np.arange(1, 7)) == (1.0, 6.0)
    # n = 100: the 40th and 61st values (Conover, Practical Nonparametric Statistics).
    assert median_interval(np.arange(1, 101)) == (40.0, 61.0)
    assert median_interval(np.array([np.nan, np.nan])) == (None, None)


def test_median_interval_covers_the_true_median_at_least_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    covered = 0
    for _ in range(1000):
        low, high = median_interval(rng.exponential(1.0, 25))
        covered += low <= np.log(2) <= high
    assert covered >= 940


def test_bootstrap_ratio_interval_agrees_with_scipys_bootstrap():
    rng = np.random.default_rng(1)
    inside = (rng.random(400) < 0.45).astype(float)
    outside = (rng.random(1600) < 0.15).astype(float)
    ours = bootstrap_ratio_interval(inside, outside, samples=20000)
    theirs = sps.bootstrap(
        (inside, outside),
        lambda a, b, axis: a.mean(axis=axis) / b.mean(axis=axis),
        n_resamples=20000,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(2),
    ).confidence_interval
    # Two Monte Carlo runs of the same bootstrap: equal up to their resampling noise.
    assert ours == pytest.approx((theirs.low, theirs.high), rel=0.02)
    assert ours[0] < inside.mean() / outside.mean() < ours[1]


def test_bootstrap_ratio_interval_keeps_an_infinite_end():
    low, high = bootstrap_ratio_interval(np.ones(20), np.r_[1.0, np.zeros(59)])
    assert high == np.inf and 1 < low < np.inf
    assert np.isnan(bootstrap_ratio_interval(np.ones(3), np.zeros(0))[0])


# ---- tests of win rates ----------------------------------------------------------------------


@DRAWN
@given(two_by_two())
def test_proportion_test_is_fisher_on_small_tables_and_yates_chi_square_on_large(table):
    k1, n1, k2, n2 = table
    cells = [[k1, n1 - k1], [k2, n2 - k2]]
    if min(n1, n2) >= 200 and min(k1, n1 - k1, k2, n2 - k2) >= 10:
        expected = sps.chi2_contingency(cells, correction=True).pvalue
    else:
        expected = sps.fisher_exact(cells).pvalue
    assert proportion_test(k1, n1, k2, n2) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_proportion_test_on_known_tables():
    assert proportion_test(10, 10, 0, 10) < 0.001
    assert proportion_test(50, 100, 500, 1000) == pytest.approx(1.0, abs=1e-9)
    assert proportion_test(400, 1000, 300, 1000) < 1e-5
    assert proportion_test(3, 0, 4, 10) == 1.0  # an empty group tells nothing


@DRAWN
@given(st.lists(two_by_two(), min_size=1, max_size=12))
def test_proportion_tests_for_many_tables_give_proportion_tests_p_values(tables):
    k1, n1, k2, n2 = (np.array(column) for column in np.array(tables).T)
    many = ProportionTests(int((n1 + n2).max()), 0).compare(n1, k1, n2, k2)
    one_by_one = [proportion_test(a, b, c, d) for a, b, c, d in tables]
    assert many == pytest.approx(one_by_one, rel=1e-9, abs=1e-300)


def test_proportion_tests_against_the_rest_and_within_a_larger_group():
    tests = ProportionTests(1000, 300)
    assert tests.against_rest(np.array([250]), np.array([120]))[0] == pytest.approx(
        proportion_test(120, 250, 180, 750)
    )
    assert tests.within(np.array([40]), np.array([30]), np.array([100]), np.array([45]))[
        0
    ] == pytest.approx(proportion_test(30, 40, 15, 60))


@DRAWN
@given(two_by_two(most=600))
def test_fast_fisher_matches_scipy(table):
    k1, n1, k2, n2 = table
    theirs = sps.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue
    assert fisher_exact_two_sided(k1, n1, k2, n2) == pytest.approx(theirs, rel=1e-9, abs=1e-300)


@DRAWN
@given(two_by_two())
def test_pearson_chi_square_matches_scipy(table):
    k1, n1, k2, n2 = table
    n, k = n1 + n2, k1 + k2
    cells = np.array([[k1, n1 - k1], [k2, n2 - k2]])
    ours = float(pearson_chi_square(n, k, n1, k1))
    if k in (0, n):
        assert ours == 0.0  # no wins or no losses at all: nothing to compare
    else:
        theirs = sps.chi2_contingency(cells, correction=False).statistic
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-9)


@DRAWN
@given(
    st.integers(2, 5).flatmap(
        lambda columns: st.lists(
            st.lists(st.integers(0, 60), min_size=columns, max_size=columns),
            min_size=2,
            max_size=5,
        )
    )
)
def test_contingency_test_is_pearsons_chi_square_without_empty_rows_or_columns(rows):
    table = np.array(rows)
    kept = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(kept.shape) < 2:
        assert contingency_test(table) == 1.0
    else:
        theirs = sps.chi2_contingency(kept, correction=False).pvalue
        assert contingency_test(table) == pytest.approx(theirs, rel=1e-12, abs=1e-300)


def test_contingency_test_adds_no_continuity_correction_to_a_two_by_two_table():
    table = np.array([[30, 70], [45, 55]])
    assert contingency_test(table) == pytest.approx(
        sps.chi2_contingency(table, correction=False).pvalue
    )
    assert contingency_test(table) < sps.chi2_contingency(table, correction=True).pvalue


@DRAWN
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=2, max_size=300))
def test_independence_test_matches_scipy_on_the_levels_by_outcome_table(rows):
    levels = np.array([r[0] for r in rows])
    won = np.array([r[1] for r in rows], dtype=int)
    table = pd.crosstab(levels, won).to_numpy()
    if table.shape[0] < 2 or table.shape[1] < 2:
        assert independence_test(levels, won) == 1.0
    else:
        theirs = sps.chi2_contingency(table, correction=False).pvalue
        assert independence_test(levels, won) == pytest.approx(theirs, rel=1e-12, abs=1e-300)


@DRAWN
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=3, max_size=300))
def test_trend_test_matches_statsmodels_linear_by_linear_association(rows):
    order = np.array([r[0] for r in rows], dtype=float)
    won = np.array([r[1] for r in rows], dtype=float)
    ours = trend_test(order, won)
    levels = np.unique(order)
    if len(levels) < 2 or won.min() == won.max():
        assert ours == 1.0
        return
    table = np.array([[np.sum((order == v) & (won == w)) for w in (0, 1)] for v in levels])
    theirs = Table(table, shift_zeros=False).test_ordinal_association(
        row_scores=levels, col_scores=np.array([0, 1])
    )
    assert ours == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-300)


def test_trend_test_is_agrestis_linear_by_linear_statistic():
    # Agresti (2007), section 2.5: M^2 = (n - 1) r^2 on 1 degree of freedom. Here a 3-level
    # column with win counts 1/10, 5/10, 9/10: r = 0.6532, M^2 = 29 * 0.4267 = 12.37.
    order = np.repeat([0.0, 1.0, 2.0], 10)
    won = np.concatenate(
        [np.eye(1, 10, 0)[0], np.r_[np.ones(5), np.zeros(5)], np.r_[np.ones(9), 0]]
    )
    assert trend_test(order, won) == pytest.approx(sps.chi2.sf(12.3733, 1), rel=1e-4)
    assert trend_test(order, won) == pytest.approx(4.36e-4, rel=0.01)
    # Unknown places are left out, and a column with one place tells nothing.
    assert trend_test(np.r_[order, np.nan, np.nan], np.r_[won, 1, 0]) == trend_test(order, won)
    assert trend_test(np.zeros(30), won) == 1.0


def test_trend_test_finds_a_steady_climb_the_omnibus_test_misses():
    rng = np.random.default_rng(3)
    found_by_trend = found_by_omnibus = 0
    for _ in range(40):
        level = rng.integers(0, 10, 300)
        won = rng.random(300) < 0.10 + 0.03 * level  # 10% rising to 37% over ten sizes
        found_by_trend += trend_test(level.astype(float), won) < 0.01
        found_by_omnibus += independence_test(level, won) < 0.01
    assert found_by_trend >= 26  # 31 of 40 with this seed
    assert found_by_omnibus <= found_by_trend - 10  # 14 of 40


def test_trend_test_holds_its_level_on_noise():
    rng = np.random.default_rng(4)
    p = [
        trend_test(rng.integers(0, 10, 200).astype(float), rng.random(200) < 0.3)
        for _ in range(400)
    ]
    assert 0.02 <= np.mean(np.array(p) < 0.05) <= 0.08


def test_with_trend_pays_for_the_better_of_two_tests_by_doubling_it():
    order = np.repeat([0.0, 1.0, 2.0], 10)
    won = np.r_[np.zeros(9), 1, np.ones(5), np.zeros(5), np.ones(9), 0]
    assert with_trend(0.2, None, won) == 0.2  # an unordered column: the omnibus alone
    assert with_trend(0.2, order, won) == pytest.approx(2 * trend_test(order, won))
    assert with_trend(0.7, np.zeros(30), won) == 1.0  # min(1, 2 x 0.7)


@st.composite
def strata(draw):
    """Per stratum: wins with the trait, deals with it, wins in all, deals in all."""
    out = []
    for _ in range(draw(st.integers(1, 5))):
        with_deals = draw(st.integers(1, 80))
        without_deals = draw(st.integers(1, 80))
        with_won = draw(st.integers(0, with_deals))
        without_won = draw(st.integers(0, without_deals))
        out.append((with_won, with_deals, with_won + without_won, with_deals + without_deals))
    return [np.array(v) for v in zip(*out, strict=True)]


@DRAWN
@given(strata())
def test_stratified_lift_matches_statsmodels_mantel_haenszel(counts):
    won_with, deals_with, won_all, deals_all = counts
    lift, _, p = stratified_lift(won_with, deals_with, won_all, deals_all)
    lost_with = deals_with - won_with
    won_without = won_all - won_with
    lost_without = deals_all - deals_with - won_without
    tables = np.array([[won_with, lost_with], [won_without, lost_without]], dtype=float)
    reference = StratifiedTable(tables, shift_zeros=False)
    # Within each stratum the rate with the trait over the rate without, pooled.
    r = np.sum(won_with * (deals_all - deals_with) / deals_all)
    s = np.sum(won_without * deals_with / deals_all)
    if r > 0 and s > 0:
        assert lift == pytest.approx(reference.riskratio_pooled, rel=1e-9)
    if not ((won_all > 0) & (won_all < deals_all)).any():
        return  # every stratum all won or all lost: nothing to test
    difference = abs(np.sum(won_with - deals_with * won_all / deals_all))
    if difference >= 0.5:
        theirs = reference.test_null_odds(correction=True).pvalue
        assert p == pytest.approx(theirs, rel=1e-9, abs=1e-12)
    else:
        # Within half a win of what chance gives: the continuity correction takes it all, as
        # scipy's Yates correction does (statsmodels would subtract past zero).
        assert p == 1.0


@DRAWN
@given(st.integers(1, 200), st.integers(1, 200), st.integers(1, 199), st.integers(1, 199))
def test_stratified_lift_of_one_stratum_has_the_usual_risk_ratio_interval(n1, n0, a, c):
    a, c = min(a, n1), min(c, n0)
    lift, ci, _ = stratified_lift([a], [n1], [a + c], [n1 + n0])
    crude = Table2x2(np.array([[a, n1 - a], [c, n0 - c]]), shift_zeros=False)
    assert lift == pytest.approx(crude.riskratio, rel=1e-9)
    assert ci == pytest.approx(list(crude.riskratio_confint(alpha=0.05)), rel=1e-9)


def test_stratified_lift_on_known_strata():
    # Two strata, each with twice the win rate with the trait: the pooled ratio is exactly 2.
    lift, ci, p = stratified_lift([10, 20], [20, 40], [15, 30], [40, 80])
    assert lift == pytest.approx(2.0)
    assert ci[0] < 2.0 < ci[1]
    assert p < 0.01


# ---- multiplicity ------------------------------------------------------------------------------


@DRAWN
@given(p_value_lists)
def test_holm_matches_statsmodels(p):
    theirs = statsmodels_holm(p)
    assert holm_adjust(np.array(p)) == pytest.approx(theirs, rel=1e-12, abs=1e-300)


@DRAWN
@given(p_value_lists, st.integers(0, 500))
def test_holm_counts_hypotheses_never_tested_as_never_rejected(p, unseen):
    padded = statsmodels_holm(np.r_[p, np.ones(unseen)])[: len(p)]
    assert holm_adjust(np.array(p), len(p) + unseen) == pytest.approx(padded, rel=1e-12)


def test_holm_is_step_down_and_monotone():
    adjusted = holm_adjust(np.array([0.01, 0.04, 0.03, 0.005]))
    assert adjusted.tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm_adjust(np.array([1e-6, 0.01]), 100)[0] == pytest.approx(1e-4)
    assert holm_adjust(np.array([])).size == 0


@DRAWN
@given(p_value_lists)
def test_weighted_holm_with_equal_weights_is_holm(p):
    theirs = statsmodels_holm(p)
    equal = np.full(len(p), 1 / len(p))
    assert weighted_holm(np.array(p), equal) == pytest.approx(theirs, rel=1e-9, abs=1e-300)


def test_weighted_holm_gives_a_heavier_test_more_of_alpha():
    p = np.array([0.01, 0.04, 0.03, 0.5, 0.002])
    # The close-rate test holds half the weight: 0.01 * (1 - 0.125) / 0.5 instead of 0.01 * 4.
    weights = np.array([0.5, 0.125, 0.125, 0.125, 0.125])
    adjusted = weighted_holm(p, weights)
    assert adjusted[4] == pytest.approx(0.002 / 0.125)
    assert adjusted[0] == pytest.approx(0.01 * 0.875 / 0.5)
    assert adjusted[3] == 0.5


# ---- power ---------------------------------------------------------------------------------------


@DRAWN
@given(st.integers(200, 50_000), st.floats(0.05, 0.6), st.sampled_from([0.05, 1e-3, 1e-5]))
def test_minimum_detectable_effect_has_the_power_statsmodels_computes(n, base, alpha):
    for row in minimum_detectable_effect(n, base, alpha):
        n_in = row["share_of_deals"] * n
        ratio = (n - n_in) / n_in
        for rate in (row["win_rate_needed_above"], row["win_rate_needed_below"]):
            if rate is None:
                continue
            # Power to call the rate significant on its own side: the two-sided test's rejections
            # beyond the other end do not count. The rate is rounded to four decimals: 80% power
            # lies within that step.
            side = "larger" if rate > base else "smaller"
            away = np.sign(rate - base) * 1e-4
            nearer, further = (
                power_proportions_2indep(
                    r - base, base, n_in, ratio=ratio, alpha=alpha / 2, alternative=side
                ).power
                for r in (rate - away, rate + away)
            )
            assert nearer - 1e-9 <= 0.8 <= further + 1e-9


def test_minimum_detectable_effect_shrinks_with_data():
    small = minimum_detectable_effect(200, 0.25, 0.04 / 100)
    large = minimum_detectable_effect(20000, 0.25, 0.04 / 100)
    assert small[1]["lift_needed_above"] > large[1]["lift_needed_above"] > 1.0
    assert large[1]["lift_needed_above"] < 1.2
    assert minimum_detectable_effect(3, 0.25, 0.05) == []  # too few deals to say anything


# ---- drift -------------------------------------------------------------------------------------


@DRAWN
@given(
    st.integers(2, 8).flatmap(
        lambda bins: st.tuples(
            st.lists(st.integers(0, 5000), min_size=bins, max_size=bins),
            st.lists(st.integers(0, 5000), min_size=bins, max_size=bins),
        )
    )
)
def test_population_stability_is_the_symmetrised_kullback_leibler_divergence(pair):
    expected, actual = (np.array(v, dtype=float) + 0.5 for v in pair)
    e, a = expected / expected.sum(), actual / actual.sum()
    theirs = sps.entropy(a, e) + sps.entropy(e, a)
    assert population_stability(*pair) == pytest.approx(theirs, rel=1e-9, abs=1e-12)
    assert population_stability(*pair) >= 0


def test_population_stability_index() -> None:
    assert population_stability([100, 200, 300], [10, 20, 30]) == pytest.approx(0.0, abs=1e-3)
    # Two halves that swap places: (0.75 - 0.25) * ln(3) twice, with half-count smoothing.
    expected = [500, 1500]
    actual = [1500, 500]
    e = (np.array(expected) + 0.5) / 2001
    a = (np.array(actual) + 0.5) / 2001
    assert population_stability(expected, actual) == pytest.approx(np.sum((a - e) * np.log(a / e)))
    assert population_stability(expected, actual) == pytest.approx(np.log(3), rel=1e-2)


# ---- estimates -----------------------------------------------------------------------------------


@DRAWN
@given(counts(), st.floats(0.01, 0.99), st.floats(0.5, 50))
def test_shrunk_rate_is_the_beta_posterior_mean(count, base, strength):
    k, n = count
    prior = sps.beta(k + strength * base, n - k + strength * (1 - base))
    assert shrunk_rate(k, n, base, strength) == pytest.approx(prior.mean(), rel=1e-12)


def test_shrinkage_pulls_small_groups_to_the_base_rate():
    assert shrunk_rate(3, 3, 0.2) == pytest.approx((3 + 2) / 13)
    assert shrunk_rate(300, 1000, 0.2) == pytest.approx(302 / 1010)


@DRAWN
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 6), st.floats(0.1, 5)), min_size=2, max_size=200
    ),
)
def test_auc_matches_scikit_learn(rows):
    won = np.array([r[0] for r in rows])
    score = np.array([r[1] for r in rows], dtype=float)
    weight = np.array([r[2] for r in rows])
    if won.all() or not won.any():
        assert np.isnan(auc(won, score))
        return
    assert auc(won, score) == pytest.approx(roc_auc_score(won, score), rel=1e-12)
    assert auc(won, score, sample_weight=weight) == pytest.approx(
        roc_auc_score(won, score, sample_weight=weight), rel=1e-9
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_logistic_matches_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 3))
    won = (rng.random(300) < 1 / (1 + np.exp(-(x @ [1.0, -0.5, 0.0] - 0.3)))).astype(int)
    weight = rng.uniform(0.5, 2.0, 300)
    intercept, coef = fit_logistic(x, won, l2=2.0, sample_weight=weight)
    theirs = LogisticRegression(C=1 / 2.0, tol=1e-10, max_iter=1000)
    theirs.fit(x, won, sample_weight=weight)
    assert intercept == pytest.approx(theirs.intercept_[0], abs=1e-6)
    assert coef == pytest.approx(theirs.coef_[0], abs=1e-6)


def test_fit_logistic_with_an_offset_matches_an_unpenalised_glm():
    import statsmodels.api as sm

    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, 2))
    offset = rng.normal(size=400)
    won = (rng.random(400) < 1 / (1 + np.exp(-(offset + x @ [0.8, -0.4])))).astype(int)
    intercept, coef = fit_logistic(x, won, l2=1e-9, offset=offset)
    glm = sm.GLM(won, sm.add_constant(x), family=sm.families.Binomial(), offset=offset).fit()
    assert np.r_[intercept, coef] == pytest.approx(glm.params, abs=1e-6)
