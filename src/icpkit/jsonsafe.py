"""Values made ready for JSON: plain Python numbers, and null where a number is unknown."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def finite(value: Any) -> Any:
    """JSON has no NaN or infinity: an unknown number is written as null. NumPy scalars
    become their Python equivalents; dicts, lists and tuples are converted throughout."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return finite(value.item())
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value
