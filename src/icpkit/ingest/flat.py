"""Flat mode: one row per account, with a column that says which ones are good.

The spreadsheet a founder keeps (``Company, Employees, Country, ..., Status``) becomes an
accounts table (every column typed by the usual normalisers, unknown columns kept as custom
attributes) and a deals table with one deal per account (``deal_id`` = ``account_id``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from icpkit import schema
from icpkit.errors import IcpkitError
from icpkit.ingest import normalise as nz
from icpkit.ingest.canonical import IngestResult, assemble, build_table
from icpkit.ingest.columns import STR_DTYPE, clean_text, empty_column
from icpkit.ingest.duplicates import exact_duplicate_rows
from icpkit.ingest.mapping import Conventions, missing_column_error
from icpkit.ingest.readers import Progress, RawTable, read_table


def find_header(headers: Sequence[str], name: str) -> str | None:
    """The header called ``name``: exactly, else ignoring case, spaces and punctuation."""
    if name in headers:
        return name
    key = nz.header_key(name)
    matches = [h for h in headers if nz.header_key(h) == key]
    return matches[0] if matches else None


def load_flat(
    path: Path | str | RawTable,
    *,
    outcome: str,
    positive: str,
    id_column: str | None = None,
    negative: str | Sequence[str] | None = None,
    progress: Progress | None = None,
    units: Mapping[str, Mapping[str, float]] | None = None,
) -> IngestResult:
    """Read a one-row-per-account table whose ``outcome`` column marks the good accounts.

    Rows whose outcome equals ``positive`` (trimmed, any case) are won; a blank outcome is
    quarantined; any other value is lost, unless ``negative`` is given, in which case only
    those values are lost and the rest are open (e.g. ``negative="Lost"`` on a pipeline
    export where ``Engaging`` deals are still undecided). Without ``id_column`` each row's id
    is ``row-<line>`` and exact duplicate rows are kept (they are separate deals that happen
    to look alike) but counted in ``report["duplicates"]``; with it, a repeated id is
    quarantined like in any accounts file. ``units``: table → column → factor, as
    :func:`icpkit.ingest.load_tables` takes them (only ``accounts`` applies).
    """
    raw = path if isinstance(path, RawTable) else read_table(path, progress=progress)
    headers = list(raw.frame.columns)
    outcome_header = find_header(headers, outcome)
    if outcome_header is None:
        raise missing_column_error(raw.label, outcome, headers)
    id_header = None
    if id_column is not None:
        id_header = find_header(headers, id_column)
        if id_header is None:
            raise missing_column_error(raw.label, id_column, headers)
        if id_header == outcome_header:
            raise IcpkitError(
                "the id column and the outcome column are the same", file=raw.label, column=outcome
            )
    build = build_table(
        raw,
        "accounts",
        replace(Conventions(name="flat"), scale=dict(units or {})),
        forced={id_header: "account_id"} if id_header else None,
        exclude=() if id_header else ("account_id",),
        drop=(outcome_header,),
        row_ids=id_header is None,
    )
    labels = clean_text(raw.frame[outcome_header].reset_index(drop=True))
    keys = labels.map(lambda v: v.strip().casefold() if isinstance(v, str) else None)
    blank = labels.isna().to_numpy()
    won = (keys == positive.strip().casefold()).to_numpy()
    if negative is None:
        lost = ~won & ~blank
    else:
        negatives = [negative] if isinstance(negative, str) else list(negative)
        lost = keys.isin({v.strip().casefold() for v in negatives}).to_numpy() & ~won
    if not won.any():
        found = ", ".join(f'"{nz.show(v)}"' for v in pd.unique(labels.dropna())[:10])
        raise IcpkitError(
            f'no row has {nz.show(outcome_header)} = "{nz.show(positive)}" '
            f"(values found: {found or 'none'})",
            file=raw.label,
            column=outcome_header,
        )
    build.reject(blank, "outcome is blank", outcome_header)
    accepted = build.accepted
    outcomes = np.where(won, "won", np.where(lost, "lost", "open")).astype(object)
    accounts_ids = build.frame["account_id"][accepted].reset_index(drop=True)
    deals = pd.DataFrame({c: empty_column(t, int(accepted.sum())) for c, t in schema.DEALS.items()})
    deals["deal_id"] = accounts_ids.astype(STR_DTYPE)
    deals["account_id"] = accounts_ids.astype(STR_DTYPE)
    deals["outcome"] = pd.Series(outcomes[accepted], dtype=object).astype(STR_DTYPE)
    notes = [
        _outcome_note(raw.label, outcome_header, positive, labels[accepted], outcomes[accepted])
    ]
    result = assemble({"accounts": build}, "flat", extra_tables={"deals": deals}, notes=notes)
    if id_header is None:
        _count_exact_duplicates(result, raw)
    result.report["flat"] = {
        "outcome_column": outcome_header,
        "positive": positive,
        "negative": negative,
        "id_column": id_header,
        **{k: int((outcomes[accepted] == k).sum()) for k in schema.OUTCOMES},
    }
    return result


def _outcome_note(
    label: str, header: str, positive: str, values: pd.Series, outcomes: np.ndarray
) -> str:
    counts = pd.Series(outcomes).value_counts()
    parts = [f'{int(counts.get("won", 0))} won ({header} = "{positive}")']
    for outcome in ("lost", "open"):
        if counts.get(outcome, 0):
            seen = pd.Series(values.to_numpy()[outcomes == outcome]).value_counts()
            shown = ", ".join(f"{v} {n}" for v, n in seen.head(8).items())
            parts.append(f"{int(counts[outcome])} {outcome} ({shown})")
    return f"{label}: " + "; ".join(parts)


def _count_exact_duplicates(result: IngestResult, raw: RawTable) -> None:
    dup, first_line = exact_duplicate_rows(raw)
    if not dup.any():
        return
    lines = raw.lines
    examples = [
        {"line": int(lines[i]), "same_as_line": int(first_line[i])} for i in np.flatnonzero(dup)[:5]
    ]
    result.report["duplicates"].setdefault("accounts", {})["exact_duplicate_rows"] = {
        "rows": int(dup.sum()),
        "kept": True,
        "examples": examples,
    }
    result.report["notes"].append(
        f"{raw.label}: {int(dup.sum())} rows are exact copies of an earlier row; kept as "
        "separate deals (without an id column they cannot be told apart)"
    )
