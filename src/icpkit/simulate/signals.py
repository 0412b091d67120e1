"""Trigger events and background signals, and which deals followed a trigger.

A share of deals is planted just after an executive hire or a funding round; every type of
event also falls at random on every account, so only the planted timing carries signal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from icpkit.simulate import world
from icpkit.simulate.accounts import AccountTraits
from icpkit.simulate.deals import DealPlan
from icpkit.simulate.numeric import as_dates, compact_usd, round_significant
from icpkit.simulate.planted import (
    TRIGGER_FUNDING_SHARE,
    TRIGGER_PLANT_SHARE,
    TRIGGER_TYPES,
    TRIGGER_WINDOW_DAYS,
)

_SIGNAL_TYPES = tuple(world.SIGNAL_RATES)
_FUNDED_STAGES = (*world.VENTURE_STAGES, "private_equity")


def draw_signals(
    rng: np.random.Generator, traits: AccountTraits, deals: DealPlan, start_day: int, end_day: int
) -> pd.DataFrame:
    """Trigger events planted just before a share of deals, plus background events everywhere.

    Background events of every type fall uniformly from a year before ``start`` to ``end``,
    whatever the account, so web visits and job posts carry no signal about winning.
    """
    n_deals = len(deals.account)
    funded = np.isin(traits.funding_stage, _FUNDED_STAGES)
    planted = rng.random(n_deals) < TRIGGER_PLANT_SHARE
    as_funding = funded[deals.account] & (rng.random(n_deals) < TRIGGER_FUNDING_SHARE)
    lag = rng.integers(1, TRIGGER_WINDOW_DAYS + 1, n_deals)
    accounts = [deals.account[planted]]
    kinds = [np.where(as_funding, "funding", "executive_hire")[planted].astype(object)]
    days = [(deals.created - lag)[planted]]

    for signal_type, rate in world.SIGNAL_RATES.items():
        funding = signal_type == "funding"
        eligible = np.flatnonzero(funded) if funding else np.arange(len(traits.ids))
        account = np.repeat(eligible, rng.poisson(rate, len(eligible)))
        accounts.append(account)
        kinds.append(np.full(len(account), signal_type, dtype=object))
        days.append(rng.integers(start_day - 365, end_day + 1, len(account)))

    account = np.concatenate(accounts)
    kind = np.concatenate(kinds)
    day = np.concatenate(days)
    kind_code = pd.Categorical(kind, categories=_SIGNAL_TYPES).codes
    order = np.lexsort((kind_code, day, account))
    detail = _signal_details(rng, traits, account, kind)
    return pd.DataFrame(
        {"account": account[order], "type": kind[order], "day": day[order], "detail": detail[order]}
    )


def _signal_details(
    rng: np.random.Generator, traits: AccountTraits, account: np.ndarray, kind: np.ndarray
) -> np.ndarray:
    detail = np.empty(len(kind), dtype=object)
    catalogues = {
        "executive_hire": world.EXECUTIVE_HIRES,
        "job_post": world.JOB_POSTS,
        "web_visit": world.WEB_VISITS,
    }
    for name, catalogue in catalogues.items():
        rows = np.flatnonzero(kind == name)
        detail[rows] = np.array(catalogue, dtype=object)[rng.integers(0, len(catalogue), len(rows))]

    rows = np.flatnonzero(kind == "funding")
    stage = traits.funding_stage[account[rows]]
    median = np.array([world.ROUND_MEDIAN[s] for s in stage], dtype=float)
    size = round_significant(median * np.exp(0.4 * rng.standard_normal(len(rows))), 2)
    detail[rows] = [
        f"{compact_usd(amount)} private equity investment"
        if s == "private_equity"
        else f"Raised {compact_usd(amount)} {world.ROUND_LABELS[s]}"
        for s, amount in zip(stage, size, strict=True)
    ]
    return detail


def trigger_flags(deals: DealPlan, signals: pd.DataFrame) -> np.ndarray:
    """True for deals created 0-60 days after a trigger event at the same account."""
    triggers = signals.loc[signals["type"].isin(TRIGGER_TYPES), ["account", "day"]]
    pairs = pd.DataFrame(
        {"deal": np.arange(len(deals.account)), "account": deals.account, "created": deals.created}
    ).merge(triggers, on="account")
    lag = pairs["created"].to_numpy() - pairs["day"].to_numpy()
    hit = pairs["deal"].to_numpy()[(lag >= 0) & (lag <= TRIGGER_WINDOW_DAYS)]
    flags = np.zeros(len(deals.account), dtype=bool)
    flags[hit] = True
    return flags


def signal_table(traits: AccountTraits, signals: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": pd.array(traits.ids[signals["account"].to_numpy()], dtype="str"),
            "type": pd.array(signals["type"].to_numpy(), dtype="str"),
            "occurred_at": as_dates(signals["day"].to_numpy()),
            "detail": pd.array(signals["detail"].to_numpy(), dtype="str"),
        }
    )
