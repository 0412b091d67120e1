"""What a scorecard reads from a raw company table, and how every engine derives it.

A card's attributes name canonical columns (``employees``, ``country``, ``region``, ...). A user
scores whatever table they have: a CRM export that writes "USA", "Computer Software" and
"Series B", with no ``region`` column at all. This module is the one statement of how a
canonical column is read from raw ones, so that Python scoring (``icpkit score``, the API, the
web app) and the SQL compiler (``icpkit sql``, Spark) derive the same value from the same text:

- ``country``: a code, name or alias looked up by its *key* (below) in the ingest's country
  table, giving the ISO 3166 alpha-2 code;
- ``region``: a region label ("APAC", "LATAM") looked up the same way; when blank, unreadable or
  absent from the table, the region of the row's ``country``;
- ``industry``: a vendor label looked up in the ingest's label table, then its keywords
  ("Cloud security software" is Software); anything else is "Other";
- ``funding_stage``: a round label ("Series B", "post_ipo_equity") to a canonical stage;
- numbers (``employees``, revenue, funding, year): see :mod:`icpkit.bounds` for the values that
  are out of range and score as unknown.

The key of a label is the text lower-cased, ``&`` read as "and", ASCII punctuation and
whitespace read as one space, trimmed: ``"U.S."`` and ``"u s"`` are one key. The lookups are
exact on that key, in every engine; the ingest's guesses at misspelt names ("Philipines") are
ingest's alone, where they are reported, never silently made while scoring. Tables are built
from the ingest's own data files (``src/icpkit/data/``, read by :mod:`icpkit.ingest.data_tables`)
and lookups (:mod:`icpkit.ingest.normalise`), so a spelling ingest knows is a spelling scoring
knows.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from icpkit import schema
from icpkit.ingest import data_tables, normalise

# Read as a space in a key: ASCII punctuation and whitespace ("&" is read as " and " first).
KEY_SPACES = "".join(c for c in string.punctuation if c != "&") + "\t\n\r\x0b\x0c\xa0"
# What a blank cell may hold (ASCII whitespace, as SQL's TRIM removes it).
WHITESPACE = " \t\n\r\x0b\x0c"
# Words removed from a funding key, as the ingest's parser does ("Seed round" is "seed").
FUNDING_NOISE = (" funding", " round")


@dataclass(frozen=True)
class Derivation:
    """How one canonical column is read: the raw columns, in order, and what is done to them."""

    column: str
    reads: tuple[str, ...]
    normalisation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "reads": list(self.reads),
            "normalisation": self.normalisation,
        }


DERIVATIONS: dict[str, Derivation] = {
    d.column: d
    for d in (
        Derivation(
            "employees",
            ("employees",),
            'band text to a number ("51-200" is 101, "1,000+" is 1500, "1.2k" is 1200); '
            "negative, or 2^63 and more: unknown",
        ),
        Derivation(
            "annual_revenue",
            ("annual_revenue",),
            'money text to a number ("$2.5M" is 2500000, no exchange rate); negative or not '
            "finite: unknown",
        ),
        Derivation(
            "total_funding",
            ("total_funding",),
            'money text to a number ("$2.5M" is 2500000, no exchange rate); negative or not '
            "finite: unknown",
        ),
        Derivation(
            "founded_year",
            ("founded_year",),
            'a year or a date to the year ("2015-06-01" is 2015); outside 1600-2100: unknown',
        ),
        Derivation(
            "country",
            ("country",),
            'country code, name or alias to its ISO 3166 alpha-2 code ("USA" is US)',
        ),
        Derivation(
            "region",
            ("region", "country"),
            'region label to a canonical region ("APAC" is Asia Pacific); blank or unreadable: '
            "the region of the country's ISO code",
        ),
        Derivation(
            "industry",
            ("industry",),
            'industry label to the canonical industry ("Computer Software" is Software); '
            'unmatched labels: "Other"',
        ),
        Derivation(
            "funding_stage",
            ("funding_stage",),
            'funding round label to a canonical stage ("Series B" is series_b)',
        ),
    )
}

_BY_KIND = {
    "numeric": "number; thousands separators read; not finite: unknown",
    "category": "text, trimmed, case ignored",
    "list": 'list split on ";" (or "," when there is none), items trimmed, case ignored',
    "boolean": "true/yes/1 or false/no/0, case ignored; anything else: unknown",
}


def derivation(column: str, kind: str) -> Derivation:
    """How ``column`` (read as ``kind``) is read from a raw table."""
    known = DERIVATIONS.get(column)
    if known is not None:
        return known
    if kind == "list" and column == "technologies":
        return Derivation(column, (column,), "technology " + _BY_KIND["list"])
    return Derivation(column, (column,), _BY_KIND.get(kind, _BY_KIND["category"]))


def raw_columns(columns: list[str]) -> list[str]:
    """The raw columns read to score ``columns``: each, then those it may be derived from."""
    seen: dict[str, None] = {}
    for column in columns:
        for raw in DERIVATIONS.get(column, Derivation(column, (column,), "")).reads:
            seen.setdefault(raw, None)
    return list(seen)


def card_inputs(card: Any) -> list[dict[str, Any]]:
    """Per attribute and disqualifier of ``card``, the raw columns read and how: for
    ``icpkit inspect --json``."""
    items = [(a.name, column, kind) for a in card.attributes for column, kind in a.columns]
    items += [(f"DQ: {rule.reason}", rule.column, rule.kind) for rule in card.disqualifiers]
    return [
        {"attribute": name, "kind": kind, **derivation(column, kind).to_json()}
        for name, column, kind in items
    ]


# ---- keys and tables ------------------------------------------------------------------------


def _ascii_letters() -> dict[str, str]:
    """Accented Latin letters (upper and lower case) -> the plain lower-case letter."""
    letters = {}
    for code in range(0xC0, 0x180):
        character = chr(code)
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", character) if not unicodedata.combining(c)
        )
        if len(plain) == 1 and plain.isascii() and plain.isalpha():
            letters[character] = plain.lower()
    return letters


# Read as its plain letter in a key ("España" is "espana"): one fixed table, so that SQL can
# replace the very same characters.
ACCENTED = _ascii_letters()


def key(text: str) -> str:
    """A label's key: lower-cased, accents off, "&" as " and ", punctuation and whitespace
    as one space."""
    lowered = text.lower()
    for accented, plain in ACCENTED.items():
        lowered = lowered.replace(accented, plain)
    lowered = lowered.replace("&", " and ")
    for character in KEY_SPACES:
        lowered = lowered.replace(character, " ")
    return " ".join(part for part in lowered.split(" ") if part)


def funding_key(text: str) -> str:
    """The key of a funding label, without the words the ingest's parser drops."""
    folded = key(text)
    for noise in FUNDING_NOISE:
        folded = folded.replace(noise, "")
    return folded.strip()


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _spellings(text: str) -> set[str]:
    """The keys a known spelling is found by: as written, and without accents."""
    return {key(text), key(_fold(text))} - {""}


@lru_cache(maxsize=1)
def country_table() -> dict[str, str]:
    """Key -> ISO alpha-2 code, for every code, ISO name and alias the ingest knows."""
    table: dict[str, str] = {}
    for country in data_tables.countries():
        for spelling in (country.alpha2, country.alpha3, *country.names):
            for k in _spellings(spelling):
                table.setdefault(k, country.alpha2)
            # the ingest drops a bracketed part: "Bolivia (Plurinational State of)" is Bolivia
            for k in _spellings(re.sub(r"\(.*?\)", " ", spelling)):
                table.setdefault(k, country.alpha2)
    ingest_lookup = normalise.country_lookup()  # "korea republic of", aliases, ...
    for k, alpha2 in ingest_lookup.items():
        table.setdefault(key(k), alpha2)
    return table


@lru_cache(maxsize=1)
def country_regions() -> dict[str, str]:
    """ISO alpha-2 code -> region (countries with no region, Antarctica, are left out)."""
    return {c.alpha2: c.region for c in data_tables.countries() if c.region is not None}


@lru_cache(maxsize=1)
def region_table() -> dict[str, str]:
    """Key -> region, for the canonical regions and the labels the ingest reads."""
    table = {key(region): region for region in schema.REGIONS}
    for alias, region in data_tables.region_aliases().items():
        table.setdefault(key(alias), region)
    return table


@lru_cache(maxsize=1)
def industry_table() -> dict[str, str]:
    """Key -> industry, for the canonical industries and the vendor labels the ingest reads."""
    return {key(label): industry for label, industry in normalise.industry_lookup().items()}


def industry_words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(industry, keywords) in the order they are tried when no label matches."""
    return normalise.industry_keywords()


@lru_cache(maxsize=1)
def funding_table() -> dict[str, str]:
    """Funding key -> stage, for every label the ingest's parser reads (all series letters)."""
    candidates = [*data_tables.funding_stages(), *schema.FUNDING_STAGES]
    for letter in string.ascii_lowercase:
        for digit in ["", *string.digits]:
            for suffix in ("", " extension"):
                candidates.append(f"series {letter}{digit}{suffix}")
    table: dict[str, str] = {}
    for label in candidates:
        try:
            stage = normalise.parse_funding_stage(label)
        except normalise.ParseError:
            continue
        table.setdefault(funding_key(label), stage)
    return table


# ---- the derivations, in Python -------------------------------------------------------------


def is_blank(text: str) -> bool:
    """A cell with no value: whitespace, or a token like ``N/A``, ``NULL``, ``-``."""
    return text.strip(WHITESPACE).lower() in normalise.BLANK_TOKENS


def country_code(text: str) -> str | None:
    return None if is_blank(text) else country_table().get(key(text))


def region_label(text: str) -> str | None:
    return None if is_blank(text) else region_table().get(key(text))


def region_of_country(text: str) -> str | None:
    code = country_code(text)
    return None if code is None else country_regions().get(code)


def industry_of(text: str) -> str | None:
    """The canonical industry of a label; "Other" when nothing fits; None when blank."""
    k = key(text)
    if is_blank(text) or not k:
        return None
    found = industry_table().get(k)
    if found is not None:
        return found
    padded = f" {k} "
    for industry, words in industry_words():
        if any(f" {word} " in padded for word in words):
            return industry
    return "Other"


def funding_stage_of(text: str) -> str | None:
    return None if is_blank(text) else funding_table().get(funding_key(text))
