"""The web app's guards over plain HTTP on loopback: sign-in, session cookie, same-origin posts,
no open redirect, editor input errors, versions, and what shows without a build folder."""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from icpkit.scorecard.io import load_scorecard
from icpkit.serve import Settings, create_app
from icpkit.serve.testing import running_server
from icpkit.workspace import Workspace

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "workspace.duckdb"
    workspace = Workspace.open(path)
    workspace.save_version(load_scorecard(SEED), author="ana", reason="seed", activate=True)
    key = workspace.create_key("web-user")
    settings = Settings(workspace=str(path), refresh_seconds=0.2)
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


def test_pages_forbid_scripts_and_outside_resources(site):
    with _signed_in(site) as client:
        page = client.get("/score")
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in page.text


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
    form["base-version"] = "1"
    with _signed_in(site) as client:
        saved = client.post("/editor", data={**form, "action": "save"})
        assert saved.status_code == 303 and saved.headers["location"].startswith("/versions?saved=")
        version = int(saved.headers["location"].rsplit("=", 1)[1])
        assert httpx.get(site["url"] + "/healthz").json()["scorecard_version"] == version
        stored = site["workspace"].get(version)
        assert stored.attributes[0].bins[0].points == 3
        assert len(stored.disqualifiers) == len(card.disqualifiers)  # kept: boxes ticked
        diff = client.get("/versions/diff", params={"a": 1, "b": version})
        assert "points = 2" in diff.text and "points = 3" in diff.text
        back = client.post("/versions/1/activate")
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
