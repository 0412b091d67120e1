"""Reading values the way a scorecard compares them: one rule, row by row or a column at once."""

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from icpkit.conditions import to_text, to_text_column

cells = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list(" \tabcAB\u00dfé1.-")), max_size=8),
    st.integers(-1000, 1000),
    st.floats(allow_infinity=False),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(cells, max_size=30))
def test_a_column_reads_as_each_of_its_values_does(values):
    column = pd.Series(values, dtype=object)
    at_once = to_text_column(column).tolist()
    one_by_one = [to_text(v) for v in values]
    assert [None if pd.isna(v) else v for v in at_once] == one_by_one


def test_blank_and_padded_values():
    column = pd.Series(["  Software ", "", "   ", None, "STRASSE", "Straße"])
    assert to_text_column(column).tolist()[:1] == ["software"]
    assert to_text_column(column).isna().tolist() == [False, True, True, True, False, False]
    # case-folded, so the German sharp s and "ss" read alike, as to_text reads them
    assert to_text_column(column)[4] == to_text_column(column)[5] == "strasse"
