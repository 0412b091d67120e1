"""Scorecards: points per attribute bin, disqualifiers, a 0-100 fit score and tiers A-D."""

from icpkit.conditions import Condition
from icpkit.scorecard.model import (
    Attribute,
    Bin,
    BinStats,
    Calibration,
    Disqualifier,
    Scorecard,
    ScoredFrame,
    Tiers,
)

__all__ = [
    "Attribute",
    "Bin",
    "BinStats",
    "Calibration",
    "Condition",
    "Disqualifier",
    "Scorecard",
    "ScoredFrame",
    "Tiers",
]
