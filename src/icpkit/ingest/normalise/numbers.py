"""Numbers, bands and headcounts: ``"1,234.5"``, ``"2.5M"``, ``"51-200"``, ``"1,000+"``.

Every number read is checked against the bounds of :mod:`icpkit.bounds` (:func:`bounded`), and a
band becomes one value by :func:`band_value` (see :mod:`icpkit.ingest.normalise`).
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from icpkit import bounds
from icpkit.ingest import data_tables
from icpkit.ingest.normalise.dates import parse_date
from icpkit.ingest.normalise.text import OutOfRange, ParseError, show

_PLAIN_INTEGER = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.0+)?")
PLAIN_NUMBER = re.compile(
    r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?|[+-]?\.\d+|[+-]?\d+(?:\.\d+)?[eE][+-]?\d+"
)


def is_plain_integer(text: str) -> bool:
    """``"500"``, ``"1,200"``, ``"12.0"``: a whole number written without a unit or band."""
    return _PLAIN_INTEGER.fullmatch(text.strip()) is not None


def is_plain_number(text: str) -> bool:
    """A number written without unit, currency or band (``"-3.5"``, ``"20,000,000"``)."""
    return PLAIN_NUMBER.fullmatch(text.strip()) is not None


# The range every number read must fall in, checked in one place (:func:`bounded`): no company
# has more employees than MAX_EMPLOYEES (the largest employers have about two million), and no
# amount in any currency reaches MAX_AMOUNT (10^18: above the world's yearly product written
# in Vietnamese dong). Past them a cell is a typo or an attack, and its reason says so.
# The same bounds every scoring engine applies (icpkit.bounds).
MAX_EMPLOYEES = bounds.MAX_EMPLOYEES
MAX_AMOUNT = bounds.MAX_AMOUNT


def bounded(value: float, text: str, what: str = "a number", limit: float = MAX_AMOUNT) -> float:
    """``value`` when it is finite and within ``limit`` either way; else a :class:`ParseError`
    naming ``text`` (a float reads ``"1e400"`` and 309 nines as infinity)."""
    if not math.isfinite(value) or abs(value) > limit:
        raise OutOfRange(f'"{show(text)}" is out of range for {what} (at most {limit:,.0f})', value)
    return value


# Why a value of a column that writes 1.234,5 was refused: it is written another way.
DECIMAL_COMMA_HINT = " written like the rest of its column (1.234,5: dots between thousands)"


def parse_decimal(text: str, *, decimal_comma: bool = False) -> float:
    """Read a bare number with English or European separators.

    ``"1,234.5"`` and ``"1.234,5"`` → 1234.5; ``"3,5"`` → 3.5; ``"20,000"`` → 20000;
    ``"1 234 567"`` and ``"1'234"`` (Swiss) are read too. ``decimal_comma``: the column writes
    ``1.234,5`` (a dot between thousands, a decimal comma), so ``"12.800"`` → 12800 and
    ``"1,234"`` → 1.234; a dot anywhere else is refused.
    """
    s = re.sub(r"[\s\u00a0\u202f']", "", text)
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if not s or not re.fullmatch(r"[\d.,]+", s) or not re.search(r"\d", s):
        raise ParseError(f'cannot read "{show(text)}" as a number')
    if decimal_comma:
        if not re.fullmatch(r"\d+(?:,\d+)?|\d{1,3}(?:\.\d{3})+(?:,\d+)?", s):
            raise ParseError(f'cannot read "{show(text)}" as a number{DECIMAL_COMMA_HINT}')
        return bounded(sign * float(s.replace(".", "").replace(",", ".")), text)
    if "," in s and "." in s:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        s = s.replace(thousands, "").replace(decimal, ".")
    elif "," in s:
        s = s.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", s) else s.replace(",", ".")
    elif s.count(".") > 1:
        if not re.fullmatch(r"\d{1,3}(\.\d{3})+", s):
            raise ParseError(f'cannot read "{show(text)}" as a number')
        s = s.replace(".", "")
    try:
        value = sign * float(s)
    except ValueError:
        raise ParseError(f'cannot read "{show(text)}" as a number') from None
    return bounded(value, text)


_AMOUNT = re.compile(r"(?P<num>[+-]?[\d][\d.,\s\u00a0']*|[+-]?\.\d+)\s*(?P<mult>[a-z]+)?")


def read_amount(text: str, decimal_comma: bool = False) -> tuple[float, bool]:
    """``"2.5M"`` → (2.5e6, True); ``"40"`` → (40.0, False): a number with an optional
    multiplier word (``money.toml``'s ``[multipliers]``)."""
    m = _AMOUNT.fullmatch(text.strip().lower())
    if not m:
        raise ParseError(f'cannot read "{show(text)}" as a number')
    mult = m.group("mult")
    multipliers = data_tables.money_words().multipliers
    if mult is not None and mult not in multipliers:
        raise ParseError(f'cannot read "{show(text)}" as a number')
    value = parse_decimal(m.group("num"), decimal_comma=decimal_comma)
    return bounded(value * (multipliers[mult] if mult else 1.0), text), mult is not None


_NUMBER_TOKEN = re.compile(r"[\d.,]*\d[\d.,]*")


def _token_mark(token: str) -> str | None:
    token = token.strip(",")
    if "." in token and "," in token:
        return "comma" if token.rfind(",") > token.rfind(".") else "dot"
    for mark, other in ((".", "comma"), (",", "dot")):
        if mark not in token:
            continue
        if token.count(mark) > 1:  # only thousands come in several groups
            grouped = re.fullmatch(rf"\d{{1,3}}(?:\{mark}\d{{3}})+", token)
            return other if grouped else None
        if re.fullmatch(rf"[1-9]\d{{0,2}}\{mark}\d{{3}}", token):
            return f"grouped_{'dot' if mark == '.' else 'comma'}"
        return "dot" if mark == "." else "comma"
    return None


def decimal_mark_evidence(text: str) -> str | None:
    """What one written number says about its column's decimal mark.

    ``"comma"``: only a decimal comma reads it (``"3,5"``, ``"1.234,5"``, ``"1.234.567"``);
    ``"dot"``: only a decimal point does (``"2.5M"``, ``"1,234.5"``, ``"1,234,567"``);
    ``"grouped_dot"`` / ``"grouped_comma"``: one separator before exactly three digits
    (``"12.800"``, ``"3,400"``), thousands or decimals depending on the column; None: nothing
    (``"500"``, ``"51-200"``).
    """
    marks = [_token_mark(token) for token in _NUMBER_TOKEN.findall(text)]
    for strong in ("comma", "dot"):
        if strong in marks:
            return strong
    return next((m for m in marks if m is not None), None)


def band_value(low: float | None, high: float | None) -> float:
    """One representative value for a band (see the module docstring for the rule)."""
    if low is not None and high is not None:
        low, high = min(low, high), max(low, high)
        return math.sqrt(low * high) if low > 0 else high / 2
    if low is not None:
        return low * 1.5
    if high is not None:
        return high / 2
    raise ParseError("empty band")


def _round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


_RANGE_SPLIT = re.compile(r"\s*(?:-|–|—|\bto\b|\band\b)\s*")
_OPEN_TOP = re.compile(
    r"^(?:more than|over|above|greater than|at least|>=|>|≥)\s*(?P<a>.+)$"
    r"|^(?P<b>.+?)\s*(?:\+|or more|and above|and over|plus)$"
)
_OPEN_BOTTOM = re.compile(
    r"^(?:less than|fewer than|under|below|up to|<=|<|≤)\s*(?P<a>.+)$"
    r"|^(?P<b>.+?)\s*(?:or less|or fewer|and under|and below)$"
)


class Band(NamedTuple):
    """A number or band read from text: ``low``/``high`` bounds (None when open) and ``value``."""

    value: float
    low: float | None
    high: float | None


def parse_band(text: str, *, reader=None) -> Band:
    """Read ``"51-200"``, ``"1,000+"``, ``"More than 500"``, ``"<10"``, ``"1.2k"`` or ``"500"``.

    ``reader`` turns one side into a number (default: a number with an optional multiplier such
    as k, M, B). In a band a multiplier written only on the top applies to both ends
    (``"10-50M"`` is 10M to 50M).
    """
    read = reader or (lambda part: read_amount(part)[0])
    s = text.strip().lower()
    for pattern, is_top in ((_OPEN_TOP, True), (_OPEN_BOTTOM, False)):
        m = pattern.match(s)
        if m:
            bound = read(m.group("a") or m.group("b"))
            low, high = (bound, None) if is_top else (None, bound)
            return Band(band_value(low, high), low, high)
    parts = [p for p in _RANGE_SPLIT.split(s) if p] if not s.startswith("-") else [s]
    if len(parts) == 2:
        low_text, high_text = parts
        high_mult = re.search(r"[a-z]+$", high_text)
        if high_mult and not re.search(r"[a-z]$", low_text):
            low_text += high_mult.group(0)
        low, high = read(low_text), read(high_text)
        return Band(band_value(low, high), low, high)
    if len(parts) != 1:
        raise ParseError(f'cannot read "{show(text)}" as a number or band')
    value = read(s)
    return Band(value, value, value)


_EMPLOYEE_WORDS = re.compile(
    r"\b(?:employees?|emps?|staff|people|persons?|ppl|ftes?|headcount|workers)\b\.?"
)
_APPROX_WORDS = re.compile(r"^(?:approx\.?|approximately|about|around|circa|ca\.|~)\s*")
_SOLO = frozenset({"self employed", "self-employed", "myself only", "just me", "solo", "sole"})


def parse_employees(text: str, *, decimal_comma: bool = False) -> int:
    """Employees as one integer: ``"500"`` → 500, ``"51–200"`` → 101, ``"1,000+"`` → 1500.

    Bands follow :func:`band_value`; ``"1.2k"`` → 1200; words such as ``employees`` and
    ``approx.`` are ignored; ``"self-employed"`` → 1. ``decimal_comma``: see
    :func:`parse_decimal` (``"1.200"`` → 1200).
    """
    if not decimal_comma and _PLAIN_INTEGER.fullmatch(text) and not text.startswith("-"):
        return int(_employees(float(text.replace(",", "")), text))
    s = text.strip().lower()
    if s in _SOLO:
        return 1
    s = _APPROX_WORDS.sub("", _EMPLOYEE_WORDS.sub("", s)).strip()
    try:
        band = parse_band(s, reader=lambda part: read_amount(part, decimal_comma)[0])
    except ParseError:
        hint = DECIMAL_COMMA_HINT if decimal_comma else ""
        raise ParseError(f'cannot read "{show(text)}" as a number of employees{hint}') from None
    if band.value < 0 or not math.isfinite(band.value):
        raise ParseError(f'"{show(text)}" is not a number of employees')
    return _round_half_up(_employees(band.value, text))


def _employees(value: float, text: str) -> float:
    return bounded(value, text, "a number of employees", MAX_EMPLOYEES)


def parse_int(text: str) -> int:
    """A whole number: ``"42"``, ``"1,200"``, ``"12.0"``; ``"12.5"`` is refused."""
    try:
        value = parse_decimal(text)
    except ParseError:
        raise ParseError(f'cannot read "{show(text)}" as a whole number') from None
    if value != int(value):
        raise ParseError(f'"{show(text)}" is not a whole number')
    return int(value)


def parse_number(text: str) -> float:
    """A plain number (``"3.5"``, ``"-1,200"``): what custom columns are tested against."""
    if not is_plain_number(text):
        raise ParseError(f'cannot read "{show(text)}" as a number')
    return bounded(float(text.strip().replace(",", "")), text)


def parse_year(text: str) -> int:
    """A year from ``"2015"``, ``"2015.0"`` or a date such as ``"2015-06-01"``; 1600..2100."""
    s = text.strip()
    m = re.fullmatch(r"(\d{4})(?:\.0+)?", s)
    if m:
        year = int(m.group(1))
    else:
        try:
            year = parse_date(s).year
        except ParseError:
            raise ParseError(f'cannot read "{show(text)}" as a year') from None
    if not 1600 <= year <= 2100:
        raise ParseError(f'"{show(text)}" is not a plausible year')
    return year
