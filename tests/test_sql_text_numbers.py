"""Numbers stored as text ("51-200", "$2.5M", "1.234,5") read in SQL as `icpkit score` reads them.

Hypothesis writes numbers the way CRMs and people do (bands, multipliers, currency marks before
and after, approximations, words for people, separators of every country, odd spaces) and
mutates them into text the parser refuses. For each text, DuckDB and PostgreSQL must give the
value Python gives (the same number, or unknown, or out of range); on the forms the SQL reads
that is every text, and on mutated text SQL may only be unknown where Python reads a number
(a spelling outside the forms), never a different number.
"""

from __future__ import annotations

import math
import re
import string
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from icpkit import bounds
from icpkit.conditions import out_of_range, read_column
from icpkit.errors import IcpkitError
from icpkit.ingest import normalise
from icpkit.ingest.data_tables import money_words
from icpkit.ingest.normalise.numbers import _SOLO
from icpkit.score import prepare_columns, score_file
from icpkit.scorecard.io import load_scorecard
from icpkit.sql import to_sql
from icpkit.sql.number_forms import FORMS, TEXT_NUMBER_DIALECTS, WHITESPACE, money
from icpkit.sql.numbers import read_text_numbers
from icpkit.sql.select import _derived_table

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-scorecard.toml"
COLUMNS = ("employees", "annual_revenue", "founded_year", "growth_rate")

# ---- Python's reading and SQL's -----------------------------------------------------------

OUT = "out of range"


def python_values(column: str, texts: list[str | None]) -> list[object]:
    """What scoring reads: the number, None (unknown) or OUT (unknown, with the note)."""
    frame = pd.DataFrame({column: pd.Series(texts, dtype=object)})
    prepared = prepare_columns(frame, [column])
    values = read_column(prepared, column, "numeric").to_numpy(dtype=float, na_value=np.nan)
    outside = out_of_range(prepared, column, "numeric")
    pairs = zip(values, outside, strict=True)
    return [OUT if o else (None if math.isnan(v) else float(v)) for v, o in pairs]


_SQL: dict[tuple[str, str], str] = {}


def reading_sql(column: str, dialect: str) -> str:
    if (column, dialect) not in _SQL:
        source = exp.select(
            exp.column("i").as_("_icp_id"), exp.column("x").as_("_icp_c0", quoted=True)
        ).from_("t")
        select, numbers = read_text_numbers(source, {column: "_icp_c0"}, dialect, _derived_table)
        outer = exp.select("_icp_id", numbers[column]).from_(_derived_table(select, "q", dialect))
        _SQL[(column, dialect)] = outer.sql(dialect)
    return _SQL[(column, dialect)]


def _known(column: str, rows: list[tuple]) -> dict[int, object]:
    low, high = bounds.limits(column)
    return {i: None if v is None else float(v) if low <= v <= high else OUT for i, v in rows}


def duckdb_values(con, column: str, texts: list[str | None]) -> list[object]:
    con.execute("CREATE OR REPLACE TEMP TABLE t (i BIGINT, x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    found = _known(column, con.execute(reading_sql(column, "duckdb")).fetchall())
    return [found[i] for i in range(len(texts))]


def postgres_values(con, column: str, texts: list[str | None]) -> list[object]:
    with con.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS t (i BIGINT, x TEXT)")
        cursor.execute("DELETE FROM t")
        rows = [(i, None if x is None else x.replace("\0", "")) for i, x in enumerate(texts)]
        cursor.executemany("INSERT INTO t VALUES (%s, %s)", rows)
        cursor.execute(reading_sql(column, "postgres"))
        found = _known(column, cursor.fetchall())
    con.rollback()
    return [found[i] for i in range(len(texts))]


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    yield con
    con.close()


@pytest.fixture(scope="module")
def postgres():
    psycopg = pytest.importorskip("psycopg")
    try:
        con = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3
        )
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL does not answer on 127.0.0.1:5432 ({error})")
    yield con
    con.close()


# ---- numbers as people write them -----------------------------------------------------------

SPACES = st.sampled_from(["", " ", "  ", "\xa0", "\t", "\u202f", " \n"])


def _cased(words: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(words).flatmap(lambda w: st.sampled_from([w, w.upper(), w.title()]))


def _grouped(n: int, mark: str) -> str:
    return f"{n:,}".replace(",", mark)


ODD_DIGITS = ["12.800", "3,5", ".5", "5.", "5,", "1,2,3", "1.2.3,4", "1,,2.5", "007", "0", "0.0"]
ODD_DIGITS += ["9" * 19, "1" * 320, "1,000,000,000,000,000,000"]
DIGITS = st.one_of(
    st.integers(0, 20_000).map(str),
    st.integers(1000, 10**10).flatmap(
        lambda n: st.sampled_from([",", ".", " ", "'", "\xa0"]).map(lambda m: _grouped(n, m))
    ),
    st.tuples(st.integers(0, 5000), st.integers(0, 999), st.sampled_from([".", ","])).map(
        lambda p: f"{p[0]}{p[2]}{p[1]}"
    ),
    st.tuples(st.integers(1000, 10**7), st.integers(0, 99), st.sampled_from([".", ","])).map(
        lambda p: _grouped(p[0], "," if p[2] == "." else ".") + f"{p[2]}{p[1]:02d}"
    ),
    st.sampled_from(ODD_DIGITS),
)
MULTIPLIERS = st.one_of(
    st.just(""),
    st.tuples(SPACES, _cased(list(money_words().multipliers))).map("".join),
)
AMOUNT = st.tuples(DIGITS, MULTIPLIERS).map("".join)


def _currency_before() -> st.SearchStrategy[str]:
    marks = [c.lower() for c in sorted(money_words().currency_codes)] + list(
        money_words().currency_symbols
    )
    return st.tuples(_cased(marks), SPACES).map("".join)


def _currency_after() -> st.SearchStrategy[str]:
    marks = [c.lower() for c in sorted(money_words().currency_codes)] + list(
        money_words().currency_symbols
    )
    words = st.tuples(st.just(" "), _cased(list(money_words().currency_words))).map("".join)
    return st.one_of(st.tuples(SPACES, _cased(marks)).map("".join), words)


@st.composite
def money_side(draw) -> str:
    amount = draw(AMOUNT)
    how = draw(st.sampled_from(["none", "before", "after", "both"]))
    before = draw(_currency_before()) if how in ("before", "both") else ""
    after = draw(_currency_after()) if how in ("after", "both") else ""
    if how == "both" and before.strip().lower() in ("usd$", "cad$", "aud$"):
        after = ""  # a code, a "$" and another mark: three cuts, the parser makes two
    return before + amount + after


def _band(side: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    dash = st.tuples(SPACES, st.sampled_from(FORMS.range_dashes), SPACES).map("".join)
    word = st.tuples(st.sampled_from([" ", "  ", " - "]), _cased(list(FORMS.range_words)))
    separator = st.one_of(dash, dash, word.map(lambda w: w[0] + w[1] + " "), st.just("--"))
    before = _cased([*FORMS.open_top_before, *FORMS.open_bottom_before])
    after = _cased([*FORMS.open_top_after, *FORMS.open_bottom_after])
    return st.one_of(
        side,
        st.tuples(side, separator, side).map("".join),
        st.tuples(side, separator, side).map("".join),
        st.tuples(before, SPACES, side).map("".join),
        st.tuples(side, SPACES, after).map("".join),
    )


@st.composite
def headcounts(draw) -> str:
    body = draw(_band(st.tuples(st.sampled_from(["", "", "+", "-"]), AMOUNT).map("".join)))
    if draw(st.booleans()):
        body = draw(st.tuples(_cased(list(FORMS.approximately)), SPACES)).__add__((body,))
        body = "".join(body)
    if draw(st.booleans()):
        body = body + draw(
            st.tuples(st.sampled_from([" ", "  "]), _cased(list(FORMS.people))).map("".join)
        )
    return body


@st.composite
def amounts(draw) -> str:
    body = draw(_band(money_side()))
    if draw(st.integers(0, 5)) == 0:
        body = f"({body})"
    return body


PLAIN = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**12), 10**12).map(lambda n: f"{n:,}"),
    st.sampled_from(["2.5E+06", "1e400", "-1e400", "1e-400", "inf", "-Infinity", "nan", "+.5"]),
)
YEARS = st.one_of(
    st.integers(1500, 2200).map(str),
    st.integers(1500, 2200).map(lambda y: f"{y}.0"),
    st.tuples(
        st.integers(1650, 2250), st.integers(0, 13), st.integers(0, 32), st.sampled_from("-/.")
    ).map(lambda d: f"{d[0]}{d[3]}{d[1]:02d}{d[3]}{d[2]}"),
    st.tuples(st.integers(1650, 2250), st.integers(0, 13), st.integers(0, 32)).map(
        lambda d: f"{d[0]}{d[1]:02d}{d[2]:02d}"
    ),
    st.sampled_from(["0999", "2015.5", "2016-02-29", "1900-02-29", "2000-02-29"]),
)
FORMS_OF = {
    "employees": st.one_of(headcounts(), PLAIN, st.sampled_from(sorted(_SOLO))),
    "annual_revenue": st.one_of(amounts(), PLAIN),
    "founded_year": YEARS,
    "growth_rate": PLAIN,
}


@st.composite
def padded(draw, column: str) -> str | None:
    if draw(st.integers(0, 20)) == 0:
        return None
    value = draw(FORMS_OF[column])
    return draw(SPACES).lstrip("\n") + value + draw(SPACES)


NOISE = string.digits + ".,' -+–$€£kKmMbBtoandusdeur()<>~\n\xa0" + "employees"[:4]


@st.composite
def mutated(draw, column: str) -> str:
    """A text of the forms with a character put in, taken out or changed: often text the
    parser refuses, sometimes a spelling outside the forms it still reads."""
    value = draw(padded(column)) or ""
    for _ in range(draw(st.integers(1, 2))):
        at = draw(st.integers(0, len(value)))
        what = draw(st.sampled_from(["insert", "delete", "replace"]))
        character = draw(st.sampled_from(NOISE))
        if what == "insert":
            value = value[:at] + character + value[at:]
        elif what == "delete":
            value = value[:at] + value[at + 1 :]
        else:
            value = value[:at] + character + value[at + 1 :]
    return value


def _same(python: object, sql: object) -> bool:
    """The same reading. pandas' to_numeric (any other numeric column) is not correctly
    rounded past 15 significant digits ("+.73274341105519e-24" is 7.3274341105519005e-25),
    the engines' casts and Python's float() are: those may differ in the last bit."""
    if isinstance(python, float) and isinstance(sql, float):
        return math.isclose(python, sql, rel_tol=1e-15, abs_tol=0.0)
    return python == sql


def _differences(texts, python, sql) -> list[tuple]:
    return [(t, p, s) for t, p, s in zip(texts, python, sql, strict=True) if not _same(p, s)]


def _unsound(texts, python, sql) -> list[tuple]:
    """Rows where SQL reads something Python does not: a number or a note it does not give."""
    return [
        (t, p, s)
        for t, p, s in zip(texts, python, sql, strict=True)
        if s is not None and not _same(p, s)
    ]


# ---- the properties ---------------------------------------------------------------------------

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("column", COLUMNS)
def test_duckdb_reads_text_numbers_as_python_does(duck, column):
    @given(st.lists(padded(column), min_size=1, max_size=40))
    @SETTINGS
    def check(texts):
        python = python_values(column, texts)
        assert _differences(texts, python, duckdb_values(duck, column, texts)) == []

    check()


@pytest.mark.parametrize("column", COLUMNS)
def test_postgres_reads_text_numbers_as_python_does(postgres, column):
    @given(st.lists(padded(column), min_size=1, max_size=40))
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    def check(texts):
        python = python_values(column, texts)
        assert _differences(texts, python, postgres_values(postgres, column, texts)) == []

    check()


@pytest.mark.parametrize("column", COLUMNS)
def test_sql_never_reads_another_number_from_mutated_text(duck, postgres, column):
    @given(st.lists(mutated(column), min_size=1, max_size=40))
    @SETTINGS
    def check(texts):
        python = python_values(column, texts)
        assert _unsound(texts, python, duckdb_values(duck, column, texts)) == []
        assert _unsound(texts, python, postgres_values(postgres, column, texts)) == []

    check()


def test_the_examples_people_write():
    """The issue's own values, and the parser's documented examples, in DuckDB."""
    con = duckdb.connect()
    cases = {
        "employees": {
            "51-200": 101.0, "1,001-5,000": 2237.0, "10,001+": 15002.0, "51–200 employees": 101.0,
            "1.2k": 1200.0, "approx. 50": 50.0, "<10": 5.0, "self-employed": 1.0, "abc": None,
            "20M": OUT, "-5": None, "n/a": None,
        },
        "annual_revenue": {
            "$2.5M": 2_500_000.0, "USD 20,000,000": 20_000_000.0, "€3,5 Mio": 3_500_000.0,
            "$10M-50M": math.sqrt(10e6 * 50e6), "<$1M": 500_000.0, "(1,000)": None,
            "1.234.567,89": 1234567.89, "2.5E+06": 2_500_000.0, "1e400": OUT, "$5-€10": None,
        },
    }  # fmt: skip
    for column, expected in cases.items():
        texts = list(expected)
        assert python_values(column, texts) == list(expected.values()), column
        assert duckdb_values(con, column, texts) == list(expected.values()), column


def test_the_forms_are_the_parsers():
    """Each phrase the SQL reads is one the parser reads, with the meaning SQL gives it."""
    band = normalise.parse_band
    for phrase in FORMS.open_top_before:
        assert band(f"{phrase} 10").value == 15, phrase
    for phrase in FORMS.open_top_after:
        assert band(f"10 {phrase}").value == 15, phrase
    for phrase in FORMS.open_bottom_before:
        assert band(f"{phrase} 10").value == 5, phrase
    for phrase in FORMS.open_bottom_after:
        assert band(f"10 {phrase}").value == 5, phrase
    for separator in (*FORMS.range_dashes, " to ", " and "):
        assert band(f"10{separator}40").value == 20, separator
    for word in FORMS.approximately:
        assert normalise.parse_employees(f"{word} 10") == 10, word
    for word in FORMS.people:
        assert normalise.parse_employees(f"10 {word}") == 10, word
    assert "".join(sorted(WHITESPACE)) == "".join(
        sorted(c for c in map(chr, range(sys.maxunicode + 1)) if re.match(r"\s", c))
    )
    # a multiplier never ends in a currency mark, so cutting the mark off leaves the multiplier
    assert not [m for m in money_words().multipliers for c in money().currencies if m.endswith(c)]


# ---- the contract: which dialects, which columns ----------------------------------------------


def test_dialects_without_regular_expressions_refuse_in_one_line():
    card = load_scorecard(SEED)
    for dialect in ("sqlite", "tsql"):
        with pytest.raises(IcpkitError) as error:
            to_sql(card, "accounts", dialect, text_numbers=["employees"])
        message = str(error.value)
        assert "\n" not in message
        assert message.startswith(f"employees: {dialect} has no regular expressions")
        assert "icpkit score" in message
        to_sql(card, "accounts", dialect)  # numbers stored as numbers: as before
    for dialect in TEXT_NUMBER_DIALECTS:  # each prints SQL its own parser reads back
        sql = to_sql(card, "accounts", dialect, text_numbers=["all"])
        assert "REGEXP" in sql.upper() or "RLIKE" in sql.upper() or " ~ " in sql, dialect
        assert sqlglot.parse_one(sql, read=dialect) is not None


def test_only_numeric_columns_of_the_card_may_be_text():
    card = load_scorecard(SEED)
    with pytest.raises(IcpkitError, match=r"^industry: not a numeric column of this scorecard"):
        to_sql(card, "accounts", "duckdb", text_numbers=["industry"])
    assert to_sql(card, "accounts", "duckdb", text_numbers=["all"]) == to_sql(
        card, "accounts", "duckdb", text_numbers=["employees"]
    )
    assert to_sql(card, "accounts", "duckdb", text_numbers=[]) == to_sql(card, "accounts", "duckdb")


def test_cli_refuses_sqlite_with_one_line_and_a_nonzero_exit():
    run = subprocess.run(
        [sys.executable, "-m", "icpkit", "sql", "--scorecard", str(SEED), "--dialect", "sqlite",
         "--table", "accounts", "--text-numbers", "employees"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode != 0
    assert run.stdout == ""
    assert run.stderr.strip().count("\n") == 0
    assert "employees: sqlite has no regular expressions" in run.stderr


def test_cli_scores_a_messy_crm_export_in_duckdb_like_icpkit_score(tmp_path):
    """A HubSpot-style export loaded into DuckDB as text, every column VARCHAR ("51-200",
    "1,001–5,000 employees", "$2.5M", "USD 20,000,000"), scored by `icpkit sql --text-numbers
    all` and by `icpkit score` on the file: the same scores, tiers, flags and reasons."""
    from icpkit.build import build_icp
    from icpkit.scorecard.io import save_scorecard
    from icpkit.simulate import simulate, write_crm
    from icpkit.simulate.messy import ACCOUNT_HEADERS

    crm = simulate(1500, seed=11)
    files = write_crm(crm, tmp_path / "crm", messy=True, seed=3)
    card_path = tmp_path / "scorecard.toml"
    card = build_icp(crm.accounts, crm.deals).scorecard
    save_scorecard(card, card_path)
    canonical = {header: column for column, header in ACCOUNT_HEADERS.items()}
    con = duckdb.connect()
    raw = con.execute(f"SELECT * FROM read_csv('{files['accounts']}', all_varchar=true)").df()
    raw = raw.rename(columns=canonical)
    con.execute("CREATE TABLE crm AS SELECT * FROM raw")
    run = subprocess.run(
        [sys.executable, "-m", "icpkit", "sql", "--scorecard", str(card_path), "--dialect",
         "duckdb", "--table", "crm", "--columns", ",".join(raw.columns), "--text-numbers", "all"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    from_sql = con.execute(run.stdout.rstrip().rstrip(";")).df()
    score_file(card_path, files["accounts"], tmp_path / "scored.parquet")
    from_python = pd.read_parquet(tmp_path / "scored.parquet")
    from_python = from_python.rename(columns={from_python.columns[0]: "account_id"})
    key = ["account_id", "icp_score", "icp_tier", "icp_disqualified", "icp_reasons"]
    sql_rows = sorted(map(tuple, from_sql[key].astype(str).to_numpy()))
    python_rows = sorted(map(tuple, from_python[key].astype(str).to_numpy()))
    assert sql_rows == python_rows
    numeric = [a.column for a in card.attributes if a.kind == "numeric"]
    assert "employees" in numeric or "annual_revenue" in numeric, numeric
    assert raw["employees"].str.contains("-|–|\\+", regex=True).any()  # bands, in text
