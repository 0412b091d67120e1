"""Numbers a table stores as text ("51-200", "$2.5M", "1.234,5"), read in SQL as
``icpkit score`` reads them.

``icpkit score`` reads a headcount or an amount written as text with the ingest's parsers
(:func:`icpkit.ingest.normalise.parse_employees` and ``parse_money``), a founding year with
``parse_year``, and any other numeric column as a plain number. This module writes the same
readings as SQL, for the numeric columns a table stores as text (``to_sql(...,
text_numbers=...)``):

- the text is matched, whole, against the forms the parser reads: a number or a band (open
  or closed), with a multiplier, currency marks before and after, an approximation or a word
  for people;
- the pieces are cut out with anchored ``REGEXP_REPLACE`` (one match per text, so that the
  engines' "first" and "all" replacements agree), with patterns in the syntax POSIX, RE2 and
  Java share (bracket expressions, ``|``, ``*``, ``+``, ``?``, ``{m,n}``, longest alternative
  first);
- the number is computed as the parser computes it: the digits under its rules for ``.`` and
  ``,``, times the multiplier, then a band's geometric mean, 1.5 x an open top, half an open
  bottom, a headcount rounded half up; out of range as in Python (:mod:`icpkit.bounds`).

Text in none of the forms is unknown, as it is in Python when the parser refuses it. The
parser reads a few spellings the forms leave out (a word for people before the number, a band
that starts with its separator, ``5.to.10``, a founding year written ``6/1/2015``): those are
unknown in SQL, never another number. ``tests/test_sql_text_numbers.py`` checks on generated
text that SQL gives Python's value, or outside the forms nothing. The tables are the parser's
own (``money.toml``'s multipliers, currency symbols, codes and words; its one-person phrases);
the phrases of its bands are stated once, in :data:`icpkit.sql.number_forms.FORMS`, and a
test checks the parser reads each of them.

SQLite and SQL Server have no regular expressions: :func:`check_dialect` refuses there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import TypeAlias

from sqlglot import exp

from icpkit import bounds
from icpkit.ingest.normalise.numbers import _SOLO
from icpkit.sql.number_forms import (
    FORMS,
    HEADCOUNT,
    LETTERS,
    MONEY,
    NOT_LETTER,
    WHITESPACE,
    WS,
    YEAR,
    Band,
    bracket,
    headcount_side,
    money,
    money_side,
    one_of,
)
from icpkit.sql.reading import number, text

# ---- SQL pieces ---------------------------------------------------------------------------


def _matches(value: exp.Expression, pattern: str) -> exp.Expression:
    """The whole text matches ``pattern``, anchored at both ends: Snowflake's REGEXP_LIKE
    always is, the others search."""
    assert pattern.startswith("^") and pattern.endswith("$"), pattern
    return exp.RegexpLike(this=value.copy(), expression=text(pattern))


def _cut(value: exp.Expression, pattern: str) -> exp.Expression:
    """``value`` without the one match of ``pattern``, anchored at one end."""
    assert pattern.startswith("^") or pattern.endswith("$"), pattern
    return exp.Anonymous(this="REGEXP_REPLACE", expressions=[value.copy(), text(pattern), text("")])


def _drop(value: exp.Expression, characters: str) -> exp.Expression:
    """``value`` without any of ``characters`` (TRANSLATE to nothing, in every engine here)."""
    return exp.Anonymous(this="TRANSLATE", expressions=[value.copy(), text(characters), text("")])


def _replace(value: exp.Expression, old: str, new: str) -> exp.Expression:
    return exp.Anonymous(this="REPLACE", expressions=[value.copy(), text(old), text(new)])


def _strip(value: exp.Expression) -> exp.Expression:
    """Python's ``str.strip()``: Unicode whitespace off both ends."""
    return _cut(_cut(value, f"^{WS}+"), f"{WS}+$")


def _double(value: exp.Expression | float) -> exp.Expression:
    literal = value if isinstance(value, exp.Expression) else number(value)
    return exp.Cast(this=literal.copy(), to=exp.DataType.build("double"))


def _infinity(dialect: str) -> exp.Expression:
    return _double(text("inf" if dialect in ("snowflake", "bigquery") else "Infinity"))


def _case(
    *branches: tuple[exp.Expression | exp.Condition, exp.Expression],
    default: exp.Expression | None = None,
) -> exp.Expression:
    return exp.Case(
        ifs=[exp.If(this=test.copy(), true=value.copy()) for test, value in branches],
        default=None if default is None else default.copy(),
    )


def _char(value: exp.Expression, at: exp.Expression | int) -> exp.Expression:
    start = at if isinstance(at, exp.Expression) else number(at)
    return exp.Substring(this=value.copy(), start=start, length=number(1))


def _last_char(value: exp.Expression) -> exp.Expression:
    return _char(value, exp.Length(this=value.copy()))


def _is(value: exp.Expression, character: str) -> exp.Expression:
    return exp.EQ(this=value, expression=text(character))


def _in(value: exp.Expression, options: Sequence[str]) -> exp.Expression:
    return exp.In(this=value.copy(), expressions=[text(o) for o in options])


def _null(value: exp.Expression) -> exp.Expression:
    return exp.Is(this=value.copy(), expression=exp.Null())


def _gt(value: exp.Expression, limit: float) -> exp.Expression:
    return exp.GT(this=value.copy(), expression=_double(limit))


def _lt(value: exp.Expression, limit: float) -> exp.Expression:
    return exp.LT(this=value.copy(), expression=_double(limit))


def _lookup(value: exp.Expression, table: Mapping[str, object]) -> exp.Expression:
    def literal(v: object) -> exp.Expression:
        return text(v) if isinstance(v, str) else _double(v)  # type: ignore[arg-type]

    ifs = [exp.If(this=text(k), true=literal(v)) for k, v in sorted(table.items())]
    return exp.Case(this=value.copy(), ifs=ifs)


# ---- the readings, as steps -----------------------------------------------------------------


class Steps:
    """Named values of one column, each computed from earlier ones. A value goes into the
    first SELECT after those of the values it reads, so each SELECT names its inputs once and
    no expression copies another hundreds of times."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.stages: list[dict[str, exp.Expression | exp.Condition]] = []
        self._stage: dict[str, int] = {}

    def __call__(self, name: str, value: exp.Expression | exp.Condition) -> exp.Column:
        full = f"{self.prefix}_{name}"
        reads = {c.name for c in value.find_all(exp.Column)} & set(self._stage)
        stage = max((self._stage[r] + 1 for r in reads), default=0)
        while len(self.stages) <= stage:
            self.stages.append({})
        self.stages[stage][full] = value
        self._stage[full] = stage
        return exp.Column(this=exp.to_identifier(full, quoted=True))


# How a band reads each of its sides: (steps, name, the side's text, dialect) -> the side's
# value, and its currency (None for a kind of number that has none).
SideReader: TypeAlias = Callable[
    [Steps, str, exp.Expression, str], tuple[exp.Column, exp.Column | None]
]


def _whole_number(steps: Steps, name: str, digits: exp.Expression, dialect: str) -> exp.Column:
    """``parse_decimal`` of ``digits`` (only digits, ``.`` and ``,`` left) as DOUBLE, NULL
    where the parser refuses the separators."""
    d = steps(f"{name}_d", digits)
    rules = [
        ("^[0-9]+$", d),
        ("^[0-9]*[.][0-9]*$", d),
        ("^[0-9]{1,3}([.][0-9]{3})+$", _replace(d, ".", "")),  # 1.234.567
        ("^[0-9]{1,3}(,[0-9]{3})+$", _replace(d, ",", "")),  # 1,234
        ("^[0-9]*,[0-9]*$", _replace(d, ",", ".")),  # 3,5
        ("^[0-9.]*,[0-9]*$", _replace(_replace(d, ".", ""), ",", ".")),  # 1.234,5
        ("^[0-9,]*[.][0-9]*$", _replace(d, ",", "")),  # 1,234.5
    ]
    plain = _case(*((_matches(d, p), out) for p, out in rules))
    return _scientific(steps, name, plain, dialect)


def _significant(x: Fraction) -> str:
    """The first :data:`_SIGNIFICANT` significant digits of ``x``."""
    with localcontext() as context:
        context.prec = _SIGNIFICANT + 10
        mantissa = format(Decimal(x.numerator) / Decimal(x.denominator), "e").split("e")[0]
    return mantissa.replace(".", "")[:_SIGNIFICANT]


_SIGNIFICANT = 22
# Where Python's float() stops: at the largest double plus half its spacing it gives
# infinity, at half the smallest double and below it gives 0. Some engines fail a cast past
# these instead, so the text is compared with them (as powers of ten and digits) first.
_OVERFLOW = _significant(Fraction(2**1024 - 2**970))  # 1.797...e308
_UNDERFLOW = _significant(Fraction(1, 2**1075))  # 2.470...e-324


def _scientific(steps: Steps, name: str, value: exp.Expression, dialect: str) -> exp.Column:
    """Python's float() of ``[+-]digits[.digits][e[+-]digits]`` (lower case), NULL for
    anything else, infinity and 0 where float() overflows and underflows."""
    v = steps(f"{name}_t", value)
    ok = _matches(v, "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)(e[+-]?[0-9]+)?$")
    mantissa = _cut(_drop(v, "+-"), "e[+-]?[0-9]+$")
    power = steps(f"{name}_e", _cut(_cut(v, "^[^e]*$"), "^[^e]*e"))
    whole = steps(f"{name}_w", _cut(_cut(mantissa, "[.][0-9]*$"), "^0+"))
    fraction = steps(f"{name}_f", _cut(mantissa, "^[0-9]*[.]?"))
    significand = steps(
        f"{name}_sig", _cut(exp.DPipe(this=whole, expression=fraction, safe=True), "^0+")
    )
    fraction_zeros = exp.Paren(  # sqlglot prints a - (b - c) without them
        this=exp.Sub(
            this=exp.Length(this=fraction.copy()),
            expression=exp.Length(this=_cut(fraction, "^0+")),
        )
    )
    power_digits = steps(f"{name}_ed", _cut(_drop(power, "+-"), "^0+"))
    size = _case(
        (_is(power_digits, ""), number(0)),
        (
            _matches(power_digits, "^[0-9]{1,4}$"),
            exp.Cast(this=power_digits.copy(), to=exp.DataType.build("int")),
        ),
        default=number(9999),
    )
    sign = _case((_is(_char(power, 1), "-"), number(-1)), default=number(1))
    exponent = exp.Mul(this=size, expression=sign)
    # the power of ten of the first significant digit
    decade = steps(
        f"{name}_p",
        _case(
            (
                exp.not_(_is(whole, "")),
                exp.Add(
                    this=exp.Sub(this=exp.Length(this=whole.copy()), expression=number(1)),
                    expression=exponent,
                ),
            ),
            default=exp.Sub(
                this=exp.Sub(this=exponent.copy(), expression=fraction_zeros),
                expression=number(1),
            ),
        ),
    )
    leading = exp.Anonymous(
        this="RPAD",
        expressions=[
            exp.Substring(this=significand.copy(), start=number(1), length=number(_SIGNIFICANT)),
            number(_SIGNIFICANT),
            text("0"),
        ],
    )
    at = exp.EQ
    cast = exp.Abs(this=_double(_replace(v, "+", "")))
    absolute = _case(
        (exp.Not(this=ok), exp.Null()),
        (_is(significand, ""), _double(0)),
        (exp.GT(this=decade, expression=number(308)), _infinity(dialect)),
        (
            exp.and_(
                at(this=decade.copy(), expression=number(308)),
                exp.GTE(this=leading, expression=text(_OVERFLOW)),
            ),
            _infinity(dialect),
        ),
        (exp.LT(this=decade.copy(), expression=number(-324)), _double(0)),
        (
            exp.and_(
                at(this=decade.copy(), expression=number(-324)),
                exp.LTE(this=leading.copy(), expression=text(_UNDERFLOW)),
            ),
            _double(0),
        ),
        default=cast,
    )
    negative = _is(_char(v, 1), "-")
    return steps(name, _case((negative, _minus(absolute)), default=absolute))


def _minus(value: exp.Expression) -> exp.Expression:
    return exp.Neg(this=exp.Paren(this=value.copy()))


def _times(value: exp.Expression, factor: exp.Expression | float) -> exp.Expression:
    other = factor if isinstance(factor, exp.Expression) else _double(factor)
    return exp.Mul(this=value.copy(), expression=other.copy())


def _amount(
    steps: Steps, name: str, side: exp.Expression, pattern: str, dialect: str
) -> exp.Column:
    """The parser's ``_amount`` of ``side`` (which must match ``pattern`` whole): the number
    times its multiplier, NULL where refused (either past 10^18 included)."""
    ok = _matches(side, f"^{pattern}$")
    multiplier = steps(f"{name}_x", _cut(side, f"^{NOT_LETTER}*"))
    digits = _drop(_cut(side, f"{bracket(LETTERS)}*$"), WHITESPACE + "'+-")
    value = _whole_number(steps, f"{name}_n", digits, dialect)
    factors = money().multipliers
    factor = _case((_is(multiplier, ""), _double(1)), default=_lookup(multiplier, factors))
    scaled = steps(f"{name}_s", _times(value, factor))
    amount = _case(
        (exp.Not(this=ok), exp.Null()),
        (_gt(value, bounds.MAX_AMOUNT), exp.Null()),
        (_gt(scaled, bounds.MAX_AMOUNT), exp.Null()),
        (_is(_char(side, 1), "-"), _minus(scaled)),
        default=scaled,
    )
    return steps(name, amount)


def _headcount_amount(
    steps: Steps, name: str, side: exp.Expression, dialect: str
) -> tuple[exp.Column, None]:
    return _amount(steps, name, side, headcount_side(WHITESPACE, True), dialect), None


def _money_amount(
    steps: Steps, name: str, side: exp.Expression, dialect: str
) -> tuple[exp.Column, exp.Column]:
    """An amount and the currency of its mark (NULL when it has none)."""
    table = money()
    side = steps(f"{name}_side", side)
    without_before = steps(f"{name}_wb", _cut(side, f"^{table.before}{WS}*"))
    # after it: a mark, or a symbol and a code (cut the code, then the symbol)
    after_cut = _cut(without_before, f"{WS}*{table.after}$")
    bare = steps(f"{name}_bare", _cut(after_cut, f"{WS}*{table.symbol}$"))
    before = exp.Substring(
        this=side,
        start=number(1),
        length=exp.Sub(
            this=exp.Length(this=side.copy()), expression=exp.Length(this=without_before)
        ),
    )
    after = exp.Substring(
        this=without_before.copy(),
        start=exp.Add(this=exp.Length(this=bare), expression=number(1)),
    )
    mark_before = steps(f"{name}_mb", _strip(before))
    mark_after = steps(f"{name}_ma", _strip(after))
    currency_before = steps(f"{name}_cb", _lookup(mark_before, table.currencies))
    last_after = _cut(mark_after, f"^{table.symbol}{WS}*")  # "$usd": the last names it
    currency_after = steps(
        f"{name}_ca",
        exp.Coalesce(
            this=_lookup(mark_after, table.currencies),
            expressions=[_lookup(last_after, table.currencies)],
        ),
    )
    # Two marks: the parser cuts one per pass (codes first, then symbols, longest first, then
    # words), and a code it cuts names the currency, else the first symbol it cuts.
    two = exp.and_(exp.not_(_is(mark_before, "")), exp.not_(_is(mark_after, "")))
    rank_before = _lookup(mark_before, table.symbol_rank)
    rank_after = _lookup(mark_after, table.symbol_rank)
    currency_of_two = _case(
        (_in(mark_after, list(table.codes)), currency_after),
        (_in(mark_before, list(table.codes)), currency_before),
        (exp.LTE(this=rank_before, expression=rank_after), currency_before),
        (_in(mark_after, list(table.symbols)), currency_after),
        default=currency_before,
    )
    valid = exp.and_(
        _matches(side, f"^{money_side(WHITESPACE)}$"),
        exp.not_(exp.and_(two, _in(mark_before, table.code_and_symbol))),
    )
    amount = _amount(steps, f"{name}_v", bare, headcount_side(WHITESPACE, False), dialect)
    currency = _case(
        (two, currency_of_two),
        default=exp.Coalesce(this=currency_before.copy(), expressions=[currency_after.copy()]),
    )
    return steps(name, _case((valid, amount))), steps(f"{name}_cur", currency)


def _band(
    steps: Steps, body: exp.Expression, band: Band, read: SideReader, dialect: str
) -> exp.Column:
    """``normalise.parse_band`` of ``body`` with ``read`` for each side: the band's value,
    NULL where the parser refuses it."""
    closed_side = f"({band.side(WHITESPACE, False)})"
    top_before, top_after = one_of(FORMS.open_top_before), one_of(FORMS.open_top_after)
    low_before, low_after = one_of(FORMS.open_bottom_before), one_of(FORMS.open_bottom_after)
    # (form, its whole-text pattern, what to cut off the text to leave its first side)
    forms = [
        ("top", band.open_before(FORMS.open_top_before), f"^{top_before}{WS}*"),
        ("top", band.open_after(FORMS.open_top_after), f"{WS}*{top_after}$"),
        ("bottom", band.open_before(FORMS.open_bottom_before), f"^{low_before}{WS}*"),
        ("bottom", band.open_after(FORMS.open_bottom_after), f"{WS}*{low_after}$"),
        ("range", band.closed, f"{band.separator}{closed_side}$"),
        ("single", band.single, None),
    ]
    which = steps("which", _case(*((_matches(body, f[1]), number(i)) for i, f in enumerate(forms))))
    form = steps(
        "form",
        exp.Case(
            this=which, ifs=[exp.If(this=number(i), true=text(f[0])) for i, f in enumerate(forms)]
        ),
    )
    firsts = [
        exp.If(this=number(i), true=body.copy() if cut is None else _cut(body, cut))
        for i, (_, _, cut) in enumerate(forms)
    ]
    first = steps("first", exp.Case(this=which.copy(), ifs=firsts))
    closed = _is(form, "range")
    # the top side: what follows the bottom side and the separator, both cut at the end
    bottom_and_separator = _cut(body, f"{closed_side}$")
    top = exp.Substring(
        this=body.copy(),
        start=exp.Add(this=exp.Length(this=bottom_and_separator), expression=number(1)),
    )
    second = steps("second", _case((closed, top)))
    # "10-50M" is 10M to 50M: the top's letters go on a bottom that ends in none
    letters = _cut(second, f"^({bracket(LETTERS)}*{NOT_LETTER})*")
    bare_low = exp.Not(this=_in(_last_char(first), list(LETTERS)))
    low = _case(
        (
            exp.and_(_is(form, "range"), bare_low),
            exp.DPipe(this=first, expression=letters, safe=True),
        ),
        default=first,
    )
    a, currency_a = read(steps, "a", low, dialect)
    b, currency_b = read(steps, "b", second, dialect)
    lower = _case((exp.LTE(this=a, expression=b), a), default=b)
    upper = _case((exp.LTE(this=a, expression=b), b), default=a)
    closed_value = _case(
        (exp.or_(_null(a), _null(b)), exp.Null()),
        (_gt(lower, 0), exp.Sqrt(this=_times(lower, upper))),
        default=exp.Div(this=upper, expression=_double(2)),
    )
    if currency_a is not None and currency_b is not None:
        mixed = exp.and_(
            exp.not_(_null(currency_a)),
            exp.not_(_null(currency_b)),
            exp.NEQ(this=currency_a.copy(), expression=currency_b.copy()),
        )
        closed_value = _case((mixed, exp.Null()), default=closed_value)
    value = exp.Case(
        this=form.copy(),
        ifs=[
            exp.If(this=text("top"), true=_times(a, 1.5)),
            exp.If(this=text("bottom"), true=exp.Div(this=a.copy(), expression=_double(2))),
            exp.If(this=text("range"), true=closed_value),
            exp.If(this=text("single"), true=a.copy()),
        ],
    )
    return steps("band", value)


def _text_of(raw: exp.Expression) -> exp.Expression:
    return exp.Cast(this=raw.copy(), to=exp.DataType.build("text"))


def _headcount(steps: Steps, raw: exp.Expression, dialect: str) -> exp.Column:
    """``parse_employees``: a whole number as written, else a band of people."""
    t = steps("t", _strip(_text_of(raw)))
    s = steps("s", exp.Lower(this=t))
    plain = steps("is_plain", _matches(t, "^[+]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)([.]0+)?$"))
    plain_value = _whole_number(steps, "plain", _drop(t, ",+"), dialect)
    approx = f"^{one_of(FORMS.approximately)}{WS}*"
    people = f"{WS}+{one_of(FORMS.people)}[.]?$"
    # a plain number skips the band's steps (NULL is quick to test): most cells are plain
    body = steps("body", _case((plain, exp.Null()), default=_cut(_cut(s, approx), people)))
    value = _band(steps, body, Band(headcount_side), _headcount_amount, dialect)
    headcount = _case(
        (_in(s, sorted(_SOLO)), _double(1)),
        (plain, plain_value),
        (_lt(value, 0), exp.Null()),
        (_gt(value, bounds.MAX_EMPLOYEES), value),
        default=exp.Floor(this=exp.Add(this=value.copy(), expression=_double(0.5))),
    )
    return steps("number", headcount)


PLAIN_MONEY = (
    "^([+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)([.][0-9]+)?|[+-]?[.][0-9]+"
    "|[+-]?[0-9]+([.][0-9]+)?[eE][+-]?[0-9]+)$"
)


def _money(steps: Steps, raw: exp.Expression, dialect: str) -> exp.Column:
    """``parse_money``'s amount, for revenue and funding: a negative one is unreadable (out
    of range when past 10^18 either way, as the parser's bound says first)."""
    t = steps("t", _strip(_text_of(raw)))
    s = steps("s", exp.Lower(this=t))
    plain = steps("is_plain", _matches(t, PLAIN_MONEY))
    plain_value = _scientific(steps, "plain", exp.Lower(this=_replace(t, ",", "")), dialect)
    wrapped = exp.and_(
        exp.GTE(this=exp.Length(this=s.copy()), expression=number(2)),
        _is(_char(s, 1), "("),
        _is(_last_char(s), ")"),
    )
    negative = steps("negative", wrapped)
    inner = exp.Substring(
        this=s.copy(),
        start=number(2),
        length=exp.Sub(this=exp.Length(this=s.copy()), expression=number(2)),
    )
    body = steps("body", _case((plain, exp.Null()), (negative, _strip(inner)), default=s))
    value = _band(steps, body, Band(money_side), _money_amount, dialect)
    signed = steps("signed", _case((negative, _minus(value)), default=value))

    def checked(amount: exp.Expression) -> exp.Expression:
        return _case(
            (_gt(exp.Abs(this=amount.copy()), bounds.MAX_AMOUNT), amount),
            (_lt(amount, 0), exp.Null()),
            default=amount,
        )

    return steps("number", _case((plain, checked(plain_value)), default=checked(signed)))


def _year(steps: Steps, raw: exp.Expression, dialect: str) -> exp.Column:
    """``parse_year``: a year written alone (``2015``, ``2015.0``), or the year of a date
    written ``2015-06-01`` or ``20150601`` (a real date, years 1700-2200 as ``parse_date``
    wants); other date spellings are unknown in SQL."""
    t = steps("t", _strip(_text_of(raw)))
    iso = "^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}$"
    alone = _matches(t, "^[0-9]{4}([.]0+)?$")
    dated = exp.or_(_matches(t, iso), _matches(t, "^[0-9]{8}$"))
    month = _case(
        (_matches(t, iso), _cut(_cut(t, "^[0-9]{4}[-/.]"), "[-/.][0-9]{1,2}$")),
        default=exp.Substring(this=t.copy(), start=number(5), length=number(2)),
    )
    day = _case(
        (_matches(t, iso), _cut(t, "^[0-9]{4}[-/.][0-9]{1,2}[-/.]")),
        default=exp.Substring(this=t.copy(), start=number(7), length=number(2)),
    )
    whole = exp.DataType.build("int")
    kind = steps("kind", _case((alone, text("year")), (dated, text("date"))))
    year = steps("y", _case((exp.not_(_null(kind)), exp.Cast(this=_char4(t), to=whole))))
    m = steps("m", _case((_is(kind, "date"), exp.Cast(this=month, to=whole))))
    d = steps("d", _case((_is(kind, "date"), exp.Cast(this=day, to=whole))))
    leap = exp.and_(
        _divides(4, year),
        exp.or_(exp.not_(_divides(100, year)), _divides(400, year)),
    )
    days = _case(
        (_is_number(m, 2), _case((leap, number(29)), default=number(28))),
        (exp.In(this=m.copy(), expressions=[number(n) for n in (4, 6, 9, 11)]), number(30)),
        default=number(31),
    )
    real_date = exp.and_(
        exp.Between(this=year.copy(), low=number(1700), high=number(2200)),
        exp.Between(this=m.copy(), low=number(1), high=number(12)),
        exp.Between(this=d.copy(), low=number(1), high=days),
    )
    low, high = bounds.limits("founded_year")
    plausible = exp.Between(this=year.copy(), low=number(int(low)), high=number(int(high)))
    known = exp.and_(plausible, exp.or_(_is(kind, "year"), exp.Paren(this=real_date)))
    return steps("number", _case((known, _double(year))))


def _char4(value: exp.Expression) -> exp.Expression:
    return exp.Substring(this=value.copy(), start=number(1), length=number(4))


def _is_number(value: exp.Expression, n: int) -> exp.Expression:
    return exp.EQ(this=value.copy(), expression=number(n))


def _divides(n: int, value: exp.Expression) -> exp.Expression:
    return exp.EQ(this=exp.Mod(this=value.copy(), expression=number(n)), expression=number(0))


def _plain(steps: Steps, raw: exp.Expression, dialect: str) -> exp.Column:
    """Any other numeric column: pandas' to_numeric of the text without ``,`` (infinity is
    out of range, ``nan`` unknown)."""
    u = steps("u", exp.Lower(this=_strip(_replace(_text_of(raw), ",", ""))))
    infinite = _matches(u, "^[+-]?(inf|infinity)$")
    signed_infinity = _case(
        (_is(_char(u, 1), "-"), _minus(_infinity(dialect))), default=_infinity(dialect)
    )
    finite = _scientific(steps, "plain", u, dialect)
    return steps("number", _case((infinite, signed_infinity), default=finite))


def _reader(column: str) -> Callable[[Steps, exp.Expression, str], exp.Column]:
    if column in HEADCOUNT:
        return _headcount
    if column in MONEY:
        return _money
    if column in YEAR:
        return _year
    return _plain


def read_text_numbers(
    source: exp.Select,
    columns: dict[str, str],
    dialect: str,
    derived_table: Callable[[exp.Select, str, str], exp.Expression],
) -> tuple[exp.Select, dict[str, exp.Column]]:
    """``source`` with, per numeric column stored as text (``columns``: card column -> its
    alias in ``source``), a DOUBLE column read as ``icpkit score`` reads the text. Returns
    the new SELECT (``source``'s columns, then the numbers) and a reference to each number.
    ``derived_table(select, alias, dialect)`` nests one SELECT in the next."""
    if not columns:
        return source, {}
    all_steps: list[Steps] = []
    numbers: dict[str, exp.Column] = {}
    for column, alias in columns.items():
        steps = Steps(alias)
        numbers[column] = _reader(column)(steps, _column(alias), dialect)
        all_steps.append(steps)
    kept = list(source.named_selects)
    carried = list(kept)
    current = source
    for depth in range(max((len(s.stages) for s in all_steps), default=0)):
        added = [
            item for s in all_steps if depth < len(s.stages) for item in s.stages[depth].items()
        ]
        current = exp.select(
            *(_column(n) for n in carried),
            *(value.as_(exp.to_identifier(n, quoted=True)) for n, value in added),
        ).from_(derived_table(current, f"_icp_text{depth}", dialect))
        carried += [n for n, _ in added]
    final = exp.select(*(_column(n) for n in kept), *numbers.values()).from_(
        derived_table(current, "_icp_numbers", dialect)
    )
    return final, numbers


def _column(name: str) -> exp.Column:
    return exp.Column(this=exp.to_identifier(name, quoted=True))
