"""What the ICP document is made from: a build's typed results (:class:`BuildResult`), and
the ingest and motion files beside them in its folder.

The document reads the results as the files hold them, so `icpkit report --from DIR`
re-renders exactly what `icpkit build` wrote, and every number on the page can be traced to a
file a reader can open: a fresh build and a folder read with :func:`~icpkit.results.read_build`
give the same :class:`ReportInputs`.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from icpkit.errors import IcpkitError
from icpkit.jsonsafe import read_json
from icpkit.results import (
    MOTIONS_FILE,
    REQUIRED_FILES,
    BuildResult,
    Facts,
    Persona,
    Trigger,
    read_build,
)
from icpkit.scorecard.io import dump_scorecard, parse_scorecard

QUARANTINE_GROUPS = 12


@dataclass
class ReportInputs:
    """One build's results, and what its folder adds: the data quality and the motions."""

    build: BuildResult
    ingest: dict[str, Any] | None = None  # ingest.json
    quarantine: list[dict[str, Any]] = field(default_factory=list)  # grouped reasons
    motions: list[MotionInputs] = field(default_factory=list)  # a --motion build's parts
    motion_column: str | None = None
    new_deals: dict[str, Any] | None = None  # closed deals since the build (icpkit report --crm)

    @property
    def facts(self) -> Facts:
        return self.build.profiles.facts

    @property
    def personas(self) -> tuple[Persona, ...] | None:
        """The personas found; None when the build had no contacts to look in."""
        found = self.build.personas
        return None if found.status == "no_data" else found.personas

    @property
    def triggers(self) -> tuple[Trigger, ...] | None:
        """The trigger events found; None when the build had no signals to look in."""
        found = self.build.triggers
        return None if found.status == "no_data" else found.triggers


@dataclass
class MotionInputs:
    """One value of the --motion column: its own build, or why it has none."""

    value: str
    folder: str
    inputs: ReportInputs | None
    closed_deals: int = 0
    won: int = 0
    note: str = ""


def from_build(result: BuildResult, folder: Path | None = None) -> ReportInputs:
    """The report's inputs from a build's results; the ingest, quarantine and motions files
    in ``folder`` (written before the report) are read too."""
    # The card as its file reads back, so a fresh page and a re-rendered one are the same.
    card = parse_scorecard(dump_scorecard(result.scorecard))
    inputs = ReportInputs(replace(result, scorecard=card))
    if folder is not None:
        _read_folder_files(inputs, Path(folder))
    return inputs


def load_build_folder(folder: Path | str) -> ReportInputs:
    """The report's inputs from a build folder; a missing or broken file is a clear error."""
    return from_build(read_build(folder), Path(folder))


def _read_folder_files(inputs: ReportInputs, folder: Path) -> None:
    if (folder / "ingest.json").is_file():
        inputs.ingest = read_json(folder / "ingest.json", dict)
    if (folder / "quarantine.csv").is_file():
        inputs.quarantine = quarantine_summary(folder / "quarantine.csv")
    if (folder / MOTIONS_FILE).is_file():
        _read_motions(inputs, folder)


def _read_motions(inputs: ReportInputs, folder: Path) -> None:
    data = read_json(folder / MOTIONS_FILE, dict)
    inputs.motion_column = str(data.get("column", "motion"))
    for item in data.get("motions", []):
        sub = folder / str(item.get("folder", ""))
        built = bool(item.get("folder")) and all((sub / n).is_file() for n in REQUIRED_FILES)
        motion = load_build_folder(sub) if built else None
        if motion is not None and motion.ingest is None:
            # One ingest feeds every motion: its data quality is the whole build's.
            motion.ingest, motion.quarantine = inputs.ingest, inputs.quarantine
        inputs.motions.append(
            MotionInputs(
                value=str(item.get("value")),
                folder=str(item.get("folder", "")),
                inputs=motion,
                closed_deals=int(item.get("closed_deals", 0)),
                won=int(item.get("won", 0)),
                note=str(item.get("note", "")),
            )
        )


def deals_since_build(folder: Path | str, crm: Path | str) -> dict[str, Any]:
    """Closed deals in the CRM folder ``crm`` decided after the last decision the build in
    ``folder`` learned from: the count the document's re-validation advice compares with."""
    import pandas as pd

    from icpkit.ingest import load_dir
    from icpkit.outcomes import closed_deals

    last = read_build(folder).profiles.facts.last_decision
    tables = load_dir(crm).tables
    if "deals" not in tables or tables["deals"].empty:
        # counting the deals of a folder with none would say "0 closed since the build"
        raise IcpkitError(
            "no deals in this folder (deals.csv or deals.parquet): nothing closed since the "
            "build can be counted",
            file=crm,
        )
    closed = closed_deals(tables["deals"])
    decided = pd.to_datetime(closed["decided_at"], errors="coerce")
    since = closed[decided > pd.Timestamp(last)] if last else closed.iloc[0:0]
    return {
        "closed_since": len(since),
        "won_since": int(since["won"].sum()),
        "after": last,
        "crm": str(crm),
    }


def quarantine_summary(path: Path) -> list[dict[str, Any]]:
    """Rejected rows grouped by file, column and reason (numbers in reasons folded, so 60
    'duplicate of line N' rows are one group), largest first, with the first example."""
    groups: Counter = Counter()
    examples: dict[tuple, dict] = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                reason = _unescape(row.get("reason") or "")
                key = (
                    Path(_unescape(row.get("source_file") or "")).name,
                    _unescape(row.get("column") or ""),
                    re.sub(r"\d[\d,.]*", "N", reason),
                )
                groups[key] += 1
                examples.setdefault(key, {"line": row.get("line", ""), "reason": reason})
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise IcpkitError(f"cannot read the quarantine ({error})", file=path) from None
    return [
        {
            "file": file,
            "column": column,
            "reason": pattern,
            "rows": count,
            "example_line": examples[(file, column, pattern)]["line"],
            "example": examples[(file, column, pattern)]["reason"],
        }
        for (file, column, pattern), count in groups.most_common(QUARANTINE_GROUPS)
    ]


def _unescape(text: str) -> str:
    """Undo the spreadsheet-formula escape (a leading apostrophe) for display."""
    return text[1:] if text[:2] in ("'=", "'+", "'-", "'@") else text
