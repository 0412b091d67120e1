"""The statistics behind every rate and every 'significant'."""

import numpy as np
import pytest

from icpkit.stats import (
    bootstrap_ratio_interval,
    holm_adjust,
    independence_test,
    proportion_test,
    shrunk_rate,
    trend_test,
    wilson_interval,
)


def test_wilson_interval_matches_published_values():
    # Newcombe (1998), Table I: 81/263 -> 0.2553-0.3662; 0/10 upper bound 0.2775.
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-4)
    assert high == pytest.approx(0.3662, abs=5e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-4)
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)


def test_wilson_interval_is_vectorised_and_handles_empty_groups():
    low, high = wilson_interval(np.array([1, 0]), np.array([4, 0]))
    assert low[1] == 0.0 and high[1] == 1.0
    assert 0 < low[0] < 0.25 < high[0]


def test_shrinkage_pulls_small_groups_to_the_base_rate():
    assert shrunk_rate(3, 3, 0.2) == pytest.approx((3 + 2) / 13)
    assert shrunk_rate(300, 1000, 0.2) == pytest.approx(302 / 1010)


def test_holm_is_step_down_and_monotone():
    adjusted = holm_adjust(np.array([0.01, 0.04, 0.03, 0.005]))
    assert adjusted.tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_proportion_test_small_and_large_tables():
    assert proportion_test(10, 10, 0, 10) < 0.001
    assert proportion_test(50, 100, 500, 1000) == pytest.approx(1.0, abs=1e-9)
    assert proportion_test(400, 1000, 300, 1000) < 1e-5


def test_bootstrap_ratio_interval_covers_the_true_ratio():
    rng = np.random.default_rng(1)
    inside = rng.random(400) < 0.45
    outside = rng.random(1600) < 0.15
    low, high = bootstrap_ratio_interval(inside, outside)
    assert low < 3.0 < high
    assert high - low < 1.5


def test_trend_test_is_agrestis_linear_by_linear_statistic():
    # Agresti (2007), section 2.5: M^2 = (n - 1) r^2 on 1 degree of freedom. Here a 3-level
    # column with win counts 1/10, 5/10, 9/10: r = 0.6532, M^2 = 29 * 0.4267 = 12.37.
    order = np.repeat([0.0, 1.0, 2.0], 10)
    won = np.concatenate(
        [np.eye(1, 10, 0)[0], np.r_[np.ones(5), np.zeros(5)], np.r_[np.ones(9), 0]]
    )
    r = np.corrcoef(order, won)[0, 1]
    assert trend_test(order, won) == pytest.approx(float(sps_chi2_sf(29 * r * r)), rel=1e-12)
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


def sps_chi2_sf(statistic: float) -> float:
    from scipy.stats import chi2

    return chi2.sf(statistic, 1)
