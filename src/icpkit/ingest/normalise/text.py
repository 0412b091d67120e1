"""Text cells: what is blank, how headers and labels are compared, names, booleans, lists.

Also the error every parser raises (:class:`ParseError`) and how a value is shown in its
message (:func:`show`).
"""

from __future__ import annotations

import re
import unicodedata

from icpkit.ingest import data_tables


class ParseError(ValueError):
    """A value that cannot be read; ``str(error)`` is the reason shown to the user."""


class OutOfRange(ParseError):
    """A number read but impossible for its column (1e400, 309-digit headcounts). ``value`` is
    what was read (possibly infinite), so scoring can mark it out of range, with its reason,
    rather than merely unreadable (see :mod:`icpkit.bounds`)."""

    def __init__(self, message: str, value: float) -> None:
        super().__init__(message)
        self.value = value


# Cells that mean "no value" in exports (compared lower-case). "NA" is not here: it is Namibia.
BLANK_TOKENS = frozenset({"", "null", "nan", "n/a", "#n/a", "none", "-", "--", "—", "(blank)"})


def show(value: object, limit: int = 60) -> str:
    """A value as it may appear inside a one-line message: control characters escaped
    (a new line becomes ``\\n``), long text cut with ``...``."""
    text = str(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_blank(value: str | None) -> bool:
    """True when a cell holds no value (empty, whitespace or a token like ``NULL``, ``N/A``)."""
    return value is None or value.strip().lower() in BLANK_TOKENS


# ---------------------------------------------------------------------------------------------
# Names: headers, custom columns, companies


def ascii_fold(text: str) -> str:
    """``"Zürich"`` → ``"Zurich"``: accents and other combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def header_key(header: str) -> str:
    """The key two headers are compared on: case, spaces, underscores and punctuation ignored.

    ``"Number of Employees"``, ``"number_of_employees"`` and ``"NumberOfEmployees"`` all give
    ``"numberofemployees"``.
    """
    return re.sub(r"[^0-9a-z]", "", ascii_fold(header).lower())


def snake_case(header: str) -> str:
    """A column name for a custom attribute: ``"Headcount (LinkedIn)"`` → ``headcount_linkedin``.

    Accents are dropped, a single camelCase word is split (``NumberOfEmployees`` →
    ``number_of_employees``), anything else becomes ``_``; a name that would
    start with a digit gets the prefix ``col_`` (so it stays a plain SQL identifier). An empty
    result is returned as ``""`` for the caller to replace.
    """
    text = ascii_fold(header.strip())
    if re.fullmatch(r"[A-Za-z0-9]+", text):  # one camelCase word: NumberOfEmployees
        text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    if text and text[0].isdigit():
        text = f"col_{text}"
    return text


def label_key(text: str) -> str:
    """The key a label is looked up by in a data table: case, accents and punctuation
    ignored, ``&`` read as "and" (``"Hotels, Restaurants & Leisure"`` →
    ``"hotels restaurants and leisure"``)."""
    folded = ascii_fold(text).lower().replace("&", " and ").replace("->", " ")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


def company_name_key(name: str) -> str:
    """A company name with case, accents, punctuation and legal suffixes removed.

    ``"ACME, Inc."`` and ``"Acme Inc"`` and ``"The Acme Company"`` all give ``"acme"``; used to
    report likely duplicate accounts, never to merge them.
    """
    words = re.sub(r"[^0-9a-z]+", " ", ascii_fold(name).lower()).split()
    legal = data_tables.legal_suffixes()
    kept = [w for w in words if w not in legal]
    return " ".join(kept or words)


# ---------------------------------------------------------------------------------------------
# Booleans, lists

_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0", "on", "checked", "x"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0", "off", "unchecked"})


def parse_bool(text: str) -> bool:
    """``true/false``, ``yes/no``, ``y/n``, ``1/0``, ``TRUE``, ``checked``: any case."""
    s = text.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ParseError(f'cannot read "{show(text)}" as true/false')


def parse_list(text: str) -> list[str]:
    """A list of names from ``"a; b, c"``: split on ``;`` ``,`` ``|`` or new lines, trimmed,
    de-duplicated ignoring case (the first spelling wins), in order. ``"['a', 'b']"`` works too.
    """
    s = text.strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    items: list[str] = []
    seen: set[str] = set()
    for part in re.split(r"[;,|\n]", s):
        item = part.strip().strip("'\"").strip()
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            items.append(item)
    return items
