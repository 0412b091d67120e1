"""The statistics behind every rate and every 'significant'."""

import numpy as np
import pytest

from icpkit.stats import (
    bootstrap_ratio_interval,
    holm_adjust,
    proportion_test,
    shrunk_rate,
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
