"""From deals to the rows an ICP is learned from: one per closed deal, won or lost.

Win rate is a property of deals (closed-won over closed), and a company can close several: a
lost first attempt and a won second one, or one deal a quarter for years. Each closed deal is
one row carrying its account's attributes.
"""

from __future__ import annotations

import pandas as pd

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
    return out.reset_index(drop=True)


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce")
