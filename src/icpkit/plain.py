"""Values as plain Python: what NumPy, pandas and Decimal scalars become before a scorecard
holds them or writes them to a file.

A learned card is built from NumPy arithmetic (``np.float64`` split points, ``np.int64``
counts); held as such, its numbers print as ``np.float64(80.55)`` and a file written from them
does not read back. Every constructor of the scorecard passes its fields through here, so a
card in memory holds only ``bool``, ``int``, ``float``, ``str``, dates, lists and dicts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd


def plain(value: Any) -> Any:
    """``value`` as the plain Python value it stands for; a missing one (None, ``pd.NA``,
    ``NaT``) is None. Values of other types come back unchanged, for the writer to refuse."""
    if value is None or type(value) in _EXACT:
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, str):  # np.str_ and other subclasses
        return str(value)
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
        if value is pd.NaT:
            return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (dt.date, dt.time)):
        return value
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [plain(v) for v in value]
    return value


_EXACT = {bool, int, float, str}


def plain_number(value: Any) -> Any:
    """A number a scorecard compares against: an int while a float holds it exactly (so a
    bin reads ``min = 50``), else a float. Missing (``pd.NA``) becomes NaN, which no writer
    accepts; an integer too large for any float stays an int, for the same reason."""
    if value is None:
        return None
    number = plain(value)
    if number is None:
        return math.nan
    if isinstance(number, int) and not isinstance(number, bool) and abs(number) > EXACT_INTEGERS:
        try:
            return float(number)
        except OverflowError:
            return number
    return number


EXACT_INTEGERS = 2**53  # every int up to this size is exactly a float


def plain_integer(value: Any) -> Any:
    """A count or a number of points as an int, when it is one (``np.int64(3)``, ``3.0``)."""
    number = plain(value)
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def plain_text(value: Any) -> Any:
    """Text as ``str`` (``np.str_`` included); numbers and flags as the text a file shows."""
    text = plain(value)
    if isinstance(text, bool):
        return "true" if text else "false"
    if isinstance(text, (int, float)):
        return str(text)
    return text
