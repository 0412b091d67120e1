"""The scorecard compiled to SQL gives the Python path's numbers and reasons, row for row.

Hypothesis draws scorecards (numeric, category, list and boolean attributes; missing and
catch-all bins; disqualifiers; tiers on the score or on points) and tables of awkward values
(mixed case, padding, blanks, ``;`` and ``,`` lists, numbers on bin edges), then checks that
DuckDB, SQLite, PostgreSQL and Spark all agree with ``Scorecard.apply``.
"""

from __future__ import annotations

import math
import shutil
import sqlite3
import string
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icpkit.conditions import Condition
from icpkit.errors import IcpkitError
from icpkit.score import score_file
from icpkit.scorecard.io import load_scorecard
from icpkit.scorecard.model import Attribute, Bin, Disqualifier, Scorecard, Tiers
from icpkit.sql import DIALECTS, to_sql

ROOT = Path(__file__).resolve().parents[1]

TABLE = 'my "accounts"'  # a table name that only works when quoted
TABLE_SQL = '"my ""accounts"""'
# Column names a careless compiler would break on: keywords, spaces, quotes, case.
COLUMN_NAMES = ["employees", "select", "Region Name", 'we"ird', "order", "Tech;Stack", "x"]
WORDS = ["snowflake", "dbt", "Segment", "north america", "EMEA", "it's", "50%_off", "a,b"]
BOOLEAN_TEXT = ["yes", "No", "TRUE", "f", "0", "1", "1.0", "y", "maybe", "", " t "]
PADDING = st.sampled_from(["", " ", "  ", "\t", " \n"])


# ---- random scorecards --------------------------------------------------------------------


def _numeric_condition() -> st.SearchStrategy[Condition]:
    edge = st.sampled_from([-5.0, 0.0, 1.5, 10.0, 50.0, 200.0, 1000.0])

    @st.composite
    def draw(draw) -> Condition:
        shape = draw(st.sampled_from(["min", "max", "range", "below", "min_below", "any"]))
        a, b = sorted([draw(edge), draw(edge)])
        if shape == "min":
            return Condition(min=a)
        if shape == "max":
            return Condition(max=b)
        if shape == "range":
            return Condition(min=a, max=b)
        if shape == "below":
            return Condition(less_than=b)
        if shape == "min_below" and a < b:
            return Condition(min=a, less_than=b)
        return Condition()

    return draw()


def _condition(kind: str) -> st.SearchStrategy[Condition]:
    special = st.sampled_from([Condition(missing=True), Condition(other=True)])
    if kind == "numeric":
        plain = _numeric_condition()
    elif kind == "boolean":
        plain = st.sampled_from([("true",), ("false",), ("true", "false"), ("yes",)]).map(
            lambda v: Condition(values=v)
        )
    else:
        cased = st.sampled_from(WORDS).flatmap(
            lambda w: st.sampled_from([w, w.upper(), f" {w} ", w.title()])
        )
        plain = st.lists(cased, min_size=1, max_size=3).map(lambda v: Condition(values=tuple(v)))
    return st.one_of(plain, plain, plain, special)


@st.composite
def scorecards(draw) -> Scorecard:
    columns = draw(st.lists(st.sampled_from(COLUMN_NAMES), min_size=1, max_size=5, unique=True))
    kinds = {c: draw(st.sampled_from(["numeric", "category", "list", "boolean"])) for c in columns}
    attributes = []
    for i, column in enumerate(columns):
        kind = kinds[column]
        bins = tuple(
            Bin(label=condition.describe() + ("'s" if i % 2 else ""), points=points, condition=c)
            for c, condition, points in (
                (cond, cond, draw(st.integers(-3, 3)))
                for cond in draw(st.lists(_condition(kind), min_size=1, max_size=4))
            )
        )
        attributes.append(
            Attribute(name=f"Attr {i}: {column}", column=column, kind=kind, bins=bins)
        )
    disqualifiers = tuple(
        Disqualifier(
            attribute=column,
            column=column,
            kind=kinds[column],
            condition=draw(_condition(kinds[column])),
            reason=f"rule {k} on {column}",
        )
        for k, column in enumerate(draw(st.lists(st.sampled_from(columns), max_size=2)))
    )
    unit = draw(st.sampled_from(["score", "points"]))
    grid = st.integers(0, 100) if unit == "score" else st.integers(-6, 8)
    a, b, c = sorted((draw(grid), draw(grid), draw(grid)), reverse=True)
    return Scorecard(
        name="random",
        attributes=tuple(attributes),
        disqualifiers=disqualifiers,
        tiers=Tiers(float(a), float(b), float(c), unit=unit),
    )


# ---- random tables ------------------------------------------------------------------------


def _cell(kind: str) -> st.SearchStrategy:
    if kind == "numeric":
        values = st.sampled_from([-5, 0, 1.5, 10, 49.99, 50, 200, 200.5, 1000, 1001, 7])
        return st.one_of(st.none(), values.map(float))
    if kind == "boolean":
        return st.one_of(st.none(), st.sampled_from(BOOLEAN_TEXT))
    word = st.one_of(
        st.sampled_from(WORDS), st.text(string.ascii_letters + " '%_", min_size=0, max_size=6)
    ).flatmap(lambda w: st.sampled_from([w, w.upper(), w.lower()]))
    padded = st.tuples(PADDING, word, PADDING).map("".join)
    if kind == "category":
        return st.one_of(st.none(), padded)
    return st.one_of(
        st.none(),
        st.tuples(st.lists(padded, max_size=4), st.sampled_from([";", ",", " ; "])).map(
            lambda parts: parts[1].join(parts[0])
        ),
    )


@st.composite
def cards_and_tables(draw) -> tuple[Scorecard, pd.DataFrame]:
    card = draw(scorecards())
    kinds = {a.column: a.kind for a in (*card.attributes, *card.disqualifiers)}
    n = draw(st.integers(1, 25))
    frame = pd.DataFrame({"account_id": range(n)})
    for column, kind in kinds.items():
        cells = draw(st.lists(_cell(kind), min_size=n, max_size=n))
        if kind == "numeric":
            frame[column] = pd.Series([math.nan if v is None else v for v in cells], dtype=float)
        else:
            frame[column] = pd.Series(cells, dtype=object)
    return card, frame


def python_scores(card: Scorecard, frame: pd.DataFrame) -> list[tuple]:
    scored = card.apply(frame).to_frame(frame["account_id"])
    return _rows(scored)


def _rows(result: pd.DataFrame) -> list[tuple]:
    result = result.sort_values("account_id")
    return [
        (r.account_id, int(r.icp_score), r.icp_tier, bool(r.icp_disqualified), r.icp_reasons)
        for r in result.itertuples()
    ]


def _sql_types(frame: pd.DataFrame, number: str, textual: str) -> list[str]:
    out = []
    for column in frame.columns:
        kind = "BIGINT" if column == "account_id" else textual
        if column != "account_id" and pd.api.types.is_float_dtype(frame[column]):
            kind = number
        out.append(f'"{column.replace(chr(34), chr(34) * 2)}" {kind}')
    return out


def _records(frame: pd.DataFrame) -> list[tuple]:
    return [
        tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)
        for row in frame.itertuples(index=False)
    ]


def duckdb_scores(con, card: Scorecard, frame: pd.DataFrame) -> list[tuple]:
    con.execute(f"DROP TABLE IF EXISTS {TABLE_SQL}")
    con.execute(f"CREATE TABLE {TABLE_SQL} ({', '.join(_sql_types(frame, 'DOUBLE', 'TEXT'))})")
    marks = ", ".join("?" * frame.shape[1])
    con.executemany(f"INSERT INTO {TABLE_SQL} VALUES ({marks})", _records(frame))
    return _rows(con.execute(to_sql(card, TABLE_SQL, "duckdb")).df())


def sqlite_scores(card: Scorecard, frame: pd.DataFrame) -> list[tuple]:
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE TABLE {TABLE_SQL} ({', '.join(_sql_types(frame, 'REAL', 'TEXT'))})")
    marks = ", ".join("?" * frame.shape[1])
    con.executemany(f"INSERT INTO {TABLE_SQL} VALUES ({marks})", _records(frame))
    result = pd.read_sql_query(to_sql(card, TABLE_SQL, "sqlite"), con)
    return _rows(result)


@pytest.fixture(scope="module")
def postgres():
    psycopg = pytest.importorskip("psycopg")
    try:
        con = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3
        )
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL does not answer on 127.0.0.1:5432 ({error})")
    con.autocommit = True
    yield con
    con.close()


def postgres_scores(con, card: Scorecard, frame: pd.DataFrame) -> list[tuple]:
    columns = ", ".join(_sql_types(frame, "DOUBLE PRECISION", "TEXT"))
    with con.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE_SQL}")
        cursor.execute(f"CREATE TEMP TABLE {TABLE_SQL} ({columns})")
        # Typed placeholders: a column of only NULLs must still insert as its declared type.
        marks = ", ".join(
            "%s::double precision" if pd.api.types.is_float_dtype(frame[c]) else "%s"
            for c in frame.columns
        )
        cursor.executemany(f"INSERT INTO {TABLE_SQL} VALUES ({marks})", _records(frame))
        cursor.execute(to_sql(card, TABLE_SQL, "postgres"))
        names = [d.name for d in cursor.description]
        result = pd.DataFrame(cursor.fetchall(), columns=names)
    return _rows(result)


# ---- properties ---------------------------------------------------------------------------

PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    yield con
    con.close()


@PROPERTY
@given(case=cards_and_tables())
def test_duckdb_and_sqlite_score_like_python(duck, case):
    card, frame = case
    expected = python_scores(card, frame)
    assert duckdb_scores(duck, card, frame) == expected
    assert sqlite_scores(card, frame) == expected


@PROPERTY
@given(case=cards_and_tables())
def test_postgres_scores_like_python(postgres, case):
    card, frame = case
    assert postgres_scores(postgres, card, frame) == python_scores(card, frame)


# ---- Spark: one JVM for the module, a few small tables -------------------------------------


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (17+) on PATH; none found")
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("icpkit-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # Loopback only: the test Spark talks to nothing beyond this machine.
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        # Tiny tables: compiling whole-stage code for the long CASE chains costs more than
        # it saves (a cluster keeps Spark's default).
        .config("spark.sql.codegen.wholeStage", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.spark
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cards_and_tables())
def test_spark_scores_like_python(spark, tmp_path_factory, case):
    from icpkit.spark import score_parquet

    card, frame = case
    folder = tmp_path_factory.mktemp("spark")
    # Declared types, so that a column of only blanks is still text (or a number) in Spark.
    types = {c: pa.float64() if frame[c].dtype == float else pa.string() for c in frame.columns}
    types["account_id"] = pa.int64()
    schema = pa.schema(list(types.items()))
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    pq.write_table(table, folder / "part-0.parquet")
    rows = score_parquet(spark, card, str(folder), id_column="account_id").collect()
    result = pd.DataFrame([r.asDict() for r in rows])
    assert _rows(result) == python_scores(card, frame)


# ---- the compiled text itself ---------------------------------------------------------------


def test_every_dialect_compiles_the_seed_card_with_quoted_names():
    card = load_scorecard(ROOT / "examples" / "seed-scorecard.toml")
    quotes = {"bigquery": "`", "spark": "`", "tsql": "["}
    for dialect in DIALECTS:
        sql = to_sql(card, "crm.accounts", dialect)
        assert sql.lstrip().upper().startswith("SELECT"), dialect
        q = quotes.get(dialect, '"')
        assert f"{q}employees" in sql and f"{q}technologies" in sql, dialect
        assert "icp_reasons" in sql and "'DQ: over 1,000 employees'" in sql, dialect


def test_tsql_returns_a_bit_for_the_disqualified_flag():
    card = load_scorecard(ROOT / "examples" / "seed-scorecard.toml")
    sql = to_sql(card, "accounts", "tsql")
    assert "AS BIT) AS [icp_disqualified]" in sql


def test_unknown_dialect_is_a_clear_error():
    card = load_scorecard(ROOT / "examples" / "seed-scorecard.toml")
    with pytest.raises(IcpkitError, match="unknown SQL dialect 'oracle'"):
        to_sql(card, "accounts", "oracle")


def test_seed_card_in_duckdb_matches_the_playbook_numbers():
    """The seed card's worked example: 120 employees, Series B, Snowflake, hiring, North America
    is 7 points (score 100, tier A); 5,000 employees is disqualified."""
    card = load_scorecard(ROOT / "examples" / "seed-scorecard.toml")
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE accounts AS SELECT * FROM (VALUES "
        "(1, 120, 'series_b', 'Snowflake; AWS', 'yes', 'North America'),"
        "(2, 5000, 'series_a', NULL, 'true', NULL)) "
        "t(account_id, employees, funding_stage, technologies, hiring_revops_60d, region)"
    )
    rows = con.execute(to_sql(card, "accounts", "duckdb") + " ORDER BY 1").fetchall()
    assert rows[0][1:4] == (100, "A", False)
    assert rows[0][4] == (
        "Company size: 50-200 (+2); Tech stack match: Snowflake or dbt or Segment (+2); "
        "Funding stage: series_a or series_b or series_c (+1)"
    )
    assert rows[1][2:4] == ("D", True)
    assert rows[1][4].startswith("DQ: over 1,000 employees; ")


@pytest.mark.slow
def test_cli_sql_scores_a_simulated_crm_like_icpkit_score(tmp_path):
    """End to end as a data team would: a card learned from a simulated CRM, `icpkit sql` run
    in DuckDB over the accounts file, compared row for row with `icpkit score`."""
    from icpkit.build import build_icp
    from icpkit.scorecard.io import save_scorecard
    from icpkit.simulate import simulate, write_crm

    crm = simulate(1200, seed=5)
    files = write_crm(crm, tmp_path / "crm")
    card_path = tmp_path / "scorecard.toml"
    save_scorecard(build_icp(crm.accounts, crm.deals).scorecard, card_path)
    run = subprocess.run(
        [sys.executable, "-m", "icpkit", "sql", "--scorecard", str(card_path), "--dialect",
         "duckdb", "--table", "crm accounts"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    con = duckdb.connect()
    con.execute(f"CREATE TABLE \"crm accounts\" AS SELECT * FROM read_csv('{files['accounts']}')")
    from_sql = con.execute(run.stdout.rstrip().rstrip(";")).df().set_index("account_id")
    score_file(card_path, files["accounts"], tmp_path / "scored.parquet")
    from_python = pd.read_parquet(tmp_path / "scored.parquet").set_index("account_id")
    from_sql = from_sql.loc[from_python.index]
    for column in ("icp_score", "icp_tier", "icp_disqualified", "icp_reasons"):
        assert from_sql[column].tolist() == from_python[column].tolist(), column
    assert from_python["icp_score"].nunique() > 5  # a real spread of scores, not a constant

    # The same card over the canonical Parquet that ingest and build write: technologies as
    # list<string>, unknown amounts stored as NaN (which SQL must read as missing, not as big).
    from icpkit.ingest import load_dir, write_ingest

    write_ingest(load_dir(tmp_path / "crm"), tmp_path / "ingested")
    canonical = tmp_path / "ingested" / "accounts.parquet"
    card = load_scorecard(card_path)
    table = "'" + str(canonical) + "'"
    in_sql = con.execute(to_sql(card, table, "duckdb", lists="array")).df()
    score_file(card_path, canonical, tmp_path / "canonical-scored.parquet")
    in_python = pd.read_parquet(tmp_path / "canonical-scored.parquet")
    assert _rows(in_sql) == _rows(in_python)


def test_array_list_columns_as_ingest_writes_them(duck, tmp_path):
    """`--lists array`: technologies as list<string> in Parquet score like the Python path."""
    card = load_scorecard(ROOT / "examples" / "seed-scorecard.toml")
    frame = pd.DataFrame(
        {
            "account_id": [1, 2, 3, 4, 5],
            "employees": [120.0, 300.0, 20.0, None, 60.0],
            "technologies": [["Snowflake", "AWS"], [" DBT "], [], None, ["aws", "Segment "]],
            "funding_stage": ["series_b", None, "public", "Series_A", ""],
            "hiring_revops_60d": [True, False, None, True, False],
            "region": ["North America", None, "Europe", "north america", None],
        }
    )
    path = tmp_path / "accounts.parquet"
    frame.to_parquet(path, index=False)
    sql = to_sql(card, "accounts", "duckdb", lists="array")
    duck.execute(f"CREATE OR REPLACE VIEW accounts AS SELECT * FROM read_parquet('{path}')")
    assert _rows(duck.execute(sql).df()) == python_scores(card, frame)


def test_array_lists_are_refused_where_there_are_no_arrays():
    card = load_scorecard(ROOT / "examples" / "seed-scorecard.toml")
    for dialect in ("sqlite", "tsql", "redshift"):
        with pytest.raises(IcpkitError, match="no array columns"):
            to_sql(card, "accounts", dialect, lists="array")


def test_every_dialect_reads_back_its_own_sql():
    """sqlglot parses each printed SELECT in its dialect: no broken syntax in any of them."""
    import sqlglot

    card = load_scorecard(ROOT / "examples" / "seed-scorecard.toml")
    for dialect in DIALECTS:
        tree = sqlglot.parse_one(to_sql(card, "crm.accounts", dialect), read=dialect)
        assert [e.alias_or_name for e in tree.expressions] == [
            "account_id",
            "icp_score",
            "icp_tier",
            "icp_disqualified",
            "icp_reasons",
        ], dialect
