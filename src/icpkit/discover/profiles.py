"""Win rate per attribute bin, with an interval and a rate shrunk toward the base rate."""

from __future__ import annotations

from icpkit.discover.binning import Candidate
from icpkit.stats import proportion_test, shrunk_rate, wilson_interval


def attribute_profiles(candidates: list[Candidate], base_rate: float) -> list[dict]:
    """One entry per attribute, strongest first, each bin with its counts and rates."""
    total_won = None
    profiles = []
    for cand in sorted(candidates, key=lambda c: -c.iv):
        total = int(cand.counts.sum())
        total_won = int(cand.wins.sum())
        bins = []
        for j, label in enumerate(cand.labels):
            n, k = int(cand.counts[j]), int(cand.wins[j])
            if n == 0:
                continue
            low, high = wilson_interval(k, n)
            bins.append(
                {
                    "label": label,
                    "accounts": n,
                    "won": k,
                    "win_rate": k / n,
                    "ci": [low, high],
                    "shrunk_win_rate": float(shrunk_rate(k, n, base_rate)),
                    "lift": (k / n) / base_rate if base_rate else None,
                    "p_value": proportion_test(k, n, total_won - k, total - n),
                }
            )
        profiles.append(
            {
                "attribute": cand.name,
                "column": cand.column,
                "kind": cand.kind,
                "information_value": round(cand.iv, 4),
                "strength": _strength(cand.iv),
                "bins": bins,
            }
        )
    return profiles


def _strength(iv: float) -> str:
    # The credit-scoring rule of thumb for information value, in words.
    if iv < 0.02:
        return "none"
    if iv < 0.1:
        return "weak"
    if iv < 0.3:
        return "medium"
    return "strong"
