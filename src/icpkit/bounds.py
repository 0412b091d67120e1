"""The numbers a scorecard reads as known: the rest are out of range and score as unknown.

``icpkit ingest`` refuses a company size that cannot be (negative employees, a headcount of
2^63 or more, an amount that is not finite, a founding year outside 1600-2100). Scoring treats
the same values the same way in every engine (Python, SQL, Spark, the API): the value is
unknown, and ``icp_reasons`` says so. One table, read by :func:`icpkit.conditions.read_column`
and printed into SQL by :mod:`icpkit.sql.reading`.
"""

from __future__ import annotations

import math
import sys

LARGEST = sys.float_info.max  # any finite number is at most this
# 2^63 and more do not fit the ingest's 64-bit employee counts: the largest float below it.
LARGEST_COUNT = math.nextafter(2.0**63, 0.0)

# column -> (lowest, highest) known value, both inclusive.
LIMITS: dict[str, tuple[float, float]] = {
    "employees": (0.0, LARGEST_COUNT),
    "annual_revenue": (0.0, LARGEST),
    "total_funding": (0.0, LARGEST),
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
