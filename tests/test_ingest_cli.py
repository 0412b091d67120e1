"""`icpkit ingest` as a user runs it: real processes on CRM-shaped and real data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from icpkit.simulate import simulate, write_crm

ROOT = Path(__file__).resolve().parents[1]


def icpkit(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "icpkit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )


def ingest_report(out: Path) -> dict:
    report = json.loads((out / "ingest.json").read_text(encoding="utf-8"))
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    for info in report["files"].values():
        assert info["rows_read"] == info["accepted"] + info["quarantined"]
        from_file = quarantine[quarantine["source_file"] == info["path"]]
        assert len(from_file) == info["quarantined"]
    assert report["quarantine"]["rows"] == len(quarantine)
    return report


def test_messy_crm_exports_ingest_to_the_same_facts(tmp_path: Path) -> None:
    """HubSpot companies + Salesforce opportunities and contacts, recognised on their own."""
    crm = simulate(400, seed=5)
    write_crm(crm, tmp_path / "messy", messy=True, seed=5)
    truth = json.loads((tmp_path / "messy" / "truth.json").read_text())["messy"]
    out = tmp_path / "out"
    files = [f"--{t}={tmp_path / 'messy' / f'{t}.csv'}" for t in ("accounts", "deals", "contacts")]
    run = icpkit("ingest", *files, "--out", out)
    assert run.returncode == 0, run.stderr
    report = ingest_report(out)
    adapters = {table: info["adapter"] for table, info in report["files"].items()}
    assert adapters == {"accounts": "hubspot", "deals": "salesforce", "contacts": "salesforce"}
    accounts = report["files"]["accounts"]
    assert accounts["rows_read"] == truth["accounts_rows"]
    assert accounts["quarantined"] == truth["exact_duplicate_rows"]
    assert report["duplicates"]["accounts"]["same_domain"]["groups"] == len(
        truth["near_duplicates"]
    )
    deals = pd.read_parquet(out / "deals.parquet").set_index("deal_id")
    expected = crm.deals.set_index("deal_id")["outcome"]
    # flags decide, even for the closed deals whose stage the org renamed
    assert (deals["outcome"] == expected.reindex(deals.index)).all()
    assert len(deals) == len(crm.deals)


def test_maven_with_its_mapping(tmp_path: Path, shared_data: Path) -> None:
    maven = shared_data / "maven_crm_sales_opportunities"
    if not maven.exists():
        pytest.skip("shared data not present")
    out = tmp_path / "maven"
    run = icpkit(
        "ingest",
        "--accounts", maven / "accounts.csv",
        "--deals", maven / "sales_pipeline.csv",
        "--mapping", ROOT / "examples" / "maven-crm-mapping.toml",
        "--out", out,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = ingest_report(out)
    deals = report["files"]["deals"]
    assert (deals["rows_read"], deals["accepted"], deals["quarantined"]) == (8800, 7375, 1425)
    notes = "\n".join(report["notes"])
    assert "1,425 deals have no account and are quarantined (1,425 open)" in notes
    assert '"GTXPro" → "GTX Pro"' in notes
    assert '"technolgy" → "technology"' in notes
    assert '"close_value" is 0 or blank on all 2,473 lost deals' in notes  # set when won
    table = pd.read_parquet(out / "deals.parquet")
    assert "GTXPro" not in set(table["product"])
    assert table["outcome"].value_counts().to_dict() == {"won": 4238, "lost": 2473, "open": 664}
    accounts = pd.read_parquet(out / "accounts.parquet").set_index("account_id")
    assert accounts.loc["Acme Corporation", "annual_revenue"] == pytest.approx(1_100_040_000)
    assert accounts.loc["Acme Corporation", "industry_raw"] == "technolgy"  # the file's own
    assert (accounts["country"] == "PH").sum() == 1


def test_salvirt_flat_table(tmp_path: Path, shared_data: Path) -> None:
    salvirt = shared_data / "salvirt_b2b_sales" / "Salvirt_B2B_ML_dataset_HF.csv"
    if not salvirt.exists():
        pytest.skip("shared data not present")
    out = tmp_path / "salvirt"
    run = icpkit("ingest", "--accounts", salvirt, "--outcome", "Status", "--positive", "Won",
                 "--out", out)  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = ingest_report(out)
    info = report["files"]["accounts"]
    assert (info["rows_read"], info["accepted"], info["quarantined"]) == (448, 448, 0)
    assert report["duplicates"]["accounts"]["exact_duplicate_rows"]["rows"] == 83
    assert report["flat"]["won"] == 227


def test_database_input(tmp_path: Path) -> None:
    database = tmp_path / "crm.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            "CREATE TABLE companies AS SELECT * FROM (VALUES ('A1', 'Acme', 120), "
            "('A2', 'Globex', 15)) t(account_id, name, employees)"
        )
        connection.execute(
            "CREATE TABLE deals AS SELECT * FROM (VALUES ('D1', 'A1', 'won'), "
            "('D2', 'A2', 'lost'), ('D3', 'A2', 'deleted')) t(id, account_id, status)"
        )
    out = tmp_path / "out"
    run = icpkit("ingest", "--db", database, "--accounts", "companies",
                 "--deals", "SELECT * FROM deals ORDER BY id", "--out", out)  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = ingest_report(out)
    assert report["files"]["deals"]["query"] == "SELECT * FROM deals ORDER BY id"
    deals = pd.read_parquet(out / "deals.parquet")
    assert deals["outcome"].tolist() == ["won", "lost"]
    quarantine = pd.read_csv(out / "quarantine.csv")
    assert quarantine["reason"].tolist() == ["deal status is deleted"]


def test_missing_required_column_is_one_line(tmp_path: Path) -> None:
    accounts = tmp_path / "Account.csv"
    accounts.write_text("Id,Name\n001A0000006Vm9r,Acme\n")
    deals = tmp_path / "Opportunity.csv"
    deals.write_text("Id,AccountId,Amount\n006A000000Opp01,001A0000006Vm9r,10\n")
    run = icpkit("ingest", "--format", "salesforce", "--accounts", accounts, "--deals", deals,
                 "--out", tmp_path / "out")  # fmt: skip
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert f"{deals}, column outcome: missing required column" in lines[0]
