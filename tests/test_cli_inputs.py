"""The command line on the inputs a new user brings: each mistake is one line that says what
to do, and a command that did not do its job does not exit 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from icpkit.simulate import write_crm

ROOT = Path(__file__).resolve().parents[1]


def icpkit(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "icpkit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def won_lost(tmp_path) -> Path:
    path = tmp_path / "deals.csv"
    rows = ["company,employees,Status"] + [
        f"c{i},{10 + i},{'Closed Won' if i % 3 else 'Closed Lost'}" for i in range(30)
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_won_lost_file_without_account_id_gets_the_flat_mode_hint(tmp_path, won_lost):
    line = one_line_error(icpkit("build", "--accounts", won_lost, "--out", tmp_path / "out"))
    assert "account_id" in line and str(won_lost) in line
    assert "--outcome 'Status' --positive 'Closed Won'" in line


def test_a_file_without_account_id_or_outcomes_gets_no_hint(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("company,employees\nc1,10\nc2,20\n")
    line = one_line_error(icpkit("ingest", "--accounts", path, "--out", tmp_path / "out"))
    assert "account_id" in line and "--outcome" not in line


@pytest.mark.parametrize("command", ["build", "ingest"])
def test_id_outside_flat_mode_is_refused_not_ignored(tmp_path, won_lost, command):
    line = one_line_error(
        icpkit(command, "--accounts", won_lost, "--id", "company", "--out", tmp_path / "o")
    )
    assert "--id company" in line and "--outcome" in line


@pytest.fixture(scope="module")
def accounts_csv(tmp_path_factory, demo_crm) -> Path:
    """The demo CRM's accounts as `icpkit simulate` writes them; its build is the session's
    ``build_dir`` (a build of its own here would cost half a minute)."""
    return write_crm(demo_crm, tmp_path_factory.mktemp("crm"))["accounts"]


def test_report_crm_on_a_folder_without_deals_is_an_error(accounts_csv, build_dir, tmp_path):
    crm = tmp_path / "crm"
    crm.mkdir()
    (crm / "accounts.csv").write_text(accounts_csv.read_text())
    line = one_line_error(icpkit("report", "--from", build_dir, "--crm", crm))
    assert str(crm) in line and "no deals" in line


def test_export_that_writes_no_record_exits_non_zero(accounts_csv, build_dir, tmp_path):
    accounts = pd.read_csv(accounts_csv).head(20)
    accounts["sf_id"] = "not-an-id"
    source = tmp_path / "accounts.csv"
    accounts.to_csv(source, index=False)
    out = tmp_path / "data-loader.csv"
    result = icpkit(
        "export", "--to", "salesforce", "--scorecard", build_dir / "scorecard.toml",
        "--input", source, "--id", "sf_id", "--out", out,
    )  # fmt: skip
    line = one_line_error(result)
    assert "none of the 20 records" in line and "data-loader-skipped.csv" in line
    assert "tiers" not in result.stdout


def test_export_counts_tiers_of_the_records_written_only(accounts_csv, build_dir, tmp_path):
    from icpkit.export.files import export_file
    from icpkit.export.scores import score_accounts

    accounts = pd.read_csv(accounts_csv).head(20)
    accounts.loc[5:, "account_id"] = ""  # 15 rows without a key
    source = tmp_path / "accounts.csv"
    accounts.to_csv(source, index=False)
    scored = score_accounts(build_dir / "scorecard.toml", source)
    summary = export_file("table", scored, tmp_path / "t.csv", key_column="account_id")
    assert summary.written == 5
    assert sum(summary.tiers.values()) == 5
    written = pd.read_csv(tmp_path / "t.csv")["icp_tier"].value_counts()
    assert {t: int(written.get(t, 0)) for t in "ABCD"} == summary.tiers
