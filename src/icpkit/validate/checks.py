"""The pieces of a monitor run: its settings, a win rate with its counts, one check and its
verdict, and the small rate arithmetic the checks share (see :mod:`icpkit.validate.monitor`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from icpkit.stats import wilson_interval


@dataclass(frozen=True)
class MonitorSettings:
    """When a change counts as an alarm.

    alpha: chance of any false alarm in one run (Holm over all its tests); default 0.05.
    min_drop: smallest fall in a close rate worth an alarm, as a fraction (0.10 = 10 points).
    psi_alarm: population stability index at which a lead-mix shift is major (0.25; 0.10 is
        moderate and only reported).
    min_deals: fewest closed deals in a group before its rate is tested (20).
    min_leads: fewest new leads before the lead mix is tested (100: below that the PSI of a
        six-bin attribute swings past 0.25 by chance).
    min_churned: fewest churned customers before churn is tested (10).
    revalidate_every, revalidate_days: the re-validation rule, in closed deals and days.
    """

    alpha: float = 0.05
    min_drop: float = 0.10
    psi_alarm: float = 0.25
    psi_moderate: float = 0.10
    min_deals: int = 20
    min_leads: int = 100
    min_churned: int = 10
    revalidate_every: int = 50
    revalidate_days: int = 91


@dataclass(frozen=True)
class Rate:
    """Won out of decided, with its 95% Wilson interval."""

    deals: int
    won: int

    @property
    def win_rate(self) -> float | None:
        return self.tested_win_rate if self.deals else None

    @property
    def tested_win_rate(self) -> float:
        """The win rate of a group with deals, as the checks read it (they test only those)."""
        return self.won / self.deals

    def to_json(self) -> dict[str, Any]:
        low, high = wilson_interval(self.won, self.deals)
        return {"deals": self.deals, "won": self.won, "win_rate": self.win_rate, "ci": [low, high]}

    def text(self) -> str:
        if not self.deals:
            return "no deals"
        low, high = wilson_interval(self.won, self.deals)
        return f"{percent(self.win_rate)} ({percent(low)}-{percent(high)}) of {self.deals:,}"


@dataclass
class Check:
    """One question the monitor asks, and its answer.

    ``status`` is "alarm", "ok", "not enough data" or "no baseline". ``p_value`` is the
    one-sided test's; ``p_adjusted`` is after Holm's correction over the run's tests.
    ``practical`` says whether the change is large enough to matter (e.g. a fall > 10 points).
    """

    name: str
    question: str
    status: str
    finding: str
    p_value: float | None = None
    p_adjusted: float | None = None
    practical: bool = False
    details: dict[str, Any] = field(default_factory=dict)


# ---- small helpers ---------------------------------------------------------------------------


def rate_of(won: np.ndarray) -> Rate:
    return Rate(int(len(won)), int(np.asarray(won).sum()))


def merge_rates(rates: dict[str, Rate], tiers: tuple[str, ...]) -> Rate:
    return Rate(sum(rates[t].deals for t in tiers), sum(rates[t].won for t in tiers))


def p_greater(first: Rate, second: Rate) -> float:
    """One-sided Fisher exact p-value that ``first`` wins more often than ``second``."""
    if not first.deals or not second.deals:
        return 1.0
    table = [[first.won, first.deals - first.won], [second.won, second.deals - second.won]]
    return float(sps.fisher_exact(table, alternative="greater").pvalue)


def variance(rate: Rate) -> float:
    # Agresti-Caffo: one pseudo-win and one pseudo-loss keep a 0% or 100% rate from claiming
    # to be exact.
    p = (rate.won + 1) / (rate.deals + 2)
    return p * (1 - p) / (rate.deals + 2)


def holds_lists(series: pd.Series) -> bool:
    sample = series.dropna().head(50)
    return (
        bool(len(sample)) and sample.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).all()
    )


def percent(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def format_p(p: float) -> str:
    return f"{p:.2g}" if p >= 0.0001 else "<0.0001"
