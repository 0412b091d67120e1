"""From deals to one outcome per account: the unit an ICP describes is the company."""

from __future__ import annotations

import pandas as pd


def account_outcomes(deals: pd.DataFrame) -> pd.DataFrame:
    """One row per account that has a closed deal.

    An account counts as won if any of its deals was won (it became a customer), else lost.
    ``decided_at`` is when that became known: the first won deal's close date, or the last lost
    one's. ``cycle_days`` is that deal's sales cycle; ``amount`` its value.
    """
    closed = deals[deals["outcome"].isin(["won", "lost"])].copy()
    if closed.empty:
        return pd.DataFrame(
            columns=["account_id", "won", "decided_at", "cycle_days", "amount", "closed_deals"]
        )
    closed["won_flag"] = (closed["outcome"] == "won").astype(int)
    for column in ("closed_at", "created_at", "amount"):
        if column not in closed.columns:
            closed[column] = pd.NA
    closed["closed_at"] = pd.to_datetime(closed["closed_at"], errors="coerce")
    closed["created_at"] = pd.to_datetime(closed["created_at"], errors="coerce")
    # Won deals first (earliest first), then lost deals latest first: row 0 decides.
    days = (closed["closed_at"] - pd.Timestamp("1970-01-01")).dt.days.fillna(10**7)
    closed["order_key"] = days.where(closed["won_flag"] == 1, -days)
    closed = closed.sort_values(
        ["account_id", "won_flag", "order_key"], ascending=[True, False, True], kind="stable"
    )
    deciding = closed.groupby("account_id", sort=False).head(1)
    counts = closed.groupby("account_id", sort=False).size()
    out = pd.DataFrame(
        {
            "account_id": deciding["account_id"].to_numpy(),
            "won": deciding["won_flag"].to_numpy(),
            "decided_at": deciding["closed_at"].to_numpy(),
            "cycle_days": (deciding["closed_at"] - deciding["created_at"]).dt.days.to_numpy(),
            "amount": pd.to_numeric(deciding["amount"], errors="coerce").to_numpy(),
        }
    )
    out["closed_deals"] = counts.reindex(out["account_id"]).to_numpy()
    return out.reset_index(drop=True)
