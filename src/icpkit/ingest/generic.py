"""Any table, mapped by hand: the generic adapter and its mapping file (TOML or YAML).

Without a mapping, headers are matched onto canonical columns by name and by the generic
aliases (``"Number of Employees"`` → ``employees``). A mapping file covers the rest: custom
fields no alias knows, an organisation's own stage names, values to correct before typing, and
units. It overlays any adapter's conventions (``--format salesforce --mapping m.toml``).

.. code-block:: toml

    [accounts]
    "Headcount (LinkedIn)" = "employees"     # a source header -> a canonical column
    "Tier" = "target_tier"                   # -> a custom attribute, renamed
    "Internal notes" = ""                    # dropped
    "9dc80c50d78a15643bfc4ca79d76156a73a1a3b0" = "industry"   # a Pipedrive custom field key

    [accounts.scale]
    annual_revenue = 1000000                 # the file gives revenue in millions

    [accounts.values.country]                # exact values replaced before typing
    "Philipines" = "Philippines"

    [deals.outcome_values]
    won = ["Contract Signed"]
    lost = ["Disqualified", "Dead"]

    [roles]                                  # read by icpkit build, not by ingest
    lead_number = "id"                       # what a column is: company, deal, engagement,
    "Client type" = "deal"                   # id, constant, leak or text

A key whose value is text maps a column; a key whose value is a table is one of
``outcome_values`` (deals only), ``values`` or ``scale``. Keys under ``values`` name a source
header or an output column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from icpkit import schema
from icpkit.errors import IcpkitError
from icpkit.ingest.canonical import one_line
from icpkit.ingest.mapping import Conventions

CONVENTIONS = Conventions(name="generic")

_SECTIONS = ("outcome_values", "values", "scale")
ROLES_SECTION = "roles"  # column roles for the build; ingest itself ignores them
LOSS_REASONS_SECTION = "loss_reasons"


def read_mapping(path: Path | str) -> dict[str, dict[str, Any]]:
    """Parse and check a mapping file: ``.yaml``/``.yml`` as YAML, anything else as TOML.

    Raises :class:`IcpkitError` naming the file and the key at fault.
    """
    label = str(path)
    file = Path(path)
    if not file.is_file():
        raise IcpkitError("mapping file not found", file=label)
    text = file.read_text(encoding="utf-8-sig", errors="replace")
    data = _parse(text, file.suffix.lower() in (".yaml", ".yml"), label)
    if not isinstance(data, dict):
        raise IcpkitError("a mapping file holds one section per table", file=label)
    for table, section in data.items():
        if table == ROLES_SECTION:
            _check_roles(section, label)
            continue
        if table == LOSS_REASONS_SECTION:
            continue  # checked where it is read (icpkit.discover.losses.load_reason_map)
        if table not in schema.TABLES:
            raise IcpkitError(
                f'unknown table "{table}" (expected {", ".join(schema.TABLES)}, roles or '
                "loss_reasons)",
                file=label,
            )
        if not isinstance(section, dict):
            raise IcpkitError(f"[{table}] must map source columns to columns", file=label)
        for key, value in section.items():
            if isinstance(value, dict):
                _check_section(table, str(key), value, label)
            elif not isinstance(value, str):
                raise IcpkitError(f'[{table}] "{key}" must map to a column name (text)', file=label)
    return data


def mapping_loss_reasons(path: Path | str) -> dict[str, Any] | None:
    """The ``[loss_reasons]`` table of a mapping file (extra loss reasons), if any."""
    return read_mapping(path).get(LOSS_REASONS_SECTION)


def mapping_roles(path: Path | str) -> dict[str, str]:
    """The ``[roles]`` table of a mapping file: column -> role, as written (icpkit build
    checks the role names and the columns)."""
    return dict(read_mapping(path).get(ROLES_SECTION, {}))


def _check_roles(section: Any, label: str) -> None:
    if not isinstance(section, dict) or not all(isinstance(v, str) for v in section.values()):
        raise IcpkitError(
            '[roles] must map columns to roles (text), e.g. lead_number = "id"', file=label
        )


def _parse(text: str, is_yaml: bool, label: str) -> Any:
    if is_yaml:
        import yaml

        try:
            return yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise IcpkitError(f"not valid YAML: {one_line(error)}", file=label) from None
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise IcpkitError(f"not valid TOML: {one_line(error)}", file=label) from None


def _check_section(table: str, key: str, value: dict, label: str) -> None:
    if key not in _SECTIONS:
        raise IcpkitError(
            f"[{table}.{key}]: a section must be one of {', '.join(_SECTIONS)} "
            "(a column mapping is a text value)",
            file=label,
        )
    if key == "outcome_values":
        _check_outcome_values(table, value, label)
    elif key == "values":
        for column, replacements in value.items():
            if not isinstance(replacements, dict) or not all(
                isinstance(v, str) for v in replacements.values()
            ):
                raise IcpkitError(
                    f'[{table}.values."{column}"] must map values to replacement texts', file=label
                )
    else:
        numeric = {c for c, t in schema.TABLES[table].items() if t in ("int", "float")}
        for column, factor in value.items():
            if column not in numeric:
                raise IcpkitError(
                    f'[{table}.scale] "{column}" is not a numeric column '
                    f"({', '.join(sorted(numeric)) or 'none in this table'})",
                    file=label,
                )
            valid = isinstance(factor, int | float) and not isinstance(factor, bool)
            if not valid or not math.isfinite(factor) or factor <= 0:
                raise IcpkitError(f"[{table}.scale] {column} must be a positive number", file=label)


def _check_outcome_values(table: str, value: Any, label: str) -> None:
    if table != "deals":
        raise IcpkitError("outcome_values belongs in [deals.outcome_values]", file=label)
    for outcome, values in value.items():
        if outcome not in schema.OUTCOMES:
            raise IcpkitError(
                f'outcome_values: "{outcome}" is not one of {", ".join(schema.OUTCOMES)}',
                file=label,
            )
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise IcpkitError(f"outcome_values.{outcome} must be a list of texts", file=label)


def apply_units(
    conventions: Conventions, units: Mapping[str, Mapping[str, float]] | None
) -> Conventions:
    """``conventions`` with columns scaled as ``--units`` says (table → column → factor, see
    :func:`icpkit.ingest.formats.parse_units`); over the mapping's ``scale`` where both name
    a column."""
    if not units:
        return conventions
    scale = {table: dict(factors) for table, factors in conventions.scale.items()}
    for table, factors in units.items():
        scale.setdefault(table, {}).update(factors)
    return replace(conventions, scale=scale)


def apply_mapping(conventions: Conventions, mapping: Mapping[str, Any]) -> Conventions:
    """``conventions`` overlaid with a parsed mapping file (see :func:`read_mapping`); the
    mapping wins where both name a column."""
    columns = {table: dict(cols) for table, cols in conventions.columns.items()}
    outcome_values = {k: list(v) for k, v in conventions.outcome_values.items()}
    values = {t: {c: dict(m) for c, m in cols.items()} for t, cols in conventions.values.items()}
    scale = {table: dict(factors) for table, factors in conventions.scale.items()}
    for table, section in mapping.items():
        if table == ROLES_SECTION:
            continue
        for key, value in section.items():
            if key == "outcome_values" and isinstance(value, dict):
                for outcome, names in value.items():
                    outcome_values.setdefault(outcome, []).extend(names)
            elif key == "values" and isinstance(value, dict):
                for column, replacements in value.items():
                    values.setdefault(table, {}).setdefault(str(column), {}).update(
                        {str(k): v for k, v in replacements.items()}
                    )
            elif key == "scale" and isinstance(value, dict):
                scale.setdefault(table, {}).update({c: float(f) for c, f in value.items()})
            else:
                columns.setdefault(table, {})[str(key)] = value
    return replace(
        conventions, columns=columns, outcome_values=outcome_values, values=values, scale=scale
    )
