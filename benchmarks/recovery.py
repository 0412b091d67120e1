"""Does discovery find what was planted, and only that? Recovery on the simulator.

For every size (closed deals) and seed, simulate a CRM, keep exactly that many closed deals,
bin the company attributes and search segments as `icpkit build` does, and count:

- **planted found**: each planted attribute (industry, employees, Snowflake among the
  technologies) appearing in at least one significant ICP or anti-ICP segment;
- **anti-ICP found**: Government, Education and small companies (employees under 100 at
  most) each in a significant anti-ICP segment;
- **noise reported**: each noise attribute (country, region, crm_segment_code: no effect on any
  outcome) appearing in a significant segment or a significant bin of the win-rate profile.

A second table gives the ceiling: the raw p-value (Fisher, no correction at all) of each planted
condition tested alone, as if it were known in advance, and how often that oracle (five tests,
no search) would call each planted attribute, and all three, significant. No honest search can
find what these single tests cannot.

Run: `.venv/bin/python benchmarks/recovery.py` (20 seeds; `--seeds 5` for a quick look).
Prints markdown tables for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

PLANTED = ("industry", "employees", "snowflake")
NOISE = ("country", "region", "crm_segment_code")
ANTI = ("Government", "Education", "small companies")  # the planted anti-ICP
SIZES = (40, 100, 300, 1000)
ORACLE_BAR = 0.05 / 5  # the five planted conditions, known in advance, Bonferroni-corrected


def closed_sample(size: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """``size`` closed deals of a simulated CRM (seed ``seed``), joined to their accounts:
    the company columns and whether each deal was won."""
    from icpkit.outcomes import closed_deals
    from icpkit.simulate import simulate

    accounts = int(size * 1.2) + 40
    while True:
        crm = simulate(accounts, seed=seed)
        closed = closed_deals(crm.deals)
        if len(closed) >= size:
            break
        accounts = int(accounts * 1.3)
    labelled = closed.merge(crm.accounts, on="account_id", suffixes=("_deal", ""))
    labelled = labelled.sample(n=size, random_state=seed).reset_index(drop=True)
    return labelled[list(crm.accounts.columns)], labelled["won"].to_numpy(dtype=int)


def one_run(size: int, seed: int) -> dict:
    from icpkit.discover.binning import AttributeBinner
    from icpkit.discover.profiles import attribute_profiles
    from icpkit.discover.segments import find_segments

    features, won = closed_sample(size, seed)
    candidates = AttributeBinner().fit(features, won)
    search = find_segments(candidates, won, accounts=features)
    significant = [s for s in search.icp + search.anti if s.significant]
    in_segments = {a.column for s in significant for a in s.atoms}
    snowflake = any(
        a.column == "technologies" and "Snowflake" in (a.condition.values or ())
        for s in significant
        for a in s.atoms
    )
    profiles = attribute_profiles(candidates, float(won.mean()), won) if won.any() else []
    in_profiles = {p["column"] for p in profiles if any(b["significant"] for b in p["bins"])}
    found = {
        "industry": "industry" in in_segments,
        "employees": "employees" in in_segments,
        "snowflake": snowflake,
    }
    anti = {
        "Government": _anti_found(search, lambda a: "Government" in (a.condition.values or ())),
        "Education": _anti_found(search, lambda a: "Education" in (a.condition.values or ())),
        "small companies": _anti_found(
            search,
            lambda a: (
                a.column == "employees"
                and a.condition.min is None
                and a.condition.less_than is not None
                and a.condition.less_than <= 100
            ),
        ),
    }
    noise = {name: name in in_segments | in_profiles for name in NOISE}
    return {
        "size": size,
        "seed": seed,
        "won": int(won.sum()),
        "found": found,
        "anti": anti,
        "noise": noise,
        "oracle": _oracle_p_values(features, won),
    }


def _anti_found(search, planted) -> bool:
    """A significant anti-ICP segment with a condition the ``planted`` test recognises."""
    return any(s.significant and any(planted(a) for a in s.atoms) for s in search.anti)


def _oracle_p_values(labelled, won: np.ndarray) -> dict:
    """Raw p-values of the planted conditions, each tested alone as if known in advance."""
    from icpkit.simulate.planted import (
        ANTI_ICP_INDUSTRIES,
        ANTI_ICP_MAX_EMPLOYEES,
        ICP_EMPLOYEES,
        ICP_INDUSTRIES,
        ICP_TECHNOLOGY,
    )
    from icpkit.stats import proportion_test

    employees = labelled["employees"].to_numpy(dtype=float)
    conditions = {
        "industry": labelled["industry"].isin(ICP_INDUSTRIES).to_numpy(),
        "anti-ICP industries": labelled["industry"].isin(ANTI_ICP_INDUSTRIES).to_numpy(),
        "employees": (employees >= ICP_EMPLOYEES[0]) & (employees <= ICP_EMPLOYEES[1]),
        "small companies": employees <= ANTI_ICP_MAX_EMPLOYEES,
        "snowflake": labelled["technologies"]
        .map(lambda items: items is not None and ICP_TECHNOLOGY in list(items))
        .to_numpy(dtype=bool),
    }
    n, k = len(won), int(won.sum())
    out = {}
    for name, inside in conditions.items():
        n_in, k_in = int(inside.sum()), int(won[inside].sum())
        out[name] = proportion_test(k_in, n_in, k - k_in, n - n_in)
    return out


def summarise(runs: list[dict], size: int) -> dict:
    mine = [r for r in runs if r["size"] == size]
    found = np.array([[r["found"][p] for p in PLANTED] for r in mine], dtype=float)
    noise = np.array([[r["noise"][n] for n in NOISE] for r in mine], dtype=float)
    anti = np.array([[r["anti"][a] for a in ANTI] for r in mine], dtype=float)
    return {
        "anti": anti.mean(axis=0),
        "size": size,
        "runs": len(mine),
        "won": np.median([r["won"] for r in mine]),
        "planted_share": found.mean(),
        "per_planted": found.mean(axis=0),
        "all_planted": found.all(axis=1).mean(),
        "noise_share": noise.mean(),
        "any_noise_runs": noise.any(axis=1).mean(),
        "per_noise": noise.mean(axis=0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs = [(size, seed) for size in sizes for seed in range(args.seeds)]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(pool.map(one_run, *zip(*jobs, strict=True)))
    elapsed = time.perf_counter() - start
    print(f"{len(runs)} runs ({args.seeds} seeds x sizes {sizes}) in {elapsed:.0f} s\n")
    header = (
        "| closed deals | runs | median won | planted found | industry | employees | "
        "Snowflake | runs with all planted | noise attributes reported | runs with any "
        "noise | country | region | crm_segment_code |"
    )
    print(header)
    print("|" + "---|" * 13)
    for size in sizes:
        s = summarise(runs, size)
        cells = [
            f"{s['size']:,}",
            str(s["runs"]),
            f"{s['won']:.0f}",
            f"{s['planted_share']:.0%}",
            *[f"{v:.0%}" for v in s["per_planted"]],
            f"{s['all_planted']:.0%}",
            f"{s['noise_share']:.1%}",
            f"{s['any_noise_runs']:.0%}",
            *[f"{v:.0%}" for v in s["per_noise"]],
        ]
        print("| " + " | ".join(cells) + " |")
    print("\nThe planted anti-ICP: share of runs with a significant anti-ICP segment naming it")
    print("(Government, Education; small companies: employees under 100 at most)\n")
    print("| closed deals | " + " | ".join(ANTI) + " |")
    print("|---|" + "---|" * len(ANTI))
    for size in sizes:
        s = summarise(runs, size)
        print(f"| {size:,} | " + " | ".join(f"{v:.0%}" for v in s["anti"]) + " |")
    print("\nCeiling: median raw p-value of each planted condition tested alone, known in advance")
    print("(share of runs below 1e-4 in brackets)\n")
    names = list(runs[0]["oracle"])
    print("| closed deals | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for size in sizes:
        mine = [r["oracle"] for r in runs if r["size"] == size]
        cells = []
        for name in names:
            p = np.array([m[name] for m in mine])
            cells.append(f"{np.median(p):.1g} ({(p < 1e-4).mean():.0%})")
        print(f"| {size:,} | " + " | ".join(cells) + " |")
    print(
        "\nWhat even that oracle finds: share of runs in which each planted attribute has a"
        "\nplanted condition below 0.05 / 5 (Bonferroni over the five planted conditions, no"
        "\nsearch at all), and in which all three do\n"
    )
    print("| closed deals | industry | employees | snowflake | all three |")
    print("|---|---|---|---|---|")
    for size in sizes:
        mine = [r["oracle"] for r in runs if r["size"] == size]
        hit = np.array(
            [
                [
                    min(m["industry"], m["anti-ICP industries"]) < ORACLE_BAR,
                    min(m["employees"], m["small companies"]) < ORACLE_BAR,
                    m["snowflake"] < ORACLE_BAR,
                ]
                for m in mine
            ]
        )
        cells = [f"{v:.0%}" for v in hit.mean(axis=0)] + [f"{hit.all(axis=1).mean():.0%}"]
        print(f"| {size:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
