"""The web app as a RevOps user meets it, in headless Chromium against the real server, with the
strict Content-Security-Policy enforced: score a company, upload a CSV and follow its progress
to the summary, edit a point and see how many accounts and deals change tier, name the version,
read the side-by-side diff, and confirm "Make live" after seeing the API keys it affects.

Each flow leaves screenshots at 1280 px and 375 px in ``test-artifacts/``; every page is then
checked with axe-core (vendored in ``tests/vendor``) for serious or critical violations.
"""

from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from icpkit.scorecard.io import load_scorecard
from icpkit.serve import Settings, create_app
from icpkit.serve.testing import running_server
from icpkit.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
WIDTHS = (1280, 375)

# Headless Chromium drives every test here: `browser`, so `make test-fast` leaves them out.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (make install adds it)"
    ),
]

LEAD = {"employees": "450", "annual_revenue": "$60M", "industry": "Software"}


@pytest.fixture(scope="module")
def site(tmp_path_factory, build_dir):
    path = tmp_path_factory.mktemp("flows") / "workspace.duckdb"
    workspace = Workspace.open(path)
    card = load_scorecard(build_dir / "scorecard.toml")
    workspace.save_version(card, author="test", reason="learned", activate=True)
    key = workspace.create_key("browser")
    crm = workspace.create_key("crm-sync")
    settings = Settings(
        workspace=str(path), build_dir=build_dir, refresh_seconds=0.2, audit_seconds=0.2
    )
    app = create_app(settings)
    with running_server(app) as url:
        # The CRM integration scores through the API: the make-live page must name it.
        answer = httpx.post(
            url + "/v1/score",
            json={"accounts": [LEAD, LEAD]},
            headers={"Authorization": f"Bearer {crm}"},
            timeout=30,
        )
        assert answer.status_code == 200
        yield {"url": url, "key": key, "workspace": workspace, "card": card, "app": app}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(site, browser):
    """A signed-in tab with the CSP enforced; any CSP violation fails the test that made it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(site["url"] + "/login")
    page.fill("#key", site["key"])
    page.click("#sign-in")
    page.wait_for_url(site["url"] + "/")
    page.violations = violations
    yield page
    assert not violations, violations
    context.close()


def shoot(page, name: str, *, wide_content: bool = False) -> None:
    """Full-page screenshots at 1280 px and 375 px wide; the page ends at 1280 px.
    ``wide_content``: the page's own content may scroll sideways (the ICP document's tables,
    laid out by the report, not the app); the app bar must still fit."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"web-{name}-{width}.png"), full_page=True)
        # Nothing wider than the screen: no sideways scrolling of the page itself.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide_content or overflow <= 1, f"{name} is {overflow}px wider than {width}px"
        bar = page.locator("header").first.bounding_box()
        assert bar["width"] <= width + 1 and bar["height"] < 100, (name, width, bar)


def _api(site, path: str, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {site['key']}"}
    return httpx.post(site["url"] + path, headers=headers, timeout=30, **kwargs)


def test_1_score_shows_labels_reasons_with_points_and_win_probability(site, page):
    card = site["card"]
    page.goto(site["url"] + "/score")
    employees = next(a for a in card.attributes if a.column == "employees")
    # Labelled with the card's attribute name, not the raw column, with help from its bins.
    for attribute in card.attributes:
        label = page.inner_text(f"label[for='a.{attribute.column}']")
        assert attribute.name in label.split(" / ")
        assert "_" not in label and "(" not in label, label  # not "annual_revenue (numeric)"
    best = max(employees.bins, key=lambda b: b.points)
    help_text = page.inner_text("#" + page.get_attribute("[id='a.employees']", "aria-describedby"))
    assert f"{best.points:+d} ({best.label})" in help_text, help_text
    for column, value in LEAD.items():
        if page.locator(f"[id='a.{column}']").count():
            page.fill(f"[id='a.{column}']", value)
    page.evaluate("window.stayed = true")  # survives only if the page is updated in place
    page.click("#score-button")
    page.wait_for_selector("#result-score")
    assert page.evaluate("window.stayed === true"), "the result should come without a reload"
    expected = _api(site, "/v1/score", json={"account": LEAD}).json()
    assert int(page.inner_text("#result-score")) == expected["icp_score"]
    assert page.inner_text("#result-tier") == expected["icp_tier"]
    # Reasons as a list, one attribute per line with its points, largest first; the API's
    # short reasons are the top of that list.
    items = page.locator("#result-reasons li").all_inner_texts()
    points = [int(re.match(r"([+-]\d+)", item).group(1)) for item in items]
    assert points == sorted(points, key=lambda p: -abs(p)) and all(points)
    for part in expected["icp_reasons"].split("; "):
        name, _, rest = part.partition(": ")
        bin_label, value = re.match(r"(.*) \(([+-]\d+)\)$", rest).groups()
        assert f"{value} {name}: {bin_label}" in items
    # The calibrated win probability beside the score.
    probability = card.calibration.probability(np.array([expected["icp_score"]]))[0]
    assert f"{100 * probability:.0f}%" in page.inner_text("#result-probability")
    shoot(page, "score")


def test_2_upload_shows_progress_then_a_summary_with_quarantine(
    site, page, demo_crm, build_dir, tmp_path, monkeypatch
):
    from icpkit.ingest import readers
    from icpkit.score import score_file
    from icpkit.serve import uploads

    accounts = demo_crm.accounts.copy()
    accounts["technologies"] = accounts["technologies"].map(";".join)
    accounts["employees"] = accounts["employees"].astype(object)
    accounts.loc[accounts.index[4], "employees"] = "fifty"  # line 6 of the file
    accounts.loc[accounts.index[7], "employees"] = "n/a"  # unknown, not unreadable
    upload = tmp_path / "leads.csv"
    accounts.to_csv(upload, index=False)

    # Hold the job after its first batch so the progress can be seen and checked.
    gate, calls = threading.Event(), []
    real = uploads._unreadable

    def held(*args):
        calls.append(1)
        if len(calls) == 2:
            gate.wait(20)
        return real(*args)

    monkeypatch.setattr(uploads, "BATCH_ROWS", 1000)
    # Read as a big file is (by Arrow, in chunks); test_serve_browser uploads a small one.
    monkeypatch.setattr(readers, "ARROW_MIN_BYTES", 1000)
    monkeypatch.setattr(uploads, "_unreadable", held)
    try:
        page.goto(site["url"] + "/upload")
        page.set_input_files("#file", str(upload))
        page.click("#upload-button")
        page.wait_for_url(re.compile(r"/uploads/[\w-]+$"))
        from playwright.sync_api import expect

        expect(page.locator("#job-rows")).to_have_text(f"1,000 of {len(accounts):,} rows scored")
        assert 0 < int(page.get_attribute("#job-progress", "value")) < 100
        shoot(page, "upload-progress")
    finally:
        gate.set()  # never leave the scoring thread waiting
    page.wait_for_selector("#job-done")  # the page polls (htmx) until the job is done
    done = page.inner_text("#job-done")
    assert f"{len(accounts) - 1:,} of {len(accounts):,} rows scored" in done
    assert "1 set aside" in done
    assert page.inner_text("#job-quarantine").split("\n")[1].split("\t") == [
        "6",
        'employees: cannot read "fifty" as a number',
    ]
    # Rows per tier are those `icpkit score` gives the rows kept.
    summary = score_file(build_dir / "scorecard.toml", upload, tmp_path / "cli.csv")
    cli = pd.read_csv(tmp_path / "cli.csv", keep_default_na=False, dtype=str)
    kept = cli.drop(index=4)
    for tier in "ABCD":
        shown = int(page.inner_text(f"#tier-count-{tier}").replace(",", ""))
        assert shown == int((kept["icp_tier"] == tier).sum()), tier
    assert sum(summary["tiers"].values()) == len(accounts)
    shoot(page, "upload-summary")
    with page.expect_download() as downloading:
        page.click("#download-scored")
    scored = pd.read_csv(downloading.value.path(), keep_default_na=False, dtype=str)
    assert downloading.value.suggested_filename == "leads-scored-v1.csv"
    assert scored["account_id"].tolist() == kept["account_id"].tolist()
    assert scored["icp_score"].tolist() == kept["icp_score"].tolist()
    with page.expect_download() as downloading:
        page.click("#download-quarantine")
    quarantine = pd.read_csv(downloading.value.path(), keep_default_na=False, dtype=str)
    assert quarantine[["line", "employees"]].values.tolist() == [["6", "fifty"]]


def _strongest_bin(card):
    return max(
        ((i, j) for i, a in enumerate(card.attributes) for j in range(len(a.bins))),
        key=lambda ij: card.attributes[ij[0]].bins[ij[1]].points,
    )


def test_3_editor_highlights_the_edit_and_counts_tier_changes(site, page, build_dir):
    from icpkit.serve import editor
    from icpkit.serve.service import BuildFolder

    card = site["card"]
    i, j = _strongest_bin(card)
    field = editor.point_field(i, j)
    old = card.attributes[i].bins[j].points
    page.goto(site["url"] + "/editor")
    # Compact: the whole editor, backtest included, in about two screens at 1280 px.
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2000, height
    page.evaluate("window.stayed = true")
    page.fill(f"#{field}", "0")
    page.press(f"#{field}", "Tab")
    page.wait_for_selector("#tier-changes")
    assert page.evaluate("window.stayed === true")
    # What the server computes for the same edit on the build's accounts and closed deals.
    edited = editor.apply_edits(card, editor.unchanged_form(card) | {field: "0"})
    accounts = pd.read_parquet(build_dir / "accounts.parquet")
    history = BuildFolder(build_dir).history
    impact = editor.impact(card, edited, accounts, history[0])
    assert impact.accounts_changed > 0
    assert page.inner_text("#tier-changes") == (
        f"{impact.accounts_changed:,} accounts / {impact.deals_changed:,} deals change tier"
    )
    rescale = page.inner_text("#rescale")
    assert impact.range_changed and "rescaled" in rescale
    assert f"{impact.rescaled:,} accounts' scores move" in rescale
    # The edited field is highlighted and says what it was.
    assert page.inner_text(f"#mark-{field}") == f"edited, was {old}"
    background = page.evaluate(
        f"getComputedStyle(document.getElementById('{field}').closest('td')).backgroundColor"
    )
    assert background == "rgb(255, 243, 205)"
    assert page.inner_text("#edited-count").startswith("1 field edited")
    shoot(page, "editor")


def test_4_save_a_named_version_with_a_note(site, page):
    page.goto(site["url"] + "/editor")
    card = site["card"]
    from icpkit.serve import editor

    field = editor.point_field(*_strongest_bin(card))
    page.fill(f"#{field}", "0")
    page.click("#save")  # without a name, author and note: refused, nothing saved
    assert "Name the version" in page.inner_text("#message")
    assert len(site["workspace"].versions()) == 1
    page.fill("#version-name", "Strongest bin neutral")
    page.fill("#author", "Ana")
    page.fill("#reason", "Test how much the strongest bin matters")
    page.click("#save")
    page.wait_for_url(re.compile(r"/versions\?saved=2$"))
    assert page.inner_text("#version-2 .version-name") == "Strongest bin neutral"
    assert page.inner_text("#version-2 .version-note") == "Test how much the strongest bin matters"
    assert page.inner_text("#live-version") == "2"
    shoot(page, "versions")


def test_5_diff_shows_bins_and_points_side_by_side(site, page):
    card = site["card"]
    i, j = _strongest_bin(card)
    page.goto(site["url"] + "/versions")
    page.click("#diff-1")
    page.wait_for_url(re.compile(r"/versions/diff\?a=2&b=1$"))
    changed = page.locator("#diff tr.changed").all_inner_texts()
    row = f"{card.attributes[i].bins[j].label}\t+0\t{card.attributes[i].bins[j].points:+d}"
    assert row in changed
    # The bin and the version's name: two changes.
    assert "2 changes between them" in page.inner_text("#diff-count")
    assert "[[attributes]]" not in page.content()
    shoot(page, "diff")


def test_6_make_live_names_the_api_callers_and_waits_for_confirmation(site, page):
    page.goto(site["url"] + "/versions")
    page.click("#activate-1")
    page.wait_for_url(re.compile(r"/versions/1/activate$"))
    callers = page.locator("#callers .caller").all_inner_texts()
    assert set(callers) == {"browser", "crm-sync"}
    crm = page.inner_text("#callers li:has-text('crm-sync')")
    assert "2 companies recently (api)" in crm
    assert httpx.get(site["url"] + "/healthz").json()["scorecard_version"] == 2
    shoot(page, "make-live")
    assert page.inner_text("#confirm-activate") == "Make version 1 live for 2 API keys"
    page.click("#confirm-activate")
    page.wait_for_url(re.compile(r"/versions\?saved=1&activated=1$"))
    assert httpx.get(site["url"] + "/healthz").json()["scorecard_version"] == 1


def test_7_every_page_has_the_navigation_even_the_icp_document(site, page):
    for path in ("/", "/icp", "/score", "/upload", "/editor", "/versions", "/api"):
        page.goto(site["url"] + path)
        links = page.locator("nav a").evaluate_all("(a) => a.map((x) => x.getAttribute('href'))")
        assert {"/", "/score", "/upload", "/editor", "/versions"} <= set(links), path
        page.set_viewport_size({"width": 375, "height": 800})
        header = page.locator("header").bounding_box()
        assert header["height"] < 100, f"{path}: the header takes {header['height']}px at 375px"
        page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site["url"] + "/icp")
    page.click(".icpkit-bar a[href='/score']")
    page.wait_for_url(site["url"] + "/score")
    page.goto(site["url"] + "/")
    assert len(page.inner_text("#figures").split("\n")) <= 12  # a few figures, no essay
    shoot(page, "home")
    page.goto(site["url"] + "/icp")
    shoot(page, "icp", wide_content=True)


def test_8_no_serious_accessibility_violation_on_any_page(site, browser, page):
    """axe-core on every page, injected in a context that lets the test add its script."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    tab = context.new_page()
    # The check can fail: a field without a label is a critical violation.
    tab.set_content("<html lang='en'><title>t</title><main><input id='x'></main></html>")
    assert any(v.startswith("label (critical)") for v in _axe(tab))
    tab.goto(site["url"] + "/login")
    found = _axe(tab)
    tab.fill("#key", site["key"])
    tab.click("#sign-in")
    tab.wait_for_url(site["url"] + "/")
    pages = ["/", "/icp", "/score", "/upload", "/editor", "/versions", "/api"]
    pages += ["/versions/diff?a=1&b=2", "/versions/2/activate"]
    for path in pages:
        tab.goto(site["url"] + path)
        found += [f"{path}: {v}" for v in _axe(tab)]
    tab.goto(site["url"] + "/score")
    tab.fill("[id='a.employees']", "450")
    tab.click("#score-button")
    tab.wait_for_selector("#result-score")
    found += [f"/score result: {v}" for v in _axe(tab)]
    with tempfile.TemporaryDirectory() as folder:
        upload = Path(folder) / "few.csv"
        upload.write_text("name,employees\nAcme,fifty\nBeta,120\n", encoding="utf-8")
        tab.goto(site["url"] + "/upload")
        tab.set_input_files("#file", str(upload))
        tab.click("#upload-button")
        tab.wait_for_selector("#job-done")
        found += [f"upload summary: {v}" for v in _axe(tab)]
    context.close()
    assert not found, "\n".join(found)


def _axe(tab) -> list[str]:
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
