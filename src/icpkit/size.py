"""Sizing the target list: how many companies of a universe fall in each tier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from icpkit.ingest.readers import read_table
from icpkit.score import score_frame
from icpkit.scorecard.model import TIER_NAMES, Scorecard

# The playbooks' rule of thumb for a primary ICP, in named accounts.
ICP_SIZE_LOW, ICP_SIZE_HIGH, MARKET_SEGMENT = 1_000, 5_000, 50_000


def size_universe(card: Scorecard, universe: Path, out_dir: Path) -> dict[str, Any]:
    """Score the universe, write it to ``universe-scored.parquet`` and count tiers."""
    table = read_table(universe)
    scored = score_frame(card, table.frame, None)
    out_dir.mkdir(parents=True, exist_ok=True)
    scored.insert(0, "row", table.lines)
    scored.to_parquet(out_dir / "universe-scored.parquet", index=False)
    counts = scored["icp_tier"].value_counts()
    tiers = {t: int(counts.get(t, 0)) for t in TIER_NAMES}
    primary = tiers["A"] + tiers["B"]
    if primary > MARKET_SEGMENT:
        advice = (
            f"{primary:,} companies in tiers A-B is a market segment, not an ICP: narrow "
            "it (raise the tier cut-offs or add conditions)."
        )
    elif primary < 200:
        advice = (
            f"{primary:,} companies in tiers A-B may be too narrow to build a pipeline "
            "on: check the universe covers your market, or widen the ICP."
        )
    elif ICP_SIZE_LOW <= primary <= ICP_SIZE_HIGH:
        advice = f"{primary:,} companies in tiers A-B: the size of a workable primary ICP."
    else:
        advice = (
            f"{primary:,} companies in tiers A-B; a primary ICP is usually "
            f"{ICP_SIZE_LOW:,}-{ICP_SIZE_HIGH:,} named accounts."
        )
    return {
        "universe": str(universe),
        "companies": len(scored),
        "tiers": tiers,
        "primary_icp_accounts": primary,
        "advice": advice,
    }
