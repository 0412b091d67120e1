"""`icpkit size` on real company universes (Fortune 1000, S&P 500, Y Combinator), checked
against counts computed straight from the files, and TAM/SAM/SOM from known deals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from icpkit.scorecard.io import load_scorecard, parse_scorecard
from icpkit.size import advice, read_deal_evidence, size_target_list, size_universe

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-scorecard.toml"

ENTERPRISE_CARD = """
name = "Enterprise technology"
[tiers]
unit = "points"
A = 3
B = 2
C = 1
[[attributes]]
name = "Headcount"
column = "employees"
kind = "numeric"
bins = [ { min = 10000, points = 1 } ]
[[attributes]]
name = "Revenue"
column = "annual_revenue"
kind = "numeric"
bins = [ { min = 10000000000, points = 1 } ]
[[attributes]]
name = "Sector"
column = "sector"
kind = "category"
bins = [ { values = ["Technology"], points = 1 } ]
"""

FORTUNE_MAPPING = """
[accounts]
"num. of employees" = "employees"
"revenue" = "annual_revenue"
"sector" = "sector"

[accounts.scale]
annual_revenue = 1000000   # Fortune gives revenue in millions of dollars
"""


@pytest.fixture
def fortune(shared_data, tmp_path):
    mapping = tmp_path / "fortune.toml"
    mapping.write_text(FORTUNE_MAPPING)
    source = shared_data / "fortune1000_2021" / "Fortune_1000.csv"
    return source, mapping, pd.read_csv(source)


def test_fortune_1000_tiers_match_a_direct_count(fortune):
    source, mapping, raw = fortune
    card = parse_scorecard(ENTERPRISE_CARD)
    result = size_target_list(card, source, mapping=mapping)
    points = (
        (raw["num. of employees"] >= 10_000).astype(int)
        + (raw["revenue"] * 1e6 >= 1e10).astype(int)
        + (raw["sector"] == "Technology").astype(int)
    )
    assert result["companies"] == 1000
    assert result["tiers"] == {
        "A": int((points >= 3).sum()),
        "B": int((points == 2).sum()),
        "C": int((points == 1).sum()),
        "D": int((points == 0).sum()),
    }
    assert result["primary_icp_accounts"] == int((points >= 2).sum())
    assert result["columns_used"]["employees"] == "num. of employees"
    assert result["unreadable"] == {}


def test_the_seed_card_finds_no_startup_icp_in_the_fortune_1000(fortune):
    """The playbook card disqualifies over 1,000 employees: the Fortune list is not its ICP."""
    source, mapping, raw = fortune
    result = size_target_list(load_scorecard(SEED), source, mapping=mapping)
    assert result["tiers"]["D"] >= int((raw["num. of employees"] > 1000).sum())
    assert result["primary_icp_accounts"] < 200
    assert "may be too narrow" in result["advice"]
    assert set(result["columns_missing"]) == {
        "funding_stage",
        "technologies",
        "hiring_revops_60d",
        "region",
    }


def test_sp500_sectors_and_founding_years_with_unreadable_years_counted(shared_data, tmp_path):
    source = shared_data / "sp500_constituents" / "constituents.csv"
    raw = pd.read_csv(source, dtype=str)
    (tmp_path / "map.toml").write_text('[accounts]\n"GICS Sector" = "gics_sector"\n')
    card = parse_scorecard(
        """
        [tiers]
        unit = "points"
        A = 2
        B = 1
        C = 0
        [[attributes]]
        name = "Sector"
        column = "gics_sector"
        bins = [ { values = ["Information Technology"], points = 1 } ]
        [[attributes]]
        name = "Young company"
        column = "founded_year"
        kind = "numeric"
        bins = [ { min = 1990, points = 1 }, { missing = true, points = 0 } ]
        """
    )
    result = size_target_list(card, source, mapping=tmp_path / "map.toml")
    year = pd.to_numeric(raw["Founded"].str.strip(), errors="coerce")
    tech = raw["GICS Sector"] == "Information Technology"
    points = tech.astype(int) + (year >= 1990).astype(int)
    assert result["companies"] == len(raw) == 503
    assert result["tiers"]["A"] == int((points == 2).sum())
    assert result["tiers"]["B"] == int((points == 1).sum())
    # "2013 (1888)" is not a year: counted as unreadable and scored as unknown, never a crash.
    unreadable = int((year.isna() & raw["Founded"].notna()).sum())
    assert unreadable > 0 and result["unreadable"] == {"founded_year": unreadable}


def test_yc_companies_team_size_is_found_by_its_alias(shared_data):
    source = shared_data / "yc_companies" / "yc_companies.csv"
    raw = pd.read_csv(source)
    result = size_target_list(load_scorecard(SEED), source)
    assert result["columns_used"]["employees"] == "team_size"
    team = raw["team_size"]
    # Seed card: +2 at 50-200, +1 at 201-500, DQ over 1,000; with no other column, tier C
    # (1+ points) is exactly the 50-500 companies, and D the rest.
    assert result["tiers"]["C"] == int(team.between(50, 500).sum())
    assert result["tiers"]["A"] == result["tiers"]["B"] == 0
    assert result["companies"] == len(raw)


def _deals(tmp_path: Path) -> Path:
    deals = pd.DataFrame(
        {
            "deal_id": range(10),
            "outcome": ["won"] * 4 + ["lost"] * 5 + ["open"],
            "amount": [10_000, 20_000, 30_000, 40_000, 0, 0, 0, 0, 0, 99_999],
        }
    )
    path = tmp_path / "deals.parquet"
    deals.to_parquet(path)
    return path


def test_deal_evidence_is_the_mean_won_deal_and_the_win_rate(tmp_path):
    evidence = read_deal_evidence(_deals(tmp_path))
    assert evidence.won == 4 and evidence.lost == 5
    assert evidence.average_deal == 25_000 and evidence.median_deal == 25_000
    assert evidence.win_rate == pytest.approx(4 / 9)
    low, high = evidence.win_rate_ci
    assert 0.15 < low < 4 / 9 < high < 0.8  # Wilson 95% on 4 of 9
    assert 10_000 <= evidence.average_deal_ci[0] < 25_000 < evidence.average_deal_ci[1] <= 40_000


def test_tam_sam_som_multiply_counts_by_deal_size_and_win_rate(tmp_path, shared_data):
    source = shared_data / "yc_companies" / "yc_companies.csv"
    (tmp_path / "card.toml").write_text(
        '[tiers]\nunit = "points"\nA = 2\nB = 1\nC = 0\n[[attributes]]\ncolumn = "employees"\n'
        'kind = "numeric"\nbins = [ { min = 50, points = 2 }, { min = 10, points = 1 } ]\n'
    )
    result = size_target_list(
        load_scorecard(tmp_path / "card.toml"), source, deals=_deals(tmp_path)
    )
    team = pd.read_csv(source)["team_size"]
    primary = int((team >= 10).sum())
    market = result["market"]
    assert market["tam"]["value"] == len(team) * 25_000
    assert market["sam"]["accounts"] == primary and market["sam"]["value"] == primary * 25_000
    assert market["som"]["value"] == pytest.approx(primary * 25_000 * 4 / 9)
    assert market["som"]["range"][0] < market["som"]["value"] < market["som"]["range"][1]


def test_advice_follows_the_playbooks_rule_of_thumb():
    assert "too narrow" in advice(199)
    assert "usually 1,000-5,000" in advice(200)
    assert "workable primary ICP" in advice(1_000) and "workable" in advice(5_000)
    assert "usually" in advice(5_001)
    assert "market segment, not an ICP" in advice(50_001)


def test_build_universe_keeps_the_scored_universe(tmp_path, shared_data):
    source = shared_data / "yc_companies" / "yc_companies.csv"
    facts = size_universe(load_scorecard(SEED), source, tmp_path / "out")
    scored = pd.read_parquet(tmp_path / "out" / "universe-scored.parquet")
    assert len(scored) == facts["companies"] == 6079
    assert set(facts) >= {"universe", "companies", "tiers", "primary_icp_accounts", "advice"}


@pytest.mark.slow
def test_cli_size_prints_json_and_fails_in_one_line(tmp_path, shared_data):
    source = shared_data / "yc_companies" / "yc_companies.csv"
    run = subprocess.run(
        [sys.executable, "-m", "icpkit", "size", "--scorecard", str(SEED), "--universe",
         str(source), "--deals", str(_deals(tmp_path)), "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["companies"] == 6079 and data["market"]["deals"]["won"] == 4
    fortune = shared_data / "fortune1000_2021" / "Fortune_1000.csv"
    bad = subprocess.run(
        [sys.executable, "-m", "icpkit", "size", "--scorecard", str(SEED), "--universe",
         str(fortune)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "none of the columns the scorecard reads are here" in bad.stderr
