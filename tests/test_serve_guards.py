"""What a user or an attacker can send the server, and what it must not do with it (issue 18):
rate limits that let every allowed request through and tell the truth, authentication before
any body is read, sessions that end, no server paths or raw JSON on error pages, clear
refusals of bodies JSON cannot read, malformed CSV uploads refused with line numbers."""

from __future__ import annotations

import html
import json
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from icpkit.scorecard.io import load_scorecard
from icpkit.serve import Settings, create_app
from icpkit.serve.limits import RateLimiter
from icpkit.serve.testing import running_server
from icpkit.workspace import Workspace

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"
LEAD = {"employees": 120, "funding_stage": "series_b", "region": "North America"}


@contextmanager
def _server(tmp_path: Path, **settings) -> Iterator[dict]:
    """A fresh server on the seed card, with one key of the default rate."""
    path = tmp_path / "workspace.duckdb"
    workspace = Workspace.open(path)
    if not workspace.versions():
        workspace.save_version(load_scorecard(SEED), author="t", reason="seed", activate=True)
    key = workspace.create_key(f"user-{len(workspace.api_keys())}")
    options = {"refresh_seconds": 0.2, "audit_seconds": 0.5} | settings
    with running_server(create_app(Settings(workspace=str(path), **options))) as url:
        yield {"url": url, "key": key, "workspace": workspace, "path": path}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with _server(tmp_path_factory.mktemp("guards")) as found:
        yield found


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@contextmanager
def _signed_in(site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site["url"], timeout=30) as client:
        assert client.post("/login", data={"key": site["key"]}).status_code == 303
        yield client


def _finished_job(client: httpx.Client, started: httpx.Response) -> str:
    """The status of the upload job ``started`` once it is done or failed (an upload is a
    job the browser follows); waits out a rate limit the upload's own charge left."""
    assert started.status_code == 303, started.text[:300]
    job = started.headers["location"]
    deadline = time.monotonic() + 30
    while True:
        answer = client.get(job + "/status")
        if answer.status_code == 429:
            time.sleep(int(answer.headers["retry-after"]))
            continue
        assert answer.status_code == 200, answer.text[:300]
        if 'id="job-done"' in answer.text or 'id="message"' in answer.text:
            return answer.text
        assert time.monotonic() < deadline
        time.sleep(0.1)


def _raw_headers_only(url: str, request: str, timeout: float = 5.0) -> bytes:
    """Send a request's head and none of its declared body; return what the server answers
    (it must answer from the head alone: a server waiting for the body times out here)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request.encode("latin-1"))
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except TimeoutError:
            pass
    return answer


# ---- (a) token buckets --------------------------------------------------------------------


def test_a_request_bigger_than_the_bucket_passes_when_it_is_full_and_leaves_debt():
    limiter = RateLimiter(rate=50)  # the server's default; this key has 4 a second
    assert limiter.capacity(4) == 8
    assert limiter.take("slow", rate=4, cost=1) == 0  # the guard's entry token
    # A batch of 1,000 (10 tokens) on top: the entry token is given back, 10 are taken.
    assert limiter.take("slow", rate=4, cost=10, refund=1) == 0
    wait = limiter.take("slow", rate=4, cost=1)
    assert 0.7 < wait <= 0.76  # 2 tokens of debt + 1 needed, at 4 a second
    # Refused tries spend nothing: asking again and again does not push the answer back.
    for _ in range(50):
        assert limiter.take("slow", rate=4, cost=1) <= wait
    time.sleep(wait + 0.02)
    assert limiter.take("slow", rate=4, cost=1) == 0  # Retry-After told the truth


def test_a_slow_key_can_send_the_largest_batch(site):
    """A key below 5 requests a second used to be refused a batch of 1,000 forever."""
    token = site["workspace"].create_key("slow-batch", rate_per_second=0.5)
    batch = {"accounts": [LEAD] * 1000}
    with httpx.Client(base_url=site["url"], headers=_auth(token), timeout=30) as client:
        answer = client.post("/v1/score", json=batch)
        deadline = time.monotonic() + 20
        while answer.status_code == 401 and time.monotonic() < deadline:  # key not yet seen
            time.sleep(0.1)
            answer = client.post("/v1/score", json=batch)
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["results"]) == 1000
        # 10 tokens spent from a bucket of 1: the key is in debt for 20 s, and says so.
        refused = client.post("/v1/score", json={"account": LEAD})
        assert refused.status_code == 429
        assert 19 <= int(refused.headers["retry-after"]) <= 20
        again = client.post("/v1/score", json={"account": LEAD})
        assert int(again.headers["retry-after"]) <= int(refused.headers["retry-after"])


def test_retry_after_of_a_refused_batch_is_when_it_passes(tmp_path):
    with (
        _server(tmp_path, rate_per_second=4) as site,
        httpx.Client(base_url=site["url"], headers=_auth(site["key"]), timeout=30) as c,
    ):
        batch = {"accounts": [LEAD] * 1000}
        assert c.post("/v1/score", json=batch).status_code == 200  # 10 of 8 tokens
        started = time.monotonic()
        refusals = []
        answer = c.post("/v1/score", json=batch)
        while answer.status_code == 429:
            refusals.append(int(answer.headers["retry-after"]))
            for _ in range(3):  # refused tries cost nothing: asking again changes nothing
                again = c.post("/v1/score", json=batch)
                assert int(again.headers["retry-after"]) <= refusals[-1]
            time.sleep(refusals[-1])
            answer = c.post("/v1/score", json=batch)
            assert len(refusals) <= 2
        waited = time.monotonic() - started
        # 2 tokens of debt, 8 needed for a full bucket, at 4 a second: 2.5 s at least;
        # obeying Retry-After (whole seconds) gets it through within 3 s and a bit.
        assert answer.status_code == 200
        assert 2.5 <= waited < 4.0, (refusals, waited)


# ---- (b) a lone surrogate -----------------------------------------------------------------


def test_a_lone_surrogate_in_an_identifier_is_scored_and_audited(site, tmp_path):
    for field in ("domain", "name", "account_id"):
        body = b'{"account": {"' + field.encode() + b'": "acme\\ud800.example", "employees": 1}}'
        answer = httpx.post(
            site["url"] + "/v1/score",
            content=body,
            headers=_auth(site["key"]) | {"Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["icp_score"] >= 0
    workspace = Workspace.open(tmp_path / "ws.duckdb")
    assert len(workspace.hash_identifiers(["domain:acme\ud800.example"])) == 64


# ---- (c) authentication before the body ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "expected"),
    [
        ("/upload", "multipart/form-data; boundary=x", b"303"),
        ("/v1/score", "application/json", b"401"),
        ("/editor", "application/x-www-form-urlencoded", b"303"),
    ],
)
def test_an_unauthenticated_body_is_refused_before_it_is_read(site, path, content_type, expected):
    host = urlsplit(site["url"]).netloc
    answer = _raw_headers_only(
        site["url"],
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        "Content-Length: 1500000\r\n\r\n",
    )
    assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == expected, answer[:200]


def test_a_foreign_form_post_is_refused_before_its_body_is_read(site):
    host = urlsplit(site["url"]).netloc
    with _signed_in(site) as client:
        cookie = client.cookies["icpkit_session"]
    answer = _raw_headers_only(
        site["url"],
        f"POST /upload HTTP/1.1\r\nHost: {host}\r\nOrigin: https://evil.example\r\n"
        f"Cookie: icpkit_session={cookie}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
        "Content-Length: 1500000\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_callers_without_a_key_are_rate_limited(tmp_path):
    with _server(tmp_path, anonymous_rate_per_second=1) as site:
        with httpx.Client(base_url=site["url"], timeout=30) as anonymous:
            statuses = [
                anonymous.post("/v1/score", json={"account": LEAD}).status_code for _ in range(40)
            ]
            assert statuses[:5] == [401] * 5 and statuses.count(429) >= 20
            guess = anonymous.post("/login", data={"key": "icpk_guess"})
        assert guess.status_code == 429 and int(guess.headers["retry-after"]) >= 1
        # Someone with a key is not slowed down by the anonymous crowd.
        keyed = httpx.post(
            site["url"] + "/v1/score", json={"account": LEAD}, headers=_auth(site["key"])
        )
        assert keyed.status_code == 200


def test_uploads_are_charged_by_size_and_capped(tmp_path):
    rows = "".join(f"c{i}.example,{i % 900 + 10},series_b\n" for i in range(4000))
    data = ("domain,employees,funding_stage\n" + rows).encode()  # ~100 KB: 10+ tokens
    with (
        _server(tmp_path, rate_per_second=2, max_upload_bytes=150_000) as site,
        _signed_in(site) as client,
    ):
        first = client.post("/upload", files={"file": ("leads.csv", data, "text/csv")})
        assert first.status_code == 303  # the job started: charged before any work
        second = client.post("/upload", files={"file": ("leads.csv", data, "text/csv")})
        assert second.status_code == 429
        assert 4 <= int(second.headers["retry-after"]) <= 6
        big = data * 2
        time.sleep(int(second.headers["retry-after"]))
        too_big = client.post("/upload", files={"file": ("big.csv", big, "text/csv")})
        assert too_big.status_code == 413
        assert "4,000 of 4,000 rows scored" in _finished_job(client, first)
        scored = client.get(first.headers["location"] + "/scored.csv")
        assert scored.status_code == 200 and scored.text.count("\n") == 4001


# ---- (f) sessions and forms ---------------------------------------------------------------


def test_signing_out_ends_the_session_on_the_server(site):
    with _signed_in(site) as client:
        cookie = client.cookies["icpkit_session"]
        assert client.get("/score").status_code == 200
        assert client.post("/logout").status_code == 303
    copied = httpx.get(site["url"] + "/score", cookies={"icpkit_session": cookie})
    assert copied.status_code == 303 and copied.headers["location"] == "/login?next=/score"


def test_sign_in_and_out_refuse_a_foreign_origin(site):
    evil = {"Origin": "https://evil.example"}
    login = httpx.post(site["url"] + "/login", data={"key": site["key"]}, headers=evil)
    assert login.status_code == 400 and "set-cookie" not in login.headers
    assert "posted from another site" in login.text
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert (
        httpx.post(site["url"] + "/login", data={"key": site["key"]}, headers=cross).status_code
        == 400
    )
    with _signed_in(site) as client:
        assert client.post("/logout", headers=evil).status_code == 400
        assert client.get("/score").status_code == 200  # still signed in


def test_the_stale_edit_check_cannot_be_skipped(site):
    card = load_scorecard(SEED)
    from icpkit.serve import editor

    form = editor.unchanged_form(card) | {"points-0-0": "4", "author": "Bo", "reason": "x"}
    before = len(site["workspace"].versions())
    with _signed_in(site) as client:
        answer = client.post("/editor", data={**form, "action": "save"})  # no base-version
    assert answer.status_code == 409
    assert "a version the form does not name" in html.unescape(answer.text)
    assert len(site["workspace"].versions()) == before


# ---- (g) errors ---------------------------------------------------------------------------


def test_error_pages_show_no_server_paths(site, tmp_path):
    with _signed_in(site) as client:
        empty = client.post("/upload", files={"file": ("empty.csv", b"\n\n", "text/csv")})
        text = html.unescape(_finished_job(client, empty))
        assert "empty.csv: file is empty" in text
        assert "/tmp" not in text and str(tmp_path.anchor) + "tmp" not in text
    from icpkit.errors import IcpkitError
    from icpkit.serve.app import public_message

    error = IcpkitError("cannot open the workspace: locked", file="/srv/icp/ws.duckdb", line=3)
    assert public_message(error) == "ws.duckdb, line 3: cannot open the workspace: locked"
    assert public_message("see /home/ana/build/icp.md now") == "see icp.md now"
    assert public_message("POST /v1/score at http://x/y") == "POST score at http://x/y"


def test_the_settings_never_show_a_workspace_password():
    url = "postgresql://icp:s3cret-pw@db.internal/icp"
    settings = Settings(workspace=url, rate_per_second=7)
    assert "s3cret-pw" not in repr(settings) and "s3cret-pw" not in str(settings)
    assert "rate_per_second=7" in repr(settings)
    assert settings.workspace.get_secret_value() == url
    assert Settings().workspace is None


def test_an_unexpected_web_error_is_an_html_page(tmp_path, monkeypatch):
    with _server(tmp_path) as site:
        from icpkit.workspace import Workspace as W

        def broken(self):
            raise RuntimeError("disk on fire at /var/lib/secret")

        monkeypatch.setattr(W, "versions", broken)
        with _signed_in(site) as client:
            answer = client.get("/versions")
        assert answer.status_code == 500
        assert answer.headers["content-type"].startswith("text/html")
        assert "internal error" in answer.text and "/var/lib" not in answer.text


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, 422, "body: nested too deeply to read"),
        (b'{"account": {"employees": ' + b"9" * 5000 + b"}}", 422, "more than 4,300 digits"),
        (b'{"account": {"employees": ' + b"9" * 400 + b"}}", 422, "fit a 64-bit float"),
        (b'{"account": {"name": "\xff\xfe"}}', 400, "body: not UTF-8 text"),
    ],
)
def test_bodies_json_cannot_read_get_a_clear_answer(site, body, status, message):
    answer = httpx.post(
        site["url"] + "/v1/score",
        content=body,
        headers=_auth(site["key"]) | {"Content-Type": "application/json"},
    )
    assert answer.status_code == status, answer.text[:300]
    assert message in answer.json()["error"]


def test_an_impossible_but_readable_number_scores_as_unknown_with_its_reason(site):
    # As in every other engine (icpkit.bounds): not a refused request, an unknown value.
    answer = httpx.post(
        site["url"] + "/v1/score",
        json={"account": {"employees": 1e300}},
        headers=_auth(site["key"]),
    )
    assert answer.status_code == 200, answer.text[:300]
    assert "employees: out of range, scored as unknown" in answer.text


def test_an_oversize_chunked_body_is_413(site):
    def chunks() -> Iterator[bytes]:
        yield b'{"account": {"notes": "'
        for _ in range(300):
            yield b"x" * 10_000
        yield b'"}}'

    answer = httpx.post(
        site["url"] + "/v1/score",
        content=chunks(),  # no Content-Length: sent chunked
        headers=_auth(site["key"]) | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert "larger than 2,000,000 bytes" in answer.json()["error"]


def test_a_422_does_not_echo_a_huge_field_name(site):
    name = "k" * 100_000
    answer = httpx.post(
        site["url"] + "/v1/score",
        content=json.dumps({"account": {name: 1}, name: 2}).encode(),
        headers=_auth(site["key"]) | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert len(answer.content) < 2000
    field = answer.json()["fields"][0]["field"]
    assert "…" in field and len(field) < 200


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("domain,employees\na.example,10\nb.example,20,30\nc.example,5\n", "line 3: row has 3"),
        ('domain,employees\na.example,10\n"b.example,20\nc.example,5\n', "line 3: a quoted"),
    ],
)
def test_a_malformed_csv_upload_is_refused_naming_the_line(site, text, where):
    with _signed_in(site) as client:
        answer = client.post("/upload", files={"file": ("leads.csv", text.encode(), "text/csv")})
        message = html.unescape(_finished_job(client, answer))
        assert 'id="job-done"' not in message  # refused whole: nothing to download
        job = answer.headers["location"]
        assert client.get(job + "/scored.csv").status_code == 404
    assert "leads.csv" in message and where in message
    assert "/tmp" not in message


# ---- (e) the proof beside the live number, and the editor's replays ------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory, build_dir):
    path = tmp_path_factory.mktemp("built") / "workspace.duckdb"
    workspace = Workspace.open(path)
    learned = load_scorecard(build_dir / "scorecard.toml")
    workspace.save_version(learned, author="t", reason="learned", activate=True)
    key = workspace.create_key("reader")
    slow = workspace.create_key("slow-editor", rate_per_second=2)
    settings = Settings(workspace=str(path), build_dir=build_dir, refresh_seconds=0.2)
    with running_server(create_app(settings)) as url:
        yield {"url": url, "key": key, "slow": slow, "workspace": workspace, "card": learned}


def _wait_version(url: str, version: int) -> None:
    deadline = time.monotonic() + 20
    while httpx.get(url + "/healthz").json()["scorecard_version"] != version:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_the_proof_is_shown_only_beside_the_version_it_measured(built):
    from dataclasses import replace

    url, workspace = built["url"], built["workspace"]
    icp = httpx.get(url + "/v1/icp", headers=_auth(built["key"])).json()
    assert icp["scorecard_version"] == 1 and icp["proof"]["auc"] is not None
    assert icp["proof_note"] is None
    card = built["card"]
    first = card.attributes[0]
    changed = replace(
        card,
        attributes=(
            replace(
                first,
                bins=(replace(first.bins[0], points=first.bins[0].points + 5), *first.bins[1:]),
            ),
            *card.attributes[1:],
        ),
    )
    version = workspace.save_version(changed, author="t", reason="hand edit", activate=True)
    _wait_version(url, version)
    icp = httpx.get(url + "/v1/icp", headers=_auth(built["key"])).json()
    assert icp["scorecard_version"] == version
    assert icp["proof"] is None and f"version {version} differs" in icp["proof_note"]
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.post("/login", data={"key": built["key"]}).status_code == 303
        home = html.unescape(client.get("/").text)
    assert f"version {version}" in home and "Proof on held-out deals" not in home
    assert f"version {version} differs from it" in home
    workspace.activate(1)
    _wait_version(url, 1)
    icp = httpx.get(url + "/v1/icp", headers=_auth(built["key"])).json()
    assert icp["proof"]["auc"] is not None  # version 1 is the learned card again


def test_editor_previews_are_charged_as_the_deals_they_replay(built):
    card = built["card"]
    from icpkit.serve import editor

    form = editor.unchanged_form(card) | {"points-0-0": "7", "action": "preview"}
    with httpx.Client(base_url=built["url"], timeout=60) as client:
        assert client.post("/login", data={"key": built["slow"]}).status_code == 303
        time.sleep(2)  # the sign-in page and redirect spent tokens; start from a full bucket
        version = httpx.get(built["url"] + "/healthz").json()["scorecard_version"]
        form["base-version"] = str(version)
        first = client.post("/editor", data=form)
        assert first.status_code == 200 and "not shown yet" not in first.text  # replayed
        second = client.post("/editor", data=form)
        # The editor's live preview (htmx) refused too: the message goes in the page's alert
        # line and the impact panel it would have replaced stays; a refused poll is silent.
        htmx = {"HX-Request": "true"}
        preview = client.post("/editor", data=form, headers=htmx)
        poll = client.get("/editor", headers=htmx)
    assert second.status_code == 429
    # Hundreds of closed deals replayed, at 2 tokens a second: several seconds of debt.
    assert int(second.headers["retry-after"]) >= 3
    assert preview.status_code == 429 and preview.headers["hx-retarget"] == "#htmx-error"
    assert preview.headers["hx-reselect"] == "#htmx-error"
    assert re.search(r'id="htmx-error" role="alert">[^<]*rate limit of key', preview.text)
    assert poll.status_code == 429 and poll.headers["hx-reswap"] == "none"


def test_a_preview_over_the_rate_limit_keeps_the_editor_and_its_edits(built, monkeypatch):
    from fastapi import HTTPException

    from icpkit.serve import editor, web

    def refuse(service, key, tokens, **_):
        headers = {"Retry-After": "3"}
        raise HTTPException(429, "rate limit of key 'reader' exceeded; retry in 2.50 s", headers)

    monkeypatch.setattr(web, "spend", refuse)  # as when the bucket holds less than a replay
    version = httpx.get(built["url"] + "/healthz").json()["scorecard_version"]
    form = editor.unchanged_form(built["card"]) | {"points-0-0": "9", "action": "preview"}
    form["base-version"] = str(version)
    with httpx.Client(base_url=built["url"], timeout=60) as client:
        assert client.post("/login", data={"key": built["key"]}).status_code == 303
        answer = client.post("/editor", data=form)
    assert answer.status_code == 429 and answer.headers["retry-after"] == "3"
    text = html.unescape(answer.text)
    assert 'id="impact"' in text  # the panel htmx swaps is there, saying why it is paused
    assert "The preview is paused: rate limit of key 'reader' exceeded; retry in 2.50 s" in text
    assert re.search(r'name="points-0-0"[^>]*value="9"', text)  # the edits are kept
