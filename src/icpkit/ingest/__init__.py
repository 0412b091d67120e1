"""Ingest: any CRM export or spreadsheet → the canonical tables of ``icpkit.schema``.

Three ways in, one result (:class:`IngestResult`: tables, quarantine, report):

* :func:`load_tables` – separate accounts / deals / contacts / signals / customers files,
  with an optional mapping file for headers no alias covers;
* :func:`load_dir` – a folder of such files named after their table (``accounts.csv``,
  ``deals.parquet``, ...), as ``icpkit simulate`` or :func:`write_ingest` leave them;
* :func:`load_flat` – one row per account and an outcome column.

Every row read is accepted or quarantined with a reason (``rows_read == accepted +
quarantined`` per file); a mistake that makes a file unusable raises
:class:`~icpkit.errors.IcpkitError` naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from icpkit import schema
from icpkit.csvsafe import escape_formula
from icpkit.errors import IcpkitError
from icpkit.ingest.canonical import IngestResult, ingest
from icpkit.ingest.columns import empty_table, type_custom
from icpkit.ingest.detect import ADAPTERS, FORMATS, detect
from icpkit.ingest.flat import load_flat
from icpkit.ingest.generic import apply_mapping, apply_units, read_mapping
from icpkit.ingest.mapping import Conventions
from icpkit.ingest.readers import (
    Progress,
    RawTable,
    read_table,
    write_parquet,
)

Source = Path | str | RawTable
Units = Mapping[str, Mapping[str, float]]

__all__ = [
    "FORMATS",
    "Conventions",
    "IngestResult",
    "load_dir",
    "load_flat",
    "load_tables",
    "write_ingest",
]


def load_tables(
    *,
    accounts: Source,
    deals: Source | None = None,
    contacts: Source | None = None,
    signals: Source | None = None,
    customers: Source | None = None,
    mapping: Path | str | None = None,
    format: str = "generic",
    progress: Progress | None = None,
    units: Units | None = None,
) -> IngestResult:
    """Read CSV, Parquet or JSON files (or tables already read, e.g. from a database) into
    canonical tables.

    ``format``: ``generic`` (headers matched by name and alias), ``salesforce``, ``hubspot``,
    ``pipedrive``, or ``auto`` (each file recognised from its headers; see
    :mod:`icpkit.ingest.detect`). ``mapping``: a TOML or YAML file mapping source headers to
    columns per table, with optional stage names, value fixes and units (see
    :mod:`icpkit.ingest.generic`), applied over the format's own conventions.
    ``progress(what, done, total)``: told how far reading and checking have got (for a
    progress bar). ``units``: table → column → factor, applied as the values are read
    (``--units annual_revenue=millions``: see :func:`icpkit.ingest.formats.parse_units`).
    """
    if format not in FORMATS:
        raise IcpkitError(f"unknown format {format!r} (expected {', '.join(FORMATS)})")
    files = {
        "accounts": accounts,
        "deals": deals,
        "contacts": contacts,
        "signals": signals,
        "customers": customers,
    }
    overlay = read_mapping(mapping) if mapping is not None else {}
    if format != "auto":
        named = apply_units(apply_mapping(ADAPTERS[format], overlay), units)
        return ingest(files, named, progress=progress)
    read = {
        t: s if isinstance(s, RawTable) else read_table(s, progress=progress)
        for t, s in files.items()
        if s is not None
    }
    conventions: dict[str, Conventions] = {}
    detected: dict[str, dict] = {}
    for table, raw in read.items():
        detection = detect(raw)
        conventions[table] = apply_units(apply_mapping(ADAPTERS[detection.format], overlay), units)
        detected[table] = detection.describe()
    notes = [
        f"{read[t].label}: read as {d['detected']}"
        + (f" (headers {', '.join(d['evidence'][:4])})" if d["evidence"] else "")
        for t, d in detected.items()
    ]
    result = ingest(read, conventions, notes=notes, source_format="auto", progress=progress)
    for table, described in detected.items():
        result.report["files"][table]["format_detected"] = described
    return result


def load_dir(path: Path | str, *, units: Units | None = None) -> IngestResult:
    """Read ``<table>.parquet`` or ``<table>.csv`` for each table found in a folder.

    ``accounts`` must be there. Parquet wins when both exist. An empty Parquet table (as
    :func:`write_ingest` writes for a table with no rows) is read as an empty table.
    ``units``: as :func:`load_tables`.
    """
    folder = Path(path)
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "folder not found"
        raise IcpkitError(problem, file=str(path))
    files: dict[str, Path] = {}
    empty: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    for table in schema.TABLES:
        found = [folder / f"{table}.{ext}" for ext in ("parquet", "csv")]
        found = [f for f in found if f.is_file()]
        if not found:
            continue
        if len(found) == 2:
            notes.append(f"{folder}: both {table}.parquet and {table}.csv; read the Parquet")
        if table != "accounts" and found[0].suffix == ".parquet" and _parquet_rows(found[0]) == 0:
            empty[table] = _empty_table_like(found[0], table)
            continue
        files[table] = found[0]
    if "accounts" not in files:
        raise IcpkitError("no accounts.csv or accounts.parquet in this folder", file=str(path))
    return ingest(files, apply_units(Conventions(), units), empty_tables=empty, notes=notes)


def _empty_table_like(file: Path, table: str) -> pd.DataFrame:
    """A table with no rows and the columns a Parquet file has (custom ones included)."""
    frame = pq.read_table(file).to_pandas()
    canonical = empty_table(table)
    columns = {name: canonical[name] for name in canonical.columns}
    for name in frame.columns:
        if name not in columns:
            columns[str(name)] = type_custom(frame[name].astype(object))
    return pd.DataFrame(columns)


def _parquet_rows(file: Path) -> int | None:
    try:
        return pq.read_metadata(file).num_rows
    except Exception:  # not a readable Parquet file: read_table will say so
        return None


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def write_ingest(
    result: IngestResult, out_dir: Path | str, *, progress: Progress | None = None
) -> None:
    """Write ``<table>.parquet`` for every table, ``quarantine.csv`` and ``ingest.json``."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for step, (name, frame) in enumerate(result.tables.items()):
            if progress is not None:
                progress(f"Writing {name}.parquet", step, len(result.tables))
            write_parquet(frame, out / f"{name}.parquet")
        quarantine = result.quarantine.astype(object).map(escape_formula)
        quarantine.to_csv(out / "quarantine.csv", index=False, encoding="utf-8")
        report = {
            **result.report,
            "quarantine": {"rows": len(result.quarantine), "file": "quarantine.csv"},
        }
        (out / "ingest.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False, default=_json_default) + "\n",
            encoding="utf-8",
        )
    except OSError as error:
        message = f"cannot write the ingest output ({error.strerror})"
        raise IcpkitError(message, file=str(out)) from None
