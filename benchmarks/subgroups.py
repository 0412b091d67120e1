"""icpkit's segment search against pysubgroup's beam search, and discovery at 100,000 deals.

Part 1, quality and time: on the same simulated closed deals (3,000 accounts, several seeds),
icpkit (optimal binning + its search of conditions, pairs and beam-extended triples) and
pysubgroup's BeamSearch (depth 3, beam width 50, equal-frequency numeric intervals) each rank
segments by weighted relative accuracy, WRAcc = coverage x (win rate inside - base rate), the
quality both optimise. Compared: the WRAcc of the best segment and the mean of the top ten,
and the wall time of each (binning and selector creation included).

Part 2, scale: discovery (binning every attribute, then the segment search) on 100,000 closed
deals with 40 attribute columns: the simulator's ten company columns plus thirty more (numbers
and categories, some tied to company size, some pure noise).

Run: `make bench-deps && .venv/bin/python benchmarks/subgroups.py` (pysubgroup is installed by
`make bench-deps`, without its numpy<2 pin). `--seeds 1 --skip-scale` for a quick look.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

TOP = 10


def closed_deals_table(n_accounts: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, list]:
    from icpkit.outcomes import closed_deals
    from icpkit.simulate import simulate

    crm = simulate(n_accounts, seed=seed)
    labelled = closed_deals(crm.deals).merge(crm.accounts, on="account_id", suffixes=("", "_a"))
    columns = [c for c in crm.accounts.columns if c not in ("account_id", "name", "domain")]
    return labelled[columns].reset_index(drop=True), labelled["won"].to_numpy(int), columns


def icpkit_search(features: pd.DataFrame, won: np.ndarray):
    from icpkit.discover.binning import AttributeBinner
    from icpkit.discover.segments import find_segments

    start = time.perf_counter()
    candidates = AttributeBinner().fit(features, won)
    binned = time.perf_counter()
    search = find_segments(candidates, won, accounts=features, keep_all=True)
    done = time.perf_counter()
    qualities = sorted((s.quality for s in search.evaluated if s.quality > 0), reverse=True)
    search.candidates = candidates  # kept for the outcome profiles at scale
    return qualities[:TOP], binned - start, done - binned, search


def pysubgroup_search(features: pd.DataFrame, won: np.ndarray) -> tuple[list[float], float]:
    import pysubgroup as ps

    from icpkit.conditions import to_list

    start = time.perf_counter()
    data = features.drop(columns=["technologies"]).copy()
    # The same technologies icpkit considers (the 30 most common) as yes/no columns.
    lists = features["technologies"].map(to_list)
    common = lists.explode().dropna().value_counts().index[:30]
    for tech in common:
        data[f"uses_{tech}"] = lists.map(lambda items, t=tech: bool(items) and t in items)
    for column in data.columns:
        if data[column].dtype == object or str(data[column].dtype).startswith("str"):
            data[column] = data[column].astype(object).fillna("unknown")
    data["won"] = won.astype(bool)
    target = ps.BinaryTarget("won", True)
    selectors = ps.create_selectors(data, nbins=6, ignore=["won"])
    task = ps.SubgroupDiscoveryTask(
        data, target, selectors, result_set_size=TOP, depth=3, qf=ps.WRAccQF()
    )
    result = ps.BeamSearch(beam_width=50).execute(task)
    elapsed = time.perf_counter() - start
    qualities = sorted((float(q) for q, _ in result.to_descriptions()), reverse=True)
    return qualities[:TOP], elapsed


def quality_part(seeds: list[int], n_accounts: int) -> None:
    print(f"## Segment quality against pysubgroup ({n_accounts:,} simulated accounts)\n")
    print(
        "| seed | closed deals | icpkit best WRAcc | pysubgroup best | icpkit top-10 mean | "
        "pysubgroup top-10 mean | icpkit s | pysubgroup s | time ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    ratios, wins = [], 0
    for seed in seeds:
        features, won, _ = closed_deals_table(n_accounts, seed)
        ours, bin_s, search_s, _ = icpkit_search(features, won)
        theirs, their_s = pysubgroup_search(features, won)
        our_s = bin_s + search_s
        ratios.append(their_s / our_s)
        wins += np.mean(ours) >= np.mean(theirs) - 1e-12
        print(
            f"| {seed} | {len(won):,} | {ours[0]:.4f} | {theirs[0]:.4f} | {np.mean(ours):.4f} | "
            f"{np.mean(theirs):.4f} | {our_s:.1f} | {their_s:.1f} | {their_s / our_s:.1f}x |"
        )
    print(
        f"\nicpkit's top-10 mean WRAcc equal or better in {wins} of {len(seeds)} seeds; "
        f"pysubgroup took {np.median(ratios):.1f}x icpkit's time (median).\n"
    )


def scale_table(n_accounts: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Closed deals of a simulated CRM with 40 attribute columns, and its customers table."""
    from icpkit.outcomes import closed_deals
    from icpkit.simulate import simulate

    crm = simulate(n_accounts, seed=seed)
    labelled = closed_deals(crm.deals).merge(crm.accounts, on="account_id", suffixes=("", "_a"))
    rng = np.random.default_rng(seed)
    n = len(labelled)
    size = np.log1p(labelled["employees"].fillna(50).to_numpy(float))
    extra = {}
    for i in range(15):
        tied = i % 3 == 0  # every third number follows company size, the rest are noise
        values = np.exp(rng.normal(0, 1, n) + (0.8 * size if tied else 0))
        values[rng.random(n) < 0.05] = np.nan
        extra[f"metric_{i}"] = values
    for i in range(15):
        levels = np.array([f"L{j}" for j in range(5 + i)], dtype=object)
        extra[f"category_{i}"] = levels[rng.integers(0, len(levels), n)]
    labelled = pd.concat([labelled, pd.DataFrame(extra, index=labelled.index)], axis=1)
    return labelled, crm.customers


def scale_part(n_deals: int, seed: int) -> None:
    from icpkit.discover.best_worst import best_vs_worst, success_table
    from icpkit.discover.clusters import cluster_won_accounts
    from icpkit.discover.intersection import icp_intersection
    from icpkit.discover.outcomes import outcome_tables, profile_outcomes

    labelled, customers = scale_table(int(n_deals * 1.06) + 500, seed)
    labelled = labelled.iloc[:n_deals].reset_index(drop=True)
    columns = [
        c
        for c in labelled.columns
        if c not in ("account_id", "name", "domain", "deal_id", "won", "decided_at")
        and c not in ("cycle_days", "amount", "source", "stage", "lost_reason")
    ]
    features, won = labelled[columns], labelled["won"].to_numpy(int)
    _, bin_s, search_s, search = icpkit_search(features, won)
    total = bin_s + search_s
    print(f"## Discovery at scale ({os.cpu_count()} cores)\n")
    print("| closed deals | attribute columns | binning s | segment search s | total s |")
    print("|---|---|---|---|---|")
    print(f"| {len(won):,} | {len(columns)} | {bin_s:.1f} | {search_s:.1f} | {total:.1f} |")
    print(
        f"\nLooked at {search.tried:,} segments; {sum(s.significant for s in search.icp)} "
        f"significant ICP and {sum(s.significant for s in search.anti)} anti-ICP on the list; "
        f"{'under' if total < 60 else 'OVER'} a minute.\n"
    )
    timings = {}
    start = time.perf_counter()
    outcomes, skipped = outcome_tables(labelled, columns, customers)
    profiled = profile_outcomes(outcomes, skipped, win_candidates=search.candidates)
    timings["outcome profiles (5 more outcomes binned, as build does)"] = (
        time.perf_counter() - start
    )
    start = time.perf_counter()
    icp_intersection(profiled)
    timings[f"intersection ({len(profiled.findings)} findings cross-checked)"] = (
        time.perf_counter() - start
    )
    start = time.perf_counter()
    best_vs_worst(*success_table(labelled, columns, customers))
    timings["best vs worst"] = time.perf_counter() - start
    start = time.perf_counter()
    cluster_won_accounts(labelled[labelled["won"] == 1], columns)
    timings["clusters of won accounts"] = time.perf_counter() - start
    print("Beyond the win rate, on the same deals with the simulator's customers table:\n")
    print("| analysis | s |")
    print("|---|---|")
    for name, seconds in timings.items():
        print(f"| {name} | {seconds:.1f} |")
    print(f"| total | {sum(timings.values()):.1f} |\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    quality_part(list(range(1, args.seeds + 1)), args.accounts)
    if not args.skip_scale:
        scale_part(args.deals, seed=0)


if __name__ == "__main__":
    main()
