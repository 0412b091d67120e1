"""Why we win and why we lose, in one result (``winloss.json``): loss reasons per anti-ICP
entry and tier, competitors and the segments they defend, sales cycles that do not fit the
motion, and the themes of notes and interviews.

Each part is computed by its own module (:mod:`losses`, :mod:`competitors`, :mod:`themes`);
this one lines them up on the closed deals the build learned from, so an anti-ICP entry's
losses, competitors and cycle are counted on the same deals as its win rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from icpkit.discover.competitors import competitor_names, defended_segments, win_rates
from icpkit.discover.losses import (
    ReasonMap,
    load_reason_map,
    normalised_reasons,
    reason_summary,
    reasons_by_group,
)
from icpkit.discover.notes import Notes, link_notes
from icpkit.discover.themes import find_themes
from icpkit.stats import holm_adjust

if TYPE_CHECKING:
    from icpkit.discover.segments import SegmentSearch

ALPHA = 0.05
SLOW_CYCLE_RATIO = 1.5  # a segment's median cycle this many times the rest's does not fit
MIN_CYCLES = 10


def why_we_win_and_lose(
    labelled: pd.DataFrame,
    deals: pd.DataFrame,
    accounts: pd.DataFrame,
    segments: SegmentSearch,
    tiers: np.ndarray | None = None,
    *,
    notes: Notes | None = None,
    reason_map: ReasonMap | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """All of it, as plain data. ``labelled`` is the build's closed deals (``deal_id``,
    ``won``, ``cycle_days``, row-aligned with the segments' masks and ``tiers``)."""
    reason_map = reason_map or load_reason_map()
    closed = _closed_with_deal_fields(labelled, deals)
    won = labelled["won"].to_numpy(dtype=int)
    lost = won == 0

    anti = {f"anti-{i}": s for i, s in enumerate(segments.anti)}
    icp = {f"icp-{i}": s for i, s in enumerate(segments.icp)}
    masks = {key: s.mask for key, s in (anti | icp).items()}

    reasons = normalised_reasons(closed[lost], reason_map)
    lost_masks = {key: mask[lost] for key, mask in masks.items() if key in anti}
    if tiers is not None:
        tier_text = np.asarray(tiers).astype(str)
        for tier in sorted(set(tier_text)):
            lost_masks[f"tier-{tier}"] = (tier_text == tier)[lost]
    by_group = reasons_by_group(reasons, lost_masks, reason_map)

    named = competitor_names(closed, reason_map)
    competitors = win_rates(named, won, tiers)
    values = _category_values(labelled, accounts)
    defended = defended_segments(named, won, {k: masks[k] for k in anti} | values)
    competitors["strongholds"] = [
        {"attribute": key.split("=", 1)[0], "value": key.split("=", 1)[1], "defended_by": rows}
        for key, rows in defended.items()
        if key in values and rows
    ]
    cycles = _cycles(labelled["cycle_days"].to_numpy(dtype=float), masks)

    entries = []
    for key, segment in anti.items():
        entry = {
            "conditions": segment.to_json()["conditions"],
            "description": segment.description,
            "losses": by_group.get(key, {}),
            "defended_by": defended.get(key, []),
            "cycle": cycles.get(key),
        }
        entries.append(entry)
    result: dict[str, Any] = {
        "lost_deals": int(lost.sum()),
        "loss_reasons": {
            "with_reason": int((reasons != "unknown").sum()),
            "overall": reason_summary(reasons, reason_map),
            "by_tier": {k[5:]: v for k, v in by_group.items() if k.startswith("tier-")},
            "method": "detail text first, then the picklist (loss_reasons.toml); shares with "
            f"Wilson intervals, Fisher vs the losses elsewhere, Holm over all tried, alpha "
            f"{ALPHA}",
        },
        "anti_icp": entries,
        "icp_cycles": [
            {"description": s.description, "cycle": cycles.get(k)} for k, s in icp.items()
        ],
        "competitors": competitors,
        "notes": None,
    }
    if notes is not None:
        linked = link_notes(notes, deals, accounts)
        names = _unit_names(accounts, deals)
        report = find_themes(linked, seed=seed, sources=names)
        result["notes"] = report.to_json() | {
            "path": notes.path,
            "read": notes.read,
            "used": len(linked),
            "quarantined": notes.quarantined,
        }
    return result


MAX_CATEGORY_VALUES = 30


def _category_values(labelled: pd.DataFrame, accounts: pd.DataFrame) -> dict[str, np.ndarray]:
    """One segment per value of each text company column with few values (industry, region):
    where a competitor may hold a stronghold the anti-ICP search did not single out."""
    segments = {}
    for column in accounts.columns:
        if column == "account_id" or column not in labelled.columns:
            continue
        values = labelled[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        present = values.dropna()
        if present.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
            continue  # a list column (technologies): its values are not one segment each
        distinct = present.unique()
        if not 2 <= len(distinct) <= MAX_CATEGORY_VALUES:
            continue
        for value in distinct:
            segments[f"{column}={value}"] = (values == value).to_numpy(dtype=bool)
    return segments


def _closed_with_deal_fields(labelled: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    """The build's closed deals with the deal table's own fields (loss reason, competitor)."""
    if "deal_id" not in deals.columns:
        return labelled.reset_index(drop=True)
    extra = [c for c in deals.columns if c not in labelled.columns or c == "deal_id"]
    fields = deals[extra].drop_duplicates("deal_id").astype({"deal_id": str})
    joined = labelled[["deal_id"]].astype(str).merge(fields, on="deal_id", how="left")
    return pd.concat([labelled.reset_index(drop=True), joined.drop(columns="deal_id")], axis=1)


def _cycles(cycle_days: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, dict]:
    """Median days from creation to close inside each segment and outside, Mann-Whitney,
    Holm over the segments; ``fits_motion`` is False when the segment is significantly slower
    and its median is at least SLOW_CYCLE_RATIO times the rest's."""
    known = ~np.isnan(cycle_days)
    rows, tests = {}, []
    for key, mask in masks.items():
        inside, outside = cycle_days[mask & known], cycle_days[~mask & known]
        if len(inside) < MIN_CYCLES or len(outside) < MIN_CYCLES:
            continue
        row = {
            "deals": len(inside),
            "median_days": float(np.median(inside)),
            "median_days_elsewhere": float(np.median(outside)),
            "fits_motion": True,
        }
        rows[key] = row
        tests.append((row, float(sps.mannwhitneyu(inside, outside).pvalue)))
    if tests:
        adjusted = holm_adjust(np.array([p for _, p in tests]))
        for (row, _), p in zip(tests, adjusted, strict=True):
            row["p_adjusted"] = round(float(p), 6)
            slow = row["median_days"] >= SLOW_CYCLE_RATIO * row["median_days_elsewhere"]
            row["fits_motion"] = not (p < ALPHA and slow)
    return rows


def _unit_names(accounts: pd.DataFrame, deals: pd.DataFrame) -> dict[str, str]:
    """The company a quote is credited to, per deal and account unit."""
    if "name" not in accounts.columns:
        return {}
    names = dict(zip(accounts["account_id"].astype(str), accounts["name"], strict=False))
    credit = {f"account:{a}": str(n) for a, n in names.items() if isinstance(n, str)}
    if "deal_id" in deals.columns:
        for deal, account in zip(
            deals["deal_id"].astype(str), deals["account_id"].astype(str), strict=False
        ):
            if account in names and isinstance(names[account], str):
                credit[f"deal:{deal}"] = f"{names[account]} ({deal})"
    return credit
