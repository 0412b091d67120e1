"""`icpkit keys`, `icpkit versions` and `icpkit serve` from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from icpkit.cli import app
from icpkit.serve.testing import free_port
from icpkit.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-scorecard.toml"


@pytest.fixture
def icpkit(tmp_path):
    runner = CliRunner()
    workspace = str(tmp_path / "ws.duckdb")

    def run(*args: str):
        return runner.invoke(app, [*args, "--workspace", workspace])

    run.workspace = workspace
    return run


def test_keys_create_prints_the_key_once_list_and_revoke(icpkit):
    created = icpkit("keys", "create", "--name", "website-form", "--rate-limit", "5")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("icpk_") and len(token) == 82
    workspace = Workspace.open(icpkit.workspace)
    assert workspace.check_key(token) == "website-form"
    listed = icpkit("keys", "list")
    assert "website-form" in listed.output and "5/s" in listed.output
    assert token not in listed.output and token[18:] not in listed.output
    assert icpkit("keys", "revoke", "--name", "website-form").exit_code == 0
    assert workspace.check_key(token) is None
    again = icpkit("keys", "revoke", "--name", "website-form")
    assert again.exit_code != 0


def test_versions_add_activate_rollback_diff(icpkit, tmp_path):
    from dataclasses import replace

    from icpkit.scorecard.io import load_scorecard, save_scorecard

    seed = load_scorecard(SEED)
    learned = tmp_path / "learned.toml"
    save_scorecard(replace(seed, name="Learned", tiers=replace(seed.tiers, a=6)), learned)
    add = icpkit("versions", "add", "--scorecard", str(SEED), "--author", "ana", "--reason", "seed")
    assert add.exit_code == 0 and "version 1" in add.output
    icpkit("versions", "add", "--scorecard", str(learned), "--author", "bo", "--reason", "learned")
    assert icpkit("versions", "activate", "1").exit_code == 0
    assert icpkit("versions", "activate", "2").exit_code == 0
    listed = icpkit("versions", "list")
    assert "ana" in listed.output and "learned" in listed.output
    rolled = icpkit("versions", "rollback")
    assert rolled.exit_code == 0 and "version 1 is live" in rolled.output
    assert Workspace.open(icpkit.workspace).active_version() == 1
    diff = icpkit("versions", "diff", "1", "2")
    assert diff.exit_code == 0
    assert '-name = "Seed hypothesis"' in diff.stdout and '+name = "Learned"' in diff.stdout
    assert "-A = 5" in diff.stdout and "+A = 6" in diff.stdout and "+version = 2" in diff.stdout
    missing = icpkit("versions", "activate", "9")
    assert missing.exit_code != 0


def test_serve_starts_answers_and_stops(tmp_path):
    workspace = tmp_path / "ws.duckdb"
    port = free_port()
    env = {**os.environ, "ICPKIT_WORKSPACE": str(workspace)}
    command = [sys.executable, "-m", "icpkit"]
    key = Workspace.open(workspace).create_key("cli-test")
    server = subprocess.Popen(
        [*command, "serve", "--scorecard", str(SEED), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "scorecard_version": 1}
        lead = {"employees": 120, "funding_stage": "series_b", "region": "North America"}
        scored = httpx.post(
            url + "/v1/score", json={"account": lead}, headers={"Authorization": f"Bearer {key}"}
        )
        assert scored.status_code == 200
        assert scored.json()["icp_reasons"].startswith("Company size: 50-200 (+2)")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    # SIGTERM: requests in flight finish, the app shuts down cleanly, then uvicorn exits.
    assert "Application shutdown complete" in output, output
    assert "Saved" in output and "version 1" in output
    # Serving the same file again makes no new version.
    from icpkit.cli.serve import _make_live

    workspace_db = Workspace.open(workspace)
    _make_live(workspace_db, SEED)
    assert [v.version for v in workspace_db.versions()] == [1]


def test_serve_with_a_bad_scorecard_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\n[[attributes]]\ncolumn = "employees"\nbins = [ { points = "two" } ]\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "icpkit", "serve", "--scorecard", str(bad)],
        env={**os.environ, "ICPKIT_WORKSPACE": str(tmp_path / "ws.duckdb")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: ")
    assert "bad.toml, line 4" in result.stderr and "Traceback" not in result.stderr
