"""Which input header holds each column the card reads, the id, and the scale a mapping
file gives a column.
"""

from __future__ import annotations

from pathlib import Path

from icpkit import inputs
from icpkit.errors import IcpkitError
from icpkit.scorecard.model import Scorecard

ID_CANDIDATES = ("account_id", "id", "Id")


def mapping_scale(mapping: Path | None) -> dict[str, float]:
    """The ``[accounts.scale]`` factors of an ingest mapping file (revenue in millions: 1e6)."""
    if mapping is None:
        return {}
    from icpkit.ingest.generic import read_mapping

    section = read_mapping(mapping).get("accounts", {}).get("scale", {})
    return {str(column): float(factor) for column, factor in section.items()}


def find_columns(
    headers: list[str], columns: list[str], mapping: Path | None = None
) -> dict[str, str]:
    """Column -> input header: the exact name, else as ``icpkit ingest`` maps headers (the
    mapping file's ``[accounts]`` section, then canonical names and known aliases)."""
    found = {c: c for c in columns if c in headers}
    wanted = [c for c in columns if c not in found]
    if not wanted:
        return found
    from icpkit.ingest.canonical import plan_columns
    from icpkit.ingest.generic import CONVENTIONS, apply_mapping, read_mapping

    conventions = CONVENTIONS
    if mapping is not None:
        conventions = apply_mapping(conventions, read_mapping(mapping))
    plan = plan_columns(headers, "accounts", conventions)
    by_name = {**plan.canonical, **{name: header for header, name in plan.custom.items()}}
    for column in wanted:
        header = by_name.get(column)
        if header is not None and header not in found.values():
            found[column] = header
    return found


def _id_column(
    headers: list[str], id_column: str | None, label: str, mapping: Path | None
) -> str | None:
    if id_column is None:
        named = next((c for c in ID_CANDIDATES if c in headers), None)
        return named or find_columns(headers, ["account_id"], mapping).get("account_id")
    if id_column not in headers:
        raise IcpkitError(f"no column {id_column!r} to use as the id", file=label)
    return id_column


def _missing(card: Scorecard, sources: dict[str, str]) -> list[str]:
    """The card's columns neither in the input nor derivable from it (region from country)."""
    return [
        c for c in card.columns if not any(r in sources for r in inputs.derivation(c, "").reads)
    ]


# Read together to check each other's unit (revenue per employee).
_UNIT_PAIR = ("annual_revenue", "employees")


def _unit_columns(
    headers: list[str], card: Scorecard, sources: dict[str, str], mapping: Path | None
) -> dict[str, str]:
    """The revenue or employees column the card does not score but the unit check needs
    (the card scores the other one): column -> input header."""
    if not set(_UNIT_PAIR) & set(sources):
        return {}
    wanted = [c for c in _UNIT_PAIR if c not in sources]
    return find_columns(headers, wanted, mapping) if wanted else {}
