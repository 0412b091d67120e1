"""Are the planted champion and trigger found, and is noise left alone? 20 simulated CRMs.

The simulator plants one champion persona (a Director in Data or Engineering as Champion) and one
trigger (an executive hire or funding round 1-60 days before the deal), and adds signal types
with no effect (web_visit, job_post). For each seed and CRM size this runs what ``icpkit build``
runs (:func:`icpkit.build.build_icp` with contacts and signals: personas compared within the
scorecard's fit tiers, triggers across all deals), personas from job titles alone (no department
or seniority column), and two ablations: personas without fit tiers, triggers within them. It
counts:

* champion found: the strongest significant winning persona is a planted one (Champion, Director,
  Data or Engineering); "both cells": Data and Engineering are both significant;
* other personas called significant (not planted; in this simulation they are associations that
  run through company size, e.g. C-level buyers at small companies that lose);
* per signal type, how often it is called a trigger, and the window chosen.

The peer, measured in the same run on the same data, is the analysis a spreadsheet would do:
for each signal type take the window with the best lift on all deals and call it a trigger when
its p-value is under 5%, and call every persona with p < 5% a finding, with no correction for
the windows or personas tried and no fit tiers.

    .venv/bin/python benchmarks/personas_triggers.py            # 20 seeds, 3,000 and 10,000
    .venv/bin/python benchmarks/personas_triggers.py --seeds 5 --sizes 3000
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np
import pandas as pd

from icpkit.build import build_icp
from icpkit.discover.personas import find_personas
from icpkit.discover.triggers import WINDOWS, _closed_with_dates, _signals, find_triggers
from icpkit.jsonsafe import finite
from icpkit.results import Personas, Triggers
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
    built = build_icp(
        crm.accounts, crm.deals, contacts=crm.contacts, signals=crm.signals, seed=seed
    )
    row["build_seconds"] = time.perf_counter() - started
    row |= _persona_counts(built.personas, planted, "")
    row |= _trigger_counts(built.triggers, "")
    row["half_life"] = built.triggers.timing_model.half_life_days

    tier = pd.Series(
        built.scorecard.apply(crm.accounts).tier, index=crm.accounts["account_id"].to_numpy()
    )
    fit = pd.Series(
        crm.deals["account_id"].map(tier).to_numpy(), index=crm.deals["deal_id"].to_numpy()
    )
    titles_only = crm.contacts.drop(columns=["department", "seniority"])
    from_titles = typed(Personas, find_personas(crm.deals, titles_only, strata=fit, seed=seed))
    row |= _persona_counts(from_titles, planted, "titles_")

    started = time.perf_counter()
    crude = find_personas(crm.deals, crm.contacts, seed=seed)
    row["persona_seconds"] = time.perf_counter() - started
    row |= _persona_counts(typed(Personas, crude), planted, "crude_")
    started = time.perf_counter()
    crude = find_triggers(crm.deals, crm.signals, seed=seed)
    row["trigger_seconds"] = time.perf_counter() - started
    row |= _trigger_counts(typed(Triggers, crude), "crude_")
    within = typed(Triggers, find_triggers(crm.deals, crm.signals, strata=fit, seed=seed))
    row |= _trigger_counts(within, "tiers_")
    for signal_type, (window, called) in naive_triggers(crm.deals, crm.signals).items():
        row[f"naive_{signal_type}_significant"] = called
        row[f"naive_{signal_type}_window"] = window
    return row


def typed(kind, found: dict):
    """What find_personas or find_triggers found, typed as the build types it."""
    return kind.from_json(finite(found))


def _trigger_counts(result: Triggers, prefix: str) -> dict:
    row = {}
    for entry in result.triggers:
        row[f"{prefix}{entry.type}_significant"] = entry.significant
        row[f"{prefix}{entry.type}_window"] = entry.window_days
    return row


def _persona_counts(result: Personas, planted: set, prefix: str) -> dict:
    winners = [p for p in result.personas if p.significant and (p.lift or 0) > 1]
    strongest = max(winners, key=lambda p: p.lift, default=None)
    significant = {(p.role, p.function, p.seniority) for p in result.personas if p.significant}
    naive = {(p.role, p.function, p.seniority) for p in result.personas if p.p_value < 0.05}
    return {
        f"{prefix}champion_found": strongest is not None
        and (strongest.role, strongest.function, strongest.seniority) in planted,
        f"{prefix}champion_both": planted <= significant,
        f"{prefix}other_significant": len(significant - planted),
        f"{prefix}naive_other": len(naive - planted),
        f"{prefix}tried": result.tried,
    }


def summarise(rows: list[dict]) -> None:
    sizes = sorted({r["size"] for r in rows})
    print()
    print("Personas (champion found: strongest winning persona is planted; both cells in brackets)")
    print()
    print(
        "| accounts | seeds | champion found (icpkit build) | from titles only | without fit "
        "tiers | other personas called: build / without fit tiers / uncorrected peer |"
    )
    print("|---|---|---|---|---|---|")
    for size in sizes:
        mine = [r for r in rows if r["size"] == size]
        n = len(mine)

        def found(prefix: str, mine=mine, n=n) -> str:
            hits = sum(r[f"{prefix}champion_found"] for r in mine)
            both = sum(r[f"{prefix}champion_both"] for r in mine)
            return f"{hits}/{n} ({both}/{n})"

        others = " / ".join(
            f"{np.mean([r[key] for r in mine]):.2f}"
            for key in ("other_significant", "crude_other_significant", "crude_naive_other")
        )
        tried = np.mean([r["tried"] for r in mine])
        print(
            f"| {size:,} | {n} | {found('')} | {found('titles_')} | {found('crude_')} | "
            f"{others} per seed (of {tried:.0f} tried) |"
        )
    print()
    print("Signal types called a trigger (window chosen, days x seeds)")
    print()
    types = ("executive_hire", "funding", "web_visit", "job_post")
    print("| accounts | method | " + " | ".join(types) + " |")
    print("|---|---|" + "---|" * len(types))
    for size in sizes:
        mine = [r for r in rows if r["size"] == size]
        n = len(mine)
        for label, prefix in (
            ("icpkit build (all deals)", ""),
            ("within fit tiers (strata=)", "tiers_"),
            ("uncorrected peer", "naive_"),
        ):
            cells = []
            for signal_type in types:
                key = f"{prefix}{signal_type}"
                called = [r for r in mine if r.get(f"{key}_significant")]
                windows = Counter(r[f"{key}_window"] for r in called)
                text = ", ".join(f"{w}x{c}" for w, c in sorted(windows.items()))
                cells.append(f"{len(called)}/{n}" + (f" ({text})" if text else ""))
            print(f"| {size:,} | {label} | " + " | ".join(cells) + " |")
    print()
    for size in sizes:
        mine = [r for r in rows if r["size"] == size]
        halves = Counter(r["half_life"] for r in mine)
        seconds = {
            k: np.median([r[f"{k}_seconds"] for r in mine]) for k in ("build", "persona", "trigger")
        }
        print(
            f"{size:,} accounts: median seconds per CRM: build {seconds['build']:.1f} "
            f"(whole ICP), personas {seconds['persona']:.2f}, "
            f"triggers {seconds['trigger']:.2f}; learned half-lives: "
            + ", ".join(f"{h:g} d x{c}" for h, c in sorted(halves.items()))
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
                f"both {row['champion_both']!s:5} "
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
