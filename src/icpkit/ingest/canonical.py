"""From raw files to the canonical tables: map columns, type values, validate, quarantine.

The pipeline for one file (``build_table``): match headers onto canonical columns (explicit
mapping first, then canonical names, then aliases; case, spaces and punctuation ignored), type
each column with its normaliser (once per distinct value), reject rows that cannot be used
(blank key, unreadable outcome, duplicate id) with a reason, and keep every other column. Then
``ingest`` checks references across tables (a deal's account must exist) and assembles an
:class:`IngestResult` in which every row read is either accepted or quarantined.

Source-specific knowledge (a CRM's column names, flag columns, stage names, id fixes) lives in
a :class:`Conventions` value, so a Salesforce or HubSpot adapter is one module that builds a
``Conventions`` and calls :func:`ingest`; nothing here knows any vendor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from icpkit import schema
from icpkit.errors import IcpkitError
from icpkit.ingest import arrowtext, formats
from icpkit.ingest import normalise as nz
from icpkit.ingest.readers import Progress, RawTable, read_table

STR_DTYPE = arrowtext.STR_DTYPE

MAX_LISTED_CELL_ISSUES = 1000

ID_COLUMNS = {"accounts": "account_id", "deals": "deal_id", "contacts": "contact_id"}

# Canonical column -> generic header aliases, per table (matched like header_key). Vendor
# adapters add their own; these are names any export or spreadsheet might use.
_ACCOUNT_REF = (
    "account id",
    "company id",
    "organization id",
    "organisation id",
    "org id",
    "account",
    "associated company id",
    "associated company ids",
    "customer id",
)
GENERIC_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {
        "account_id": (
            "id",
            "account id",
            "record id",
            "company id",
            "organization id",
            "org id",
            "hs_object_id",
            "account",
            "customer id",
        ),
        "name": (
            "company",
            "company name",
            "account name",
            "organization",
            "organisation",
            "organization name",
            "organisation name",
            "business name",
            "name",
        ),
        "domain": (
            "website",
            "company domain name",
            "domain name",
            "company domain",
            "url",
            "website url",
            "web",
            "homepage",
            "company website",
            "web address",
        ),
        "industry": ("sector", "vertical", "industry sector", "industry category"),
        "employees": (
            "number of employees",
            "employee count",
            "headcount",
            "employees count",
            "no of employees",
            "num employees",
            "company size",
            "size",
            "staff",
            "staff count",
            "employee range",
            "employees range",
            "team size",
            "people count",
            "employee size",
        ),
        "annual_revenue": (
            "annual revenue",
            "revenue",
            "annual revenue usd",
            "revenue usd",
            "turnover",
        ),
        "country": (
            "country/region",
            "country region",
            "billing country",
            "hq country",
            "country code",
            "hs_country_code",
            "address country",
            "headquarters country",
            "office location",
        ),
        "region": ("geo", "geo region", "sales region"),
        "founded_year": (
            "year founded",
            "founded",
            "year established",
            "established",
            "founding year",
            "founded in",
        ),
        "funding_stage": (
            "last funding type",
            "last funding stage",
            "latest funding stage",
            "funding round",
            "funding",
            "stage of funding",
        ),
        "total_funding": (
            "total money raised",
            "total funding amount",
            "funding total",
            "total raised",
            "total funding usd",
        ),
        "technologies": (
            "web technologies",
            "tech stack",
            "technology stack",
            "tech",
            "technographics",
            "technologies used",
            "technology",
        ),
    },
    "deals": {
        "deal_id": (
            "id",
            "deal id",
            "opportunity id",
            "record id",
            "opp id",
            "hs_object_id",
            "opportunity",
        ),
        "account_id": _ACCOUNT_REF,
        "created_at": (
            "created",
            "created date",
            "create date",
            "created on",
            "date created",
            "open date",
            "add time",
            "deal created",
            "engage date",
        ),
        "closed_at": (
            "close date",
            "closed date",
            "closed",
            "close time",
            "date closed",
            "closing date",
        ),
        "outcome": ("result", "win loss", "won lost", "deal outcome"),
        "amount": (
            "value",
            "deal value",
            "close value",
            "deal amount",
            "opportunity amount",
            "amount usd",
        ),
        "stage": (
            "stage name",
            "deal stage",
            "dealstage",
            "opportunity stage",
            "pipeline stage",
            "sales stage",
        ),
        "source": ("lead source", "deal source", "origin", "channel"),
        "lost_reason": (
            "closed lost reason",
            "close lost reason",
            "reason lost",
            "loss reason",
        ),
    },
    "contacts": {
        "contact_id": ("id", "contact id", "record id", "person id", "hs_object_id"),
        "account_id": _ACCOUNT_REF,
        "deal_id": ("opportunity id", "deal id"),
        "title": ("job title", "position", "designation"),
        "department": ("function", "job function"),
        "seniority": ("level", "management level", "seniority level"),
        "buying_role": ("hs_buying_role", "role", "contact role", "opportunity contact role"),
    },
    "signals": {
        "account_id": _ACCOUNT_REF,
        "type": ("signal type", "event type", "event", "kind", "category"),
        "occurred_at": ("date", "event date", "timestamp", "occurred", "happened at"),
        "detail": ("details", "description", "note", "notes"),
    },
    "customers": {
        "account_id": _ACCOUNT_REF,
        "start": ("start date", "customer since", "contract start", "became customer"),
        "end": ("end date", "churn date", "churned at", "contract end", "cancelled date"),
        "churned": ("is churned", "churn", "has churned"),
        "arr_start": ("starting arr", "initial arr", "arr at start"),
        "arr": ("current arr", "annual recurring revenue"),
    },
}

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


@dataclass(frozen=True)
class Rewrite:
    """A change a source needs before typing, applied to one column's cleaned text.

    ``fn`` takes the column (text, None where blank) and returns it rewritten; ``description``
    says why, for the note in ``ingest.json`` (e.g. ``"15-character Salesforce ids extended to
    18"``). Values that change are counted and one example is shown.
    """

    fn: Callable[[pd.Series], pd.Series]
    description: str

    def __call__(self, text: pd.Series) -> pd.Series:
        return self.fn(text)


# A file-level fix a source needs before its headers are matched (a report footer to mark,
# paired currency columns to join, a reference to look up in a file read earlier). It gets
# the file as read, the files of earlier tables (accounts before deals before contacts) and
# the conventions in force (with any mapping file applied).
Prepare = Callable[[RawTable, Mapping[str, RawTable], "Conventions"], RawTable]


@dataclass(frozen=True)
class Conventions:
    """What one kind of source calls things: the only place a CRM adapter has to fill in.

    ``aliases``: table → canonical column → header names meaning it. ``columns``: table →
    source header → target column (from a mapping file; a target outside the schema renames a
    custom column, ``""`` drops the column). ``outcome_values``: ``won``/``lost``/``open`` →
    stage or outcome values meaning it. The ``*_flags`` are headers of boolean columns that
    decide a deal's outcome before any stage name. ``prepare``: table → a fix of the whole file
    before its headers are matched. ``transforms``: table → canonical column → a
    :class:`Rewrite` of the column's text before typing (e.g. 15 → 18 character ids).
    ``values``: table → column (source header or output name) → ``{value: replacement}``,
    applied to the exact trimmed text (``"GTXPro" = "GTX Pro"``). ``scale``: table → numeric
    canonical column → factor (revenue given in millions: 1000000).
    """

    name: str = "generic"
    aliases: Mapping[str, Mapping[str, Sequence[str]]] = field(
        default_factory=lambda: GENERIC_ALIASES
    )
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    outcome_values: Mapping[str, Sequence[str]] = field(default_factory=dict)
    won_flags: Sequence[str] = ("IsWon", "is_won", "hs_is_closed_won")
    closed_flags: Sequence[str] = ("IsClosed", "is_closed", "hs_is_closed")
    lost_flags: Sequence[str] = ("is_lost", "hs_is_closed_lost")
    status_columns: Sequence[str] = ("status", "deal status", "Deal - Status")
    prepare: Mapping[str, Prepare] = field(default_factory=dict)
    transforms: Mapping[str, Mapping[str, Rewrite]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    scale: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


def extend_aliases(
    base: Mapping[str, Mapping[str, Sequence[str]]],
    extra: Mapping[str, Mapping[str, Sequence[str]]],
    *,
    remove: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> dict[str, dict[str, tuple[str, ...]]]:
    """``base`` aliases with a source's own names tried first, and some generic ones removed
    (Salesforce's boolean ``Closed`` column must not be read as the close date)."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for table in schema.TABLES:
        columns = {c: tuple(names) for c, names in base.get(table, {}).items()}
        for column, names in extra.get(table, {}).items():
            columns[column] = tuple(dict.fromkeys([*names, *columns.get(column, ())]))
        for column, names in (remove or {}).get(table, {}).items():
            dropped = {nz.header_key(n) for n in names}
            columns[column] = tuple(
                n for n in columns.get(column, ()) if nz.header_key(n) not in dropped
            )
        out[table] = columns
    return out


def one_line(error: Exception) -> str:
    """An exception's message on one line (for :class:`IcpkitError`)."""
    return " ".join(str(error).split())


# ---------------------------------------------------------------------------------------------
# Result


@dataclass
class IngestResult:
    """Canonical tables, the rows that were refused, and an account of what happened.

    ``tables``: ``accounts`` and ``deals`` always (``deals`` empty when no deals were given),
    ``contacts``, ``signals``, ``customers`` when given. ``quarantine``: one row per refused
    record with ``source_file``, ``line``, ``column``, ``reason`` and ``raw`` (the record as
    text). ``report``: per file rows read / accepted / quarantined / cell issues, duplicates,
    cell issues listed, and notes; it is what ``ingest.json`` holds.
    """

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    report: dict


QUARANTINE_COLUMNS = ("source_file", "line", "column", "reason", "raw")


# ---------------------------------------------------------------------------------------------
# Column plan


@dataclass
class ColumnPlan:
    """Which source header feeds which output column."""

    canonical: dict[str, str] = field(default_factory=dict)  # canonical column -> header
    custom: dict[str, str] = field(default_factory=dict)  # header -> output name
    derived: dict[str, str] = field(default_factory=dict)  # e.g. "employees_raw" -> header
    dropped: list[str] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)  # won/closed/lost/status -> header

    def describe(self) -> dict:
        mapped = {header: column for column, header in self.canonical.items()}
        mapped.update({h: c for c, h in self.derived.items()})
        return {
            "mapped": mapped,
            "outcome_flags": {header: flag for flag, header in self.flags.items()},
            "custom": dict(self.custom),
            "dropped": list(self.dropped),
        }


def _derived_names(column: str) -> tuple[str, ...]:
    return (f"{column}_raw", f"{column}_currency")


def plan_columns(
    headers: Sequence[str],
    table: str,
    conventions: Conventions,
    *,
    forced: Mapping[str, str] | None = None,
    exclude: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> ColumnPlan:
    """Decide the target of every header. ``forced``: header → canonical column, before all;
    ``exclude``: canonical columns no header may fill; ``drop``: headers to leave out."""
    canonical_columns = schema.TABLES[table]
    plan = ColumnPlan()
    taken: set[str] = set()  # headers already assigned
    explicit = {nz.header_key(k): v for k, v in conventions.columns.get(table, {}).items()}
    renamed: dict[str, str] = {}
    for header in headers:
        if header in drop:
            plan.dropped.append(header)
            taken.add(header)
    for header, column in (forced or {}).items():
        plan.canonical[column] = header
        taken.add(header)
    for header in headers:
        key = nz.header_key(header)
        if header in taken or key not in explicit:
            continue
        target = explicit[key].strip()
        if not target:
            plan.dropped.append(header)
        elif target in canonical_columns and target not in plan.canonical:
            plan.canonical[target] = header
        else:
            renamed[header] = nz.snake_case(target) or target
        taken.add(header)
    by_key: dict[str, list[str]] = {}
    for header in headers:
        if header not in taken:
            by_key.setdefault(nz.header_key(header), []).append(header)
    aliases = conventions.aliases.get(table, {})
    for column in canonical_columns:
        if column in plan.canonical or column in exclude:
            continue
        for name in (column, *aliases.get(column, ())):
            candidates = [h for h in by_key.get(nz.header_key(name), []) if h not in taken]
            if candidates:
                plan.canonical[column] = candidates[0]
                taken.add(candidates[0])
                break
    if table == "deals":
        flag_names = {
            "won": conventions.won_flags,
            "closed": conventions.closed_flags,
            "lost": conventions.lost_flags,
            "status": conventions.status_columns,
        }
        for flag, names in flag_names.items():
            keys = [nz.header_key(n) for n in names]
            for key in keys:
                found = [h for h in by_key.get(key, []) if h not in plan.canonical.values()]
                if found:
                    plan.flags[flag] = found[0]
                    break
    used = set(canonical_columns)
    derivable = {d: c for c in plan.canonical for d in _derived_names(c)}
    flag_headers = set(plan.flags.values())  # they become the outcome, never an attribute
    for i, header in enumerate(headers):
        if header in plan.canonical.values() or header in plan.dropped or header in flag_headers:
            continue
        name = renamed.get(header) or nz.snake_case(header) or f"column_{i + 1}"
        if name in derivable and name not in plan.derived:
            plan.derived[name] = header
            continue
        if name in canonical_columns:
            name = f"source_{name}"
        base, k = name, 2
        while name in used or name in derivable:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        plan.custom[header] = name
    return plan


def missing_column_error(
    label: str, column: str, headers: Sequence[str], hint: str = ""
) -> IcpkitError:
    """``accounts.csv: missing required column "account_id" (close matches: "Acct ID")``."""
    close = close_headers(column, headers)
    if close:
        where = "close matches: " + ", ".join(f'"{nz.show(h)}"' for h in close)
    else:
        shown = ", ".join(f'"{nz.show(h)}"' for h in headers[:12]) + (
            ", ..." if len(headers) > 12 else ""
        )
        where = f"columns found: {shown}"
    extra = f"; {hint}" if hint else ""
    return IcpkitError(
        f'missing required column "{column}" ({where}){extra}', file=label, column=column
    )


def close_headers(name: str, headers: Sequence[str], n: int = 3) -> list[str]:
    """Headers that look like ``name`` (by spelling, ignoring case and punctuation)."""
    import difflib

    keys = {nz.header_key(h): h for h in headers}
    target = nz.header_key(name)
    found = difflib.get_close_matches(target, list(keys), n=n, cutoff=0.6)
    contains = [k for k in keys if target and (target in k or (len(k) > 2 and k in target))]
    ordered = list(dict.fromkeys(found + contains))[:n]
    return [keys[k] for k in ordered]


# ---------------------------------------------------------------------------------------------
# Typing columns


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


def _to_text(series: pd.Series) -> pd.Series:
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


def _raw_where(text: pd.Series, mask: np.ndarray) -> pd.Series:
    return pd.Series(np.where(mask, text.to_numpy(dtype=object), None), index=text.index).astype(
        STR_DTYPE
    )


def _type_text(text: pd.Series) -> ColumnResult:
    return ColumnResult(_to_text(text).astype(STR_DTYPE))


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
    text = _to_text(text)
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
        result.extras[f"{name}_raw"] = _raw_where(text, keep)
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
    text = _to_text(text)
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
        result.extras[f"{name}_raw"] = _raw_where(text, failed | not_plain)
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
    text = _to_text(text)
    if _is_text(text):
        fast_days, fast = arrowtext.iso_dates(
            text, _ISO_DATE_TIME_RE.fullmatch, years=nz.PLAUSIBLE_YEARS
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
    text = _to_text(text)
    values, reasons = map_unique(text, nz.parse_bool)
    return ColumnResult(pd.Series(pd.array(values, dtype="boolean"), index=text.index), reasons)


def _type_list(text: pd.Series) -> ColumnResult:
    def one(value: object) -> list[str] | None:
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
    text = _to_text(text)
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
        result.extras["country_raw"] = _raw_where(text, failed)
    if guesses:
        shown = ", ".join(f'"{nz.show(k)}" as {v}' for k, v in list(guesses.items())[:10])
        result.notes.append(f"country: read misspelt names by the closest country: {shown}")
    return result


def _type_region(text: pd.Series, country: pd.Series | None) -> ColumnResult:
    text = _to_text(text)
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
        reasons = np.where(fill.to_numpy(), None, reasons)
    result = ColumnResult(regions.astype(STR_DTYPE), reasons)
    if failed.any():
        result.extras["region_raw"] = _raw_where(text, failed)
    if derived:
        result.notes.append(f"region: {derived} blank regions filled in from country")
    return result


def _type_domain(text: pd.Series) -> ColumnResult:
    text = _to_text(text)
    values, reasons = map_unique(text, nz.parse_domain)
    result = ColumnResult(pd.Series(values, index=text.index).astype(STR_DTYPE), reasons)
    failed = reasons != None  # noqa: E711
    if failed.any():
        result.extras["domain_raw"] = _raw_where(text, failed)
    return result


def _type_industry(text: pd.Series) -> ColumnResult:
    text = _to_text(text)
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
    text = _to_text(text)
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
        result.extras["funding_stage_raw"] = _raw_where(text, differs)
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
        return _to_text(series).astype(STR_DTYPE)
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


# ---------------------------------------------------------------------------------------------
# One table


@dataclass
class TableBuild:
    """One file on its way to a canonical table: typed rows, and why some are refused."""

    table: str
    raw: RawTable
    plan: ColumnPlan
    frame: pd.DataFrame
    reasons: np.ndarray  # object: None = accepted so far
    reason_columns: np.ndarray  # object: header at fault, or ""
    cell_issues: list[tuple[str, np.ndarray, pd.Series]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # how each column writes its values, as decided (see formats.py), and what to look at
    formats: dict[str, dict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    duplicates: dict = field(default_factory=dict)
    derived: list[str] = field(default_factory=list)  # e.g. employees_raw, in output order
    adapter: str = "generic"  # the conventions the file was read with
    # rows with a reason, kept beside ``reasons`` (reject() changes both) so that asking who
    # is accepted is a boolean array, not a comparison of a million Python objects
    refused: np.ndarray = field(init=False)
    # whether each row's account_id is an accepted account, when looked up while typing
    account_found: Future[np.ndarray] | None = None
    # whether the id column has a value on every row and no value twice, when checked while
    # typing (most files: then no row is refused as a duplicate, with nothing more to look at)
    ids_distinct: Future[bool] | None = None

    def __post_init__(self) -> None:
        self.refused = self.reasons != None  # noqa: E711

    def reject(
        self, mask: np.ndarray, reasons: np.ndarray | str, column: np.ndarray | str = ""
    ) -> None:
        """Quarantine rows in ``mask`` not already quarantined (the first reason stands)."""
        mask = np.asarray(mask, dtype=bool) & ~self.refused
        if not mask.any():
            return
        self.reasons[mask] = reasons[mask] if isinstance(reasons, np.ndarray) else reasons
        self.reason_columns[mask] = column[mask] if isinstance(column, np.ndarray) else column
        self.refused |= mask

    @property
    def accepted(self) -> np.ndarray:
        return ~self.refused

    def note(self, text: str) -> None:
        self.notes.append(f"{self.raw.label}: {text}")

    def warn(self, text: str) -> None:
        """A note the user should act on: also listed in ``warnings`` and printed."""
        self.note(text)
        self.warnings.append(f"{self.raw.label}: {text}")


def build_table(
    raw: RawTable,
    table: str,
    conventions: Conventions,
    *,
    forced: Mapping[str, str] | None = None,
    exclude: Sequence[str] = (),
    drop: Sequence[str] = (),
    row_ids: bool = False,
    known_accounts: pd.Series | None = None,
) -> TableBuild:
    """Map, type and validate one file as ``table``. ``row_ids``: the account_id of each row
    is ``row-<line>`` (flat files without an id column). ``known_accounts``: the accepted
    account ids, to look each row's account_id up in while other columns are typed (the rows
    are refused later, by :func:`check_accounts_exist`)."""
    headers = list(raw.frame.columns)
    plan = plan_columns(headers, table, conventions, forced=forced, exclude=exclude, drop=drop)
    _require_columns(raw, table, plan, headers, row_ids=row_ids)
    n = len(raw)
    index = pd.RangeIndex(n)
    build = TableBuild(
        table=table,
        raw=raw,
        plan=plan,
        frame=pd.DataFrame(index=index),
        reasons=_row_errors(raw),
        reason_columns=np.full(n, "", dtype=object),
        notes=list(raw.notes),
        warnings=list(raw.warnings),
        adapter=conventions.name,
    )
    header_keys = {nz.header_key(h) for h in headers}
    for source in conventions.columns.get(table, {}):
        if nz.header_key(source) not in header_keys:
            build.note(f'the mapping names a column "{source}" that this file does not have')
    transforms = conventions.transforms.get(table, {})
    scale = conventions.scale.get(table, {})
    replacements = conventions.values.get(table, {})
    columns: dict[str, pd.Series] = {}
    extras: dict[str, pd.Series] = {}
    required = set(schema.REQUIRED[table]) - {"outcome"}
    jobs: list[tuple[str, str, str]] = []  # (column, logical type, header)
    for column, logical_type in schema.TABLES[table].items():
        header = plan.canonical.get(column)
        if header is None and column == "region" and "country" in plan.canonical:
            jobs.append((column, logical_type, ""))
        elif header is None:
            columns[column] = empty_column(logical_type, n)
        else:
            jobs.append((column, logical_type, header))

    # Every column is cleaned, then typed, side by side on every core for a big file: a
    # column's typing starts as soon as its cleaning is done (after all of them when a
    # mapping file replaces values first), beside the reading of a deal's won/closed flags
    # and its distinct stages. Region may be filled in from country: typed after the others.
    with arrowtext.column_pool(n) as pool:
        cleaning = {
            h: pool.submit(clean_text, raw.frame[h].reset_index(drop=True)) for h in headers
        }
        replaced: dict[str, tuple[pd.Series, np.ndarray]] = {}
        if replacements:
            cleaned = {h: future.result() for h, future in cleaning.items()}
            replaced = _replace_values(build, cleaned, replacements)
            cleaning = {h: arrowtext.done(text) for h, text in cleaned.items()}

        def text_of(header: str) -> pd.Series:
            if not header:  # region, to be filled in from country
                return pd.Series(np.full(n, None, dtype=object), dtype=object)
            return cleaning[header].result()

        def type_job(
            job: tuple[str, str, str],
            country: pd.Series | None = None,
            date_order: formats.DateOrder | None = None,
        ) -> _Typed:
            column, logical_type, header = job
            return _type_one(
                column,
                logical_type,
                header,
                text_of(header),
                transforms.get(column),
                scale.get(column),
                country,
                date_order,
            )

        region = [job for job in jobs if job[0] == "region"]
        dated = [job for job in jobs if _kind_of(job[0], job[1]) == "date"]
        typing = {
            job[0]: pool.submit(type_job, job)
            for job in jobs
            if job[0] != "region" and job not in dated
        }
        # the date columns of a file share one order (a close date is written like its create
        # date): decided from all of them before any is typed
        orders = formats.decide_date_orders(
            {job[0]: formats.date_evidence(text_of(job[2])) for job in dated}
        )
        date_notes, date_warnings = formats.date_order_notes(orders)
        for text in date_notes:
            build.note(text)
        for text in date_warnings:
            build.warn(text)
        for job in dated:
            typing[job[0]] = pool.submit(type_job, job, None, orders.get(job[0]))
        id_column = ID_COLUMNS.get(table, "")
        pairs = table == "contacts" and "deal_id" in plan.canonical  # see _reject_duplicate_ids
        if id_column in typing and not pairs and not row_ids:
            ids = typing[id_column]
            build.ids_distinct = pool.submit(lambda: _distinct_and_complete(ids.result().values))
        if known_accounts is not None and "account_id" in typing and not row_ids:
            account_ids = typing["account_id"]
            build.account_found = pool.submit(
                lambda: arrowtext.isin(account_ids.result().values, known_accounts)
            )
        flag_headers = {
            name: plan.flags[name] for name in ("won", "closed", "lost") if name in plan.flags
        }
        label_headers = [plan.canonical[c] for c in ("outcome", "stage") if c in plan.canonical]
        if table != "deals":
            flag_headers, label_headers = {}, []
        flag_tasks = {
            name: pool.submit(lambda h: _flag_codes(text_of(h), h), header)
            for name, header in flag_headers.items()
        }
        label_tasks = {
            header: pool.submit(lambda h: arrowtext.factorize(text_of(h)), header)
            for header in label_headers
        }
        typed: list[_Typed] = [future.result() for future in typing.values()]
        flags = {name: future.result() for name, future in flag_tasks.items()}
        labels = {header: future.result() for header, future in label_tasks.items()}
        cleaned = {h: future.result() for h, future in cleaning.items()}
    country = next((t.values for t in typed if t.column == "country"), None)
    typed += [type_job(job, country) for job in region]
    order = list(schema.TABLES[table])
    for item in sorted(typed, key=lambda t: order.index(t.column)):
        column, header, text, result = item.column, item.header, item.text, item.result
        columns[column] = item.values
        for note in item.notes:
            build.note(note)
        if result is None:
            continue
        if result.format is not None:
            build.formats[column] = result.format
        for warning in result.warnings:
            build.warn(warning)
        for name, series in result.extras.items():
            extras[name] = _merge_existing(series, plan, cleaned, name)
        if header in replaced:  # the raw value is the file's, not the mapping's correction
            original, changed = replaced[header]
            raw_name = f"{column}_raw"
            kept = extras.get(raw_name, pd.Series([None] * n, dtype=object))
            extras[raw_name] = kept.astype(object).where(~changed, original).astype(STR_DTYPE)
        if result.reasons is None:
            continue
        if column in required:
            failed = result.reasons != None  # noqa: E711
            reasons = np.array([None if r is None else f"{column}: {r}" for r in result.reasons])
            build.reject(failed, reasons, header)
        else:
            build.cell_issues.append((header, result.reasons, text))
    columns = {column: columns[column] for column in schema.TABLES[table]}
    for name, header in plan.derived.items():
        if name not in extras:
            extras[name] = cleaned[header].astype(STR_DTYPE)
    # typed in assemble(), from the accepted rows only (a refused row must not make a
    # true/false column text)
    custom = {plan.custom[h]: cleaned[h] for h in plan.custom}
    # copy=False: the typed columns become the frame as they are (no stacking into blocks)
    build.frame = pd.DataFrame({**columns, **extras, **custom}, index=index, copy=False)
    build.derived = list(extras)
    if row_ids:
        build.frame["account_id"] = pd.Series(
            [f"row-{line}" for line in raw.lines], dtype=STR_DTYPE
        )
    for column in sorted(required, key=list(schema.TABLES[table]).index):
        header = plan.canonical.get(column, "")
        blank = build.frame[column].isna().to_numpy()
        build.reject(blank, f"{column} is blank", header)
    if table == "deals":
        _decide_outcomes(build, conventions, cleaned, flags, labels)
        _note_deals_without_account(build)
        _note_amount_set_at_closing(build)
    id_column = ID_COLUMNS.get(table)
    if id_column and table != "accounts":
        _fill_missing_ids(build, id_column)
    if id_column:
        _reject_duplicate_ids(build, id_column)
    return build


def _replace_values(
    build: TableBuild, cleaned: dict[str, pd.Series], replacements: Mapping[str, Mapping[str, str]]
) -> dict[str, tuple[pd.Series, np.ndarray]]:
    """Apply a mapping file's ``[<table>.values.<column>]`` to the cleaned text, in place.

    A key names a source header or the column it becomes (``"sector"`` or ``"industry"``).
    Returns, per header changed, its text before and which rows changed.
    """
    done: dict[str, tuple[pd.Series, np.ndarray]] = {}
    if not replacements:
        return done
    plan = build.plan
    output_name = {header: column for column, header in plan.canonical.items()}
    output_name.update(plan.custom)
    by_key = {nz.header_key(k): (k, v) for k, v in replacements.items()}
    for header, text in cleaned.items():
        found = by_key.get(nz.header_key(header)) or by_key.get(
            nz.header_key(output_name.get(header, ""))
        )
        if found is None:
            continue
        name, mapping = found
        changed = text.isin(list(mapping)).to_numpy()
        if not changed.any():
            build.note(f'[values."{name}"]: none of its values occur in "{header}"')
            continue
        cleaned[header] = text.where(~changed, text.map(mapping))
        done[header] = (text, changed)
        counts = pd.Series(text[changed]).value_counts()
        shown = ", ".join(
            f'"{nz.show(k)}" → "{nz.show(mapping[k])}" ({n})' for k, n in counts.head(5).items()
        )
        build.note(f'"{header}": {int(changed.sum())} values replaced by the mapping: {shown}')
    return done


def _note_amount_set_at_closing(build: TableBuild) -> None:
    """Warn when the amount is zero or blank on every lost deal but not on won ones: it is
    filled in when a deal closes, so it tells the outcome (Maven's ``close_value``)."""
    accepted = build.accepted
    outcome = build.frame["outcome"]
    amount = build.frame["amount"].to_numpy(dtype="float64", na_value=np.nan)
    empty = np.isnan(amount) | (amount == 0)
    labels = arrowtext.to_arrow(outcome)
    lost = accepted & pc.fill_null(pc.equal(labels, "lost"), False).to_numpy()
    won = accepted & pc.fill_null(pc.equal(labels, "won"), False).to_numpy()
    if lost.sum() < 10 or won.sum() < 10 or not empty[lost].all() or empty[won].mean() > 0.5:
        return
    header = build.plan.canonical.get("amount", "amount")
    build.note(
        f'"{header}" is 0 or blank on all {int(lost.sum()):,} lost deals and set on '
        f"{int((~empty[won]).sum()):,} of {int(won.sum()):,} won ones: it is filled in when a "
        "deal is won, so it says the outcome (fine as a deal size, never as a predictor)"
    )


def _note_deals_without_account(build: TableBuild) -> None:
    """Say which deals lost their account (CRMs often leave it blank on open deals)."""
    blank = build.frame["account_id"].isna().to_numpy()
    if not blank.any():
        return
    blank = blank & (build.reasons == "account_id is blank")
    if not blank.any():
        return
    outcomes = build.frame["outcome"].astype(object).to_numpy()[blank]
    counts = pd.Series(outcomes).fillna("no outcome").value_counts()
    shown = ", ".join(f"{n:,} {outcome}" for outcome, n in counts.items())
    build.note(f"{int(blank.sum()):,} deals have no account and are quarantined ({shown})")


@dataclass
class _Typed:
    """One canonical column typed: its values, what typing found, and notes to add."""

    column: str
    header: str
    text: pd.Series
    values: pd.Series
    result: ColumnResult | None
    notes: list[str]


def _kind_of(column: str, logical_type: str) -> str:
    return _KIND_BY_COLUMN.get(column, _KIND_BY_TYPE[logical_type])


def _type_one(
    column: str,
    logical_type: str,
    header: str,
    text: pd.Series,
    rewrite: Rewrite | None,
    factor: float | None,
    country: pd.Series | None,
    date_order: formats.DateOrder | None = None,
) -> _Typed:
    """Rewrite, type and scale one column (no shared state: columns run side by side)."""
    notes: list[str] = []
    if rewrite is not None:
        text = _rewrite(column, text, rewrite, notes)
    kind = _kind_of(column, logical_type)
    if kind == "outcome":  # decided by _decide_outcomes
        return _Typed(column, header, text, _type_text(text).values, None, notes)
    result = type_column(kind, text, column, country=country, date_order=date_order)
    if column in formats.NON_NEGATIVE:
        _refuse_negative(column, text, result)
    values = result.values.reset_index(drop=True)
    if factor is not None:
        values = _scaled(column, values, factor, notes)
    return _Typed(column, header, text, values, result, notes + result.notes)


def _refuse_negative(column: str, text: pd.Series, result: ColumnResult) -> None:
    """A negative size is no company's: the cell is left blank with the reason (a cell
    issue), as an unreadable one is."""
    values = result.values
    numbers = pd.to_numeric(values, errors="coerce").to_numpy("float64", na_value=np.nan)
    negative = numbers < 0
    if not negative.any():
        return
    reasons = result.reasons
    if reasons is None:
        reasons = np.full(len(values), None, dtype=object)
    shown = _to_text(text).to_numpy(dtype=object)
    reasons[negative] = [formats.negative_reason(column, v) for v in shown[negative]]
    result.reasons = reasons
    result.values = values.where(~negative)
    raw_name = f"{column}_raw"
    raw = _raw_where(text, negative)
    if raw_name in result.extras:
        raw = result.extras[raw_name].where(result.extras[raw_name].notna(), raw)
    result.extras[raw_name] = raw


def _rewrite(column: str, text: pd.Series, rewrite: Rewrite, notes: list[str]) -> pd.Series:
    """A source's fix of one column, with a note saying how many values it changed."""
    rewritten = rewrite(text)
    if rewritten is text:
        return text
    before = text.astype(STR_DTYPE)
    after = rewritten.astype(STR_DTYPE)
    changed = (before.notna() & (before != after).fillna(True)).to_numpy(dtype=bool)
    if changed.any():
        first = int(np.flatnonzero(changed)[0])
        notes.append(
            f"{column}: {int(changed.sum())} values changed ({rewrite.description}), e.g. "
            f'"{nz.show(before.iloc[first])}" → "{nz.show(after.iloc[first])}"'
        )
    return rewritten


def _scaled(column: str, values: pd.Series, factor: float, notes: list[str]) -> pd.Series:
    shown = f"{factor:,.0f}" if float(factor).is_integer() else f"{factor:g}"
    notes.append(f"{column}: multiplied by {shown} (its unit, given by --units or the mapping)")
    scaled = values.astype("float64") * factor
    if isinstance(values.dtype, pd.Int64Dtype):
        return scaled.round().astype("Int64")
    return scaled


def _row_errors(raw: RawTable) -> np.ndarray:
    """Why the reader already refuses each record (None for most)."""
    errors = np.full(len(raw), None, dtype=object)
    if raw.row_errors.count(None) == len(raw.row_errors):
        return errors
    refused = [i for i, error in enumerate(raw.row_errors) if error is not None]
    errors[refused] = [raw.row_errors[i] for i in refused]
    return errors


def _merge_existing(
    series: pd.Series, plan: ColumnPlan, cleaned: Mapping[str, pd.Series], name: str
) -> pd.Series:
    """A derived column that the source already had (re-reading our own output) wins."""
    series = series.reset_index(drop=True)
    header = plan.derived.get(name)
    if header is None:
        return series
    existing = cleaned[header].astype(STR_DTYPE)
    return existing.where(existing.notna(), series)


def _require_columns(
    raw: RawTable, table: str, plan: ColumnPlan, headers: list[str], *, row_ids: bool
) -> None:
    for column in schema.REQUIRED[table]:
        if column in plan.canonical or (row_ids and column == "account_id"):
            continue
        if table == "deals" and column == "outcome" and (plan.flags or "stage" in plan.canonical):
            continue
        hint = ""
        if table == "deals" and column == "outcome":
            hint = "a deal's outcome comes from an outcome, IsWon/IsClosed, status or stage column"
        raise missing_column_error(raw.label, column, headers, hint)


def _fill_missing_ids(build: TableBuild, id_column: str) -> None:
    ids = build.frame[id_column]
    blank = ids.isna()
    if not blank.any():
        return
    generated = pd.Series([f"row-{line}" for line in build.raw.lines], dtype=STR_DTYPE)
    build.frame[id_column] = ids.where(~blank, generated)
    if id_column in build.plan.canonical:
        build.note(f"{int(blank.sum())} rows have no {id_column}; they get row-<line> ids")
    else:
        build.note(f"no {id_column} column; rows get ids row-<line>")


def _distinct_and_complete(ids: pd.Series) -> bool:
    """Whether every row has an id and no id is there twice."""
    return bool(ids.notna().all()) and not arrowtext.any_duplicate(ids.astype(STR_DTYPE))


def _reject_duplicate_ids(build: TableBuild, id_column: str) -> None:
    """Quarantine a repeated id. A contact is one person on one deal: the same contact_id
    on two deals (two opportunity contact roles) is not a duplicate."""
    if build.ids_distinct is not None and build.ids_distinct.result():
        return
    live = build.accepted
    ids = build.frame[id_column].astype(STR_DTYPE)
    keys = ids
    if build.table == "contacts" and "deal_id" in build.plan.canonical:
        deals = build.frame["deal_id"].astype(STR_DTYPE).fillna("")
        keys = ids + "\x1f" + deals
    if not arrowtext.any_duplicate(keys):  # no id twice in the file, so none among live rows
        return
    candidates = keys.where(live)
    if not arrowtext.any_duplicate(candidates):
        return
    dup = arrowtext.duplicated(candidates)
    lines = build.raw.lines
    first = arrowtext.first_position(candidates)
    first_line = lines[first]
    row_hash = _row_hashes(build.raw)
    identical = dup & (row_hash == row_hash[first])
    reasons = np.full(len(ids), None, dtype=object)
    for i in np.flatnonzero(dup):
        if identical[i]:
            reasons[i] = f"duplicate of line {int(first_line[i])}"
        else:
            reasons[i] = f"duplicate {id_column} {ids.iloc[i]} (first on line {int(first_line[i])})"
    build.reject(dup, reasons, build.plan.canonical.get(id_column, ""))
    examples = []
    for first_row in pd.unique(first[dup])[:5]:
        rows = np.flatnonzero(first == first_row)
        examples.append(
            {id_column: ids.iloc[first_row], "lines": [int(lines[r]) for r in rows[:5]]}
        )
    build.duplicates["duplicate_ids"] = {
        "rows_quarantined": int(dup.sum()),
        "identical_rows": int(identical.sum()),
        "ids": len(pd.unique(first[dup])),
        "examples": examples,
    }


def _row_hashes(raw: RawTable) -> np.ndarray:
    frame = raw.frame.reset_index(drop=True)
    if raw.kind != "csv":
        frame = frame.astype(str)
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def exact_duplicate_rows(raw: RawTable) -> tuple[np.ndarray, np.ndarray]:
    """(is a copy of an earlier row, line of that earlier row) for every record."""
    hashes = pd.Series(_row_hashes(raw))
    dup = hashes.duplicated(keep="first").to_numpy()
    first_line = pd.Series(raw.lines).groupby(hashes).transform("first").to_numpy()
    return dup, first_line


# ---------------------------------------------------------------------------------------------
# Deal outcomes


# Outcomes as small integer codes while they are decided (a million deals, a few comparisons).
_NO_OUTCOME, _WON, _LOST, _OPEN = 0, 1, 2, 3
_OUTCOME_CODES = {"won": _WON, "lost": _LOST, "open": _OPEN}
_OUTCOME_LABELS = pa.array([None, "won", "lost", "open"], type=pa.large_string())


def parse_codes(
    series: pd.Series,
    parse: Callable[[str], Any],
    factorized: tuple[np.ndarray, list] | None = None,
) -> tuple[np.ndarray, list, np.ndarray | None]:
    """``parse`` once per distinct value: (codes, parsed value per distinct value, reasons).

    ``codes[i]`` indexes row i's distinct value (-1 when blank, whose parsed value is the
    last, None); ``reasons`` is None when every value was read, else a per-row object array.
    ``factorized``: :func:`arrowtext.factorize` of ``series``, when already known.
    """
    codes, uniques = arrowtext.factorize(series) if factorized is None else factorized
    parsed: list = []
    problems: list = []
    for value in uniques:
        try:
            parsed.append(parse(value))
            problems.append(None)
        except nz.ParseError as error:
            parsed.append(None)
            problems.append(str(error))
    parsed.append(None)
    problems.append(None)
    if not any(problems):
        return codes, parsed, None
    return codes, parsed, np.array(problems, dtype=object)[codes]


def _flag_codes(column: pd.Series, header: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A boolean flag column as int8 (1 true, 0 false, -1 blank) and why cells are unreadable."""
    if pd.api.types.is_bool_dtype(column.dtype):
        values = column.astype("boolean")
        codes = np.where(values.isna(), -1, values.fillna(False).astype(bool)).astype(np.int8)
        return codes, None
    codes, parsed, reasons = parse_codes(_to_text(column), nz.parse_bool)
    table = np.array([-1 if v is None else int(v) for v in parsed], dtype=np.int8)
    if reasons is not None:
        failed = reasons != None  # noqa: E711
        reasons[failed] = [f"{header}: {r}" for r in reasons[failed]]
    return table[codes], reasons


def _outcome_codes(parsed: list, codes: np.ndarray) -> np.ndarray:
    table = np.array([_OUTCOME_CODES.get(v, _NO_OUTCOME) for v in parsed], dtype=np.int8)
    return table[codes]


def _decide_outcomes(
    build: TableBuild,
    conventions: Conventions,
    cleaned: Mapping[str, pd.Series],
    flags: Mapping[str, tuple[np.ndarray, np.ndarray | None]],
    labels: Mapping[str, tuple[np.ndarray, list]],
) -> None:
    """Outcome per deal: won/closed flags first, then a status, an outcome column, stage names.

    ``flags``: :func:`_flag_codes` of the won, closed and lost columns the file has;
    ``labels``: :func:`arrowtext.factorize` of its outcome and stage columns.
    Stage names are the last resort (every org renames them); a note says when they were used.
    """
    n = len(build.raw)
    plan = build.plan
    outcome = np.zeros(n, dtype=np.int8)
    # why a row's outcome could not be read, and in which column: made when a reason comes
    first_reason: np.ndarray | None = None
    first_column: np.ndarray | None = None
    hard_reject = np.zeros(n, dtype=bool)
    unreadable = np.zeros(n, dtype=bool)
    used: dict[str, int] = {}

    def offer(values: np.ndarray, reasons: np.ndarray | None, header: str, source: str) -> None:
        """Fill outcomes still unknown; an unreadable flag is not overruled by a stage name."""
        fill = (outcome == _NO_OUTCOME) & (values != _NO_OUTCOME) & ~unreadable
        outcome[fill] = values[fill]
        if fill.any():
            used[source] = used.get(source, 0) + int(fill.sum())
        nonlocal first_reason, first_column
        if reasons is not None:
            bad = reasons != None  # noqa: E711
            if first_reason is None or first_column is None:
                first_reason = np.full(n, None, dtype=object)
                first_column = np.full(n, "", dtype=object)
            unset = (first_reason == None) & bad  # noqa: E711
            first_reason[unset] = reasons[unset]
            first_column[unset] = header
            unreadable[bad] = True

    won_false_only = np.zeros(n, dtype=bool)
    if "won" in flags:
        won, won_reasons = flags["won"]
        values = np.where(won == 1, _WON, _NO_OUTCOME).astype(np.int8)
        is_false = won == 0
        decider = flags.get("closed") or flags.get("lost")
        if decider is not None:  # not won, and closed (or lost): lost; not closed: open
            values[is_false & (decider[0] == 1)] = _LOST
            values[is_false & (decider[0] == 0)] = _OPEN
        else:
            won_false_only = is_false
        reasons = won_reasons
        if "closed" in flags:
            reasons = _first_of(won_reasons, flags["closed"][1])
        offer(values, reasons, plan.flags["won"], "flags")
    elif flags:
        values = np.zeros(n, dtype=np.int8)
        if "closed" in flags:
            values[flags["closed"][0] == 0] = _OPEN
        if "lost" in flags:
            values[flags["lost"][0] == 1] = _LOST
        header = plan.flags.get("closed") or plan.flags["lost"]
        reasons = _first_of(
            flags.get("closed", (None, None))[1], flags.get("lost", (None, None))[1]
        )
        offer(values, reasons, header, "flags")
    status_header = plan.flags.get("status")
    if status_header is not None:
        codes, uniques = arrowtext.factorize(cleaned[status_header])
        keys = [str(v).strip().lower() for v in uniques]
        if keys and set(keys) <= {"won", "lost", "open", "deleted"}:
            hard_reject = np.array([k == "deleted" for k in keys] + [False])[codes]
            offer(_outcome_codes([*keys, None], codes), None, status_header, "status")
        elif not set(plan.flags) - {"status"} and not {"outcome", "stage"} & set(plan.canonical):
            shown = ", ".join(f'"{nz.show(k)}"' for k in sorted(set(keys))[:5])
            raise IcpkitError(
                f'missing required column "outcome" (column "{status_header}" holds {shown}, '
                "not won/lost/open)",
                file=build.raw.label,
                column="outcome",
            )
    extra = conventions.outcome_values or None
    for column, source in (("outcome", "outcome"), ("stage", "stage")):
        header = plan.canonical.get(column)
        if header is None:
            continue
        codes, parsed, _ = parse_codes(
            cleaned[header], lambda s: nz.parse_outcome(s, extra), labels.get(header)
        )
        offer(_outcome_codes(parsed, codes), None, header, source)
    if won_false_only.any():
        fill = won_false_only & (outcome == _NO_OUTCOME)
        outcome[fill] = _LOST
        if fill.any():
            build.note(
                f"{int(fill.sum())} deals with {plan.flags['won']} false and no IsClosed "
                "column or stage were read as lost"
            )
    build.reject(hard_reject, "deal status is deleted", status_header or "")
    unknown = outcome == _NO_OUTCOME
    if unknown.any() and (first_reason is None or first_column is None):
        build.reject(unknown, "outcome is blank", _outcome_header(plan))
    elif unknown.any():
        reasons = np.where(first_reason == None, "outcome is blank", first_reason)  # noqa: E711
        columns = np.where(first_column == "", _outcome_header(plan), first_column)
        build.reject(unknown, reasons.astype(object), columns.astype(object))
    labels = pc.take(_OUTCOME_LABELS, pa.array(outcome.astype(np.int64)))
    build.frame["outcome"] = arrowtext.to_series(labels, build.frame.index)
    if used.get("stage"):
        stage = plan.canonical["stage"]
        has_flags = bool(set(plan.flags) & {"won", "closed", "lost"})
        why = "won/closed flags blank" if has_flags else "no won/closed flag column"
        build.note(
            f'{why}: outcome read from stage names in "{stage}" for {used["stage"]} deals '
            "(Closed Won/Won → won, Closed Lost/Lost → lost, any other stage → open)"
        )


def _first_of(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    return np.where(a == None, b, a)  # noqa: E711


def _outcome_header(plan: ColumnPlan) -> str:
    for source in ("won", "closed", "lost", "status"):
        if source in plan.flags:
            return plan.flags[source]
    return plan.canonical.get("outcome") or plan.canonical.get("stage") or ""


# ---------------------------------------------------------------------------------------------
# Accounts: likely duplicates that are not rejected


def likely_duplicate_accounts(accounts: pd.DataFrame) -> dict:
    """Different account ids sharing a registrable domain or a normalised company name.

    Reported, never merged: a subsidiary may share its parent's domain on purpose.
    """
    out: dict = {}
    names = company_name_keys(accounts["name"])
    id_codes, id_values = arrowtext.factorize(accounts["account_id"])
    ids = np.array(id_values, dtype=object)
    for label, key in (("same_domain", accounts["domain"]), ("same_name", names)):
        key_codes, key_values = arrowtext.factorize(key)
        present = (key_codes >= 0) & (id_codes >= 0)
        if not present.any():
            continue
        # distinct account ids per key, from the distinct (key, id) pairs
        pairs = np.unique(key_codes[present].astype(np.int64) * len(ids) + id_codes[present])
        per_key = np.bincount(pairs // len(ids), minlength=len(key_values))
        codes = np.flatnonzero(per_key > 1)
        if not codes.size:
            continue
        shared = pd.Series(per_key[codes], index=pd.Index([key_values[c] for c in codes]))
        shared = shared.sort_index()  # as a groupby orders its keys
        code_of = {key_values[c]: c for c in codes}
        examples = []
        for value in shared.sort_values(ascending=False).index[:5]:
            rows = np.flatnonzero(present & (key_codes == code_of[value]))
            examples.append(
                {
                    label.removeprefix("same_"): value,
                    "account_ids": list(pd.unique(ids[id_codes[rows]])[:5]),
                }
            )
        out[label] = {
            "groups": len(shared),
            "accounts": int(shared.sum()),
            "examples": examples,
        }
    return out


MAX_LABELS_COMPARED = 1000


def similar_spellings(values: pd.Series) -> list[list[str]]:
    """Groups of distinct labels that differ only in case, spaces or punctuation
    (``"GTX Pro"`` / ``"GTXPro"``), most frequent spelling first; a column with more than
    :data:`MAX_LABELS_COMPARED` distinct values is free text and is not compared."""
    if not pd.api.types.is_string_dtype(values.dtype):
        return []
    counts = values.value_counts()
    if len(counts) > MAX_LABELS_COMPARED or len(counts) < 2:
        return []
    groups: dict[str, list[str]] = {}
    for label in counts.index:
        key = nz.header_key(str(label))
        if key:
            groups.setdefault(key, []).append(str(label))
    return [group for group in groups.values() if len(group) > 1]


def company_name_keys(names: pd.Series) -> pd.Series:
    """:func:`normalise.company_name_key` for a whole column, vectorised with Arrow."""
    values = names.astype(object).where(names.notna(), None).to_numpy(dtype=object)
    array = pa.array(values, type=pa.string(), from_pandas=True)
    is_ascii = pc.fill_null(pc.string_is_ascii(array), True)
    non_ascii = np.flatnonzero(~is_ascii.to_numpy(zero_copy_only=False))
    if len(non_ascii):
        values = values.copy()
        values[non_ascii] = [nz.company_name_key(v) for v in values[non_ascii]]
        array = pa.array(values, type=pa.string(), from_pandas=True)
    words = pc.replace_substring_regex(pc.utf8_lower(array), r"[^0-9a-z]+", " ")
    suffixes = "|".join(sorted(nz.LEGAL_SUFFIXES))
    kept = pc.replace_substring_regex(words, rf"\b(?:{suffixes})\b", " ")
    kept = pc.utf8_trim_whitespace(pc.replace_substring_regex(kept, r" {2,}", " "))
    words = pc.utf8_trim_whitespace(pc.replace_substring_regex(words, r" {2,}", " "))
    keys = pc.if_else(pc.equal(kept, ""), words, kept)
    keys = pc.if_else(pc.equal(keys, ""), pa.scalar(None, pa.string()), keys)
    return pd.Series(keys.to_numpy(zero_copy_only=False), index=names.index, dtype=object)


# ---------------------------------------------------------------------------------------------
# Several files → one result


Source = Path | str | RawTable


def ingest(
    files: Mapping[str, Source | None],
    conventions: Conventions | Mapping[str, Conventions] | None = None,
    *,
    empty_tables: Mapping[str, pd.DataFrame] | None = None,
    notes: Sequence[str] = (),
    source_format: str | None = None,
    reader: Callable[..., RawTable] = read_table,
    progress: Progress | None = None,
) -> IngestResult:
    """Read, map, type and validate a set of files (``{"accounts": path, "deals": path, ...}``).

    A file may also be given already read (a :class:`RawTable`, e.g. from a database).
    ``conventions``: one for every file, or one per table (when each file comes from a
    different CRM). ``accounts`` is required; every other table's ``account_id`` must exist in
    the accepted accounts, or the row is quarantined. ``empty_tables``: tables known to have no
    rows (passed through as they are). ``source_format``: the name ``ingest.json`` gives the
    input format (default: the conventions' name). ``progress(what, done, total)`` is told
    how far reading (bytes) and checking (tables) have got.
    """
    per_table = _conventions_per_table(conventions)
    unknown = set(files) - set(schema.TABLES)
    if unknown:
        raise ValueError(f"unknown tables: {sorted(unknown)}")
    if files.get("accounts") is None:
        raise IcpkitError("an accounts file is required")
    builds: dict[str, TableBuild] = {}
    read: dict[str, RawTable] = {}
    given = [t for t in schema.TABLES if files.get(t) is not None]
    # the accounts' likely duplicates are looked for while the other files are read
    with ThreadPoolExecutor(max_workers=1) as background:
        account_duplicates: Future[dict] | None = None
        known: pd.Series | None = None  # accepted account ids (accounts come first)
        for step, table in enumerate(given):
            source = files[table]
            raw = source if isinstance(source, RawTable) else reader(source, progress=progress)
            if progress is not None:
                progress(f"Checking {table} ({len(raw):,} rows)", step, len(given))
            table_conventions = per_table[table]
            prepare = table_conventions.prepare.get(table)
            if prepare is not None:
                raw = prepare(raw, read, table_conventions)
            read[table] = raw
            builds[table] = build_table(raw, table, table_conventions, known_accounts=known)
            if table == "accounts":
                accounts = builds["accounts"]
                known = accounts.frame["account_id"].astype(STR_DTYPE)[accounts.accepted]
                if len(given) > 1:
                    account_duplicates = background.submit(_likely_duplicates_of, accounts)
        for table, build in builds.items():
            if table != "accounts" and known is not None:
                check_accounts_exist(build, known)
        if source_format is None:
            names = {build.adapter for build in builds.values()}
            source_format = names.pop() if len(names) == 1 else "mixed"
        return assemble(
            builds,
            source_format,
            extra_tables=empty_tables,
            notes=notes,
            account_duplicates=None if account_duplicates is None else account_duplicates.result(),
        )


def _likely_duplicates_of(accounts: TableBuild) -> dict:
    """:func:`likely_duplicate_accounts` of the accepted rows (final once the accounts file
    is built: no other file refuses an account)."""
    frame = accounts.frame.reset_index(drop=True)
    accepted = accounts.accepted
    if not accepted.all():
        frame = frame.loc[accepted].reset_index(drop=True)
    return likely_duplicate_accounts(frame) if not frame.empty else {}


def _conventions_per_table(
    conventions: Conventions | Mapping[str, Conventions] | None,
) -> dict[str, Conventions]:
    if conventions is None or isinstance(conventions, Conventions):
        return dict.fromkeys(schema.TABLES, conventions or Conventions())
    return {table: conventions.get(table) or Conventions() for table in schema.TABLES}


def check_accounts_exist(build: TableBuild, known: pd.Series) -> None:
    """Quarantine rows whose account_id is not an accepted account."""
    ids = build.frame["account_id"].astype(STR_DTYPE)
    found = build.account_found.result() if build.account_found else arrowtext.isin(ids, known)
    missing = ~found & ids.notna().to_numpy()
    reasons = np.full(len(ids), None, dtype=object)
    reasons[missing] = [f"account_id {v} not found in accounts" for v in ids[missing]]
    build.reject(missing, reasons, build.plan.canonical.get("account_id", ""))


def assemble(
    builds: Mapping[str, TableBuild],
    source_format: str,
    *,
    extra_tables: Mapping[str, pd.DataFrame] | None = None,
    notes: Sequence[str] = (),
    account_duplicates: dict | None = None,
) -> IngestResult:
    """Accepted rows into tables, refused rows into the quarantine, counts into the report.

    ``account_duplicates``: :func:`likely_duplicate_accounts` of the accepted accounts, when
    already found."""
    tables: dict[str, pd.DataFrame] = {}
    quarantine_parts: list[pd.DataFrame] = []
    files: dict[str, dict] = {}
    listed: list[dict] = []
    total_issues = 0
    all_notes: list[str] = []
    all_warnings: list[str] = []
    duplicates: dict[str, dict] = {}
    for table, build in builds.items():
        accepted = build.accepted
        frame = build.frame.reset_index(drop=True)
        if not accepted.all():
            frame = frame.loc[accepted].reset_index(drop=True)
        for name in build.plan.custom.values():
            frame[name] = type_custom(frame[name])
        tables[table] = frame
        refused = np.flatnonzero(~accepted)
        raw = build.raw
        quarantine_parts.append(
            pd.DataFrame(
                {
                    "source_file": [raw.label] * len(refused),
                    "line": raw.lines[refused],
                    "column": build.reason_columns[refused],
                    "reason": build.reasons[refused],
                    "raw": [raw.raw_text(int(i)) for i in refused],
                }
            )
        )
        issues = 0
        for header, reasons, text in build.cell_issues:
            bad = np.flatnonzero((reasons != None) & accepted)  # noqa: E711
            issues += len(bad)
            for i in bad[: max(0, MAX_LISTED_CELL_ISSUES - len(listed))]:
                listed.append(
                    {
                        "file": raw.label,
                        "line": int(raw.lines[i]),
                        "column": header,
                        "value": text.iloc[i],
                        "reason": reasons[i],
                    }
                )
        total_issues += issues
        rows_read = len(raw)
        report = {
            "path": raw.label,
            "rows_read": rows_read,
            "accepted": int(accepted.sum()),
            "quarantined": len(refused),
            "cell_issues": issues,
            "adapter": build.adapter,
            **raw.describe(),
            "columns": build.plan.describe(),
            "derived_columns": list(build.derived),
            "custom_columns": list(build.plan.custom.values()),
            "formats": dict(build.formats),
        }
        assert report["rows_read"] == report["accepted"] + report["quarantined"]
        files[table] = report
        all_notes.extend(build.notes)
        all_warnings.extend(build.warnings)
        if table == "accounts":
            units = formats.UnitCheck()
            units.add_frame(frame)
            for warning in units.warnings():
                all_notes.append(f"{raw.label}: {warning}")
                all_warnings.append(f"{raw.label}: {warning}")
        table_duplicates = dict(build.duplicates)
        if table == "accounts" and not frame.empty:
            if account_duplicates is None:
                account_duplicates = likely_duplicate_accounts(frame)
            table_duplicates.update(account_duplicates)
        names = [
            name
            for name in (*build.plan.custom.values(), "stage", "source", "lost_reason")
            if name in frame.columns
        ]
        found = arrowtext.map_columns(
            similar_spellings, [frame[name] for name in names], rows=len(frame)
        )
        spellings = {name: groups for name, groups in zip(names, found, strict=True) if groups}
        if spellings:
            table_duplicates["similar_values"] = spellings
            for name, groups in spellings.items():
                shown = "; ".join(" / ".join(f'"{nz.show(v)}"' for v in g) for g in groups[:3])
                all_notes.append(
                    f"{raw.label}: {name} spells the same value in different ways: {shown} "
                    f"(merge them with [{table}.values.{name}] in a mapping file)"
                )
        if table_duplicates:
            duplicates[table] = table_duplicates
    for table, frame in (extra_tables or {}).items():
        tables[table] = frame
    tables.setdefault("deals", empty_table("deals"))
    if "deals" not in builds and "deals" not in (extra_tables or {}):
        all_notes.append("no deals file: the deals table is empty")
    all_notes.extend(notes)
    quarantine = pd.concat(quarantine_parts, ignore_index=True) if quarantine_parts else None
    if quarantine is None or quarantine.empty:
        quarantine = pd.DataFrame({c: pd.Series(dtype=object) for c in QUARANTINE_COLUMNS})
    quarantine["line"] = quarantine["line"].astype("int64")
    for column in ("source_file", "column", "reason", "raw"):
        quarantine[column] = quarantine[column].astype(STR_DTYPE)
    report = {
        "format": source_format,
        "files": files,
        "tables": {name: len(frame) for name, frame in tables.items()},
        "duplicates": duplicates,
        "cell_issues": {
            "total": total_issues,
            "listed": listed,
            "truncated": total_issues > len(listed),
        },
        "notes": all_notes,
        "warnings": all_warnings,
    }
    return IngestResult(tables=tables, quarantine=quarantine, report=report)
