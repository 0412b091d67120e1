"""Conditions on attribute values, and reading values the way a scorecard compares them.

Shared by discovery (segments are conjunctions of conditions) and the scorecard (bins and
disqualifiers are conditions with points or a reason).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from icpkit import bounds
from icpkit.plain import plain_number, plain_text

TRUE_STRINGS = frozenset({"true", "t", "yes", "y", "1", "1.0"})
FALSE_STRINGS = frozenset({"false", "f", "no", "n", "0", "0.0"})


@dataclass(frozen=True)
class Condition:
    """Which values a bin or disqualifier covers.

    Numeric: ``min`` (inclusive), ``max`` (inclusive) and/or ``less_than`` (exclusive).
    Category, list and boolean: ``values`` (a list column matches when any element is listed).
    ``missing`` matches blank values; ``other`` matches whatever no earlier bin took.
    """

    min: float | None = None
    max: float | None = None
    less_than: float | None = None
    values: tuple[str, ...] | None = None
    missing: bool = False
    other: bool = False

    def __post_init__(self) -> None:
        # Plain Python only (NumPy split points print as `np.float64(80.55)`); values are the
        # text they are compared as, so a card reads back equal to the one written.
        for name in ("min", "max", "less_than"):
            object.__setattr__(self, name, plain_number(getattr(self, name)))
        if self.values is not None:
            object.__setattr__(self, "values", tuple(plain_text(v) for v in self.values))
        object.__setattr__(self, "missing", bool(self.missing))
        object.__setattr__(self, "other", bool(self.other))

    def is_empty(self) -> bool:
        """True when the condition names nothing: no range, no values, not missing or other."""
        return not (
            self.missing
            or self.other
            or self.values
            or any(x is not None for x in (self.min, self.max, self.less_than))
        )

    def describe(self, unit: str = "") -> str:
        if self.missing:
            return "unknown"
        if self.other:
            return "anything else"
        if self.values is not None:
            return " or ".join(self.values)
        return describe_range(self.min, self.max, self.less_than, unit)


def describe_range(
    low: float | None, high: float | None, less_than: float | None, unit: str = ""
) -> str:
    """'200-1,999', 'under 20', '2,000+' for people, not '[200.0, 2000.0)'."""
    suffix = f" {unit}" if unit else ""
    if less_than is not None and high is None:
        high_text = f"under {_number(less_than)}"
        if low is None:
            return high_text + suffix
        top = less_than - 1 if _is_integral(low) and _is_integral(less_than) else less_than
        return f"{_number(low)}-{_number(top)}{suffix}" if top >= low else high_text + suffix
    if low is not None and high is not None:
        return f"{_number(low)}-{_number(high)}{suffix}"
    if low is not None:
        return f"{_number(low)}+{suffix}"
    if high is not None:
        return f"up to {_number(high)}{suffix}"
    return "any value"


def _number(x: float) -> str:
    if abs(x) >= 1e9:
        return f"{x / 1e9:,.3g}B"
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.3g}M"
    if _is_integral(x):
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:,.3g}"


def _is_integral(x: float) -> bool:
    return math.isfinite(x) and float(x).is_integer()


# ---- vectorised matching -----------------------------------------------------------------


def read_column(frame: pd.DataFrame, column: str, kind: str) -> pd.Series:
    """The column typed for its kind; absent columns are all-missing. A number out of the
    column's range (:mod:`icpkit.bounds`) reads as missing."""
    if column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    values = frame[column]
    if kind == "numeric":
        numbers = _to_number(values)
        return numbers.where(~_outside(numbers, column))
    if kind == "list":
        return values.map(to_list)
    if kind == "boolean":
        return values.map(to_bool_text)
    return values.map(to_text)


def out_of_range(frame: pd.DataFrame, column: str, kind: str) -> np.ndarray:
    """Rows whose ``column`` holds a number out of its range (it then reads as missing)."""
    if kind != "numeric" or column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return _outside(_to_number(frame[column]), column)


def _outside(numbers: pd.Series, column: str) -> np.ndarray:
    low, high = bounds.limits(column)
    x: np.ndarray = numbers.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return (x < low) | (x > high)


def _to_number(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    # Text such as "1,200" or " 35 " from a CSV; anything unreadable scores as missing.
    cleaned = values.astype("string").str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(cleaned, errors="coerce").astype("float64")


def to_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text.casefold() if text else None


def to_text_column(values: pd.Series) -> pd.Series:
    """:func:`to_text` of every value at once (trimmed, case-folded, blank is missing): a
    million rows in a blink, where mapping :func:`to_text` takes seconds."""
    text = values.astype("string").str.strip().str.casefold()
    return text.where(text != "", None)


def to_bool_text(value: Any) -> str | None:
    text = to_text(value)
    if text in TRUE_STRINGS:
        return "true"
    if text in FALSE_STRINGS:
        return "false"
    return None


def to_list(value: Any) -> tuple[str, ...] | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return _items([str(v).strip().casefold() for v in value])
    return _text_list(str(value))


# A list column repeats the same few thousand texts ("Snowflake;dbt;AWS") in every batch of a
# file: each is split once.
@lru_cache(maxsize=1 << 16)
def _text_list(text: str) -> tuple[str, ...] | None:
    separator = ";" if ";" in text else ","
    return _items([part.strip().casefold() for part in text.split(separator)])


def _items(items: list[str]) -> tuple[str, ...] | None:
    items = [i for i in items if i]
    return tuple(items) if items else None


def _is_missing(values: pd.Series, kind: str) -> np.ndarray:
    # isna, not `is None`: pandas 3 infers a "str" dtype for mapped text, whose blanks are NaN.
    missing: np.ndarray = (
        values.isna().to_numpy() if kind == "numeric" else values.isna().to_numpy(dtype=bool)
    )
    return missing


def matches(values: pd.Series, kind: str, condition: Condition) -> np.ndarray:
    missing = _is_missing(values, kind)
    if condition.missing:
        return missing
    if condition.other:
        return np.ones(len(values), dtype=bool)
    if condition.values is not None:
        wanted = {str(v).strip().casefold() for v in condition.values}
        listed: np.ndarray
        if kind == "list":
            listed = values.map(
                lambda items: bool(items) and not wanted.isdisjoint(items)
            ).to_numpy(dtype=bool)
        else:
            listed = values.map(lambda v: v in wanted).to_numpy(dtype=bool)
        return listed
    if kind != "numeric":
        return np.zeros(len(values), dtype=bool)
    x: np.ndarray = values.to_numpy(dtype=float, na_value=np.nan)
    hit: np.ndarray = ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        if condition.min is not None:
            hit &= x >= condition.min
        if condition.max is not None:
            hit &= x <= condition.max
        if condition.less_than is not None:
            hit &= x < condition.less_than
    return hit


def first_match(
    values: pd.Series,
    kind: str,
    conditions: Sequence[Condition],
    second: tuple[pd.Series, str, Sequence[Condition]] | None = None,
) -> np.ndarray:
    """Index of the first condition each value matches, ``len(conditions)`` when none does.

    The one way a value finds its bin: ``Scorecard.apply``, ``icpkit score``'s batches and the
    API's row scorer all call it (first match wins, as a card's bins are read top down).
    ``second`` is a pair row's other column, its kind and one condition per bin: a bin then
    matches where both columns match their conditions."""
    none = len(conditions)
    chosen = np.full(len(values), none, dtype=np.int64)
    for index, condition in enumerate(conditions):
        free = chosen == none
        if not free.any():
            break
        hit = free & matches(values, kind, condition)
        if second is not None:
            values2, kind2, conditions2 = second
            hit &= matches(values2, kind2, conditions2[index])
        chosen[hit] = index
    return chosen


def first_match_coded(
    parts: Sequence[tuple[pd.Series, str, Sequence[Condition], np.ndarray]],
) -> np.ndarray:
    """:func:`first_match` over rows given as each column's distinct values and a code per
    row (``values.iloc[codes]`` is the column): each condition is tested once per distinct
    value. ``parts``: (distinct values, kind, one condition per bin, codes) of each column the
    row reads (two for a pair row), a bin matching where every column matches."""
    (values, kind, conditions, codes), *rest = parts
    if not rest:
        per_row: np.ndarray = first_match(values, kind, conditions)[codes]
        return per_row
    none = len(conditions)
    chosen = np.full(len(codes), none, dtype=np.int64)
    for index in range(none):
        free = chosen == none
        if not free.any():
            break
        hit = free
        for part_values, part_kind, part_conditions, part_codes in parts:
            hit = hit & matches(part_values, part_kind, part_conditions[index])[part_codes]
        chosen[hit] = index
    return chosen
