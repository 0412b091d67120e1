"""The scorecard file format and how a card scores rows."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from icpkit.errors import IcpkitError
from icpkit.scorecard.io import dump_scorecard, load_scorecard, parse_scorecard, scorecard_to_dict

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def seed_card():
    return load_scorecard(EXAMPLES / "seed-scorecard.toml")


def test_seed_example_scores_as_the_playbook_says(seed_card):
    leads = pd.DataFrame(
        {
            "employees": [120, 300, 20, 5000, None],
            "funding_stage": ["series_b", "public", None, "series_a", "bootstrapped"],
            "technologies": [["Snowflake", "AWS"], "dbt;Looker", None, [], "AWS"],
            "hiring_revops_60d": ["yes", "no", None, "true", True],
            "region": ["North America", "Europe", "North America", None, "Asia Pacific"],
        }
    )
    scored = seed_card.apply(leads)
    # 2 (50-200) + 1 (Series B) + 2 (stack) + 1 (hiring) + 1 (North America) = 7
    assert scored.raw_points.tolist() == [7, 2, 1, 2, 1]
    assert seed_card.point_range() == (-1, 7)
    assert scored.score.tolist() == [100, 38, 25, 38, 25]
    # "pursue at 3+" is tier B on points; the 5,000-employee company is disqualified.
    assert scored.tier.tolist() == ["A", "C", "C", "D", "C"]
    assert scored.disqualified.tolist() == [False, False, False, True, False]
    reasons = scored.reasons()
    assert reasons[3].startswith("DQ: over 1,000 employees")
    assert "Company size: 50-200 (+2)" in reasons[0]


def test_round_trip_keeps_every_field(seed_card):
    text = dump_scorecard(seed_card)
    assert parse_scorecard(text) == seed_card
    assert tomllib.loads(text)["tiers"] == {"unit": "points", "A": 5, "B": 3, "C": 1}


def test_inspect_json_lists_attribute_names_disqualifiers_and_tiers(seed_card):
    data = scorecard_to_dict(seed_card)
    assert data["attributes"][0] == "Company size"
    assert data["disqualifiers"][0]["min"] == 1001
    assert data["tiers"]["B"] == 3


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("[[attributes]]\ncolumn = 'x'\nkind = 'weird'\nbins = []\n", "kind 'weird'", 3),
        (
            "[[attributes]]\ncolumn = 'x'\nkind = 'numeric'\n"
            "bins = [ { min = 10, max = 5, points = 1 } ]\n",
            "min 10 is above max 5",
            4,
        ),
        ("[[attributes]]\ncolumn = 'x'\nbins = [ { values = ['a'] } ]\n", "integer 'points'", 3),
        ("name = 'x'\n[[attributes]\n", "not valid TOML", 2),
        (
            "[[attributes]]\ncolumn = 'x'\nkind = 'numeric'\n"
            "bins = [ { min = nan, points = 1 } ]\n",
            "min must be a finite number, not nan",
            4,
        ),
        (
            "[tiers]\nA = inf\nB = 1\nC = 0\n"
            "[[attributes]]\ncolumn = 'x'\nbins = [ { other = true, points = 1 } ]\n",
            "tier A must be a finite number, not inf",
            2,
        ),
        ("name = 'x'\n", "at least one [[attributes]]", None),
        (
            "[[attributes]]\ncolumn = 'x'\nkind = 'category'\nbins = [ {values=['a'], points=1} ]\n"
            "[tiers]\nA = 10\nB = 50\nC = 5\n",
            "A >= B >= C",
            6,
        ),
        (
            "[[attributes]]\ncolumn = 'calls'\nkind = 'numeric'\nand_column = 'plan'\n"
            "bins = [ { min = 4, points = -20 } ]\n",
            "a pair row's bin needs 'and'",
            5,
        ),
        (
            "[[attributes]]\ncolumn = 'calls'\nkind = 'numeric'\n"
            "bins = [ { min = 4, and = { values = ['pro'] }, points = -20 } ]\n",
            "'and' applies only to a pair row",
            4,
        ),
        (
            "[[attributes]]\ncolumn = 'calls'\nkind = 'numeric'\nand_column = 'calls'\n"
            "bins = [ { min = 4, and = { min = 1 }, points = -20 } ]\n",
            "not 'calls' twice",
            1,
        ),
        (
            "[[attributes]]\ncolumn = 'calls'\nkind = 'numeric'\nand_column = 'plan'\n"
            "bins = [ { min = 4, and = { min = 1 }, points = -20 } ]\n",
            "min only applies to numeric attributes",
            5,
        ),
    ],
)
def test_bad_scorecards_name_the_line(tmp_path, text, message, line):
    path = tmp_path / "card.toml"
    path.write_text(text)
    with pytest.raises(IcpkitError) as caught:
        load_scorecard(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert caught.value.line == line


def test_a_pair_row_scores_where_both_columns_match(tmp_path):
    path = tmp_path / "card.toml"
    path.write_text(
        "[[attributes]]\nname = 'Calls with plan'\ncolumn = 'calls'\nkind = 'numeric'\n"
        "and_column = 'plan'\nand_kind = 'category'\nbins = [\n"
        "  { min = 4, and = { values = ['basic'] }, points = -20 },\n"
        "  { min = 4, and = { other = true }, points = -5 },\n"
        "  { less_than = 4, and = { other = true }, points = 3 },\n]\n"
    )
    card = load_scorecard(path)
    frame = pd.DataFrame(
        {"calls": [5, 5, 1, None, "6"], "plan": ["Basic", "pro", "basic", "x", None]}
    )
    scored = card.apply(frame)
    assert scored.raw_points.tolist() == [-20, -5, 3, 0, -5]
    assert scored.bin_labels[0][0] == "4+ & basic"
    assert card.columns == ["calls", "plan"]


def test_scorecard_file_cannot_execute_code(tmp_path):
    # A TOML string that looks like code stays a string: labels are data, never evaluated.
    path = tmp_path / "card.toml"
    path.write_text(
        "[[attributes]]\ncolumn = '__import__(\"os\").system(\"echo hi\")'\nkind = 'category'\n"
        "bins = [ { values = ['=cmd|calc'], points = 1 } ]\n"
    )
    card = load_scorecard(path)
    scored = card.apply(pd.DataFrame({"x": [1]}))
    assert scored.score.tolist() == [0]


def test_missing_columns_score_as_missing_not_errors(seed_card):
    scored = seed_card.apply(pd.DataFrame({"unrelated": [1, 2]}))
    assert scored.raw_points.tolist() == [0, 0]
    assert not scored.disqualified.any()


def test_numeric_text_is_read_and_first_matching_bin_wins(tmp_path):
    card = parse_scorecard(
        "[[attributes]]\ncolumn = 'employees'\nkind = 'numeric'\nbins = [\n"
        "  { less_than = 50, points = -3 },\n  { min = 10, max = 100, points = 5 },\n"
        "  { missing = true, points = -1 },\n]\n"
    )
    scored = card.apply(pd.DataFrame({"employees": ["12", "1,000", "", "75", "abc"]}))
    assert scored.raw_points.tolist() == [-3, 0, -1, 5, -1]


def test_tiers_from_points_and_score_agree_with_bounds():
    card = parse_scorecard(
        "[tiers]\nA = 80\nB = 50\nC = 20\n[[attributes]]\ncolumn = 'n'\nkind = 'numeric'\n"
        "bins = [ { min = 0, max = 100, points = 10 }, { min = 101, points = 0 } ]\n"
    )
    scored = card.apply(pd.DataFrame({"n": [5, 500, np.nan]}))
    assert scored.score.tolist() == [100, 0, 0]
    assert scored.tier.tolist() == ["A", "D", "D"]
