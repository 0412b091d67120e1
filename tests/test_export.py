"""`icpkit export`: files that HubSpot's importer, Salesforce's Data Loader and reverse-ETL tools
load as they are, by the rules in CRM_FORMATS.md (header names, value formats), with no cell a
spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from icpkit.cli import app
from icpkit.score import score_file

ROOT = Path(__file__).resolve().parents[1]
SEED_CARD = ROOT / "examples" / "seed-scorecard.toml"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIER_VALUES = {"A": "tier_1", "B": "tier_2", "C": "tier_3", "D": ""}


@pytest.fixture(scope="module")
def accounts():
    from icpkit.simulate import simulate

    frame = simulate(160, seed=5).accounts
    columns = ["account_id", "domain", "employees", "funding_stage", "technologies", "region"]
    frame = frame[columns].copy()
    frame["technologies"] = frame["technologies"].map(lambda v: ";".join(v) if v else "")
    return frame.reset_index(drop=True)


def export(tmp_path, to, input_path, out_name, *extra):
    out = tmp_path / out_name
    result = CliRunner().invoke(
        app,
        [
            "export",
            "--to",
            to,
            "--scorecard",
            str(SEED_CARD),
            "--input",
            str(input_path),
            "--out",
            str(out),
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return out


def read_rows(path):
    """The file as an importer reads it: UTF-8, comma-separated, quoted fields."""
    text = path.read_bytes().decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in body)
    return header, body


def reference_scores(tmp_path, input_path, id_column):
    """What `icpkit score` says for the same rows, to check the export against."""
    out = tmp_path / "reference.csv"
    score_file(SEED_CARD, input_path, out, id_column=id_column)
    return pd.read_csv(out, dtype=str, keep_default_na=False).set_index(id_column)


def no_formulas(body):
    for row in body:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


# ---------------------------------------------------------------------------------------------
# HubSpot


def test_hubspot_import_by_record_id(accounts, tmp_path):
    frame = accounts.copy()
    frame.insert(0, "Record ID", [str(9_000 + i) for i in range(len(frame))])
    input_path = tmp_path / "companies.csv"
    frame.to_csv(input_path, index=False)
    out = export(tmp_path, "hubspot", input_path, "hubspot.csv")
    header, body = read_rows(out)
    assert header == ["Record ID", "icp_score", "hs_ideal_customer_profile", "icp_reasons"]
    assert len(body) == len(frame)
    reference = reference_scores(tmp_path, input_path, "Record ID")
    for record_id, score, tier, reasons in body:
        assert record_id.isdigit()
        assert score.isdigit() and 0 <= int(score) <= 100
        expected = reference.loc[record_id]
        assert score == expected["icp_score"]
        assert tier == TIER_VALUES[expected["icp_tier"]]
        assert reasons == expected["icp_reasons"]
    assert {row[2] for row in body} == {"tier_1", "tier_2", "tier_3", ""}
    no_formulas(body)


def test_hubspot_import_by_domain_sets_aside_rows_it_cannot_match(accounts, tmp_path):
    frame = accounts.head(40).copy()
    frame.loc[0, "domain"] = "https://www.Iris-Well.com/about"
    frame.loc[1, "domain"] = ""
    frame.loc[2, "domain"] = '=HYPERLINK("http://evil")'
    frame.loc[3, "domain"] = "IRIS-WELL.com"  # the same company as row 0
    input_path = tmp_path / "companies.csv"
    frame.to_csv(input_path, index=False)
    out = export(tmp_path, "hubspot", input_path, "hubspot.csv")
    header, body = read_rows(out)
    assert header[0] == "Company Domain Name"
    assert body[0][0] == "iris-well.com"
    assert len(body) == 40 - 3
    skipped = pd.read_csv(tmp_path / "hubspot-skipped.csv", dtype=str, keep_default_na=False)
    assert skipped["line"].tolist() == ["3", "4", "5"]
    assert skipped.loc[0, "reason"] == "no Company Domain Name"
    assert "web domain" in skipped.loc[1, "reason"]
    assert skipped.loc[1, "domain"].startswith("'=")  # escaped in the list too
    assert skipped.loc[2, "reason"] == "same key as line 2"
    no_formulas(body)


# ---------------------------------------------------------------------------------------------
# Salesforce


def test_salesforce_data_loader_file(accounts, tmp_path):
    frame = accounts.head(60).copy()
    ids = ["003D0000001aH2A", "0A3D0000001aH2AKAU"] + [f"001Dn000{i:07d}" for i in range(58)]
    ids[5] = "not-an-id"
    frame.insert(0, "Id", ids)
    input_path = tmp_path / "accounts.csv"
    frame.to_csv(input_path, index=False)
    out = export(tmp_path, "salesforce", input_path, "data-loader.csv")
    header, body = read_rows(out)
    assert header == ["Id", "ICP_Score__c", "ICP_Tier__c", "ICP_Reasons__c"]
    assert body[0][0] == "003D0000001aH2AIAU"  # report ids become 18-character case-safe ids
    assert body[1][0] == "0A3D0000001aH2AKAU"
    assert all(len(row[0]) == 18 for row in body)
    assert len(body) == 59
    assert all(row[1].isdigit() and row[2] in "ABCD" and len(row[3]) <= 255 for row in body)
    skipped = pd.read_csv(tmp_path / "data-loader-skipped.csv", dtype=str)
    assert skipped.loc[0, "line"] == "7"
    assert "not a Salesforce record id" in skipped.loc[0, "reason"]
    no_formulas(body)


def test_salesforce_external_id_keys_are_escaped(accounts, tmp_path):
    frame = accounts.head(10).copy()
    frame["Ext_Id__c"] = [f"ERP-{i}" for i in range(10)]
    frame.loc[4, "Ext_Id__c"] = "+SUM(A1:A9)"
    input_path = tmp_path / "accounts.csv"
    frame.to_csv(input_path, index=False)
    out = export(tmp_path, "salesforce", input_path, "upsert.csv", "--external-id", "Ext_Id__c")
    header, body = read_rows(out)
    assert header[0] == "Ext_Id__c"
    assert body[4][0] == "'+SUM(A1:A9)"
    no_formulas(body)


# ---------------------------------------------------------------------------------------------
# Reverse-ETL table


def test_table_has_a_stable_unique_key_and_the_same_bytes_each_run(accounts, tmp_path):
    input_path = tmp_path / "accounts.csv"
    frame = accounts.copy()
    frame.loc[7, "account_id"] = "@SUM(1)"
    frame.to_csv(input_path, index=False)
    first = export(tmp_path, "table", input_path, "scores.csv")
    again = export(tmp_path, "table", input_path, "scores-again.csv")
    assert first.read_bytes() == again.read_bytes()  # nothing that changes between runs
    header, body = read_rows(first)
    assert header == [
        "icp_key",
        "icp_score",
        "icp_tier",
        "icp_disqualified",
        "icp_reasons",
        "hubspot_icp_tier",
        "scorecard",
        "scorecard_version",
        "scorecard_fingerprint",
    ]
    keys = [row[0] for row in body]
    assert len(set(keys)) == len(keys) == len(frame)
    assert keys[7] == "'@SUM(1)"
    no_formulas(body)
    parquet = export(tmp_path, "table", input_path, "scores.parquet")
    table = pd.read_parquet(parquet)
    assert table["icp_key"].tolist()[:3] == frame["account_id"].tolist()[:3]
    assert table["icp_score"].dtype == "int64"
    assert table["icp_disqualified"].dtype == bool
    assert (table["hubspot_icp_tier"] == table["icp_tier"].map(TIER_VALUES)).all()


# ---------------------------------------------------------------------------------------------
# Errors


@pytest.mark.slow
def test_user_mistakes_get_one_line_and_exit_2(accounts, tmp_path):
    input_path = tmp_path / "accounts.csv"
    accounts.head(5).to_csv(input_path, index=False)
    command = [
        sys.executable,
        "-m",
        "icpkit",
        "export",
        "--scorecard",
        str(SEED_CARD),
        "--input",
        str(input_path),
        "--out",
        str(tmp_path / "x.csv"),
    ]
    for extra, message in (
        (["--to", "pipedrive"], "choose one of hubspot, salesforce, table"),
        (["--to", "salesforce"], "name one with --id"),
        (["--to", "hubspot", "--field", "colour=red"], "--field colour=red"),
    ):
        done = subprocess.run([*command, *extra], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        assert message in done.stderr
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
