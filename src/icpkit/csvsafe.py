"""Writing CSV that a spreadsheet opens as data, never as formulas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """Prefix text that Excel or Sheets would run as a formula with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_safe_csv(frame: pd.DataFrame, path: str | Path) -> None:
    safe = frame.copy()
    for column in safe.columns:
        if not (
            pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column])
        ):
            safe[column] = safe[column].map(escape_formula)
    safe.columns = [escape_formula(str(c)) for c in safe.columns]
    safe.to_csv(path, index=False)
