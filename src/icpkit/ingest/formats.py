"""How a column writes its values: decided once for the column (or the file), never per value.

Three decisions, each stated in ``ingest.json`` (per file, ``formats``) and in the summary a
command prints:

* **Date order.** ``3/1/2024`` is 3 January in Europe and 1 March in the US. A date whose first
  number is above 12 (``25/03/2024``) can only be day first, one whose second number is above
  12 (``03/25/2024``) only month first. The date columns of one file decide together (a close
  date is written like its create date), then every value is read in that order. A column
  whose own dates need both orders is contradictory: it is read in the order most of them
  need and the dates written the other way are cell issues. With nothing to tell, month first
  (US exports) is assumed, and said.
* **Decimal mark.** ``12.800`` is 12,800 in Germany and 12.8 in the US. A number only one mark
  reads (``3,5``, ``1.234,5``, ``2.5M``, ``1,234.5``) decides its column; when every number
  with a dot has exactly three digits after it (``€12.800``, ``1.250``), the dot separates
  thousands. A column with both kinds is reported, and each value is read as written.
* **Units.** Revenue given in millions of dollars reads as dollars unless told: a column whose
  numbers are implausible for companies (revenue per employee under $1k or over $100M, more
  than 5 million employees) gets a warning naming the likely unit and the ``--units`` option
  that fixes it. ``--units COLUMN=UNIT`` scales a column when it is read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from icpkit import schema
from icpkit.errors import IcpkitError
from icpkit.ingest import arrowtext
from icpkit.ingest import normalise as nz

# ---------------------------------------------------------------------------------------------
# Date order

# The two leading numbers of a date written 3/1/2024 or 03-01-24 (the ones whose order varies).
_SLASHED = r"^(?P<first>\d{1,2})[/-](?P<second>\d{1,2})[/-]\d{2}"


@dataclass(frozen=True)
class DateEvidence:
    """What one column's dates say about their order: how many can only be day first (first
    number above 12) or only month first (second number above 12), with an example of each,
    and how many are written with the order in question at all."""

    slashed: int = 0
    day_first: int = 0
    month_first: int = 0
    day_first_example: str | None = None
    month_first_example: str | None = None


def date_evidence(text: pd.Series) -> DateEvidence:
    """The :class:`DateEvidence` of a cleaned text column (read by Arrow, whatever its size);
    a column of typed dates (Parquet) has none."""
    if not arrowtext.is_text(text):
        return DateEvidence()
    array = arrowtext.to_arrow(text)
    if not len(array):
        return DateEvidence()
    parts = pc.extract_regex(array, _SLASHED)
    slashed = pc.fill_null(pc.is_valid(parts), False).to_numpy(zero_copy_only=False)
    if not slashed.any():
        return DateEvidence()

    def number(name: str) -> np.ndarray:
        values = pc.fill_null(pc.struct_field(parts, name), "0").cast(pa.int64())
        return values.to_numpy(zero_copy_only=False)

    first, second = number("first"), number("second")
    day_first = slashed & (first > 12) & (second <= 12)
    month_first = slashed & (second > 12) & (first <= 12)

    def example(mask: np.ndarray) -> str | None:
        rows = np.flatnonzero(mask)
        return None if not rows.size else str(array[int(rows[0])].as_py())

    return DateEvidence(
        slashed=int(slashed.sum()),
        day_first=int(day_first.sum()),
        month_first=int(month_first.sum()),
        day_first_example=example(day_first),
        month_first_example=example(month_first),
    )


@dataclass(frozen=True)
class DateOrder:
    """The order a column's ``3/1/2024``-like dates are read in, and why.

    ``because``: a date that can only be read this way (from this column or another date column
    of the file); None when the order was assumed. ``against``: dates of this very column
    written the other way (a contradictory column), with ``against_example``.
    """

    day_first: bool
    because: str | None = None
    against: int = 0
    against_example: str | None = None

    @property
    def written(self) -> str:
        return "day/month/year" if self.day_first else "month/day/year"

    def describe(self) -> dict:
        """Its entry in ``ingest.json``'s ``formats``."""
        out: dict = {"dates": self.written, "because": self.because}
        if self.against:
            out["written_the_other_way"] = self.against
        return out


def decide_date_orders(evidence: Mapping[str, DateEvidence]) -> dict[str, DateOrder]:
    """One :class:`DateOrder` per column that has ``3/1/2024``-like dates, from the evidence of
    every date column of one file (see the module docstring)."""
    day = sum(e.day_first for e in evidence.values())
    month = sum(e.month_first for e in evidence.values())
    day_example = next((e.day_first_example for e in evidence.values() if e.day_first), None)
    month_example = next((e.month_first_example for e in evidence.values() if e.month_first), None)
    orders: dict[str, DateOrder] = {}
    for name, e in evidence.items():
        if not e.slashed:
            continue
        if e.day_first and e.month_first:  # the column contradicts itself: most of it wins
            day_first = e.day_first > e.month_first
            orders[name] = DateOrder(
                day_first,
                e.day_first_example if day_first else e.month_first_example,
                against=e.month_first if day_first else e.day_first,
                against_example=e.month_first_example if day_first else e.day_first_example,
            )
        elif e.day_first or e.month_first:
            example = e.day_first_example or e.month_first_example
            orders[name] = DateOrder(bool(e.day_first), example)
        elif day or month:  # nothing in this column tells: the file's other dates do
            day_first = day > month
            orders[name] = DateOrder(day_first, day_example if day_first else month_example)
        else:
            orders[name] = DateOrder(False)
    return orders


def date_order_notes(orders: Mapping[str, DateOrder]) -> tuple[list[str], list[str]]:
    """(notes, warnings) stating the date orders of one file's columns."""
    notes: list[str] = []
    warnings: list[str] = []
    groups: dict[tuple[bool, bool], list[str]] = {}  # (day first, assumed) -> columns
    for name, order in orders.items():
        groups.setdefault((order.day_first, order.because is None), []).append(name)
        if order.against:
            other = "month first" if order.day_first else "day first"
            warnings.append(
                f'{name}: dates written in both orders ("{nz.show(order.because)}" can only be '
                f'{order.written}, "{nz.show(order.against_example)}" only {other}); read '
                f"{order.written} as most are; the {order.against:,} written the other way "
                "are not read (each listed with its reason)"
            )
    for (day_first, assumed), names in groups.items():
        written = "day/month/year" if day_first else "month/day/year"
        if assumed:
            why = "no date has a number above 12 to tell the order; US order assumed"
        else:
            because = orders[names[0]].because
            why = f'"{nz.show(because)}" can only be {written}'
        notes.append(f"dates like 3/1/2024 read {written} in {', '.join(names)} ({why})")
    decided = {o.day_first for o in orders.values() if o.because is not None}
    if len(decided) > 1:
        shown = ", ".join(f"{n} {o.written}" for n, o in orders.items())
        warnings.append(f"date columns of one file in different orders: {shown}")
    return notes, warnings


# ---------------------------------------------------------------------------------------------
# Decimal mark


@dataclass(frozen=True)
class NumberFormat:
    """Whether a column writes ``1.234,5`` (``decimal_comma``) and why.

    ``because``: a value only that mark reads; ``grouped``: a value with a dot before exactly
    three digits, the one kind of value the decision changes; ``conflict``: a value that needs
    a decimal comma and one that needs a decimal point, when the column has both.
    """

    decimal_comma: bool = False
    because: str | None = None
    grouped: str | None = None
    conflict: tuple[str, str] | None = None

    @property
    def written(self) -> str:
        return "1.234,5" if self.decimal_comma else "1,234.5"

    @property
    def worth_stating(self) -> bool:
        return self.decimal_comma or self.grouped is not None or self.conflict is not None

    def describe(self) -> dict:
        """Its entry in ``ingest.json``'s ``formats``."""
        out: dict = {"numbers": self.written, "because": self.because}
        if self.conflict:
            out["conflict"] = list(self.conflict)
        return out

    def note(self, column: str) -> str | None:
        """The decision in a sentence, when there was one to make."""
        if self.conflict is not None:
            return None  # a warning says it
        if self.decimal_comma and self.grouped is not None and self.because == self.grouped:
            return (
                f"{column}: numbers read as {self.written}: every number with a dot has groups "
                f'of three digits after it, so "{nz.show(self.grouped)}" is read as '
                f"{_plain(nz.parse_decimal(_digits(self.grouped), decimal_comma=True))}"
            )
        if self.decimal_comma:
            return (
                f"{column}: numbers read as {self.written} (dots between thousands, a decimal "
                f'comma), as "{nz.show(self.because)}" shows'
            )
        if self.grouped is None:
            return None
        if self.because is None:
            return (
                f'{column}: "{nz.show(self.grouped)}" could be thousands or decimals and other '
                f"values use a comma before three digits too; read with a decimal point"
            )
        return (
            f'{column}: numbers read as {self.written}, as "{nz.show(self.because)}" shows, so '
            f'"{nz.show(self.grouped)}" has a decimal point'
        )

    def warning(self, column: str) -> str | None:
        if self.conflict is None:
            return None
        comma, dot = self.conflict
        return (
            f'{column}: numbers written both ways ("{nz.show(comma)}" has a decimal comma, '
            f'"{nz.show(dot)}" a decimal point); each is read as it is written'
            + (
                f', and "{nz.show(self.grouped)}", which could be either, with a decimal point'
                if self.grouped
                else ""
            )
        )


def _digits(text: str) -> str:
    found = re.search(r"[\d.,]*\d[\d.,]*", text)
    return found.group(0) if found else text


def _plain(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def mark_examples(values: Iterable[str]) -> dict[str, str]:
    """The first value of each kind of :func:`normalise.decimal_mark_evidence`."""
    examples: dict[str, str] = {}
    for value in values:
        kind = nz.decimal_mark_evidence(value)
        if kind is not None and kind not in examples:
            examples[kind] = value
            if {"comma", "dot", "grouped_dot"} <= set(examples):
                break
    return examples


def decide_decimal_mark(examples: Mapping[str, str]) -> NumberFormat:
    """A column's :class:`NumberFormat` from :func:`mark_examples` of its values."""
    comma, dot = examples.get("comma"), examples.get("dot")
    grouped = examples.get("grouped_dot")
    if comma is not None and dot is not None:
        return NumberFormat(False, None, grouped, conflict=(comma, dot))
    if comma is not None:
        return NumberFormat(True, comma, grouped)
    if dot is not None:
        return NumberFormat(False, dot, grouped)
    if grouped is not None and "grouped_comma" not in examples:
        return NumberFormat(True, grouped, grouped)
    return NumberFormat(False, None, grouped)


# ---------------------------------------------------------------------------------------------
# Units

UNITS: dict[str, float] = {"ones": 1.0, "thousands": 1e3, "millions": 1e6, "billions": 1e9}

# Numeric canonical columns a unit may be given for, and their table.
UNIT_COLUMNS: dict[str, str] = {
    column: table
    for table, columns in schema.TABLES.items()
    for column, kind in columns.items()
    if kind in ("int", "float") and column != "founded_year"
}

# Columns that describe a size: a negative value is a mistake, never a company.
NON_NEGATIVE = frozenset({"employees", "annual_revenue", "total_funding", "arr", "arr_start"})

# What a real company's numbers look like (USD a year per employee; a headcount).
REVENUE_PER_EMPLOYEE = (1e3, 1e8)
TYPICAL_REVENUE_PER_EMPLOYEE = 2e5
MOST_EMPLOYEES = 5_000_000
MIN_COMPANIES = 3  # fewer companies with both revenue and employees: no verdict
SAMPLE = 200_000  # revenue per employee of this many companies at most (a stream's first)


def parse_units(options: Sequence[str] | None) -> dict[str, dict[str, float]]:
    """``["annual_revenue=millions"]`` → ``{"accounts": {"annual_revenue": 1e6}}``."""
    factors: dict[str, dict[str, float]] = {}
    for option in options or ():
        column, sep, unit = (part.strip() for part in option.partition("="))
        if not sep or not column or not unit:
            raise IcpkitError(
                f"--units {option}: write it COLUMN=UNIT, e.g. --units annual_revenue=millions"
            )
        if column not in UNIT_COLUMNS:
            raise IcpkitError(
                f'--units {option}: "{column}" is not a numeric column ({", ".join(UNIT_COLUMNS)})'
            )
        if unit.lower() not in UNITS:
            raise IcpkitError(f'--units {option}: unit "{unit}" is not one of {", ".join(UNITS)}')
        factors.setdefault(UNIT_COLUMNS[column], {})[column] = UNITS[unit.lower()]
    return factors


def negative_reason(column: str, value: object) -> str:
    """Why a negative size is refused (a cell issue)."""
    return f'"{nz.show(value)}" is negative: {column.replace("_", " ")} cannot be below zero'


def _money(value: float) -> str:
    if value < 10:
        return f"${value:.2g}"
    return f"${value:,.0f}"


@dataclass
class UnitCheck:
    """Whether ``annual_revenue`` and ``employees`` look like dollars and people: fed their
    values (a batch at a time, for a stream), asked for :meth:`warnings` at the end."""

    ratios: list[np.ndarray] = field(default_factory=list)
    kept: int = 0
    over: int = 0  # companies with more than MOST_EMPLOYEES
    largest: float = 0.0

    def add(self, revenue: np.ndarray | None, employees: np.ndarray | None) -> None:
        """Values of the same rows (float, NaN when missing); either may be None."""
        if employees is not None:
            staff = np.asarray(employees, dtype="float64")
            big = staff > MOST_EMPLOYEES
            if big.any():
                self.over += int(big.sum())
                self.largest = max(self.largest, float(np.nanmax(staff)))
        if revenue is None or employees is None or self.kept >= SAMPLE:
            return
        revenue = np.asarray(revenue, dtype="float64")
        staff = np.asarray(employees, dtype="float64")
        both = (revenue > 0) & (staff > 0)
        ratio = (revenue[both] / staff[both])[: SAMPLE - self.kept]
        self.ratios.append(ratio)
        self.kept += len(ratio)

    def add_frame(self, frame: pd.DataFrame) -> None:
        """The canonical columns of an accounts table, when it has them."""

        def numbers(name: str) -> np.ndarray | None:
            if name not in frame.columns:
                return None
            return pd.to_numeric(frame[name], errors="coerce").to_numpy("float64", na_value=np.nan)

        self.add(numbers("annual_revenue"), numbers("employees"))

    def warnings(self) -> list[str]:
        found: list[str] = []
        if self.over:
            found.append(
                f"employees: {self.over:,} companies have more than {MOST_EMPLOYEES:,} "
                f"employees (largest {self.largest:,.0f}); no company is that big: check the "
                "column is a headcount"
            )
        if self.kept < MIN_COMPANIES:
            return found
        median = float(np.median(np.concatenate(self.ratios)))
        low, high = REVENUE_PER_EMPLOYEE
        if low <= median <= high:
            return found
        said = f"median revenue per employee is {_money(median)}"
        if median < low:
            fix = _closest_unit(median, up=True)
            if fix is None:
                found.append(f"annual_revenue: {said}; check its unit")
            else:
                found.append(
                    f"annual_revenue: {said} — looks like {fix} of dollars; pass "
                    f"--units annual_revenue={fix}"
                )
        else:
            fix = _closest_unit(median, up=False)
            if fix is None:
                found.append(f"annual_revenue: {said}; check the units of revenue and employees")
            else:
                found.append(
                    f"annual_revenue: {said} — employees look like {fix} of people; pass "
                    f"--units employees={fix}"
                )
        return found


def _closest_unit(ratio: float, *, up: bool) -> str | None:
    """The unit that brings a revenue per employee nearest a typical one (revenue scaled up,
    or employees scaled up, which scales the ratio down); None when none makes it plausible."""
    low, high = REVENUE_PER_EMPLOYEE
    best: tuple[float, str] | None = None
    for name, factor in UNITS.items():
        if factor == 1:
            continue
        scaled = ratio * factor if up else ratio / factor
        if not low <= scaled <= high:
            continue
        distance = abs(math.log(scaled / TYPICAL_REVENUE_PER_EMPLOYEE))
        if best is None or distance < best[0]:
            best = (distance, name)
    return None if best is None else best[1]
