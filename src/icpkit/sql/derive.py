"""The derivations of :mod:`icpkit.inputs`, written as SQL: the same keys, the same tables.

A country, region, industry or funding stage is read in Python by looking up the *key* of its
text (lower-cased, accents off, punctuation as spaces) in a table built from the ingest's own
data. Here the key is computed with ``LOWER`` and ``REPLACE`` only (every dialect has them, in
the same meaning for ASCII), and the lookup is a ``CASE`` of ``IN`` lists, one branch per
canonical value. The key is computed once per row in an inner SELECT, so the lookups only name
it.

Known differences from Python, all outside ASCII or far from real data: SQLite lower-cases
ASCII only (accented capitals of the Latin alphabets are in the table, other scripts are not),
and runs of more than 128 spaces inside a label are not squeezed to one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from icpkit import inputs
from icpkit.ingest.normalise import BLANK_TOKENS
from icpkit.sql.reading import WHITESPACE, text

# Columns read through a lookup table, and the Python function each one mirrors.
LOOKUPS = ("country", "region", "industry", "funding_stage")
_SQUEEZE_PASSES = 7  # each pass halves a run of spaces: runs up to 128 become one


def literal(value: str, dialect: str) -> exp.Expression:
    """A string literal; T-SQL needs N'...' to keep characters outside its code page."""
    if dialect == "tsql" and not value.isascii():
        return exp.National(this=value)
    return text(value)


def _replace(value: exp.Expression, old: exp.Expression, new: str) -> exp.Expression:
    return exp.Anonymous(this="REPLACE", expressions=[value, old, text(new)])


# REPLACE steps per nesting of a key: deeper trees overflow parsers (sqlglot's included).
STEPS_PER_STAGE = 12


def key_stages(dialect: str) -> list[Callable[[exp.Expression], exp.Expression]]:
    """The SQL of :func:`icpkit.inputs.key` as a few stages, each a function of the previous
    stage's value: lower-case (NULL for a blank cell), then the REPLACEs of
    :func:`icpkit.inputs.key` in the same order, at most :data:`STEPS_PER_STAGE` deep, then
    TRIM. Each stage is meant for its own SELECT, so no expression nests 200 REPLACEs."""
    steps: list[tuple[exp.Expression, str]] = [
        (literal(accented, dialect), plain) for accented, plain in inputs.ACCENTED.items()
    ]
    steps.append((text("&"), " and "))
    steps += [(literal(character, dialect), " ") for character in inputs.KEY_SPACES]
    steps += [(text("  "), " ")] * _SQUEEZE_PASSES

    def chunk(part: list[tuple[exp.Expression, str]]) -> Callable[[exp.Expression], exp.Expression]:
        def apply(value: exp.Expression) -> exp.Expression:
            for old, new in part:
                value = _replace(value, old.copy(), new)
            return value

        return apply

    stages: list[Callable[[exp.Expression], exp.Expression]] = [lambda v: _lowered(v, dialect)]
    stages += [chunk(steps[i : i + STEPS_PER_STAGE]) for i in range(0, len(steps), STEPS_PER_STAGE)]
    stages.append(lambda v: exp.Trim(this=v, expression=text(" ")))
    return stages


def funding_key(key_value: exp.Expression) -> exp.Expression:
    """:func:`icpkit.inputs.funding_key` from a key."""
    value = key_value
    for noise in inputs.FUNDING_NOISE:
        value = _replace(value, text(noise), "")
    return exp.Trim(this=value, expression=text(" "))


def _lowered(column: exp.Expression, dialect: str) -> exp.Expression:
    """NULL where :func:`icpkit.inputs.is_blank` is true (whitespace, or a token like N/A),
    else the text lower-cased: the first stage of a key."""
    as_text = exp.Cast(this=column, to=exp.DataType.build("text"))
    cleaned = exp.Lower(this=exp.Trim(this=as_text.copy(), expression=text(WHITESPACE)))
    tokens = [literal(t, dialect) for t in sorted(BLANK_TOKENS)]
    blank = exp.or_(
        exp.Is(this=column.copy(), expression=exp.Null()),
        exp.In(this=cleaned, expressions=tokens),
    )
    return exp.Case(ifs=[exp.If(this=blank, true=exp.Null())], default=exp.Lower(this=as_text))


def lookup(key_value: exp.Expression, table: dict[str, str], dialect: str) -> exp.Expression:
    """CASE key WHEN 'k' THEN value ... END (NULL when not found), values as the card's
    category bins compare them (case-folded). The simple CASE names the key once, so an
    engine that inlines it does not copy it into a thousand tests."""
    branches = [
        exp.If(this=literal(k, dialect), true=literal(value.casefold(), dialect))
        for k, value in sorted(table.items())
    ]
    return exp.Case(this=key_value, ifs=branches)


def _country_regions() -> dict[str, str]:
    """Country key -> region, for the countries that have one."""
    regions = inputs.country_regions()
    return {k: regions[code] for k, code in inputs.country_table().items() if code in regions}


def derived_value(column: str, keys: dict[str, exp.Expression], dialect: str) -> exp.Expression:
    """The case-folded canonical value of a lookup column from the keys of the raw columns
    present (``keys[raw]``, NULL for a blank cell); NULL where Python has None."""
    if column == "country":
        return lookup(keys["country"], inputs.country_table(), dialect)
    if column == "industry":
        return _industry(keys["industry"], dialect)
    if column == "funding_stage":
        return lookup(funding_key(keys["funding_stage"]), inputs.funding_table(), dialect)
    parts = []
    if "region" in keys:
        parts.append(lookup(keys["region"], inputs.region_table(), dialect))
    if "country" in keys:
        parts.append(lookup(keys["country"], _country_regions(), dialect))
    if not parts:
        return exp.Null()
    return parts[0] if len(parts) == 1 else exp.Coalesce(this=parts[0], expressions=parts[1:])


def _industry(key_value: exp.Expression, dialect: str) -> exp.Expression:
    """Label table, then keywords in the ingest's order, then 'other' (a blank key: NULL)."""
    padded = exp.DPipe(
        this=exp.DPipe(this=text(" "), expression=key_value, safe=True),
        expression=text(" "),
        safe=True,
    )
    keywords = []
    for industry, words in inputs.industry_words():
        tests = [
            exp.GT(
                this=exp.StrPosition(this=padded.copy(), substr=text(f" {word} ")),
                expression=exp.Literal.number(0),
            )
            for word in words
        ]
        keywords.append(exp.If(this=exp.or_(*tests), true=literal(industry.casefold(), dialect)))
    found = exp.Coalesce(
        this=lookup(key_value, inputs.industry_table(), dialect),
        expressions=[exp.Case(ifs=keywords, default=text("other"))],
    )
    empty = exp.or_(
        exp.Is(this=key_value.copy(), expression=exp.Null()),
        exp.EQ(this=key_value.copy(), expression=text("")),
    )
    return exp.Case(ifs=[exp.If(this=empty, true=exp.Null())], default=found)
