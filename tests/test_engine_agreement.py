"""One card, the same score everywhere, from the raw columns a user actually has.

A card learned with ``region`` scores a raw company table that has only ``country`` (or both),
with CRM spellings ("USA", "Computer Software", "Series B"), blanks, unseen labels and numbers
ingest would refuse (1e23 or negative employees, infinity). Python (``score_frame`` and the
streamed ``score_file``), DuckDB, SQLite, PostgreSQL, Spark and the HTTP API must give the same
``icp_score``, ``icp_tier`` and ``icp_disqualified`` row for row (and the SQL engines the same
reasons). And scoring a CRM's raw accounts file gives what scoring its ingested table gives.
"""

from __future__ import annotations

import itertools
import math
import shutil
import sqlite3
import string
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icpkit import inputs
from icpkit.conditions import Condition
from icpkit.errors import IcpkitError
from icpkit.score import score_file, score_frame
from icpkit.scorecard.learn import ScorecardLearner
from icpkit.scorecard.model import Attribute, Bin, Disqualifier, Scorecard
from icpkit.simulate import simulate, write_crm
from icpkit.simulate.messy import (
    COUNTRY_ALIASES,
    EMPLOYEE_BANDS,
    FUNDING_STAGE_LABELS,
    INDUSTRY_LABELS,
)
from icpkit.sql import to_sql

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-scorecard.toml"
LEARNED_COLUMNS = ["region", "employees", "industry", "funding_stage", "technologies", "country"]


def planted_card() -> Scorecard:
    """A card learned where region matters (North America wins, Asia Pacific loses), with a
    disqualifier a sales team added by hand."""
    accounts = simulate(1500, seed=3).accounts
    logit = (
        -0.5
        + 1.5 * (accounts["region"] == "North America")
        - 1.0 * (accounts["region"] == "Asia Pacific")
        + 0.8 * accounts["employees"].between(50, 500)
        + 0.7 * (accounts["industry"] == "Software")
        + 0.6 * accounts["funding_stage"].isin(["series_a", "series_b"])
    )
    won = np.random.default_rng(0).random(len(accounts)) < 1 / (1 + np.exp(-logit))
    card = ScorecardLearner(max_attributes=6).fit(accounts[LEARNED_COLUMNS], won)
    too_big = Disqualifier(
        "employees", "employees", "numeric", Condition(min=5000), "over 5,000 employees"
    )
    public = Disqualifier(
        "funding_stage", "funding_stage", "category", Condition(values=("public",)), "public"
    )
    return replace(
        card,
        attributes=(*card.attributes, _size_with_region()),
        disqualifiers=(*card.disqualifiers, too_big, public),
    )


def _size_with_region() -> Attribute:
    """A pair row, reading a number and a derived category: every size band crossed with
    North America or anything else, as the learner writes one."""
    sizes = [Condition(less_than=50), Condition(min=50, max=500), Condition(min=501)]
    sizes.append(Condition(missing=True))
    regions = [Condition(values=("North America",)), Condition(other=True)]
    bins = tuple(
        Bin("", points, size, None, region)
        for (size, region), points in zip(
            itertools.product(sizes, regions), [3, -1, 9, 2, 4, -6, 0, -2], strict=True
        )
    )
    return Attribute("Size in region", "employees", "numeric", bins, "", "region", "category")


@pytest.fixture(scope="module")
def card() -> Scorecard:
    learned = planted_card()
    assert "region" in learned.columns  # the point of the test: a derived attribute
    return learned


# ---- raw company tables -------------------------------------------------------------------

PADDING = st.sampled_from(["", " ", "  "])
UNSEEN = st.text(string.ascii_letters + string.digits + " .,-/&'", min_size=1, max_size=10)
BLANKS = st.sampled_from(["", "n/a", "NULL", " - ", "  "])


def _label(known: list[str]) -> st.SearchStrategy:
    spelled = st.sampled_from(known).flatmap(
        lambda w: st.sampled_from([w, w.upper(), w.lower(), w.title()])
    )
    padded = st.tuples(PADDING, spelled, PADDING).map("".join)
    return st.one_of(st.none(), BLANKS, padded, padded, padded, UNSEEN)


COUNTRIES = sorted({a for aliases in COUNTRY_ALIASES.values() for a in aliases})
REGIONS = ["APAC", "EMEA", "LATAM", "North America", "Europe", "na", "Asia Pacific", "MEA"]
INDUSTRIES = sorted({label for labels in INDUSTRY_LABELS.values() for label in labels})
STAGES = sorted({label for labels in FUNDING_STAGE_LABELS.values() for label in labels})
TECHNOLOGIES = ["Snowflake", "AWS", "dbt", "Workday", "Salesforce", "HubSpot", "Segment"]
# Employees as numbers, on the card's edges and beyond what ingest accepts. Whole numbers: a
# headcount sent as text ("107.5") is read as a whole number (108), one sent as a number is not.
NUMBERS = st.one_of(
    st.none(),
    st.just(math.nan),
    st.sampled_from([1e23, 99999999999999999999999.0, -5.0, -0.5, math.inf, -math.inf, 2.0**63]),
    st.integers(0, 20_000).map(float),
    st.sampled_from([0.0, 5.0, 19.0, 20.0, 46.0, 47.0, 107.0, 108.0, 141.0, 142.0, 4999.0, 5000.0]),
)


# Employees as a CRM export writes them: numbers, bands as the messy simulator writes them,
# words, approximations, and text ingest refuses. No decimal commas: `icpkit score` on a file
# decides a column's decimal mark from all its values, and the SQL reads each value alone.
_BANDS = [label for _, label in EMPLOYEE_BANDS]
_WRITTEN = [
    "1.2k", "approx. 50", "about 300 people", "<10", "over 500", "5,000+", "10-50k",
    "self-employed", "99999999999", "-5", "fifty", "n/a", "", "20M", "1e23", "107.5",
]  # fmt: skip
EMPLOYEE_TEXTS = st.one_of(
    st.none(),
    st.tuples(
        PADDING,
        st.one_of(
            st.integers(0, 20_000).map(str),
            st.integers(1000, 20_000).map(lambda n: f"{n:,}"),
            st.sampled_from(_BANDS).flatmap(
                lambda b: st.sampled_from([b, b.replace("-", "–"), f"{b} employees"])
            ),
            st.sampled_from(_WRITTEN),
        ),
    ).map("".join),
)


def _technologies() -> st.SearchStrategy:
    items = st.lists(
        st.one_of(st.sampled_from(TECHNOLOGIES), UNSEEN).flatmap(
            lambda w: st.sampled_from([w, w.lower(), f" {w} "])
        ),
        max_size=4,
    )
    joined = st.tuples(items, st.sampled_from([";", "; ", " ; ", ","])).map(
        lambda parts: parts[1].join(parts[0])
    )
    return st.one_of(st.none(), joined)


@st.composite
def raw_tables(draw, card: Scorecard, text_numbers: bool = False) -> pd.DataFrame:
    """``text_numbers``: employees may come as text ("51-200"), the table's column TEXT."""
    n = draw(st.integers(1, 30))
    columns = inputs.raw_columns(card.columns)
    if draw(st.booleans()):  # a raw list with only a country, no region column
        columns = [c for c in columns if c != "region"]
    frame = pd.DataFrame({"account_id": range(n)})
    cells = {
        "country": _label(COUNTRIES),
        "region": _label(REGIONS),
        "industry": _label(INDUSTRIES),
        "funding_stage": _label(STAGES),
        "technologies": _technologies(),
    }
    for column in columns:
        if column == "employees" and text_numbers and draw(st.booleans()):
            frame[column] = pd.Series(
                draw(st.lists(EMPLOYEE_TEXTS, min_size=n, max_size=n)), dtype=object
            )
        elif column == "employees":
            values = draw(st.lists(NUMBERS, min_size=n, max_size=n))
            frame[column] = pd.Series([math.nan if v is None else v for v in values], dtype=float)
        else:
            frame[column] = pd.Series(
                draw(st.lists(cells[column], min_size=n, max_size=n)), dtype=object
            )
    return frame


# ---- the engines ------------------------------------------------------------------------------


def _rows(result: pd.DataFrame, reasons: bool = True) -> list[tuple]:
    result = result.sort_values("account_id")
    return [
        (int(r.account_id), int(r.icp_score), r.icp_tier, bool(r.icp_disqualified))
        + ((r.icp_reasons,) if reasons else ())
        for r in result.itertuples()
    ]


def _sql_types(frame: pd.DataFrame, number: str) -> str:
    types = []
    for column in frame.columns:
        kind = "BIGINT" if column == "account_id" else "TEXT"
        if column != "account_id" and pd.api.types.is_float_dtype(frame[column]):
            kind = number
        types.append(f'"{column}" {kind}')
    return ", ".join(types)


def _records(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(row) for row in frame.astype(object).itertuples(index=False)]


_COMPILED: dict[tuple[int, str, tuple[str, ...], tuple[str, ...]], str] = {}


def text_numbers(frame: pd.DataFrame) -> tuple[str, ...]:
    """The numeric columns of the frame that hold text (the table stores them as TEXT)."""
    return tuple(c for c in ("employees",) if c in frame.columns and frame[c].dtype == object)


def compiled(card: Scorecard, dialect: str, frame: pd.DataFrame) -> str:
    """The card's SELECT over a table of the frame's shape: compiled once per shape."""
    columns, as_text = tuple(frame.columns), text_numbers(frame)
    key = (id(card), dialect, columns, as_text)
    if key not in _COMPILED:
        _COMPILED[key] = to_sql(
            card, _table(frame), dialect, columns=list(columns), text_numbers=as_text
        )
    return _COMPILED[key]


def _table(frame: pd.DataFrame) -> str:
    """One table per shape (with a region column or not, employees as numbers or as text)."""
    with_region = "_with_region" if "region" in frame.columns else ""
    return "raw_accounts" + with_region + ("_text" if text_numbers(frame) else "")


def _load(con, frame: pd.DataFrame, number: str, mark: str) -> None:
    """The rows into a table of the frame's shape, created once: a statement prepared on it
    stays valid (SQLite re-prepares after any change of schema, which takes seconds here)."""
    table = _table(frame)
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({_sql_types(frame, number)})")
    con.execute(f"DELETE FROM {table}")
    marks = ", ".join([mark] * frame.shape[1])
    cursor = con.cursor()
    cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", _records(frame))


def duckdb_rows(con, card: Scorecard, frame: pd.DataFrame) -> list[tuple]:
    _load(con, frame, "DOUBLE", "?")
    return _rows(con.execute(compiled(card, "duckdb", frame)).df())


def sqlite_rows(con, card: Scorecard, frame: pd.DataFrame) -> list[tuple]:
    _load(con, frame, "REAL", "?")  # SQLite stores NaN as NULL: what Python reads it as
    cursor = con.execute(compiled(card, "sqlite", frame))
    names = [d[0] for d in cursor.description]
    return _rows(pd.DataFrame(cursor.fetchall(), columns=names))


def postgres_rows(con, card: Scorecard, frame: pd.DataFrame) -> list[tuple]:
    table = _table(frame)
    with con.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMP TABLE {table} ({_sql_types(frame, 'DOUBLE PRECISION')})")
        marks = ", ".join(["%s"] * frame.shape[1])
        cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", _records(frame))
        cursor.execute(compiled(card, "postgres", frame))
        names = [d.name for d in cursor.description]
        result = pd.DataFrame(cursor.fetchall(), columns=names)
    con.rollback()
    return _rows(result)


def file_rows(card: Scorecard, frame: pd.DataFrame, folder: Path) -> list[tuple]:
    """`icpkit score` on the table written as Parquet: the streamed, distinct-key path."""
    path = folder / "raw.parquet"
    frame.to_parquet(path, index=False)
    score_file(card, path, folder / "scored.parquet", id_column="account_id")
    return _rows(pd.read_parquet(folder / "scored.parquet"))


def _json_value(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"  # JSON has no infinity; a form sends text
    return value


def api_rows(client, frame: pd.DataFrame) -> list[tuple]:
    accounts = [
        {c: _json_value(v) for c, v in row.items() if c != "account_id"}
        for row in frame.astype(object).to_dict(orient="records")
    ]
    response = client.post("/v1/score", json={"accounts": accounts})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    return [
        (i, r["icp_score"], r["icp_tier"], r["icp_disqualified"]) for i, r in enumerate(results)
    ]


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


@pytest.fixture(scope="module")
def api(card, tmp_path_factory):
    from fastapi.testclient import TestClient

    from icpkit.serve import Settings, create_app
    from icpkit.workspace import Workspace

    path = tmp_path_factory.mktemp("ws") / "workspace.duckdb"
    workspace = Workspace.open(path)
    workspace.save_version(card, author="test", reason="learned", activate=True)
    key = workspace.create_key("engine-agreement")
    settings = Settings(workspace=str(path), rate_per_second=10_000)
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        yield client


def test_every_engine_scores_raw_tables_alike(card, postgres, api, tmp_path_factory):
    """Python, `icpkit score`, DuckDB, SQLite, PostgreSQL and the API agree row for row."""
    duck = duckdb.connect()
    lite = sqlite3.connect(":memory:")
    folder = tmp_path_factory.mktemp("agree")

    @given(raw_tables(card, text_numbers=True))
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    def check(frame: pd.DataFrame) -> None:
        expected = _rows(score_frame(card, frame, "account_id"))
        assert file_rows(card, frame, folder) == expected
        assert duckdb_rows(duck, card, frame) == expected
        if text_numbers(frame):  # SQLite has no regular expressions: it says so, in one line
            with pytest.raises(IcpkitError, match=r"^employees: sqlite has no regular"):
                compiled(card, "sqlite", frame)
        else:
            assert sqlite_rows(lite, card, frame) == expected
        assert postgres_rows(postgres, card, frame) == expected
        assert api_rows(api, frame) == [row[:4] for row in expected]

    check()


def test_region_comes_from_country_and_refused_numbers_say_why(card, postgres):
    """The issue's own rows: no region column, employees ingest refuses."""
    frame = pd.DataFrame(
        {
            "account_id": [1, 2, 3, 4],
            "country": ["USA", "Deutschland", "Japan", ""],
            "employees": [120.0, 99999999999999999999999.0, -3.0, math.inf],
            "industry": ["Computer Software", "Banking", "zzz", None],
            "funding_stage": ["Series B", "IPO", "", "Angel"],
            "technologies": ["Workday; dbt", "", None, "aws"],
        }
    )
    scored = score_frame(card, frame, "account_id")
    with_region = frame.assign(
        region=["North America", "Europe", "Asia Pacific", None],
        country=None,
        employees=[120.0, None, None, None],
    )
    by_region = score_frame(card, with_region, "account_id")
    region_points = next(a for a in card.attributes if a.column == "region").name
    for text, same in zip(scored["icp_reasons"], by_region["icp_reasons"], strict=True):
        assert [p for p in text.split("; ") if p.startswith(region_points)] == [
            p for p in same.split("; ") if p.startswith(region_points)
        ]
    assert "employees: out of range, scored as unknown" in scored["icp_reasons"][1]
    assert "employees: out of range, scored as unknown" in scored["icp_reasons"][2]
    assert "employees: out of range, scored as unknown" in scored["icp_reasons"][3]
    assert "out of range" not in scored["icp_reasons"][0]
    # and the 1e23 company is not scored as the biggest size, nor disqualified for it
    assert not scored["icp_disqualified"][1] or "public" in scored["icp_reasons"][1]
    assert postgres_rows(postgres, card, frame) == _rows(scored)


# ---- Spark: a few examples, it is slow ------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (17+) on PATH; none found")
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("icpkit-engine-agreement")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_scores_raw_tables_like_python(card, spark):
    from icpkit.spark import score_dataframe

    @given(raw_tables(card))
    @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
    def check(frame: pd.DataFrame) -> None:
        expected = _rows(score_frame(card, frame, "account_id"))
        records = [
            tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)
            for row in _records(frame)
        ]
        schema = ", ".join(
            f"`{c}` {'bigint' if c == 'account_id' else 'double' if pd.api.types.is_float_dtype(frame[c]) else 'string'}"  # noqa: E501
            for c in frame.columns
        )
        data = spark.createDataFrame(records, schema=schema)
        got = score_dataframe(spark, card, data).toPandas()
        assert _rows(got) == expected

    check()


# ---- a CRM's raw accounts file scores as its ingested table ----------------------------------


@pytest.mark.parametrize("messy", [False, True], ids=["demo", "messy"])
def test_raw_crm_file_scores_like_its_ingested_table(card, demo_build, tmp_path, messy):
    """Every card from the demo CRM (the build's, the planted region card, the seed card) gives
    the same score to a company read from the raw export as from ingest's canonical table."""
    from icpkit.ingest import load_tables, write_ingest
    from icpkit.scorecard.io import load_scorecard

    crm = simulate(3000, seed=7)
    files = write_crm(crm, tmp_path / "crm", messy=messy, seed=1)
    result = load_tables(accounts=files["accounts"], deals=files["deals"], format="auto")
    write_ingest(result, tmp_path / "ingested")
    canonical = tmp_path / "ingested" / "accounts.parquet"
    for built in (demo_build.scorecard, card, load_scorecard(SEED)):
        score_file(built, files["accounts"], tmp_path / "raw.parquet")
        score_file(built, canonical, tmp_path / "canonical.parquet")
        raw = pd.read_parquet(tmp_path / "raw.parquet")  # the id under its header, "Record ID"
        raw = raw.rename(columns={raw.columns[0]: "account_id"}).drop_duplicates("account_id")
        clean = pd.read_parquet(tmp_path / "canonical.parquet").drop_duplicates("account_id")
        both = raw.merge(clean, on="account_id", suffixes=("_raw", "_ingested"))
        assert len(both) >= 0.95 * len(clean)
        for column in ("icp_score", "icp_tier", "icp_disqualified", "icp_reasons"):
            differ = both[both[f"{column}_raw"] != both[f"{column}_ingested"]]
            assert differ.empty, (built.name, column, differ.head(5).to_dict("records"))
        assert both["icp_score_raw"].nunique() > 5
