"""The ICP as the intersection of what wins, stays, expands and closes fast; the anti-ICP as
what loses, churns or drags on; and the trade-offs where outcomes disagree.

Each bin that differs from the rest on one outcome (an outcome profile's finding, after Holm)
is measured on every other outcome too. On the other outcomes a verdict needs its own evidence:
Holm's correction over every (condition, outcome) pair cross-checked. Then a condition is

- **ICP** when it is better on at least one of win, retention, expansion and cycle, and worse
  on none;
- **anti-ICP** when it is worse on at least one of those and better on none (a candidate
  disqualifier, with the counts behind it);
- a **trade-off** when it is better on some and worse on others ("wins more often but churns
  more"): shown, never averaged away.

A condition that only buys larger or smaller deals (deal size, lifetime value) and differs on
nothing else is listed apart (``value_only``): that mostly restates company size.

The intersection itself is the conjunction of the strongest ICP conditions on different
attributes, measured on every outcome at once.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from icpkit.discover.outcomes import ALPHA, Finding, OutcomeProfiles, condition_json
from icpkit.stats import holm_adjust

MAX_CONDITIONS = 3  # in the intersection: beyond three, the segment is too small to measure
MIN_SHARE = 0.05  # of closed deals the intersection must keep (and MIN_DEALS)
MIN_DEALS = 20
CORE = ("win", "retention", "expansion", "cycle")  # what an ICP must do: win, stay, grow, close
PER_ATTRIBUTE = 2  # conditions of one attribute listed as ICP or anti-ICP

# How each outcome reads when a group does better or worse than the rest.
WORDS = {
    "win": ("wins more often", "wins less often"),
    "retention": ("stays longer", "churns more"),
    "expansion": ("expands more", "expands less"),
    "cycle": ("closes faster", "takes longer to close"),
    "deal_size": ("buys larger deals", "buys smaller deals"),
    "lifetime_value": ("brings more lifetime revenue", "brings less lifetime revenue"),
}


def icp_intersection(profiles: OutcomeProfiles, redundant: Collection[str] = ()) -> dict:
    """ICP conditions, trade-offs, anti-ICP candidates and the intersection segment, as plain
    data (see the module docstring). Columns in ``redundant`` (those that add nothing beyond
    the others, :func:`icpkit.discover.redundancy.redundant_attributes`) stay in the lists but
    are not used for the intersection, as the headline ICP does not use them."""
    conditions = _distinct(profiles.findings)
    verdicts = _cross_check(conditions, profiles)
    icp, anti, tradeoffs, value_only = [], [], [], []
    for finding, verdict in zip(conditions, verdicts, strict=True):
        record = _record(finding, verdict, profiles)
        if record["better_on"] and record["worse_on"]:
            record["text"] = _tradeoff_text(record)
            tradeoffs.append(record)
        elif set(record["better_on"]) & set(CORE):
            icp.append(record)
        elif set(record["worse_on"]) & set(CORE):
            anti.append(record | {"counts": _counts(record)})
        else:  # only bigger or smaller deals: mostly company size, not fit
            value_only.append(record)
    icp.sort(key=lambda r: _rank(r, "better"))
    anti.sort(key=lambda r: _rank(r, "worse"))
    tradeoffs.sort(key=lambda r: -(len(r["better_on"]) + len(r["worse_on"])))
    return {
        "outcomes": [o.name for o in profiles.outcomes],
        "intersection": _intersection(conditions, icp, profiles, set(redundant)),
        "icp": _per_attribute(icp),
        "anti_icp": _per_attribute(anti),
        "tradeoffs": tradeoffs,
        "value_only": _per_attribute(value_only),
    }


def _per_attribute(records: list[dict], keep: int = PER_ATTRIBUTE) -> list[dict]:
    """The strongest few conditions of each attribute: "201+ employees", "167+" and "112+"
    found on three outcomes say one thing."""
    seen: dict[str, int] = {}
    out = []
    for record in records:
        attribute = record["description"].split(":")[0]
        seen[attribute] = seen.get(attribute, 0) + 1
        if seen[attribute] <= keep:
            out.append(record)
    return out


def _distinct(findings: list[Finding]) -> list[Finding]:
    """One entry per (column, condition): two outcomes may find the very same bin."""
    seen: dict[tuple, Finding] = {}
    for f in findings:
        seen.setdefault((f.column, f.kind, f.condition), f)
    return list(seen.values())


def _cross_check(conditions: list[Finding], profiles: OutcomeProfiles) -> list[dict]:
    """Every condition on every outcome: the effect, and a verdict after Holm's correction
    over all the cross-checks (the outcome that found a condition keeps its own verdict)."""
    effects: list[dict] = [{} for _ in conditions]
    checks: list[tuple[int, str]] = []
    for i, finding in enumerate(conditions):
        for outcome in profiles.outcomes:
            inside = outcome.mask(finding.column, finding.kind, finding.condition)
            if not inside.any() or inside.all():
                continue
            effects[i][outcome.name] = outcome.effect(inside)
            if outcome.name != finding.outcome:
                checks.append((i, outcome.name))
    p = np.array([effects[i][name]["p_value"] for i, name in checks])
    for (i, name), p_adjusted in zip(checks, holm_adjust(p), strict=True):
        effects[i][name]["p_adjusted"] = float(p_adjusted)
    for i, finding in enumerate(conditions):
        own = effects[i].get(finding.outcome)
        if own is not None:
            own["p_adjusted"] = finding.p_adjusted
        for effect in effects[i].values():
            significant = effect.get("p_adjusted", 1.0) < ALPHA
            effect["verdict"] = effect["direction"] if significant else "no clear difference"
    return effects


def _record(finding: Finding, effects: dict, profiles: OutcomeProfiles) -> dict:
    order = [o.name for o in profiles.outcomes]
    better = [name for name in order if effects.get(name, {}).get("verdict") == "better"]
    worse = [name for name in order if effects.get(name, {}).get("verdict") == "worse"]
    return {
        "description": f"{finding.attribute}: {finding.label}",
        "conditions": [condition_json(finding.column, finding.condition)],
        "found_on": finding.outcome,
        "better_on": better,
        "worse_on": worse,
        "evidence": effects,
    }


def _tradeoff_text(record: dict) -> str:
    good = [_phrase(record, name, 0) for name in record["better_on"]]
    bad = [_phrase(record, name, 1) for name in record["worse_on"]]
    return f"{record['description']}: {_join(good)}, but {_join(bad)}."


def _phrase(record: dict, outcome: str, which: int) -> str:
    effect = record["evidence"][outcome]
    words = WORDS.get(outcome, (f"better {outcome}", f"worse {outcome}"))[which]
    if "rate" in effect:
        return f"{words} ({effect['rate']:.0%} vs {effect['rest_rate']:.0%})"
    return f"{words} (median {effect['median']:,.0f} vs {effect['rest_median']:,.0f})"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _rank(record: dict, verdict: str) -> tuple:
    """ICP: most of the four outcomes that define an ICP first (wins, stays, expands, closes
    fast), then the largest effect on them. Anti-ICP: the largest effect on them first. Deal
    size and lifetime value break ties, since they mostly restate company size."""
    key = "better_on" if verdict == "better" else "worse_on"
    core = [name for name in record[key] if name in CORE]
    if verdict == "worse":  # a disqualifier is judged by how badly it does, first
        return (-_strength(record, verdict, CORE), -len(core), -_strength(record, verdict))
    return (-len(core), -_strength(record, verdict, CORE), -_strength(record, verdict))


def _strength(record: dict, verdict: str, among: tuple[str, ...] | None = None) -> float:
    """How far the condition moves its outcomes, summed: |log| of lift or median ratio."""
    total = 0.0
    for name, effect in record["evidence"].items():
        if effect.get("verdict") != verdict or (among is not None and name not in among):
            continue
        ratio = effect.get("lift") if "lift" in effect else effect.get("ratio")
        if ratio and ratio > 0:
            total += abs(float(np.log(ratio)))
    return total


def _counts(record: dict) -> dict:
    """The counts a reader checks a disqualifier against: deals won and lost, customers
    churned, inside the condition."""
    out: dict[str, Any] = {}
    win = record["evidence"].get("win")
    if win:
        out |= {"deals": win["rows"], "won": win["count"], "lost": win["rows"] - win["count"]}
    stay = record["evidence"].get("retention")
    if stay:
        out |= {"customers": stay["rows"], "churned": stay["rows"] - stay["count"]}
    return out


def _intersection(
    conditions: list[Finding], icp: list[dict], profiles: OutcomeProfiles, redundant: set[str]
) -> dict | None:
    """The strongest ICP conditions that win, on different attributes, taken together while
    the group keeps enough closed deals, measured on every outcome against everyone else."""
    by_description = {f"{f.attribute}: {f.label}": f for f in conditions}
    win = profiles.outcome("win")
    if win is None or not icp:
        return None
    floor = max(MIN_DEALS, int(MIN_SHARE * win.rows))
    chosen: list[Finding] = []
    inside = np.ones(win.rows, dtype=bool)
    for record in icp:
        if "win" not in record["better_on"]:
            continue  # the ICP must win
        finding = by_description[record["description"]]
        if finding.column in redundant or any(f.attribute == finding.attribute for f in chosen):
            continue
        narrower = inside & win.mask(finding.column, finding.kind, finding.condition)
        if narrower.sum() < floor:
            continue
        chosen.append(finding)
        inside = narrower
        if len(chosen) == MAX_CONDITIONS:
            break
    if not chosen:
        return None
    evidence = {}
    for outcome in profiles.outcomes:
        mask = np.logical_and.reduce([outcome.mask(f.column, f.kind, f.condition) for f in chosen])
        if mask.any() and not mask.all():
            evidence[outcome.name] = outcome.effect(mask)
    return {
        "description": " and ".join(f"{f.attribute}: {f.label}" for f in chosen),
        "conditions": [condition_json(f.column, f.condition) for f in chosen],
        "evidence": evidence,
        "note": (
            "Conditions chosen because each is better on at least one outcome and worse on "
            "none; the group's own differences are measured here without a further correction."
        ),
    }
