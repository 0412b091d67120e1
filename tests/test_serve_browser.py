"""The web app in headless Chromium against the real server: sign in, score a company with the
form, upload a CSV, follow it to its summary and download it scored, edit a point value and see
the backtest change, save it, and see the API serve the new version."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import httpx
import pandas as pd
import pytest

from icpkit.scorecard.io import load_scorecard
from icpkit.serve import Settings, create_app
from icpkit.serve.testing import running_server
from icpkit.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (make install adds it)"
)

LEAD = {
    "employees": "450",
    "annual_revenue": "$60M",
    "industry": "Software",
    "technologies": "Snowflake; AWS",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory, build_dir):
    path = tmp_path_factory.mktemp("ws") / "workspace.duckdb"
    workspace = Workspace.open(path)
    workspace.save_version(
        load_scorecard(build_dir / "scorecard.toml"), author="test", reason="learned", activate=True
    )
    key = workspace.create_key("browser")
    settings = Settings(workspace=str(path), build_dir=build_dir, refresh_seconds=0.2)
    with running_server(create_app(settings)) as url:
        yield {"url": url, "key": key, "workspace": workspace}


@pytest.fixture(scope="module")
def page(site):
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            accept_downloads=True,
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        # Signing in: the first page asked for redirects to the sign-in form.
        page.goto(site["url"] + "/score")
        assert "/login" in page.url
        page.fill("#key", "icpk_not_a_real_key")
        page.click("#sign-in")
        assert page.inner_text("#message") == "Unknown or revoked key."
        page.fill("#key", site["key"])
        page.click("#sign-in")
        page.wait_for_url(re.compile(r"/score$"))
        yield page
        context.close()


def _api(site, method: str, path: str, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {site['key']}"}
    return httpx.request(method, site["url"] + path, headers=headers, timeout=30, **kwargs)


def test_score_a_company_with_the_form(site, page):
    page.goto(site["url"] + "/score")
    # The form asks for the columns the live card reads (a lead's other fields are ignored).
    asked = [c for c in LEAD if page.locator(f"[id='a.{c}']").count()]
    assert {"employees", "industry"} <= set(asked)
    for column in asked:
        page.fill(f"[id='a.{column}']", LEAD[column])
    page.click("#score-button")
    expected = _api(site, "POST", "/v1/score", json={"account": LEAD}).json()
    assert int(page.inner_text("#result-score")) == expected["icp_score"]
    assert page.inner_text("#result-tier") == expected["icp_tier"]
    assert page.inner_text("#result-reasons-text") == expected["icp_reasons"]
    # What was typed stays in the form.
    assert page.input_value("[id='a.industry']") == "Software"


def test_upload_a_csv_and_download_it_scored(site, page, demo_crm, build_dir, tmp_path):
    from icpkit.score import score_file

    accounts = demo_crm.accounts.head(40).copy()
    accounts["technologies"] = accounts["technologies"].map(";".join)
    accounts.loc[accounts.index[0], "name"] = '=HYPERLINK("http://evil.example")'
    upload = tmp_path / "leads.csv"
    accounts.to_csv(upload, index=False)

    page.goto(site["url"] + "/upload")
    page.set_input_files("#file", str(upload))
    page.click("#upload-button")
    page.wait_for_selector("#job-done")
    with page.expect_download() as downloading:
        page.click("#download-scored")
    download = downloading.value
    assert download.suggested_filename == "leads-scored-v1.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    scored = pd.read_csv(saved, keep_default_na=False, dtype=str)
    assert len(scored) == 40
    assert list(scored.columns[-4:]) == ["icp_score", "icp_tier", "icp_disqualified", "icp_reasons"]
    assert scored["account_id"].tolist() == accounts["account_id"].tolist()
    assert scored["name"].iloc[0].startswith("'=")  # a formula is text, not run
    score_file(build_dir / "scorecard.toml", upload, tmp_path / "cli.csv")
    cli = pd.read_csv(tmp_path / "cli.csv", keep_default_na=False, dtype=str)
    for column in ("icp_score", "icp_tier", "icp_disqualified", "icp_reasons"):
        assert scored[column].tolist() == cli[column].tolist()


def test_an_upload_without_scorecard_columns_is_explained(site, page, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("colour,shape\nred,round\n", encoding="utf-8")
    page.goto(site["url"] + "/upload")
    page.set_input_files("#file", str(wrong))
    page.click("#upload-button")
    assert "none of the columns the scorecard reads" in page.inner_text("#message")


def test_edit_points_see_the_backtest_change_save_and_serve(site, page, build_dir):
    from icpkit.serve import editor

    card = load_scorecard(build_dir / "scorecard.toml")
    # The attribute bin with the most points: zeroing it must move the backtest.
    i, j = max(
        ((i, j) for i, a in enumerate(card.attributes) for j in range(len(a.bins))),
        key=lambda ij: card.attributes[ij[0]].bins[ij[1]].points,
    )
    field = editor.point_field(i, j)

    page.goto(site["url"] + "/editor")
    current_lift = page.inner_text("#current-lift")
    assert "not shown yet" in page.inner_text("#proposed-lift")
    assert page.input_value(f"#{field}") == str(card.attributes[i].bins[j].points)

    page.fill(f"#{field}", "0")
    page.click("#preview")
    proposed_lift = page.inner_text("#proposed-lift")
    assert proposed_lift != current_lift
    # The page shows what validate.evaluate says of the edited card on the same history.
    form = editor.unchanged_form(card) | {field: "0"}
    edited = editor.apply_edits(card, form)
    features, won = _history(build_dir)
    expected = editor.backtest(edited, (features, won))
    assert proposed_lift.startswith(f"{expected.lift:.2f}×")
    tier_a = page.inner_text("#proposed-tier-A")
    assert f"{expected.tiers['A']['won']}/{expected.tiers['A']['accounts']}" in tier_a
    assert page.input_value(f"#{field}") == "0"  # the edit is kept on the page

    page.click("#save")  # without a name, who and why: refused, nothing saved
    assert "Name the version, say who you are" in page.inner_text("#message")
    assert len(site["workspace"].versions()) == 1

    page.fill("#version-name", "Strongest bin zeroed")
    page.fill("#author", "Ana")
    page.fill("#reason", "Zero out the strongest bin to test its weight")
    page.click("#save")
    page.wait_for_url(re.compile(r"/versions\?saved=2$"))
    assert "Saved as version 2" in page.inner_text("#saved")
    assert page.inner_text("#live-version") == "2"

    served = _api(site, "GET", "/v1/scorecard").json()
    assert served["scorecard_version"] == 2
    assert served["scorecard"]["bins"][card.attributes[i].name][j]["points"] == 0
    lead = _api(site, "POST", "/v1/score", json={"account": LEAD}).json()
    from icpkit.serve.scoring import score_accounts

    assert lead["scorecard_version"] == 2
    assert lead["icp_score"] == score_accounts(edited, [LEAD])[0].icp_score
    version = site["workspace"].versions()[-1]
    assert (version.author, version.reason) == (
        "Ana (key browser)",
        "Zero out the strongest bin to test its weight",
    )


def _history(build_dir: Path):
    from icpkit.serve.service import BuildFolder

    return BuildFolder(build_dir).history


def test_pages_load_nothing_from_other_sites(site, page):
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    for path in ("/", "/icp", "/score", "/upload", "/editor", "/versions", "/api"):
        response = page.goto(site["url"] + path)
        assert response is not None and response.status == 200, path
    assert seen and all(url.startswith(site["url"]) for url in seen)
