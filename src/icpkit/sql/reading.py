"""How SQL reads a column the way the Python scorecard does, and tests one bin's condition.

The Python path (``icpkit.conditions``) reads a value per attribute kind: numbers as numbers,
text stripped and case-folded, booleans from ``true/yes/1`` and ``false/no/0``, and a list as
text split on ``;`` (or ``,`` when there is no ``;``), each item stripped. Each function here
writes the same reading as a sqlglot expression, so that one tree prints to every dialect.

Where a database cannot follow Python exactly, the difference is documented in
``docs/scoring-at-scale.md``: SQL lower-cases ASCII only in some engines (SQLite), trims ASCII
whitespace only, and treats a tab or line break inside a list item as a space.
"""

from __future__ import annotations

from sqlglot import exp

from icpkit.conditions import FALSE_STRINGS, TRUE_STRINGS, Condition

# The whitespace SQL trims: ASCII only, the characters Python's str.strip() removes first.
WHITESPACE = " \t\n\r\x0b\x0c"
LIST_SEPARATOR = ";"
# Runs of spaces next to a separator are removed in passes of 32, 16, ..., 1 spaces: any run
# shorter than 64 disappears exactly, like Python's strip() of each item.
_SPACE_PASSES = (32, 16, 8, 4, 2, 1)


def text(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def number(value: float | int) -> exp.Literal | exp.Neg:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return exp.Literal.number(int(value))
    return exp.Literal.number(repr(value) if isinstance(value, float) else value)


def _as_text(column: exp.Expression) -> exp.Expression:
    return exp.Cast(this=column, to=exp.DataType.build("text"))


def _clean_text(column: exp.Expression) -> exp.Expression:
    """LOWER(TRIM(CAST(column AS TEXT))): Python's ``str(value).strip().casefold()``."""
    trimmed = exp.Trim(this=_as_text(column), expression=text(WHITESPACE))
    return exp.Lower(this=trimmed)


def _replace(value: exp.Expression, old: str, new: str) -> exp.Expression:
    return exp.Anonymous(this="REPLACE", expressions=[value, text(old), text(new)])


def read_value(
    column: exp.Expression, kind: str, lists: str = "text", dialect: str = "duckdb"
) -> exp.Expression:
    """The value of ``column`` as the bins of a ``kind`` attribute compare it. ``lists``:
    "text" when list columns hold ``;``-joined text, "array" when they are arrays."""
    if kind == "numeric":
        nan = _is_nan(column, dialect)
        if nan is None:
            return column
        # Python reads NaN as missing; in SQL, NaN sorts above every number and would match
        # "1,000+". icpkit's own Parquet stores missing floats as NaN, so this matters.
        return exp.Case(ifs=[exp.If(this=nan, true=exp.Null())], default=column)
    if kind == "boolean":
        cleaned = _clean_text(column)
        return exp.Case(
            ifs=[
                exp.If(this=_in(cleaned, sorted(TRUE_STRINGS)), true=text("true")),
                exp.If(this=_in(cleaned, sorted(FALSE_STRINGS)), true=text("false")),
            ]
        )
    if kind == "list":
        if lists == "array":
            column = exp.ArrayToString(this=column, expression=text(LIST_SEPARATOR))
        return _padded_list(column)
    return _clean_text(column)


def _is_nan(column: exp.Expression, dialect: str) -> exp.Expression | None:
    """True where a number is NaN, in the dialects whose floats can hold NaN."""
    if dialect == "duckdb":
        # Not ISNAN(x): DuckDB 2.0 folds it to false from Parquet statistics, which leave NaN
        # out of a column's min/max. The text of a NaN is 'nan' (or '-nan').
        return exp.In(this=_as_text(column), expressions=[text("nan"), text("-nan")])
    if dialect == "spark":
        return exp.IsNan(this=column)
    if dialect == "bigquery":
        return exp.IsNan(this=exp.Cast(this=column, to=exp.DataType.build("double")))
    if dialect in ("postgres", "snowflake"):
        double = exp.DataType.build("double")
        nan = exp.Cast(this=text("NaN"), to=double)
        return exp.EQ(this=exp.Cast(this=column, to=double), expression=nan)
    return None  # SQLite and SQL Server store no NaN; Redshift is left as stored


def _padded_list(column: exp.Expression) -> exp.Expression:
    """The list as ``;item;item;``: lower-case, ``,`` read as the separator when there is no
    ``;``, whitespace around each item removed, so an item matches by ``;value;``."""
    lowered = exp.Lower(this=_as_text(column))
    has_semicolon = exp.GT(
        this=exp.StrPosition(this=lowered, substr=text(LIST_SEPARATOR)),
        expression=exp.Literal.number(0),
    )
    value: exp.Expression = exp.Case(
        ifs=[exp.If(this=has_semicolon, true=lowered)],
        default=_replace(lowered, ",", LIST_SEPARATOR),
    )
    for other in WHITESPACE[1:]:
        value = _replace(value, other, " ")
    value = exp.DPipe(
        this=exp.DPipe(this=text(LIST_SEPARATOR), expression=value, safe=True),
        expression=text(LIST_SEPARATOR),
        safe=True,
    )
    for width in _SPACE_PASSES:
        value = _replace(value, LIST_SEPARATOR + " " * width, LIST_SEPARATOR)
    for width in _SPACE_PASSES:
        value = _replace(value, " " * width + LIST_SEPARATOR, LIST_SEPARATOR)
    return value


def list_item(value: str) -> str | None:
    """A scorecard value as it appears between separators of a padded list, or None when no
    list item can ever equal it (blank, or holding the separator)."""
    item = value.strip().casefold()
    for other in WHITESPACE[1:]:
        item = item.replace(other, " ")
    if not item or LIST_SEPARATOR in item:
        return None
    return item


def _in(value: exp.Expression, options: list[str]) -> exp.Condition:
    return exp.In(this=value, expressions=[text(o) for o in options])


def is_missing(value: exp.Expression, kind: str) -> exp.Condition:
    """True where the Python path reads the value as missing (None / NaN / no items)."""
    null = exp.Is(this=value, expression=exp.Null())
    if kind in ("numeric", "boolean"):
        return null
    if kind == "list":
        blank = exp.EQ(this=_replace(value, LIST_SEPARATOR, ""), expression=text(""))
    else:
        blank = exp.EQ(this=value, expression=text(""))
    return exp.Or(this=null, expression=blank)


def matches(value: exp.Expression, kind: str, condition: Condition) -> exp.Condition | None:
    """The SQL test of ``condition`` on a value read by :func:`read_value`.

    Returns None when the condition can never match (like Python, which then gives no row),
    and :class:`sqlglot.exp.Boolean` true for a catch-all ``other`` bin.
    """
    if condition.missing:
        return is_missing(value, kind)
    if condition.other:
        return exp.true()
    if condition.values is not None:
        return _matches_values(value, kind, condition.values)
    if kind != "numeric":
        return None
    tests: list[exp.Expression] = [exp.Not(this=exp.Is(this=value, expression=exp.Null()))]
    if condition.min is not None:
        tests.append(exp.GTE(this=value, expression=number(condition.min)))
    if condition.max is not None:
        tests.append(exp.LTE(this=value, expression=number(condition.max)))
    if condition.less_than is not None:
        tests.append(exp.LT(this=value, expression=number(condition.less_than)))
    if len(tests) > 1:
        tests = tests[1:]  # a comparison with NULL is never true: no IS NOT NULL needed
    return exp.and_(*tests)


def _matches_values(
    value: exp.Expression, kind: str, values: tuple[str, ...]
) -> exp.Condition | None:
    if kind == "numeric":
        return None
    if kind == "list":
        items = sorted({item for v in values if (item := list_item(str(v))) is not None})
        if not items:
            return None
        found = [
            exp.GT(
                this=exp.StrPosition(
                    this=value, substr=text(LIST_SEPARATOR + item + LIST_SEPARATOR)
                ),
                expression=exp.Literal.number(0),
            )
            for item in items
        ]
        return exp.or_(*found)
    wanted = sorted({str(v).strip().casefold() for v in values} - {""})
    if not wanted:
        return None
    return _in(value, wanted)
