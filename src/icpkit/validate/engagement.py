"""Engagement scored apart from fit: how much a prospect is engaging, never blended into who
they are.

Page views, visits, time on site, opens and activities say that a deal is moving, not that the
company fits: a poor-fit account that opens every email is still a poor fit, and a perfect fit
that has not visited yet is still worth pursuing. So engagement gets its own learned card (the
same learner, on the engagement columns only), its own held-out proof, and meets fit only in the
fit tier x engagement level matrix, as the timing score does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from icpkit.scorecard.learn import ScorecardLearner
from icpkit.scorecard.model import Scorecard, Tiers
from icpkit.stats import auc, wilson_interval

LEVELS = ("high", "medium", "low")
# Engagement levels split the training deals into thirds by engagement score.
LEVEL_SHARES = (1 / 3, 1 / 3)
MIN_EACH_OUTCOME = 10


@dataclass
class EngagementResult:
    """The engagement card and what held-out deals say about it and about fit x engagement."""

    scorecard: Scorecard
    report: dict[str, Any]


def engagement_model(
    features: pd.DataFrame,
    won: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    fit_tiers: np.ndarray,
    *,
    seed: int = 0,
) -> EngagementResult | None:
    """Learn an engagement card from ``features`` (engagement columns only) on the ``train``
    rows, measure it on the ``test`` rows, refit it on every row, and cross it with
    ``fit_tiers`` (the fit tier of every row, from the fit card). None when there are no
    engagement columns or too few won and lost deals to learn from."""
    y = np.asarray(won, dtype=int)
    if features.shape[1] == 0 or min(y[train].sum(), len(train) - y[train].sum()) < (
        MIN_EACH_OUTCOME
    ):
        return None
    try:
        trial = ScorecardLearner(seed=seed).fit(
            features.iloc[train], y[train], name="Engagement score"
        )
        card = ScorecardLearner(seed=seed).fit(features, y, name="Engagement score")
    except ValueError:  # every engagement column blank or constant
        return None
    card = replace(card, tiers=_level_cuts(card.apply(features).score), disqualifiers=())
    held_out = trial.apply(features.iloc[test]).score
    report: dict[str, Any] = {
        "columns": list(features.columns),
        "attributes": [a.name for a in card.attributes],
        "held_out_auc": _rounded(auc(y[test], held_out)),
        "note": (
            "Engagement (visits, page views, opens, activities) is learned and scored apart from "
            "fit and never added to the fit score; the two meet only in the matrix below."
        ),
        "matrix": fit_by_engagement(fit_tiers, card.apply(features).tier, y),
    }
    return EngagementResult(card, report)


def _level_cuts(scores: np.ndarray) -> Tiers:
    """Score bounds of the high and medium engagement levels (tiers A and B of the card;
    C is set equal to B, so everything below medium is low, reported as tier D)."""
    high, medium = (
        float(np.ceil(q)) for q in np.quantile(scores, [1 - LEVEL_SHARES[0], 1 - sum(LEVEL_SHARES)])
    )
    medium = min(medium, high)
    return Tiers(high, medium, medium)


def fit_by_engagement(fit_tiers: np.ndarray, engagement_tiers: np.ndarray, won: np.ndarray) -> dict:
    """Closed deals and win rate (with a 95% interval) per fit tier x engagement level."""
    level = pd.Series(engagement_tiers).map({"A": "high", "B": "medium"}).fillna("low").to_numpy()
    fit = np.asarray(fit_tiers).astype(str)
    cells: dict[str, dict[str, Any]] = {}
    for tier in ("A", "B", "C", "D"):
        for name in LEVELS:
            inside = (fit == tier) & (level == name)
            n, k = int(inside.sum()), int(np.asarray(won)[inside].sum())
            low, high = wilson_interval(k, n) if n else (None, None)
            cells[f"{tier}/{name}"] = {
                "deals": n,
                "won": k,
                "win_rate": _rounded(k / n) if n else None,
                "ci": [_rounded(low), _rounded(high)] if n else None,
            }
    return {"rows": ["A", "B", "C", "D"], "columns": list(LEVELS), "cells": cells}


def _rounded(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), 4)
