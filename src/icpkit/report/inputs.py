"""What the ICP document is made from: the JSON and TOML files a build folder holds.

The document is rendered from these files and nothing else, so `icpkit report --from DIR`
re-renders exactly what `icpkit build` wrote, and every number on the page can be traced to a
file a reader can open. A fresh :class:`~icpkit.build.BuildResult` is first turned into the same
plain data the files hold.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icpkit.errors import IcpkitError
from icpkit.scorecard.io import dump_scorecard, load_scorecard, parse_scorecard
from icpkit.scorecard.model import Scorecard

if TYPE_CHECKING:
    from icpkit.results import BuildResult

REQUIRED_FILES = ("scorecard.toml", "validation.json", "segments.json", "profiles.json")
MOTIONS_FILE = "motions.json"
QUARANTINE_GROUPS = 12


@dataclass
class ReportInputs:
    """One build's results as plain data (what its folder's files say)."""

    scorecard: Scorecard
    validation: dict[str, Any]
    segments: list[dict[str, Any]]  # segments.json: ICP and anti-ICP shortlists
    profiles: dict[str, Any]  # profiles.json: base rate, segments tried, primary, bins, facts
    ingest: dict[str, Any] | None = None  # ingest.json
    quarantine: list[dict[str, Any]] = field(default_factory=list)  # grouped reasons
    personas: list[dict[str, Any]] | None = None  # personas.json, when contacts exist
    triggers: list[dict[str, Any]] | None = None  # triggers.json, when signals exist
    personas_message: str = ""  # what the persona search said (why there are none, say)
    triggers_message: str = ""
    motions: list[MotionInputs] = field(default_factory=list)  # a --motion build's parts
    motion_column: str | None = None
    new_deals: dict[str, Any] | None = None  # closed deals since the build (icpkit report --crm)
    winloss: dict[str, Any] | None = None  # winloss.json: loss reasons, competitors, notes

    @property
    def facts(self) -> dict[str, Any]:
        return self.profiles.get("facts", {})


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
    """The report's inputs from a fresh build; ingest, quarantine, personas and triggers files
    in ``folder`` (written before the report) are read too."""
    inputs = ReportInputs(
        scorecard=parse_scorecard(dump_scorecard(result.scorecard)),
        validation=result.validation.to_json(),
        segments=result.segments.to_json(),
        profiles=result.profiles.to_json(),
    )
    _set_records(inputs, "personas", result.personas.to_json())
    _set_records(inputs, "triggers", result.triggers.to_json())
    inputs.winloss = result.winloss
    if folder is not None:
        _read_optional_files(inputs, Path(folder))
    return inputs


def load_build_folder(folder: Path | str) -> ReportInputs:
    """The report's inputs from a build folder; a missing or broken file is a clear error."""
    folder = Path(folder)
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "folder not found"
        raise IcpkitError(f"{problem} (give the --out folder of an icpkit build)", file=folder)
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise IcpkitError(
            f"not a build folder: {', '.join(missing)} missing (run icpkit build --out first)",
            file=folder,
        )
    inputs = ReportInputs(
        scorecard=load_scorecard(folder / "scorecard.toml"),
        validation=read_json(folder / "validation.json", dict),
        segments=read_json(folder / "segments.json", list),
        profiles=read_json(folder / "profiles.json", dict),
    )
    _read_optional_files(inputs, folder)
    return inputs


def read_json(path: Path, kind: type) -> Any:
    """A JSON file that must hold a ``kind`` (dict or list), or a one-line error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise IcpkitError(
            f"not valid JSON: {error.msg}", file=path, line=error.lineno, column=str(error.colno)
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise IcpkitError(f"cannot read it ({error})", file=path) from None
    if not isinstance(data, kind):
        expected = "an object" if kind is dict else "a list"
        raise IcpkitError(f"expected {expected} of build results", file=path, line=1)
    return data


def _read_optional_files(inputs: ReportInputs, folder: Path) -> None:
    if (folder / "ingest.json").is_file():
        inputs.ingest = read_json(folder / "ingest.json", dict)
    if (folder / "quarantine.csv").is_file():
        inputs.quarantine = quarantine_summary(folder / "quarantine.csv")
    for name in ("personas", "triggers"):
        path = folder / f"{name}.json"
        if getattr(inputs, name) is None and path.is_file():
            _set_records(inputs, name, read_json(path, (dict, list)))
    if inputs.winloss is None and (folder / "winloss.json").is_file():
        inputs.winloss = read_json(folder / "winloss.json", dict)
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


def _set_records(inputs: ReportInputs, key: str, value: Any) -> None:
    """Personas or triggers as a list of plain dicts, whatever container the build used: a
    list of dicts or dataclasses, an object with ``to_json()``, or ``{key: [...], "status",
    "message"}``. A ``no_data`` status (no contacts or signals table) leaves them unknown."""
    if value is None:
        return
    if hasattr(value, "to_json"):
        value = value.to_json()
    if isinstance(value, dict):
        setattr(inputs, f"{key}_message", str(value.get("message") or ""))
        if value.get("status") == "no_data":
            return
    setattr(inputs, key, _records(value, key))


def _records(value: Any, key: str) -> list[dict[str, Any]] | None:
    if isinstance(value, dict):
        value = value.get(key, value.get("items", []))
    if not isinstance(value, (list, tuple)):
        return None
    records = []
    for item in value:
        if hasattr(item, "to_json"):
            item = item.to_json()
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            item = dataclasses.asdict(item)
        if isinstance(item, dict):
            records.append(plain(item))
    return records


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


def plain(value: Any) -> Any:
    """JSON-ready Python values: numpy numbers to Python ones, NaN to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return plain(value.tolist())  # numpy scalar or array
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
