"""Load test of `icpkit serve` on loopback, from a separate process.

    .venv/bin/python benchmarks/serve.py            # 200 req/s for 30 s, then 1,000-company batches
    .venv/bin/python benchmarks/serve.py --rate 100 --seconds 10

What it does:
1. Simulates the demo CRM (3,000 accounts, seed 7), learns its scorecard, and starts
   `icpkit serve` with it in a child process on a free loopback port.
2. Single-company scoring, open loop: request i is due at t0 + i/rate and goes out on the next
   free one of 64 keep-alive connections, each a different demo company as typed JSON (the
   3,000 companies cycle, so the second pass meets values the server has parsed before).
   Latency runs from the due time to the complete answer, so queueing is counted, not
   hidden. Reports p50, p90, p99, max and every error (non-200 or failed connection).
3. Batches: 20 sequential requests of 1,000 companies each; median and worst time.
4. The peer, measured in the same run in this process: `icpkit score`'s code path
   (`icpkit.score.score_frame` on a DataFrame) on the same one company and the same 1,000, so the
   ratio shows what HTTP, validation, auth and the queue add on top of scoring itself.

The load generator runs on the same 2-core machine as the server, so its own CPU use is inside
the latencies. The server's CPU time per request (from /proc) is also printed: unlike latency,
it hardly depends on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

GOAL_P99_MS = 20.0
GOAL_BATCH_MS = 100.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to send")
    parser.add_argument("--batches", type=int, default=20, help="1,000-company requests")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        accounts, scorecard = _demo(folder)
        key, workspace = _workspace(folder, scorecard)
        with _server(workspace, scorecard) as server:
            url = server.url
            leads = json.loads(accounts.to_json(orient="records"))
            cpu = server.cpu_seconds()
            single = asyncio.run(_open_loop(url, key, leads, args.rate, args.seconds))
            single["server_cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / single["requests"]
            cpu = server.cpu_seconds()
            batches = _batches(url, key, leads[:1000], args.batches)
            batches["server_cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / (args.batches + 1)
        peer_one, peer_batch = _peer(scorecard, accounts)
    _report(args, single, batches, peer_one, peer_batch)


def _demo(folder: Path) -> tuple[pd.DataFrame, Path]:
    from icpkit.build import build_icp
    from icpkit.scorecard.io import save_scorecard
    from icpkit.simulate import simulate

    print("Simulating the demo CRM and learning its scorecard...", file=sys.stderr)
    crm = simulate(3000, seed=7)
    card = build_icp(crm.accounts, crm.deals).scorecard
    path = folder / "scorecard.toml"
    save_scorecard(card, path)
    return crm.accounts, path


def _workspace(folder: Path, scorecard: Path) -> tuple[str, Path]:
    from icpkit.scorecard.io import load_scorecard
    from icpkit.workspace import Workspace

    path = folder / "workspace.duckdb"
    workspace = Workspace.open(path)
    workspace.save_version(
        load_scorecard(scorecard), author="benchmark", reason="load test", activate=True
    )
    return workspace.create_key("benchmark", rate_per_second=100_000), path


class _server:
    """`icpkit serve` in a child process on a free loopback port."""

    def __init__(self, workspace: Path, scorecard: Path) -> None:
        from icpkit.serve.testing import free_port

        self.port = free_port()
        self.command = [
            sys.executable,
            "-m",
            "icpkit",
            "serve",
            "--workspace",
            str(workspace),
            "--port",
            str(self.port),
        ]

    def cpu_seconds(self) -> float:
        """CPU time the server process has used (user + system), from /proc."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> _server:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            self.command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode()[-2000:])
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    self.url = url
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start within 60 s")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def _open_loop(url: str, key: str, leads: list, rate: float, seconds: float) -> dict:
    """Open-loop load over keep-alive HTTP/1.1 connections, with a minimal client: a full HTTP
    library costs more CPU per request than the server does, and it shares the same 2 cores."""
    host, port = url.removeprefix("http://").split(":")
    bodies = [_request(host, key, json.dumps({"account": lead}).encode()) for lead in leads]
    total = int(rate * seconds)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while (job := await queue.get()) is not None:
                i, due = job
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                writer.write(bodies[i % len(bodies)])
                status = await _read_response(reader)
                if status == 200:
                    latencies.append(time.perf_counter() - due)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
        except (OSError, asyncio.IncompleteReadError) as error:
            errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
        finally:
            writer.close()

    connections = 64
    # Warm up: the first pandas calls and the first connections.
    warm = [asyncio.create_task(worker()) for _ in range(4)]
    for i in range(50):
        queue.put_nowait((i, 0.0))
    for _ in warm:
        queue.put_nowait(None)
    await asyncio.gather(*warm)
    latencies.clear()
    print(f"Sending {total:,} requests at {rate:g}/s...", file=sys.stderr)
    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.perf_counter() + 0.5
    for i in range(total):
        queue.put_nowait((50 + i, start + i / rate))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    return {
        "requests": total,
        "ok": len(latencies),
        "errors": errors,
        "achieved_rate": len(latencies) / elapsed,
        "p50": float(np.percentile(ms, 50)),
        "p90": float(np.percentile(ms, 90)),
        "p99": float(np.percentile(ms, 99)),
        "max": float(ms.max()),
    }


def _request(host: str, key: str, body: bytes) -> bytes:
    head = (
        f"POST /v1/score HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    await reader.readexactly(length)
    return status


def _batches(url: str, key: str, leads: list, count: int) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    times, errors = [], 0
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        client.post("/v1/score", json={"accounts": leads})  # warm-up
        for _ in range(count):
            started = time.perf_counter()
            response = client.post("/v1/score", json={"accounts": leads})
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or len(response.json()["results"]) != len(leads):
                errors += 1
    return {"median": statistics.median(times), "max": max(times), "errors": errors}


def _peer(scorecard: Path, accounts: pd.DataFrame) -> tuple[float, float]:
    """`icpkit score`'s path in-process: score_frame on a DataFrame of the same rows."""
    from icpkit.score import score_frame
    from icpkit.scorecard.io import load_scorecard

    card = load_scorecard(scorecard)

    def timed(frame: pd.DataFrame, repeat: int) -> float:
        score_frame(card, frame, None)
        started = time.perf_counter()
        for _ in range(repeat):
            score_frame(card, frame, None)
        return (time.perf_counter() - started) / repeat * 1000

    one = statistics.median(timed(accounts.iloc[[i]], 1) for i in range(200))
    return one, timed(accounts.head(1000), 20)


def _report(args, single: dict, batches: dict, peer_one: float, peer_batch: float) -> None:
    verdict_p99 = "met" if single["p99"] < GOAL_P99_MS and not single["errors"] else "NOT met"
    verdict_batch = "met" if batches["median"] < GOAL_BATCH_MS else "NOT met"
    lines = [
        f"Single company, open loop at {args.rate:g} req/s for {args.seconds:g} s "
        f"({single['requests']:,} requests, achieved {single['achieved_rate']:.1f}/s):",
        f"  latency p50 {single['p50']:.1f} ms, p90 {single['p90']:.1f} ms, "
        f"p99 {single['p99']:.1f} ms, max {single['max']:.1f} ms",
        f"  errors: {sum(single['errors'].values())} {single['errors'] or ''}",
        f"  server CPU per request: {single['server_cpu_ms']:.2f} ms "
        f"(one core could serve about {1000 / single['server_cpu_ms']:,.0f} req/s)",
        f"  goal p99 < {GOAL_P99_MS:g} ms with no errors: {verdict_p99}",
        f"  peer, score_frame on one row in-process: {peer_one:.2f} ms "
        f"(HTTP p50 is {single['p50'] / peer_one:.2f}x that)",
        f"Batch of 1,000 companies, {args.batches} sequential requests:",
        f"  median {batches['median']:.1f} ms, worst {batches['max']:.1f} ms, "
        f"errors {batches['errors']}, server CPU per batch {batches['server_cpu_ms']:.1f} ms",
        f"  goal < {GOAL_BATCH_MS:g} ms: {verdict_batch}",
        f"  peer, score_frame on the same 1,000 rows in-process: {peer_batch:.1f} ms "
        f"(HTTP is {batches['median'] / peer_batch:.2f}x that)",
        f"Machine: {os.cpu_count()} cores, load average before the run "
        f"{os.getloadavg()[0]:.1f} (other work on the machine is inside these figures)",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
