"""Audit durability: the real `icpkit serve` in its own process, under load from several
clients, killed with SIGKILL (no shutdown of any kind). Every request it answered with 200 must
be in the audit log once the server is started again, and none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from icpkit.serve.testing import free_port
from icpkit.workspace import Workspace

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"

# A real server process under load from several clients, killed and started again: ~15 s.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
]


def _start(workspace: Path, port: int, *extra: str) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "icpkit", "serve", "--port", str(port), *extra],
        env={**os.environ, "ICPKIT_WORKSPACE": str(workspace)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).raise_for_status()
            return server
        except httpx.HTTPError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise AssertionError(server.communicate()[0]) from None
            time.sleep(0.1)


def test_every_answered_request_survives_kill_9(tmp_path):
    workspace_path = tmp_path / "ws.duckdb"
    workspace = Workspace.open(workspace_path)
    key = workspace.create_key("load")
    port = free_port()
    server = _start(workspace_path, port, "--scorecard", str(SEED))
    url = f"http://127.0.0.1:{port}/v1/score"
    answered: list[str] = []  # the domain of every request answered 200
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=10) as http:
            i = 0
            while not stop.is_set():
                domain = f"c{number}-{i}.example"
                i += 1
                try:
                    answer = http.post(url, json={"account": {"domain": domain, "employees": 90}})
                except httpx.HTTPError:
                    return  # the server is gone
                if answer.status_code == 200:
                    with lock:
                        answered.append(domain)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(answered) < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(server.pid, signal.SIGKILL)  # mid-load: requests are in flight
        server.wait(timeout=30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        if server.poll() is None:
            server.kill()
        server.communicate()
    assert len(answered) >= 200
    # The server wrote its journal (10 s between copies by default), not the workspace yet.
    before = {e.identifiers_hash for e in workspace.audit_log(limit=1_000_000)}
    # Started again, it copies what the journal holds; stopped, it copies the rest.
    again = _start(workspace_path, port)
    again.send_signal(signal.SIGTERM)
    again.communicate(timeout=60)
    entries = workspace.audit_log(limit=1_000_000)
    hashes = Counter(e.identifiers_hash for e in entries)
    missing = [d for d in answered if hashes[workspace.hash_identifiers([f"domain:{d}"])] == 0]
    assert missing == [], f"{len(missing)} of {len(answered)} answered requests not audited"
    assert max(hashes.values()) == 1  # each domain was sent once: nothing copied twice
    assert all(e.key_name == "load" and e.route == "api" for e in entries)
    assert len(before) < len(answered)  # the journal, not a lucky copy, kept them
