"""Value normalisers: one messy CRM string in, one canonical value out.

Every parser is a pure function of one non-blank, stripped string. It returns the parsed value
or raises :class:`ParseError` whose message is the reason, written for the user
(``cannot read "fifty" as a number of employees``). Blank handling, caching per unique value
and typing whole columns live in ``canonical.py``; these functions never see pandas.

Choices worth knowing:

* **Bands → one integer.** A closed band ``lo-hi`` becomes the geometric mean
  ``round(sqrt(lo * hi))`` (``51-200`` → 101, ``1,001-5,000`` → 2,237): company sizes and
  revenues are spread on a log scale, so the geometric mean sits where a typical member of the
  band is, and it always lies inside the band. An open top ``N+`` / ``more than N`` becomes
  ``round(1.5 * N)`` (``1,000+`` → 1,500; ``10,001+`` → 15,002); an open bottom ``under N`` /
  ``<N`` becomes ``round(N / 2)``. The same rule serves employees and money.
* **Money** keeps its currency: nothing is converted (no exchange rates offline). ``$`` means
  USD. European decimal commas (``3,5 Mio``) are read when unambiguous; ``12.800`` alone is
  not, so a column decides (``decimal_comma=True``, see :mod:`icpkit.ingest.formats`).
* **Dates** are dates: a time and an offset are dropped (the date as written is kept, not
  shifted to UTC). ``3/1/2024`` is read in the order its column or file decided
  (``day_first``); alone it is US month-first unless its first number is above 12.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

from icpkit import bounds, schema
from icpkit.ingest.countries import COUNTRY_ALIASES, ISO_COUNTRIES, REGION_CODES


class ParseError(ValueError):
    """A value that cannot be read; ``str(error)`` is the reason shown to the user."""


class OutOfRange(ParseError):
    """A number read but impossible for its column (1e400, 309-digit headcounts). ``value`` is
    what was read (possibly infinite), so scoring can mark it out of range, with its reason,
    rather than merely unreadable (see :mod:`icpkit.bounds`)."""

    def __init__(self, message: str, value: float) -> None:
        super().__init__(message)
        self.value = value


# Cells that mean "no value" in exports (compared lower-case). "NA" is not here: it is Namibia.
BLANK_TOKENS = frozenset({"", "null", "nan", "n/a", "#n/a", "none", "-", "--", "—", "(blank)"})


def show(value: object, limit: int = 60) -> str:
    """A value as it may appear inside a one-line message: control characters escaped
    (a new line becomes ``\\n``), long text cut with ``...``."""
    text = str(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_blank(value: str | None) -> bool:
    """True when a cell holds no value (empty, whitespace or a token like ``NULL``, ``N/A``)."""
    return value is None or value.strip().lower() in BLANK_TOKENS


# ---------------------------------------------------------------------------------------------
# Names: headers, custom columns, companies


def _ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def header_key(header: str) -> str:
    """The key two headers are compared on: case, spaces, underscores and punctuation ignored.

    ``"Number of Employees"``, ``"number_of_employees"`` and ``"NumberOfEmployees"`` all give
    ``"numberofemployees"``.
    """
    return re.sub(r"[^0-9a-z]", "", _ascii_fold(header).lower())


def snake_case(header: str) -> str:
    """A column name for a custom attribute: ``"Headcount (LinkedIn)"`` → ``headcount_linkedin``.

    Accents are dropped, a single camelCase word is split (``NumberOfEmployees`` →
    ``number_of_employees``), anything else becomes ``_``; a name that would
    start with a digit gets the prefix ``col_`` (so it stays a plain SQL identifier). An empty
    result is returned as ``""`` for the caller to replace.
    """
    text = _ascii_fold(header.strip())
    if re.fullmatch(r"[A-Za-z0-9]+", text):  # one camelCase word: NumberOfEmployees
        text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    if text and text[0].isdigit():
        text = f"col_{text}"
    return text


def _words(text: str) -> list[str]:
    return text.split()


LEGAL_SUFFIXES = frozenset(
    _words(
        "inc incorporated llc llp lp ltd limited gmbh ag sa sas sarl srl spa bv nv plc corp "
        "corporation co company pty oy ab as kg kgaa se holding holdings group the"
    )
)


def company_name_key(name: str) -> str:
    """A company name with case, accents, punctuation and legal suffixes removed.

    ``"ACME, Inc."`` and ``"Acme Inc"`` and ``"The Acme Company"`` all give ``"acme"``; used to
    report likely duplicate accounts, never to merge them.
    """
    words = re.sub(r"[^0-9a-z]+", " ", _ascii_fold(name).lower()).split()
    kept = [w for w in words if w not in LEGAL_SUFFIXES]
    return " ".join(kept or words)


# ---------------------------------------------------------------------------------------------
# Numbers, bands and money

_MULTIPLIERS: dict[str, float] = {
    "k": 1e3,
    "thousand": 1e3,
    "thousands": 1e3,
    "tsd": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "mio": 1e6,
    "mil": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "bil": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "mrd": 1e9,
    "milliard": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
}

_PLAIN_INTEGER = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.0+)?")
_PLAIN_NUMBER = re.compile(
    r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?|[+-]?\.\d+|[+-]?\d+(?:\.\d+)?[eE][+-]?\d+"
)


def is_plain_integer(text: str) -> bool:
    """``"500"``, ``"1,200"``, ``"12.0"``: a whole number written without a unit or band."""
    return _PLAIN_INTEGER.fullmatch(text.strip()) is not None


def is_plain_number(text: str) -> bool:
    """A number written without unit, currency or band (``"-3.5"``, ``"20,000,000"``)."""
    return _PLAIN_NUMBER.fullmatch(text.strip()) is not None


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


def _amount(text: str, decimal_comma: bool = False) -> tuple[float, bool]:
    """``"2.5M"`` → (2.5e6, True); ``"40"`` → (40.0, False): a number with optional multiplier."""
    m = _AMOUNT.fullmatch(text.strip().lower())
    if not m:
        raise ParseError(f'cannot read "{show(text)}" as a number')
    mult = m.group("mult")
    if mult is not None and mult not in _MULTIPLIERS:
        raise ParseError(f'cannot read "{show(text)}" as a number')
    value = parse_decimal(m.group("num"), decimal_comma=decimal_comma)
    return bounded(value * (_MULTIPLIERS[mult] if mult else 1.0), text), mult is not None


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
    read = reader or (lambda part: _amount(part)[0])
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
        band = parse_band(s, reader=lambda part: _amount(part, decimal_comma)[0])
    except ParseError:
        hint = DECIMAL_COMMA_HINT if decimal_comma else ""
        raise ParseError(f'cannot read "{show(text)}" as a number of employees{hint}') from None
    if band.value < 0 or not math.isfinite(band.value):
        raise ParseError(f'"{show(text)}" is not a number of employees')
    return _round_half_up(_employees(band.value, text))


def _employees(value: float, text: str) -> float:
    return bounded(value, text, "a number of employees", MAX_EMPLOYEES)


class Money(NamedTuple):
    """An amount and its ISO 4217 currency (``"USD"`` unless the text said otherwise)."""

    amount: float
    currency: str


# Symbols and codes; "$" alone is taken to be US dollars.
_CURRENCY_SYMBOLS: dict[str, str] = {
    "us$": "USD",
    "usd$": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "cad$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "aud$": "AUD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "sg$": "SGD",
    "r$": "BRL",
    "mx$": "MXN",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₪": "ILS",
    "₽": "RUB",
    "₺": "TRY",
    "zł": "PLN",
    "kr": "SEK",
    "fr.": "CHF",
}
_SYMBOLS_LONGEST_FIRST = sorted(_CURRENCY_SYMBOLS.items(), key=lambda kv: -len(kv[0]))
_CURRENCY_CODES = frozenset(
    _words(
        "USD EUR GBP JPY CNY RMB INR CAD AUD NZD CHF SEK NOK DKK PLN CZK HUF RON BGN BRL MXN ARS "
        "CLP COP PEN ZAR NGN KES EGP AED SAR ILS TRY RUB UAH HKD SGD KRW TWD THB MYR IDR PHP VND "
        "PKR BDT"
    )
)
_CURRENCY_WORDS = {"dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR"}


def _split_currency(text: str) -> tuple[str, str | None]:
    s = text.strip()
    found: str | None = None
    for _ in range(2):  # a code and a symbol may both be there: "USD $20,000"
        m = re.match(r"^([A-Za-z]{3})(?![A-Za-z])\s*", s)
        if m and m.group(1).upper() in _CURRENCY_CODES:
            found, s = m.group(1).upper(), s[m.end() :]
            continue
        m = re.search(r"\s*(?<![A-Za-z])([A-Za-z]{3})$", s)
        if m and m.group(1).upper() in _CURRENCY_CODES:
            found, s = m.group(1).upper(), s[: m.start()]
            continue
        lowered = s.lower()
        for symbol, code in _SYMBOLS_LONGEST_FIRST:
            if lowered.startswith(symbol) and not (symbol.isalpha() and lowered[:3].isalpha()):
                found, s = found or code, s[len(symbol) :].strip()
                break
            if lowered.endswith(symbol) and not lowered[: -len(symbol)].rstrip().isalpha():
                found, s = found or code, s[: -len(symbol)].strip()
                break
        else:
            for word, code in _CURRENCY_WORDS.items():
                if s.lower().endswith(" " + word):
                    found, s = found or code, s[: -len(word)].strip()
                    break
            else:
                break
    if found == "RMB":
        found = "CNY"
    return s.strip(), found


def parse_money(text: str, *, decimal_comma: bool = False) -> Money:
    """Money in its own currency: ``"$2.5M"`` → (2500000.0, USD), ``"€3,5 Mio"`` → (3.5e6, EUR).

    Reads currency symbols and ISO codes before or after the number, multipliers (k, M, MM, B,
    bn, Mio, Mrd, million, ...), bands (``"$10M-50M"``, ``"<$1M"``, ``"$10B+"``, see
    :func:`band_value`) and accounting negatives ``"(1,000)"``. No exchange-rate conversion.
    ``decimal_comma``: the column writes ``€12.800`` for 12,800 (see :func:`parse_decimal`).
    """
    if not decimal_comma and _PLAIN_NUMBER.fullmatch(text):
        return Money(bounded(float(text.replace(",", "")), text, "an amount of money"), "USD")
    s = text.strip()
    negative = s.startswith("(") and s.endswith(")")
    if negative:
        s = s[1:-1]
    currency: str | None = None

    def read_side(part: str) -> float:
        nonlocal currency
        number, code = _split_currency(part)
        if code is not None:
            if currency is not None and code != currency:
                raise ParseError(f'"{show(text)}" mixes currencies')
            currency = code
        return _amount(number, decimal_comma)[0]

    try:
        band = parse_band(s, reader=read_side)
    except ParseError:
        hint = DECIMAL_COMMA_HINT if decimal_comma else ""
        raise ParseError(f'cannot read "{show(text)}" as an amount of money{hint}') from None
    value = -band.value if negative else band.value
    return Money(bounded(value, text, "an amount of money"), currency or "USD")


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


# ---------------------------------------------------------------------------------------------
# Booleans, lists

_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0", "on", "checked", "x"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0", "off", "unchecked"})


def parse_bool(text: str) -> bool:
    """``true/false``, ``yes/no``, ``y/n``, ``1/0``, ``TRUE``, ``checked``: any case."""
    s = text.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ParseError(f'cannot read "{show(text)}" as true/false')


def parse_list(text: str) -> list[str]:
    """A list of names from ``"a; b, c"``: split on ``;`` ``,`` ``|`` or new lines, trimmed,
    de-duplicated ignoring case (the first spelling wins), in order. ``"['a', 'b']"`` works too.
    """
    s = text.strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    items: list[str] = []
    seen: set[str] = set()
    for part in re.split(r"[;,|\n]", s):
        item = part.strip().strip("'\"").strip()
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            items.append(item)
    return items


# ---------------------------------------------------------------------------------------------
# Dates

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


# ---------------------------------------------------------------------------------------------
# Countries and regions


def _place_key(text: str) -> str:
    folded = _ascii_fold(text).lower().replace("&", " and ")
    folded = re.sub(r"\(.*?\)", " ", folded) if not re.fullmatch(r"\(.*\)", folded) else folded
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


@lru_cache(maxsize=1)
def _country_tables() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(name or code key → alpha-2, alpha-2 → region, alpha-2 → English name)."""
    lookup: dict[str, str] = {}
    regions: dict[str, str] = {}
    names: dict[str, str] = {}
    for line in ISO_COUNTRIES.strip().splitlines():
        alpha2, alpha3, region, all_names = line.split(" ", 3)
        if region in REGION_CODES:
            regions[alpha2] = REGION_CODES[region]
        names[alpha2] = all_names.split("|")[0]
        lookup[alpha2.lower()] = alpha2
        lookup[alpha3.lower()] = alpha2
        for name in all_names.split("|"):
            lookup.setdefault(_place_key(name), alpha2)
            # "Korea, Republic of" is also written "Republic of Korea"
            if ", " in name:
                head, tail = name.split(", ", 1)
                lookup.setdefault(_place_key(f"{tail} {head}"), alpha2)
                lookup.setdefault(_place_key(head), alpha2)
    for alias, alpha2 in COUNTRY_ALIASES.items():
        lookup[_place_key(alias)] = alpha2
    return lookup, regions, names


def parse_country(text: str) -> str:
    """ISO 3166-1 alpha-2 from a code (``DE``, ``DEU``) or a name or alias (``Deutschland``,
    ``U.S.``, ``Holland``, ``United States of America``). A misspelt name close to exactly one
    country (``Philipines``) is accepted; use :func:`country_guess` to tell.
    """
    code = country_exact(text)
    if code is not None:
        return code
    guess = country_guess(text)
    if guess is not None:
        return guess
    raise ParseError(f'cannot read "{show(text)}" as a country')


def country_exact(text: str) -> str | None:
    """The alpha-2 code for a known code, name or alias, or None."""
    lookup = _country_tables()[0]
    return lookup.get(_place_key(text))


def country_guess(text: str) -> str | None:
    """The alpha-2 code of the one country whose name is very close to ``text`` (typos)."""
    key = _place_key(text)
    if len(key) < 5:
        return None
    lookup = _country_tables()[0]
    names = [k for k in lookup if len(k) > 3]
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.85)
    codes = {lookup[c] for c in close}
    return codes.pop() if len(codes) == 1 else None


def country_name(alpha2: str) -> str | None:
    """The English short name of a country code (``"DE"`` → ``"Germany"``)."""
    return _country_tables()[2].get(alpha2)


def region_of(alpha2: str) -> str | None:
    """The sales region (one of ``schema.REGIONS``) of an alpha-2 country code."""
    return _country_tables()[1].get(alpha2)


_REGION_ALIASES: dict[str, str] = {
    "north america": "North America",
    "na": "North America",
    "nam": "North America",
    "noram": "North America",
    "amer": "North America",
    "us and canada": "North America",
    "usc": "North America",
    "europe": "Europe",
    "eu": "Europe",
    "eur": "Europe",
    "western europe": "Europe",
    "eastern europe": "Europe",
    "northern europe": "Europe",
    "southern europe": "Europe",
    "central europe": "Europe",
    "dach": "Europe",
    "nordics": "Europe",
    "benelux": "Europe",
    "uki": "Europe",
    "asia pacific": "Asia Pacific",
    "apac": "Asia Pacific",
    "apj": "Asia Pacific",
    "asia": "Asia Pacific",
    "anz": "Asia Pacific",
    "oceania": "Asia Pacific",
    "pacific": "Asia Pacific",
    "latin america": "Latin America",
    "latam": "Latin America",
    "south america": "Latin America",
    "central america": "Latin America",
    "caribbean": "Latin America",
    "middle east and africa": "Middle East & Africa",
    "mea": "Middle East & Africa",
    "me and a": "Middle East & Africa",
    "mena": "Middle East & Africa",
    "middle east": "Middle East & Africa",
    "africa": "Middle East & Africa",
}


def parse_region(text: str) -> str:
    """One of ``schema.REGIONS`` from labels like ``APAC``, ``LATAM``, ``NA``, ``Europe``.

    ``EMEA`` spans two regions and is refused (the caller then derives region from country).
    """
    key = _place_key(text)
    region = _REGION_ALIASES.get(key)
    if region is None:
        for canonical in schema.REGIONS:
            if key == _place_key(canonical):
                return canonical
        raise ParseError(f'cannot read "{show(text)}" as a region ({", ".join(schema.REGIONS)})')
    return region


# ---------------------------------------------------------------------------------------------
# Web domains

# Public suffixes under which companies register names (so the registrable domain has three
# labels). A curated offline subset of the Public Suffix List: the common country second levels.
MULTI_PART_SUFFIXES = frozenset(
    _words(
        """
    co.uk org.uk me.uk ltd.uk plc.uk net.uk ac.uk gov.uk sch.uk nhs.uk
    com.au net.au org.au edu.au gov.au asn.au id.au
    co.nz net.nz org.nz govt.nz ac.nz school.nz
    co.jp ne.jp or.jp ac.jp go.jp ad.jp ed.jp gr.jp lg.jp
    com.br net.br org.br gov.br edu.br art.br eng.br ind.br
    com.cn net.cn org.cn gov.cn edu.cn ac.cn
    com.hk net.hk org.hk edu.hk gov.hk
    com.tw net.tw org.tw edu.tw gov.tw idv.tw
    com.sg net.sg org.sg edu.sg gov.sg
    com.my net.my org.my edu.my gov.my
    co.in net.in org.in firm.in gen.in ind.in ac.in edu.in gov.in res.in
    co.za org.za net.za gov.za ac.za web.za
    co.kr or.kr ne.kr ac.kr go.kr re.kr
    co.il org.il net.il ac.il gov.il muni.il
    co.id or.id web.id ac.id go.id
    co.th in.th or.th ac.th go.th
    com.mx org.mx net.mx gob.mx edu.mx
    com.ar net.ar org.ar gob.ar edu.ar
    com.co net.co org.co gov.co edu.co
    com.pe org.pe net.pe gob.pe
    com.ve co.ve com.ec com.uy com.py com.bo com.gt com.do com.pa com.sv com.ni com.cu
    cl.cl com.tr net.tr org.tr gen.tr gov.tr edu.tr bel.tr web.tr biz.tr
    com.ph net.ph org.ph gov.ph edu.ph
    com.vn net.vn org.vn gov.vn edu.vn
    com.pk net.pk org.pk gov.pk edu.pk
    com.bd net.bd org.bd gov.bd
    com.lk org.lk
    com.np org.np
    com.ng org.ng gov.ng edu.ng
    co.ke or.ke ac.ke go.ke
    co.tz co.ug co.zw co.zm co.bw co.mz co.ao
    com.eg org.eg gov.eg edu.eg
    com.sa org.sa gov.sa edu.sa net.sa
    co.ae ae.org gov.ae
    com.qa com.kw com.bh com.om com.lb com.jo
    com.gh com.et com.na com.ma co.ma
    com.ua org.ua net.ua in.ua kiev.ua
    com.ru net.ru org.ru msk.ru spb.ru
    com.pl net.pl org.pl waw.pl
    co.at or.at ac.at gv.at
    com.es org.es nom.es gob.es edu.es
    com.pt org.pt gov.pt
    com.gr org.gr gov.gr edu.gr
    com.cy com.mt org.mt
    co.hu org.hu
    com.ro org.ro
    co.rs org.rs
    com.hr
    co.cr fi.cr
    gv.at
    eu.com uk.com us.com us.org
    """
    )
)

# The common case, read with one expression: scheme, host of letters/digits/hyphens, path.
_SIMPLE_URL = re.compile(
    r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63})\.?(?::\d+)?(?:[/?#].*)?"
)
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_LABEL = re.compile(r"[0-9a-z\u00a0-\uffff][0-9a-z\u00a0-\uffff-]*")


def parse_domain(text: str) -> str:
    """The registrable domain of a website, URL or e-mail address, lower case.

    ``"https://www.acme.co.uk/about"`` → ``acme.co.uk``; ``"jane@sales.acme.com"`` →
    ``acme.com``; ``"shop.acme.com.au"`` → ``acme.com.au``. Multi-part suffixes come from
    :data:`MULTI_PART_SUFFIXES` (offline; a rare suffix not listed there yields one label too
    many, e.g. ``x.blogspot.com`` stays as it is).
    """
    s = text.strip().lower()
    simple = _SIMPLE_URL.fullmatch(s)
    if simple and "xn--" not in s:
        labels = simple.group(1).split(".")
        keep = 3 if ".".join(labels[-2:]) in MULTI_PART_SUFFIXES else 2
        if len(labels) >= keep:
            return ".".join(labels[-keep:])
    s = re.sub(r"^[a-z][a-z0-9+.-]*://", "", s)
    if "@" in s:
        s = s.rsplit("@", 1)[1]
    s = re.split(r"[/?#\s]", s, maxsplit=1)[0]
    s = s.split(":", 1)[0].strip(".")
    try:
        s = s.encode("idna").decode("ascii") if not s.isascii() else s
        s = s.encode("ascii").decode("idna") if "xn--" in s else s
    except UnicodeError:
        raise ParseError(f'cannot read "{show(text)}" as a web domain') from None
    labels = s.split(".")
    valid = all(_LABEL.fullmatch(label) for label in labels)
    if len(labels) < 2 or not valid or _IPV4.fullmatch(s) or labels[-1].isdigit():
        raise ParseError(f'cannot read "{show(text)}" as a web domain')
    keep = 3 if ".".join(labels[-2:]) in MULTI_PART_SUFFIXES else 2
    if len(labels) < keep:
        raise ParseError(f'"{show(text)}" is a public suffix, not a company domain')
    return ".".join(labels[-keep:])


# ---------------------------------------------------------------------------------------------
# Industries


def _label_key(text: str) -> str:
    folded = _ascii_fold(text).lower().replace("&", " and ").replace("->", " ")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


# Exact labels (Salesforce's picklist, HubSpot's and LinkedIn's labels and internal values,
# GICS sectors, Fortune sectors) → schema.INDUSTRIES. Matched after _label_key.
_INDUSTRY_LABELS: dict[str, tuple[str, ...]] = {
    "Software": (
        "computer software",
        "software",
        "saas",
        "information technology and services",
        "information technology",
        "it services",
        "internet",
        "technology",
        "computer and network security",
        "computer networking",
        "computer hardware",
        "cloud computing",
        "cybersecurity",
        "b2b",
        "it",
        "tech",
        "software development",
        "it services and it consulting",
        "technology information and internet",
        "computer games",
        "information technology services",
        "data infrastructure and analytics",
    ),
    "Financial Services": (
        "banking",
        "finance",
        "financial services",
        "insurance",
        "investment banking",
        "investment management",
        "venture capital and private equity",
        "capital markets",
        "fintech",
        "financials",
        "accounting and finance",
        "credit",
        "payments",
        "asset management",
        "wealth management",
    ),
    "Healthcare": (
        "healthcare",
        "health care",
        "hospital and health care",
        "hospitals and health care",
        "medical devices",
        "medical practice",
        "pharmaceuticals",
        "biotechnology",
        "medical",
        "mental health care",
        "health wellness and fitness",
        "veterinary",
        "life sciences",
        "pharma",
        "biotech",
        "health",
        "medtech",
        "healthtech",
        "wellness",
    ),
    "Manufacturing": (
        "manufacturing",
        "machinery",
        "industrial automation",
        "chemicals",
        "electronics",
        "electrical electronic manufacturing",
        "automotive",
        "aviation and aerospace",
        "aerospace and defense",
        "semiconductors",
        "plastics",
        "mechanical or industrial engineering",
        "textiles",
        "consumer goods",
        "consumer electronics",
        "food production",
        "food and beverages",
        "food and beverage",
        "food beverages and tobacco",
        "paper and forest products",
        "packaging and containers",
        "furniture",
        "industrials",
        "materials",
        "motor vehicles and parts",
        "household products",
        "industrial",
        "hardware",
        "tobacco",
        "sporting goods",
        "cosmetics",
        "dairy",
        "wine and spirits",
        "glass ceramics and concrete",
        "agriculture",
        "farming",
        "capital goods",
    ),
    "Retail & E-commerce": (
        "retail",
        "retailing",
        "e commerce",
        "ecommerce",
        "online retail",
        "wholesale",
        "wholesalers",
        "apparel",
        "apparel and fashion",
        "supermarkets",
        "luxury goods and jewelry",
        "consumer discretionary",
        "consumer staples",
        "food and drug stores",
        "consumer",
        "consumer services",
        "marketplace",
        "retail apparel and fashion",
    ),
    "Professional Services": (
        "consulting",
        "management consulting",
        "accounting",
        "legal services",
        "law practice",
        "staffing and recruiting",
        "human resources",
        "marketing and advertising",
        "marketing",
        "advertising",
        "services",
        "business services",
        "outsourcing offshoring",
        "professional services",
        "employment",
        "research",
        "design",
        "graphic design",
        "engineering",
        "public relations and communications",
        "market research",
        "business supplies and equipment",
        "environmental services",
        "translation and localization",
        "staffing",
        "recruiting",
        "legal",
        "agency",
    ),
    "Media & Entertainment": (
        "media",
        "entertainment",
        "broadcast media",
        "online media",
        "publishing",
        "newspapers",
        "music",
        "motion pictures and film",
        "recreation",
        "sports",
        "media production",
        "animation",
        "gaming",
        "games",
        "fine art",
        "performing arts",
        "entertainment providers",
        "communication services",
        "media and entertainment",
    ),
    "Telecommunications": (
        "telecommunications",
        "telecom",
        "wireless",
        "communications",
        "telecommunication",
        "telecoms",
    ),
    "Education": (
        "education",
        "higher education",
        "e learning",
        "education management",
        "primary secondary education",
        "edtech",
        "elearning",
        "professional training and coaching",
        "training",
        "education administration programs",
    ),
    "Government": (
        "government",
        "government administration",
        "public administration",
        "public sector",
        "defense and space",
        "military",
        "law enforcement",
        "public safety",
        "government relations",
        "public policy",
        "international affairs",
        "judiciary",
        "legislative office",
        "executive office",
    ),
    "Energy & Utilities": (
        "energy",
        "utilities",
        "oil and energy",
        "oil and gas",
        "renewables and environment",
        "mining and metals",
        "mining",
        "environmental",
        "renewable energy",
        "power",
        "electric power",
        "solar",
    ),
    "Transportation & Logistics": (
        "transportation",
        "transportation trucking railroad",
        "logistics and supply chain",
        "logistics",
        "shipping",
        "airlines aviation",
        "maritime",
        "package freight delivery",
        "warehousing",
        "freight",
        "supply chain",
        "trucking",
    ),
    "Real Estate & Construction": (
        "real estate",
        "construction",
        "commercial real estate",
        "building materials",
        "architecture and planning",
        "civil engineering",
        "property",
        "engineering and construction",
        "real estate and construction",
        "facilities services",
        "proptech",
    ),
    "Hospitality": (
        "hospitality",
        "hotels",
        "restaurants",
        "leisure travel and tourism",
        "travel",
        "food and beverage services",
        "events services",
        "gambling and casinos",
        "hotels restaurants and leisure",
        "hotels casinos restaurants and leisure",
        "tourism",
    ),
    "Nonprofit": (
        "nonprofit",
        "non profit",
        "not for profit",
        "nonprofit organization management",
        "non profit organization management",
        "philanthropy",
        "fund raising",
        "charity",
        "religious institutions",
        "civic and social organization",
        "ngo",
        "non profit organizations",
    ),
    "Other": ("other", "unspecified", "unknown", "miscellaneous", "various"),
}

# Words that decide when no exact label matched, tried in this order (specific before generic:
# "medical technology" is Healthcare, "financial software" is Software).
_INDUSTRY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Software", ("software", "saas", "cloud", "cybersecurity", "internet", "it")),
    ("Nonprofit", ("nonprofit", "charity", "ngo", "philanthropy", "foundation")),
    ("Government", ("government", "public sector", "municipal", "federal", "defense", "military")),
    ("Education", ("education", "school", "university", "college", "learning", "edtech")),
    (
        "Healthcare",
        (
            "health",
            "healthcare",
            "medical",
            "pharma",
            "pharmaceutical",
            "biotech",
            "hospital",
            "clinic",
            "clinical",
            "medtech",
            "dental",
        ),
    ),
    (
        "Financial Services",
        (
            "bank",
            "banking",
            "finance",
            "financial",
            "insurance",
            "fintech",
            "investment",
            "investments",
            "capital",
            "lending",
            "payments",
            "wealth",
            "credit",
            "accounting",
        ),
    ),
    ("Telecommunications", ("telecom", "telecommunications", "wireless", "telco", "isp")),
    (
        "Media & Entertainment",
        (
            "media",
            "entertainment",
            "publishing",
            "music",
            "film",
            "gaming",
            "games",
            "broadcast",
            "sports",
            "news",
        ),
    ),
    (
        "Retail & E-commerce",
        (
            "retail",
            "ecommerce",
            "commerce",
            "shop",
            "store",
            "stores",
            "wholesale",
            "apparel",
            "fashion",
            "consumer",
        ),
    ),
    (
        "Hospitality",
        (
            "hospitality",
            "hotel",
            "hotels",
            "restaurant",
            "restaurants",
            "travel",
            "tourism",
            "leisure",
            "food service",
        ),
    ),
    (
        "Transportation & Logistics",
        (
            "transport",
            "transportation",
            "logistics",
            "shipping",
            "freight",
            "airline",
            "airlines",
            "delivery",
            "trucking",
        ),
    ),
    (
        "Energy & Utilities",
        (
            "energy",
            "utility",
            "utilities",
            "oil",
            "gas",
            "solar",
            "power",
            "mining",
            "renewable",
            "renewables",
        ),
    ),
    (
        "Real Estate & Construction",
        (
            "real estate",
            "construction",
            "property",
            "properties",
            "building",
            "architecture",
            "housing",
        ),
    ),
    (
        "Manufacturing",
        (
            "manufacturing",
            "manufacturer",
            "industrial",
            "industrials",
            "machinery",
            "chemical",
            "chemicals",
            "automotive",
            "electronics",
            "aerospace",
            "hardware",
            "materials",
            "factory",
            "food",
            "agriculture",
        ),
    ),
    (
        "Professional Services",
        (
            "consulting",
            "services",
            "agency",
            "legal",
            "law",
            "staffing",
            "recruiting",
            "marketing",
            "advertising",
            "outsourcing",
        ),
    ),
    (
        "Software",
        (
            "technology",
            "technologies",
            "tech",
            "computer",
            "computing",
            "digital",
            "data",
            "analytics",
            "ai",
            "platform",
            "developer",
        ),
    ),
)


@lru_cache(maxsize=1)
def _industry_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for industry in schema.INDUSTRIES:
        lookup[_label_key(industry)] = industry
    for industry, labels in _INDUSTRY_LABELS.items():
        for label in labels:
            lookup.setdefault(_label_key(label), industry)
    return lookup


def match_industry(text: str) -> str | None:
    """One of ``schema.INDUSTRIES`` for a vendor label, or None when nothing fits.

    Tries, in order: exact known labels (``"Computer Software"``, ``COMPUTER_SOFTWARE``,
    ``"Information Technology & Services"``, Salesforce's 32 picklist values, GICS sectors),
    keywords (``"Cloud security software"`` → Software, ``"Medical technology"`` →
    Healthcare), then a close spelling of a known label (``"technolgy"`` → Software).
    """
    key = _label_key(text)
    if not key:
        return None
    lookup = _industry_lookup()
    if key in lookup:
        return lookup[key]
    words = key.split()
    padded = f" {key} "
    for industry, keywords in _INDUSTRY_WORDS:
        for word in keywords:
            if (" " in word and f" {word} " in padded) or word in words:
                return industry
    close = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.85)
    return lookup[close[0]] if close else None


def parse_industry(text: str) -> str:
    """:func:`match_industry`, with ``"Other"`` when nothing fits (the caller keeps the label)."""
    return match_industry(text) or "Other"


# ---------------------------------------------------------------------------------------------
# Funding stages

_FUNDING: dict[str, str] = {
    "bootstrapped": "bootstrapped",
    "bootstrap": "bootstrapped",
    "bootstrapping": "bootstrapped",
    "self funded": "bootstrapped",
    "selffunded": "bootstrapped",
    "no funding": "bootstrapped",
    "unfunded": "bootstrapped",
    "not funded": "bootstrapped",
    "pre seed": "pre_seed",
    "preseed": "pre_seed",
    "angel": "pre_seed",
    "angel round": "pre_seed",
    "friends and family": "pre_seed",
    "seed": "seed",
    "seed round": "seed",
    "series a": "series_a",
    "series b": "series_b",
    "series c": "series_c",
    "series d plus": "series_d_plus",
    "series d": "series_d_plus",
    "late stage": "series_d_plus",
    "late stage venture": "series_d_plus",
    "private equity": "private_equity",
    "private equity round": "private_equity",
    "pe": "private_equity",
    "pe backed": "private_equity",
    "buyout": "private_equity",
    "lbo": "private_equity",
    "ipo": "public",
    "public": "public",
    "post ipo": "public",
    "post ipo equity": "public",
    "post ipo debt": "public",
    "post ipo secondary": "public",
    "publicly traded": "public",
    "public company": "public",
    "listed": "public",
}


def parse_funding_stage(text: str) -> str:
    """One of ``schema.FUNDING_STAGES``: ``"Series A"``/``series_a`` → series_a, ``"Series E"``
    → series_d_plus, ``"IPO"``/``"Public"``/``post_ipo_equity`` → public, ``"Angel"`` →
    pre_seed, ``"Bootstrapped"`` → bootstrapped, ``"Private Equity"`` → private_equity.

    Rounds that say nothing of the stage (debt financing, grant, series unknown) are refused.
    """
    key = _label_key(text).replace(" funding", "").replace(" round", "").strip()
    if key in _FUNDING:
        return _FUNDING[key]
    m = re.fullmatch(r"series ([a-z])\d?(?: extension)?", key)
    if m:
        letter = m.group(1)
        return f"series_{letter}" if letter in "abc" else "series_d_plus"
    if key.replace(" ", "_") in schema.FUNDING_STAGES:
        return key.replace(" ", "_")
    raise ParseError(
        f'"{show(text)}" is not a known funding stage ({", ".join(schema.FUNDING_STAGES)})'
    )


# ---------------------------------------------------------------------------------------------
# Deal outcomes

WON_VALUES = frozenset({"won", "closedwon", "win", "closedwin", "wonclosed"})
LOST_VALUES = frozenset({"lost", "closedlost", "loss", "lose", "lostclosed"})
OPEN_VALUES = frozenset({"open", "opened", "pending", "inprogress", "active"})


def outcome_key(text: str) -> str:
    """``"Closed Won"``, ``closedwon``, ``CLOSED_WON``, ``"Closed - Won"`` → ``closedwon``."""
    return header_key(text)


def parse_outcome(text: str, extra: Mapping[str, Iterable[str]] | None = None) -> str:
    """``won``, ``lost`` or ``open`` from an outcome or stage value.

    ``extra`` maps ``"won"``/``"lost"``/``"open"`` to an organisation's own stage names (from a
    mapping file); they are tried first. Then ``"Closed Won"``/``closedwon``/``Won`` → won,
    ``"Closed Lost"``/``Lost`` → lost; anything else is a stage still open.
    """
    key = outcome_key(text)
    for outcome in ("won", "lost", "open"):
        if extra and key in {outcome_key(v) for v in extra.get(outcome, ())}:
            return outcome
    if key in WON_VALUES:
        return "won"
    if key in LOST_VALUES:
        return "lost"
    return "open"
