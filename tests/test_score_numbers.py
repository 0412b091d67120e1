"""Plain numbers in a CSV column are read in bulk by Arrow (icpkit.score.plain_numbers), and
every value reads exactly as the column's own parser reads it alone: the same number, the
same refusals, the same out-of-range values, the same decimal mark decided for the column."""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icpkit.score import batches
from icpkit.score.batches import BatchScorer
from icpkit.score.plain_numbers import PLAIN, read_distinct
from icpkit.score.values import prepare_columns
from icpkit.scorecard.io import parse_scorecard

ASCII_DIGITS = "0123456789"
SIGNS = st.sampled_from(["", "+", "-"])
GROUPED = st.builds(
    lambda head, groups: head + "".join("," + g for g in groups),
    st.text(ASCII_DIGITS, min_size=1, max_size=3),
    st.lists(st.text(ASCII_DIGITS, min_size=3, max_size=3), min_size=1, max_size=6),
)
WHOLE = st.one_of(st.text(ASCII_DIGITS, min_size=1, max_size=25), GROUPED, st.just(""))
FRACTION = st.one_of(st.just(""), st.text(ASCII_DIGITS, max_size=20).map(lambda d: "." + d))
EXPONENT = st.one_of(
    st.just(""),
    st.tuples(st.sampled_from("eE"), SIGNS, st.text(ASCII_DIGITS, min_size=1, max_size=5)).map(
        "".join
    ),
)
# Numbers as a CSV writes them: signs, decimals, exponents, thousands (overflow: 25 digits
# and exponents up to 99999).
PLAIN_TEXT = st.tuples(SIGNS, WHOLE, FRACTION, EXPONENT).map("".join)
# The same with currency, multipliers, bands, spaces and brackets around them.
DECORATED = st.tuples(
    st.sampled_from(["", " ", "$", "€", "USD ", "(", "~", "\u00a0", "about "]),
    PLAIN_TEXT,
    st.sampled_from(["", " ", "M", "k", "bn", " million", "+", "-500", " - 2M", ")", " EUR"]),
).map("".join)
# Digits of other scripts (Python's parser reads them; Arrow's pattern leaves them to it).
OTHER_DIGITS = st.text("٠١٢٣٤٥٦٧٨٩０１２３４５６７８９०१२३12.,-", min_size=1, max_size=8)
# A separator before up to four digits: thousands or decimals, as the column decides.
SHORT = st.tuples(
    st.text(ASCII_DIGITS, min_size=1, max_size=3),
    st.sampled_from(".,"),
    st.text(ASCII_DIGITS, min_size=1, max_size=4),
).map("".join)
SOUP = st.text(" 0123456789.,+-eE$€kKmM()٣\u00a0\t", max_size=12)
KNOWN = st.sampled_from(
    ["", " ", "N/A", "null", "-", "51-200", "1,000+", "$2.5M", "1e400", "-1e400", "9" * 400,
     "-1e19", "1e19", "20000000", "10000000", "(1,000)", "12.800", "3,5", "1.234,5", "fifty",
     "inf", "nan", "1_000", "0x10", "-0", "+0.0", "1.5e3", " 42 ", "4.9e-324", "1e-400",
     "-1e18", "-1000000000000000000", "1e18", "0.800", "1.800"]
)  # fmt: skip
TEXT = st.one_of(PLAIN_TEXT, DECORATED, SHORT, OTHER_DIGITS, SOUP, KNOWN)
CELLS = st.lists(st.one_of(TEXT, st.none()), min_size=1, max_size=30)
BATCHES = st.lists(CELLS, min_size=1, max_size=3)


def per_value(cells: list[str | None], column: str, number_formats: dict) -> pd.DataFrame:
    """Each row's number and whether it holds text, read the way ``icpkit score`` reads an
    object column: each distinct value alone by the column's parser."""
    distinct = pd.Series(list(dict.fromkeys(cells)), dtype=object)  # in order, as Arrow's
    parsed = prepare_columns(pd.DataFrame({column: distinct}), [column], number_formats)
    lookup = dict(zip(distinct, parsed[column], strict=True))
    return pd.DataFrame(
        {
            "number": np.array([lookup[c] for c in cells], dtype=object).astype(float),
            "present": [c is not None and c.strip() != "" for c in cells],
        }
    )


def assert_same_numbers(got: np.ndarray, want: np.ndarray) -> None:
    assert np.array_equal(np.isnan(got), np.isnan(want))
    known = ~np.isnan(want)
    assert np.array_equal(got[known], want[known])  # inf and 1e19 kept: out of range
    assert np.array_equal(np.signbit(got[known]), np.signbit(want[known]))  # -0.0 too


@settings(max_examples=400, deadline=None)
@given(column=st.sampled_from(sorted(PLAIN)), batches_of_cells=BATCHES)
def test_bulk_reading_equals_the_parser_on_each_value(column, batches_of_cells):
    bulk_formats: dict = {}
    one_by_one_formats: dict = {}
    for cells in batches_of_cells:
        codes, numbers, present = read_distinct(pa.array(cells, pa.string()), column, bulk_formats)
        want = per_value(cells, column, one_by_one_formats)
        assert_same_numbers(numbers.to_numpy()[codes], want["number"].to_numpy())
        assert present[codes].tolist() == want["present"].tolist()
        assert bulk_formats == one_by_one_formats  # the same decimal mark, from the same text


def test_known_values_read_as_their_parser_reads_them():
    cells = ["1,200", "5000000", "3.5e6", "-5", "1e400", "$2.5M", "51-200", "fifty", "", " 7 "]
    codes, numbers, present = read_distinct(pa.array(cells), "annual_revenue", {})
    got = numbers.to_numpy()[codes]
    assert got[:3].tolist() == [1200.0, 5_000_000.0, 3_500_000.0]
    assert np.isnan(got[3])  # a negative revenue is refused
    assert got[4] == np.inf  # kept, so the bounds call it out of range
    assert got[5:7].tolist() == [2_500_000.0, math.sqrt(51 * 200)]  # a band: its middle
    assert np.isnan(got[7]) and np.isnan(got[8]) and got[9] == 7.0
    assert present[codes].tolist() == [True] * 8 + [False, True]
    codes, numbers, _ = read_distinct(pa.array(["12.800", "1.234,5", "500"]), "employees", {})
    assert numbers.to_numpy()[codes].tolist() == [12800.0, 1235.0, 500.0]  # decimal commas


def test_a_column_decides_its_decimal_mark_from_the_first_text_of_each_kind():
    cells = ["0.800", "2.5", "1.800", "3,5", "7.250"]
    bulk: dict = {}
    read_distinct(pa.array(cells), "annual_revenue", bulk)
    one_by_one: dict = {}
    per_value(cells, "annual_revenue", one_by_one)
    assert bulk == one_by_one
    # "0.800" has a decimal point; "1.800" could be thousands (it comes later, in a shape of
    # its own); "3,5" has a decimal comma: numbers written both ways
    number = bulk["annual_revenue"]
    assert (number.grouped, number.conflict) == ("1.800", ("3,5", "0.800"))


CARD = parse_scorecard(
    """
name = "Sizes"
[tiers]
A = 4
B = 2
C = 1
[[attributes]]
name = "Company size"
column = "employees"
kind = "numeric"
bins = [ { min = 50, max = 200, points = 2 }, { missing = true, points = -1 } ]
[[attributes]]
name = "Revenue"
column = "annual_revenue"
kind = "numeric"
bins = [ { min = 1000000, points = 2 }, { less_than = 1000000, points = 1 } ]
[[attributes]]
name = "Funding"
column = "total_funding"
kind = "numeric"
bins = [ { max = 0.5, points = -1 }, { other = true, points = 1 } ]
[[disqualifiers]]
column = "employees"
kind = "numeric"
min = 100000
reason = "too big"
"""
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    columns=st.fixed_dictionaries({c: CELLS for c in PLAIN}),
    rows=st.integers(1, 30),
)
def test_a_batch_scores_as_it_does_with_every_value_parsed_alone(columns, rows):
    cells = {c: (values * rows)[:rows] for c, values in columns.items()}
    batch = pa.RecordBatch.from_pydict({c: pa.array(v, pa.string()) for c, v in cells.items()})
    sources = {c: c for c in PLAIN}
    bulk = BatchScorer(CARD, sources)
    got = bulk.score(batch)
    with mock.patch.dict(batches.PLAIN, clear=True):  # every value through its parser
        one_by_one = BatchScorer(CARD, sources)
        want = one_by_one.score(batch)
    for name in want:
        assert got[name].to_pylist() == want[name].to_pylist(), name
    assert bulk.unreadable == one_by_one.unreadable
    assert bulk.tiers == one_by_one.tiers
    assert bulk.findings() == one_by_one.findings()
