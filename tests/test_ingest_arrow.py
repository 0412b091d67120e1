"""The fast paths of a big ingest give exactly what the careful paths give.

Big regular CSV files are read by Arrow, and whole columns are cleaned, dated and checked by
numpy; these tests pin each fast path to the per-value function it stands in for, on
generated values, and the whole pipeline to the careful reader on the same files.
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icpkit.ingest import arrowtext, columns, duplicates, formats, load_tables, readers
from icpkit.ingest import normalise as nz
from icpkit.ingest.salesforce import id_18, ids_18

PIECES = st.sampled_from(
    ["", " ", "\t", "\r", "a", "x y", "N/A", "null", "NULL", "-", "--", "—", "(blank)",
     "#n/a", "none ", " Nan", "é", "\u00a0", "\u2003", "\x1c", "12.5", "-3", "nulls"]
)  # fmt: skip
CELLS = st.one_of(st.none(), st.lists(PIECES, max_size=3).map("".join))


def reference_clean(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return None if len(stripped) <= 8 and stripped.lower() in nz.BLANK_TOKENS else stripped


def as_list(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series.tolist()]


@settings(max_examples=300, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=15))
def test_clean_is_strip_and_blank_tokens(values: list[str | None]) -> None:
    cleaned = arrowtext.clean(pd.Series(values, dtype=object))
    assert as_list(cleaned) == [reference_clean(v) for v in values]


ID_CHARS = string.ascii_letters + string.digits + "-é "


@st.composite
def salesforce_like(draw: st.DrawFn) -> str:
    length = draw(st.sampled_from([15, 18, 15, 17, 3]))
    value = draw(st.text(alphabet=ID_CHARS, min_size=length, max_size=length))
    if length == 18 and draw(st.booleans()):
        value = value[:15] + id_18(value[:15])[15:]  # a real checksum
    return value.lower() if draw(st.booleans()) else value


@settings(max_examples=200, deadline=None)
@given(st.lists(salesforce_like(), min_size=1, max_size=20), st.booleans())
def test_ids_18_for_a_column_is_id_18_for_each(values: list[str], with_blank: bool) -> None:
    cells = [*values, None] if with_blank else values
    column = pd.Series(cells, dtype=arrowtext.STR_DTYPE)
    assert as_list(ids_18(column)) == [None if v is None else id_18(v) for v in cells]


DAY_PARTS = st.tuples(
    st.sampled_from([1699, 1700, 1999, 2024, 2200, 2201]),
    st.integers(0, 13),
    st.integers(0, 32),
)
SUFFIXES = st.sampled_from(
    ["", "T10:05:00.000+0000", " 09:30", "T1:05", "T10:05:00Z", " 10:05 UTC", "X", "t10:05",
     "T10:05:00.000+00:00", "T10:5", " 10:05:33,5 +0100", "  12"]
)  # fmt: skip


@st.composite
def date_cells(draw: st.DrawFn) -> str:
    year, month, day = draw(DAY_PARTS)
    iso = f"{year:04d}-{month:02d}-{day:02d}"
    return draw(
        st.sampled_from([iso + draw(SUFFIXES), f"{month}/{day}/{year}", "soon", iso[:9], ""])
    )


@st.composite
def same_width_timestamps(draw: st.DrawFn) -> list[str]:
    """A column from one system: every cell the same width (the zero-copy path)."""
    suffix = draw(st.sampled_from(["T10:05:00.000+0000", " 09:30", "T10:05:00Z", "X", ""]))
    days = draw(st.lists(DAY_PARTS, min_size=1, max_size=20))
    return [f"{y:04d}-{m:02d}-{d:02d}{suffix}" for y, m, d in days]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(date_cells(), min_size=1, max_size=20), same_width_timestamps()))
def test_dates_read_by_bytes_match_parse_date(values: list[str]) -> None:
    text = columns.clean_text(pd.Series(values, dtype=object))
    typed = columns.type_column("date", text, "closed_at")
    reasons = [None] * len(values) if typed.reasons is None else list(typed.reasons)
    order = formats.decide_date_orders({"closed_at": formats.date_evidence(text)}).get("closed_at")
    day_first = order is not None and order.day_first
    for cell, got, reason in zip(as_list(text), typed.values.tolist(), reasons, strict=True):
        if cell is None:
            assert pd.isna(got) and reason is None
            continue
        try:
            expected = nz.parse_date(cell, day_first=day_first)
        except nz.ParseError as error:
            assert pd.isna(got) and reason == str(error), cell
        else:
            assert got == pd.Timestamp(expected) and reason is None, cell


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.decimals(min_value=-(10**9), max_value=10**9, places=2).map(str),
            st.sampled_from(["$2.5M", "1,000", "EUR 30", "1e5", ".5", "-0", "12.", "abc"]),
        ),
        min_size=1,
        max_size=15,
    )
)
def test_plain_amounts_read_by_arrow_match_parse_money(values: list[str]) -> None:
    typed = columns.type_column(
        "money", columns.clean_text(pd.Series(values, dtype=object)), "amount"
    )
    for cell, got in zip(values, typed.values.tolist(), strict=True):
        try:
            expected = nz.parse_money(cell.strip()).amount
        except nz.ParseError:
            assert np.isnan(got), cell
        else:
            assert got == pytest.approx(expected, rel=1e-12), cell


def test_any_duplicate_of_fixed_width_ids() -> None:
    ids = pd.Series([f"006A{i:011d}IAA" for i in range(5000)], dtype=arrowtext.STR_DTYPE)
    assert not arrowtext.any_duplicate(ids)
    again = pd.concat([ids, ids.iloc[[1234]]], ignore_index=True)
    assert arrowtext.any_duplicate(again)
    assert arrowtext.duplicated(again).tolist().index(True) == 5000


# ------------------------------------------------------------------------------------------
# The whole pipeline: Arrow reader and careful reader on the same files

ACCOUNTS = """\
Id,Name,Industry,NumberOfEmployees,AnnualRevenue,BillingCountry,Website
001A0000006Vm9r,Acme,Technology, 250 ,$2.5M,USA,https://acme.com
001A0000006VmAB,Globex,Banking,N/A,,Deutschland,globex.de
001A0000006vm9t,Initech,Widgets,fifty,800000,U.S.,initech.com
001A0000006vm9t,Initech,Widgets,fifty,800000,U.S.,initech.com
"""
DEALS = """\
Id,AccountId,StageName,IsWon,IsClosed,Amount,CloseDate,CreatedDate
006A000000Opp01,001A0000006Vm9rIAC,Closed Won,true,true,12000,2024-03-01,2024-01-15T17:05:00.000+0000
006A000000Opp02,001A0000006VmABIA0,Signed,true,true,EUR 800,3/1/2024,2024-02-01 09:00
006A000000Opp03,001A0000006vm9tIAA,Closed Won,maybe,true,5000,2024-02-30,
006A000000Opp04,001A0000006vm9zIAA,Closed Lost,false,true,3000,2024-06-30,2024-03-03T09:00:00Z
006A000000Opp05,001A0000006vm9tIAA,Negotiation,false,false,,,2024-03-04
006A000000Opp01,001A0000006Vm9rIAC,Closed Won,true,true,12000,2024-03-01,2024-01-15T17:05:00.000+0000
"""  # noqa: E501


def ingest_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **texts: str):
    files = {}
    for name, text in texts.items():
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_text(text, encoding="utf-8")
    careful = load_tables(**files, format="salesforce")
    monkeypatch.setattr(readers, "ARROW_MIN_BYTES", 0)
    monkeypatch.setattr(arrowtext, "PARALLEL_MIN_ROWS", 0)
    fast = load_tables(**files, format="salesforce")
    return careful, fast


def test_arrow_reader_gives_the_same_ingest(tmp_path: Path, monkeypatch) -> None:
    careful, fast = ingest_both_ways(tmp_path, monkeypatch, accounts=ACCOUNTS, deals=DEALS)
    assert careful.report["files"]["deals"]["rows_read"] == 6
    for table in ("accounts", "deals"):
        pd.testing.assert_frame_equal(careful.tables[table], fast.tables[table])
    pd.testing.assert_frame_equal(careful.quarantine, fast.quarantine)
    assert careful.report == fast.report
    refused = {
        (Path(file).stem, line): (reason, raw)
        for file, line, reason, raw in fast.quarantine[
            ["source_file", "line", "reason", "raw"]
        ].itertuples(index=False)
    }
    assert refused[("accounts", 5)][0] == "duplicate of line 4"
    assert refused[("deals", 4)][0] == 'IsWon: cannot read "maybe" as true/false'
    assert refused[("deals", 5)][0] == "account_id 001A0000006vm9zIAA not found in accounts"
    reason, raw = refused[("deals", 7)]
    assert reason == "duplicate of line 2"
    assert raw == DEALS.splitlines()[6]


@pytest.mark.parametrize(
    "irregular",
    [
        "Id,Name\nA1,Acme\n\nA2,Globex\n",  # a blank line
        'Id,Name\nA1,"Acme\nInc"\nA2,Globex\n',  # a record over two lines
        "Id,Name\nA1,Acme,extra\nA2,Globex\n",  # a row wider than the header
        "Id,Name\nA1\nA2,Globex\n",  # a narrower row
    ],
)
def test_irregular_files_fall_back_to_the_careful_reader(
    tmp_path: Path, monkeypatch, irregular: str
) -> None:
    careful, fast = ingest_both_ways(tmp_path, monkeypatch, accounts=irregular)
    pd.testing.assert_frame_equal(careful.tables["accounts"], fast.tables["accounts"])
    pd.testing.assert_frame_equal(careful.quarantine, fast.quarantine)
    assert careful.report == fast.report


# ------------------------------------------------------------------------------------------
# Columns as Arrow's reader leaves them: many chunks, worked in blocks of rows


def chunked(values: list[str | None], sizes: list[int]) -> pd.Series:
    """``values`` as an Arrow-backed column split into chunks of ``sizes`` (then the rest)."""
    chunks, start = [], 0
    for size in [*sizes, len(values)]:
        chunks.append(pa.array(values[start : start + size], type=pa.large_string()))
        start = min(len(values), start + size)
    return arrowtext.to_series(pa.chunked_array(chunks))


def test_blocks_cover_every_row_once_in_order() -> None:
    values = [f"v{i}" for i in range(23)]
    column = arrowtext.to_arrow(chunked(values, [1, 0, 2, 9, 1, 1]))
    seen = []
    for first, block in arrowtext.blocks(column, rows=8):
        assert first == len(seen) and 0 < len(block) <= 8
        seen.extend(block.to_pylist())
    assert seen == values


CHUNK_SIZES = st.lists(st.integers(0, 6), max_size=6)


@settings(max_examples=100, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=30), CHUNK_SIZES)
def test_clean_of_a_chunked_column(values: list[str | None], sizes: list[int]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrowtext, "BLOCK_ROWS", 8)
        cleaned = arrowtext.clean(chunked(values, sizes))
    assert as_list(cleaned) == [reference_clean(v) for v in values]


def test_a_clean_column_is_not_copied() -> None:
    column = chunked([f"006A{i:011d}IAA" for i in range(50)], [7, 7, 30])
    assert arrowtext.clean(column) is column
    dirty = chunked([*column.tolist()[:20], " x ", "N/A", *column.tolist()[20:]], [7, 7, 30])
    assert as_list(arrowtext.clean(dirty))[20:22] == ["x", None]


@settings(max_examples=100, deadline=None)
@given(st.lists(salesforce_like(), min_size=1, max_size=30), CHUNK_SIZES)
def test_ids_18_of_a_chunked_column(values: list[str], sizes: list[int]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrowtext, "BLOCK_ROWS", 8)
        got = ids_18(chunked(values, sizes))
    assert as_list(got) == [id_18(v) for v in values]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(st.lists(date_cells(), min_size=1, max_size=30), same_width_timestamps()),
    CHUNK_SIZES,
)
def test_iso_dates_of_a_chunked_column(values: list[str], sizes: list[int]) -> None:
    whole = arrowtext.iso_dates(
        pd.Series(values, dtype=arrowtext.STR_DTYPE), columns._ISO_DATE_TIME_RE.fullmatch,
        years=nz.PLAUSIBLE_YEARS,
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrowtext, "BLOCK_ROWS", 8)
        parts = arrowtext.iso_dates(
            chunked(values, sizes), columns._ISO_DATE_TIME_RE.fullmatch, years=nz.PLAUSIBLE_YEARS
        )
    assert whole[1].tolist() == parts[1].tolist()
    assert whole[0][whole[1]].tolist() == parts[0][parts[1]].tolist()


def test_any_duplicate_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrowtext, "BLOCK_ROWS", 64)
    ids = [f"006A{i:011d}IAA" for i in range(500)]
    assert not arrowtext.any_duplicate(chunked(ids, [100, 3, 250]))
    assert arrowtext.any_duplicate(chunked([*ids, ids[7]], [100, 3, 250]))


def reference_likely_duplicates(accounts: pd.DataFrame) -> dict:
    """The pandas groupby the vectorised likely_duplicate_accounts stands in for."""
    out: dict = {}
    names = duplicates.company_name_keys(accounts["name"])
    for label, key in (("same_domain", accounts["domain"].astype(object)), ("same_name", names)):
        frame = pd.DataFrame({"key": key, "account_id": accounts["account_id"].astype(object)})
        frame = frame.dropna()
        counts = frame.groupby("key")["account_id"].nunique()
        shared = counts[counts > 1]
        if frame.empty or shared.empty:
            continue
        examples = []
        for value in shared.sort_values(ascending=False).index[:5]:
            ids = frame.loc[frame["key"] == value, "account_id"].unique()[:5]
            examples.append({label.removeprefix("same_"): value, "account_ids": list(ids)})
        out[label] = {"groups": len(shared), "accounts": int(shared.sum()), "examples": examples}
    return out


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A1", "A2", "A3", "B1", "B2", None]),
            st.sampled_from(["Acme Inc", "ACME", "Globex GmbH", "globex", "Initech", None]),
            st.sampled_from(["acme.com", "globex.de", "initech.com", None]),
        ),
        max_size=40,
    )
)
def test_likely_duplicate_accounts_match_a_groupby(rows: list[tuple]) -> None:
    accounts = pd.DataFrame(
        {
            "account_id": pd.Series([r[0] for r in rows], dtype=arrowtext.STR_DTYPE),
            "name": pd.Series([r[1] for r in rows], dtype=arrowtext.STR_DTYPE),
            "domain": pd.Series([r[2] for r in rows], dtype=arrowtext.STR_DTYPE),
        }
    )
    assert duplicates.likely_duplicate_accounts(accounts) == reference_likely_duplicates(accounts)


def test_a_day_that_is_no_date_does_not_decide_for_the_real_dates_after_it() -> None:
    """A time's shape is judged once, on a whole cell: on one whose day is a real date, so
    1699-00-00 before it cannot make 1700-01-01 unreadable (found by Hypothesis)."""
    values = ["0/0/1699"] * 5 + ["1699-00-00T10:05:00.000+0000", "10/10/1699"]
    values += ["1699-00-00", "1699-00-00", "1700-01-01"]
    whole = arrowtext.iso_dates(
        pd.Series(values, dtype=arrowtext.STR_DTYPE), columns._ISO_DATE_TIME_RE.fullmatch,
        years=nz.PLAUSIBLE_YEARS,
    )  # fmt: skip
    assert whole[1].tolist() == [False] * 9 + [True]
    assert str(whole[0][9])[:10] == "1700-01-01"
