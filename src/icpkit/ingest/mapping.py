"""Which source header feeds which canonical column, and what a source calls things.

A source's knowledge (a CRM's column names, flag columns, stage names, id fixes) is a
:class:`Conventions` value; :func:`plan_columns` matches a file's headers onto the canonical
columns with it: an explicit mapping first, then canonical names, then aliases (the generic
ones are ``column_aliases.toml``'s; see :mod:`icpkit.ingest.data_tables`), with case, spaces and
punctuation ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from icpkit import schema
from icpkit.errors import IcpkitError
from icpkit.ingest import data_tables
from icpkit.ingest import normalise as nz
from icpkit.ingest.readers import RawTable


@dataclass(frozen=True)
class Rewrite:
    """A change a source needs before typing, applied to one column's cleaned text.

    ``fn`` takes the column (text, None where blank) and returns it rewritten; ``description``
    says why, for the note in ``ingest.json`` (e.g. ``"15-character Salesforce ids extended to
    18"``). Values that change are counted and one example is shown.
    """

    fn: Callable[[pd.Series], pd.Series]
    description: str

    def __call__(self, text: pd.Series) -> pd.Series:
        return self.fn(text)


# A file-level fix a source needs before its headers are matched (a report footer to mark,
# paired currency columns to join, a reference to look up in a file read earlier). It gets
# the file as read, the files of earlier tables (accounts before deals before contacts) and
# the conventions in force (with any mapping file applied).
Prepare = Callable[[RawTable, Mapping[str, RawTable], "Conventions"], RawTable]


@dataclass(frozen=True)
class Conventions:
    """What one kind of source calls things: the only place a CRM adapter has to fill in.

    ``aliases``: table → canonical column → header names meaning it. ``columns``: table →
    source header → target column (from a mapping file; a target outside the schema renames a
    custom column, ``""`` drops the column). ``outcome_values``: ``won``/``lost``/``open`` →
    stage or outcome values meaning it. The ``*_flags`` are headers of boolean columns that
    decide a deal's outcome before any stage name. ``prepare``: table → a fix of the whole file
    before its headers are matched. ``transforms``: table → canonical column → a
    :class:`Rewrite` of the column's text before typing (e.g. 15 → 18 character ids).
    ``values``: table → column (source header or output name) → ``{value: replacement}``,
    applied to the exact trimmed text (``"GTXPro" = "GTX Pro"``). ``scale``: table → numeric
    canonical column → factor (revenue given in millions: 1000000).
    """

    name: str = "generic"
    aliases: Mapping[str, Mapping[str, Sequence[str]]] = field(
        default_factory=data_tables.column_aliases
    )
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    outcome_values: Mapping[str, Sequence[str]] = field(default_factory=dict)
    won_flags: Sequence[str] = ("IsWon", "is_won", "hs_is_closed_won")
    closed_flags: Sequence[str] = ("IsClosed", "is_closed", "hs_is_closed")
    lost_flags: Sequence[str] = ("is_lost", "hs_is_closed_lost")
    status_columns: Sequence[str] = ("status", "deal status", "Deal - Status")
    prepare: Mapping[str, Prepare] = field(default_factory=dict)
    transforms: Mapping[str, Mapping[str, Rewrite]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    scale: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


def extend_aliases(
    base: Mapping[str, Mapping[str, Sequence[str]]],
    extra: Mapping[str, Mapping[str, Sequence[str]]],
    *,
    remove: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> dict[str, dict[str, tuple[str, ...]]]:
    """``base`` aliases with a source's own names tried first, and some generic ones removed
    (Salesforce's boolean ``Closed`` column must not be read as the close date)."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for table in schema.TABLES:
        columns = {c: tuple(names) for c, names in base.get(table, {}).items()}
        for column, names in extra.get(table, {}).items():
            columns[column] = tuple(dict.fromkeys([*names, *columns.get(column, ())]))
        for column, names in (remove or {}).get(table, {}).items():
            dropped = {nz.header_key(n) for n in names}
            columns[column] = tuple(
                n for n in columns.get(column, ()) if nz.header_key(n) not in dropped
            )
        out[table] = columns
    return out


@dataclass
class ColumnPlan:
    """Which source header feeds which output column."""

    canonical: dict[str, str] = field(default_factory=dict)  # canonical column -> header
    custom: dict[str, str] = field(default_factory=dict)  # header -> output name
    derived: dict[str, str] = field(default_factory=dict)  # e.g. "employees_raw" -> header
    dropped: list[str] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)  # won/closed/lost/status -> header

    def describe(self) -> dict:
        mapped = {header: column for column, header in self.canonical.items()}
        mapped.update({h: c for c, h in self.derived.items()})
        return {
            "mapped": mapped,
            "outcome_flags": {header: flag for flag, header in self.flags.items()},
            "custom": dict(self.custom),
            "dropped": list(self.dropped),
        }


def _derived_names(column: str) -> tuple[str, ...]:
    return (f"{column}_raw", f"{column}_currency")


def plan_columns(
    headers: Sequence[str],
    table: str,
    conventions: Conventions,
    *,
    forced: Mapping[str, str] | None = None,
    exclude: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> ColumnPlan:
    """Decide the target of every header. ``forced``: header → canonical column, before all;
    ``exclude``: canonical columns no header may fill; ``drop``: headers to leave out."""
    canonical_columns = schema.TABLES[table]
    plan = ColumnPlan()
    taken: set[str] = set()  # headers already assigned
    explicit = {nz.header_key(k): v for k, v in conventions.columns.get(table, {}).items()}
    renamed: dict[str, str] = {}
    for header in headers:
        if header in drop:
            plan.dropped.append(header)
            taken.add(header)
    for header, column in (forced or {}).items():
        plan.canonical[column] = header
        taken.add(header)
    for header in headers:
        key = nz.header_key(header)
        if header in taken or key not in explicit:
            continue
        target = explicit[key].strip()
        if not target:
            plan.dropped.append(header)
        elif target in canonical_columns and target not in plan.canonical:
            plan.canonical[target] = header
        else:
            renamed[header] = nz.snake_case(target) or target
        taken.add(header)
    by_key: dict[str, list[str]] = {}
    for header in headers:
        if header not in taken:
            by_key.setdefault(nz.header_key(header), []).append(header)
    aliases = conventions.aliases.get(table, {})
    for column in canonical_columns:
        if column in plan.canonical or column in exclude:
            continue
        for name in (column, *aliases.get(column, ())):
            candidates = [h for h in by_key.get(nz.header_key(name), []) if h not in taken]
            if candidates:
                plan.canonical[column] = candidates[0]
                taken.add(candidates[0])
                break
    if table == "deals":
        flag_names = {
            "won": conventions.won_flags,
            "closed": conventions.closed_flags,
            "lost": conventions.lost_flags,
            "status": conventions.status_columns,
        }
        for flag, names in flag_names.items():
            keys = [nz.header_key(n) for n in names]
            for key in keys:
                found = [h for h in by_key.get(key, []) if h not in plan.canonical.values()]
                if found:
                    plan.flags[flag] = found[0]
                    break
    used = set(canonical_columns)
    derivable = {d: c for c in plan.canonical for d in _derived_names(c)}
    flag_headers = set(plan.flags.values())  # they become the outcome, never an attribute
    for i, header in enumerate(headers):
        if header in plan.canonical.values() or header in plan.dropped or header in flag_headers:
            continue
        name = renamed.get(header) or nz.snake_case(header) or f"column_{i + 1}"
        if name in derivable and name not in plan.derived:
            plan.derived[name] = header
            continue
        if name in canonical_columns:
            name = f"source_{name}"
        base, k = name, 2
        while name in used or name in derivable:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        plan.custom[header] = name
    return plan


def missing_column_error(
    label: str, column: str, headers: Sequence[str], hint: str = ""
) -> IcpkitError:
    """``accounts.csv: missing required column "account_id" (close matches: "Acct ID")``."""
    close = close_headers(column, headers)
    if close:
        where = "close matches: " + ", ".join(f'"{nz.show(h)}"' for h in close)
    else:
        shown = ", ".join(f'"{nz.show(h)}"' for h in headers[:12]) + (
            ", ..." if len(headers) > 12 else ""
        )
        where = f"columns found: {shown}"
    extra = f"; {hint}" if hint else ""
    return IcpkitError(
        f'missing required column "{column}" ({where}){extra}', file=label, column=column
    )


def close_headers(name: str, headers: Sequence[str], n: int = 3) -> list[str]:
    """Headers that look like ``name`` (by spelling, ignoring case and punctuation)."""
    keys = {nz.header_key(h): h for h in headers}
    target = nz.header_key(name)
    found = difflib.get_close_matches(target, list(keys), n=n, cutoff=0.6)
    contains = [k for k in keys if target and (target in k or (len(k) > 2 and k in target))]
    ordered = list(dict.fromkeys(found + contains))[:n]
    return [keys[k] for k in ordered]
