"""What happened after a win: renewals, churn and revenue growth, by fit to the planted ICP."""

from __future__ import annotations

import numpy as np
import pandas as pd

from icpkit.simulate.accounts import AccountTraits
from icpkit.simulate.deals import DealPlan
from icpkit.simulate.numeric import as_dates, round_significant
from icpkit.simulate.planted import ARR_GROWTH_SIGMA, ARR_LOG_GROWTH_PER_YEAR, CHURN_PER_RENEWAL


def draw_customers(
    rng: np.random.Generator,
    traits: AccountTraits,
    deals: DealPlan,
    deal_frame: pd.DataFrame,
    end_day: int,
) -> pd.DataFrame:
    """One row per won account: renewals, churn and expansion follow fit.

    Churn happens at yearly renewals (ICP 6%, others 18%, anti-ICP 40% per renewal); revenue
    drifts log-normally per year as customer, upwards for ICP accounts, so ``arr / arr_start``
    (net revenue retention) is higher inside the ICP.
    """
    won = np.flatnonzero(deals.outcome == "won")
    account = deals.account[won]
    if len(np.unique(account)) != len(account):
        raise AssertionError("an account won more than one deal")
    group = np.where(
        traits.anti_icp[account], "anti_icp", np.where(traits.in_icp[account], "icp", "other")
    )
    start = deals.created[won] + deals.cycle[won]
    renewals_passed = (end_day - start) // 365
    churn_p = pd.Series(group).map(CHURN_PER_RENEWAL).to_numpy(dtype=float)
    failed_renewal = rng.geometric(churn_p)
    churned = failed_renewal <= renewals_passed
    end = np.where(churned, start + 365 * failed_renewal, end_day)

    years = (end - start) / 365
    drift = pd.Series(group).map(ARR_LOG_GROWTH_PER_YEAR).to_numpy(dtype=float)
    growth = drift * years + ARR_GROWTH_SIGMA * np.sqrt(years) * rng.standard_normal(len(won))
    arr_start = round_significant(
        deal_frame["amount"].to_numpy()[won] * np.exp(0.05 * rng.standard_normal(len(won))), 3
    )
    arr = round_significant(arr_start * np.exp(growth), 3)

    order = np.argsort(account, kind="stable")
    return pd.DataFrame(
        {
            "account_id": pd.array(traits.ids[account][order], dtype="str"),
            "start": as_dates(start[order]),
            "end": as_dates(end[order], missing=~churned[order]),
            "churned": churned[order],
            "arr_start": arr_start[order],
            "arr": arr[order],
        }
    )
