"""A scorecard compiled to one SQL SELECT, for scoring a whole table inside the warehouse.

>>> from icpkit.scorecard.io import load_scorecard
>>> card = load_scorecard("examples/seed-scorecard.toml")
>>> sql = to_sql(card, "analytics.accounts", "duckdb")  # doctest: +SKIP

The SELECT returns the id column and ``icp_score``, ``icp_tier``, ``icp_disqualified`` and
``icp_reasons``, with the same numbers and reason texts as ``icpkit score`` (see
``docs/scoring-at-scale.md`` for the column types it expects). It is built once as a sqlglot
tree and printed in the dialect asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp
from sqlglot.errors import ParseError

from icpkit.errors import IcpkitError
from icpkit.scorecard.model import Scorecard
from icpkit.sql.number_forms import check_dialect
from icpkit.sql.select import build_select

DIALECTS = ("duckdb", "postgres", "sqlite", "snowflake", "bigquery", "spark", "redshift", "tsql")
# Dialects with arrays, where a list attribute may read an array column (`lists="array"`).
ARRAY_DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "spark")

__all__ = ["ARRAY_DIALECTS", "DIALECTS", "numeric_columns", "table_name", "to_sql"]


def table_name(table: str, dialect: str) -> exp.Table:
    """``schema.table`` (or ``catalog.schema.table``) as written in ``dialect``, every part
    quoted. A part already quoted in the dialect's way keeps its exact spelling."""
    try:
        parsed = exp.to_table(table, dialect=dialect)
    except ParseError as error:
        raise IcpkitError(f"cannot read the table name {table!r}: {error}") from None
    if parsed is None or not parsed.name:
        raise IcpkitError(f"cannot read the table name {table!r}")
    for identifier in parsed.find_all(exp.Identifier):
        identifier.set("quoted", True)
    return parsed


def numeric_columns(card: Scorecard, names: Sequence[str]) -> list[str]:
    """The card's numeric columns named (``["all"]``: every one), in the card's order; a name
    that is not one is an error naming those there are."""
    numeric = list(dict.fromkeys(c for c, kind in card.column_kinds() if kind == "numeric"))
    if list(names) == ["all"]:
        return numeric
    for name in names:
        if name not in numeric:
            there = ", ".join(numeric) or "none"
            raise IcpkitError(
                f"{name}: not a numeric column of this scorecard (its numeric columns: {there})"
            )
    return [c for c in numeric if c in names]


def to_sql(
    card: Scorecard,
    table: str,
    dialect: str,
    *,
    id_column: str = "account_id",
    lists: str = "text",
    pretty: bool = True,
    columns: Sequence[str] | None = None,
    text_numbers: Sequence[str] = (),
) -> str:
    """One SELECT scoring every row of ``table`` with ``card`` in ``dialect``.

    ``dialect`` is one of :data:`DIALECTS`. ``id_column`` is returned first, under its own
    name, so the scores can be joined back to the table. ``lists`` says how list attributes
    (``technologies``) are stored: "text" joined by ``;`` (or ``,``), or "array" (the
    ``list<string>`` columns ``icpkit ingest`` writes to Parquet; not in SQLite, Redshift or
    T-SQL, which have no arrays). ``columns``: the columns ``table`` has, when it is not
    exactly those the card reads: a card column the table lacks is derived from the raw ones
    it has as :mod:`icpkit.inputs` says (``region`` from ``country``), or else unknown.
    ``text_numbers``: numeric columns of the card the table stores as text ("51-200",
    "$2.5M"), read as ``icpkit score`` reads them (:mod:`icpkit.sql.numbers`); "all" for every
    numeric column. SQLite and T-SQL have no regular expressions and refuse.
    """
    if dialect not in DIALECTS:
        raise IcpkitError(f"unknown SQL dialect {dialect!r}: use one of {', '.join(DIALECTS)}")
    if lists not in ("text", "array"):
        raise IcpkitError(f"lists must be 'text' or 'array', not {lists!r}")
    if lists == "array" and dialect not in ARRAY_DIALECTS:
        raise IcpkitError(
            f"{dialect} has no array columns: store list attributes as ';'-joined text"
        )
    as_text = numeric_columns(card, text_numbers)
    check_dialect(as_text, dialect)
    select = build_select(
        card, table_name(table, dialect), id_column, dialect, lists, columns, as_text
    )
    return select.sql(dialect=dialect, pretty=pretty)
