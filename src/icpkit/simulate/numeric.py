"""The numeric conventions every table of the simulated CRM shares: dates kept as day numbers
while drawing, probabilities from shares, and amounts rounded and written as people record them.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from icpkit import schema


def compact_usd(value: float) -> str:
    """Money the way people type it: 2_500_000 -> "$2.5M", 40_000 -> "$40K", 1.2e9 -> "$1.2B"."""
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"${value / scale:.1f}".removesuffix(".0") + unit
    return f"${value:.0f}"


def day_number(day: date) -> int:
    """Days since 1970-01-01: dates are drawn as integers and turned into dates at the end."""
    return int(np.datetime64(day, "D").astype(np.int64))


def as_dates(days: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """Day numbers as a datetime column; ``missing`` rows (a deal still open) become NaT."""
    values = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    if missing is not None:
        values[missing] = np.datetime64("NaT")
    return pd.Series(values.astype("datetime64[us]"))


def probabilities(shares: dict[str, float]) -> np.ndarray:
    """The shares of a table (in their order) scaled to sum to 1, for ``rng.choice(p=...)``."""
    weights = np.array(list(shares.values()), dtype=float)
    return weights / weights.sum()


def per_industry(values: dict[str, float]) -> np.ndarray:
    """A per-industry table as an array in ``schema.INDUSTRIES`` order (index = industry)."""
    return np.array([values[industry] for industry in schema.INDUSTRIES], dtype=float)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def round_significant(values: np.ndarray, digits: int) -> np.ndarray:
    """Round to ``digits`` significant figures, as CRM users and data vendors record amounts."""
    values = np.asarray(values, dtype=float)
    rounded = np.full(values.shape, np.nan)
    ok = np.isfinite(values) & (values > 0)
    scale = 10.0 ** (np.floor(np.log10(values[ok])) - (digits - 1))
    rounded[ok] = np.round(values[ok] / scale) * scale
    return rounded
