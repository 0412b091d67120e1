from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the public data sets are not beside the repository ({SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_crm():
    """The demo CRM: 3,000 simulated accounts, seed 7 (what `make demo` builds on)."""
    from icpkit.simulate import simulate

    return simulate(3000, seed=7)


@pytest.fixture(scope="session")
def demo_build(demo_crm):
    from icpkit.build import build_icp

    return build_icp(demo_crm.accounts, demo_crm.deals)


@dataclass
class MavenTables:
    accounts: pd.DataFrame
    deals: pd.DataFrame  # canonical deals: id, account, outcome, created and closed dates
    amount: pd.Series  # each deal's close value, beside ``deals``


@pytest.fixture(scope="module")
def maven(shared_data) -> MavenTables:
    """Maven's CRM as canonical tables, read once per test module (no real ICP signal in it)."""
    folder = shared_data / "maven_crm_sales_opportunities"
    accounts = pd.read_csv(folder / "accounts.csv").rename(columns={"account": "account_id"})
    pipeline = pd.read_csv(folder / "sales_pipeline.csv").dropna(subset=["account"])
    deals = pd.DataFrame(
        {
            "deal_id": pipeline["opportunity_id"],
            "account_id": pipeline["account"],
            "outcome": pipeline["deal_stage"]
            .str.lower()
            .where(pipeline["deal_stage"].isin(["Won", "Lost"]), "open"),
            "created_at": pd.to_datetime(pipeline["engage_date"]),
            "closed_at": pd.to_datetime(pipeline["close_date"]),
        }
    )
    return MavenTables(accounts, deals, pipeline["close_value"])


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory, demo_crm, demo_build) -> Path:
    """An `icpkit build` folder of the demo CRM, with its canonical tables."""
    from icpkit.build import write_outputs

    out = tmp_path_factory.mktemp("build")
    write_outputs(demo_build, out)
    demo_crm.accounts.to_parquet(out / "accounts.parquet")
    demo_crm.deals.to_parquet(out / "deals.parquet")
    return out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests live in ``test_*_browser.py`` files: mark them ``browser`` by that name,
    so `make test-fast` leaves them out (a new browser test file is marked without asking)."""
    for item in items:
        if item.path.name.endswith("_browser.py"):
            item.add_marker(pytest.mark.browser)
