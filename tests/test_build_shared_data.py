"""`icpkit build` on every public data file beside the repository, as a user would run it.

Each build either succeeds, and writes a card that reads back, or stops with one line on
stderr and no traceback. Files with a won/lost (or good/bad) column are built in flat mode,
Maven's CRM through its mapping, and the company lists that have no outcome must say so in
one line.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from icpkit.scorecard.io import load_scorecard

# Seven full builds on the public data sets: `make test` runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Case:
    files: tuple[str, ...]  # the CSVs it reads, under ../shared/data
    args: tuple[str, ...]  # {data} is ../shared/data, {mqls_won} the joined Olist file
    builds: bool  # True: must exit 0 with a card that reads back; False: one-line error


def flat(file: str, outcome: str, positive: str) -> Case:
    args = ("--accounts", f"{{data}}/{file}", "--outcome", outcome, "--positive", positive)
    return Case((file,), args, True)


def no_outcome(file: str) -> Case:
    return Case((file,), ("--accounts", f"{{data}}/{file}"), False)


MAVEN = "maven_crm_sales_opportunities"
CASES = {
    "salvirt": flat("salvirt_b2b_sales/Salvirt_B2B_ML_dataset_HF.csv", "Status", "Won"),
    "mlc_churn": flat("scorecard_benchmarks/mlc_churn.csv", "churn", "no"),
    "credit_data": flat("scorecard_benchmarks/credit_data.csv", "Status", "good"),
    "lending_club": flat("scorecard_benchmarks/lending_club.csv", "Class", "good"),
    "attrition": flat("scorecard_benchmarks/attrition.csv", "Attrition", "No"),
    "maven_crm": Case(
        (f"{MAVEN}/accounts.csv", f"{MAVEN}/sales_pipeline.csv"),
        (
            "--format",
            "generic",
            "--accounts",
            f"{{data}}/{MAVEN}/accounts.csv",
            "--deals",
            f"{{data}}/{MAVEN}/sales_pipeline.csv",
            "--mapping",
            str(ROOT / "examples" / "maven-crm-mapping.toml"),
        ),
        True,
    ),
    # An MQL is won when it became a closed deal: the outcome joined on as a column.
    "olist_mqls": Case(
        (
            "olist_marketing_funnel/olist_marketing_qualified_leads_dataset.csv",
            "olist_marketing_funnel/olist_closed_deals_dataset.csv",
        ),
        ("--accounts", "{mqls_won}", "--outcome", "won", "--positive", "yes"),
        # Nothing in a lead table describes the company (ids, a landing page, the lead's
        # origin, a date): the build must say so in one line, not learn from ids.
        False,
    ),
    # Every row is a won deal; which become resellers is an outcome as good as any other.
    "olist_closed_deals": flat(
        "olist_marketing_funnel/olist_closed_deals_dataset.csv",
        "business_type",
        "reseller",
    ),
    "maven_data_dictionary": no_outcome(f"{MAVEN}/data_dictionary.csv"),
    "maven_products": no_outcome(f"{MAVEN}/products.csv"),
    "maven_sales_teams": no_outcome(f"{MAVEN}/sales_teams.csv"),
    "fortune1000": no_outcome("fortune1000_2021/Fortune_1000.csv"),
    "sp500": no_outcome("sp500_constituents/constituents.csv"),
    "yc_companies": no_outcome("yc_companies/yc_companies.csv"),
}


def mqls_won(shared_data: Path, folder: Path) -> Path:
    funnel = shared_data / "olist_marketing_funnel"
    mqls = pd.read_csv(funnel / "olist_marketing_qualified_leads_dataset.csv", dtype=str)
    closed = pd.read_csv(funnel / "olist_closed_deals_dataset.csv", dtype=str)
    mqls["won"] = mqls["mql_id"].isin(closed["mql_id"]).map({True: "yes", False: "no"})
    path = folder / "olist_mqls_won.csv"
    mqls.to_csv(path, index=False)
    return path


def icpkit_build(args: list[str], out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "icpkit", "build", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )


# A case that builds learns a card from thousands of rows: slow. One that stops must stop fast.
@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if c.builds else n for n, c in CASES.items()],
)
def test_build_succeeds_or_stops_in_one_line(shared_data, tmp_path, name):
    case = CASES[name]
    mqls = mqls_won(shared_data, tmp_path) if "{mqls_won}" in case.args else None
    args = [a.format(data=shared_data, mqls_won=mqls) for a in case.args]
    out = tmp_path / "out"
    result = icpkit_build(args, out)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, "\n".join(lines[-8:])
    if case.builds:
        assert result.returncode == 0, result.stderr
        card = load_scorecard(out / "scorecard.toml")
        assert card.attributes
    else:
        assert result.returncode != 0
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: "), lines[0]


def test_every_shared_csv_has_a_case(shared_data):
    covered = {file for case in CASES.values() for file in case.files}
    found = {str(p.relative_to(shared_data)) for p in shared_data.rglob("*.csv")}
    assert found == covered
