"""Triggers and the timing score: the planted trigger is found, noise is not, a signal after the
deal never counts, the score decays as stated, and the model file is data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from icpkit.discover.triggers import (
    NO_SIGNALS_MESSAGE,
    _max_t_p_value,
    add_priority_matrix,
    find_triggers,
    no_signals,
    priority_matrix,
)
from icpkit.errors import IcpkitError
from icpkit.timing import (
    TimingModel,
    add_timing,
    default_timing_model,
    load_timing,
    model_for,
    priority,
    read_signals,
    save_timing,
    signal_ages,
    signal_key,
    timing_from_dict,
)


@pytest.fixture(scope="module")
def found(demo_crm):
    return find_triggers(demo_crm.deals, demo_crm.signals)


def _by_type(result):
    return {t["type"]: t for t in result["triggers"]}


def test_the_planted_trigger_is_found_over_its_window(found, demo_crm):
    hire = _by_type(found)["executive_hire"]
    assert hire["significant"] and hire["direction"] == "more"
    planted = demo_crm.truth["trigger"]["window_days"]
    assert planted * 0.75 <= hire["window_days"] <= planted * 1.5
    assert hire["ci"][0] > 1 and hire["lift"] > 1.3
    assert hire["win_rate_with_ci"][0] > hire["win_rate_without_ci"][1]


def test_noise_signals_are_not_triggers(found, demo_crm):
    by_type = _by_type(found)
    for noise in demo_crm.truth["trigger"]["no_signal_types"]:
        assert by_type[noise]["tested"]
        assert not by_type[noise]["significant"], noise
        assert noise in found["message"].split("No reliable effect:")[1]
    assert set(found["significant"]) <= set(demo_crm.truth["trigger"]["types"])


def test_the_p_value_pays_for_the_windows_tried(found, demo_crm):
    closed = int((demo_crm.deals["outcome"] != "open").sum())
    for trigger in found["triggers"]:
        assert trigger["deals_with"] + trigger["deals_without"] == closed
        curve = trigger["window_curve"]
        assert [row["window_days"] for row in curve] == [7, 14, 30, 45, 60, 90, 120, 180, 365]
        tried = [row for row in curve if row["tried"]]
        assert trigger["windows_tried"] == len(tried)
        # the chosen window is the one whose lift interval stays furthest from 1
        best = max(tried, key=lambda row: row["evidence"])
        assert trigger["window_days"] == best["window_days"]
        # one window alone would look surer than the best of several
        single = min(2 * norm.sf(abs(row["z"])) for row in tried)
        assert trigger["p_value"] >= single
        assert trigger["p_adjusted"] >= trigger["p_value"]
    assert "max-T" in found["method"] and "Holm" in found["method"]


def test_max_t_p_value_matches_one_window_and_bonferroni_bounds():
    draws = np.random.default_rng(0).standard_normal((200_000, 3))
    one = _max_t_p_value(1.96, np.eye(1), draws[:, :1])
    assert one == pytest.approx(0.05, abs=0.002)
    independent = _max_t_p_value(1.96, np.eye(3), draws)
    assert independent == pytest.approx(1 - 0.95**3, abs=0.003)
    # the same statistic three times over is one test, not three
    identical = _max_t_p_value(1.96, np.ones((3, 3)), draws)
    assert identical == pytest.approx(0.05, abs=0.002)


def test_the_learned_timing_model_weighs_only_significant_triggers(found):
    model = timing_from_dict(found["timing_model"])
    assert set(model.weights) == set(found["significant"])
    assert max(model.weights.values()) == 1.0
    assert model.horizon_days == max(
        t["window_days"] for t in found["triggers"] if t["significant"]
    )
    buckets = {row["timing_bucket"]: row for row in found["timing_check"]}
    # On deals the half-life was not chosen on, a trigger now (bucket 1) wins more often than
    # no trigger (bucket 3).
    assert buckets[1]["win_rate"] > buckets[3]["win_rate"]


def _deals_and_signals(n: int = 200, *, lag_days: int = 10, after: bool = False):
    """n closed deals; the first half win 60%, the rest 20%; the first half had an event."""
    rng = np.random.default_rng(3)
    created = pd.Timestamp("2024-06-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    half = n // 2
    won = np.r_[rng.random(half) < 0.6, rng.random(n - half) < 0.2]
    deals = pd.DataFrame(
        {
            "deal_id": [f"D{i}" for i in range(n)],
            "account_id": [f"A{i}" for i in range(n)],
            "created_at": created,
            "outcome": np.where(won, "won", "lost"),
        }
    )
    shift = pd.Timedelta(days=lag_days)
    when = created[:half] + shift if after else created[:half] - shift
    signals = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(half)] + [f"A{i}" for i in range(n)],
            "type": ["Funding Round"] * half + ["web visit"] * n,
            "occurred_at": list(when) + list(created - pd.Timedelta(days=3)),
        }
    )
    return deals, signals


def test_a_clear_trigger_gets_the_smallest_window_that_holds_it():
    deals, signals = _deals_and_signals()
    result = find_triggers(deals, signals)
    by_type = _by_type(result)
    assert set(by_type) == {"funding_round", "web_visit"}
    funding = by_type["funding_round"]
    assert funding["window_days"] == 14  # every event is 10 days before its deal
    assert funding["significant"] and funding["lift"] > 2
    # Every deal had a web visit 3 days before: nothing to compare with, so never tested.
    assert not by_type["web_visit"]["tested"] and "too few" in by_type["web_visit"]["note"]


def test_a_signal_after_the_deal_was_created_never_counts():
    deals, signals = _deals_and_signals(after=True)
    result = find_triggers(deals, signals)
    funding = _by_type(result)["funding_round"]
    assert not funding["tested"] and not funding["significant"]
    assert all(row["deals_with"] == 0 for row in funding["window_curve"])
    assert result["message"].startswith("No reliable trigger")
    assert timing_from_dict(result["timing_model"]).weights == {}


def test_too_few_deals_or_no_signals_say_what_to_add():
    deals, signals = _deals_and_signals(n=12)
    result = find_triggers(deals, signals)
    assert result["status"] == "insufficient" and "created_at" in result["message"]
    undated = find_triggers(_deals_and_signals()[0].drop(columns=["created_at"]), signals)
    assert undated["status"] == "insufficient" and "Only 0 closed deals" in undated["message"]
    empty = find_triggers(deals, signals.iloc[0:0])
    assert empty["status"] == "insufficient" and "no usable rows" in empty["message"]
    assert no_signals()["message"] == NO_SIGNALS_MESSAGE
    for needle in ("signals", "account_id", "type", "occurred_at", "A1"):
        assert needle in NO_SIGNALS_MESSAGE


# --- The timing score --------------------------------------------------------------------------


def _signals(*rows):
    return pd.DataFrame(rows, columns=["account_id", "type", "occurred_at"])


def test_timing_score_decays_by_half_each_half_life_and_stops_at_the_horizon():
    model = TimingModel(weights={"funding": 1.0}, half_life_days=30, horizon_days=90)
    signals = _signals(
        ("now", "funding", "2025-03-31"),
        ("month", "Funding", "2025-03-01"),
        ("two", "funding", "2025-01-30"),
        ("old", "funding", "2024-12-01"),
        ("later", "funding", "2025-04-05"),
        ("visit", "web_visit", "2025-03-31"),
    )
    scored = model.score(signals, as_of="2025-03-31").set_index("account_id")
    assert scored["timing_score"].to_dict() == {
        "now": 100,
        "month": 50,
        "two": 25,
        "old": 0,
        "later": 0,
        "visit": 0,
    }
    assert scored["timing_bucket"].to_dict() == {
        "now": 1,
        "month": 1,
        "two": 2,
        "old": 3,
        "later": 3,
        "visit": 3,
    }
    assert scored.loc["month", "timing_reason"] == "funding 30d ago"
    assert scored.loc["old", "timing_reason"] == ""


def test_two_kinds_of_trigger_add_up_without_passing_100():
    model = TimingModel(weights={"funding": 1.0, "executive_hire": 0.5}, half_life_days=30)
    signals = _signals(
        ("both", "funding", "2025-03-01"),
        ("both", "executive_hire", "2025-03-01"),
        ("both", "executive_hire", "2024-12-01"),  # an older one of the same type adds nothing
        ("hire", "executive_hire", "2025-03-31"),
    )
    scored = model.score(signals, as_of="2025-03-31").set_index("account_id")
    # 1 - (1 - 0.5) * (1 - 0.5 * 0.5) = 0.625
    assert scored.loc["both", "timing_score"] == 62
    assert scored.loc["hire", "timing_score"] == 50
    assert scored.loc["both", "timing_reason"] == "funding 30d ago; executive_hire 30d ago"


def test_signal_ages_use_the_freshest_event_before_each_reference():
    signals = _signals(
        ("A", "funding", "2025-01-01"),
        ("A", "funding", "2025-02-01"),
        ("A", "funding", "2025-03-15"),
        ("B", "job_post", "2025-01-10"),
    )
    ages = signal_ages(
        signals, pd.Series(["A", "A", "B", "C"]), pd.Series(pd.to_datetime(["2025-03-01"] * 4))
    )
    assert list(ages.columns) == ["funding", "job_post"]
    assert ages["funding"].tolist()[:2] == [28.0, 28.0]
    assert np.isnan(ages["funding"].iloc[2]) and ages["job_post"].iloc[2] == 50.0
    assert ages.iloc[3].isna().all()


def test_priority_pairs_fit_tier_with_timing_bucket_never_blends():
    assert priority("A", 1) == "A1" and priority("D", np.int64(3)) == "D3"
    tiers = pd.Series(["A", "A", "B", "D"], index=["a1", "a2", "b", "d"])
    timing = pd.DataFrame({"account_id": ["a1", "d"], "timing_bucket": [1, 2]})
    matrix = priority_matrix(tiers, timing)
    assert matrix["cells"]["A1"] == 1 and matrix["cells"]["A3"] == 1
    assert matrix["cells"]["B3"] == 1 and matrix["cells"]["D2"] == 1
    assert sum(matrix["cells"].values()) == matrix["accounts"] == 4


def test_the_build_matrix_covers_every_account(found, demo_crm):
    tiers = pd.Series("B", index=demo_crm.accounts["account_id"])
    result = add_priority_matrix(found, tiers, demo_crm.signals)
    matrix = result["priority_matrix"]
    assert sum(matrix["cells"].values()) == len(demo_crm.accounts)
    assert matrix["as_of"] == found["data"]["last_signal"]
    assert matrix["cells"]["B1"] > 0 and matrix["cells"]["A1"] == 0


# --- The model file ----------------------------------------------------------------------------


def test_timing_file_round_trips_and_is_editable(tmp_path):
    model = TimingModel(
        weights={"funding": 1.0, "executive_hire": 0.62},
        half_life_days=45,
        horizon_days=120,
        trained_on={"closed_deals": 900, "note": None},
    )
    path = tmp_path / "timing.toml"
    save_timing(model, path)
    text = path.read_text()
    assert text.startswith("# icpkit timing model") and "pickle" not in text
    assert load_timing(path) == TimingModel(
        weights={"executive_hire": 0.62, "funding": 1.0},
        half_life_days=45.0,
        horizon_days=120,
        trained_on={"closed_deals": 900},
    )
    path.write_text(text.replace("half_life_days = 45.0", "half_life_days = 10"))
    assert load_timing(path).half_life_days == 10.0


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (("half_life_days = 45.0", "half_life_days = -3"), "half_life_days"),
        (("half_life_days = 45.0", 'half_life_days = "soon"'), "must be a number"),
        (("funding = 1.0", "funding = 2"), "from 0 to 1"),
        (("bucket_2_min = 20.0", "bucket_2_min = 70"), "must not exceed"),
        (('format = "icpkit-timing/1"', 'format = "other"'), "format"),
        (("[weights]", "[weights"), "not valid TOML"),
    ],
)
def test_a_bad_timing_file_names_the_line(tmp_path, edit, needle):
    path = tmp_path / "timing.toml"
    save_timing(TimingModel(weights={"funding": 1.0}, half_life_days=45), path)
    text = path.read_text()
    path.write_text(text.replace(*edit))
    with pytest.raises(IcpkitError) as error:
        load_timing(path)
    message = str(error.value)
    assert needle in message and str(path) in message
    wrong = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if edit[1] in line)
    assert f"line {wrong}" in message


def test_model_for_prefers_the_file_beside_the_scorecard(tmp_path):
    card = tmp_path / "scorecard.toml"
    assert model_for(card) == default_timing_model()
    save_timing(TimingModel(weights={"funding": 1.0}), tmp_path / "timing.toml")
    assert model_for(card).weights == {"funding": 1.0}
    assert default_timing_model().weight("anything") == 1.0
    assert signal_key(" Executive-Hire ") == "executive_hire"


def test_add_timing_to_a_scored_csv_keeps_every_row(tmp_path):
    scored = tmp_path / "scored.csv"
    pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "icp_score": [90, 50, 10],
            "icp_tier": ["A", "C", "D"],
            "icp_reasons": ["'=cmd", "x", "y"],
        }
    ).to_csv(scored, index=False)
    signals = _signals(("a", "funding", "2025-03-31"), ("c", "=evil()", "2025-03-01"))
    model = TimingModel(weights={"funding": 1.0, "evil": 1.0}, half_life_days=30)
    summary = add_timing(scored, signals, model, chunk_rows=2)
    out = pd.read_csv(scored, dtype=str, keep_default_na=False)
    assert out["priority"].tolist() == ["A1", "C3", "D1"]
    assert out["timing_score"].tolist() == ["100", "0", "50"]
    assert out["icp_reasons"].tolist() == ["'=cmd", "x", "y"]
    assert summary["priority"]["A1"] == 1 and summary["as_of"] == "2025-03-31"


def _icpkit(*args):
    return subprocess.run(
        [sys.executable, "-m", "icpkit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_score_with_signals_end_to_end(tmp_path):
    crm, out = tmp_path / "crm", tmp_path / "out"
    assert _icpkit("simulate", "--accounts", 800, "--seed", 5, "--out", crm).returncode == 0
    built = _icpkit("build", "--from", crm, "--out", out)
    assert built.returncode == 0, built.stderr
    triggers = json.loads((out / "triggers.json").read_text())
    personas = json.loads((out / "personas.json").read_text())
    assert triggers["status"] == "ok" and personas["status"] == "ok"
    for entry in triggers["triggers"]:
        assert {"type", "window_days", "lift", "ci", "significant"} <= set(entry)
    contract = {"function", "seniority", "share_won", "share_lost", "lift", "ci", "significant"}
    for entry in personas["personas"]:
        assert contract <= set(entry)
    assert (out / "timing.toml").is_file()
    scored = tmp_path / "scored.csv"
    run = _icpkit(
        "score",
        "--scorecard",
        out / "scorecard.toml",
        "--input",
        crm / "accounts.csv",
        "--signals",
        crm / "signals.csv",
        "--out",
        scored,
    )
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(scored)
    assert len(table) == 800
    assert (table["priority"] == table["icp_tier"] + table["timing_bucket"].astype(str)).all()
    assert table["timing_score"].between(0, 100).all()
    assert set(table["timing_bucket"]) <= {1, 2, 3}


def test_a_bad_signals_file_is_a_one_line_error(tmp_path, demo_build):
    card = tmp_path / "scorecard.toml"
    from icpkit.scorecard.io import save_scorecard

    save_scorecard(demo_build.scorecard, card)
    accounts = tmp_path / "accounts.csv"
    pd.DataFrame({"account_id": ["a"], "employees": [300]}).to_csv(accounts, index=False)
    signals = tmp_path / "signals.csv"
    signals.write_text("account_id,type,occurred_at\na,funding,2025-01-01\na,funding,someday\n")
    run = _icpkit(
        "score", "--scorecard", card, "--input", accounts, "--signals", signals, "--out",
        tmp_path / "s.csv",
    )  # fmt: skip
    assert run.returncode == 2 and "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "signals.csv" in lines[0] and "line 3" in lines[0]
    assert "occurred_at" in lines[0]
    assert not (tmp_path / "s.csv").exists()  # stopped before writing anything


def test_read_signals_accepts_common_headers(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("Account ID,Event Type,Event Date\nA1,Funding,2025-01-02\n")
    frame = read_signals(path)
    assert frame["account_id"].tolist() == ["A1"]
    assert pd.Timestamp(frame["occurred_at"].iloc[0]) == pd.Timestamp("2025-01-02")


def test_a_build_without_contacts_or_signals_says_what_to_add(demo_build, tmp_path):
    from icpkit.build import write_outputs

    assert demo_build.personas.status == "no_data" and demo_build.triggers.status == "no_data"
    files = write_outputs(demo_build, tmp_path)
    personas = json.loads(Path(files["personas"]).read_text())
    triggers = json.loads(Path(files["triggers"]).read_text())
    assert personas["status"] == "no_data" and "contacts" in personas["message"]
    assert triggers["status"] == "no_data" and "signals" in triggers["message"]
    assert "timing" not in files
