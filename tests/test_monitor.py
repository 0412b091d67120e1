"""`icpkit monitor`: alarms on evidence of drift, silence otherwise; `build --half-life`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icpkit.build import build_icp, recency_weights
from icpkit.errors import IcpkitError
from icpkit.outcomes import closed_deals
from icpkit.results import read_primary_segment
from icpkit.scorecard import Attribute, Bin, BinStats, Condition, Scorecard, Tiers
from icpkit.scorecard.io import save_scorecard
from icpkit.scorecard.learn import ScorecardLearner
from icpkit.simulate import simulate
from icpkit.validate.monitor import MonitorSettings, monitor

BUILT = "2024-12-31"
# Held-out win rates at build time: A 50%, B 35%, C 20%, D 5% (100 deals each).
HELD_OUT = {
    "A": {"deals": 100, "won": 50},
    "B": {"deals": 100, "won": 35},
    "C": {"deals": 100, "won": 20},
    "D": {"deals": 100, "won": 5},
}
# Which (employees, industry) lands in which tier of the card below.
TIER_OF = {"A": (500, "Software"), "B": (500, "Retail"), "C": (100, "Retail"), "D": (10, "Retail")}


def _stats(accounts: int) -> BinStats:
    return BinStats(accounts, accounts // 4, 0.25, 0.2, 0.3)


def _card(**trained_on) -> Scorecard:
    """Employees 0/1/2 points, Software +1; tiers on raw points: A 3, B 2, C 1, D 0."""
    employees = Attribute(
        "Employees",
        "employees",
        "numeric",
        (
            Bin("under 50", 0, Condition(less_than=50), _stats(300)),
            Bin("50-199", 1, Condition(min=50, less_than=200), _stats(400)),
            Bin("200+", 2, Condition(min=200), _stats(300)),
        ),
    )
    industry = Attribute(
        "Industry",
        "industry",
        "category",
        (
            Bin("Software", 1, Condition(values=("Software",)), _stats(250)),
            Bin("anything else", 0, Condition(other=True), _stats(750)),
        ),
    )
    facts = {"last_decision": BUILT, "held_out_tiers": HELD_OUT} | trained_on
    return Scorecard(
        "Test card", (employees, industry), Tiers(3, 2, 1, unit="points"), trained_on=facts
    )


class CRM:
    """Accounts and deals written deal by deal: ``add(tier, deals, won, on=date)``."""

    def __init__(self) -> None:
        self.accounts: list[dict] = []
        self.deals: list[dict] = []

    def add(self, tier: str, deals: int, won: int, on: str = "2025-02-01", **account) -> CRM:
        employees, industry = TIER_OF[tier]
        for i in range(deals):
            account_id = f"ACC-{len(self.accounts) + 1:05d}"
            self.accounts.append(
                {"account_id": account_id, "employees": employees, "industry": industry} | account
            )
            self.deals.append(
                {
                    "deal_id": f"D-{len(self.deals) + 1:05d}",
                    "account_id": account_id,
                    "created_at": pd.Timestamp(on) - pd.Timedelta(days=30),
                    "closed_at": pd.Timestamp(on),
                    "outcome": "won" if i < won else "lost",
                }
            )
        return self

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return pd.DataFrame(self.deals), pd.DataFrame(self.accounts)


def _as_built(crm: CRM) -> CRM:
    """Deals that match the build-time rates, as the file's history."""
    for tier, row in HELD_OUT.items():
        crm.add(tier, row["deals"], row["won"], on="2024-10-01")
    return crm


def _check(report, name: str):
    return next(c for c in report.checks if c.name == name)


def test_new_deals_like_the_old_ones_hold() -> None:
    crm = _as_built(CRM())
    for tier, rate in (("A", 0.5), ("B", 0.35), ("C", 0.2), ("D", 0.05)):
        crm.add(tier, 60, round(60 * rate))
    report = monitor(_card(), *crm.tables())
    assert report.status == "holds"
    assert report.alarms == []
    assert report.closed_since == 240
    assert _check(report, "top_tiers").status == "ok"
    assert report.revalidation["due"] is True  # 240 closed deals > 50


def test_a_fall_in_the_top_tiers_raises_the_alarm_with_numbers() -> None:
    crm = CRM().add("A", 60, 9).add("B", 60, 6).add("C", 60, 12).add("D", 60, 3)
    report = monitor(_card(), *crm.tables())
    top = _check(report, "top_tiers")
    assert top.status == "alarm"
    assert report.status == "alarm"
    # 42.5% at build (85 of 200 held out) against 12.5% now (15 of 120): 30 points.
    assert top.details["drop"] == pytest.approx(0.425 - 0.125)
    assert top.details["expected_win_rate"] == pytest.approx(0.425)
    assert "12% of 120 new deals won, against 42% expected" in top.finding
    assert "(-30 points" in top.finding
    assert top.p_adjusted < 0.05
    assert top.finding in report.to_json()["reasons"]


def test_a_fall_that_could_be_chance_is_not_an_alarm() -> None:
    # 12 of 40 (30%) against 42.5% at build: a 12-point fall, but 40 deals cannot show it.
    crm = CRM().add("A", 20, 6).add("B", 20, 6).add("C", 30, 6).add("D", 30, 2)
    top = _check(monitor(_card(), *crm.tables()), "top_tiers")
    assert top.practical  # large enough to matter...
    assert top.p_value > 0.05  # ...but not shown
    assert top.status == "ok"


def test_a_sure_but_small_fall_is_not_an_alarm() -> None:
    rates = {"A": 0.5, "B": 0.5, "C": 0.2, "D": 0.05}
    big = {t: {"deals": 5000, "won": round(5000 * r)} for t, r in rates.items()}
    crm = CRM().add("A", 3000, 1380).add("B", 3000, 1380).add("C", 200, 40).add("D", 200, 10)
    report = monitor(_card(held_out_tiers=big), *crm.tables())
    top = _check(report, "top_tiers")
    assert top.p_value < 0.001  # 50% -> 46% over 6,000 deals is real...
    assert not top.practical  # ...but under 10 points
    assert top.status == "ok"


def test_tiers_that_stop_separating_raise_the_alarm() -> None:
    crm = CRM()
    for tier in "ABCD":
        crm.add(tier, 100, 20)  # every tier wins 20%
    report = monitor(_card(), *crm.tables())
    separation = _check(report, "separation")
    assert separation.details["gap_build"] == pytest.approx(0.425 - 0.125)
    assert separation.details["gap_now"] == pytest.approx(0.0)
    assert separation.status == "alarm"


def test_a_lower_tier_winning_more_than_the_one_above_is_an_alarm() -> None:
    crm = _as_built(CRM()).add("A", 80, 8).add("B", 80, 40).add("C", 80, 16).add("D", 80, 4)
    report = monitor(_card(), *crm.tables())
    assert _check(report, "tier_order_AB").status == "alarm"
    assert _check(report, "tier_order_BC").status == "ok"


def test_too_few_new_deals_is_too_early() -> None:
    crm = CRM().add("A", 3, 1).add("D", 2, 0)
    report = monitor(_card(), *crm.tables())
    assert report.status == "too early"
    assert report.alarms == []
    assert "Too early" in report.text()
    assert report.revalidation["due"] is False


def test_leads_from_another_population_raise_the_lead_mix_alarm() -> None:
    crm = _as_built(CRM())
    for tier in "ABCD":
        crm.add(tier, 30, 6)
    crm.add("A", 300, 0, on="2025-03-01")  # the pipeline fills with large software companies
    deals, accounts = crm.tables()
    deals.loc[deals.index[-300:], ["closed_at", "outcome"]] = [pd.NaT, "open"]
    report = monitor(_card(), deals, accounts)
    employees = _check(report, "lead_mix:Employees")
    assert employees.status == "alarm"
    assert employees.details["psi"] > 0.25
    assert employees.details["compared_with"].startswith("400 leads created by")
    assert "PSI" in employees.finding and "major" in employees.finding


def test_icp_customers_churning_more_raise_the_churn_alarm() -> None:
    crm = _as_built(CRM())
    for tier in "ABCD":
        crm.add(tier, 30, 6)
    deals, accounts = crm.tables()
    ids = accounts["account_id"]
    in_icp = accounts["employees"].eq(500).to_numpy()
    rng = np.random.default_rng(0)
    churned = np.where(in_icp, rng.random(len(ids)) < 0.4, rng.random(len(ids)) < 0.05)
    customers = pd.DataFrame(
        {
            "account_id": ids,
            "start": pd.Timestamp("2024-01-01"),
            "end": np.where(churned, pd.Timestamp("2025-03-01"), pd.NaT),
            "churned": churned,
        }
    )
    churn = _check(monitor(_card(), deals, accounts, customers=customers), "churn")
    assert churn.status == "alarm"
    assert churn.details["churn_inside"]["win_rate"] > 0.3
    assert churn.details["churn_outside"]["win_rate"] < 0.1


def test_primary_segment_is_checked_when_given() -> None:
    segment = {
        "description": "Industry: Software",
        "conditions": [{"attribute": "industry", "values": ["Software"]}],
        "accounts": 200,
        "won": 110,
    }
    crm = CRM().add("A", 50, 5).add("B", 50, 15).add("C", 50, 10).add("D", 50, 2)
    check = _check(monitor(_card(), *crm.tables(), primary_segment=segment), "primary_segment")
    assert check.details["now"]["deals"] == 50  # only tier A is Software
    assert check.details["drop"] == pytest.approx(0.55 - 0.10)
    assert check.status == "alarm"


def test_a_card_without_build_date_needs_since() -> None:
    card = _card(last_decision=None, held_out_tiers=None)
    card = Scorecard(card.name, card.attributes, card.tiers, trained_on={})
    crm = _as_built(CRM()).add("A", 30, 15)
    with pytest.raises(IcpkitError, match="--since"):
        monitor(card, *crm.tables())
    report = monitor(card, *crm.tables(), since="2024-12-31")
    # No stored baseline: the deals closed before the date in the same file stand in.
    assert report.baseline == "400 deals closed by 2024-12-31 in this file"
    assert report.tiers["A"]["build"] == {
        "deals": 100,
        "won": 50,
        "win_rate": 0.5,
        "ci": pytest.approx([0.4038, 0.5962], abs=1e-3),
    }


def test_stricter_alpha_needs_stronger_evidence() -> None:
    crm = CRM().add("A", 30, 6).add("B", 30, 5).add("C", 30, 6).add("D", 30, 2)
    loose = _check(monitor(_card(), *crm.tables()), "top_tiers")
    strict = monitor(_card(), *crm.tables(), settings=MonitorSettings(alpha=0.0001))
    assert loose.status == "alarm"
    assert _check(strict, "top_tiers").status == "ok"


# ---- the command line ---------------------------------------------------------------------------


def _invoke(*args) -> tuple[int, str]:
    """Run a command in-process, as the console script would (exit code and output)."""
    from typer.testing import CliRunner

    from icpkit.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _write(tmp_path: Path, crm: CRM) -> tuple[Path, Path, Path]:
    deals, accounts = crm.tables()
    card_file = tmp_path / "scorecard.toml"
    save_scorecard(_card(), card_file)
    deals.to_csv(tmp_path / "deals.csv", index=False)
    accounts.to_csv(tmp_path / "accounts.csv", index=False)
    return card_file, tmp_path / "deals.csv", tmp_path / "accounts.csv"


def test_cli_exits_1_on_alarm_and_writes_monitor_json(tmp_path: Path) -> None:
    crm = CRM().add("A", 60, 9).add("B", 60, 6).add("C", 60, 12).add("D", 60, 3)
    card, deals, accounts = _write(tmp_path, crm)
    out = tmp_path / "checks" / "monitor.json"
    code, output = _invoke(
        "monitor", "--scorecard", card, "--deals", deals, "--accounts", accounts, "--out", out
    )
    assert code == 1, output
    assert output.lstrip().startswith("ALARM: the ICP has drifted")
    data = json.loads(out.read_text())
    assert data["alarm"] is True and data["status"] == "alarm"
    assert data["closed_deals_since"] == 240
    assert any("tiers A-B" in reason for reason in data["reasons"])


def test_cli_exits_0_when_the_icp_holds(tmp_path: Path) -> None:
    crm = _as_built(CRM())
    for tier, rate in (("A", 0.5), ("B", 0.35), ("C", 0.2), ("D", 0.05)):
        crm.add(tier, 60, round(60 * rate))
    card, deals, accounts = _write(tmp_path, crm)
    out = tmp_path / "monitor.json"
    code, output = _invoke(
        "monitor", "--scorecard", card, "--deals", deals, "--accounts", accounts, "--out", out
    )
    assert code == 0, output
    assert output.lstrip().startswith("The ICP holds")
    assert json.loads(out.read_text())["status"] == "holds"


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    card, deals, accounts = _write(tmp_path, CRM().add("A", 5, 1))
    command = [sys.executable, "-m", "icpkit", "monitor", "--scorecard", str(card)]
    missing = subprocess.run(
        [*command, "--deals", str(tmp_path / "nope.csv"), "--accounts", str(accounts)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().endswith("nope.csv: file not found")
    assert len(missing.stderr.strip().splitlines()) == 1
    with pytest.raises(IcpkitError, match="--accounts"):
        _invoke("monitor", "--scorecard", card, "--deals", deals)
    broken = tmp_path / "profiles.json"
    broken.write_text("{not json")
    with pytest.raises(IcpkitError, match="not valid JSON"):
        read_primary_segment(broken)


# ---- the simulated move upmarket -----------------------------------------------------------------

SHIFT = pd.Timestamp("2025-01-01")


def _as_of(deals: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    """The CRM as it looked at ``moment``: later deals unknown, later closes still open."""
    view = deals[deals["created_at"] <= moment].copy()
    later = view["closed_at"] > moment
    view.loc[later, "outcome"] = "open"
    view.loc[later, "closed_at"] = pd.NaT
    return view


@pytest.fixture(scope="module")
def moved_upmarket():
    crm = simulate(3000, seed=1, upmarket_from=SHIFT.date())
    history = _as_of(crm.deals, SHIFT - pd.Timedelta(days=1))
    return crm, build_icp(crm.accounts, history, half_life_days=365)


def test_simulated_move_upmarket_changes_who_wins() -> None:
    drift = simulate(1500, seed=2, upmarket_from=date(2024, 7, 1)).truth["drift"]
    assert drift["icp_employees_before"] == [20, 199]
    assert drift["icp_employees_after"] == [200, 2000]
    assert drift["win_rate_old_icp_after"] < drift["win_rate_old_icp_before"] - 0.1
    assert drift["win_rate_new_icp_after"] > drift["win_rate_new_icp_before"] + 0.1


@pytest.mark.slow
def test_monitor_alarms_within_100_deals_after_the_move(moved_upmarket) -> None:
    crm, built = moved_upmarket
    after = crm.deals[crm.deals["closed_at"] >= SHIFT].sort_values("closed_at")
    hundredth = after["closed_at"].iloc[99]
    report = monitor(built.scorecard, _as_of(crm.deals, hundredth), crm.accounts)
    assert report.closed_since <= 100
    assert report.status == "alarm"
    assert "top_tiers" in {c.name for c in report.alarms}


@pytest.mark.slow
def test_monitor_is_quiet_before_the_move(moved_upmarket) -> None:
    crm, built = moved_upmarket
    # The same card on the last 100 deals it learned from, judged as if they were new.
    moment = SHIFT - pd.Timedelta(days=1)
    before = closed_deals(_as_of(crm.deals, moment)).sort_values("decided_at")
    since = before["decided_at"].iloc[-101].date().isoformat()
    report = monitor(built.scorecard, _as_of(crm.deals, moment), crm.accounts, since=since)
    assert 90 <= report.closed_since <= 100  # deals closing on the same day as the 100th
    assert report.alarms == []


# ---- recency: build --half-life ------------------------------------------------------------------


def test_recency_weights_halve_every_half_life() -> None:
    dates = pd.Series(pd.to_datetime(["2025-01-01", "2024-10-03", "2024-07-05", None]))
    weights = recency_weights(dates, 90)
    assert weights[:3] == pytest.approx([1.0, 0.5, 0.25])
    assert weights[3] == pytest.approx(0.5)  # undated: the median weight
    with pytest.raises(IcpkitError, match="positive"):
        recency_weights(dates, 0)
    with pytest.raises(IcpkitError, match="close dates"):
        recency_weights(pd.Series([pd.NaT, pd.NaT]), 30)


@pytest.mark.slow
def test_a_half_life_follows_the_move_upmarket() -> None:
    crm = simulate(3000, seed=4, upmarket_from=SHIFT.date())
    closed = closed_deals(crm.deals).merge(crm.accounts, on="account_id")
    features = closed[list(crm.accounts.columns)]
    won = closed["won"].to_numpy()
    weights = recency_weights(closed["decided_at"], 90)
    prototypes = pd.DataFrame({"employees": [600, 60]})  # mid-market vs small

    def size_points(sample_weight) -> int:
        card = ScorecardLearner(seed=0).fit(features, won, sample_weight=sample_weight)
        j = [a.column for a in card.attributes].index("employees")
        points = card.apply(prototypes).points[:, j]
        return int(points[0] - points[1])

    equal, recent = size_points(None), size_points(weights)
    # Three years of history, the last one upmarket: equal weights barely separate the sizes;
    # a 90-day half-life puts mid-market clearly above small companies.
    assert recent >= 15
    assert recent > equal + 10


@pytest.mark.slow
def test_build_records_the_half_life_and_what_it_changed(moved_upmarket) -> None:
    built = moved_upmarket[1]
    card = built.scorecard
    assert card.trained_on["half_life_days"] == 365
    recency = built.validation.recency
    assert recency.summary[0].startswith("With a half-life of 365 days the newest deals")
    # Two years of deals at a one-year half-life: clearly fewer effective deals than rows.
    assert 0.3 * recency.closed_deals < recency.effective_deals < recency.closed_deals
    versus = recency.versus_equal_weights
    assert versus["old"] == "every deal counted alike"
    assert versus["accounts"]["accounts"] == recency.closed_deals
    assert any("closed deals sit in another tier" in line for line in recency.summary)
    assert set(card.trained_on["held_out_tiers"]) == {"A", "B", "C", "D"}
    assert sum(t["deals"] for t in card.trained_on["held_out_tiers"].values()) > 0


def test_more_tier_b_deals_is_a_change_of_mix_not_a_fall() -> None:
    held_out = HELD_OUT | {"A": {"deals": 100, "won": 80}, "B": {"deals": 100, "won": 20}}
    crm = CRM().add("A", 20, 16).add("B", 200, 40).add("C", 60, 12).add("D", 60, 3)
    top = _check(monitor(_card(held_out_tiers=held_out), *crm.tables()), "top_tiers")
    # Pooled, A-B fell from 50% to 25%; for this mix of A and B, 25% is exactly as expected.
    assert top.details["build"]["win_rate"] == 0.5
    assert top.details["now"]["win_rate"] == pytest.approx(56 / 220)
    assert top.details["expected_win_rate"] == pytest.approx(56 / 220)
    assert top.status == "ok" and not top.practical
