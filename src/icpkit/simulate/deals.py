"""The sales history: when deals are created, how long they take, who wins, what they are worth.

Win odds follow the planted profile and its effect sizes (:mod:`~icpkit.simulate.planted`),
plus the trigger and champion flags drawn beside the deals; with a planted move upmarket, the
profile a deal is judged by depends on when it is decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from icpkit.simulate import world
from icpkit.simulate.accounts import AccountTraits
from icpkit.simulate.numeric import as_dates, probabilities, round_significant, sigmoid
from icpkit.simulate.planted import (
    CHAMPION_SHARE,
    CYCLE_DAYS_RANGE,
    CYCLE_MEDIAN_DAYS,
    CYCLE_SIGMA,
    DEAL_AMOUNT_EXPONENT,
    DEAL_AMOUNT_SCALE,
    DEAL_AMOUNT_SIGMA,
    DEALS_PER_ACCOUNT,
    ICP_EMPLOYEES,
    ICP_MIN_MATCHES,
    SMALL_ICP_EMPLOYEES,
    SOURCE_LOGIT,
    UNSERVED_LOGIT,
    WIN_LOGIT,
    WIN_LOGIT_NOISE_SIGMA,
)


@dataclass
class DealPlan:
    """Per-deal arrays, sorted by creation date (index = deal position)."""

    account: np.ndarray  # account position
    created: np.ndarray  # day number (days since 1970-01-01)
    cycle: np.ndarray  # days from creation to close, were the deal to close
    forced_lost: np.ndarray  # the first of two deals at one account is always a loss
    source: np.ndarray
    champion: np.ndarray  # a Director in Data/Engineering champions the deal
    # Filled in once the signals exist: a trigger event shortly before creation, then the result.
    trigger: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    outcome: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))


def plan_deals(
    rng: np.random.Generator, traits: AccountTraits, start_day: int, end_day: int
) -> DealPlan:
    """When each deal is created and how long it would take to close.

    Most accounts get one deal created uniformly over the period. Accounts with two get an
    earlier deal in the first 60% of the period, always lost, and a second one 30-270 days after
    it closed; when that would fall after ``end`` only the earlier deal remains, and it is then
    decided like any other.
    """
    n = len(traits.ids)
    span = end_day - start_day
    deals_per_account = rng.choice(3, size=n, p=DEALS_PER_ACCOUNT)
    single = np.flatnonzero(deals_per_account == 1)
    double = np.flatnonzero(deals_per_account == 2)

    earlier_created = start_day + rng.integers(0, int(0.6 * span) + 1, len(double))
    earlier_cycle = _cycle_days(rng, traits.in_icp[double])
    later_created = earlier_created + earlier_cycle + rng.integers(30, 271, len(double))
    has_later = later_created <= end_day
    single_created = start_day + rng.integers(0, span + 1, len(single))

    main_account = np.concatenate([single, double[has_later]])
    main_created = np.concatenate([single_created, later_created[has_later]])
    main_cycle = _cycle_days(rng, traits.in_icp[main_account])

    account = np.concatenate([main_account, double])
    created = np.concatenate([main_created, earlier_created])
    cycle = np.concatenate([main_cycle, earlier_cycle])
    forced_lost = np.concatenate([np.zeros(len(main_account), dtype=bool), has_later])

    order = np.lexsort((account, created))
    n_deals = len(order)
    sources = np.array(list(world.DEAL_SOURCES), dtype=object)
    return DealPlan(
        account=account[order],
        created=created[order],
        cycle=cycle[order],
        forced_lost=forced_lost[order],
        source=sources[rng.choice(len(sources), n_deals, p=probabilities(world.DEAL_SOURCES))],
        champion=rng.random(n_deals) < CHAMPION_SHARE,
    )


def _cycle_days(rng: np.random.Generator, in_icp: np.ndarray) -> np.ndarray:
    """Log-normal sales cycles; ICP accounts know what they want and close about twice as fast."""
    median = np.where(in_icp, CYCLE_MEDIAN_DAYS["icp"], CYCLE_MEDIAN_DAYS["other"])
    days = median * np.exp(CYCLE_SIGMA * rng.standard_normal(len(in_icp)))
    return np.clip(np.rint(days), *CYCLE_DAYS_RANGE).astype(np.int64)


def decide_outcomes(
    rng: np.random.Generator,
    traits: AccountTraits,
    deals: DealPlan,
    end_day: int,
    shift_day: int | None = None,
) -> np.ndarray:
    account = deals.account
    icp_employees, in_icp = _fit_at_decision(traits, deals, shift_day)
    logit = (
        WIN_LOGIT["intercept"]
        + WIN_LOGIT["icp_industry"] * traits.icp_industry[account]
        + WIN_LOGIT["icp_employees"] * icp_employees
        + WIN_LOGIT["icp_technology"] * traits.icp_technology[account]
        + WIN_LOGIT["icp_fit"] * in_icp
        + _unserved(traits, deals, shift_day)  # 0.0 without a move: the sum is unchanged
        + WIN_LOGIT["anti_icp_small"] * traits.anti_icp_small[account]
        + WIN_LOGIT["anti_icp_industry"] * traits.anti_icp_industry[account]
        + WIN_LOGIT["trigger"] * deals.trigger
        + WIN_LOGIT["champion"] * deals.champion
        + pd.Series(deals.source).map(SOURCE_LOGIT).to_numpy(dtype=float)
        + WIN_LOGIT_NOISE_SIGMA * rng.standard_normal(len(account))
    )
    won = rng.random(len(account)) < sigmoid(logit)
    closed = deals.created + deals.cycle <= end_day
    return np.where(~closed, "open", np.where(won & ~deals.forced_lost, "won", "lost"))


# --- Drift -------------------------------------------------------------------------------------


def _fit_at_decision(
    traits: AccountTraits, deals: DealPlan, shift_day: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per deal: does the account sit in the ICP size band, and in the ICP, as the market sees
    it when the deal is decided. Without a move that is always the planted profile."""
    account = deals.account
    if shift_day is None:
        return traits.icp_employees[account], traits.in_icp[account]
    small_employees, small_icp = small_company_icp(traits)
    before = deals.created + deals.cycle < shift_day
    return (
        np.where(before, small_employees[account], traits.icp_employees[account]),
        np.where(before, small_icp[account], traits.in_icp[account]),
    )


def _unserved(traits: AccountTraits, deals: DealPlan, shift_day: int | None) -> np.ndarray | float:
    """Extra logit for deals at companies the product does not serve when they are decided:
    above the small-company band before the move, below the mid-market band after it."""
    if shift_day is None:
        return 0.0
    after = deals.created + deals.cycle >= shift_day
    employees = traits.employees[deals.account]
    too_big = ~after & (employees > SMALL_ICP_EMPLOYEES[1])
    priced_out = after & (employees < ICP_EMPLOYEES[0])
    return UNSERVED_LOGIT * (too_big | priced_out)


def small_company_icp(traits: AccountTraits) -> tuple[np.ndarray, np.ndarray]:
    """Per account: in the small-company size band, and in the ICP it made before the move."""
    low, high = SMALL_ICP_EMPLOYEES
    in_band = (traits.employees >= low) & (traits.employees <= high)
    matches = traits.icp_industry.astype(int) + in_band + traits.icp_technology
    return in_band, (matches >= ICP_MIN_MATCHES) & ~traits.anti_icp


def deal_table(rng: np.random.Generator, traits: AccountTraits, deals: DealPlan) -> pd.DataFrame:
    n = len(deals.account)
    width = max(6, len(str(n)))
    deal_ids = np.array([f"DEAL-{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    won = deals.outcome == "won"
    lost = deals.outcome == "lost"
    closed = won | lost

    # Bigger companies buy more seats: amount grows with a power of headcount.
    size = traits.employees[deals.account].astype(float) ** DEAL_AMOUNT_EXPONENT
    noise = np.exp(DEAL_AMOUNT_SIGMA * rng.standard_normal(n))
    amount = round_significant(np.maximum(DEAL_AMOUNT_SCALE * size * noise, 1_000), 3)

    open_stages = np.array(list(world.OPEN_STAGES), dtype=object)
    open_stage = open_stages[rng.choice(len(open_stages), n, p=probabilities(world.OPEN_STAGES))]
    stage = np.where(won, world.WON_STAGE, np.where(lost, world.LOST_STAGE, open_stage))
    reasons = np.array(list(world.LOST_REASONS), dtype=object)
    reason = reasons[rng.choice(len(reasons), n, p=probabilities(world.LOST_REASONS))]

    return pd.DataFrame(
        {
            "deal_id": pd.array(deal_ids, dtype="str"),
            "account_id": pd.array(traits.ids[deals.account], dtype="str"),
            "created_at": as_dates(deals.created),
            "closed_at": as_dates(deals.created + deals.cycle, missing=~closed),
            "outcome": pd.array(deals.outcome, dtype="str"),
            "amount": amount,
            "stage": pd.array(stage, dtype="str"),
            "source": pd.array(deals.source, dtype="str"),
            # None makes an object array; numpy's stubs accept no None in np.where.
            "lost_reason": pd.array(np.where(lost, reason, None), dtype="str"),  # type: ignore[call-overload]
        }
    )
