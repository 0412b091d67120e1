"""`icpkit validate` on a handful of deals: honest intervals, and no numpy warning on the
console (an infinite bootstrap ratio is a fact of small data, not a fault)."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icpkit.scorecard.io import load_scorecard
from icpkit.stats import bootstrap_ratio_interval
from icpkit.validate.backtest import backtest

SEED_CARD = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"


@pytest.mark.parametrize(
    ("won_in", "won_out"), [([1], [0]), ([1, 1], [0, 0]), ([1, 0], [0, 0, 0, 1]), ([0], [0])]
)
def test_bootstrap_ratio_on_tiny_groups_warns_nothing(won_in, won_out):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _low, high = bootstrap_ratio_interval(np.array(won_in), np.array(won_out))
    if sum(won_out) == 0 and sum(won_in) > 0:
        assert high == math.inf  # no wins outside: the ratio is unbounded, not unknown


def test_backtest_on_five_deals_warns_nothing():
    accounts = pd.DataFrame({"account_id": list("abcde"), "employees": [100, 30, 150, 5000, 60]})
    deals = pd.DataFrame(
        {
            "deal_id": list("12345"),
            "account_id": list("abcde"),
            "outcome": ["won", "lost", "won", "lost", "won"],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = backtest(load_scorecard(SEED_CARD), accounts, deals)
    assert result["closed_deals"] == 5


def test_validate_command_prints_no_runtime_warning(tmp_path):
    source = tmp_path / "deals.csv"
    # two accounts inside the ICP (tier B: +2 size, +1 stage), both won; none won outside, so
    # the bootstrap's ratio is infinite in most draws
    source.write_text(
        "account_id,employees,funding_stage,Status\n"
        "a1,100,series_a,Won\na2,30,,Lost\na3,150,series_b,Won\na4,5000,,Lost\na5,20,,Lost\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "icpkit", "validate", "--scorecard", str(SEED_CARD),
         "--accounts", str(source), "--outcome", "Status", "--positive", "Won"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "RuntimeWarning" not in result.stderr and "Warning" not in result.stderr


def test_a_steep_calibration_in_a_card_warns_nothing():
    from icpkit.scorecard.io import parse_scorecard

    card = parse_scorecard(
        "[calibration]\nintercept = -1e300\nslope = 5.0\n"
        '[[attributes]]\ncolumn = "employees"\nkind = "numeric"\n'
        "bins = [ { min = 50, points = 2 }, { other = true, points = 0 } ]\n"
    )
    accounts = pd.DataFrame({"account_id": list("abcd"), "employees": [100, 30, 150, 20]})
    deals = pd.DataFrame(
        {"deal_id": list("1234"), "account_id": list("abcd"), "outcome": ["won", "lost"] * 2}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = backtest(card, accounts, deals)
    assert result["calibration"]["groups"][0]["predicted"] == 0.0
