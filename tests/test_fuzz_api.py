"""Random JSON bodies, random bytes, random forms and random CSV files at every endpoint of
the real server (uvicorn on loopback), with and without a key or session. Whatever is sent:

- no answer is a 500, and no error shows a traceback or a file path of the server;
- every status is one the docs give for that endpoint (docs/serve.md, the OpenAPI schema);
- API errors are JSON ``{"error": ...}``; web pages answer HTML, errors included.

Bounded: a fixed number of examples per test, the whole file in ~15 s on a quiet machine.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icpkit.ingest.readers import read_table
from icpkit.scorecard.io import load_scorecard
from icpkit.serve import Settings, create_app
from icpkit.serve.testing import running_server
from icpkit.workspace import Workspace

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# What each endpoint may answer (docs/serve.md). Without a key: 401 (API) or a redirect to
# sign in (pages); 429 when over a rate limit; 400 for a form posted from another site.
API_WITH_KEY = {
    ("POST", "/v1/score"): {200, 400, 413, 422},
    ("GET", "/v1/scorecard"): {200},
    ("GET", "/v1/icp"): {200},
}
PAGES_SIGNED_IN = {
    ("GET", "/"): {200},
    ("GET", "/icp"): {200},
    ("GET", "/score"): {200},
    ("POST", "/score"): {200, 400, 413},
    ("GET", "/upload"): {200},
    ("POST", "/upload"): {303, 400, 413, 422},  # 303: to the job that scores the file
    ("GET", "/editor"): {200},
    ("POST", "/editor"): {200, 400, 409, 413},
    ("GET", "/versions"): {200},
    ("GET", "/versions/diff"): {200, 400, 422},
    ("POST", "/versions/1/activate"): {303},
    ("POST", "/versions/99/activate"): {400},
    ("GET", "/login"): {200},
    ("POST", "/login"): {303, 401, 413, 422},
    ("GET", "/api"): {200},
}
OPEN = {("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/openapi.json")}
LEAKS = re.compile(r"Traceback|File \"|/tmp/|/home/|/usr/|site-packages|\.py\b")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "workspace.duckdb"
    workspace = Workspace.open(path)
    workspace.save_version(load_scorecard(SEED), author="t", reason="seed", activate=True)
    key = workspace.create_key("fuzzer")
    options = Settings(
        workspace=str(path),
        rate_per_second=100_000,
        anonymous_rate_per_second=100_000,
        max_body_bytes=200_000,
        max_upload_bytes=200_000,
        refresh_seconds=0.5,
    )
    with running_server(create_app(options)) as url:
        with httpx.Client(base_url=url, timeout=30) as browser:
            assert browser.post("/login", data={"key": key}).status_code == 303
            cookie = browser.cookies["icpkit_session"]
        yield {"url": url, "key": key, "cookie": cookie}


@pytest.fixture(scope="module")
def clients(server):
    """One client per kind of caller, kept open for the whole module."""
    made = {who: _client(server, who) for who in ("key", "session", "nobody", "bad key")}
    yield made
    for client in made.values():
        client.close()


def _client(server, who: str) -> httpx.Client:
    headers, cookies = {}, {}
    if who == "key":
        headers["Authorization"] = f"Bearer {server['key']}"
    elif who == "session":
        cookies["icpkit_session"] = server["cookie"]
    elif who == "bad key":
        headers["Authorization"] = "Bearer icpk_000000000000_" + "0" * 64
    return httpx.Client(base_url=server["url"], headers=headers, cookies=cookies, timeout=30)


def _check(answer: httpx.Response, method: str, path: str, who: str) -> None:
    status = answer.status_code
    where = f"{method} {path} as {who}: {status} {answer.text[:300]!r}"
    assert status < 500, where
    if status >= 400:  # (a 200 may echo what was sent: a form's values, an uploaded file)
        assert not LEAKS.search(answer.text), where
    if (method, path) in OPEN:
        assert status in ({200} if method == "GET" else {405}), where
        return
    api = path.startswith("/v1/")
    if api:
        assert answer.headers["content-type"].startswith("application/json"), where
        assert "error" in answer.json() or status == 200, where
        expected = API_WITH_KEY[(method, path)] if who == "key" else {401}
    else:
        if status != 303:
            assert answer.headers["content-type"].startswith("text/html"), where
        if who == "session":
            expected = PAGES_SIGNED_IN.get((method, path), {404, 405})
        elif path in ("/login", "/api"):
            expected = PAGES_SIGNED_IN[(method, path)]
        else:
            expected = {303}
        if method == "POST":
            expected = expected | {400}  # a random Origin header may name another site
    assert status in expected | {429}, where


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=30,
)
accounts = st.dictionaries(
    st.sampled_from(["domain", "name", "account_id", "employees", "funding_stage", "region"])
    | st.text(max_size=20),
    json_values,
    max_size=8,
)
score_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"account": accounts}),
    st.fixed_dictionaries({"accounts": st.lists(accounts, max_size=20)}),
    st.fixed_dictionaries({"account": accounts, "accounts": st.lists(accounts, max_size=2)}),
)
everyone = st.sampled_from(["key", "session", "nobody", "bad key"])
content_types = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=zz",
        "text/csv",
        "application/octet-stream",
        "",
    ]
)
endpoints = st.sampled_from(
    sorted({*API_WITH_KEY, *PAGES_SIGNED_IN, *OPEN, ("POST", "/logout"), ("GET", "/nowhere")})
)
origins = st.sampled_from([None, "null", "https://evil.example"])


@FUZZ
@given(body=score_bodies, who=everyone)
def test_random_json_at_the_score_endpoint(clients, body, who):
    data = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
    answer = clients[who].post(
        "/v1/score", content=data, headers={"Content-Type": "application/json"}
    )
    _check(answer, "POST", "/v1/score", who)


@FUZZ
@given(
    endpoint=endpoints,
    who=everyone,
    body=st.binary(max_size=2000) | score_bodies.map(lambda b: json.dumps(b).encode()),
    content_type=content_types,
    origin=origins,
)
def test_random_bytes_at_every_endpoint(clients, endpoint, who, body, content_type, origin):
    method, path = endpoint
    headers = {"Content-Type": content_type} if content_type else {}
    if origin:
        headers["Origin"] = origin
    if who == "session" and (path.endswith("/activate") or path == "/logout"):
        who = "nobody"  # the session must outlive the test; sign-out is tested elsewhere
    answer = clients[who].request(
        method, path, content=body if method == "POST" else None, headers=headers
    )
    if path == "/nowhere":
        assert answer.status_code in ({404, 429} if who == "session" else {303, 429, 400})
        assert answer.status_code < 500
        return
    if path == "/logout":
        assert answer.status_code in {303, 400, 429}
        return
    _check(answer, method, path, who)


form_values = st.dictionaries(
    st.sampled_from(
        [
            "a.employees",
            "a.domain",
            "a.name",
            "points-0-0",
            "tier-A",
            "tier-B",
            "tier-C",
            "keep-dq-0",
            "base-version",
            "action",
            "author",
            "reason",
            "key",
        ]
    )
    | st.text(max_size=20),
    st.text(max_size=40) | st.integers().map(str) | st.just("save") | st.just("preview"),
    max_size=8,
)


@FUZZ
@given(path=st.sampled_from(["/score", "/editor", "/login", "/versions/diff"]), form=form_values)
def test_random_forms_at_the_pages(clients, path, form):
    client = clients["session"]
    if path == "/versions/diff":
        answer = client.get(path, params=form)
        method = "GET"
    else:
        answer = client.post(path, data=form)
        method = "POST"
    _check(answer, method, path, "session")


csv_cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=15,
)


@FUZZ
@given(
    header=st.lists(
        st.sampled_from(["domain", "employees", "funding_stage", "region", "x"]) | csv_cells,
        min_size=1,
        max_size=5,
    ),
    rows=st.lists(st.lists(csv_cells, max_size=6), max_size=12),
    delimiter=st.sampled_from([",", ";", "\t"]),
    name=st.sampled_from(["leads.csv", "leads.parquet", "leads.txt", "../../x.csv", ""]),
)
def test_random_csv_uploads(clients, tmp_path_factory, header, rows, delimiter, name):
    text = "\n".join(delimiter.join(line) for line in [header, *rows]) + "\n"
    upload = {"file": (name, text.encode("utf-8"), "text/csv")}
    answer = clients["session"].post("/upload", files=upload)
    _check(answer, "POST", "/upload", "session")
    if answer.status_code != 303:
        return
    # The job: every record the file holds comes back, scored or set aside with its reason,
    # or the file is refused whole with a message that names no server path.
    client = clients["session"]
    job = answer.headers["location"]
    deadline = time.monotonic() + 20
    while not re.search(r'id="(job-done|message)"', status := client.get(job + "/status").text):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    if 'id="job-done"' not in status:
        assert not LEAKS.search(status), status
        return
    scored = client.get(job + "/scored.csv")
    assert scored.headers["content-type"].startswith("text/csv")
    assert scored.headers["x-scorecard-version"] == "1"
    folder = tmp_path_factory.mktemp("upload")
    (folder / "leads.csv").write_bytes(text.encode("utf-8"))
    table = read_table(folder / "leads.csv")
    assert not any(table.row_errors)  # a file with unsplit records is refused
    back = list(csv.reader(io.StringIO(scored.text)))
    assert back[0][-4:] == ["icp_score", "icp_tier", "icp_disqualified", "icp_reasons"]
    aside = client.get(job + "/quarantine.csv")
    set_aside = list(csv.reader(io.StringIO(aside.text))) if aside.status_code == 200 else [[]]
    assert (len(back) - 1) + (len(set_aside) - 1) == len(table.frame)
