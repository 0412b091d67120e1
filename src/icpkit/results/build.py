"""Everything a build found (:class:`BuildResult`), the files a build folder holds, and reading
them back (:func:`read_build`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from icpkit.errors import IcpkitError
from icpkit.jsonsafe import read_json
from icpkit.results.personas import Personas
from icpkit.results.profiles import Profiles, Segment, Segments
from icpkit.results.record import JsonObject, Record, ResultError, _json_object
from icpkit.results.triggers import Triggers
from icpkit.results.validation import Validation
from icpkit.scorecard.model import Scorecard


@dataclass(frozen=True, kw_only=True)
class BuildResult:
    """Everything `icpkit build` found, as its files hold it: the scorecard
    (``scorecard.toml``), ``validation``, ``segments``, ``profiles``, ``personas``,
    ``triggers``, the engagement score (``engagement.toml``, None without engagement columns)
    and ``winloss`` (``winloss.json``). ``files``: what was written, by name, once written."""

    scorecard: Scorecard
    validation: Validation
    segments: Segments
    profiles: Profiles
    personas: Personas
    triggers: Triggers
    engagement: Scorecard | None = None
    winloss: JsonObject | None = None  # loss reasons, competitors, note themes
    files: Mapping[str, Path] = field(default_factory=dict)


FILES = {
    "validation": ("validation.json", Validation),
    "segments": ("segments.json", Segments),
    "profiles": ("profiles.json", Profiles),
    "personas": ("personas.json", Personas),
    "triggers": ("triggers.json", Triggers),
}
REQUIRED_FILES = ("scorecard.toml", "validation.json", "segments.json", "profiles.json")
MOTIONS_FILE = "motions.json"  # a --motion build's list of motions and their folders


def read_result(path: Path, kind: type[Record]) -> Any:
    """One result file read as its record; a broken file is a one-line error naming it."""
    return _record(path, kind, read_json(path))


def _record(path: Path, kind: type[Record], data: Any) -> Any:
    try:
        return kind.from_json(data)
    except ResultError as error:
        raise IcpkitError(f"not what icpkit build writes: {error.message}", file=path) from None


def read_build(folder: Path | str) -> BuildResult:
    """The results an `icpkit build --out` folder holds; a missing or broken file is a
    one-line error. A folder without personas.json or triggers.json (written before icpkit
    looked for them) reads as a build without contacts or signals."""
    from icpkit.discover.personas import no_contacts
    from icpkit.discover.triggers import no_signals
    from icpkit.scorecard.io import load_scorecard

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
    parts = {
        name: read_result(folder / file, kind)
        for name, (file, kind) in FILES.items()
        if (folder / file).is_file()
    }
    parts.setdefault("personas", Personas.from_json(no_contacts()))
    parts.setdefault("triggers", Triggers.from_json(no_signals()))
    engagement, winloss = folder / "engagement.toml", folder / "winloss.json"
    return BuildResult(
        scorecard=load_scorecard(folder / "scorecard.toml"),
        engagement=load_scorecard(engagement) if engagement.is_file() else None,
        winloss=_json_object(read_json(winloss, dict), "winloss") if winloss.is_file() else None,
        **parts,
    )


def read_primary_segment(path: Path) -> Segment | None:
    """The primary ICP segment of a build: ``primary_icp`` of a profiles.json, or the first
    significant ICP segment of a segments.json."""
    data = read_json(path)
    if isinstance(data, dict):
        return _record(path, Profiles, data).primary_icp
    if isinstance(data, list):
        return next((s for s in _record(path, Segments, data).icp if s.significant), None)
    raise IcpkitError("expected profiles.json or segments.json", file=path)
