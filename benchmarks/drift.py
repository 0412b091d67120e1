"""Does `icpkit monitor` catch a real drift quickly, and stay quiet when nothing moved?

Two simulated scenarios, each over many seeds, with the same CRM size and dates:

- **moved**: ``simulate(..., upmarket_from=2025-01-01)``: until that date small companies
  (20-199 employees) are the ICP; from it on mid-market (200-2,000) is, and small companies are
  priced out;
- **stable**: the same simulator without a move.

For every seed the scorecard is built on the CRM as it looked on 2024-12-31, then `monitor`
runs on the CRM as it looks after the first 25, 50, 75 and 100 deals closed since the build
(with the customers and new leads known by then). Reported: the share of seeds alarmed by each
checkpoint, and the false alarm rate, per check and per seed over all four checks.

The peer, measured on the same runs: the rule of thumb "alarm when the close rate of the top
tiers is more than 10 points below build time", observed without a test.

    .venv/bin/python benchmarks/drift.py [--seeds 20] [--accounts 3000]
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from datetime import date

import numpy as np
import pandas as pd

from icpkit.build import build_icp
from icpkit.simulate import simulate
from icpkit.stats import wilson_interval
from icpkit.validate.monitor import monitor

logging.getLogger("__cvxpy__").disabled = True
warnings.filterwarnings("ignore")

SHIFT = pd.Timestamp("2025-01-01")
CHECKPOINTS = (25, 50, 75, 100)


def as_of(deals: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    """The deals table as it looked at ``moment``: later deals unknown, later closes open."""
    view = deals[deals["created_at"] <= moment].copy()
    later = view["closed_at"] > moment
    view.loc[later, ["outcome", "closed_at"]] = ["open", pd.NaT]
    return view


def customers_as_of(customers: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    view = customers[customers["start"] <= moment].copy()
    later = view["end"] > moment
    view.loc[later, "end"] = pd.NaT
    view["churned"] = view["end"].notna()
    return view


def run_seed(seed: int, accounts: int, moved: bool) -> dict:
    crm = simulate(accounts, seed=seed, upmarket_from=SHIFT.date() if moved else None)
    built = build_icp(crm.accounts, as_of(crm.deals, SHIFT - pd.Timedelta(days=1)), seed=seed)
    primary = built.profiles.primary_icp.to_json() if built.profiles.primary_icp else None
    closes = crm.deals.loc[crm.deals["closed_at"] >= SHIFT, "closed_at"].sort_values()
    held_out = built.scorecard.trained_on["held_out_tiers"]
    top_then = sum(held_out[t]["won"] for t in "AB") / sum(held_out[t]["deals"] for t in "AB")
    row = {"seed": seed, "moved": moved}
    for n in CHECKPOINTS:
        moment = closes.iloc[n - 1]
        report = monitor(
            built.scorecard,
            as_of(crm.deals, moment),
            crm.accounts,
            customers=customers_as_of(crm.customers, moment),
            primary_segment=primary,
        )
        top = next(c for c in report.checks if c.name == "top_tiers")
        top_now = top.details["now"]["win_rate"]
        row[f"alarm_{n}"] = bool(report.alarms)
        row[f"checks_{n}"] = ",".join(c.name for c in report.alarms)
        row[f"naive_{n}"] = top_now is not None and top_then - top_now > 0.10
    return row


def first_alarm(row: dict, prefix: str) -> int | None:
    return next((n for n in CHECKPOINTS if row[f"{prefix}_{n}"]), None)


def share(hits: int, total: int) -> str:
    """A rate with its 95% Wilson interval: 20 seeds cannot say more precisely than that."""
    low, high = wilson_interval(hits, total)
    return f"{hits}/{total} = {hits / total:.0%} ({low:.0%}-{high:.0%})"


def summarise(rows: list[dict]) -> list[str]:
    table = pd.DataFrame(rows)
    lines = [
        "| scenario | monitor | alarmed by 25 closed deals | by 50 | by 75 | by 100 | "
        "checks with a false alarm | seeds with any false alarm |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for moved, name in ((True, "moved upmarket"), (False, "stable")):
        part = table[table["moved"] == moved]
        seeds = len(part)
        for prefix, label in (("alarm", "icpkit monitor"), ("naive", "observed drop > 10 points")):
            flags = part[[f"{prefix}_{n}" for n in CHECKPOINTS]].to_numpy(dtype=bool)
            by = np.logical_or.accumulate(flags, axis=1).sum(axis=0)
            if moved:
                cells = [share(int(k), seeds) for k in by] + ["", ""]
            else:
                cells = ["", "", "", ""]
                cells += [
                    share(int(flags.sum()), flags.size),
                    share(int(flags.any(axis=1).sum()), seeds),
                ]
            lines.append(f"| {name} ({seeds} seeds) | {label} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=3000)
    args = parser.parse_args()
    rows = []
    started = time.perf_counter()
    for moved in (True, False):
        for seed in range(1, args.seeds + 1):
            row = run_seed(seed, args.accounts, moved)
            rows.append(row)
            alarms = [row[f"checks_{n}"] or "-" for n in CHECKPOINTS]
            print(
                f"{'moved ' if moved else 'stable'} seed {seed:2d}: alarms after "
                + ", ".join(f"{n}: {a}" for n, a in zip(CHECKPOINTS, alarms, strict=True)),
                flush=True,
            )
    print()
    print(
        f"{args.accounts:,} accounts, {date(2023, 1, 1)} to {date(2025, 12, 31)}, built on "
        f"{(SHIFT - pd.Timedelta(days=1)).date()}; {time.perf_counter() - started:.0f} s"
    )
    moved_rows = [r for r in rows if r["moved"]]
    firsts = [first_alarm(r, "alarm") for r in moved_rows]
    caught = [f for f in firsts if f is not None]
    if caught:
        print(f"moved: median closed deals to the first alarm {int(np.median(caught))}")
    print()
    print("\n".join(summarise(rows)))


if __name__ == "__main__":
    main()
