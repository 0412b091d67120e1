"""``icpkit export``: CRM import files and reverse-ETL tables, ready to load.

Every CSV goes through :func:`icpkit.csvsafe.write_safe_csv`, so no cell opens as a spreadsheet
formula. Rows that cannot be written (no key, a malformed key, a key seen before) are listed
with their line and reason in ``<out>-skipped.csv`` beside the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from icpkit.csvsafe import write_safe_csv
from icpkit.errors import IcpkitError
from icpkit.export.hubspot import HubSpot
from icpkit.export.keys import Skipped, keyed_rows, skipped_frame_rows
from icpkit.export.salesforce import Salesforce
from icpkit.export.scores import ScoredAccounts
from icpkit.export.table import reverse_etl_table
from icpkit.scorecard.model import TIER_NAMES

TARGETS = ("hubspot", "salesforce", "table")


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: ``rows`` scored, ``written`` into ``out``, ``skipped`` (listed in
    ``skipped_file``), and ``tiers``, the written records per tier."""

    out: Path
    rows: int
    written: int
    skipped: int
    skipped_file: Path | None
    key_column: str
    tiers: dict[str, int]


def crm_import_frame(
    destination: HubSpot | Salesforce, scored: ScoredAccounts, key_column: str | None
) -> tuple[pd.DataFrame, list[Skipped], str]:
    """The import file's rows: the record key under the CRM's header, then the score fields."""
    column = scored.pick_column(
        key_column, destination.key_columns(), f"the {destination.key_header()} of each record"
    )
    skipped: list[Skipped] = []
    records = []
    for row in keyed_rows(scored, column, destination.normalise_key, skipped):
        values = destination.values(*scored.fit(row.position))
        # An empty cell is what both importers read as "no value".
        cells = {k: ("" if v is None else v) for k, v in values.items()}
        records.append({destination.key_header(): row.key, **cells})
    header = [destination.key_header(), *destination.values(0, "D", "").keys()]
    frame = pd.DataFrame.from_records(records, columns=header)
    if isinstance(destination, Salesforce):
        frame[destination.fields["score"]] = frame[destination.fields["score"]].astype("int64")
    return frame, skipped, column


def export_file(
    to: str,
    scored: ScoredAccounts,
    out: Path,
    *,
    key_column: str | None = None,
    destination: HubSpot | Salesforce | None = None,
) -> ExportSummary:
    """Write ``scored`` for ``to`` (hubspot, salesforce or table) to ``out``."""
    if to not in TARGETS:
        raise IcpkitError(f"--to {to}: choose one of " + ", ".join(TARGETS))
    suffix = out.suffix.lower()
    allowed = (".csv", ".parquet") if to == "table" else (".csv",)
    if suffix not in allowed:
        raise IcpkitError("output must end in " + " or ".join(allowed), file=out)
    if to == "table":
        frame, skipped, column = reverse_etl_table(scored, key_column)
    else:
        destination = destination or (HubSpot() if to == "hubspot" else Salesforce())
        frame, skipped, column = crm_import_frame(destination, scored, key_column)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        write_safe_csv(frame, out)
    skipped_file = _write_skipped(skipped, out, column)
    # tiers of the records written: a row set aside is in no CRM, so in no tier count
    written = ~np.isin(np.asarray(scored.lines), [s.line for s in skipped])
    tiers = scored.scores["icp_tier"][written].astype(str).value_counts()
    return ExportSummary(
        out=out,
        rows=len(scored),
        written=len(frame),
        skipped=len(skipped),
        skipped_file=skipped_file,
        key_column=column,
        tiers={tier: int(tiers.get(tier, 0)) for tier in TIER_NAMES},
    )


def _write_skipped(skipped: list[Skipped], out: Path, column: str) -> Path | None:
    path = out.with_name(f"{out.stem}-skipped.csv")
    if not skipped:
        path.unlink(missing_ok=True)  # a stale list from an earlier export would mislead
        return None
    rows = skipped_frame_rows(skipped, column)
    write_safe_csv(pd.DataFrame(rows, columns=["line", column, "reason"]), path)
    return path
