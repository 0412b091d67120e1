"""Dates as CRMs export them: ISO, US and European orders, month names, Unix epochs.

A time and an offset are read past and dropped: the date as written is kept, not shifted to UTC.
"""

from __future__ import annotations

import datetime as dt
import re

from icpkit.ingest.normalise.text import ParseError, show

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
# An optional time of day and offset after a date; it is read past, never used.
_TIME = (
    r"(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?m\.?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?"
)
_SEP = r"[\s\-/.]+"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME, re.IGNORECASE)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME, re.IGNORECASE)
_DAY_MONTH_NAME = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?" + _SEP + r"([a-z]+)\.?,?" + _SEP + r"(\d{4})" + _TIME,
    re.IGNORECASE,
)
_MONTH_NAME_DAY = re.compile(
    r"([a-z]+)\.?" + _SEP + r"(\d{1,2})(?:st|nd|rd|th)?,?" + _SEP + r"(\d{4})" + _TIME,
    re.IGNORECASE,
)
_EPOCH = re.compile(r"(\d{10}|\d{13})(?:\.0+)?")


PLAUSIBLE_YEARS = (1700, 2200)


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    if not PLAUSIBLE_YEARS[0] <= year <= PLAUSIBLE_YEARS[1]:
        raise ParseError(f'"{show(text)}" is not a plausible date')
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ParseError(f'"{show(text)}" is not a valid date') from None


def parse_date(text: str, *, day_first: bool | None = None) -> dt.date:
    """A calendar date from the formats CRMs export.

    ISO (``2024-03-01``, ``2024-03-01T17:05:00.000+0000``, ``2024-02-01 09:30``), US
    ``3/1/2024`` and ``1/10/2026 21:52``, ``01.03.2024`` (always day first), ``1 Mar 2024``,
    ``March 1, 2024``, ``20240301``, and Unix epoch seconds or milliseconds (HubSpot's API).

    ``day_first``: the order its column or file decided for ``3/1/2024``-like dates (True:
    day/month/year, False: month/day/year), applied to every value, so ``31/12/2024`` read
    month first is refused. None guesses from the value alone: month first unless the first
    number is above 12.
    """
    s = text.strip()
    m = _ISO.fullmatch(s)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    m = _NUMERIC.fullmatch(s)
    if m:
        first, sep, second, year = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        if len(m.group(4)) == 2:  # 3/1/24
            year += 2000 if year < 70 else 1900
        dayfirst = sep == "." or (first > 12 if day_first is None else day_first)
        day, month = (first, second) if dayfirst else (second, first)
        if day_first is not None and sep != "." and month > 12:
            order = "day/month/year" if dayfirst else "month/day/year"
            raise ParseError(
                f'"{show(text)}" is not a {order} date, the order its file\'s dates are read in'
            )
        return _make_date(year, month, day, text)
    m = _COMPACT.fullmatch(s)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    lowered = s.lower()
    m = _DAY_MONTH_NAME.fullmatch(lowered)
    if m and m.group(2) in _MONTHS:
        return _make_date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)), text)
    m = _MONTH_NAME_DAY.fullmatch(lowered)
    if m and m.group(1) in _MONTHS:
        return _make_date(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)), text)
    m = _EPOCH.fullmatch(s)
    if m:
        seconds = int(m.group(1)) / (1000 if len(m.group(1)) == 13 else 1)
        moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        if 1990 <= moment.year <= 2100:
            return moment.date()
    raise ParseError(f'cannot read "{show(text)}" as a date')
