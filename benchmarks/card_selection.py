"""Which columns does the learned card use? Planted signal in, noise out, on the simulator.

For each seed, simulate a CRM, keep 2,000 closed deals (or ``--deals``), and learn the card
exactly as `icpkit build` does (company attributes, every closed deal). Count, over the seeds:

- **planted in the card**: each planted attribute (industry, employees or its stated proxy
  annual revenue, Snowflake among the technologies) used by at least one row of the card;
- **noise in the card**: cards with a row on a noise attribute (country, region,
  crm_segment_code: no effect on any outcome, drawn independently of everything else).

Run: `.venv/bin/python benchmarks/card_selection.py` (20 seeds; `--seeds 5` for a quick look).
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

from recovery import NOISE, closed_sample


def one_card(seed: int, deals: int) -> dict:
    from icpkit.scorecard.learn import ScorecardLearner

    features, won = closed_sample(deals, seed)
    card = ScorecardLearner(seed=seed).fit(features, won)
    columns = {column for a in card.attributes for column, _ in a.columns}
    snowflake = any(
        a.column == "technologies" and any("snowflake" in b.label.casefold() for b in a.bins)
        for a in card.attributes
    )
    return {
        "seed": seed,
        "rows": len(card.attributes),
        "industry": "industry" in columns,
        "employees": bool(columns & {"employees", "annual_revenue"}),
        "snowflake": snowflake,
        "noise": sorted(columns & set(NOISE)),
        "columns": sorted(columns),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--deals", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        runs = list(pool.map(one_card, range(1, args.seeds + 1), [args.deals] * args.seeds))
    for run in runs:
        print(f"seed {run['seed']}: {run['rows']} rows: {', '.join(run['columns'])}")
    n = len(runs)
    print()
    print(
        "| closed deals | seeds | industry | employees (or revenue) | Snowflake "
        "| cards with noise |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.deals:,} | {n} | {sum(r['industry'] for r in runs)}/{n} | "
        f"{sum(r['employees'] for r in runs)}/{n} | {sum(r['snowflake'] for r in runs)}/{n} | "
        f"{sum(bool(r['noise']) for r in runs)}/{n} |"
    )
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
