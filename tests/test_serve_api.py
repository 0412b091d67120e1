"""The scoring API against the real server on loopback: keys, limits, validation, identity with
`icpkit score`, hot swap, audit, metrics."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pandas as pd
import pytest

from icpkit.scorecard.io import load_scorecard, save_scorecard
from icpkit.serve import Settings, create_app
from icpkit.serve.testing import running_server
from icpkit.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-scorecard.toml"


@pytest.fixture(scope="module")
def server(tmp_path_factory, build_dir):
    """A server on a fresh workspace serving the learned card as version 1."""
    path = tmp_path_factory.mktemp("ws") / "workspace.duckdb"
    workspace = Workspace.open(path)
    workspace.save_version(
        load_scorecard(build_dir / "scorecard.toml"), author="test", reason="learned", activate=True
    )
    key = workspace.create_key("test-suite")
    settings = Settings(
        workspace=str(path),
        build_dir=build_dir,
        rate_per_second=1000,
        refresh_seconds=0.2,
        audit_seconds=0.5,
    )
    with running_server(create_app(settings)) as url:
        yield {"url": url, "key": key, "workspace": workspace, "path": path}


@pytest.fixture
def client(server):
    with httpx.Client(
        base_url=server["url"],
        headers={"Authorization": f"Bearer {server['key']}"},
        timeout=30,
    ) as client:
        yield client


def _wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the server did not catch up in time")
        time.sleep(0.05)


LEAD = {
    "domain": "acme.example",
    "employees": 450,
    "annual_revenue": "$60M",
    "industry": "Software",
    "country": "United States",
    "technologies": ["Snowflake", "AWS"],
}


def test_health_needs_no_key(server):
    answer = httpx.get(server["url"] + "/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "scorecard_version": 1}


def test_scoring_without_a_key_is_401(server):
    answer = httpx.post(server["url"] + "/v1/score", json={"account": LEAD})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in answer.json()["error"]
    wrong = httpx.post(
        server["url"] + "/v1/score",
        json={"account": LEAD},
        headers={"Authorization": "Bearer icpk_000000000000_" + "0" * 64},
    )
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "unknown or revoked API key"}
    for path in ("/v1/scorecard", "/v1/icp"):
        assert httpx.get(server["url"] + path).status_code == 401


def test_a_revoked_key_is_refused(server):
    workspace = Workspace.open(server["path"])  # as `icpkit keys` would, from outside
    token = workspace.create_key("leaving-soon")
    headers = {"Authorization": f"Bearer {token}"}
    url = server["url"] + "/v1/score"

    def status() -> int:
        return httpx.post(url, json={"account": LEAD}, headers=headers).status_code

    _wait_for(lambda: status() == 200)
    workspace.revoke_key("leaving-soon")
    _wait_for(lambda: status() == 401)
    assert httpx.post(url, json={"account": LEAD}, headers=headers).json()["error"] == (
        "unknown or revoked API key"
    )


def test_over_the_rate_limit_is_429_with_retry_after(server):
    workspace = Workspace.open(server["path"])
    # One request every 2 s, and a burst of one (twice the rate per second, at least one).
    token = workspace.create_key("slow-partner", rate_per_second=0.5)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server["url"], headers=headers, timeout=30) as partner:
        _wait_for(lambda: partner.post("/v1/score", json={"account": LEAD}).status_code == 429)
        refused = partner.post("/v1/score", json={"account": LEAD})
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 2
        assert "rate limit of key 'slow-partner'" in refused.json()["error"]
        time.sleep(wait)
        assert partner.post("/v1/score", json={"account": LEAD}).status_code == 200
        assert partner.post("/v1/score", json={"account": LEAD}).status_code == 429
    # Other keys are not slowed down by this one.
    other = httpx.post(
        server["url"] + "/v1/score",
        json={"account": LEAD},
        headers={"Authorization": f"Bearer {server['key']}"},
    )
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"account": {"employees": {"min": 50}}}, "account.employees", "must be text, a number"),
        ({"accounts": [LEAD, {"technologies": [["dbt"]]}]}, "accounts.1.technologies", "list"),
        ({"account": {"name": "x" * 5000}}, "account.name", "longer than 2000"),
        ({"account": LEAD, "accounts": [LEAD]}, "body", "either 'account'"),
        ({}, "body", "either 'account'"),
        ({"account": LEAD, "tier": "A"}, "tier", "is not a field"),
        ({"accounts": [LEAD] * 1001}, "accounts", "at most 1000"),
        ({"account": [LEAD]}, "account", "valid dictionary"),
    ],
)
def test_malformed_bodies_are_422_naming_the_field(client, body, field, message):
    answer = client.post("/v1/score", json=body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["error"].startswith(f"{field}: ")
    assert message in problem["error"]
    assert problem["fields"][0]["field"] == field


def test_not_a_number_and_broken_json_are_422(client):
    nan = client.post(
        "/v1/score",
        content=b'{"account": {"employees": NaN}}',
        headers={"Content-Type": "application/json"},
    )
    assert nan.status_code == 422
    assert nan.json()["error"] == "account.employees: numbers must be finite"
    broken = client.post(
        "/v1/score", content=b'{"account": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["error"].startswith("body: not valid JSON")


def test_a_body_over_the_size_limit_is_413(client):
    huge = json.dumps({"account": {"notes": "x" * 1000, "padding": ["y" * 1000] * 2500}})
    answer = client.post(
        "/v1/score", content=huge.encode(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert "larger than 2,000,000 bytes" in answer.json()["error"]


def test_scores_are_those_of_icpkit_score(client, demo_crm, build_dir, tmp_path):
    """The CLI scores the CSV; the API scores the same rows, as text and as typed JSON."""
    from icpkit.score import score_file
    from icpkit.simulate import write_crm

    crm_files = write_crm(demo_crm, tmp_path / "crm")
    scored = tmp_path / "scored.csv"
    score_file(build_dir / "scorecard.toml", crm_files["accounts"], scored)
    expected = pd.read_csv(scored, keep_default_na=False, dtype=str)
    rows = pd.read_csv(crm_files["accounts"], keep_default_na=False, dtype=str)
    rows = rows.to_dict("records")[:1000]
    answer = client.post("/v1/score", json={"accounts": rows})
    assert answer.status_code == 200, answer.text
    got = pd.DataFrame(answer.json()["results"])
    want = expected.head(len(rows))
    assert got["icp_score"].astype(str).tolist() == want["icp_score"].tolist()
    assert got["icp_tier"].tolist() == want["icp_tier"].tolist()
    assert got["icp_disqualified"].astype(str).tolist() == want["icp_disqualified"].tolist()
    assert got["icp_reasons"].tolist() == want["icp_reasons"].str.lstrip("'").tolist()
    # One at a time gives the same as in a batch: no score depends on its neighbours.
    for i in (0, 17, 404):
        single = client.post("/v1/score", json={"account": rows[i]}).json()
        assert single["icp_score"] == int(want["icp_score"].iloc[i])
        assert single["icp_reasons"] == want["icp_reasons"].iloc[i].lstrip("'")
        assert single["scorecard_version"] == 1


def test_typed_json_scores_like_its_csv_text(client, demo_crm, build_dir, tmp_path):
    from icpkit.score import score_file

    accounts = demo_crm.accounts.head(300)
    csv = tmp_path / "accounts.csv"
    flat = accounts.assign(technologies=accounts["technologies"].map(";".join))
    flat.to_csv(csv, index=False)
    score_file(build_dir / "scorecard.toml", csv, tmp_path / "scored.csv")
    expected = pd.read_csv(tmp_path / "scored.csv", keep_default_na=False)
    typed = json.loads(accounts.to_json(orient="records"))
    got = client.post("/v1/score", json={"accounts": typed}).json()["results"]
    assert [r["icp_score"] for r in got] == expected["icp_score"].tolist()
    assert [r["icp_reasons"] for r in got] == expected["icp_reasons"].str.lstrip("'").tolist()


def test_messy_text_scores_like_the_cli(client, build_dir, tmp_path):
    from icpkit.score import score_file

    rows = pd.DataFrame(
        {
            "employees": ["51-200", "1,000+", "fifty", "", " 35 ", "10k"],
            "annual_revenue": ["$2.5M", "€3,5 Mio", "60000000", "n/a", "$10M-50M", "(1,000)"],
            "industry": ["Computer Software", "Banking", "EDUCATION", "", "Software", "?"],
            "technologies": ["Snowflake; dbt", "aws,snowflake", "", "AWS", "=cmd()", "Segment"],
        }
    )
    rows.to_csv(tmp_path / "messy.csv", index=False)
    score_file(build_dir / "scorecard.toml", tmp_path / "messy.csv", tmp_path / "scored.csv")
    expected = pd.read_csv(tmp_path / "scored.csv", keep_default_na=False)
    records = rows.to_dict("records")
    got = client.post("/v1/score", json={"accounts": records}).json()["results"]
    assert [r["icp_score"] for r in got] == expected["icp_score"].tolist()
    assert [r["icp_tier"] for r in got] == expected["icp_tier"].tolist()
    assert [r["icp_reasons"] for r in got] == expected["icp_reasons"].str.lstrip("'").tolist()


def test_scorecard_and_icp_endpoints(client, build_dir):
    card = load_scorecard(build_dir / "scorecard.toml")
    answer = client.get("/v1/scorecard").json()
    assert answer["scorecard_version"] >= 1
    assert answer["scorecard"]["attributes"] == [a.name for a in card.attributes]
    assert load_scorecard_text(answer["toml"]).attributes == card.attributes
    icp = client.get("/v1/icp").json()
    assert [a["name"] for a in icp["attributes"]] == [a.name for a in card.attributes]
    assert icp["proof"]["auc"] is not None and icp["summary"]


def load_scorecard_text(text: str):
    from icpkit.scorecard.io import parse_scorecard

    return parse_scorecard(text)


def test_cors_is_off_by_default(server):
    preflight = httpx.options(
        server["url"] + "/v1/score",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = httpx.get(server["url"] + "/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_an_internal_error_shows_no_traceback(server, client, monkeypatch):
    from icpkit.serve import state

    def explode(self, texts, n):
        raise RuntimeError("secret internals /srv/icpkit/state.py")

    monkeypatch.setattr(state.CardScorer, "_score_rows", explode)
    answer = client.post("/v1/score", json={"account": LEAD})
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error; the server log has the details"}
    assert "secret" not in answer.text and "Traceback" not in answer.text


def test_audit_log_records_calls_without_company_data(server, client):
    client.post("/v1/score", json={"accounts": [LEAD, {**LEAD, "domain": "globex.example"}]})
    workspace = server["workspace"]

    def logged():
        return [e for e in workspace.audit_log(limit=500) if e.accounts == 2]

    _wait_for(lambda: bool(logged()))
    entry = logged()[0]
    assert (entry.key_name, entry.route) == ("test-suite", "api")
    expected = workspace.hash_identifiers(["domain:acme.example", "domain:globex.example"])
    assert entry.identifiers_hash == expected
    import duckdb

    with duckdb.connect(str(server["path"]), read_only=False) as connection:
        dump = str(connection.execute("SELECT * FROM audit_log").fetchall())
    assert "acme" not in dump and "globex" not in dump


def test_metrics_count_requests_and_companies(server, client):
    client.post("/v1/score", json={"accounts": [LEAD] * 3})
    text = httpx.get(server["url"] + "/metrics").text
    assert 'icpkit_http_requests_total{method="POST",route="/v1/score",status="200"}' in text
    scored = [line for line in text.splitlines() if line.startswith("icpkit_accounts_scored")]
    assert any('channel="api"' in line and float(line.split()[-1]) >= 3 for line in scored)
    assert "test-suite" not in text  # no key names
    assert "icpkit_scorecard_version" in text


def test_a_new_version_goes_live_without_dropping_requests(server, build_dir, tmp_path):
    """Requests keep flowing while a separate workspace handle (as `icpkit versions activate`
    from another terminal) activates a new version."""
    workspace = Workspace.open(server["path"])
    before = workspace.active_version()
    seed = replace(load_scorecard(SEED), name="Seed hypothesis")
    save_scorecard(seed, tmp_path / "seed.toml")
    new_version = workspace.save_version(seed, author="test", reason="swap")
    answers: list[tuple[int, dict]] = []
    stop = threading.Event()

    def fire() -> None:
        headers = {"Authorization": f"Bearer {server['key']}"}
        with httpx.Client(base_url=server["url"], headers=headers, timeout=30) as c:
            while not stop.is_set():
                response = c.post("/v1/score", json={"account": LEAD})
                answers.append((response.status_code, response.json()))
                time.sleep(0.005)  # a steady stream, leaving the server's threads some air

    threads = [threading.Thread(target=fire) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    workspace.activate(new_version, author="test")
    _wait_for(lambda: any(a[1].get("scorecard_version") == new_version for a in answers))
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join()
    assert answers and all(status == 200 for status, _ in answers)
    versions = [a["scorecard_version"] for _, a in answers]
    assert set(versions) == {before, new_version}
    # Every answer is the score of the version it names.
    from icpkit.serve.scoring import score_accounts

    by_version = {
        before: score_accounts(workspace.get(before), [LEAD])[0].as_dict(),
        new_version: score_accounts(seed, [LEAD])[0].as_dict(),
    }
    assert by_version[before] != by_version[new_version]
    for _, answer in answers:
        version = answer.pop("scorecard_version")
        assert answer == by_version[version]
    workspace.activate(before, author="test")
    _wait_for(lambda: httpx.get(server["url"] + "/healthz").json()["scorecard_version"] == before)


def test_a_postgresql_workspace_serves_and_swaps(tmp_path):
    """The same server on a PostgreSQL workspace (skipped when none answers on 5432)."""
    import socket
    import uuid

    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")
    import psycopg

    base = "postgresql://postgres@127.0.0.1:5432/test"
    schema = "serve_" + uuid.uuid4().hex[:10]
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    url = f"{base}?options=-csearch_path%3D{schema}"
    try:
        workspace = Workspace.open(url)
        seed = load_scorecard(SEED)
        workspace.save_version(seed, author="test", reason="seed", activate=True)
        key = workspace.create_key("pg")
        settings = Settings(
            workspace=url,
            refresh_seconds=0.2,
            audit_seconds=0.2,
            audit_journal=tmp_path / "audit.journal",  # else one in the current folder
        )
        with running_server(create_app(settings)) as server_url:
            headers = {"Authorization": f"Bearer {key}"}
            lead = {"employees": 120, "region": "North America"}
            first = httpx.post(server_url + "/v1/score", json={"account": lead}, headers=headers)
            assert first.json()["scorecard_version"] == 1
            second = workspace.save_version(
                replace(seed, name="Stricter", tiers=replace(seed.tiers, a=6)),
                author="test",
                reason="stricter",
                activate=True,
            )
            _wait_for(
                lambda: httpx.get(server_url + "/healthz").json()["scorecard_version"] == second
            )
            _wait_for(lambda: any(e.key_name == "pg" for e in workspace.audit_log()))
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
