"""Every scorecard version, and one account's score across them: what it was and why it moved.

A version is a scorecard with a label. It comes from a scorecard file, from a build folder
(``icpkit build --out DIR``: its ``scorecard.toml``, plus the ``accounts.parquet`` and
``segments.json`` of that build) or from the workspace database (``icpkit.workspace``, where
every saved card is numbered and carries its data fingerprint).

:func:`explain_account` scores one account with each version and explains every move between
consecutive versions: the account's own data changed, a bin was redrawn, a bin was re-weighed,
an attribute joined or left the card, a disqualifier started or stopped applying, the 0-100 scale
moved because the card's point range changed, or the tier cut-offs moved.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from icpkit.errors import IcpkitError
from icpkit.scorecard.io import load_scorecard
from icpkit.scorecard.model import TIER_NAMES, Scorecard

_VERSION_NUMBER = re.compile(r"^v?(\d+)$")


@dataclass(frozen=True)
class ScorecardVersion:
    """A scorecard and where it came from. ``folder`` is set for a build folder."""

    label: str
    card: Scorecard
    folder: Path | None = None

    @property
    def accounts_file(self) -> Path | None:
        """The accounts this version was built from, when it is a build folder."""
        if self.folder is None:
            return None
        for name in ("accounts.parquet", "accounts.csv"):
            if (self.folder / name).is_file():
                return self.folder / name
        return None

    def segments(self) -> list[dict] | None:
        """The build's ``segments.json``, when there is one."""
        return _read_json(self.folder / "segments.json") if self.folder else None

    def primary_segment(self) -> dict | None:
        """The build's primary ICP segment (``profiles.json``, ``primary_icp``)."""
        profiles = _read_json(self.folder / "profiles.json") if self.folder else None
        return profiles.get("primary_icp") if isinstance(profiles, dict) else None


def load_version(reference: str | Path, *, workspace: str | Path | None = None) -> ScorecardVersion:
    """A scorecard file, a build folder, or a workspace version number like 3 or v3 (from
    ``workspace``, else ``$ICPKIT_WORKSPACE``, else ``icpkit-workspace.duckdb`` here)."""
    text = str(reference)
    number = _VERSION_NUMBER.match(text)
    if number and not Path(text).exists():
        ws = open_workspace(workspace)
        return ScorecardVersion(f"v{number.group(1)}", ws.get(int(number.group(1))))
    path = Path(text)
    if path.is_dir():
        card_file = path / "scorecard.toml"
        if not card_file.is_file():
            raise IcpkitError("no scorecard.toml in this folder (is it a build folder?)", file=path)
        return ScorecardVersion(str(path), load_scorecard(card_file), folder=path)
    if path.is_file():
        folder = path.parent if path.name == "scorecard.toml" else None
        return ScorecardVersion(str(path), load_scorecard(path), folder=folder)
    raise IcpkitError("no scorecard file or build folder here", file=path)


def workspace_versions(workspace: str | Path | None = None) -> list[ScorecardVersion]:
    """Every version saved in the workspace, oldest first."""
    ws = open_workspace(workspace)
    return [ScorecardVersion(f"v{v.version}", ws.get(v.version)) for v in ws.versions()]


def open_workspace(target: str | Path | None = None):
    """Open an existing workspace (never create one just to read it); ``None`` means
    ``$ICPKIT_WORKSPACE``, else ``icpkit-workspace.duckdb`` in the current folder."""
    from icpkit.workspace import DEFAULT_PATH, ENVIRONMENT_VARIABLE, Workspace

    text = str(target or os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_PATH)
    if not text.startswith(("postgresql://", "postgres://")) and not Path(text).is_file():
        raise IcpkitError("workspace not found (give --workspace)", file=text)
    return Workspace.open(text)


# ---- one account over versions ----------------------------------------------------------------


@dataclass(frozen=True)
class AccountScore:
    """An account as one version scores it."""

    version: str
    score: int
    tier: str
    disqualified: str  # the disqualifier's reason, or ""
    raw_points: int
    point_range: tuple[int, int]
    tiers: tuple[float, float, float, str]  # A, B, C lower bounds and unit
    parts: dict[str, tuple[str, int]]  # attribute -> (bin label, points)
    values: dict[str, Any]  # the account's values in the columns the card reads


@dataclass
class Movement:
    """From one version to the next: the score and tier change and every reason for it."""

    before: str
    after: str
    score_change: int
    tier_change: str  # "B -> A", or "" when the tier stayed
    reasons: list[str] = field(default_factory=list)


@dataclass
class AccountHistory:
    account_id: str
    scores: list[AccountScore]
    moves: list[Movement]

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "versions": [
                {
                    "version": s.version,
                    "icp_score": s.score,
                    "icp_tier": s.tier,
                    "icp_disqualified": bool(s.disqualified),
                    "disqualifier": s.disqualified or None,
                    "raw_points": s.raw_points,
                    "point_range": list(s.point_range),
                    "points": {k: {"bin": b, "points": p} for k, (b, p) in s.parts.items()},
                    "values": {k: _plain(v) for k, v in s.values.items()},
                }
                for s in self.scores
            ],
            "moves": [
                {
                    "from": m.before,
                    "to": m.after,
                    "score_change": m.score_change,
                    "tier_change": m.tier_change or None,
                    "reasons": m.reasons,
                }
                for m in self.moves
            ],
        }

    def text(self) -> str:
        lines = [f"Account {self.account_id}"]
        for s in self.scores:
            dq = f", disqualified ({s.disqualified})" if s.disqualified else ""
            lines.append(f"  {s.version}: score {s.score}, tier {s.tier}{dq}")
        for m in self.moves:
            tier = f", tier {m.tier_change}" if m.tier_change else ", same tier"
            lines.append("")
            lines.append(f"{m.before} -> {m.after}: score {m.score_change:+d}{tier}")
            lines += [f"  - {r}" for r in m.reasons] or ["  - nothing that scores it changed"]
        return "\n".join(lines) + "\n"


def explain_account(
    account_id: str,
    versions: list[ScorecardVersion],
    accounts: pd.DataFrame | None = None,
    *,
    id_column: str = "account_id",
) -> AccountHistory:
    """Score one account with every version, in the order given, and explain each move.

    The account's record comes from ``accounts`` when given (the same record for every
    version: only the cards differ), else from each build folder's own accounts (the record as
    that build saw it, so a change in the account's data shows up as a reason).
    """
    if not versions:
        raise IcpkitError("give at least one scorecard version to explain the account with")
    scores = []
    for version in versions:
        record = _record(account_id, version, accounts, id_column)
        scores.append(_score(version, record))
    moves = [
        _movement(a, b, old.card, new.card)
        for (a, b), (old, new) in zip(
            itertools.pairwise(scores), itertools.pairwise(versions), strict=True
        )
    ]
    return AccountHistory(str(account_id), scores, moves)


def _record(
    account_id: str, version: ScorecardVersion, accounts: pd.DataFrame | None, id_column: str
) -> pd.DataFrame:
    source = "the accounts given"
    if accounts is None:
        path = version.accounts_file
        if path is None:
            raise IcpkitError(
                f"{version.label} is a scorecard file, not a build folder: give --accounts FILE "
                "with the account's data"
            )
        from icpkit.ingest.readers import read_table

        accounts = read_table(path).frame
        source = str(path)
    if id_column not in accounts.columns:
        raise IcpkitError(f"no column {id_column!r} to find the account by", file=source)
    rows = accounts[accounts[id_column].astype(str) == str(account_id)]
    if rows.empty:
        raise IcpkitError(f"no account with {id_column} {account_id!r}", file=source)
    return rows.iloc[[0]].reset_index(drop=True)


def _score(version: ScorecardVersion, record: pd.DataFrame) -> AccountScore:
    from icpkit.score import prepare  # reads "51-200" and "$2.5M" as `icpkit score` does

    card = version.card
    prepared = prepare(record, card)
    scored = card.apply(prepared)
    parts = {
        a.name: (str(scored.bin_labels[j][0]), int(scored.points[0, j]))
        for j, a in enumerate(card.attributes)
    }
    values = {c: record[c].iloc[0] if c in record.columns else None for c in card.columns}
    t = card.tiers
    return AccountScore(
        version=version.label,
        score=int(scored.score[0]),
        tier=str(scored.tier[0]),
        disqualified=str(scored.disqualifier_reason[0]).removeprefix("DQ: "),
        raw_points=int(scored.raw_points[0]),
        point_range=card.point_range(),
        tiers=(t.a, t.b, t.c, t.unit),
        parts=parts,
        values=values,
    )


def _movement(a: AccountScore, b: AccountScore, old: Scorecard, new: Scorecard) -> Movement:
    reasons = _value_changes(a, b)
    reasons += _point_changes(a, b, old, new)
    if a.disqualified != b.disqualified:
        if b.disqualified:
            reasons.append(f"now disqualified: {b.disqualified}")
        else:
            reasons.append(f"no longer disqualified (was: {a.disqualified})")
    reasons += _scale_changes(a, b)
    tier_change = "" if a.tier == b.tier else f"{a.tier} -> {b.tier}"
    if tier_change and a.tiers != b.tiers and not a.disqualified and not b.disqualified:
        reasons.append(f"tier cut-offs moved: {_cutoffs(a.tiers)} -> {_cutoffs(b.tiers)}")
    return Movement(a.version, b.version, b.score - a.score, tier_change, reasons)


def _value_changes(a: AccountScore, b: AccountScore) -> list[str]:
    out = []
    for column in a.values.keys() & b.values.keys():
        old, new = a.values[column], b.values[column]
        if not _same_value(old, new):
            out.append(f"the account's {column} changed: {_show(old)} -> {_show(new)}")
    return sorted(out)


def _point_changes(a: AccountScore, b: AccountScore, old: Scorecard, new: Scorecard) -> list[str]:
    out = []
    old_attributes = {x.name: x for x in old.attributes}
    new_attributes = {x.name: x for x in new.attributes}
    for name in [*a.parts, *(n for n in b.parts if n not in a.parts)]:
        before, after = a.parts.get(name), b.parts.get(name)
        if before is None:
            assert after is not None  # the name is on one card at least
            out.append(f"{name} joined the card: {after[0]} ({after[1]:+d})")
        elif after is None:
            out.append(f"{name} left the card (was {before[0]}, {before[1]:+d})")
        elif before[0] == after[0] and before[1] != after[1]:
            out.append(f"{name}: {after[0]} re-weighed, {before[1]:+d} -> {after[1]:+d} points")
        elif before[0] != after[0]:
            redrawn = old_attributes[name].bin_conditions() != new_attributes[name].bin_conditions()
            why = "bins redrawn" if redrawn else "the account moved to another bin"
            out.append(f"{name}: {before[0]} ({before[1]:+d}) -> {after[0]} ({after[1]:+d}), {why}")
    return out


def _scale_changes(a: AccountScore, b: AccountScore) -> list[str]:
    """How much of the 0-100 change comes from the card's point range, not the account's
    points: the score the new points would get on the old scale, against the real new score."""
    if a.point_range == b.point_range:
        return []
    low, high = a.point_range
    on_old_scale = _to_score(b.raw_points, low, high)
    from_scale = b.score - on_old_scale
    return [
        f"the card's point range moved {list(a.point_range)} -> {list(b.point_range)}: "
        f"{from_scale:+d} of the score change comes from the rescaling alone"
    ]


def _to_score(raw: int, low: int, high: int) -> int:
    # The card's own 0-100 formula (Scorecard.apply): round half up, in integers.
    span = max(high - low, 1)
    return int(min(100, max(0, (200 * (raw - low) + span) // (2 * span))))


def _cutoffs(tiers: tuple[float, float, float, str]) -> str:
    a, b, c, unit = tiers
    return f"A {a:g}+ B {b:g}+ C {c:g}+" + (" (points)" if unit == "points" else "")


def _same_value(old: Any, new: Any) -> bool:
    if _missing(old) and _missing(new):
        return True
    if isinstance(old, (list, tuple, np.ndarray)) or isinstance(new, (list, tuple, np.ndarray)):
        return _show(old) == _show(new)
    return bool(old == new) if not (_missing(old) or _missing(new)) else False


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _show(value: Any) -> str:
    if _missing(value):
        return "unknown"
    if isinstance(value, (list, tuple, np.ndarray)):
        return ";".join(sorted(str(v) for v in value)) or "none"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    return str(value)


def _plain(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def _read_json(path: Path) -> Any:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise IcpkitError(f"not valid JSON ({error})", file=path) from error


__all__ = [
    "TIER_NAMES",
    "AccountHistory",
    "AccountScore",
    "Movement",
    "ScorecardVersion",
    "explain_account",
    "load_version",
    "open_workspace",
    "workspace_versions",
]
