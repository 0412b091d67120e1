from __future__ import annotations

from pathlib import Path

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
