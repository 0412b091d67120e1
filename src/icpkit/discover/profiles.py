"""Win rate per attribute bin, with an interval, a rate shrunk toward the base rate, and a
test against the rest corrected for every bin the binning could have produced (weighted Holm,
see :func:`icpkit.discover.segments.bin_weights`): the bins were placed by looking at the
outcome, so counting only the bins shown would flatter them."""

from __future__ import annotations

import numpy as np

from icpkit.discover.binning import Candidate
from icpkit.discover.segments import bin_weights
from icpkit.stats import proportion_test, shrunk_rate, weighted_holm, wilson_interval

ALPHA = 0.05


def attribute_profiles(candidates: list[Candidate], base_rate: float) -> list[dict]:
    """One entry per attribute, strongest first, each bin with its counts and rates.

    Each bin has ``accounts`` (closed deals in it), ``won``, ``win_rate`` with its 95% Wilson
    ``ci``, ``shrunk_win_rate`` (pulled toward ``base_rate`` as if 10 more deals at the base
    rate: a bin of 3 wins in 3 deals does not read 100%), ``lift``, and ``p_value``,
    ``p_adjusted`` and ``significant`` for its win rate against the rest of the deals.
    """
    profiles = []
    weights = []
    for cand, bin_weight in sorted(
        zip(candidates, bin_weights(candidates), strict=True), key=lambda c: -c[0].iv
    ):
        total = int(cand.counts.sum())
        total_won = int(cand.wins.sum())
        bins = []
        for j, label in enumerate(cand.labels):
            n, k = int(cand.counts[j]), int(cand.wins[j])
            if n == 0:
                continue
            low, high = wilson_interval(k, n)
            weights.append(bin_weight[j])
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
    _correct([b for p in profiles for b in p["bins"]], np.array(weights))
    return profiles


def _correct(bins: list[dict], weights: np.ndarray) -> None:
    adjusted = weighted_holm(np.array([b["p_value"] for b in bins]), weights)
    for b, p in zip(bins, adjusted, strict=True):
        b["p_adjusted"] = float(p)
        b["significant"] = bool(p < ALPHA)


def _strength(iv: float) -> str:
    # The credit-scoring rule of thumb for information value, in words.
    if iv < 0.02:
        return "none"
    if iv < 0.1:
        return "weak"
    if iv < 0.3:
        return "medium"
    return "strong"
