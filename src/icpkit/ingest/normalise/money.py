"""Money: ``"$2.5M"``, ``"€3,5 Mio"``, ``"USD 10M-50M"``, each in its own currency.

Currency symbols, codes and names and the multiplier words are ``money.toml``'s. Nothing is
converted: there are no exchange rates offline.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from icpkit.ingest import data_tables
from icpkit.ingest.normalise.numbers import (
    DECIMAL_COMMA_HINT,
    PLAIN_NUMBER,
    bounded,
    parse_band,
    read_amount,
)
from icpkit.ingest.normalise.text import ParseError, show


class Money(NamedTuple):
    """An amount and its ISO 4217 currency (``"USD"`` unless the text said otherwise)."""

    amount: float
    currency: str


@lru_cache(maxsize=1)
def _symbols_longest_first() -> tuple[tuple[str, str], ...]:
    """``money.toml``'s symbols, the longest first (``"us$"`` before ``"$"``)."""
    symbols = data_tables.money_words().currency_symbols
    return tuple(sorted(symbols.items(), key=lambda kv: -len(kv[0])))


def _split_currency(text: str) -> tuple[str, str | None]:
    s = text.strip()
    words = data_tables.money_words()
    found: str | None = None
    for _ in range(2):  # a code and a symbol may both be there: "USD $20,000"
        m = re.match(r"^([A-Za-z]{3})(?![A-Za-z])\s*", s)
        if m and m.group(1).upper() in words.currency_codes:
            found, s = m.group(1).upper(), s[m.end() :]
            continue
        m = re.search(r"\s*(?<![A-Za-z])([A-Za-z]{3})$", s)
        if m and m.group(1).upper() in words.currency_codes:
            found, s = m.group(1).upper(), s[: m.start()]
            continue
        lowered = s.lower()
        for symbol, code in _symbols_longest_first():
            if lowered.startswith(symbol) and not (symbol.isalpha() and lowered[:3].isalpha()):
                found, s = found or code, s[len(symbol) :].strip()
                break
            if lowered.endswith(symbol) and not lowered[: -len(symbol)].rstrip().isalpha():
                found, s = found or code, s[: -len(symbol)].strip()
                break
        else:
            for word, code in words.currency_words.items():
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
    if not decimal_comma and PLAIN_NUMBER.fullmatch(text):
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
        return read_amount(number, decimal_comma)[0]

    try:
        band = parse_band(s, reader=read_side)
    except ParseError:
        hint = DECIMAL_COMMA_HINT if decimal_comma else ""
        raise ParseError(f'cannot read "{show(text)}" as an amount of money{hint}') from None
    value = -band.value if negative else band.value
    return Money(bounded(value, text, "an amount of money"), currency or "USD")
