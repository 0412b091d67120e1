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
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from icpkit import schema
from icpkit.errors import IcpkitError
from icpkit.ingest.canonical import (
    Conventions,
    IngestResult,
    empty_table,
    ingest,
    read_mapping,
    type_custom,
)
from icpkit.ingest.flat import load_flat
from icpkit.ingest.readers import spreadsheet_safe, write_parquet

__all__ = [
    "Conventions",
    "IngestResult",
    "load_dir",
    "load_flat",
    "load_tables",
    "write_ingest",
]


def load_tables(
    *,
    accounts: Path | str,
    deals: Path | str | None = None,
    contacts: Path | str | None = None,
    signals: Path | str | None = None,
    customers: Path | str | None = None,
    mapping: Path | str | None = None,
) -> IngestResult:
    """Read CSV or Parquet files into canonical tables.

    ``mapping``: a TOML (or YAML) file mapping source headers to columns per table and
    optionally the organisation's stage names, e.g. ``[accounts] "Headcount (LinkedIn)" =
    "employees"`` and ``[deals.outcome_values] won = ["Closed Won", "Won"]``.
    """
    conventions = Conventions()
    if mapping is not None:
        conventions = conventions.with_mapping(read_mapping(mapping))
    files = {
        "accounts": accounts,
        "deals": deals,
        "contacts": contacts,
        "signals": signals,
        "customers": customers,
    }
    return ingest(files, conventions)


def load_dir(path: Path | str) -> IngestResult:
    """Read ``<table>.parquet`` or ``<table>.csv`` for each table found in a folder.

    ``accounts`` must be there. Parquet wins when both exist. An empty Parquet table (as
    :func:`write_ingest` writes for a table with no rows) is read as an empty table.
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
    return ingest(files, Conventions(), empty_tables=empty, notes=notes)


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


def write_ingest(result: IngestResult, out_dir: Path | str) -> None:
    """Write ``<table>.parquet`` for every table, ``quarantine.csv`` and ``ingest.json``."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in result.tables.items():
            write_parquet(frame, out / f"{name}.parquet")
        quarantine = result.quarantine.astype(object).map(spreadsheet_safe)
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
