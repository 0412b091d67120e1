"""The demo's report.html in headless Chromium: Use case, Existing pain proof and Triggering
event come from the notes, with quotes; a screenshot of the profile table is kept in
test-artifacts/winloss-profile.png for a person to look at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from icpkit.build import build_icp, write_outputs
from icpkit.discover.notes import read_notes
from icpkit.simulate import simulate, write_crm

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium")
LAUNCH_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (make install installs it)"
)


def test_demo_report_fills_the_rows_from_notes(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra")
    crm = simulate(3000, seed=7)  # the `make demo` CRM
    write_crm(crm, tmp_path / "crm")
    deals = crm.deals.merge(crm.deal_details, on="deal_id")
    built = build_icp(crm.accounts, deals, notes=read_notes(tmp_path / "crm" / "notes.csv"))
    html = write_outputs(built, tmp_path / "out")["report_html"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1600})
        page.goto(html.as_uri(), wait_until="load")
        rows = {}
        for row in page.locator("table").first.locator("tr").all()[1:]:
            cells = row.locator("td").all()
            rows[cells[0].inner_text().split("\n")[0].strip()] = cells[1].inner_text()
        for name in ("Use case", "Existing pain proof", "Triggering event"):
            assert "\u201c" in rows[name] and "notes.csv:" in rows[name], rows[name]
        assert "reconcil" in rows["Existing pain proof"]
        assert "audit" in rows["Triggering event"]
        assert "pipeline" in rows["Use case"]
        assert page.locator("span.why", has_text="Defended by Fabrikam").count() >= 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("table").first.screenshot(path=str(ARTIFACTS / "winloss-profile.png"))
        browser.close()
    assert (ARTIFACTS / "winloss-profile.png").stat().st_size > 10_000
