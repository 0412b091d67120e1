"""A scorecard file is checked number by number when it is loaded: whatever a file says, a card
that loads can be scored, printed as SQL and inspected without an overflow, a NaN or minutes
of work; a card that cannot is refused in one line naming the file, the line and the key."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from icpkit.errors import IcpkitError
from icpkit.scorecard.io import (
    MAX_ATTRIBUTES,
    MAX_BINS,
    MAX_POINTS,
    load_scorecard,
    parse_scorecard,
)

NUMERIC = '[[attributes]]\ncolumn = "employees"\nkind = "numeric"\n'


def refused(text: str) -> IcpkitError:
    with pytest.raises(IcpkitError) as caught:
        parse_scorecard(text, source="card.toml")
    return caught.value


def test_points_beyond_the_bound_are_refused_naming_the_line_and_key():
    error = refused(NUMERIC + "bins = [ { min = 50, points = 9223372036854775807 } ]\n")
    assert str(error).startswith("card.toml, line 4")
    assert "points" in error.message and f"{MAX_POINTS:,}" in error.message


def test_points_at_the_bound_load_and_score_without_overflow():
    card = parse_scorecard(
        NUMERIC + f"bins = [ {{ min = 50, points = {MAX_POINTS} }}, {{ other = true, points = "
        f"{-MAX_POINTS} }} ]\n"
    )
    scored = card.apply(pd.DataFrame({"employees": [10.0, 100.0]}))
    assert scored.score.tolist() == [0, 100]


@pytest.mark.parametrize(
    ("tiers", "needle"),
    [
        ("A = 500\nB = 50\nC = 30", "tier A must be between 0 and 100"),
        ("A = 70\nB = 50\nC = -1", "tier C must be between 0 and 100"),
        ("A = 70\nB = 50\nC = nan", "tier C must be a finite number"),
        ("A = 70\nB = 80\nC = 30", "A >= B >= C"),
    ],
)
def test_tiers_on_the_score_are_within_0_and_100_and_ordered(tiers, needle):
    error = refused(NUMERIC + "bins = [ { min = 50, points = 2 } ]\n[tiers]\n" + tiers + "\n")
    assert needle in error.message
    assert error.line is not None


def test_tiers_on_points_may_go_beyond_100_but_not_beyond_what_points_can_reach():
    card = parse_scorecard(
        NUMERIC + 'bins = [ { min = 50, points = 200 } ]\n[tiers]\nunit = "points"\n'
        "A = 150\nB = 100\nC = -5\n"
    )
    assert card.tiers.a == 150
    error = refused(
        NUMERIC + 'bins = [ { min = 50, points = 2 } ]\n[tiers]\nunit = "points"\n'
        "A = 1e300\nB = 1\nC = 0\n"
    )
    assert "tier A" in error.message


def test_a_card_with_too_many_bins_is_refused_at_once(tmp_path):
    bins = ",\n".join(f"  {{ min = {i}, max = {i}.5, points = 1 }}" for i in range(MAX_BINS + 1))
    text = NUMERIC + f"bins = [\n{bins}\n]\n"
    error = refused(text)
    assert "bins" in error.message and f"{MAX_BINS:,}" in error.message
    assert error.line == 4


def test_a_200000_bin_card_is_refused_in_well_under_a_second(tmp_path):
    bins = ",\n".join(f"  {{ min = {i}, max = {i}.5, points = 1 }}" for i in range(200_000))
    path = tmp_path / "huge.toml"
    path.write_text(NUMERIC + f"bins = [\n{bins}\n]\n")
    started = time.perf_counter()
    with pytest.raises(IcpkitError) as caught:
        load_scorecard(path)
    assert time.perf_counter() - started < 1.0
    assert str(path) in str(caught.value) and "MB" in caught.value.message


def test_too_many_attributes_are_refused():
    block = NUMERIC + "bins = [ { min = 1, points = 1 } ]\n"
    text = "\n".join(block.replace("employees", f"c{i}") for i in range(MAX_ATTRIBUTES + 1))
    error = refused(text)
    assert f"{MAX_ATTRIBUTES:,}" in error.message and "attributes" in error.message


@pytest.mark.parametrize(
    ("stats", "needle"),
    [
        ("accounts = inf", "accounts"),
        ("accounts = 1e300", "accounts"),
        ("accounts = -3", "accounts"),
        ("accounts = 10, won = 11", "won"),
        ("accounts = 10, won = 5, win_rate = 7.5", "win_rate"),
        ("accounts = 10, won = 5, ci = [0.2, inf]", "ci"),
    ],
)
def test_the_counts_behind_a_bin_are_checked(stats, needle):
    error = refused(NUMERIC + f"bins = [ {{ min = 50, points = 2, {stats} }} ]\n")
    assert needle in error.message
    assert error.line == 4


def test_too_many_values_in_a_bin_are_refused():
    values = ", ".join(f'"v{i}"' for i in range(10_001))
    text = '[[attributes]]\ncolumn = "industry"\n'
    text += f"bins = [ {{ values = [{values}], points = 1 }} ]\n"
    error = refused(text)
    assert "values" in error.message


def test_a_learned_card_still_loads(demo_build):
    from icpkit.scorecard.io import dump_scorecard

    card = demo_build.scorecard
    assert parse_scorecard(dump_scorecard(card)).point_range() == card.point_range()


def test_a_card_in_bounds_is_written_even_when_its_text_is_long():
    """The 4 MB limit is on files people hand over; a card icpkit writes itself (labels,
    comments) reads back whatever its length."""
    from icpkit.conditions import Condition
    from icpkit.scorecard.io import MAX_CARD_BYTES, dump_scorecard
    from icpkit.scorecard.model import Attribute, Bin, Scorecard, Tiers

    bins = tuple(Bin("x" * 20_000 + str(i), 1, Condition(min=float(i))) for i in range(MAX_BINS))
    card = Scorecard("long", (Attribute("a", "a", "numeric", bins),), Tiers(70, 50, 30))
    text = dump_scorecard(card)
    assert len(text) > MAX_CARD_BYTES
    with pytest.raises(IcpkitError, match="at most 4 MB"):
        parse_scorecard(text)
