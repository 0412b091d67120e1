"""Why we win and lose, measured on 20 simulated CRMs whose answers are planted.

For each seed: simulate 3,000 accounts, build with their notes, and check what the build says.

- themes: the planted pain and trigger themes are found when a theme that holds (more common in
  won deals after Holm) fills the right row ("pain" / "trigger") and has at least two of the
  planted theme's key terms among its top terms; a noise theme is *reported* when any theme
  that holds (either direction) has two of a noise theme's key terms;
- competitor: the defending competitor is named when an anti-ICP entry that takes in
  Government lists it under ``defended_by``, or the competitors' strongholds name it on
  Government;
- shuffled: the same notes with won/lost shuffled among the closed deals must give "not enough
  evidence" (no theme holds);
- scale: a corpus of at least 10,000 notes, timed through reading, linking and themes.

Run: ``PYTHONPATH=src python benchmarks/winloss.py [--seeds 20] [--accounts 3000]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from icpkit.build import build_icp
from icpkit.discover.notes import Notes, link_notes
from icpkit.discover.themes import find_themes
from icpkit.simulate import simulate


def as_notes(crm) -> Notes:
    frame = crm.notes.assign(source=crm.notes["note_id"], domain="")
    columns = ["note_id", "source", "deal_id", "account_id", "domain", "text"]
    return Notes(frame[columns].astype(str), "simulated")


def deals_with_details(crm):
    return crm.deals.merge(crm.deal_details, on="deal_id", how="left")


def matches(theme: dict, key_terms) -> bool:
    return len(set(theme["terms"]) & set(key_terms)) >= 2


def judge_themes(notes_json: dict, truth: dict) -> dict:
    planted = truth["notes"]["planted_themes"]
    noise = truth["notes"]["noise_themes"]
    themes = {t["theme"]: t for t in notes_json["themes"]}
    found = {}
    for name in ("pain", "trigger", "use_case"):
        spec = planted[name]
        ids = notes_json["rows"][spec["row"]]
        found[name] = any(matches(themes[i], spec["key_terms"]) for i in ids)
    held = [t for t in themes.values() if t["significant"]]
    found["noise"] = any(matches(t, n["key_terms"]) for t in held for n in noise.values())
    return found


def defended_named(winloss: dict, truth: dict) -> bool:
    defender = truth["defended"]["competitor"]
    industry = truth["defended"]["segment"][0]["values"][0]
    for entry in winloss["anti_icp"]:
        takes_in = any(
            c["attribute"].lower() == "industry" and industry in c.get("values", [])
            for c in entry["conditions"]
        )
        if takes_in and any(d["competitor"] == defender for d in entry["defended_by"]):
            return True
    return any(
        s["attribute"] == "industry"
        and s["value"] == industry
        and any(d["competitor"] == defender for d in s["defended_by"])
        for s in winloss["competitors"]["strongholds"]
    )


def shuffled_holds(crm, seed: int) -> bool:
    rng = np.random.default_rng(1000 + seed)
    deals = crm.deals.copy()
    closed = deals["outcome"].isin(["won", "lost"]).to_numpy()
    deals.loc[closed, "outcome"] = rng.permutation(deals.loc[closed, "outcome"].to_numpy())
    linked = link_notes(as_notes(crm), deals, crm.accounts)
    report = find_themes(linked, seed=0)
    return any(t.direction is not None for t in report.themes)


def scale(accounts: int) -> None:
    crm = simulate(accounts, seed=99)
    notes = as_notes(crm)
    start = time.perf_counter()
    linked = link_notes(notes, crm.deals, crm.accounts)
    report = find_themes(linked, seed=0)
    seconds = time.perf_counter() - start
    print(
        f"scale: {len(notes.frame):,} notes ({report.units}) analysed in {seconds:.1f} s; "
        f"{sum(t.direction == 'won' for t in report.themes)} themes hold"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--scale-accounts", type=int, default=23_000)
    args = parser.parse_args()
    tally = {"pain": 0, "trigger": 0, "use_case": 0, "noise": 0, "defended": 0, "shuffled": 0}
    for seed in range(args.seeds):
        crm = simulate(args.accounts, seed=seed)
        built = build_icp(crm.accounts, deals_with_details(crm), notes=as_notes(crm), seed=0)
        found = judge_themes(built.winloss["notes"], crm.truth["winloss"])
        found["defended"] = defended_named(built.winloss, crm.truth["winloss"])
        found["shuffled"] = shuffled_holds(crm, seed)
        for key, value in found.items():
            tally[key] += int(value)
        print(f"seed {seed:2d}: " + ", ".join(f"{k}={int(v)}" for k, v in found.items()))
    n = args.seeds
    print(
        f"over {n} seeds: pain found {tally['pain']}/{n}, trigger {tally['trigger']}/{n}, "
        f"use case {tally['use_case']}/{n}; a noise theme reported in {tally['noise']}/{n}; "
        f"defending competitor named {tally['defended']}/{n}; shuffled outcomes: a theme held "
        f"in {tally['shuffled']}/{n} (not enough evidence in {n - tally['shuffled']}/{n})"
    )
    scale(args.scale_accounts)


if __name__ == "__main__":
    main()
