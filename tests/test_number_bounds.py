"""One number parser with range checks: whatever a cell holds, reading it gives a number in
range or a ParseError with the reason (a cell issue), never an OverflowError or an infinity."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icpkit.ingest import normalise as nz
from icpkit.ingest.columns import type_column

HUGE = "9" * 309  # a float reads it as infinity


@pytest.mark.parametrize("text", [HUGE, "1e400", "inf", "-inf", "nan", "1" + "0" * 400])
@pytest.mark.parametrize(
    "parse", [nz.parse_employees, nz.parse_money, nz.parse_int, nz.parse_number, nz.parse_decimal]
)
def test_numbers_no_float_can_hold_are_a_parse_error(parse, text):
    with pytest.raises(nz.ParseError):
        parse(text)


@pytest.mark.parametrize("text", ["20000000", "1e9", "5B", "10,000,000,000"])
def test_more_employees_than_any_company_has_are_refused(text):
    with pytest.raises(nz.ParseError, match="employees"):
        nz.parse_employees(text)


def test_the_largest_employers_still_read():
    assert nz.parse_employees("2,100,000") == 2_100_000
    assert nz.parse_employees(str(nz.MAX_EMPLOYEES)) == nz.MAX_EMPLOYEES


def test_money_beyond_any_amount_is_refused():
    with pytest.raises(nz.ParseError):
        nz.parse_money("1e30")
    assert nz.parse_money("$2.5T").amount == 2.5e12


@given(st.text(alphabet="0123456789.,-+eE kKmMbB$€()", max_size=400))
@settings(max_examples=300, deadline=None)
def test_any_text_reads_as_a_bounded_number_or_a_parse_error(text):
    for parse in (nz.parse_employees, nz.parse_money, nz.parse_int, nz.parse_number):
        try:
            value = parse(text)
        except nz.ParseError:
            continue
        number = value.amount if isinstance(value, nz.Money) else value
        assert math.isfinite(number)
        assert abs(number) <= nz.MAX_AMOUNT
        if parse is nz.parse_employees:
            assert 0 <= number <= nz.MAX_EMPLOYEES


def test_ingest_quarantines_the_cell_not_the_file():
    column = pd.Series([HUGE, "50", "999999999999", "1e400"], dtype=object)
    result = type_column("employees", column, "employees")
    assert result.values.tolist()[1] == 50
    assert pd.isna(result.values.iloc[0]) and pd.isna(result.values.iloc[2])
    assert pd.isna(result.values.iloc[3])
    assert all("employees" in reason for reason in result.reasons[[0, 2, 3]])


def test_ingest_gives_infinite_revenue_a_reason():
    column = pd.Series(["1e400", "2000000", "-5000"], dtype=object)
    result = type_column("money", column, "annual_revenue")
    assert result.values.tolist()[1] == 2_000_000
    assert pd.isna(result.values.iloc[0])
    assert result.reasons[0] is not None


def test_numbers_already_typed_are_range_checked_too():
    employees = pd.Series([50.0, math.inf, 1e300, None])
    result = type_column("employees", employees, "employees")
    assert result.values.iloc[0] == 50
    assert result.values.iloc[1:].isna().all()
    assert result.reasons[1] is not None and result.reasons[2] is not None
    assert result.reasons[3] is None
    revenue = type_column("money", pd.Series([2e6, -math.inf]), "annual_revenue")
    assert revenue.values.iloc[0] == 2e6 and pd.isna(revenue.values.iloc[1])
