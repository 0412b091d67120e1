"""The data tables ingest reads values with: column aliases, industry labels, countries, ...

They live in ``src/icpkit/data/`` as TOML and CSV files, so that a RevOps person can add an
industry label or a column alias without touching Python (see ``docs/data-tables.md``). Each
file is read the first time it is needed (the column aliases when the CRM adapters are
imported, the others when a value of their kind is first read), checked, and kept for the life
of the process. A malformed entry stops the run with one line naming the file and the entry.

``ICPKIT_DATA_DIR`` names a folder of edited copies: a file there is read instead of the
bundled file of the same name (the others stay as shipped). Set it wherever icpkit runs (build,
score, serve), or a label one machine knows is Other on another.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from icpkit import schema
from icpkit.errors import IcpkitError

DATA_DIR_VARIABLE = "ICPKIT_DATA_DIR"


@dataclass(frozen=True)
class Country:
    """One row of ``countries.csv``: ISO 3166-1 codes, sales region (None: Antarctica and
    Bouvet Island) and English names, the short name first."""

    alpha2: str
    alpha3: str
    region: str | None
    names: tuple[str, ...]


@dataclass(frozen=True)
class Industries:
    """``industries.toml``: exact label → industry (in file order), and (industry, keywords)
    in the order they are tried."""

    labels: dict[str, str]
    keywords: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class MoneyWords:
    """``money.toml``: what currencies and multipliers are written like."""

    currency_codes: frozenset[str]
    currency_symbols: dict[str, str]
    currency_words: dict[str, str]
    multipliers: dict[str, float]


# ---------------------------------------------------------------------------------------------
# The tables, each read once


@cache
def column_aliases() -> dict[str, dict[str, tuple[str, ...]]]:
    """Table → canonical column → header names meaning it (``column_aliases.toml``)."""
    name = "column_aliases.toml"
    data = read_toml(name)
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, columns in data.items():
        if table not in schema.TABLES:
            raise _bad(name, f"[{table}]", "is not a table", schema.TABLES)
        if not isinstance(columns, dict):
            raise _bad(name, table, "must be a table of column = [names]")
        out[table] = {}
        for column, names in columns.items():
            if column not in schema.TABLES[table]:
                raise _bad(name, f"{table}.{column}", "is not a column", schema.TABLES[table])
            out[table][column] = _strings(name, f"{table}.{column}", names)
        _no_value_twice(name, f"[{table}]", out[table])
    return out


@cache
def industries() -> Industries:
    """Vendor labels and keywords → ``schema.INDUSTRIES`` (``industries.toml``)."""
    name = "industries.toml"
    data = read_toml(name)
    _only_keys(name, data, ("labels", "keywords"))
    labels = _grouped(name, "labels", data.get("labels", {}), schema.INDUSTRIES)
    entries = data.get("keywords", [])
    if not isinstance(entries, list):
        raise _bad(name, "keywords", "must be written [[keywords]], one per group")
    keywords = []
    for i, entry in enumerate(entries, start=1):
        where = f"[[keywords]] number {i}"
        if not isinstance(entry, dict) or set(entry) != {"industry", "words"}:
            raise _bad(name, where, "must have exactly industry = ... and words = [...]")
        industry = entry["industry"]
        if industry not in schema.INDUSTRIES:
            raise _bad(name, f"{where}: {industry!r}", "is not an industry", schema.INDUSTRIES)
        keywords.append((industry, _strings(name, f"{where}.words", entry["words"])))
    return Industries(labels, tuple(keywords))


@cache
def funding_stages() -> dict[str, str]:
    """Round label → ``schema.FUNDING_STAGES`` (``funding_stages.toml``)."""
    name = "funding_stages.toml"
    data = read_toml(name)
    _only_keys(name, data, ("labels",))
    return _grouped(name, "labels", data.get("labels", {}), schema.FUNDING_STAGES)


@cache
def region_aliases() -> dict[str, str]:
    """Region label → ``schema.REGIONS`` (``regions.toml``)."""
    name = "regions.toml"
    data = read_toml(name)
    _only_keys(name, data, ("aliases",))
    return _grouped(name, "aliases", data.get("aliases", {}), schema.REGIONS)


@cache
def countries() -> tuple[Country, ...]:
    """Every ISO 3166-1 country (``countries.csv``)."""
    name = "countries.csv"
    out: list[Country] = []
    seen: dict[str, int] = {}
    for line, row in read_csv(name, ("alpha2", "alpha3", "region", "names")):
        alpha2, alpha3, region = row["alpha2"], row["alpha3"], row["region"]
        if not re.fullmatch(r"[A-Z]{2}", alpha2):
            raise _bad(name, f'alpha2 "{alpha2}"', "is not two capital letters", line=line)
        if alpha2 in seen:
            raise _bad(name, alpha2, f"is already on line {seen[alpha2]}", line=line)
        if not re.fullmatch(r"[A-Z]{3}", alpha3):
            raise _bad(name, f'alpha3 "{alpha3}"', "is not three capital letters", line=line)
        if region and region not in schema.REGIONS:
            raise _bad(name, f'region "{region}"', "is not a region", schema.REGIONS, line=line)
        names = tuple(n.strip() for n in row["names"].split("|"))
        if not all(names):
            raise _bad(name, alpha2, "has a blank name (names are separated by |)", line=line)
        seen[alpha2] = line
        out.append(Country(alpha2, alpha3, region or None, names))
    return tuple(out)


@cache
def country_aliases() -> dict[str, str]:
    """Other names people write for a country → alpha-2 code (``country_aliases.csv``)."""
    name = "country_aliases.csv"
    codes = {country.alpha2 for country in countries()}
    out: dict[str, str] = {}
    for line, row in read_csv(name, ("alias", "country")):
        alias, code = row["alias"], row["country"]
        if not alias:
            raise _bad(name, "alias", "is blank", line=line)
        if code not in codes:
            raise _bad(name, f'"{code}"', "is not an alpha2 code of countries.csv", line=line)
        if out.get(alias, code) != code:
            raise _bad(name, f'"{alias}"', f"already means {out[alias]}", line=line)
        out[alias] = code
    return out


@cache
def money_words() -> MoneyWords:
    """Currency codes, symbols, names and multiplier words (``money.toml``)."""
    name = "money.toml"
    data = read_toml(name)
    keys = ("currency_codes", "currency_symbols", "currency_words", "multipliers")
    _only_keys(name, data, keys)
    codes = _strings(name, "currency_codes", data.get("currency_codes", []))
    for code in codes:
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise _bad(name, f'currency_codes "{code}"', "is not an ISO 4217 code (3 capitals)")
    named: dict[str, dict[str, str]] = {}
    for section in ("currency_symbols", "currency_words"):
        table = _table(name, section, data.get(section, {}))
        for key, code in table.items():
            if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{3}", code):
                raise _bad(name, f"{section}.{key}", "must be an ISO 4217 code (3 capitals)")
            if key != key.lower() or not key.strip():
                raise _bad(name, f'{section} "{key}"', "must be lower case and not blank")
        named[section] = dict(table)
    multipliers: dict[str, float] = {}
    for key, factor in _table(name, "multipliers", data.get("multipliers", {})).items():
        if not re.fullmatch(r"[a-z]+", key):
            raise _bad(name, f'multipliers "{key}"', "must be lower-case letters a-z only")
        if isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 0:
            raise _bad(name, f"multipliers.{key}", "must be a positive number")
        multipliers[key] = float(factor)
    return MoneyWords(
        frozenset(codes), named["currency_symbols"], named["currency_words"], multipliers
    )


@cache
def legal_suffixes() -> frozenset[str]:
    """Legal-form words dropped from company names (``company_names.toml``)."""
    name = "company_names.toml"
    data = read_toml(name)
    _only_keys(name, data, ("legal_suffixes",))
    words = _strings(name, "legal_suffixes", data.get("legal_suffixes", []))
    for word in words:
        if not re.fullmatch(r"[0-9a-z]+", word):
            raise _bad(name, f'legal_suffixes "{word}"', "must be one word of a-z and 0-9")
    return frozenset(words)


# ---------------------------------------------------------------------------------------------
# Reading and checking files


def data_file(name: str) -> tuple[str, str]:
    """(path for messages, text) of one data file."""
    label, source = _source(name)
    return label, source.read_text(encoding="utf-8")


def _source(name: str) -> tuple[str, Traversable]:
    """The copy of ``name`` in ``ICPKIT_DATA_DIR`` when there is one, else the shipped file."""
    folder = os.environ.get(DATA_DIR_VARIABLE)
    if folder:
        if not Path(folder).is_dir():
            raise IcpkitError(f"{DATA_DIR_VARIABLE}={folder} is not a folder")
        copy = Path(folder) / name
        if copy.is_file():
            return str(copy), copy
    shipped = resources.files("icpkit").joinpath("data", name)
    return str(shipped), shipped


def read_toml(name: str) -> dict[str, Any]:
    label, text = data_file(name)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise IcpkitError(f"not valid TOML: {error}", file=label) from None


def read_csv(name: str, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row with its cells trimmed) for every non-blank line after the header,
    which must be exactly ``columns``."""
    label, text = data_file(name)
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    if tuple(header) != columns:
        raise IcpkitError(
            f"the first line must be {','.join(columns)} (found {','.join(header)})",
            file=label,
            line=1,
        )
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise IcpkitError(
                f"{len(row)} cells where {len(columns)} are expected ({','.join(columns)}; "
                'quote a cell holding a comma: "Korea, Republic of")',
                file=label,
                line=reader.line_num,
            )
        yield reader.line_num, dict(zip(columns, (cell.strip() for cell in row), strict=True))


def _bad(
    name: str,
    entry: str,
    problem: str,
    allowed: Iterable[str] = (),
    *,
    line: int | None = None,
) -> IcpkitError:
    """``industries.toml: labels."Sofware" is not an industry (Software, ...)``."""
    label = _source(name)[0]
    choices = list(allowed)
    hint = f" ({', '.join(choices)})" if choices else ""
    return IcpkitError(f"{entry} {problem}{hint}", file=label, line=line)


def _only_keys(name: str, data: Mapping[str, Any], keys: tuple[str, ...]) -> None:
    for key in data:
        if key not in keys:
            raise _bad(name, f'"{key}"', "is not a section of this file", keys)


def _table(name: str, where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(name, where, "must be a table ([section] with key = value lines)")
    return value


def _strings(name: str, where: str, value: Any) -> tuple[str, ...]:
    """A list of non-blank strings."""
    if not isinstance(value, list):
        raise _bad(name, where, 'must be a list of names in quotes: ["a", "b"]')
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise _bad(name, f"{where}: {item!r}", "is not a name (a non-blank text in quotes)")
    return tuple(value)


def _grouped(name: str, section: str, value: Any, canonical: Iterable[str]) -> dict[str, str]:
    """``[section]`` of ``canonical value = [labels]`` as label → canonical value."""
    allowed = tuple(canonical)
    groups = {}
    for key, labels in _table(name, section, value).items():
        if key not in allowed:
            raise _bad(name, f'{section}."{key}"', "is not one of", allowed)
        groups[key] = _strings(name, f'{section}."{key}"', labels)
    _no_value_twice(name, f"[{section}]", groups)
    return {label: key for key, labels in groups.items() for label in labels}


def _no_value_twice(name: str, where: str, groups: Mapping[str, Iterable[str]]) -> None:
    """A label listed under two canonical values is ambiguous (which would win is an accident
    of the order of the file)."""
    owner: dict[str, str] = {}
    for key, labels in groups.items():
        for label in labels:
            if owner.get(label, key) != key:
                raise _bad(name, f'{where} "{label}"', f"is listed under {owner[label]} and {key}")
            owner[label] = key
