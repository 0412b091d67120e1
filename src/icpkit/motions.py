"""One ICP per sales motion (`icpkit build --motion COLUMN`): a build per value of a deal column
such as lead source, each in ``motions/<value>/``, and ``motions.json`` listing them, which the
ICP document reads to compare the motions."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from icpkit.build import build_icp, write_outputs
from icpkit.errors import IcpkitError
from icpkit.jsonsafe import write_json
from icpkit.results import MOTIONS_FILE

MOTIONS_FOLDER = "motions"


def check_motion(deals: pd.DataFrame, column: str) -> list[str]:
    """The motions (distinct values) of the deal column ``column``, or a clear error."""
    if column not in deals.columns:
        known = ", ".join(c for c in deals.columns if not c.endswith(("_id", "_raw")))
        raise IcpkitError(f"--motion {column}: deals have no such column (they have: {known})")
    values = deals[column].dropna().astype(str).str.strip()
    motions = sorted(v for v in values.unique() if v)
    if len(motions) < 2:
        raise IcpkitError(f"--motion {column}: needs at least two values, found {len(motions)}")
    return motions


def build_motions(
    accounts: pd.DataFrame,
    deals: pd.DataFrame,
    column: str,
    out: Path,
    *,
    progress: Callable[[str, int, int], None] = lambda what, done, total: None,
    **options: Any,
) -> dict[str, Path]:
    """Build one ICP per value of the deal column ``column`` (a sales motion such as lead
    source), each into ``out/motions/<value>/`` with ``options`` as :func:`build_icp` takes
    them, and write the document comparing them (the files written are returned).

    The build on every deal must already be in ``out``: the document opens with it. A motion
    with too few won or lost deals gets no build of its own; the document says so and why.
    ``progress(what, done, total)`` is told of each motion as it starts.
    """
    from icpkit.report import render_folder

    motions = check_motion(deals, column)
    values = deals[column].astype("string").str.strip()
    entries = []
    folders: set[str] = set()
    for done, value in enumerate(motions):
        progress(f"{column} = {value}", done, len(motions))
        subset = deals[(values == value).fillna(False).to_numpy()]
        folder = _folder(value, folders)
        entries.append(_build_motion(value, folder, subset, accounts, out, options))
    progress("Writing the ICP document", len(motions), len(motions))
    write_json(out / MOTIONS_FILE, {"column": column, "motions": entries})
    return render_folder(out)


def _build_motion(
    value: str,
    folder: str,
    deals: pd.DataFrame,
    accounts: pd.DataFrame,
    out: Path,
    options: dict[str, Any],
) -> dict[str, Any]:
    closed = deals[deals["outcome"].isin(["won", "lost"])]
    entry: dict[str, Any] = {
        "value": value,
        "folder": folder,
        "closed_deals": len(closed),
        "won": int((closed["outcome"] == "won").sum()),
        "note": "",
    }
    try:
        result = build_icp(accounts, deals, **options)
    except IcpkitError as error:
        entry.update(folder="", note=f"not built: {error.message}")
        return entry
    write_outputs(result, out / folder)
    return entry


def _folder(value: str, taken: set[str]) -> str:
    """A folder for a motion value: 'Partner / Channel' -> 'motions/partner-channel'."""
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "blank"
    folder, n = f"{MOTIONS_FOLDER}/{slug}", 1
    while folder in taken:
        n += 1
        folder = f"{MOTIONS_FOLDER}/{slug}-{n}"
    taken.add(folder)
    return folder
