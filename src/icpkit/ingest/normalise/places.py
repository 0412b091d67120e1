"""Countries and sales regions: ``"Deutschland"`` → DE, ``"APAC"`` → Asia Pacific.

The names are ``countries.csv`` (ISO 3166-1, with each country's sales region) and
``country_aliases.csv`` (local spellings, short forms, old names); region labels are
``regions.toml``.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from icpkit import schema
from icpkit.ingest import data_tables
from icpkit.ingest.normalise.text import ParseError, ascii_fold, show


def place_key(text: str) -> str:
    """The key a country or region is looked up by: case, accents, punctuation and a part in
    brackets ignored, ``&`` read as "and" (``"Bolivia (Plurinational State of)"`` →
    ``"bolivia"``)."""
    folded = ascii_fold(text).lower().replace("&", " and ")
    folded = re.sub(r"\(.*?\)", " ", folded) if not re.fullmatch(r"\(.*\)", folded) else folded
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


@lru_cache(maxsize=1)
def country_lookup() -> dict[str, str]:
    """Key (:func:`place_key`) of every code, name and alias of ``countries.csv`` and
    ``country_aliases.csv`` → alpha-2 code. An alias wins over an ISO name with the same key."""
    lookup: dict[str, str] = {}
    for country in data_tables.countries():
        lookup[country.alpha2.lower()] = country.alpha2
        lookup[country.alpha3.lower()] = country.alpha2
        for name in country.names:
            lookup.setdefault(place_key(name), country.alpha2)
            # "Korea, Republic of" is also written "Republic of Korea"
            if ", " in name:
                head, tail = name.split(", ", 1)
                lookup.setdefault(place_key(f"{tail} {head}"), country.alpha2)
                lookup.setdefault(place_key(head), country.alpha2)
    for alias, alpha2 in data_tables.country_aliases().items():
        lookup[place_key(alias)] = alpha2
    return lookup


@lru_cache(maxsize=1)
def _by_code() -> dict[str, data_tables.Country]:
    return {country.alpha2: country for country in data_tables.countries()}


def parse_country(text: str) -> str:
    """ISO 3166-1 alpha-2 from a code (``DE``, ``DEU``) or a name or alias (``Deutschland``,
    ``U.S.``, ``Holland``, ``United States of America``). A misspelt name close to exactly one
    country (``Philipines``) is accepted; use :func:`country_guess` to tell.
    """
    code = country_exact(text)
    if code is not None:
        return code
    guess = country_guess(text)
    if guess is not None:
        return guess
    raise ParseError(f'cannot read "{show(text)}" as a country')


def country_exact(text: str) -> str | None:
    """The alpha-2 code for a known code, name or alias, or None."""
    lookup = country_lookup()
    return lookup.get(place_key(text))


def country_guess(text: str) -> str | None:
    """The alpha-2 code of the one country whose name is very close to ``text`` (typos)."""
    key = place_key(text)
    if len(key) < 5:
        return None
    lookup = country_lookup()
    names = [k for k in lookup if len(k) > 3]
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.85)
    codes = {lookup[c] for c in close}
    return codes.pop() if len(codes) == 1 else None


def country_name(alpha2: str) -> str | None:
    """The English short name of a country code (``"DE"`` → ``"Germany"``)."""
    country = _by_code().get(alpha2)
    return None if country is None else country.names[0]


def region_of(alpha2: str) -> str | None:
    """The sales region (one of ``schema.REGIONS``) of an alpha-2 country code."""
    country = _by_code().get(alpha2)
    return None if country is None else country.region


@lru_cache(maxsize=1)
def _region_lookup() -> dict[str, str]:
    return {place_key(alias): region for alias, region in data_tables.region_aliases().items()}


def parse_region(text: str) -> str:
    """One of ``schema.REGIONS`` from labels like ``APAC``, ``LATAM``, ``NA``, ``Europe``.

    ``EMEA`` spans two regions and is refused (the caller then derives region from country).
    """
    key = place_key(text)
    region = _region_lookup().get(key)
    if region is None:
        for canonical in schema.REGIONS:
            if key == place_key(canonical):
                return canonical
        raise ParseError(f'cannot read "{show(text)}" as a region ({", ".join(schema.REGIONS)})')
    return region
