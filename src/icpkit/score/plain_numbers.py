"""Numbers written plainly, read in bulk: a CSV's "5000000", "1,200" or "3.5e6" is cast to a
float by Arrow's C++, and only the rest of the column's text ("$2.5M", "51-200", "fifty",
" 42 ") goes through the column's parser (:data:`icpkit.score.values.NUMBER_PARSERS`), once
per distinct value.

Every value reads exactly as that parser reads it alone. The patterns below are the texts on
which the parser itself does nothing but ``float(text.replace(",", ""))`` and its range check
(``parse_employees`` for a headcount, ``parse_money`` for an amount), written with ASCII
digits: Python's ``\\d`` also takes other scripts' digits, and those stay with the parser.
Arrow's text-to-float cast rounds as Python's ``float`` does (both are correctly rounded).
tests/test_score_numbers.py holds the two paths to each other on drawn text.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from icpkit import bounds
from icpkit.ingest import formats
from icpkit.score.values import number_format, number_parser, parse_unique

# normalise.parse_employees reads these itself (its _PLAIN_INTEGER, never with a leading "-")
_WHOLE = r"\+?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.0+)?"
# normalise.parse_money reads these itself (its _PLAIN_NUMBER)
_DECIMAL = (
    r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?"
    r"|[+-]?\.[0-9]+"
    r"|[+-]?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+"
)

# column -> (the plain texts, whether a negative amount is unreadable, the largest known value)
PLAIN: dict[str, tuple[str, bool, float]] = {
    "employees": (_WHOLE, False, bounds.MAX_EMPLOYEES),
    "annual_revenue": (_DECIMAL, True, bounds.MAX_AMOUNT),  # a size: "-5" is not one
    "total_funding": (_DECIMAL, True, bounds.MAX_AMOUNT),
}


def is_text(array: pa.Array) -> bool:
    return pa.types.is_string(array.type) or pa.types.is_large_string(array.type)


def read_distinct(
    array: pa.Array, column: str, number_formats: dict[str, formats.NumberFormat]
) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """A text column of :data:`PLAIN` as its distinct values, each read as a number.

    Returns the code of each row, each distinct value as a float (NaN: blank, unreadable or
    missing; a number out of range keeps its value, as the parser's ``OutOfRange`` does) and
    whether each distinct value holds text (is not blank). The last distinct value stands
    for missing cells."""
    encoded = pc.dictionary_encode(array, null_encoding="mask")
    texts = encoded.dictionary
    codes = encoded.indices.fill_null(len(texts)).to_numpy(zero_copy_only=False)
    number = number_format(column, _marked(texts), number_formats)
    pattern, size, largest = PLAIN[column]
    if number.decimal_comma:  # "12.800" is not 12.8 here: every value goes to the parser
        plain = np.zeros(len(texts), dtype=bool)
    else:
        found = pc.match_substring_regex(texts, f"^(?:{pattern})$")
        plain = found.to_numpy(zero_copy_only=False).astype(bool)
    values = np.full(len(texts) + 1, np.nan)
    present = np.zeros(len(texts) + 1, dtype=bool)
    if plain.any():
        digits = pc.replace_substring(texts.filter(pa.array(plain)), ",", "")
        numbers = pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False)
        if size:  # a negative size within range is refused; out of range, it is kept
            with np.errstate(invalid="ignore"):
                refused = (numbers < 0) & (np.abs(numbers) <= largest)
            numbers = np.where(refused, np.nan, numbers)
        values[:-1][plain] = numbers
        present[:-1][plain] = True
    other = np.flatnonzero(~plain)
    if other.size:
        rest = pd.Series(texts.take(pa.array(other)).to_pylist(), dtype=object)
        parsed = parse_unique(rest, number_parser(column, number.decimal_comma))
        values[other] = parsed.astype("float64").to_numpy()
        present[other] = [text.strip() != "" for text in rest]
    return codes.astype(np.int64), pd.Series(values), present


def _marked(texts: pa.Array) -> Iterator[str]:
    """The texts that may say how the column writes its decimals, in order, for
    :func:`formats.mark_examples`, which keeps the first text of each kind of evidence.

    Only a text with a "." or "," says anything, and what it says depends on its shape alone
    (digits 1-9 alike, "0" apart: "1.800" may have a dot between thousands, "0.800" may not),
    so the first text of each shape stands for the rest (the 112,000 distinct amounts of a
    block of benchmarks/scale.py's revenue have 9,300 shapes). A generator: nothing is read
    once the column's format is known."""
    marked = texts.filter(pc.or_(pc.match_substring(texts, "."), pc.match_substring(texts, ",")))
    shapes = pc.dictionary_encode(pc.replace_substring_regex(marked, "[1-9]", "1"))
    # codes number the shapes in order of first appearance: their first rows ascend
    _, first = np.unique(shapes.indices.to_numpy(zero_copy_only=False), return_index=True)
    yield from marked.take(pa.array(first)).to_pylist()
