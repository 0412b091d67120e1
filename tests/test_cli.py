"""The command line as a user meets it: real processes, real files, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def icpkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "icpkit", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def build_flat(source: Path, out: Path) -> subprocess.CompletedProcess:
    """`icpkit build` in flat mode with a `Status` column whose good value is `Won`."""
    return icpkit(
        "build", "--accounts", source, "--outcome", "Status", "--positive", "Won", "--out", out
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """simulate -> build -> score, as `make demo` does, on a smaller CRM."""
    root = tmp_path_factory.mktemp("demo")
    assert (
        icpkit("simulate", "--accounts", 1500, "--seed", 11, "--out", root / "crm").returncode == 0
    )
    built = icpkit("build", "--from", root / "crm", "--out", root / "out")
    assert built.returncode == 0, built.stderr
    return root


@pytest.mark.slow
def test_build_writes_the_contract_files(workspace):
    out = workspace / "out"
    for name in (
        "scorecard.toml",
        "report.html",
        "icp.md",
        "segments.json",
        "validation.json",
        "accounts.parquet",
        "deals.parquet",
        "quarantine.csv",
        "ingest.json",
    ):
        assert (out / name).is_file(), name
    ingest = json.loads((out / "ingest.json").read_text())
    for info in ingest["files"].values():
        assert info["rows_read"] == info["accepted"] + info["quarantined"]


@pytest.mark.slow
def test_score_keeps_every_row_in_order(workspace):
    out = workspace / "scored.csv"
    result = icpkit(
        "score",
        "--scorecard",
        workspace / "out" / "scorecard.toml",
        "--input",
        workspace / "crm" / "accounts.csv",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(out)
    accounts = pd.read_csv(workspace / "crm" / "accounts.csv")
    assert scored["account_id"].tolist() == accounts["account_id"].tolist()
    assert list(scored.columns) == [
        "account_id",
        "icp_score",
        "icp_tier",
        "icp_disqualified",
        "icp_reasons",
    ]
    assert scored["icp_score"].between(0, 100).all()
    assert set(scored["icp_tier"]) <= set("ABCD")
    assert scored.loc[scored["icp_disqualified"], "icp_tier"].eq("D").all()
    assert scored.loc[scored["icp_disqualified"], "icp_reasons"].str.startswith("DQ: ").all()


@pytest.mark.slow
def test_score_parquet_matches_csv(workspace):
    card = workspace / "out" / "scorecard.toml"
    source = workspace / "crm" / "accounts.csv"
    assert (
        icpkit(
            "score", "--scorecard", card, "--input", source, "--out", workspace / "a.parquet"
        ).returncode
        == 0
    )
    assert (
        icpkit(
            "score", "--scorecard", card, "--input", source, "--out", workspace / "a.csv"
        ).returncode
        == 0
    )
    parquet = pd.read_parquet(workspace / "a.parquet")
    csv = pd.read_csv(workspace / "a.csv")
    assert parquet["icp_score"].tolist() == csv["icp_score"].tolist()


@pytest.mark.slow
def test_inspect_json_has_the_contract_keys(workspace):
    result = icpkit("inspect", workspace / "out" / "scorecard.toml", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["attributes"] and all(isinstance(a, str) for a in data["attributes"])
    assert isinstance(data["disqualifiers"], list)
    assert set(data["tiers"]) >= {"A", "B", "C"}
    assert data["trained_on"]["closed_deals"] > 0


@pytest.mark.slow
def test_flat_mode_on_real_won_lost_deals(tmp_path, shared_data):
    source = shared_data / "salvirt_b2b_sales" / "Salvirt_B2B_ML_dataset_HF.csv"
    result = icpkit(
        "build", "--accounts", source, "--outcome", "Status", "--positive", "Won", "--out", tmp_path
    )
    assert result.returncode == 0, result.stderr
    ingest = json.loads((tmp_path / "ingest.json").read_text())
    accounts = next(iter(ingest["files"].values()))
    assert accounts["rows_read"] == 448
    validation = json.loads((tmp_path / "validation.json").read_text())
    assert validation["split"]["method"] == "random"
    assert validation["auc"] > 0.6


def test_missing_outcome_column_is_one_line(tmp_path):
    source = tmp_path / "accounts.csv"
    source.write_text("name,employees,result\nAcme,10,Won\nBeta,20,Lost\n")
    result = build_flat(source, tmp_path / "out")
    assert_one_line_error(result, str(source), "Status")


def test_empty_file_is_one_line(tmp_path):
    source = tmp_path / "empty.csv"
    source.write_text("")
    result = build_flat(source, tmp_path / "out")
    assert_one_line_error(result, str(source), "empty")


def test_header_only_file_is_one_line(tmp_path):
    source = tmp_path / "header.csv"
    source.write_text("name,Status\n")
    result = build_flat(source, tmp_path / "out")
    assert_one_line_error(result, str(source), "no data rows")


def test_spreadsheet_instead_of_csv_is_one_line(tmp_path):
    source = tmp_path / "accounts.csv"
    with zipfile.ZipFile(source, "w") as book:  # what an .xlsx renamed to .csv looks like
        book.writestr("xl/workbook.xml", "<workbook/>")
    result = build_flat(source, tmp_path / "out")
    assert_one_line_error(result, str(source), "not a CSV")


def test_missing_file_and_bad_scorecard_are_one_line(tmp_path):
    assert_one_line_error(
        icpkit("build", "--from", tmp_path / "nowhere", "--out", tmp_path), "nowhere"
    )
    card = tmp_path / "card.toml"
    card.write_text("[[attributes]]\ncolumn = 'x'\nkind = 'numeric'\nbins = [ { points = 1 } ]\n")
    result = icpkit("score", "--scorecard", card, "--input", card, "--out", tmp_path / "s.csv")
    assert_one_line_error(result, str(card), "line 4")


def test_too_few_outcomes_is_one_line(tmp_path):
    source = tmp_path / "accounts.csv"
    source.write_text("name,Status\n" + "".join(f"c{i},Won\n" for i in range(30)) + "d,Lost\n")
    result = build_flat(source, tmp_path / "out")
    assert_one_line_error(result, "need at least 5 won and 5 lost")
