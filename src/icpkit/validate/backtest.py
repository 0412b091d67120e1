"""What a scorecard, learned or written by hand, would have achieved on past deals."""

from __future__ import annotations

from typing import Any

import pandas as pd

from icpkit.errors import IcpkitError
from icpkit.outcomes import closed_deals
from icpkit.scorecard.model import Scorecard
from icpkit.validate.holdout import evaluate


def backtest(card: Scorecard, accounts: pd.DataFrame, deals: pd.DataFrame) -> dict[str, Any]:
    """Score the accounts behind every closed deal and measure the card on them.

    A hypothesis card (written before any deal closed) is judged on all history. A card
    learned from these very deals would look better than it is: the result says so.
    """
    closed = closed_deals(deals)
    labelled = closed.merge(accounts, on="account_id", how="inner", suffixes=("_deal", ""))
    if labelled.empty:
        raise IcpkitError("no closed deal matches an account: nothing to test the card on")
    won = labelled["won"].to_numpy(dtype=int)
    result = evaluate(card, labelled, won)
    result["closed_deals"] = len(labelled)
    result["columns_missing"] = [c for c in card.columns if c not in labelled.columns]
    decided = labelled["decided_at"].dropna()
    if not decided.empty:
        result["period"] = [decided.min().date().isoformat(), decided.max().date().isoformat()]
        cutoff = decided.quantile(0.75)
        recent = (labelled["decided_at"] >= cutoff).to_numpy()
        if 0 < won[recent].sum() < recent.sum():
            result["most_recent_quarter_of_deals"] = evaluate(card, labelled[recent], won[recent])
    trained = card.trained_on.get("last_decision")
    result["in_sample"] = (
        bool(trained) and not decided.empty and (decided.min().date().isoformat() <= str(trained))
    )
    if result["in_sample"]:
        result["warning"] = (
            f"The card was learned from deals up to {trained}; figures on those deals are "
            "optimistic. Judge it on deals closed after that date."
        )
    return result
