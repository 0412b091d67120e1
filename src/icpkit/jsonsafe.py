"""The one JSON encoder: plain Python numbers, null where a number is unknown, dates as ISO text.

Every JSON file icpkit writes (validation.json, segments.json, monitor.json, ...) goes through
:func:`dumps`, so NumPy scalars, NaN and timestamps are handled the same way everywhere; every
JSON file it reads goes through :func:`read_json`, so a broken one is a one-line error.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from icpkit.errors import IcpkitError


def finite(value: Any) -> Any:
    """JSON has no NaN or infinity: an unknown number is written as null. NumPy scalars
    become their Python equivalents, dates and timestamps their ISO text; dicts, lists and
    tuples are converted throughout."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return finite(value.item())
    if isinstance(value, dt.date):  # pandas Timestamps are datetimes, datetimes are dates
        return value.isoformat()
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dumps(data: Any) -> str:
    """``data`` as the indented JSON text icpkit writes, ending in a newline."""
    return json.dumps(finite(data), indent=2, allow_nan=False) + "\n"


def write_json(path: Path, data: Any) -> None:
    path.write_text(dumps(data), encoding="utf-8")


def read_json(path: Path, kind: type | None = None) -> Any:
    """A JSON file, or a one-line error naming its line and column; with ``kind`` (dict or
    list), the file must hold one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise IcpkitError(
            f"not valid JSON: {error.msg}", file=path, line=error.lineno, column=str(error.colno)
        ) from None
    except FileNotFoundError:
        raise IcpkitError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise IcpkitError(f"cannot read it ({error})", file=path) from None
    if kind is not None and not isinstance(data, kind):
        expected = "an object" if kind is dict else "a list"
        raise IcpkitError(f"expected {expected} of build results", file=path, line=1)
    return data
