"""Ingest end to end: files in, canonical tables, quarantine and report out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icpkit.errors import IcpkitError
from icpkit.ingest import IngestResult, load_dir, load_flat, load_tables, write_ingest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SALVIRT = DATA / "salvirt_b2b_sales" / "Salvirt_B2B_ML_dataset_HF.csv"
MAVEN = DATA / "maven_crm_sales_opportunities"


def write(folder: Path, name: str, text: str, *, encoding: str = "utf-8", eol: str = "\n") -> Path:
    path = folder / name
    path.write_bytes(text.replace("\n", eol).encode(encoding))
    return path


def assert_balanced(result: IngestResult) -> None:
    quarantined = 0
    for table, info in result.report["files"].items():
        assert info["rows_read"] == info["accepted"] + info["quarantined"]
        assert len(result.tables[table]) == info["accepted"]
        quarantined += info["quarantined"]
    assert len(result.quarantine) == quarantined


ACCOUNTS = (
    "Account ID,Company name,Website,Industry,Number of Employees,Annual Revenue,Country/Region,"
    "Year Founded,Web Technologies,Funding Stage,Headcount Growth\n"
    "A1,Acme Ltd,https://www.acme.co.uk/about,Computer Software,51-200,$2.5M,UK,2015,"
    '"Salesforce; HubSpot",Series A,12\n'
    'A2,Globex,globex.com,Banking,500,USD 20000000,USA,1999,"AWS, Snowflake, aws",Series E,3\n'
    'A3,Initech,http://initech.de,Widgets,fifty,"€3,5 Mio",Deutschland,2001,,Seed,-4\n'
)

DEALS = """\
Opportunity ID,Account ID,Stage,IsWon,IsClosed,Amount,Close Date,Created Date
O1,A1,Closed Won,true,true,"$40,000",3/1/2024,2024-01-15T17:05:00.000+0000
O2,A2,Negotiation,false,false,1000,,2024-02-01 09:30
O3,A2,Closed Lost,false,true,2000,1/10/2026 21:52,2024-02-02
O4,ACC-9,Closed Won,true,true,10,2024-03-01,2024-01-01
O5,A3,Closed Won,maybe,true,10,2024-03-01,2024-01-01
"""


@pytest.fixture
def crm(tmp_path: Path) -> IngestResult:
    return load_tables(
        accounts=write(tmp_path, "accounts.csv", ACCOUNTS),
        deals=write(tmp_path, "deals.csv", DEALS),
    )


def test_accounts_are_mapped_and_typed(crm: IngestResult) -> None:
    accounts = crm.tables["accounts"]
    assert accounts["account_id"].tolist() == ["A1", "A2", "A3"]
    assert accounts["name"].tolist() == ["Acme Ltd", "Globex", "Initech"]
    assert accounts["domain"].tolist() == ["acme.co.uk", "globex.com", "initech.de"]
    assert accounts["industry"].tolist() == ["Software", "Financial Services", "Other"]
    assert accounts["industry_raw"].tolist() == ["Computer Software", "Banking", "Widgets"]
    assert accounts["employees"].tolist() == [101, 500, pd.NA]
    assert accounts["employees_raw"].tolist()[0] == "51-200"
    assert pd.isna(accounts["employees_raw"].iloc[1])  # a plain integer keeps no raw copy
    assert accounts["employees_raw"].iloc[2] == "fifty"
    assert accounts["annual_revenue"].tolist() == [2_500_000.0, 20_000_000.0, 3_500_000.0]
    assert accounts["annual_revenue_currency"].tolist() == ["USD", "USD", "EUR"]
    assert accounts["country"].tolist() == ["GB", "US", "DE"]
    assert accounts["region"].tolist() == ["Europe", "North America", "Europe"]
    assert accounts["founded_year"].tolist() == [2015, 1999, 2001]
    assert accounts["technologies"].tolist() == [
        ["Salesforce", "HubSpot"],
        ["AWS", "Snowflake"],
        None,
    ]
    assert accounts["funding_stage"].tolist() == ["series_a", "series_d_plus", "seed"]
    assert accounts["funding_stage_raw"].iloc[1] == "Series E"
    assert accounts["headcount_growth"].tolist() == [12, 3, -4]  # custom attribute, snake_case


def test_output_dtypes(crm: IngestResult) -> None:
    accounts, deals = crm.tables["accounts"], crm.tables["deals"]
    assert pd.api.types.is_string_dtype(accounts["account_id"].dtype)
    assert accounts["account_id"].dtype != object
    assert str(accounts["employees"].dtype) == "Int64"
    assert str(accounts["founded_year"].dtype) == "Int64"
    assert accounts["annual_revenue"].dtype == np.float64
    assert accounts["technologies"].dtype == object
    assert str(accounts["headcount_growth"].dtype) == "Int64"
    assert deals["created_at"].dtype == "datetime64[ns]"
    assert deals["amount"].dtype == np.float64
    assert pd.api.types.is_string_dtype(deals["outcome"].dtype)


def test_deals_outcome_from_flags_and_dates(crm: IngestResult) -> None:
    deals = crm.tables["deals"]
    assert deals["deal_id"].tolist() == ["O1", "O2", "O3"]
    assert deals["outcome"].tolist() == ["won", "open", "lost"]
    assert deals["amount"].tolist() == [40_000.0, 1000.0, 2000.0]
    assert deals["closed_at"].iloc[0] == pd.Timestamp("2024-03-01")
    assert pd.isna(deals["closed_at"].iloc[1])
    assert deals["closed_at"].iloc[2] == pd.Timestamp("2026-01-10")
    assert deals["created_at"].tolist()[:2] == [
        pd.Timestamp("2024-01-15"),
        pd.Timestamp("2024-02-01"),
    ]
    assert deals["stage"].tolist() == ["Closed Won", "Negotiation", "Closed Lost"]
    assert not any("stage names" in note for note in crm.report["notes"])


def test_quarantine_reasons_and_lines(crm: IngestResult) -> None:
    assert_balanced(crm)
    q = crm.quarantine
    assert list(q.columns) == ["source_file", "line", "column", "reason", "raw"]
    rows = q.set_index("line")
    assert rows.loc[5, "reason"] == "account_id ACC-9 not found in accounts"
    assert rows.loc[5, "column"] == "Account ID"
    assert rows.loc[5, "raw"].startswith("O4,ACC-9,Closed Won")
    assert rows.loc[6, "reason"] == 'IsWon: cannot read "maybe" as true/false'
    assert rows.loc[6, "source_file"].endswith("deals.csv")
    files = crm.report["files"]
    assert files["deals"] == files["deals"] | {"rows_read": 5, "accepted": 3, "quarantined": 2}


def test_cell_issues_keep_the_row(crm: IngestResult) -> None:
    report = crm.report
    assert report["files"]["accounts"]["quarantined"] == 0
    assert report["files"]["accounts"]["cell_issues"] == 1
    assert report["cell_issues"]["total"] == 1
    [issue] = report["cell_issues"]["listed"]
    assert issue["line"] == 4
    assert issue["column"] == "Number of Employees"
    assert issue["value"] == "fifty"
    assert issue["reason"] == 'cannot read "fifty" as a number of employees'
    columns = report["files"]["accounts"]
    assert columns["custom_columns"] == ["headcount_growth"]
    assert set(columns["derived_columns"]) == {
        "industry_raw",
        "employees_raw",
        "annual_revenue_raw",
        "annual_revenue_currency",
        "funding_stage_raw",
    }
    assert any("EUR" in note and "no exchange-rate" in note for note in report["notes"])
    assert any('"Widgets"' in note for note in report["notes"])


def test_quoted_newline_line_numbers(tmp_path: Path) -> None:
    text = (
        "account_id,name,notes\n"
        'A1,Acme,"first line\nsecond line\nthird"\n'
        ",Nobody,no id\n"
        "A2,Beta,ok\n"
        "A2,Beta,ok\n"
    )
    result = load_tables(accounts=write(tmp_path, "a.csv", text))
    assert_balanced(result)
    assert result.tables["accounts"]["notes"].iloc[0] == "first line\nsecond line\nthird"
    q = result.quarantine
    assert q["line"].tolist() == [5, 7]
    assert q["reason"].tolist() == ["account_id is blank", "duplicate of line 6"]
    assert q["raw"].tolist() == [",Nobody,no id", "A2,Beta,ok"]


def test_record_spanning_lines_in_the_raw_text(tmp_path: Path) -> None:
    text = 'account_id,name\nA1,"multi\nline"\nA1,"multi\nline 2"\n'
    result = load_tables(accounts=write(tmp_path, "a.csv", text))
    [row] = result.quarantine.itertuples()
    assert row.line == 4
    assert row.reason == "duplicate account_id A1 (first on line 2)"
    assert row.raw == 'A1,"multi\nline 2"'


def test_bom_semicolons_and_crlf(tmp_path: Path) -> None:
    text = "\ufeffAccount ID;Company;Employee Count\nA1;Acme;1,000+\nA2;Beta;10\n"
    result = load_tables(accounts=write(tmp_path, "a.csv", text, eol="\r\n"))
    accounts = result.tables["accounts"]
    assert accounts["account_id"].tolist() == ["A1", "A2"]
    assert accounts["employees"].tolist() == [1500, 10]
    info = result.report["files"]["accounts"]
    assert (info["encoding"], info["delimiter"]) == ("utf-8-sig", "semicolon")
    assert info["columns"]["mapped"] == {
        "Account ID": "account_id",
        "Company": "name",
        "Employee Count": "employees",
    }


def test_cp1252_fallback(tmp_path: Path) -> None:
    text = "account_id\tname\tcountry\nA1\tSociété Générale\tFrance\n"
    result = load_tables(accounts=write(tmp_path, "a.csv", text, encoding="cp1252"))
    assert result.tables["accounts"]["name"].tolist() == ["Société Générale"]
    assert result.tables["accounts"]["country"].tolist() == ["FR"]
    assert result.report["files"]["accounts"]["encoding"] == "cp1252"
    assert result.report["files"]["accounts"]["delimiter"] == "tab"
    assert any("Windows-1252" in note for note in result.report["notes"])


def test_ragged_rows(tmp_path: Path) -> None:
    text = "account_id,name,industry\nA1,Acme\nA2,Beta,Retail,extra\nA3,Gamma,Retail,,\n"
    result = load_tables(accounts=write(tmp_path, "a.csv", text))
    assert_balanced(result)
    assert result.tables["accounts"]["account_id"].tolist() == ["A1", "A3"]
    assert result.quarantine["reason"].tolist() == ["row has 4 fields, the header has 3"]
    assert result.quarantine["line"].tolist() == [3]
    assert any("fewer fields" in note for note in result.report["notes"])


def test_blank_tokens_are_missing(tmp_path: Path) -> None:
    text = "account_id,name,employees\nA1,N/A,NULL\nA2,  Beta  ,#N/A\n"
    accounts = load_tables(accounts=write(tmp_path, "a.csv", text)).tables["accounts"]
    assert accounts["name"].isna().tolist() == [True, False]
    assert accounts["name"].iloc[1] == "Beta"
    assert accounts["employees"].isna().all()


def test_region_from_country_unless_given(tmp_path: Path) -> None:
    text = "account_id,country,region\nA1,Japan,\nA2,Brazil,LATAM\nA3,France,EMEA\nA4,,APAC\n"
    result = load_tables(accounts=write(tmp_path, "a.csv", text))
    accounts = result.tables["accounts"]
    assert accounts["region"].tolist() == [
        "Asia Pacific",
        "Latin America",
        "Europe",
        "Asia Pacific",
    ]
    assert accounts["region_raw"].iloc[2] == "EMEA"
    assert result.report["cell_issues"]["total"] == 0


def test_likely_duplicates_reported_not_merged(tmp_path: Path) -> None:
    text = (
        "account_id,name,website\n"
        "A1,Acme Inc.,https://acme.com\n"
        "A2,ACME,www.acme.com/contact\n"
        "A3,Beta GmbH,beta.de\n"
        "A4,Beta,beta.io\n"
    )
    result = load_tables(accounts=write(tmp_path, "a.csv", text))
    assert len(result.tables["accounts"]) == 4
    duplicates = result.report["duplicates"]["accounts"]
    assert duplicates["same_domain"]["groups"] == 1
    assert duplicates["same_domain"]["examples"] == [
        {"domain": "acme.com", "account_ids": ["A1", "A2"]}
    ]
    assert duplicates["same_name"]["groups"] == 2
    assert duplicates["same_name"]["accounts"] == 4


def test_duplicate_ids_quarantined(tmp_path: Path) -> None:
    text = "account_id,name\nA1,Acme\nA1,Acme\nA1,Other name\nA2,Beta\n"
    result = load_tables(accounts=write(tmp_path, "a.csv", text))
    assert result.quarantine["reason"].tolist() == [
        "duplicate of line 2",
        "duplicate account_id A1 (first on line 2)",
    ]
    ids = result.report["duplicates"]["accounts"]["duplicate_ids"]
    assert ids["rows_quarantined"] == 2 and ids["identical_rows"] == 1
    assert ids["examples"] == [{"account_id": "A1", "lines": [2, 3, 4]}]


# ------------------------------------------------------------------------------------------
# Outcomes


def deals_for(tmp_path: Path, deals: str, **kwargs) -> IngestResult:
    accounts = write(tmp_path, "accounts.csv", "account_id\nA1\nA2\n")
    return load_tables(accounts=accounts, deals=write(tmp_path, "deals.csv", deals), **kwargs)


def test_outcome_from_hubspot_flags(tmp_path: Path) -> None:
    text = (
        "Record ID,Associated Company IDs,Deal Stage,hs_is_closed_won,hs_is_closed_lost\n"
        "1,A1,closedwon,true,false\n2,A1,appointmentscheduled,false,false\n"
        "3,A2,closedlost,false,true\n"
    )
    result = deals_for(tmp_path, text)
    assert result.tables["deals"]["outcome"].tolist() == ["won", "open", "lost"]
    assert result.tables["deals"]["deal_id"].tolist() == ["1", "2", "3"]


def test_outcome_from_pipedrive_status(tmp_path: Path) -> None:
    text = "Deal - ID,Org ID,Deal - Status\n1,A1,won\n2,A1,lost\n3,A2,open\n4,A2,deleted\n"
    result = deals_for(tmp_path, text)
    assert result.tables["deals"]["outcome"].tolist() == ["won", "lost", "open"]
    assert result.quarantine["reason"].tolist() == ["deal status is deleted"]


def test_outcome_from_stage_names_is_noted(tmp_path: Path) -> None:
    text = "deal_id,account_id,stage\nD1,A1,Closed Won\nD2,A1,closedlost\nD3,A2,Demo\nD4,A2,\n"
    result = deals_for(tmp_path, text)
    assert result.tables["deals"]["outcome"].tolist() == ["won", "lost", "open"]
    assert result.quarantine["reason"].tolist() == ["outcome is blank"]
    assert result.quarantine["column"].tolist() == ["stage"]
    assert any('stage names in "stage" for 3 deals' in note for note in result.report["notes"])


def test_mapping_file_toml(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        "mapping.toml",
        '[accounts]\n"Headcount (LinkedIn)" = "employees"\n"Secret" = ""\n'
        '"Tier" = "target_tier"\n\n'
        '[deals]\n"Phase" = "stage"\n\n'
        '[deals.outcome_values]\nwon = ["Signed"]\nlost = ["Dead"]\n',
    )
    accounts = write(
        tmp_path, "accounts.csv", "id,Headcount (LinkedIn),Secret,Tier\nA1,11-50,x,1\nA2,7,y,2\n"
    )
    deals = write(
        tmp_path, "deals.csv", "id,account_id,Phase\nD1,A1,Signed\nD2,A2,Dead\nD3,A2,Won\n"
    )
    result = load_tables(accounts=accounts, deals=deals, mapping=mapping)
    table = result.tables["accounts"]
    assert table["employees"].tolist() == [23, 7]
    assert "secret" not in table.columns and "Secret" not in table.columns
    assert table["target_tier"].tolist() == [1, 2]
    assert result.tables["deals"]["outcome"].tolist() == ["won", "lost", "won"]


def test_mapping_file_yaml(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    mapping = write(tmp_path, "m.yaml", "accounts:\n  Staff size: employees\n")
    accounts = write(tmp_path, "accounts.csv", "account_id,Staff size\nA1,1.2k\n")
    result = load_tables(accounts=accounts, mapping=mapping)
    assert result.tables["accounts"]["employees"].tolist() == [1200]


def test_mapping_file_errors(tmp_path: Path) -> None:
    accounts = write(tmp_path, "accounts.csv", "account_id\nA1\n")
    bad_table = write(tmp_path, "m.toml", '[acounts]\n"x" = "name"\n')
    with pytest.raises(IcpkitError, match=r'm\.toml: unknown table "acounts"'):
        load_tables(accounts=accounts, mapping=bad_table)
    bad_toml = write(tmp_path, "n.toml", "[accounts\n")
    with pytest.raises(IcpkitError, match=r"n\.toml: not valid TOML"):
        load_tables(accounts=accounts, mapping=bad_toml)


# ------------------------------------------------------------------------------------------
# Fatal errors: one line naming the file


def fatal(call) -> str:
    with pytest.raises(IcpkitError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_fatal_missing_and_empty_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    assert fatal(lambda: load_tables(accounts=missing)) == f"{missing}: file not found"
    empty = write(tmp_path, "empty.csv", "")
    assert fatal(lambda: load_tables(accounts=empty)) == f"{empty}: file is empty (no data rows)"
    header = write(tmp_path, "header.csv", "account_id,name\n")
    assert "no data rows" in fatal(lambda: load_tables(accounts=header))


def test_fatal_binary_files(tmp_path: Path) -> None:
    xlsx = tmp_path / "accounts.csv"
    xlsx.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    message = fatal(lambda: load_tables(accounts=xlsx))
    assert message.startswith(f"{xlsx}: is not a CSV or Parquet file")
    assert "xlsx" in message
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"account_id,name\nA1,\x00\x01\x02\n")
    assert "is not a CSV or Parquet file" in fatal(lambda: load_tables(accounts=nul))
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"account_id\nA1\n")
    assert "is not a CSV or Parquet file" in fatal(lambda: load_tables(accounts=fake))


def test_fatal_undecodable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"account_id,name\nA1,ok\nA2,\x81\x8d\n")
    message = fatal(lambda: load_tables(accounts=bad))
    assert message.startswith(f"{bad}, line 3: cannot decode")


def test_fatal_missing_required_column_names_close_matches(tmp_path: Path) -> None:
    path = write(tmp_path, "accounts.csv", "AccountNumber,Name\nA1,Acme\n")
    message = fatal(lambda: load_tables(accounts=path))
    assert message == (
        f'{path}, column account_id: missing required column "account_id" '
        '(close matches: "AccountNumber")'
    )
    deals = write(tmp_path, "deals.csv", "deal_id,account_id,amount\nD1,A1,5\n")
    accounts = write(tmp_path, "a.csv", "account_id\nA1\n")
    message = fatal(lambda: load_tables(accounts=accounts, deals=deals))
    assert 'missing required column "outcome"' in message and str(deals) in message


def test_fatal_quoted_field_never_closed(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", 'account_id,name\nA1,ok\nA2,"broken\nA3,x\n')
    assert fatal(lambda: load_tables(accounts=path)).startswith(f"{path}, line 3: a quoted field")


# ------------------------------------------------------------------------------------------
# Writing and reading back


def test_write_and_load_dir_round_trip(tmp_path: Path, crm: IngestResult) -> None:
    out = tmp_path / "out"
    write_ingest(crm, out)
    assert {p.name for p in out.iterdir()} == {
        "accounts.parquet",
        "deals.parquet",
        "quarantine.csv",
        "ingest.json",
    }
    schema = pq.read_schema(out / "accounts.parquet")
    assert schema.field("technologies").type == pa.list_(pa.string())
    assert schema.field("employees").type == pa.int64()
    assert pq.read_schema(out / "deals.parquet").field("closed_at").type == pa.date32()
    again = load_dir(out)
    for table in ("accounts", "deals"):
        pd.testing.assert_frame_equal(again.tables[table], crm.tables[table])
    assert again.quarantine.empty
    report = json.loads((out / "ingest.json").read_text())
    assert report["files"]["deals"]["quarantined"] == 2
    assert report["quarantine"]["rows"] == 2
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str)
    assert quarantine["line"].tolist() == ["5", "6"]


def test_quarantine_csv_escapes_formulas(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "account_id,name\n=1+1,x\n=1+1,y\n")
    result = load_tables(accounts=path)
    write_ingest(result, tmp_path / "out")
    quarantine = pd.read_csv(tmp_path / "out" / "quarantine.csv", dtype=str)
    assert quarantine["raw"].tolist() == ["'=1+1,y"]
    assert quarantine["reason"].tolist() == ["duplicate account_id =1+1 (first on line 2)"]


def test_parquet_lines_are_row_number_plus_one(tmp_path: Path) -> None:
    frame = pd.DataFrame({"account_id": ["A1", "A2", None], "employees": [10, None, 3]})
    frame.to_parquet(tmp_path / "accounts.parquet")
    result = load_dir(tmp_path)
    assert result.quarantine["line"].tolist() == [4]
    assert result.quarantine["reason"].tolist() == ["account_id is blank"]
    assert json.loads(result.quarantine["raw"].iloc[0]) == {"account_id": None, "employees": 3}
    assert result.tables["accounts"]["employees"].tolist() == [10, pd.NA]


def test_load_dir_reads_simulator_csvs(tmp_path: Path) -> None:
    write(
        tmp_path,
        "accounts.csv",
        "account_id,name,domain,industry,employees,annual_revenue,country,region,founded_year,"
        "funding_stage,total_funding,technologies\n"
        "ACC-1,Acme,acme.com,Software,120,5000000,US,North America,2012,series_b,2.5e7,"
        "Salesforce;Snowflake\n",
    )
    write(
        tmp_path,
        "deals.csv",
        "deal_id,account_id,created_at,closed_at,outcome,amount,stage,source,lost_reason\n"
        "D-1,ACC-1,2024-01-02,2024-03-04,won,12000.5,Closed Won,inbound,\n"
        "D-2,ACC-1,2024-05-02,,open,,Discovery,outbound,\n",
    )
    write(
        tmp_path, "signals.csv", "account_id,type,occurred_at,detail\nACC-1,funding,2024-01-01,B\n"
    )
    write(
        tmp_path,
        "customers.csv",
        "account_id,start,end,churned,arr_start,arr\nACC-1,2024-03-04,,false,12000,15000\n",
    )
    result = load_dir(tmp_path)
    assert_balanced(result)
    accounts = result.tables["accounts"]
    assert accounts["technologies"].tolist() == [["Salesforce", "Snowflake"]]
    assert accounts["total_funding"].tolist() == [25_000_000.0]
    assert result.tables["deals"]["outcome"].tolist() == ["won", "open"]
    assert result.tables["customers"]["churned"].tolist() == [False]
    assert str(result.tables["customers"]["churned"].dtype) == "boolean"
    assert result.tables["signals"]["occurred_at"].tolist() == [pd.Timestamp("2024-01-01")]


def test_load_dir_needs_accounts(tmp_path: Path) -> None:
    write(tmp_path, "deals.csv", "deal_id,account_id,outcome\nD1,A1,won\n")
    assert "no accounts.csv or accounts.parquet" in fatal(lambda: load_dir(tmp_path))


def test_empty_deals_table_when_no_deals(tmp_path: Path) -> None:
    result = load_tables(accounts=write(tmp_path, "a.csv", "account_id\nA1\n"))
    assert len(result.tables["deals"]) == 0
    assert list(result.tables["deals"].columns)[:5] == [
        "deal_id",
        "account_id",
        "created_at",
        "closed_at",
        "outcome",
    ]
    write_ingest(result, tmp_path / "out")
    again = load_dir(tmp_path / "out")
    assert len(again.tables["deals"]) == 0


# ------------------------------------------------------------------------------------------
# Flat mode


def test_flat_salvirt() -> None:
    if not SALVIRT.exists():
        pytest.skip("shared data not present")
    result = load_flat(SALVIRT, outcome="Status", positive="won")
    assert_balanced(result)
    info = result.report["files"]["accounts"]
    assert (info["rows_read"], info["accepted"], info["quarantined"]) == (448, 448, 0)
    assert info["delimiter"] == "semicolon"
    deals = result.tables["deals"]
    assert (deals["outcome"] == "won").sum() == 227
    assert (deals["outcome"] == "lost").sum() == 221
    accounts = result.tables["accounts"]
    assert accounts["account_id"].iloc[0] == "row-2"
    assert accounts["account_id"].iloc[-1] == "row-449"
    assert (deals["deal_id"] == accounts["account_id"]).all()
    assert "status" not in accounts.columns
    assert accounts["comp_size"].value_counts().to_dict().keys() == {"Big", "Mid", "Small"}
    duplicates = result.report["duplicates"]["accounts"]["exact_duplicate_rows"]
    assert duplicates["rows"] == 83 and duplicates["kept"] is True
    assert result.report["flat"]["won"] == 227


def test_flat_maven_pipeline() -> None:
    if not MAVEN.exists():
        pytest.skip("shared data not present")
    path = MAVEN / "sales_pipeline.csv"
    result = load_flat(path, outcome="deal_stage", positive="Won")
    assert (result.report["flat"]["won"], result.report["flat"]["lost"]) == (4238, 4562)
    assert result.tables["accounts"]["account"].isna().sum() == 1425  # open deals, no account
    undecided = load_flat(
        path, outcome="deal_stage", positive="Won", negative="Lost", id_column="opportunity_id"
    )
    assert (undecided.report["flat"]["lost"], undecided.report["flat"]["open"]) == (2473, 2089)
    assert undecided.tables["accounts"]["account_id"].iloc[0] == "1C1I7A6R"


def test_flat_missing_outcome_column(tmp_path: Path) -> None:
    path = write(tmp_path, "flat.csv", "Company,Deal Status\nAcme,Won\n")
    message = fatal(lambda: load_flat(path, outcome="Status", positive="Won"))
    assert message == (
        f'{path}, column Status: missing required column "Status" (close matches: "Deal Status")'
    )


def test_flat_rules(tmp_path: Path) -> None:
    text = (
        "ID,Company,Employees,Result\n"
        "1,Acme,51-200,WON \n2,Beta,10,lost\n3,Gamma,5,\n1,Acme,51-200,WON \n"
    )
    path = write(tmp_path, "flat.csv", text)
    result = load_flat(path, outcome="result", positive="won", id_column="id")
    assert_balanced(result)
    assert result.tables["accounts"]["account_id"].tolist() == ["1", "2"]
    assert result.tables["accounts"]["employees"].tolist() == [101, 10]
    assert result.tables["deals"]["outcome"].tolist() == ["won", "lost"]
    assert result.quarantine[["line", "reason"]].values.tolist() == [
        [4, "outcome is blank"],
        [5, "duplicate of line 2"],
    ]
    with pytest.raises(IcpkitError, match='no row has Result = "Closed Won"'):
        load_flat(path, outcome="Result", positive="Closed Won")


# ------------------------------------------------------------------------------------------
# Real exports


def test_maven_accounts_and_pipeline() -> None:
    if not MAVEN.exists():
        pytest.skip("shared data not present")
    result = load_tables(accounts=MAVEN / "accounts.csv", deals=MAVEN / "sales_pipeline.csv")
    assert_balanced(result)
    deals = result.report["files"]["deals"]
    assert (deals["rows_read"], deals["quarantined"]) == (8800, 1425)
    assert set(result.quarantine["reason"]) == {"account_id is blank"}
    outcomes = result.tables["deals"]["outcome"].value_counts().to_dict()
    assert outcomes == {"won": 4238, "lost": 2473, "open": 664}
    accounts = result.tables["accounts"]
    assert (
        accounts.loc[accounts["account_id"] == "Acme Corporation", "industry"].item() == "Software"
    )
    assert set(accounts["country"].dropna()) >= {"US", "PH", "KE"}
    assert any("stage names" in note for note in result.report["notes"])


# ------------------------------------------------------------------------------------------
# Property: every row read is accepted or quarantined


CELLS = st.sampled_from(
    [
        "",
        "  ",
        "A1",
        "A2",
        "A3",
        "x",
        "51-200",
        "fifty",
        "1,000+",
        "$2.5M",
        "USA",
        "Narnia",
        "2024-03-01",
        "3/1/2024",
        "true",
        "maybe",
        "Closed Won",
        "Lost",
        "N/A",
        "é",
        '"',
        ";",
        "a,b",
        "line\nbreak",
        "=1+1",
        "0",
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    accounts=st.lists(st.lists(CELLS, min_size=1, max_size=5), min_size=1, max_size=12),
    deals=st.lists(st.lists(CELLS, min_size=1, max_size=5), min_size=1, max_size=12),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_every_row_is_accepted_or_quarantined(
    tmp_path_factory: pytest.TempPathFactory,
    accounts: list[list[str]],
    deals: list[list[str]],
    delimiter: str,
) -> None:
    import csv
    import io

    folder = tmp_path_factory.mktemp("prop")

    def table(header: list[str], rows: list[list[str]]) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()

    account_header = ["Account ID", "Employees", "Country", "Annual Revenue", "Founded"]
    deal_header = ["Deal ID", "Account ID", "Stage", "IsWon", "Close Date"]
    accounts_file = write(folder, "accounts.csv", table(account_header, accounts))
    deals_file = write(folder, "deals.csv", table(deal_header, deals))
    try:
        result = load_tables(accounts=accounts_file, deals=deals_file)
    except IcpkitError as error:  # e.g. a file whose every row is blank
        assert "\n" not in str(error)
        return
    assert_balanced(result)
    try:
        flat = load_flat(accounts_file, outcome="Employees", positive="fifty")
    except IcpkitError as error:  # no row is "fifty", or no data rows
        assert "\n" not in str(error)
        return
    assert_balanced(flat)
    assert len(flat.tables["deals"]) == flat.report["files"]["accounts"]["accepted"]
