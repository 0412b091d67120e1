"""Split closed accounts into training and held-out sets and measure a scorecard on the latter.

Out-of-time when deals have close dates (the model is trained on the past and judged on the most
recent deals, as it will be used); a stratified random hold-out otherwise. Never on training rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from icpkit.scorecard.model import TIER_NAMES, Calibration, Scorecard
from icpkit.stats import Z95, bootstrap_ratio_interval, fit_logistic, wilson_interval

IN_ICP_TIERS = ("A", "B")
TARGET_LIFT = 3.0  # the playbooks' bar: conversion inside the ICP at least 3x outside


@dataclass(frozen=True)
class Split:
    train: np.ndarray  # row positions
    test: np.ndarray
    method: str  # "out-of-time" or "random"
    cutoff: str | None = None  # first decision date in the held-out set


def split_holdout(
    decided_at: pd.Series | None, won: np.ndarray, *, share: float = 0.25, seed: int = 0
) -> Split:
    """The most recent ``share`` of decided accounts when dates exist, else a stratified draw."""
    won = np.asarray(won, dtype=int)
    n = len(won)
    dates = None if decided_at is None else pd.to_datetime(decided_at, errors="coerce")
    if dates is not None and dates.notna().mean() >= 0.9:
        order = np.argsort(dates.fillna(dates.min()).to_numpy(), kind="stable")
        cut = int(round(n * (1 - share)))
        test = np.sort(order[cut:])
        train = np.sort(order[:cut])
        if 0 < won[test].sum() < len(test) and 0 < won[train].sum() < len(train):
            cutoff = dates.iloc[order[cut]]
            return Split(train, test, "out-of-time", str(cutoff.date()))
    rng = np.random.default_rng(seed)
    test_parts = []
    for label in (0, 1):
        rows = np.flatnonzero(won == label)
        rng.shuffle(rows)
        test_parts.append(rows[: int(round(len(rows) * share))])
    test = np.sort(np.concatenate(test_parts))
    train = np.setdiff1d(np.arange(n), test)
    return Split(train, test, "random")


def evaluate(card: Scorecard, accounts: pd.DataFrame, won: np.ndarray, *, seed: int = 0) -> dict:
    """Everything a skeptic asks of a scorecard, measured on ``accounts`` (held-out rows)."""
    y = np.asarray(won, dtype=int)
    scored = card.apply(accounts)
    score = scored.score.astype(float)
    in_icp = np.isin(scored.tier, IN_ICP_TIERS) & ~scored.disqualified
    result: dict = {"accounts": int(len(y)), "won": int(y.sum())}
    result["auc"], result["auc_ci"] = _auc_with_interval(y, score)
    result["lift_in_vs_out"] = _lift(y, in_icp, seed)
    result["tiers"] = _tier_table(y, scored.tier)
    result["disqualified"] = _rate(y[scored.disqualified])
    result["precision_top_10"] = _top_share_rate(y, score, 0.10)
    result["precision_top_20"] = _top_share_rate(y, score, 0.20)
    with np.errstate(over="ignore"):  # a steep curve's exp overflows to a probability of 0
        probability = scored.probability()
    result["calibration"] = _calibration(y, probability)
    result["gains"] = _gains(y, score)
    result["three_x_rule"] = _three_x_verdict(result["lift_in_vs_out"])
    return result


def _rate(y: np.ndarray) -> dict:
    n, k = len(y), int(y.sum())
    low, high = wilson_interval(k, n)
    return {"accounts": n, "won": k, "win_rate": k / n if n else None, "ci": [low, high]}


def _auc_with_interval(y: np.ndarray, score: np.ndarray) -> tuple[float | None, list]:
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        return None, [None, None]
    auc = float(roc_auc_score(y, score))
    # Hanley & McNeil (1982) standard error: needs only the counts, and is close to DeLong's.
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    variance = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc**2) + (negatives - 1) * (q2 - auc**2)
    ) / (positives * negatives)
    half = Z95 * math.sqrt(max(variance, 0.0))
    return auc, [max(0.0, auc - half), min(1.0, auc + half)]


def _lift(y: np.ndarray, in_icp: np.ndarray, seed: int) -> dict:
    inside, outside = _rate(y[in_icp]), _rate(y[~in_icp])
    ratio = None
    if inside["win_rate"] is not None and outside["win_rate"]:
        ratio = inside["win_rate"] / outside["win_rate"]
    low, high = bootstrap_ratio_interval(y[in_icp], y[~in_icp], seed=seed)
    return {
        "definition": "tiers " + " and ".join(IN_ICP_TIERS) + ", not disqualified",
        "inside": inside,
        "outside": outside,
        "lift": ratio,
        "ci": [_finite(low), _finite(high)],
    }


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _tier_table(y: np.ndarray, tiers: np.ndarray) -> dict:
    return {name: _rate(y[tiers == name]) for name in TIER_NAMES}


def _top_share_rate(y: np.ndarray, score: np.ndarray, share: float) -> dict:
    k = max(1, int(math.ceil(len(y) * share)))
    top = np.argsort(-score, kind="stable")[:k]
    return _rate(y[top])


def _gains(y: np.ndarray, score: np.ndarray, steps: int = 10) -> list[dict]:
    """Cumulative gains: working the deals from the highest score down, the share of all wins
    found after each tenth of the deals, and the lift over working them at random."""
    if len(y) == 0 or y.sum() == 0:
        return []
    order = np.argsort(-score, kind="stable")
    wins = np.cumsum(y[order])
    rows = []
    for step in range(1, steps + 1):
        k = max(1, round(len(y) * step / steps))
        share_of_wins = float(wins[k - 1] / y.sum())
        share_of_deals = k / len(y)
        rows.append(
            {
                "share_of_deals": share_of_deals,
                "share_of_wins": share_of_wins,
                "lift": share_of_wins / share_of_deals,
            }
        )
    return rows


def _calibration(y: np.ndarray, probability: np.ndarray | None, groups: int = 10) -> dict | None:
    """Predicted vs observed win rate by decile of predicted probability, and the expected
    calibration error (the account-weighted mean gap)."""
    if probability is None or len(y) == 0:
        return None
    order = np.argsort(probability, kind="stable")
    rows = []
    error = 0.0
    for chunk in np.array_split(order, min(groups, len(y))):
        if len(chunk) == 0:
            continue
        predicted, observed = float(probability[chunk].mean()), float(y[chunk].mean())
        error += len(chunk) * abs(predicted - observed)
        rows.append({"accounts": int(len(chunk)), "predicted": predicted, "observed": observed})
    return {"expected_calibration_error": error / len(y), "groups": rows}


def _three_x_verdict(lift: dict) -> dict:
    ratio, low = lift["lift"], lift["ci"][0]
    if ratio is None:
        return {"met": False, "verdict": "Cannot tell: no accounts on one side of the ICP line."}
    if low is not None and low >= TARGET_LIFT:
        verdict = f"Met: accounts in the ICP win {ratio:.1f}x as often, and at least 3x is sure."
        met = True
    elif ratio >= TARGET_LIFT:
        verdict = (
            f"Likely: in-ICP accounts win {ratio:.1f}x as often, but the interval reaches "
            f"down to {low:.1f}x; confirm on the next 50-100 closed deals."
        )
        met = True
    else:
        verdict = (
            f"Not met: in-ICP accounts win {ratio:.1f}x as often as the rest (the bar is "
            "3x). Narrow the ICP: raise the tier cut-offs or add a disqualifier."
        )
        met = False
    return {"met": met, "verdict": verdict}


def held_out_calibration(
    card: Scorecard, accounts: pd.DataFrame, won: np.ndarray
) -> Calibration | None:
    """Score -> win probability, fitted on deals the card never saw (Platt scaling).

    The scorecard shipped after validation is refit on all deals by the same recipe, so its
    0-100 score means what the validated card's score meant; fitting the mapping on held-out
    deals keeps the probabilities from inheriting the training set's optimism. None when the
    held-out set is too small to fit two numbers (fewer than 5 won or 5 lost).
    """
    y = np.asarray(won, dtype=int)
    if min(y.sum(), len(y) - y.sum()) < 5:
        return None
    score = card.apply(accounts).score.astype(float)
    intercept, (slope,) = fit_logistic(score.reshape(-1, 1), y, l2=1e-6)
    return Calibration(intercept, float(slope))
