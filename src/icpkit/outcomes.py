"""From deals to the rows an ICP is learned from: one per closed deal, won or lost.

Win rate is a property of deals (closed-won over closed), and a company can close several: a
lost first attempt and a won second one, or one deal a quarter for years. Each closed deal is
one row carrying its account's attributes.
"""

from __future__ import annotations

import pandas as pd

# Canonical deal columns that are the outcome itself, or recorded only once it is known.
LEAKY_DEAL_COLUMNS = frozenset(
    {
        "deal_id",
        "account_id",
        "outcome",
        "stage",
        "closed_at",
        "created_at",
        "lost_reason",
        "lost_reason_detail",
        "amount",
        "probability",
        "forecast_category",
        "close_value",
        "won",
        "decided_at",
        "cycle_days",
        "closed_deals",
    }
)

COLUMNS = ["deal_id", "account_id", "won", "decided_at", "cycle_days", "amount"]


def closed_deals(deals: pd.DataFrame) -> pd.DataFrame:
    """Closed deals with ``won`` (1/0), ``decided_at`` (close date), ``cycle_days`` and
    ``amount``; open deals are left out (they have no outcome yet)."""
    closed = deals[deals["outcome"].isin(["won", "lost"])]
    if closed.empty:
        return pd.DataFrame(columns=COLUMNS)
    decided = _dates(closed, "closed_at")
    created = _dates(closed, "created_at")
    out = pd.DataFrame(
        {
            "deal_id": closed["deal_id"] if "deal_id" in closed else closed.index.astype(str),
            "account_id": closed["account_id"],
            "won": (closed["outcome"] == "won").astype(int),
            "decided_at": decided,
            "cycle_days": (decided - created).dt.days,
            "amount": pd.to_numeric(closed.get("amount"), errors="coerce")
            if "amount" in closed
            else float("nan"),
        }
    )
    out = out.reset_index(drop=True)
    for column in deal_attribute_columns(closed):
        out[column] = closed[column].to_numpy()
    return out


def deal_attribute_columns(deals: pd.DataFrame) -> list[str]:
    """Deal columns that describe the deal before it closed (lead source, competitor, RFP):
    the outcome, its dates and values recorded at close are left out, since they leak it."""
    return [
        c
        for c in deals.columns
        if c not in LEAKY_DEAL_COLUMNS and not c.endswith(("_raw", "_currency", "_id"))
    ]


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce")
