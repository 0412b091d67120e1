"""The ICP document as a reader opens it: in a real headless Chromium, from a file, offline.

One browser for the module. Each page must load with no console error and no request beyond its
own file, and every chart must be drawn (a visible, non-empty SVG). A screenshot of the top of
the demo page is kept in test-artifacts/ for a person to look at; the PDF must have a one-page
summary followed by the appendices.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from icpkit.build import build_icp, write_outputs
from icpkit.ingest import load_dir, write_ingest
from icpkit.report import print_pdf
from icpkit.simulate import simulate, write_crm

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium")
LAUNCH_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (make install installs it)"
)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def messy_build(tmp_path_factory) -> Path:
    """A build as `icpkit build` makes it from messy CRM exports: duplicates are quarantined,
    and contacts and signals give personas and triggers."""
    root = tmp_path_factory.mktemp("messy")
    write_crm(simulate(2000, seed=11), root / "crm", messy=True, seed=11)
    ingested = load_dir(root / "crm")
    out = root / "out"
    write_ingest(ingested, out)
    tables = ingested.tables
    built = build_icp(
        tables["accounts"],
        tables["deals"],
        contacts=tables.get("contacts"),
        signals=tables.get("signals"),
    )
    write_outputs(built, out)
    return out


def open_page(browser, html: Path, viewport: dict | None = None):
    """Open ``html`` as a reader would; return the page, console errors and requests made."""
    page = browser.new_page(viewport=viewport or {"width": 1100, "height": 1400})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html.as_uri(), wait_until="load")
    return page, errors, requests


def chart_boxes(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].map(svg => {
            const box = svg.getBoundingClientRect();
            return {title: svg.getAttribute('aria-label'), width: box.width, height: box.height,
                    shapes: svg.querySelectorAll('rect, line, circle, polyline').length};
        })"""
    )


def test_demo_page_renders_every_chart_offline(browser, messy_build):
    html = messy_build / "report.html"
    page, errors, requests = open_page(browser, html)
    try:
        assert errors == []
        assert requests == [html.as_uri()]
        boxes = chart_boxes(page)
        titles = [b["title"] for b in boxes]
        for expected in (
            "Win rate by scorecard bin",
            "Held-out win rate by tier",
            "Held-out deals by tier",
            "Cumulative gains",
            "Calibration",
            "Segments: size against win rate",
            "Win rate by employees (strong signal)",
        ):
            assert any(t.startswith(expected) for t in titles), (expected, titles)
        for box in boxes:
            assert box["width"] > 200 and box["height"] > 80, box
            assert box["shapes"] >= 4, box
        assert page.locator("h1").inner_text() == "Ideal Customer Profile"
        summary = page.locator("p.summary").inner_text()
        assert summary.startswith("Our ideal customers are ")
        who = page.locator("#who").inner_text()
        assert "champion" in who.lower() and "executive hire" in who  # the planted buyer, trigger
        quality = page.locator("#quality").inner_text()
        assert "duplicate of line N" in quality  # the messy export's duplicates, grouped
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-top.png"))
    finally:
        page.close()


def test_no_signal_page_says_so_first(browser, tmp_path, maven):
    out = tmp_path / "maven"
    write_outputs(build_icp(maven.accounts, maven.deals), out)
    html = out / "report.html"
    page, errors, requests = open_page(browser, html, {"width": 800, "height": 1000})
    try:
        assert errors == [] and requests == [html.as_uri()]
        assert page.locator(".verdict").inner_text().startswith("No reliable ICP signal")
        assert page.locator("p.summary").inner_text().startswith("No reliable ICP signal yet")
        assert page.locator("p.warning").first.is_visible()
        assert all(b["width"] > 200 and b["height"] > 80 for b in chart_boxes(page))
        page.screenshot(path=str(ARTIFACTS / "report-no-signal-top.png"))
    finally:
        page.close()


def test_pdf_has_a_one_page_summary_then_appendices(messy_build):
    from pypdf import PdfReader

    pdf = print_pdf(messy_build / "report.html", messy_build / "report.pdf")
    pages = PdfReader(pdf).pages
    assert 3 <= len(pages) <= 12, len(pages)
    # NFKC folds the typesetter's ligatures ("ﬁ") back into letters.
    first, second = (unicodedata.normalize("NFKC", p.extract_text()) for p in pages[:2])
    assert "Ideal Customer Profile" in first and "The profile" in first
    assert "Anti-ICP: who not to pursue" in first
    assert "Scorecard: the points" not in first
    assert second.lstrip().startswith("Scorecard: the points and the deals behind them")
