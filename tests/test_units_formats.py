"""Units and formats decided per column (or file), never per value: the date order of a file,
the decimal mark of a number column, and the unit of revenue (issue 16).

Each fixture is a file as it arrives: a `€12.800` column (European thousands dot), a deals
file whose dates are day first (read month first value by value, deals would close before
they were created), and revenue in millions of dollars (the Fortune 1000 way), with the
`--units` option that fixes it.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icpkit.errors import IcpkitError
from icpkit.ingest import columns, formats, load_tables
from icpkit.ingest import normalise as nz
from icpkit.scorecard.io import parse_scorecard
from icpkit.size import size_target_list

# ------------------------------------------------------------------------------------------
# Numbers: 1.234.567,89


def european(value: int, cents: int | None) -> str:
    """``value`` with dots between thousands, and ``,cents`` when given."""
    grouped = f"{value:,}".replace(",", ".")
    return grouped if cents is None else f"{grouped},{cents:02d}"


def english(value: int, cents: int | None) -> str:
    return f"{value:,}" if cents is None else f"{value:,}.{cents:02d}"


WHOLE = st.integers(0, 10**12)
CENTS = st.one_of(st.none(), st.integers(0, 99))


@settings(max_examples=300, deadline=None)
@given(WHOLE, CENTS, st.sampled_from(["", "€", "EUR ", "€ "]))
def test_any_dot_thousands_comma_decimal_number_reads_back(
    value: int, cents: int | None, currency: str
) -> None:
    text = european(value, cents)
    expected = value + (cents or 0) / 100
    assert nz.parse_decimal(text, decimal_comma=True) == pytest.approx(expected, rel=1e-15)
    money = nz.parse_money(currency + text, decimal_comma=True)
    assert money.amount == pytest.approx(expected, rel=1e-15)
    assert money.currency == ("EUR" if currency else "USD")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(WHOLE, CENTS), min_size=1, max_size=12), st.data())
def test_a_european_column_reads_every_value_back(values, data) -> None:
    """Whatever mix of European numbers a column holds (with or without cents, with or without
    a euro sign), the column decides 1.234,5 and each value reads back, Arrow path or not."""
    cells = [data.draw(st.sampled_from(["", "€"])) + european(v, c) for v, c in values]
    typed = columns.type_column(
        "money", columns.clean_text(pd.Series(cells, dtype=object)), "amount"
    )
    expected = [v + (c or 0) / 100 for v, c in values]
    assert typed.values.tolist() == pytest.approx(expected, rel=1e-15)
    telling = [nz.decimal_mark_evidence(c) for c in cells]
    if any(t in ("comma", "grouped_dot") for t in telling):
        assert typed.format is not None and typed.format["numbers"] == "1.234,5"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(WHOLE, CENTS), min_size=1, max_size=12))
def test_an_english_column_reads_as_before(values) -> None:
    cells = [english(v, c) for v, c in values]
    typed = columns.type_column(
        "money", columns.clean_text(pd.Series(cells, dtype=object)), "amount"
    )
    expected = [v + (c or 0) / 100 for v, c in values]
    assert typed.values.tolist() == pytest.approx(expected, rel=1e-15)
    for cell, got in zip(cells, typed.values.tolist(), strict=True):  # as the value alone
        assert nz.parse_money(cell).amount == pytest.approx(got, rel=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.integers(1000, 10**9), CENTS)
def test_what_a_number_says_of_its_column(value: int, cents: int | None) -> None:
    assert nz.decimal_mark_evidence(european(value, 5 if cents is None else cents)) == "comma"
    assert nz.decimal_mark_evidence(f"{value}.5") == "dot"
    grouped = european(value, None)
    expected = "grouped_dot" if grouped.count(".") == 1 else "comma"
    assert nz.decimal_mark_evidence(grouped) == expected


@pytest.mark.parametrize(
    ("cells", "expected", "written"),
    [
        (["€12.800", "€1.500", "€900"], [12800, 1500, 900], "1.234,5"),
        (["€12.800", "€2.500,50"], [12800, 2500.5], "1.234,5"),
        (["12,5", "3", "1.234,5"], [12.5, 3, 1234.5], "1.234,5"),
        (["1.234.567,89"], [1234567.89], "1.234,5"),
        (["$2.5M", "1.2k", "USD 3,400", "12.800"], [2.5e6, 1200, 3400, 12.8], "1,234.5"),
        (["USD 3,400", "1,000"], [3400, 1000], None),
    ],
)
def test_the_column_decides_the_decimal_mark(cells, expected, written) -> None:
    typed = columns.type_column(
        "money", columns.clean_text(pd.Series(cells, dtype=object)), "amount"
    )
    assert typed.values.tolist() == pytest.approx(expected)
    assert (typed.format or {}).get("numbers") == written


def test_a_column_with_both_marks_is_reported_and_read_value_by_value() -> None:
    cells = ["1.234,5", "2.5", "12.800"]
    typed = columns.type_column(
        "money", columns.clean_text(pd.Series(cells, dtype=object)), "amount"
    )
    assert typed.values.tolist() == pytest.approx([1234.5, 2.5, 12.8])
    assert typed.format["conflict"] == ["1.234,5", "2.5"]
    assert typed.warnings and '"12.800", which could be either' in typed.warnings[0]


def test_employees_with_a_thousands_dot() -> None:
    cells = ["1.200", "45", "12.000 employees"]
    typed = columns.type_column(
        "employees", columns.clean_text(pd.Series(cells, dtype=object)), "employees"
    )
    assert typed.values.tolist() == [1200, 45, 12000]
    assert typed.format == {"numbers": "1.234,5", "because": "1.200"}


def test_a_value_written_the_other_way_in_a_decided_column_says_so() -> None:
    with pytest.raises(nz.ParseError, match=r"written like the rest of its column"):
        nz.parse_money("$2.5M", decimal_comma=True)


# ------------------------------------------------------------------------------------------
# Dates: one order per file

DAYS = st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31))


@settings(max_examples=200, deadline=None)
@given(st.lists(DAYS, min_size=1, max_size=15), DAYS.filter(lambda d: d.day > 12), st.booleans())
def test_any_date_in_a_column_that_tells_its_order_reads_right(
    days: list[dt.date], telling: dt.date, day_first: bool
) -> None:
    """dd/mm (or mm/dd) everywhere, one date whose day is above 12 to tell: every date is read
    as written, including the ones with both numbers 12 or under."""
    written = [*days, telling]
    fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    cells = pd.Series([d.strftime(fmt) for d in written], dtype=object)
    typed = columns.type_column("date", columns.clean_text(cells), "created_at")
    assert typed.reasons is None or not any(typed.reasons)
    assert [v.date() for v in typed.values] == written
    assert typed.format["dates"] == ("day/month/year" if day_first else "month/day/year")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(DAYS, st.integers(0, 60)), min_size=2, max_size=12),
    DAYS.filter(lambda d: d.day > 12),
)
def test_a_file_shares_its_date_order_between_columns(pairs, telling) -> None:
    """The close dates alone cannot tell (all 12 or under); the create dates do."""
    rows = [(c, c + dt.timedelta(days=k)) for c, k in pairs]
    closes = [d.replace(day=min(d.day, 12)) for _, d in rows]
    evidence = {
        "created_at": formats.date_evidence(
            pd.Series([telling.strftime("%d/%m/%Y")] + [c.strftime("%d/%m/%Y") for c, _ in rows])
        ),
        "closed_at": formats.date_evidence(pd.Series([d.strftime("%d/%m/%Y") for d in closes])),
    }
    orders = formats.decide_date_orders(evidence)
    assert orders["created_at"].day_first and orders["closed_at"].day_first
    cells = columns.clean_text(pd.Series([d.strftime("%d/%m/%Y") for d in closes], dtype=object))
    typed = columns.type_column("date", cells, "closed_at", date_order=orders["closed_at"])
    assert [v.date() for v in typed.values] == closes


def test_iso_dates_are_left_alone() -> None:
    cells = pd.Series(["2024-03-01", "2024-12-31T10:00:00Z"], dtype=object)
    typed = columns.type_column("date", columns.clean_text(cells), "created_at")
    assert [v.date() for v in typed.values] == [dt.date(2024, 3, 1), dt.date(2024, 12, 31)]
    assert typed.format is None


def test_a_column_in_both_orders_is_a_cell_issue_not_a_mix() -> None:
    cells = pd.Series(["25/03/2024", "26/03/2024", "03/27/2024", "04/05/2024"], dtype=object)
    typed = columns.type_column("date", columns.clean_text(cells), "created_at")
    values = [None if pd.isna(v) else v.date() for v in typed.values]
    assert values == [dt.date(2024, 3, 25), dt.date(2024, 3, 26), None, dt.date(2024, 5, 4)]
    assert "is not a day/month/year date" in typed.reasons[2]
    assert typed.format["written_the_other_way"] == 1


# ------------------------------------------------------------------------------------------
# Fixtures as they arrive

ACCOUNTS_EUR = """id,name,employees,annual_revenue
a1,Acme GmbH,120,€12.800.000
a2,Beta AG,45,€3.500.000
a3,Gamma SA,3000,"€250.000.000,50"
a4,Delta BV,-5,-100
"""

# Day first. No close date has a number above 12: read month first, column by column, d1
# would close on 4 February, before it was created on 25 March (and d2 on 5 February, d4 on
# 7 March, before 3 April and 1 June). The create dates tell the file's order.
DEALS_DMY = """id,account,created,closed,outcome,amount
d1,a1,25/03/2024,02/04/2024,won,€12.800
d2,a2,03/04/2024,02/05/2024,lost,€1.500
d3,a3,05/01/2024,12/01/2024,won,€900
d4,a1,01/06/2024,03/07/2024,lost,"€2.000,50"
"""


@pytest.fixture
def european_crm(tmp_path: Path) -> tuple[Path, Path]:
    accounts, deals = tmp_path / "accounts.csv", tmp_path / "deals.csv"
    accounts.write_text(ACCOUNTS_EUR, encoding="utf-8")
    deals.write_text(DEALS_DMY, encoding="utf-8")
    return accounts, deals


def test_ingest_reads_the_european_crm_and_says_how(european_crm) -> None:
    accounts, deals = european_crm
    result = load_tables(accounts=accounts, deals=deals)
    table = result.tables["deals"].set_index("deal_id")
    assert table["amount"].tolist() == [12800, 1500, 900, 2000.5]
    assert (table["closed_at"] >= table["created_at"]).all()
    assert table.loc["d2", "created_at"] == pd.Timestamp("2024-04-03")
    files = result.report["files"]
    assert files["deals"]["formats"]["created_at"] == {
        "dates": "day/month/year",
        "because": "25/03/2024",
    }
    assert files["deals"]["formats"]["closed_at"] == {
        "dates": "day/month/year",
        "because": "25/03/2024",  # a create date: the close dates alone cannot tell
    }
    assert table.loc["d1", "closed_at"] == pd.Timestamp("2024-04-02")
    assert files["deals"]["formats"]["amount"]["numbers"] == "1.234,5"
    revenue = result.tables["accounts"].set_index("account_id")["annual_revenue"]
    assert revenue.loc["a1"] == 12_800_000 and revenue.loc["a3"] == 250_000_000.5
    issues = {(i["column"], i["reason"]) for i in result.report["cell_issues"]["listed"]}
    assert ("employees", '"-5" is not a number of employees') in issues
    assert ("annual_revenue", '"-100" is negative: annual revenue cannot be below zero') in issues
    assert np.isnan(revenue.loc["a4"])


def test_negative_sizes_from_parquet_are_cell_issues_too(tmp_path: Path) -> None:
    frame = pd.DataFrame({"account_id": ["a", "b"], "employees": [10, -3], "arr": [1.0, 2.0]})
    frame["annual_revenue"] = [-1e6, 2e6]
    frame.to_parquet(tmp_path / "accounts.parquet")
    result = load_tables(accounts=tmp_path / "accounts.parquet")
    accounts = result.tables["accounts"]
    assert accounts["employees"].isna().tolist() == [False, True]
    assert accounts["annual_revenue"].isna().tolist() == [True, False]
    assert result.report["cell_issues"]["total"] == 2


# Revenue in millions of dollars, as the Fortune list gives it; Walmart first.
FORTUNE_LIKE = """company,revenue,employees,sector
Walmart,523964,2200000,Retailing
Amazon,280522,798000,Retailing
Apple,260174,137000,Technology
CVS Health,268706,256500,Health Care
Microsoft,143015,163000,Technology
Nordstrom,10715,62000,Retailing
"""

REVENUE_CARD = """
name = "Not too small"
[tiers]
unit = "points"
A = 2
B = 1
C = 0
[[attributes]]
name = "Sector"
column = "sector"
kind = "category"
bins = [ { values = ["Technology"], points = 1 } ]
[[disqualifiers]]
column = "annual_revenue"
kind = "numeric"
max = 2390000
reason = "under 2.39M"
"""


@pytest.fixture
def fortune_like(tmp_path: Path) -> tuple[Path, Path]:
    source, card = tmp_path / "fortune.csv", tmp_path / "card.toml"
    source.write_text(FORTUNE_LIKE, encoding="utf-8")
    card.write_text(REVENUE_CARD, encoding="utf-8")
    return source, card


def invoke(*args: object) -> tuple[int, str, str]:
    """A command in-process, as the console script runs it: (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from icpkit.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run(*args: object) -> subprocess.CompletedProcess:
    """The console script itself (for its one-line errors)."""
    return subprocess.run(
        [sys.executable, "-m", "icpkit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


MILLIONS = "median revenue per employee is $0.24"
FIX = "looks like millions of dollars; pass --units annual_revenue=millions"


def test_score_warns_of_revenue_in_millions_and_units_fixes_it(fortune_like, tmp_path) -> None:
    source, card = fortune_like
    code, _, err = invoke(
        "score", "--scorecard", card, "--input", source, "--out", tmp_path / "s.csv"
    )
    assert code == 0 and FIX in " ".join(err.split())
    scored = pd.read_csv(tmp_path / "s.csv")
    assert scored["icp_disqualified"].all()  # every company "under 2.39M", Walmart included

    code, _, err = invoke(
        "score", "--scorecard", card, "--input", source, "--out", tmp_path / "fixed.csv",
        "--units", "annual_revenue=millions",
    )  # fmt: skip
    assert code == 0 and "warning" not in err
    fixed = pd.read_csv(tmp_path / "fixed.csv")
    assert not fixed["icp_disqualified"].any()
    assert fixed["icp_tier"].tolist() == ["C", "C", "B", "C", "B", "C"]


def test_score_reads_a_euro_column_and_says_how(fortune_like, tmp_path) -> None:
    """The card disqualifies under 2.39M: €12.800.000 is over it, €12.800 is not."""
    source = tmp_path / "eu.csv"
    source.write_text(
        "company,revenue,employees,sector\nA,€12.800.000,100,Technology\n"
        'B,€12.800,3,Retailing\nC,"€2.500.000,50",20,Retailing\n',
        encoding="utf-8",
    )
    code, out, err = invoke(
        "score", "--scorecard", fortune_like[1], "--input", source, "--out", tmp_path / "s.csv"
    )
    assert code == 0, err
    assert (
        "annual_revenue: numbers read as 1.234,5 (dots between thousands, a decimal comma), "
        'as "€12.800.000" shows' in " ".join(out.split())
    )
    scored = pd.read_csv(tmp_path / "s.csv")
    assert scored["icp_disqualified"].tolist() == [False, True, False]


def test_the_median_names_the_unit(fortune_like) -> None:
    check = formats.UnitCheck()
    frame = pd.read_csv(fortune_like[0])
    check.add(frame["revenue"].to_numpy(float), frame["employees"].to_numpy(float))
    [warning] = check.warnings()
    assert warning.startswith("annual_revenue: median revenue per employee is $") and FIX in warning


def test_size_warns_and_takes_units(fortune_like) -> None:
    source, card_file = fortune_like
    card = parse_scorecard(card_file.read_text())
    result = size_target_list(card, source)
    assert result["tiers"]["D"] == 6 and any(FIX in w for w in result["warnings"])
    fixed = size_target_list(card, source, units={"annual_revenue": 1e6})
    assert fixed["tiers"]["D"] == 0 and fixed["warnings"] == []
    code, out, err = invoke("size", "--scorecard", card_file, "--universe", source, "--json")
    assert code == 0 and FIX in " ".join(err.split()) and json.loads(out)["warnings"]


def test_ingest_and_build_print_the_decisions_and_the_warning(
    european_crm, fortune_like, tmp_path
) -> None:
    accounts, deals = european_crm
    code, out, err = invoke("ingest", "--accounts", accounts, "--deals", deals, "--out", tmp_path)
    assert code == 0
    said = " ".join(out.split())
    assert 'created_at as day/month/year ("25/03/2024")' in said
    assert 'amount as 1.234,5 ("€2.000,50")' in said
    report = json.loads((tmp_path / "ingest.json").read_text(encoding="utf-8"))
    assert report["files"]["deals"]["formats"]["closed_at"]["dates"] == "day/month/year"

    # a flat file of companies in millions, with enough won and lost to build on
    frame = pd.read_csv(fortune_like[0])
    flat = pd.concat([frame] * 5, ignore_index=True)
    flat["company"] = [f"{c} {i}" for i, c in enumerate(flat["company"])]
    flat["Status"] = ["Won" if i % 2 else "Lost" for i in range(len(flat))]
    flat.to_csv(tmp_path / "flat.csv", index=False)
    args = ("--accounts", tmp_path / "flat.csv", "--outcome", "Status", "--positive", "Won")
    code, _, err = invoke("ingest", *args, "--out", tmp_path / "i")
    assert code == 0 and FIX in " ".join(err.split())
    code, _, err = invoke(
        "ingest", *args, "--out", tmp_path / "j", "--units", "annual_revenue=millions"
    )
    assert code == 0 and "warning" not in err
    revenue = pd.read_parquet(tmp_path / "j" / "accounts.parquet")["annual_revenue"]
    assert revenue.iloc[0] == 523_964_000_000
    code, _, err = invoke("build", *args, "--out", tmp_path / "b")
    assert FIX in " ".join(err.split())


def test_units_option_errors_are_one_line(tmp_path) -> None:
    bad = run("ingest", "--accounts", "x.csv", "--out", tmp_path, "--units", "revenue=millions")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        'error: --units revenue=millions: "revenue" is not a numeric column (employees, '
        "annual_revenue, total_funding, amount, arr_start, arr)"
    ]
    with pytest.raises(IcpkitError, match='unit "lots" is not one of ones, thousands, milli'):
        invoke("score", "--scorecard", "c", "--input", "i", "--out", "o.csv",
               "--units", "annual_revenue=lots")  # fmt: skip
    with pytest.raises(IcpkitError, match="write it COLUMN=UNIT"):
        invoke("size", "--scorecard", "c", "--universe", "u.csv", "--units", "annual_revenue")


UNIT_FACTORS = st.sampled_from([("thousands", 1e3), ("millions", 1e6), ("billions", 1e9)])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.floats(5e4, 9e5), st.integers(1, 2_000_000)), min_size=3, max_size=40),
    UNIT_FACTORS,
)
def test_revenue_in_a_bigger_unit_is_named(companies, unit) -> None:
    """Companies with a typical revenue per employee, revenue written in thousands, millions
    or billions: the warning names that unit; scaled back, there is no warning."""
    name, factor = unit
    staff = np.array([e for _, e in companies], dtype=float)
    revenue = np.array([r for r, _ in companies]) * staff
    check = formats.UnitCheck()
    check.add(revenue / factor, staff)
    assert (
        check.warnings()
        == [w for w in check.warnings() if f"--units annual_revenue={name}" in w]
        != []
    )
    scaled = formats.UnitCheck()
    scaled.add(revenue, staff)
    assert scaled.warnings() == []


def test_headcounts_no_company_has() -> None:
    check = formats.UnitCheck()
    check.add(None, np.array([120.0, 12_000_000.0, np.nan]))
    [warning] = check.warnings()
    assert "1 companies have more than 5,000,000 employees (largest 12,000,000)" in warning


def test_parse_units() -> None:
    assert formats.parse_units(["annual_revenue=millions", "amount=thousands"]) == {
        "accounts": {"annual_revenue": 1e6},
        "deals": {"amount": 1e3},
    }
    with pytest.raises(IcpkitError, match="write it COLUMN=UNIT"):
        formats.parse_units(["annual_revenue"])


def test_the_real_fortune_1000_warning_names_millions(shared_data, tmp_path) -> None:
    source = shared_data / "fortune1000_2021" / "Fortune_1000.csv"
    mapping = tmp_path / "fortune.toml"
    mapping.write_text(
        '[accounts]\n"num. of employees" = "employees"\n"revenue" = "annual_revenue"\n'
    )
    card = parse_scorecard(REVENUE_CARD)
    result = size_target_list(card, source, mapping=mapping)
    assert result["tiers"]["D"] == 1000  # Walmart too, "under 2.39M"
    [warning] = result["warnings"]
    assert (
        warning.startswith("annual_revenue: median revenue per employee is $0.") and FIX in warning
    )
    fixed = size_target_list(card, source, mapping=mapping, units={"annual_revenue": 1e6})
    assert fixed["tiers"]["D"] == 0 and fixed["warnings"] == []
