"""Ingest from databases: a DuckDB file and the PostgreSQL server every machine runs."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from icpkit.errors import IcpkitError
from icpkit.ingest import load_tables
from icpkit.ingest.database import is_query, read_database, redact

POSTGRES_URL = os.environ.get("ICPKIT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

ACCOUNTS_SQL = """
CREATE TABLE {schema}.accounts (
    "Id" text, "Name" text, "NumberOfEmployees" integer, "AnnualRevenue" numeric(18, 2),
    "BillingCountry" text, "Website" text, "YearStarted" text, techs text[]
)"""
ACCOUNTS_ROWS = [
    ("001A0000006Vm9r", "Acme", 250, 2500000.50, "USA", "https://acme.com", "2001", ["AWS"]),
    ("001A0000006VmAB", "Globex", None, None, "Deutschland", None, None, None),
]
DEALS_SQL = """
CREATE TABLE {schema}.opportunities (
    "Id" text, "AccountId" text, "StageName" text, "IsWon" boolean, "IsClosed" boolean,
    "Amount" double precision, "CloseDate" date, "CreatedDate" timestamptz
)"""
DEALS_ROWS = [
    ("006A000000Opp01", "001A0000006Vm9rIAC", "Contract Signed", True, True, 100.0,
     "2024-03-01", "2024-01-15 17:05:00+00"),
    ("006A000000Opp02", "001A0000006VmABIA0", "Closed Won", False, True, None, "2024-04-01",
     "2024-02-01 09:00:00+00"),
    ("006A000000Opp03", "001A0000006Vm9zIAC", "Prospecting", False, False, 5.0, None, None),
]  # fmt: skip


def check_result(result) -> None:
    accounts = result.tables["accounts"]
    assert accounts["account_id"].tolist() == ["001A0000006Vm9rIAC", "001A0000006VmABIA0"]
    assert accounts["employees"].tolist() == [250, pd.NA]
    assert accounts["annual_revenue"].tolist()[0] == 2_500_000.5
    assert accounts["country"].tolist() == ["US", "DE"]
    assert accounts["founded_year"].tolist() == [2001, pd.NA]
    assert accounts["domain"].tolist()[0] == "acme.com"
    assert accounts["techs"].tolist()[0] == ["AWS"]
    deals = result.tables["deals"]
    assert deals["outcome"].tolist() == ["won", "lost"]
    assert deals["closed_at"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")]
    assert deals["created_at"].tolist()[0] == pd.Timestamp("2024-01-15")
    [refused] = result.quarantine.itertuples()
    assert refused.line == 4  # the third row, counted as if a header were line 1
    assert refused.reason == "account_id 001A0000006Vm9zIAC not found in accounts"
    info = result.report["files"]["deals"]
    assert (info["rows_read"], info["accepted"], info["quarantined"]) == (3, 2, 1)


# ------------------------------------------------------------------------------------------
# DuckDB


@pytest.fixture
def duckdb_file(tmp_path: Path) -> Path:
    path = tmp_path / "crm.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA sales")
        connection.execute(ACCOUNTS_SQL.format(schema="sales"))
        connection.executemany(
            "INSERT INTO sales.accounts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ACCOUNTS_ROWS
        )
        connection.execute(DEALS_SQL.format(schema="sales"))
        connection.executemany(
            "INSERT INTO sales.opportunities VALUES (?, ?, ?, ?, ?, ?, ?, ?)", DEALS_ROWS
        )
    return path


def test_duckdb_table_and_query(duckdb_file: Path) -> None:
    result = load_tables(
        accounts=read_database(f"duckdb://{duckdb_file}", "sales.accounts"),
        deals=read_database(str(duckdb_file), 'SELECT * FROM sales.opportunities ORDER BY "Id"'),
        format="salesforce",
    )
    check_result(result)
    info = result.report["files"]["accounts"]
    assert info["format"] == "duckdb" and info["table"] == "sales.accounts"
    assert result.report["files"]["deals"]["query"].startswith("SELECT")


def test_duckdb_errors_are_one_line(duckdb_file: Path, tmp_path: Path) -> None:
    with pytest.raises(IcpkitError, match=r"\(table sales\.nope\): DuckDB: Catalog Error"):
        read_database(str(duckdb_file), "sales.nope")
    with pytest.raises(IcpkitError, match="DuckDB file not found"):
        read_database(str(tmp_path / "missing.duckdb"), "accounts")
    with pytest.raises(IcpkitError, match="no data rows"):
        read_database(str(duckdb_file), "SELECT * FROM sales.accounts WHERE false")
    with pytest.raises(IcpkitError) as caught:
        read_database(str(duckdb_file), "SELECT FROM WHERE")
    assert "\n" not in str(caught.value)


def test_query_or_table_name() -> None:
    assert is_query("SELECT * FROM deals")
    assert is_query("  with x as (select 1) select * from x")
    assert is_query("from deals")
    assert not is_query("crm.accounts")
    assert not is_query("selected_accounts")
    assert redact("postgresql://ana:s3cret@db:5432/crm") == "postgresql://ana:***@db:5432/crm"


# ------------------------------------------------------------------------------------------
# PostgreSQL


@pytest.fixture
def postgres_schema():
    psycopg = pytest.importorskip("psycopg")
    try:
        connection = psycopg.connect(POSTGRES_URL, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_URL}: {error}".splitlines()[0])
    schema = f"icpkit_ingest_{os.getpid()}"
    with connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"CREATE SEQUENCE {schema}.counter")
        connection.execute(ACCOUNTS_SQL.format(schema=schema))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {schema}.accounts VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                ACCOUNTS_ROWS,
            )
            connection.execute(DEALS_SQL.format(schema=schema))
            cursor.executemany(
                f"INSERT INTO {schema}.opportunities VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                DEALS_ROWS,
            )
        try:
            yield schema
        finally:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_postgres_table_and_query(postgres_schema: str) -> None:
    result = load_tables(
        accounts=read_database(POSTGRES_URL, f"{postgres_schema}.accounts"),
        deals=read_database(
            POSTGRES_URL, f'SELECT * FROM {postgres_schema}.opportunities ORDER BY "Id"'
        ),
        format="auto",
    )
    check_result(result)
    assert result.report["files"]["deals"]["adapter"] == "salesforce"
    assert result.report["files"]["accounts"]["format"] == "postgresql"


def test_postgres_session_is_read_only(postgres_schema: str) -> None:
    with pytest.raises(IcpkitError, match="read-only transaction"):
        read_database(POSTGRES_URL, f"SELECT nextval('{postgres_schema}.counter') AS n")


def test_postgres_errors_name_the_source(postgres_schema: str) -> None:
    with pytest.raises(IcpkitError) as caught:
        read_database(POSTGRES_URL, f"{postgres_schema}.nope")
    message = str(caught.value)
    assert message.startswith(f"{POSTGRES_URL} (table {postgres_schema}.nope): PostgreSQL:")
    assert "does not exist" in message and "\n" not in message


def test_postgres_unreachable_hides_the_password() -> None:
    with pytest.raises(IcpkitError) as caught:
        read_database("postgresql://ana:s3cret@127.0.0.1:1/crm", "accounts")
    message = str(caught.value)
    assert "s3cret" not in message
    assert message.startswith("postgresql://ana:***@127.0.0.1:1/crm: cannot connect to PostgreSQL")
