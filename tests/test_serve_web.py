"""The web app's guards over plain HTTP on loopback: sign-in, session cookie, same-origin posts,
no open redirect, editor input errors, versions, and what shows without a build folder."""

from __future__ import annotations

import csv
import html
import io
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from icpkit.scorecard.io import load_scorecard
from icpkit.serve import Settings, create_app
from icpkit.serve.testing import running_server
from icpkit.serve.uploads import SCORE_COLUMNS
from icpkit.workspace import Workspace

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "workspace.duckdb"
    workspace = Workspace.open(path)
    workspace.save_version(load_scorecard(SEED), author="ana", reason="seed", activate=True)
    key = workspace.create_key("web-user")
    # This module signs in and calls pages unauthenticated dozens of times from one address:
    # the anonymous limit (tested in test_serve_guards.py) would make its tests depend on speed.
    settings = Settings(workspace=str(path), refresh_seconds=0.2, anonymous_rate_per_second=1000)
    with running_server(create_app(settings)) as url:
        yield {"url": url, "key": key, "workspace": workspace}


@contextmanager
def _signed_in(site, key: str | None = None) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site["url"], timeout=30) as client:
        answer = client.post("/login", data={"key": key or site["key"]})
        assert answer.status_code == 303
        yield client


def test_pages_need_sign_in(site):
    for path in ("/", "/score", "/upload", "/editor", "/versions", "/icp"):
        answer = httpx.get(site["url"] + path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/login?next={path}"
    assert httpx.get(site["url"] + "/login").status_code == 200


def test_the_sign_in_page_gets_its_style_and_script_without_a_session(site):
    assert "/static/app.css" in httpx.get(site["url"] + "/login").text
    for asset, kind in (("/static/app.css", "text/css"), ("/static/htmx.min.js", "javascript")):
        answer = httpx.get(site["url"] + asset)
        assert answer.status_code == 200, asset
        assert kind in answer.headers["content-type"]
    # Only reads: a post to a static path is still a page post, refused without a session.
    assert httpx.post(site["url"] + "/static/app.css").status_code in (303, 400, 405)


def test_the_session_cookie_never_holds_the_key(site):
    answer = httpx.post(site["url"] + "/login", data={"key": site["key"]})
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    secret = site["key"].rsplit("_", 1)[1]
    assert secret not in cookie
    wrong = httpx.post(site["url"] + "/login", data={"key": "icpk_nope"})
    assert wrong.status_code == 401 and "Unknown or revoked key." in wrong.text
    assert "set-cookie" not in wrong.headers


def test_no_open_redirect_after_sign_in(site):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        answer = httpx.post(
            site["url"] + "/login", params={"next": target}, data={"key": site["key"]}
        )
        assert answer.headers["location"] == "/"
    inside = httpx.post(
        site["url"] + "/login", params={"next": "/editor"}, data={"key": site["key"]}
    )
    assert inside.headers["location"] == "/editor"


def test_a_form_posted_from_another_site_is_refused(site):
    with _signed_in(site) as client:
        answer = client.post(
            "/score", data={"a.employees": "120"}, headers={"Origin": "https://evil.example"}
        )
        assert answer.status_code == 400
        assert "posted from another site" in answer.text
        same = client.post("/score", data={"a.employees": "120"}, headers={"Origin": site["url"]})
        assert same.status_code == 200 and 'id="result-score"' in same.text


def test_pages_allow_only_their_own_scripts_and_styles(site):
    import re

    with _signed_in(site) as client:
        page = client.get("/score")
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src 'self';" in policy and "style-src 'self';" in policy
        assert "unsafe" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        # No inline script or style: every script is a file of the app's own /static.
        scripts = re.findall(r"<script([^>]*)>", page.text)
        assert scripts and all('src="/static/' in s for s in scripts)
        assert "<style" not in page.text and " style=" not in page.text
        htmx = client.get("/static/htmx.min.js")
        assert htmx.status_code == 200 and htmx.headers["content-type"].startswith(
            "text/javascript"
        )
        assert client.get("/static/..%2Fweb.py").status_code == 404


def test_editor_explains_bad_input_and_works_without_history(site):
    with _signed_in(site) as client:
        page = client.get("/editor")
        assert "No history to replay" in page.text  # no --build: no backtest, said plainly
        bad_points = client.post(
            "/editor", data={"points-0-0": "two", "action": "preview", "base-version": "1"}
        )
        assert bad_points.status_code == 400
        message = html.unescape(bad_points.text)
        assert "Company size, bin '50-200': points must be a whole number" in message
        bad_tiers = client.post(
            "/editor",
            data={"tier-A": "1", "tier-B": "3", "tier-C": "1", "action": "preview"}
            | {"base-version": "1"},
        )
        assert bad_tiers.status_code == 400 and "A &gt;= B &gt;= C" in bad_tiers.text


def test_editor_refuses_edits_made_to_a_version_no_longer_live(site):
    with _signed_in(site) as client:
        stale = client.post("/editor", data={"base-version": "999", "action": "save"})
        assert stale.status_code == 409
        assert "went live after you opened the editor on version 999" in stale.text
    assert [v.version for v in site["workspace"].versions() if v.active] == [1]


def test_editor_saves_a_version_that_goes_live(site):
    from icpkit.serve import editor

    card = load_scorecard(SEED)
    form = editor.unchanged_form(card) | {"points-0-0": "3", "author": "Bo", "reason": "bigger"}
    form["version-name"] = "Mid-size worth more"
    form["base-version"] = "1"
    with _signed_in(site) as client:
        saved = client.post("/editor", data={**form, "action": "save"})
        assert saved.status_code == 303 and saved.headers["location"].startswith("/versions?saved=")
        version = int(saved.headers["location"].rsplit("=", 1)[1])
        assert httpx.get(site["url"] + "/healthz").json()["scorecard_version"] == version
        stored = site["workspace"].get(version)
        assert stored.attributes[0].bins[0].points == 3
        assert len(stored.disqualifiers) == len(card.disqualifiers)  # kept: boxes ticked
        assert stored.name == "Mid-size worth more"
        diff = client.get("/versions/diff", params={"a": 1, "b": version})
        # Side by side, bin by bin: Company size 50-200 went from +2 to +3.
        assert re.search(r"<td>50-200</td>\s*<td[^>]*>\+2</td>\s*<td[^>]*>\+3</td>", diff.text)
        assert "[[attributes]]" not in diff.text  # not TOML
        unconfirmed = client.post("/versions/1/activate")
        assert unconfirmed.headers["location"] == "/versions/1/activate"
        assert httpx.get(site["url"] + "/healthz").json()["scorecard_version"] == version
        confirm = client.get("/versions/1/activate")
        assert "web-user" in confirm.text  # the API keys it changes scores for are named
        back = client.post(
            "/versions/1/activate", data={"confirm": "yes", "live-version": str(version)}
        )
        assert back.status_code == 303
        assert httpx.get(site["url"] + "/healthz").json()["scorecard_version"] == 1


def test_without_a_build_the_icp_page_summarises_the_card(site):
    with _signed_in(site) as client:
        page = client.get("/icp")
        assert page.status_code == 200
        assert "start the server with <code>--build DIR</code>" in page.text
        assert "Company size" in page.text and "over 1,000 employees" in page.text


def test_revoking_a_key_ends_its_sessions(site):
    token = site["workspace"].create_key("leaving")
    deadline = time.monotonic() + 20
    while httpx.post(site["url"] + "/login", data={"key": token}).status_code != 303:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    with _signed_in(site, token) as client:
        assert client.get("/score").status_code == 200
        site["workspace"].revoke_key("leaving")
        while client.get("/score").status_code == 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert client.get("/score").headers["location"] == "/login?next=/score"


def test_an_upload_is_a_job_only_its_key_can_follow(site):
    with _signed_in(site) as client:
        wrong = client.post("/upload", files={"file": ("leads.txt", b"employees\n120\n")})
        assert wrong.status_code == 400 and "Upload a .csv or .parquet file." in wrong.text
        started = client.post(
            "/upload",
            files={"file": ("leads.csv", b"name,employees\nAcme,120\nBeta,fifty\n")},
            headers={"HX-Request": "true"},
        )
        assert started.status_code == 204  # htmx moves the page to the job
        job = started.headers["hx-redirect"]
        assert re.fullmatch(r"/uploads/[\w-]+", job)
        deadline = time.monotonic() + 20
        while 'id="job-done"' not in (status := client.get(job + "/status").text):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert "1 of 2 rows scored" in status and "1 set aside" in status
        scored = list(csv.reader(io.StringIO(client.get(job + "/scored.csv").text)))
        assert scored[0] == ["name", "employees", *SCORE_COLUMNS]
        assert scored[1][:2] == ["Acme", "120"] and len(scored) == 2
        aside = list(csv.reader(io.StringIO(client.get(job + "/quarantine.csv").text)))
        assert aside[0] == ["line", "icp_quarantine_reason", "name", "employees"]
        assert aside[1] == ["3", 'employees: cannot read "fifty" as a number', "Beta", "fifty"]
    other = site["workspace"].create_key("someone-else")
    deadline = time.monotonic() + 20
    while httpx.post(site["url"] + "/login", data={"key": other}).status_code != 303:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    with _signed_in(site, other) as client:
        assert client.get(job).status_code == 404  # another key cannot see it


def test_make_live_refuses_a_confirmation_given_on_another_live_version(site):
    live = httpx.get(site["url"] + "/healthz").json()["scorecard_version"]
    with _signed_in(site) as client:
        stale = client.post(
            f"/versions/{live}/activate", data={"confirm": "yes", "live-version": "999"}
        )
        assert stale.status_code == 200
        assert f"Version {live} went live meanwhile" in stale.text
        assert 'id="confirm-activate"' in stale.text  # asked again, with the callers named
        assert "went live meanwhile" not in client.get(f"/versions/{live}/activate").text
        assert client.get("/versions/999/activate").status_code == 404
