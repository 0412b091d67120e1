"""Beyond the win rate: outcome profiles, the ICP as their intersection, trade-offs, best vs
worst customers and clusters, on data where the answer is known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from icpkit.build import write_outputs
from icpkit.discover.best_worst import best_vs_worst, success_table
from icpkit.discover.clusters import cluster_won_accounts, gower_distance
from icpkit.discover.intersection import icp_intersection
from icpkit.discover.outcomes import outcome_tables, profile_outcomes
from icpkit.outcomes import closed_deals

COLUMNS = [
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "region",
    "founded_year",
    "funding_stage",
    "total_funding",
    "technologies",
    "crm_segment_code",
]


@pytest.fixture(scope="module")
def labelled(demo_crm) -> pd.DataFrame:
    return closed_deals(demo_crm.deals).merge(
        demo_crm.accounts, on="account_id", suffixes=("_deal", "")
    )


@pytest.fixture(scope="module")
def profiled(labelled, demo_crm):
    outcomes, skipped = outcome_tables(labelled, COLUMNS, demo_crm.customers)
    return profile_outcomes(outcomes, skipped)


@pytest.fixture(scope="module")
def combined(profiled):
    return icp_intersection(profiled)


def test_every_outcome_the_simulator_holds_is_profiled(profiled):
    names = [o.name for o in profiled.outcomes]
    assert names == ["win", "cycle", "deal_size", "retention", "expansion", "lifetime_value"]
    retention = profiled.outcome("retention")
    # Customers of less than a year have not had the chance to churn: they are left out.
    assert retention.population.startswith("customers of at least a year")
    assert retention.rows < len(profiled.outcome("win").frame)
    data = profiled.to_json()
    for outcome in data["outcomes"]:
        low, high = outcome["overall"]["ci"]
        value = outcome["overall"].get("rate", outcome["overall"].get("median"))
        assert low <= value <= high
        for attribute in outcome["attributes"]:
            for b in attribute["bins"]:
                assert b["p_adjusted"] >= b["p_value"]


def test_snowflake_closes_faster_and_expands_more(profiled):
    def snowflake(name):
        attributes = profiled.to_json()["outcomes"]
        outcome = next(o for o in attributes if o["outcome"] == name)
        attribute = next(a for a in outcome["attributes"] if a["attribute"] == "Uses Snowflake")
        return next(b for b in attribute["bins"] if b["label"] == "uses Snowflake")

    cycle = snowflake("cycle")
    assert cycle["significant"] and cycle["direction"] == "better"
    assert cycle["median"] < 0.7 * cycle["rest_median"]
    assert cycle["ci"][1] < cycle["rest_median"]
    expansion = snowflake("expansion")
    assert expansion["significant"] and expansion["rate"] > expansion["rest_rate"] + 0.15


def test_the_intersection_wins_stays_expands_and_closes_fast(combined):
    evidence = combined["intersection"]["evidence"]
    assert evidence["win"]["rate"] > 2 * evidence["win"]["rest_rate"]
    assert evidence["retention"]["rate"] > evidence["retention"]["rest_rate"]
    assert evidence["expansion"]["rate"] > evidence["expansion"]["rest_rate"]
    assert evidence["cycle"]["median"] < evidence["cycle"]["rest_median"]
    assert evidence["win"]["p_value"] < 1e-6


def test_anti_icp_lists_the_planted_disqualifiers_with_counts(combined, demo_crm):
    anti = combined["anti_icp"]
    small = [
        r
        for r in anti
        if r["conditions"][0]["attribute"] == "employees"
        and r["conditions"][0].get("max", 10**9) < 60
    ]
    assert small and "win" in small[0]["worse_on"]
    counts = small[0]["counts"]
    assert counts["won"] + counts["lost"] == counts["deals"]
    assert counts["won"] / counts["deals"] < 0.1
    noise = set(demo_crm.truth["noise_attributes"])
    reported = {c["attribute"] for r in combined["icp"] + anti for c in r["conditions"]}
    assert not reported & noise


def test_a_segment_that_wins_but_churns_is_a_tradeoff():
    rng = np.random.default_rng(4)
    n = 1600
    enterprise = rng.random(n) < 0.4
    deals = pd.DataFrame(
        {
            "deal_id": [f"D{i}" for i in range(n)],
            "account_id": [f"A{i}" for i in range(n)],
            "won": (rng.random(n) < np.where(enterprise, 0.6, 0.25)).astype(int),
            "cycle_days": rng.integers(20, 90, n),
            "amount": rng.lognormal(10, 0.3, n),
            "decided_at": pd.Timestamp("2023-01-01"),
            "segment": np.where(enterprise, "Enterprise", "Mid-market"),
        }
    )
    won = deals[deals["won"] == 1]
    churn_p = np.where(won["segment"] == "Enterprise", 0.45, 0.1)
    customers = pd.DataFrame(
        {
            "account_id": won["account_id"],
            "start": pd.Timestamp("2022-01-01"),
            "churned": rng.random(len(won)) < churn_p,
            "arr_start": 1000.0,
            "arr": 1000.0,
        }
    )
    outcomes, skipped = outcome_tables(deals, ["segment"], customers)
    result = icp_intersection(profile_outcomes(outcomes, skipped))
    trade = next(r for r in result["tradeoffs"] if "Enterprise" in r["description"])
    assert trade["better_on"] == ["win"] and trade["worse_on"] == ["retention"]
    assert "wins more often" in trade["text"] and "but churns more" in trade["text"]
    assert not [r for r in result["icp"] if "Enterprise" in r["description"]]


def test_without_customers_the_missing_outcomes_say_why(labelled):
    outcomes, skipped = outcome_tables(labelled.head(400), COLUMNS, None)
    assert {o.name for o in outcomes} == {"win", "cycle", "deal_size"}
    assert {s["outcome"] for s in skipped} == {"retention", "expansion", "lifetime_value"}
    tiny, skipped = outcome_tables(labelled.head(15), COLUMNS, None)
    assert not tiny and "20 needed" in skipped[0]["reason"]


def test_best_customers_share_the_planted_profile_and_not_the_noise(labelled, demo_crm):
    result = best_vs_worst(*success_table(labelled, COLUMNS, demo_crm.customers))
    assert result["score_components"] == ["stayed", "nrr", "cycle_days", "value"]
    shared = {b["attribute"] for b in result["shared_by_best"]}
    assert "Uses Snowflake" in shared
    assert not {"Country", "Region", "Crm segment code"} & {
        b["attribute"] for b in result["attributes"] if b["significant"]
    }
    snowflake = next(b for b in result["shared_by_best"] if b["attribute"] == "Uses Snowflake")
    assert snowflake["best_share"] > 3 * snowflake["worst_share"]
    assert snowflake["best_ci"][0] <= snowflake["best_share"] <= snowflake["best_ci"][1]
    assert 0 <= snowflake["top10_with"] <= 10


def test_gower_distance_mixes_numbers_categories_and_lists():
    frame = pd.DataFrame(
        {
            "employees": [10, 20, 1000, np.nan],
            "industry": ["Software", "Software", "Retail", "Retail"],
            "technologies": [["aws", "slack"], ["aws"], ["sap"], None],
        }
    )
    from icpkit.discover.clusters import _variables

    variables = _variables(frame, list(frame.columns))
    rows = np.arange(4)
    d = gower_distance(variables, rows, rows)
    assert np.allclose(np.diag(d), 0) and np.allclose(d, d.T)
    assert d[0, 1] < d[0, 2]
    # Row 3 knows only its industry: its distance to row 2 (also Retail) is 0.
    assert d[2, 3] == pytest.approx(0.0)


def test_clusters_separate_two_kinds_of_customer_and_say_what_each_brings():
    rng = np.random.default_rng(5)
    n = 300
    large = rng.random(n) < 0.4
    won = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(n)],
            "industry": np.where(large, "Software", "Retail"),
            "employees": np.where(large, rng.integers(500, 5000, n), rng.integers(5, 60, n)),
            "amount": np.where(large, 100_000.0, 10_000.0),
            "cycle_days": np.where(large, 90, 30),
        }
    )
    churned = pd.Series(
        np.where(large, rng.random(n) < 0.05, rng.random(n) < 0.4), index=won["account_id"]
    )
    result = cluster_won_accounts(won, ["industry", "employees"], churned=churned)
    assert len(result["clusters"]) == 2
    by_industry = {
        next(d["value"] for d in c["defining"] if d["attribute"] == "industry"): c
        for c in result["clusters"]
    }
    software, retail = by_industry["Software"], by_industry["Retail"]
    assert software["won_deals"] == large.sum()
    assert software["share_of_revenue"] + retail["share_of_revenue"] == pytest.approx(1.0)
    assert software["share_of_revenue"] > 0.8
    assert software["median_cycle_days"]["median"] == 90
    assert software["churn"]["rate"] < retail["churn"]["rate"]


def test_build_writes_the_new_analyses(demo_build, tmp_path):
    files = write_outputs(demo_build, tmp_path)
    profiles = json.loads(files["profiles"].read_text())
    assert [o["outcome"] for o in profiles["outcome_profiles"]["outcomes"]] == [
        "win",
        "cycle",
        "deal_size",
    ]
    assert {s["outcome"] for s in profiles["outcome_profiles"]["skipped"]} == {
        "retention",
        "expansion",
        "lifetime_value",
    }
    assert profiles["best_vs_worst"]["score_components"] == ["cycle_days", "value"]
    assert profiles["intersection"]["intersection"]["conditions"]
    assert isinstance(profiles["tradeoffs"], list)
    assert len(profiles["clusters"]["clusters"]) >= 2
    search = profiles["segment_search"]
    assert search["significant_icp"] > 0 and search["could_form"]["1"] >= search["looked_at"]["1"]
    segments = json.loads(files["segments"].read_text())
    assert isinstance(segments, list)


def test_salvirt_finds_size_and_keeps_the_relationship_and_deal_attributes_apart(shared_data):
    """Client (New, Current) is the relationship, not who the company is: a qualification
    insight (new clients win 17%), never an ICP segment or a disqualifier (see roles)."""
    from icpkit.build import build_icp
    from icpkit.ingest import load_flat

    source = shared_data / "salvirt_b2b_sales" / "Salvirt_B2B_ML_dataset_HF.csv"
    tables = load_flat(source, outcome="Status", positive="Won").tables
    result = build_icp(tables["accounts"], tables["deals"], source=str(source))
    significant = [s for s in result.segments.icp + result.segments.anti if s.significant]
    columns = {c.attribute for s in significant for c in s.conditions}
    assert "comp_size" in columns
    big = next(
        s for s in result.segments.icp if s.significant and s.description == "Comp size: Big"
    )
    assert big.lift > 1.1
    qualification = result.profiles.qualification_insights
    deal_attributes = {p.column for p in qualification}
    assert {"client", "competitors", "source", "rfp"} <= deal_attributes
    assert not columns & deal_attributes
    client = next(p for p in qualification if p.column == "client")
    new_client = next(b for b in client.bins if b.label == "New")
    assert new_client.significant and new_client.win_rate < 0.25


@pytest.mark.slow
def test_maven_shows_no_icp_beyond_the_win_rate_either(maven):
    from icpkit.build import build_icp

    result = build_icp(maven.accounts, maven.deals.assign(amount=maven.amount))
    profiles = result.profiles
    assert profiles.primary_icp is None
    assert profiles.intersection["icp"] == [] and profiles.intersection["intersection"] is None
    assert profiles.best_vs_worst["shared_by_best"] == []
    assert profiles.clusters is None  # no attribute tells winners apart: nothing to cluster on
    quarter = next(
        d for d in profiles.segment_search.minimum_detectable_effect if d.share_of_deals == 0.25
    )
    assert 1.0 < quarter.lift_needed_above < 1.2  # 6,700 deals: a 20% lift would have shown


def test_fast_condition_masks_read_values_as_the_scorecard_does(demo_crm):
    from icpkit.conditions import Condition, matches, read_column
    from icpkit.discover.outcomes import Outcome

    frame = demo_crm.accounts.head(800).reset_index(drop=True)
    outcome = Outcome("win", "Win rate", "rate", "higher", "deals", frame, np.zeros(len(frame)))
    rng = np.random.default_rng(0)
    for column, kind in [("industry", "category"), ("technologies", "list")]:
        values = read_column(frame, column, kind)
        pool = sorted({v for x in values.dropna() for v in (x if kind == "list" else [x])})
        for _ in range(20):
            picked = rng.choice(pool, size=rng.integers(1, 4), replace=False)
            condition = Condition(values=tuple(p.upper() for p in picked))  # case is ignored
            expected = matches(values, kind, condition)
            assert expected.any()
            assert (outcome.mask(column, kind, condition) == expected).all()


def test_mann_whitney_on_shared_ranks_matches_scipy():
    from scipy import stats as sps

    from icpkit.discover.outcomes import Outcome

    rng = np.random.default_rng(1)
    values = rng.integers(1, 120, 500).astype(float)  # many ties, like days of sales cycle
    frame = pd.DataFrame(index=range(500))
    outcome = Outcome("cycle", "Sales cycle", "median", "lower", "won deals", frame, values)
    for size in (5, 9, 40, 250):
        inside = np.zeros(500, dtype=bool)
        inside[rng.choice(500, size, replace=False)] = True
        expected = sps.mannwhitneyu(values[inside], values[~inside]).pvalue
        assert outcome.effect(inside)["p_value"] == pytest.approx(expected, rel=1e-9)
