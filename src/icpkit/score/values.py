"""A column's values read the way a scorecard compares them: "51-200" employees, "$2.5M"
revenue, "USA" as a country. Used by the in-memory path (the API and small frames) and, on
each batch's distinct values, by `icpkit score`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pandas as pd

from icpkit import inputs
from icpkit.ingest import formats, normalise
from icpkit.scorecard.model import Scorecard


def _size_amount(column: str) -> Callable[..., float]:
    """Money that measures a company (revenue, funding): a negative one is unreadable."""

    def parse(text: str, *, decimal_comma: bool = False) -> float:
        amount = normalise.parse_money(text, decimal_comma=decimal_comma).amount
        if amount < 0:
            raise normalise.ParseError(formats.negative_reason(column, text))
        return amount

    return parse


# Numeric canonical columns: their parsers take ``decimal_comma``, which a file's column
# decides ("12.800" is 12800 in a column that writes 1.234,5; see icpkit.ingest.formats).
NUMBER_PARSERS: dict[str, Callable[..., Any]] = {
    "employees": normalise.parse_employees,
    "annual_revenue": _size_amount("annual_revenue"),
    "total_funding": _size_amount("total_funding"),
}

# Canonical columns whose text needs reading before bins can compare it: "51-200" employees,
# "$2.5M" revenue, "USA" as a country, "Computer Software" as an industry. The text ones are
# the lookups of icpkit.inputs, which SQL compiles to the same tables.
PARSERS: dict[str, Callable[[str], Any]] = {
    **NUMBER_PARSERS,
    "country": inputs.country_code,
    "region": inputs.region_label,
    "industry": inputs.industry_of,
    "funding_stage": inputs.funding_stage_of,
    "founded_year": normalise.parse_year,
}


def prepare(
    frame: pd.DataFrame,
    card: Scorecard,
    number_formats: dict[str, formats.NumberFormat] | None = None,
) -> pd.DataFrame:
    """The columns the card reads, in canonical form where the column is a canonical one.
    A value no parser can read becomes missing (it then scores as 'unknown').

    ``number_formats``: how each numeric column of a file writes its decimals, decided from
    its values the first time they tell (and remembered in the dict for the next batch);
    None reads each value on its own (one company from the API has no column to ask)."""
    return prepare_columns(frame, card.columns, number_formats)


def prepare_columns(
    frame: pd.DataFrame,
    columns: list[str],
    number_formats: dict[str, formats.NumberFormat] | None = None,
) -> pd.DataFrame:
    """:func:`prepare` for the named columns; a derived column (``region``) is filled in from
    its source (``country``) where it is blank, unreadable or absent (see icpkit.inputs)."""
    prepared = pd.DataFrame(index=frame.index)
    for column in columns:
        if column in frame.columns:
            prepared[column] = _prepared(frame, column, number_formats)
        if column == "region" and "country" in frame.columns:
            countries = frame["country"].astype(object)
            if column in prepared.columns:
                blank = prepared[column].isna().to_numpy()
                countries = countries.where(blank, None)
            derived = parse_unique(countries, inputs.region_of_country)
            prepared[column] = (
                derived.where(derived.notna(), prepared[column])
                if column in prepared.columns
                else derived
            )
    return prepared


def _prepared(
    frame: pd.DataFrame, column: str, number_formats: dict[str, formats.NumberFormat] | None
) -> pd.Series:
    values = frame[column]
    parser = PARSERS.get(column)
    if parser is not None and (values.dtype == object or pd.api.types.is_string_dtype(values)):
        if number_formats is not None and column in NUMBER_PARSERS:
            number = number_format(column, _texts(values), number_formats)
            parser = number_parser(column, number.decimal_comma)
        values = parse_unique(values, parser)
    return values


def _texts(values: pd.Series) -> Iterator[str]:
    """The distinct values as text, in order (read only when asked: a generator)."""
    for value in values.dropna().unique():
        yield str(value)


def number_format(
    column: str, texts: Iterable[str], number_formats: dict[str, formats.NumberFormat]
) -> formats.NumberFormat:
    """How ``column`` writes its decimals: as decided before, else from ``texts`` (its distinct
    values in order; a text with no "." or "," tells nothing and may be left out)."""
    number = number_formats.get(column)
    if number is None:
        number = formats.decide_decimal_mark(formats.mark_examples(t.strip() for t in texts))
        if number.because is not None or number.grouped is not None or number.conflict:
            number_formats[column] = number  # the values told: later batches read the same
    return number


def number_parser(column: str, decimal_comma: bool) -> Callable[[str], Any]:
    """The parser of a numeric canonical column, for a column that writes 1.234,5 or not."""
    if not decimal_comma:
        return NUMBER_PARSERS[column]
    return lambda text: NUMBER_PARSERS[column](text, decimal_comma=True)


def parse_unique(values: pd.Series, parser: Callable[[str], Any]) -> pd.Series:
    """Each distinct value read once by ``parser``: what it cannot read becomes None, a number
    out of range keeps its value (the bounds then say why it is unknown)."""
    parsed: dict[Any, Any] = {}
    for raw in values.dropna().unique():
        text = str(raw).strip()
        if not text:
            parsed[raw] = None
            continue
        try:
            parsed[raw] = parser(text)
        except normalise.OutOfRange as error:  # kept, so the bounds say why it is unknown
            parsed[raw] = error.value
        except (normalise.ParseError, ValueError):
            parsed[raw] = None
    return values.map(parsed).astype(object)
