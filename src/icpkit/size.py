"""Sizing the target list: how many companies of a universe fall in each tier, and what they
are worth.

The universe (a list of companies: a Fortune list, a data vendor's file, the warehouse table)
is scored by streaming it through the scorecard, so it may be any size. With won deals, the
counts become a market:

* **TAM**, total addressable market: every company of the universe x the average won deal;
* **SAM**, serviceable: the companies of tiers A and B (the primary ICP, "pursue") x the
  average won deal;
* **SOM**, obtainable: SAM x the win rate of closed deals.

The average deal carries a bootstrap 95% interval and the win rate a Wilson interval; the SOM
range multiplies their lower and upper ends, so it is wide when the evidence is thin.

The playbooks' rule of thumb closes the report: a primary ICP is roughly 1,000-5,000 named
accounts; more than 50,000 is a market segment, not an ICP; fewer than 200 may be too narrow.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from icpkit.errors import IcpkitError
from icpkit.ingest.readers import read_table
from icpkit.score import Progress, score_file
from icpkit.scorecard.model import TIER_NAMES, Scorecard
from icpkit.stats import wilson_interval

# The playbooks' rule of thumb for a primary ICP, in named accounts.
ICP_SIZE_LOW, ICP_SIZE_HIGH, MARKET_SEGMENT, TOO_NARROW = 1_000, 5_000, 50_000, 200
PRIMARY_TIERS = ("A", "B")
BOOTSTRAP_DRAWS = 2_000


@dataclass(frozen=True)
class DealEvidence:
    """What closed deals say a customer is worth and how often a deal is won."""

    won: int
    lost: int
    average_deal: float
    average_deal_ci: tuple[float, float]
    median_deal: float
    win_rate: float
    win_rate_ci: tuple[float, float]
    currency_note: str = "in the deals' own currency (amounts are not converted)"


def advice(primary: int) -> str:
    """The playbooks' verdict on a primary ICP of ``primary`` named accounts."""
    if primary > MARKET_SEGMENT:
        return (
            f"{primary:,} companies in tiers A-B is a market segment, not an ICP: narrow "
            "it (raise the tier cut-offs or add conditions)."
        )
    if primary < TOO_NARROW:
        return (
            f"{primary:,} companies in tiers A-B may be too narrow to build a pipeline "
            "on: check the universe covers your market, or widen the ICP."
        )
    if ICP_SIZE_LOW <= primary <= ICP_SIZE_HIGH:
        return f"{primary:,} companies in tiers A-B: the size of a workable primary ICP."
    return (
        f"{primary:,} companies in tiers A-B; a primary ICP is usually "
        f"{ICP_SIZE_LOW:,}-{ICP_SIZE_HIGH:,} named accounts."
    )


def read_deal_evidence(path: Path, *, seed: int = 0) -> DealEvidence:
    """Won and lost deals from a canonical deals table (``deals.parquet`` of ``icpkit ingest``
    or ``build``, or any CSV/Parquet with ``outcome`` won/lost/open and ``amount``), or from a
    folder holding one."""
    path = Path(path)
    if path.is_dir():
        found = [path / name for name in ("deals.parquet", "deals.csv") if (path / name).is_file()]
        if not found:
            raise IcpkitError("no deals.parquet or deals.csv in this folder", file=path)
        path = found[0]
    frame = read_table(path).frame
    for column in ("outcome", "amount"):
        if column not in frame.columns:
            raise IcpkitError(
                f'missing column "{column}" (a canonical deals table from icpkit ingest)',
                file=path,
                column=column,
            )
    outcome = frame["outcome"].astype("string").str.strip().str.lower()
    amount = pd.to_numeric(frame["amount"], errors="coerce")
    won_amounts = amount[(outcome == "won") & (amount > 0)].to_numpy(dtype=float)
    won, lost = int((outcome == "won").sum()), int((outcome == "lost").sum())
    if won == 0 or won_amounts.size == 0:
        raise IcpkitError("no won deal with an amount: deal sizes cannot be estimated", file=path)
    low, high = wilson_interval(won, won + lost)
    return DealEvidence(
        won=won,
        lost=lost,
        average_deal=float(won_amounts.mean()),
        average_deal_ci=_bootstrap_mean(won_amounts, seed),
        median_deal=float(np.median(won_amounts)),
        win_rate=won / (won + lost),
        win_rate_ci=(float(low), float(high)),
    )


def _bootstrap_mean(values: np.ndarray, seed: int) -> tuple[float, float]:
    if values.size < 2:
        return float(values[0]), float(values[0])
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(BOOTSTRAP_DRAWS, values.size), replace=True).mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def market(tiers: dict[str, int], evidence: DealEvidence) -> dict[str, Any]:
    """TAM, SAM and SOM, each with the range its evidence allows."""
    companies = sum(tiers.values())
    primary = sum(tiers[t] for t in PRIMARY_TIERS)
    deal, (deal_low, deal_high) = evidence.average_deal, evidence.average_deal_ci
    rate, (rate_low, rate_high) = evidence.win_rate, evidence.win_rate_ci
    return {
        "tam": {"accounts": companies, "value": companies * deal,
                "range": [companies * deal_low, companies * deal_high]},
        "sam": {"accounts": primary, "value": primary * deal,
                "range": [primary * deal_low, primary * deal_high]},
        "som": {"accounts": primary * rate, "value": primary * deal * rate,
                "range": [primary * deal_low * rate_low, primary * deal_high * rate_high]},
        "deals": asdict(evidence),
    }  # fmt: skip


def size_target_list(
    card: Scorecard,
    universe: Path,
    *,
    mapping: Path | None = None,
    deals: Path | None = None,
    out: Path | None = None,
    progress: Progress | None = None,
    seed: int = 0,
    units: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Count the universe per tier (streaming it through the card), with the market when
    ``deals`` is given, and the playbooks' advice. ``out`` also keeps the scored universe;
    ``units``: column -> factor, as :func:`icpkit.score.score_file` takes them."""
    evidence = read_deal_evidence(deals, seed=seed) if deals is not None else None
    summary = score_file(card, universe, out, mapping=mapping, progress=progress, units=units)
    tiers = summary["tiers"]
    primary = sum(tiers[t] for t in PRIMARY_TIERS)
    result: dict[str, Any] = {
        "universe": str(universe),
        "companies": summary["rows"],
        "tiers": tiers,
        "tier_shares": {t: tiers[t] / max(summary["rows"], 1) for t in TIER_NAMES},
        "primary_icp_accounts": primary,
        "advice": advice(primary),
        "columns_used": summary["columns_used"],
        "columns_missing": summary["columns_missing"],
        "unreadable": summary["unreadable"],
        "formats": summary["formats"],
        "notes": summary["notes"],
        "warnings": summary["warnings"],
    }
    if evidence is not None:
        result["market"] = market(tiers, evidence)
    return result


def size_universe(card: Scorecard, universe: Path, out_dir: Path) -> dict[str, Any]:
    """For ``icpkit build --universe``: size the universe and keep it scored as
    ``universe-scored.parquet`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return size_target_list(card, universe, out=out_dir / "universe-scored.parquet")
