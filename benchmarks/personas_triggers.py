"""Are the planted champion and trigger found, and is noise left alone? 20 simulated CRMs.

The simulator plants one champion persona (a Director in Data or Engineering as Champion) and one
trigger (an executive hire or funding round 1-60 days before the deal), and adds signal types
with no effect (web_visit, job_post). For each seed and CRM size this runs
:func:`icpkit.discover.personas.find_personas` (with the CRM's department and seniority columns,
and again from job titles alone) and :func:`icpkit.discover.triggers.find_triggers`, and counts:

* champion found: the strongest significant winning persona is a planted one (Champion, Director,
  Data or Engineering); and whether both planted cells (Data, Engineering) are significant;
* other personas called significant (true associations of the simulation, e.g. C-level buyers at
  small companies that lose, but not planted);
* per signal type, how often it is called a trigger, and the window chosen.

The peer, measured in the same run on the same data, is the analysis a spreadsheet would do:
for each signal type take the window with the best lift on all deals and call it a trigger when
its p-value is under 5%, with no hold-out and no correction (and, for personas, every persona
with p < 5%). It shows what the hold-out and Holm's correction buy.

    .venv/bin/python benchmarks/personas_triggers.py            # 20 seeds, 3,000 and 10,000
    .venv/bin/python benchmarks/personas_triggers.py --seeds 5 --sizes 3000
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from icpkit.discover.personas import find_personas
from icpkit.discover.triggers import WINDOWS, _closed_with_dates, _signals, find_triggers
from icpkit.simulate import simulate
from icpkit.stats import proportion_test
from icpkit.timing import signal_ages


def naive_triggers(deals, signals) -> dict[str, tuple[int, bool]]:
    """Best raw-lift window on all deals, p < 0.05 uncorrected: (window, called a trigger)."""
    closed = _closed_with_dates(deals)
    ages = signal_ages(_signals(signals), closed["account_id"], closed["created_at"])
    won = closed["won"].to_numpy(dtype=bool)
    out = {}
    for signal_type in ages.columns:
        age = ages[signal_type].to_numpy()
        best = None
        for window in WINDOWS:
            has = age <= window
            if has.sum() < 10 or (~has).sum() == 0:
                continue
            lift = won[has].mean() / max(won[~has].mean(), 1e-9)
            if best is None or lift > best[0]:
                p = proportion_test(won[has].sum(), has.sum(), won[~has].sum(), (~has).sum())
                best = (lift, window, p)
        out[signal_type] = (best[1], best[2] < 0.05) if best else (None, False)
    return out


def run_seed(size: int, seed: int) -> dict:
    crm = simulate(size, seed=seed)
    truth = crm.truth
    planted = {
        (truth["champion"]["buying_role"], d, truth["champion"]["seniority"])
        for d in truth["champion"]["departments"]
    }
    row: dict = {"size": size, "seed": seed, "won": truth["deals"]["won"]}

    started = time.perf_counter()
    personas = find_personas(crm.deals, crm.contacts, seed=seed)
    row["persona_seconds"] = time.perf_counter() - started
    row |= _persona_counts(personas, planted, "")
    titles_only = crm.contacts.drop(columns=["department", "seniority"])
    row |= _persona_counts(find_personas(crm.deals, titles_only, seed=seed), planted, "titles_")

    started = time.perf_counter()
    triggers = find_triggers(crm.deals, crm.signals, seed=seed)
    row["trigger_seconds"] = time.perf_counter() - started
    for entry in triggers["triggers"]:
        row[f"{entry['type']}_significant"] = entry["significant"]
        row[f"{entry['type']}_window"] = entry["window_days"]
    row["half_life"] = triggers["timing_model"]["half_life_days"]
    for signal_type, (window, called) in naive_triggers(crm.deals, crm.signals).items():
        row[f"naive_{signal_type}_significant"] = called
        row[f"naive_{signal_type}_window"] = window
    return row


def _persona_counts(result: dict, planted: set, prefix: str) -> dict:
    winners = [p for p in result["personas"] if p["significant"] and p["lift"] > 1]
    strongest = max(winners, key=lambda p: p["lift"], default=None)
    significant = {
        (p["role"], p["function"], p["seniority"]) for p in result["personas"] if p["significant"]
    }
    naive = {
        (p["role"], p["function"], p["seniority"])
        for p in result["personas"]
        if p["p_value"] < 0.05
    }
    return {
        f"{prefix}champion_found": strongest is not None
        and (strongest["role"], strongest["function"], strongest["seniority"]) in planted,
        f"{prefix}champion_both": planted <= significant,
        f"{prefix}other_significant": len(significant - planted),
        f"{prefix}naive_other": len(naive - planted),
        f"{prefix}tried": result["tried"],
    }


def summarise(rows: list[dict]) -> None:
    types = ("executive_hire", "funding", "web_visit", "job_post")
    print()
    print(
        "| accounts | seeds | champion found | from titles only | other personas called "
        "(ours / uncorrected peer) | executive_hire | funding | web_visit | job_post "
        "| noise types called by the peer |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in sorted({r["size"] for r in rows}):
        mine = [r for r in rows if r["size"] == size]
        n = len(mine)
        cells = [
            f"{size:,}",
            str(n),
            f"{sum(r['champion_found'] for r in mine)}/{n} "
            f"(both cells {sum(r['champion_both'] for r in mine)}/{n})",
            f"{sum(r['titles_champion_found'] for r in mine)}/{n}",
            f"{np.mean([r['other_significant'] for r in mine]):.1f} / "
            f"{np.mean([r['naive_other'] for r in mine]):.1f} per seed "
            f"(of {np.mean([r['tried'] for r in mine]):.0f} tried)",
        ]
        for signal_type in types:
            called = sum(bool(r.get(f"{signal_type}_significant")) for r in mine)
            windows = Counter(
                r[f"{signal_type}_window"] for r in mine if r.get(f"{signal_type}_significant")
            )
            window_text = ", ".join(f"{w} d x{c}" for w, c in sorted(windows.items()))
            cells.append(f"{called}/{n}" + (f" ({window_text})" if window_text else ""))
        noise = sum(
            bool(r.get(f"naive_{t}_significant")) for r in mine for t in ("web_visit", "job_post")
        )
        cells.append(f"{noise} of {2 * n}")
        print("| " + " | ".join(cells) + " |")
    seconds = [r["persona_seconds"] for r in rows], [r["trigger_seconds"] for r in rows]
    halves = [r["half_life"] for r in rows]
    print()
    print(
        f"median seconds per CRM: personas {np.median(seconds[0]):.2f}, "
        f"triggers {np.median(seconds[1]):.2f}; learned half-lives: "
        + ", ".join(f"{h:g} d x{c}" for h, c in sorted(Counter(halves).items()))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 10000])
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        for seed in range(args.seeds):
            row = run_seed(size, seed)
            rows.append(row)
            print(
                f"{size:>6} seed {seed:>2}: champion {row['champion_found']!s:5} "
                f"exec {row.get('executive_hire_significant')!s:5} "
                f"funding {row.get('funding_significant')!s:5} "
                f"web {row.get('web_visit_significant')!s:5} "
                f"job {row.get('job_post_significant')!s:5} "
                f"others {row['other_significant']}",
                flush=True,
            )
    summarise(rows)


if __name__ == "__main__":
    main()
