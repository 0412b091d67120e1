"""The numbers a scorecard reads as known: the rest are out of range and score as unknown.

``icpkit ingest`` refuses a company size that cannot be (negative employees, a headcount over
ten million, an amount over 10^18 or not finite, a founding year outside 1600-2100). Scoring treats
the same values the same way in every engine (Python, SQL, Spark, the API): the value is
unknown, and ``icp_reasons`` says so. One table, read by :func:`icpkit.conditions.read_column`
and printed into SQL by :mod:`icpkit.sql.reading`.
"""

from __future__ import annotations

import sys

LARGEST = sys.float_info.max  # any finite number is at most this
# No company has more employees (the largest employers have about two million) or more
# dollars of revenue or funding than these; ingest refuses more (icpkit.ingest.normalise).
MAX_EMPLOYEES = 10_000_000
MAX_AMOUNT = 1e18

# column -> (lowest, highest) known value, both inclusive.
LIMITS: dict[str, tuple[float, float]] = {
    "employees": (0.0, float(MAX_EMPLOYEES)),
    "annual_revenue": (0.0, MAX_AMOUNT),
    "total_funding": (0.0, MAX_AMOUNT),
    "founded_year": (1600.0, 2100.0),
}
# Any other numeric column: finite.
ANY_NUMBER = (-LARGEST, LARGEST)


def limits(column: str) -> tuple[float, float]:
    """The lowest and highest known value of ``column`` (inclusive)."""
    return LIMITS.get(column, ANY_NUMBER)


def note(column: str) -> str:
    """The reason text for a value out of range, the same in every engine."""
    return f"{column}: out of range, scored as unknown"
