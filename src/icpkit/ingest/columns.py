"""Typing one column: cleaned text in, typed values out, with why a cell could not be read.

Each canonical column has its normaliser (:func:`kind_of`): employees, country, industry, ...;
any other column is typed by its schema type. A parser from :mod:`icpkit.ingest.normalise` is
applied once per distinct value; the common cases of a million-row export (plain numbers, ISO
dates) are read by Arrow and numpy without a Python call per cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from icpkit import schema
from icpkit.ingest import arrowtext, formats
from icpkit.ingest import normalise as nz

STR_DTYPE = arrowtext.STR_DTYPE

# Normalisers by canonical column; any other column is typed by its schema type.
_KIND_BY_COLUMN = {
    "employees": "employees",
    "founded_year": "year",
    "country": "country",
    "region": "region",
    "domain": "domain",
    "industry": "industry",
    "funding_stage": "funding",
    "outcome": "outcome",
}
_KIND_BY_TYPE = {
    "str": "text",
    "int": "int",
    "float": "money",
    "date": "date",
    "bool": "bool",
    "list": "list",
}


def kind_of(column: str, logical_type: str) -> str:
    """The normaliser a canonical column gets (its own, else its schema type's)."""
    return _KIND_BY_COLUMN.get(column, _KIND_BY_TYPE[logical_type])


@dataclass
class ColumnResult:
    """A typed column, why some cells could not be read, and columns derived from it."""

    values: pd.Series
    reasons: np.ndarray | None = None  # object: reason or None per row
    extras: dict[str, pd.Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # how the column writes its values, as decided (ingest.json's "formats"), and what the
    # user should look at (a column that writes numbers or dates both ways)
    format: dict | None = None
    warnings: list[str] = field(default_factory=list)


def _is_text(series: pd.Series) -> bool:
    return arrowtext.is_text(series)


def clean_text(series: pd.Series) -> pd.Series:
    """Text cells trimmed, as an Arrow-backed string column; blank cells and tokens like
    ``NULL``, ``N/A`` become missing. Typed columns (Parquet, a database) pass unchanged."""
    if not _is_text(series):
        return series
    return arrowtext.clean(series)


def per_unique(series: pd.Series, fn: Callable[[Any], Any]) -> np.ndarray:
    """``fn`` applied once per distinct non-missing value, spread back over the rows (object
    array; None where the value is missing)."""
    codes, uniques = arrowtext.factorize(series)
    results = np.empty(len(uniques) + 1, dtype=object)
    for i, value in enumerate(uniques):
        results[i] = fn(value)
    return results[codes]


def to_text(series: pd.Series) -> pd.Series:
    """Typed values (from Parquet) as text: 1001 → "1001", 2.0 → "2"."""
    if _is_text(series):
        return series

    def fmt(value: object) -> str | None:
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, float | np.floating):
            if np.isnan(value):
                return None
            return str(int(value)) if float(value).is_integer() else repr(float(value))
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
        if isinstance(value, np.ndarray | list | tuple):
            return schema.LIST_SEPARATOR.join(str(v) for v in value)
        return str(value)

    return pd.Series([fmt(v) for v in series.to_list()], index=series.index, dtype=object)


def map_unique(series: pd.Series, parse: Callable[[str], Any]) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``parse`` once per distinct value. Returns (values, reasons): object arrays aligned
    with ``series``; a value is None where the cell is blank or unreadable, a reason is the
    :class:`~icpkit.ingest.normalise.ParseError` message where it is unreadable."""
    codes, uniques = arrowtext.factorize(series)
    parsed = np.empty(len(uniques) + 1, dtype=object)
    reasons = np.empty(len(uniques) + 1, dtype=object)
    for i, value in enumerate(uniques):
        try:
            parsed[i] = parse(value)
        except nz.ParseError as error:
            reasons[i] = str(error)
    return parsed[codes], reasons[codes]


def raw_where(text: pd.Series, mask: np.ndarray) -> pd.Series:
    return pd.Series(np.where(mask, text.to_numpy(dtype=object), None), index=text.index).astype(
        STR_DTYPE
    )


def _type_text(text: pd.Series) -> ColumnResult:
    return ColumnResult(to_text(text).astype(STR_DTYPE))


def _within_int64(parse: Callable[[str], int]) -> Callable[[str], int]:
    def checked(text: str) -> int:
        value = parse(text)
        if not -(2**63) < value < 2**63:
            raise nz.ParseError(f'"{nz.show(text)}" is too large a number')
        return value

    return checked


def _type_int_like(
    text: pd.Series,
    parse: Callable[[str], int],
    *,
    raw_when_not_plain: bool,
    name: str,
    digits_are_values: bool = True,
    decimal_mark: bool = False,
    fast_digits: int = 15,
) -> ColumnResult:
    """``decimal_mark``: the column decides whether it writes ``1.234,5`` (see
    :mod:`icpkit.ingest.formats`); ``parse`` then takes ``decimal_comma``. ``fast_digits``:
    plain digits up to this many are read without ``parse`` (longer ones go through it, and
    through its range check)."""
    if pd.api.types.is_numeric_dtype(text.dtype) and not pd.api.types.is_bool_dtype(text.dtype):
        limit = nz.MAX_EMPLOYEES if parse is nz.parse_employees else nz.MAX_AMOUNT
        return _typed_numbers(text, limit, integers=True)
    text = to_text(text)
    n = len(text)
    number_format: formats.NumberFormat | None = None
    values = np.zeros(n, dtype=np.int64)
    known = np.zeros(n, dtype=bool)
    reasons = np.full(n, None, dtype=object)
    plain = np.ones(n, dtype=bool)
    # digits only (a headcount, a count): Arrow reads them as parse would, without Python
    fast = (
        arrowtext.full_match(text, rf"\d{{1,{fast_digits}}}")
        if digits_are_values
        else np.zeros(n, bool)
    )
    if fast.any():
        values[fast] = arrowtext.to_arrow(text).filter(pa.array(fast)).cast(pa.int64())
        known[fast] = True
    slow = np.flatnonzero(~fast & text.notna().to_numpy())
    if slow.size:
        rest = text.iloc[slow]
        if decimal_mark:  # digits alone say nothing of the mark: the other values decide
            number_format = formats.decide_decimal_mark(
                formats.mark_examples(arrowtext.factorize(rest)[1])
            )
            parse = _with_mark(parse, number_format.decimal_comma)
        parsed, reasons[slow] = map_unique(rest, _within_int64(parse))
        read = np.array([p is not None for p in parsed], dtype=bool)
        values[slow[read]] = [int(p) for p in parsed[read]]
        known[slow[read]] = True
        if raw_when_not_plain:
            plain[slow] = per_unique(rest, nz.is_plain_integer) != False  # noqa: E712
    integers = pd.array(values, dtype="Int64")
    integers[~known] = pd.NA
    result = ColumnResult(pd.Series(integers, index=text.index), reasons)
    failed = reasons != None  # noqa: E711 - elementwise on an object array
    keep = failed | ~plain
    if keep.any():
        result.extras[f"{name}_raw"] = raw_where(text, keep)
    if number_format is not None:
        _state_number_format(result, name, number_format)
    return result


def _typed_numbers(numbers: pd.Series, limit: float, *, integers: bool) -> ColumnResult:
    """A column already numeric (Parquet, a database, a workbook): a value that is infinite
    or beyond ``limit`` is left blank with its reason, as the same text would be."""
    floats = numbers.astype("float64")
    bad = (~np.isfinite(floats) | (floats.abs() > limit)) & numbers.notna()
    reasons = None
    if bad.any():
        reasons = np.full(len(numbers), None, dtype=object)
        for i in np.flatnonzero(bad.to_numpy()):
            value = floats.iloc[i]
            reasons[i] = f'"{nz.show(value)}" is out of range (at most {limit:,.0f})'
        floats = floats.where(~bad)
    values = floats.round().astype("Int64") if integers else floats
    return ColumnResult(values, reasons)


def _with_mark(parse: Callable[..., Any], decimal_comma: bool) -> Callable[[str], Any]:
    if not decimal_comma:
        return parse
    return lambda value: parse(value, decimal_comma=True)


def _state_number_format(result: ColumnResult, name: str, number: formats.NumberFormat) -> None:
    if not number.worth_stating:
        return
    result.format = number.describe()
    note, warning = number.note(name), number.warning(name)
    if note:
        result.notes.append(note)
    if warning:
        result.warnings.append(warning)


# Numbers Arrow converts exactly as parse_money would (to the same float, in USD): the common
# case of a million-row export is read without a Python call per cell.
_PLAIN_DECIMAL = r"-?(?:\d{1,15}(?:\.\d+)?|\.\d+)"


# A plain number whose dot may separate thousands (12.800): its column decides.
_GROUPED_DOT = r"-?[1-9]\d{0,2}\.\d{3}"


def _type_money(text: pd.Series, name: str) -> ColumnResult:
    if pd.api.types.is_numeric_dtype(text.dtype) and not pd.api.types.is_bool_dtype(text.dtype):
        return _typed_numbers(text, nz.MAX_AMOUNT, integers=False)
    text = to_text(text)
    n = len(text)
    amounts = np.full(n, np.nan)
    reasons = np.full(n, None, dtype=object)
    failed = np.zeros(n, dtype=bool)
    not_plain = np.zeros(n, dtype=bool)
    fast = arrowtext.full_match(text, _PLAIN_DECIMAL)
    number, dotted = _decimal_mark_of(text, fast)
    if number.decimal_comma:  # "12.800" is twelve thousand eight hundred: read it carefully
        fast &= ~dotted
    if fast.any():
        numbers = arrowtext.to_arrow(text).filter(pa.array(fast)).cast(pa.float64())
        amounts[fast] = numbers.to_numpy()
    # the rest (blank cells aside) parsed once per distinct value; only they may have a
    # currency other than USD
    slow = np.flatnonzero(~fast & text.notna().to_numpy())
    currencies = np.full(len(slow), None, dtype=object)
    if slow.size:
        rest = text.iloc[slow]
        parsed, reasons[slow] = map_unique(rest, _with_mark(nz.parse_money, number.decimal_comma))
        amounts[slow] = [np.nan if p is None else p.amount for p in parsed]
        currencies[:] = [None if p is None else p.currency for p in parsed]
        failed[slow] = reasons[slow] != None  # noqa: E711
        plain = nz.is_plain_number if not number.decimal_comma else _plain_digits
        not_plain[slow] = per_unique(rest, plain) == False  # noqa: E712
    result = ColumnResult(pd.Series(amounts, index=text.index), reasons)
    if (failed | not_plain).any():
        result.extras[f"{name}_raw"] = raw_where(text, failed | not_plain)
    foreign = (currencies != None) & (currencies != "USD")  # noqa: E711
    if foreign.any():
        column = np.full(n, None, dtype=object)
        column[fast] = "USD"
        column[slow] = currencies
        result.extras[f"{name}_currency"] = pd.Series(column, index=text.index).astype(STR_DTYPE)
        codes = sorted(set(currencies[foreign]))
        result.notes.append(
            f"{name}: {int(foreign.sum())} values in {', '.join(codes)} kept in their own "
            f"currency (no exchange-rate conversion); see {name}_currency"
        )
    _state_number_format(result, name, number)
    return result


def _plain_digits(text: str) -> bool:
    """A plain number read the same with either decimal mark (the raw text of any other is
    kept when the column writes 1.234,5)."""
    return nz.is_plain_number(text) and "." not in text and "," not in text


def _decimal_mark_of(text: pd.Series, plain: np.ndarray) -> tuple[formats.NumberFormat, np.ndarray]:
    """How a money column writes its decimals, from its distinct values: the plain numbers
    (``plain``, a million of them maybe) are looked at by Arrow, the others one by one. Also
    which plain numbers have a dot."""
    array = arrowtext.to_arrow(text)
    others = text[~plain & text.notna().to_numpy()]
    examples = formats.mark_examples(arrowtext.factorize(others)[1])
    if not plain.any():
        return formats.decide_decimal_mark(examples), plain
    has_dot = pc.fill_null(pc.match_substring(array, "."), False)
    dotted = plain & has_dot.to_numpy(zero_copy_only=False)
    if dotted.any():
        grouped = dotted & arrowtext.full_match(text, _GROUPED_DOT)
        for kind, mask in (("grouped_dot", grouped), ("dot", dotted & ~grouped)):
            if mask.any() and kind not in examples:
                examples[kind] = str(array[int(np.flatnonzero(mask)[0])].as_py())
    return formats.decide_decimal_mark(examples), dotted


# ISO dates, with or without a time: read from their first 10 bytes by numpy (a column of
# timestamps has a million distinct values); any other way of writing a date is parsed once
# per distinct value.
_ISO_DATE_TIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?"
)


def _type_date(
    text: pd.Series, name: str = "", order: formats.DateOrder | None = None
) -> ColumnResult:
    """``order``: the order its file decided for ``3/1/2024``-like dates (see
    :mod:`icpkit.ingest.formats`); without it, the column decides on its own."""
    if pd.api.types.is_datetime64_any_dtype(text.dtype):
        values = text
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        return ColumnResult(values.dt.normalize().astype("datetime64[ns]"))
    text = to_text(text)
    if _is_text(text):
        fast_days, fast = arrowtext.iso_dates(
            text,
            lambda cell: _ISO_DATE_TIME_RE.fullmatch(cell) is not None,
            years=nz.PLAUSIBLE_YEARS,
        )
    else:
        fast_days, fast = np.full(len(text), np.datetime64("NaT"), "datetime64[D]"), None
    if fast is not None and fast.all():
        return ColumnResult(pd.Series(fast_days.astype("datetime64[ns]"), index=text.index))
    keys = text if fast is None else text.where(~fast)
    if order is None:
        order = formats.decide_date_orders({name: formats.date_evidence(keys)}).get(name)
    codes, uniques = arrowtext.factorize(keys)
    day_first = order is not None and order.day_first
    days = np.full(len(uniques) + 1, np.datetime64("NaT"), dtype="datetime64[D]")
    messages = np.full(len(uniques) + 1, None, dtype=object)
    for i, value in enumerate(uniques):
        try:
            days[i] = np.datetime64(nz.parse_date(value, day_first=day_first), "D")
        except nz.ParseError as error:
            messages[i] = str(error)
    reasons = messages[codes]
    parsed = days[codes]
    if fast is not None:
        parsed[fast] = fast_days[fast]
    if not (reasons != None).any():  # noqa: E711
        reasons = None
    dates = pd.Series(parsed.astype("datetime64[ns]"), index=text.index)
    result = ColumnResult(dates, reasons)
    if order is not None:
        result.format = order.describe()
    return result


def _type_bool(text: pd.Series) -> ColumnResult:
    if pd.api.types.is_bool_dtype(text.dtype):
        return ColumnResult(text.astype("boolean"))
    text = to_text(text)
    values, reasons = map_unique(text, nz.parse_bool)
    return ColumnResult(pd.Series(pd.array(values, dtype="boolean"), index=text.index), reasons)


def _type_list(text: pd.Series) -> ColumnResult:
    def one(value: Any) -> list[str] | None:  # a cell: text, a number or a list
        if value is None or value is pd.NA:
            return None
        if isinstance(value, float) and np.isnan(value):
            return None
        if isinstance(value, str):
            return nz.parse_list(value)
        return nz.parse_list(schema.LIST_SEPARATOR.join(str(v) for v in value))

    if _is_text(text):
        values, _ = map_unique(text, nz.parse_list)
        lists = [None if v is None else list(v) for v in values]
    else:
        lists = [one(v) for v in text.to_list()]
    return ColumnResult(pd.Series(lists, index=text.index, dtype=object))


def _type_country(text: pd.Series) -> ColumnResult:
    text = to_text(text)
    guesses: dict[str, str] = {}

    def parse(value: str) -> str:
        code = nz.country_exact(value)
        if code is None:
            code = nz.country_guess(value)
            if code is None:
                raise nz.ParseError(f'cannot read "{nz.show(value)}" as a country')
            guesses[value] = code
        return code

    values, reasons = map_unique(text, parse)
    result = ColumnResult(pd.Series(values, index=text.index).astype(STR_DTYPE), reasons)
    failed = reasons != None  # noqa: E711
    if failed.any():
        result.extras["country_raw"] = raw_where(text, failed)
    if guesses:
        shown = ", ".join(f'"{nz.show(k)}" as {v}' for k, v in list(guesses.items())[:10])
        result.notes.append(f"country: read misspelt names by the closest country: {shown}")
    return result


def _type_region(text: pd.Series, country: pd.Series | None) -> ColumnResult:
    text = to_text(text)
    values, reasons = map_unique(text, nz.parse_region)
    regions = pd.Series(values, index=text.index, dtype=object)
    failed = reasons != None  # noqa: E711
    derived = 0
    if country is not None:
        from_country = pd.Series(
            per_unique(country.astype(object), nz.region_of), index=text.index, dtype=object
        )
        fill = regions.isna() & from_country.notna()
        derived = int((fill & text.isna()).sum())
        regions = regions.where(~fill, from_country)
        # None makes an object array; numpy's stubs accept no None in np.where.
        reasons = np.where(fill.to_numpy(), None, reasons)  # type: ignore[call-overload]
    result = ColumnResult(regions.astype(STR_DTYPE), reasons)
    if failed.any():
        result.extras["region_raw"] = raw_where(text, failed)
    if derived:
        result.notes.append(f"region: {derived} blank regions filled in from country")
    return result


def _type_domain(text: pd.Series) -> ColumnResult:
    text = to_text(text)
    values, reasons = map_unique(text, nz.parse_domain)
    result = ColumnResult(pd.Series(values, index=text.index).astype(STR_DTYPE), reasons)
    failed = reasons != None  # noqa: E711
    if failed.any():
        result.extras["domain_raw"] = raw_where(text, failed)
    return result


def _type_industry(text: pd.Series) -> ColumnResult:
    text = to_text(text)
    unmatched: dict[str, None] = {}

    def parse(value: str) -> str:
        industry = nz.match_industry(value)
        if industry is None:
            unmatched[value] = None
            return "Other"
        return industry

    values, _ = map_unique(text, parse)
    result = ColumnResult(pd.Series(values, index=text.index).astype(STR_DTYPE))
    result.extras["industry_raw"] = text.astype(STR_DTYPE)
    if unmatched:
        labels = list(unmatched)
        shown = ", ".join(f'"{nz.show(v)}"' for v in labels[:10]) + (
            " ..." if len(labels) > 10 else ""
        )
        result.notes.append(
            f"industry: {len(labels)} labels not recognised, counted as Other "
            f"(kept in industry_raw): {shown}"
        )
    return result


def _type_funding(text: pd.Series) -> ColumnResult:
    text = to_text(text)
    values, reasons = map_unique(text, nz.parse_funding_stage)
    result = ColumnResult(pd.Series(values, index=text.index).astype(STR_DTYPE), reasons)

    def loses_information(label: str) -> bool:
        # "Series E" → series_d_plus loses the letter: keep the label; "Seed" → seed does not
        try:
            return nz.header_key(label) != nz.header_key(nz.parse_funding_stage(label))
        except nz.ParseError:
            return True

    differs = per_unique(text, loses_information) == True  # noqa: E712
    if differs.any():
        result.extras["funding_stage_raw"] = raw_where(text, differs)
    return result


def type_column(kind: str, series: pd.Series, name: str, **context: Any) -> ColumnResult:
    """Type one cleaned column with the normaliser for ``kind``. ``context``: ``country`` (the
    typed country column, for region), ``date_order`` (the file's, for a date column)."""
    if kind == "text":
        return _type_text(series)
    if kind == "employees":
        return _type_int_like(
            series,
            nz.parse_employees,
            raw_when_not_plain=True,
            name=name,
            decimal_mark=True,
            fast_digits=len(str(nz.MAX_EMPLOYEES)) - 1,  # below the bound: no check needed
        )
    if kind == "int":
        return _type_int_like(series, nz.parse_int, raw_when_not_plain=False, name=name)
    if kind == "year":  # "250" is not a year: every value is checked
        return _type_int_like(
            series, nz.parse_year, raw_when_not_plain=False, name=name, digits_are_values=False
        )
    if kind == "money":
        return _type_money(series, name)
    if kind == "date":
        return _type_date(series, name, context.get("date_order"))
    if kind == "bool":
        return _type_bool(series)
    if kind == "list":
        return _type_list(series)
    if kind == "country":
        return _type_country(series)
    if kind == "region":
        return _type_region(series, context.get("country"))
    if kind == "domain":
        return _type_domain(series)
    if kind == "industry":
        return _type_industry(series)
    if kind == "funding":
        return _type_funding(series)
    raise ValueError(f"unknown column kind {kind!r}")


def empty_column(logical_type: str, n: int) -> pd.Series:
    """An all-missing column of the output dtype for a schema type."""
    missing = np.ones(n, dtype=bool)
    if logical_type == "int":
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), missing))
    if logical_type == "float":
        return pd.Series(np.full(n, np.nan))
    if logical_type == "date":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    if logical_type == "bool":
        return pd.Series(pd.arrays.BooleanArray(np.zeros(n, dtype=bool), missing))
    if logical_type == "list":
        return pd.Series(np.full(n, None, dtype=object))
    return arrowtext.to_series(pa.nulls(n, type=pa.large_string()))


def empty_table(table: str) -> pd.DataFrame:
    """A canonical table with no rows and the output dtypes."""
    return pd.DataFrame({c: empty_column(t, 0) for c, t in schema.TABLES[table].items()})


_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
)


def type_custom(series: pd.Series) -> pd.Series:
    """A column outside the schema: numbers become Int64/float64, ISO dates dates, true/false
    booleans, lists stay lists; anything else (``Yes``/``No``/``Unknown``) stays text."""
    if not _is_text(series):
        if pd.api.types.is_bool_dtype(series.dtype):
            return series.astype("boolean")
        if pd.api.types.is_integer_dtype(series.dtype):
            return series.astype("Int64")
        if pd.api.types.is_numeric_dtype(series.dtype):
            return series.astype("float64")
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            return type_column("date", series, "").values
        values = series.to_list()
        if any(isinstance(v, np.ndarray | list | tuple) for v in values):
            return type_column("list", series, "").values
        return to_text(series).astype(STR_DTYPE)
    uniques = pd.unique(series.dropna())
    if len(uniques) == 0:
        return series.astype(STR_DTYPE)
    if all(nz.is_plain_number(u) and not re.match(r"[+-]?0\d", u.strip()) for u in uniques):
        numbers = pd.to_numeric(series.str.replace(",", "", regex=False), errors="coerce")
        if all(nz.is_plain_integer(u) for u in uniques) and numbers.abs().max() < 2**53:
            return numbers.round().astype("Int64")
        return numbers.astype("float64")
    if all(_ISO_DATE.fullmatch(u) for u in uniques):
        result = type_column("date", series, "")
        if result.reasons is None or all(r is None for r in result.reasons):
            return result.values
    if all(u.lower() in ("true", "false") for u in uniques):
        return type_column("bool", series, "").values
    return series.astype(STR_DTYPE)
