"""Ingest of a 1-million-row deals CSV against DuckDB's own ``read_csv`` of the same file.

    .venv/bin/python benchmarks/ingest.py [--rows 1000000] [--repeat 3]

Writes a Salesforce Data Loader-shaped opportunities export (18-character ids, IsWon/IsClosed,
amounts with some blanks, ISO close dates, timestamps to the second, lead sources) and a
50,000-row accounts export into a temporary folder, then times, each in a fresh process, in the
same run:

* **icpkit**: ``load_tables(accounts, deals, format="auto")`` + ``write_ingest`` — detect the
  format, read, map, type every value (dates, money, booleans, ids), decide outcomes from the
  flags, check every deal's account, quarantine, and write Parquet, quarantine.csv and
  ingest.json;
* **DuckDB**: ``CREATE TABLE deals AS SELECT * FROM read_csv('deals.csv')`` — DuckDB's sniffer
  and typed, multi-threaded reader into its own table (the accounts file too, for the same
  work of reading both files).

Both produce typed tables in memory, so the ratio compares ``load_tables`` with DuckDB's
``read_csv``; the time with icpkit's files written is shown beside it. Times are of the calls
alone (imports excluded), the best of ``--repeat`` runs, DuckDB and icpkit taking turns so both
meet the same machine load; the CPU time (all threads) is shown too, as it depends less on what
else the machine runs. The peak memory is the process's own high-water mark (VmHWM), for
icpkit with the files written and, in brackets, with the tables only. Goal: icpkit at most 3x
DuckDB's time, peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

GOAL_RATIO = 3.0
GOAL_PEAK_MB = 1024


def write_inputs(folder: Path, rows: int, seed: int = 0) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    n_accounts = 50_000
    account_ids = np.array([f"001A{i:011d}" for i in range(n_accounts)], dtype=object)
    account_ids = np.array([_id18(a) for a in account_ids], dtype=object)
    accounts = pd.DataFrame(
        {
            "Id": account_ids,
            "Name": [f"Company {i}" for i in range(n_accounts)],
            "Industry": rng.choice(
                ["Technology", "Banking", "Retail", "Manufacturing"], n_accounts
            ),
            "NumberOfEmployees": rng.integers(1, 20_000, n_accounts).astype(str),
            "AnnualRevenue": np.round(rng.lognormal(16, 1.5, n_accounts)).astype(np.int64),
            "BillingCountry": rng.choice(
                ["USA", "United States", "Germany", "UK", "France"], n_accounts
            ),
        }
    )
    created = pd.Timestamp("2020-01-01") + pd.to_timedelta(
        rng.integers(0, 1_500 * 86_400, rows), unit="s"
    )
    closed = created.normalize() + pd.to_timedelta(rng.integers(10, 200, rows), unit="D")
    won = rng.random(rows) < 0.3
    is_closed = won | (rng.random(rows) < 0.6)
    amount = np.round(rng.lognormal(10, 1, rows), 2).astype(str).astype(object)
    amount[rng.random(rows) < 0.03] = ""
    deals = pd.DataFrame(
        {
            "Id": [f"006A{i:011d}IAA" for i in range(rows)],
            "AccountId": account_ids[rng.integers(0, n_accounts, rows)],
            "StageName": np.where(
                won, "Closed Won", np.where(is_closed, "Closed Lost", "Negotiation/Review")
            ),
            "IsClosed": np.where(is_closed, "true", "false"),
            "IsWon": np.where(won, "true", "false"),
            "Amount": amount,
            "CloseDate": closed.strftime("%Y-%m-%d"),
            "CreatedDate": created.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "LeadSource": rng.choice(["Web", "Partner", "Outbound", "Event"], rows),
            "Type": rng.choice(["New Business", "Existing Business"], rows),
        }
    )
    accounts_path, deals_path = folder / "Account.csv", folder / "Opportunity.csv"
    accounts.to_csv(accounts_path, index=False)
    deals.to_csv(deals_path, index=False)
    return accounts_path, deals_path


def _id18(id15: str) -> str:
    from icpkit.ingest.salesforce import id_18

    return id_18(id15)


# The peak is the process's own high-water mark (VmHWM). Not ru_maxrss: Linux carries it
# over exec from the parent, so a child started by this script would report at least the
# parent's size (the generated inputs).
PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

ICPKIT = """
import time, json, sys
from icpkit.ingest import load_tables, write_ingest
start, cpu = time.perf_counter(), time.process_time()
result = load_tables(accounts=sys.argv[1], deals=sys.argv[2], format="auto")
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak_tables = peak_mb()
write_ingest(result, sys.argv[3])
written = time.perf_counter() - start
deals = result.report["files"]["deals"]
print(json.dumps({"seconds": seconds, "cpu": cpu, "with_writing": written,
                  "peak_mb": peak_mb(), "peak_tables_mb": peak_tables,
                  "rows": deals["rows_read"], "accepted": deals["accepted"],
                  "adapter": deals["adapter"]}))
"""

DUCKDB = """
import time, json, sys
import duckdb
connection = duckdb.connect()
start, cpu = time.perf_counter(), time.process_time()
connection.execute(f"CREATE TABLE accounts AS SELECT * FROM read_csv('{sys.argv[1]}')")
connection.execute(f"CREATE TABLE deals AS SELECT * FROM read_csv('{sys.argv[2]}')")
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
rows = connection.execute("SELECT count(*) FROM deals").fetchone()[0]
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "rows": rows}))
"""


def run(script: str, *args: object) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PEAK + textwrap.dedent(script), *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        accounts, deals = write_inputs(folder, options.rows)
        size_mb = deals.stat().st_size / 1e6
        print(f"deals CSV: {options.rows:,} rows, {size_mb:.0f} MB; accounts: 50,000 rows")
        icpkit_runs, duckdb_runs = [], []
        for attempt in range(options.repeat):  # interleaved, so both see the same machine load
            duckdb_runs.append(run(DUCKDB, accounts, deals))
            icpkit_runs.append(run(ICPKIT, accounts, deals, folder / f"out{attempt}"))
    best_icpkit = min(icpkit_runs, key=lambda r: r["seconds"])
    best_duckdb = min(duckdb_runs, key=lambda r: r["seconds"])
    assert best_icpkit["rows"] == best_icpkit["accepted"] == options.rows == best_duckdb["rows"]
    ratio = best_icpkit["seconds"] / best_duckdb["seconds"]
    cpu_icpkit = min(r["cpu"] for r in icpkit_runs)
    cpu_duckdb = min(r["cpu"] for r in duckdb_runs)
    peak = max(r["peak_mb"] for r in icpkit_runs)
    peak_tables = max(r["peak_tables_mb"] for r in icpkit_runs)
    print(
        f"machine: {os.cpu_count()} cores, load average {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"DuckDB read_csv: {best_duckdb['seconds']:.2f} s ({cpu_duckdb:.2f} s of CPU, "
        f"peak {best_duckdb['peak_mb']:.0f} MB)"
    )
    print(
        f"icpkit ingest:   {best_icpkit['seconds']:.2f} s ({cpu_icpkit:.2f} s of CPU) to canonical "
        f"tables in memory, {best_icpkit['with_writing']:.2f} s with the Parquet, quarantine "
        f"and report written (peak {peak:.0f} MB, read as {best_icpkit['adapter']})"
    )
    print(
        "every run, in turn: DuckDB "
        + " / ".join(f"{r['seconds']:.2f}" for r in duckdb_runs)
        + " s, icpkit "
        + " / ".join(f"{r['seconds']:.2f}" for r in icpkit_runs)
        + " s"
    )
    print(
        f"ratio icpkit / DuckDB: {ratio:.2f}x in time, {cpu_icpkit / cpu_duckdb:.2f}x in CPU "
        f"(goal <= {GOAL_RATIO:g}x)"
    )
    print(
        f"icpkit peak memory: {peak:.0f} MB with the files written, {peak_tables:.0f} MB to the "
        f"tables (goal < {GOAL_PEAK_MB} MB)"
    )
    verdict = ratio <= GOAL_RATIO and peak < GOAL_PEAK_MB
    print("goal met" if verdict else "goal NOT met")


if __name__ == "__main__":
    main()
