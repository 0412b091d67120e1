"""Win rate per attribute bin, with an interval, a rate shrunk toward the base rate, and a
test against the rest corrected exactly as the segment search corrects a single condition
(see :class:`icpkit.discover.single_conditions.SingleConditions`): one test per column of
whether it matters at all, Holm across columns, then each bin against what the best condition
of its column could do by chance. A bin in profiles.json and the same condition in segments.json
carry the same verdict."""

from __future__ import annotations

import numpy as np

from icpkit.discover.binning import Candidate
from icpkit.discover.single_conditions import bin_verdicts
from icpkit.stats import proportion_test, shrunk_rate, wilson_interval

ALPHA = 0.05


def attribute_profiles(
    candidates: list[Candidate], base_rate: float, won: np.ndarray | None = None
) -> list[dict]:
    """One entry per attribute, strongest first, each bin with its counts and rates.

    Each bin has ``accounts`` (closed deals in it), ``won``, ``win_rate`` with its 95% Wilson
    ``ci``, ``shrunk_win_rate`` (pulled toward ``base_rate`` as if 10 more deals at the base
    rate: a bin of 3 wins in 3 deals does not read 100%), ``lift``, and ``p_value``,
    ``p_adjusted`` and ``significant`` for its win rate against the rest of the deals.
    ``won`` (1/0 per row the candidates were binned on) is needed for the correction; without
    it every bin reads not significant.
    """
    adjusted = bin_verdicts(candidates, won) if won is not None else None
    profiles = []
    order = sorted(range(len(candidates)), key=lambda i: -candidates[i].iv)
    for i in order:
        cand = candidates[i]
        total = int(cand.counts.sum())
        total_won = int(cand.wins.sum())
        bins = []
        for j, label in enumerate(cand.labels):
            n, k = int(cand.counts[j]), int(cand.wins[j])
            if n == 0:
                continue
            low, high = wilson_interval(k, n)
            p_value = proportion_test(k, n, total_won - k, total - n)
            p_adjusted = 1.0 if adjusted is None else max(float(adjusted[i][j]), p_value)
            bins.append(
                {
                    "label": label,
                    "accounts": n,
                    "won": k,
                    "win_rate": k / n,
                    "ci": [low, high],
                    "shrunk_win_rate": float(shrunk_rate(k, n, base_rate)),
                    "lift": (k / n) / base_rate if base_rate else None,
                    "p_value": p_value,
                    "p_adjusted": p_adjusted,
                    "significant": bool(p_adjusted < ALPHA),
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
