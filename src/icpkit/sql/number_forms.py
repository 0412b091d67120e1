"""The forms of numbers written as text that :mod:`icpkit.sql.numbers` reads in SQL: the
dialects that can, the parser's band phrases (:data:`FORMS`), and the regular expressions of
each form, in the syntax POSIX, RE2 and Java share."""

from __future__ import annotations

import string
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from icpkit.errors import IcpkitError
from icpkit.ingest import data_tables

# Dialects whose SQL has the regular expressions this reading needs.
TEXT_NUMBER_DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "spark", "redshift")
# Columns read by a parser of their own; any other numeric column is a plain number.
HEADCOUNT = ("employees",)
MONEY = ("annual_revenue", "total_funding")
YEAR = ("founded_year",)

# What Python's str.strip() and the parser's \s remove: Unicode whitespace, every character
# listed, so that SQL removes the very same ones.
WHITESPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
LETTERS = string.ascii_lowercase


@dataclass(frozen=True)
class Forms:
    """The phrases of the bands the parser reads: its ``_OPEN_TOP``, ``_OPEN_BOTTOM``,
    ``_RANGE_SPLIT``, ``_APPROX_WORDS`` and ``_EMPLOYEE_WORDS``."""

    open_top_before: tuple[str, ...] = (
        "more than", "over", "above", "greater than", "at least", ">=", ">", "≥",
    )  # fmt: skip
    open_top_after: tuple[str, ...] = ("+", "or more", "and above", "and over", "plus")
    open_bottom_before: tuple[str, ...] = (
        "less than", "fewer than", "under", "below", "up to", "<=", "<", "≤",
    )  # fmt: skip
    open_bottom_after: tuple[str, ...] = ("or less", "or fewer", "and under", "and below")
    range_dashes: tuple[str, ...] = ("-", "–", "—")
    range_words: tuple[str, ...] = ("to", "and")
    # Not "approximately": the parser's "approx" takes its first six letters and refuses it.
    approximately: tuple[str, ...] = ("approx.", "approx", "about", "around", "circa", "ca.", "~")
    people: tuple[str, ...] = (
        "employees", "employee", "emps", "emp", "staff", "people", "persons", "person", "ppl",
        "ftes", "fte", "headcount", "workers",
    )  # fmt: skip


FORMS = Forms()


def check_dialect(columns: Sequence[str], dialect: str) -> None:
    """Refuse, in one line, a dialect that cannot read numbers written as text."""
    if columns and dialect not in TEXT_NUMBER_DIALECTS:
        raise IcpkitError(
            f"{columns[0]}: {dialect} has no regular expressions, so its SQL cannot read "
            'numbers written as text ("51-200", "$2.5M"); store the column as a number '
            "(icpkit ingest writes it so) or score the file with icpkit score"
        )


# ---- regular expressions, in the syntax POSIX, RE2 and Java share ----------------------------


def bracket(characters: str, negate: bool = False) -> str:
    """A bracket expression of literal characters: '-' last, never a backslash or bracket."""
    assert not set(characters) & set("\\[]^"), characters
    ordered = "".join(sorted(set(characters) - {"-"})) + ("-" if "-" in characters else "")
    return f"[{'^' if negate else ''}{ordered}]"


def _literal(phrase: str) -> str:
    if set(phrase) & set("\\[]^"):  # one way in POSIX, another in RE2 and Java
        raise IcpkitError(
            f'"{phrase}" (money.toml): icpkit sql cannot match a backslash, bracket or "^" '
            "the same way in every dialect; write the mark without it"
        )
    return "".join(c if c.isalnum() or c == " " else bracket(c) for c in phrase)


def one_of(phrases: Sequence[str]) -> str:
    """Any of the phrases, longest first: RE2 and Java take the first alternative that fits,
    POSIX the longest, and longest first makes them take the same."""
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "(" + "|".join(_literal(p) for p in ordered) + ")"


WS = bracket(WHITESPACE)
NO_LINE_BREAK = WHITESPACE.replace("\n", "")  # Python's "." stops at a line break
NOT_LETTER = bracket(LETTERS, negate=True)


@dataclass(frozen=True)
class Money:
    """``money.toml`` (:func:`icpkit.ingest.data_tables.money_words`), the parser's own table,
    as the SQL reads it: each mark lower-case, the currency it names."""

    multipliers: dict[str, float]
    codes: dict[str, str]  # "usd" -> USD, "rmb" -> CNY
    symbols: dict[str, str]
    words: dict[str, str]
    currencies: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "currencies", {**self.codes, **self.symbols, **self.words})

    @property
    def multiplier(self) -> str:
        return one_of(list(self.multipliers))

    @property
    def symbol(self) -> str:
        return one_of(list(self.symbols))

    @property
    def code(self) -> str:
        return one_of(list(self.codes))

    @property
    def before(self) -> str:
        return one_of([*self.codes, *self.symbols])

    @property
    def after(self) -> str:
        return one_of([*self.codes, *self.symbols, *self.words])

    @property
    def code_and_symbol(self) -> list[str]:
        """Symbols that start with a code: the parser cuts the code, then the "$"."""
        return sorted(s for s in self.symbols if s[:3] in self.codes)

    @property
    def symbols_before_a_code(self) -> list[str]:
        """Symbols a code may follow and still be cut (no ASCII letter right before it)."""
        return [s for s in self.symbols if s[-1] not in LETTERS]

    @property
    def letter_symbols(self) -> list[str]:
        return [s for s in self.symbols if set(s) <= set(LETTERS)]  # "kr"

    @property
    def symbol_rank(self) -> dict[str, float]:
        """The order the parser tries symbols in: longest first, as listed for one length."""
        ordered = sorted(self.symbols, key=lambda s: -len(s))
        return {symbol: float(rank) for rank, symbol in enumerate(ordered)}


def money() -> Money:
    words = data_tables.money_words()
    return Money(
        multipliers=dict(words.multipliers),
        codes={c.lower(): "CNY" if c == "RMB" else c for c in sorted(words.currency_codes)},
        symbols=dict(words.currency_symbols),
        words=dict(words.currency_words),
    )


def _digits(whitespace: str) -> str:
    """The number of the parser's ``_AMOUNT``: digits with separators and spaces, or ``.5``."""
    return f"([0-9]{bracket('0123456789.,' + chr(39) + whitespace)}*|[.][0-9]+)"


def headcount_side(whitespace: str, signed: bool) -> str:
    """A number with an optional multiplier (``2.5 k``), as ``_AMOUNT`` reads it; a side of a
    closed band (not ``signed``) may start with "+" only ("-" splits the band)."""
    sign = "[+-]?" if signed else "[+]?"
    return f"{sign}{_digits(whitespace)}({bracket(whitespace)}*{money().multiplier})?"


def money_side(whitespace: str, signed: bool = False) -> str:
    """An amount with a currency mark before it, after it, or both, as ``_split_currency``
    cuts them (a code after a multiplier needs a space; a currency word follows a space); or
    with a symbol and then a code or "kr" after it (``10$USD``: "10$-50 USD" puts the top's
    letters on the bottom, and the parser cuts the last mark first). Never signed: the parser
    reads "-" as a band's separator, and "+" on money is left out."""
    amount = headcount_side(whitespace, signed=False)
    ws = bracket(whitespace)
    table = money()
    return (
        f"(({table.before}{ws}*)?"
        f"({amount}"
        f"|{amount}{ws}*{table.symbol}"
        f"|({amount}{ws}+|{_digits(whitespace)}){table.code}"
        f"|{amount}{ws}* {one_of(list(table.words))})"
        f"|{amount}{ws}*{one_of(table.symbols_before_a_code)}{ws}*"
        f"({table.code}|{one_of(table.letter_symbols)}))"
    )


@dataclass(frozen=True)
class Band:
    """The whole-text forms of a number or band whose sides are ``side`` (see
    ``normalise.parse_band``: open top, then open bottom, then a split in two)."""

    side: Callable[[str, bool], str]  # (whitespace inside, signed) -> pattern

    def open_before(self, phrases: Sequence[str]) -> str:
        return f"^{one_of(phrases)}{WS}*({self.side(NO_LINE_BREAK, True)})$"

    def open_after(self, phrases: Sequence[str]) -> str:
        return f"^({self.side(NO_LINE_BREAK, True)}){WS}*{one_of(phrases)}$"

    @property
    def separator(self) -> str:
        """What splits a band in two: dashes, or "to" and "and" between spaces or dashes; a
        run of them splits once, as the parser drops the empty parts between them."""
        dashes = one_of(FORMS.range_dashes)
        around = bracket(WHITESPACE + "".join(FORMS.range_dashes))
        words = one_of(FORMS.range_words)
        return f"({around}*{dashes}{around}*|{around}+{words}({around}+{words})*{around}+)"

    @property
    def closed(self) -> str:
        side = self.side(WHITESPACE, False)
        return f"^({side}){self.separator}({side})$"

    @property
    def single(self) -> str:
        return f"^({self.side(WHITESPACE, True)})$"
