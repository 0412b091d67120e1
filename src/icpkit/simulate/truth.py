"""``truth``: what was planted in a simulated CRM, and what this draw of it realised.

The planted profile comes from :mod:`~icpkit.simulate.planted`; the realised figures (win rates
inside and outside the ICP, with and without a trigger, churn and expansion by fit, the drift's
rates before and after the move) are counted on the tables drawn, so a test can hold a build's
findings against the rates the data really has, not only against the effect sizes.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from icpkit.simulate.accounts import AccountTraits
from icpkit.simulate.deals import DealPlan, small_company_icp
from icpkit.simulate.planted import (
    ARR_LOG_GROWTH_PER_YEAR,
    CHAMPION_DEPARTMENTS,
    CHAMPION_SENIORITY,
    CHURN_PER_RENEWAL,
    CYCLE_MEDIAN_DAYS,
    ICP_EMPLOYEES,
    ICP_MIN_MATCHES,
    NOISE_ATTRIBUTES,
    SMALL_ICP_EMPLOYEES,
    SOURCE_LOGIT,
    TRIGGER_TYPES,
    TRIGGER_WINDOW_DAYS,
    UNSERVED_LOGIT,
    WIN_LOGIT,
    WIN_LOGIT_NOISE_SIGMA,
    anti_icp_conditions,
    icp_conditions,
)


def describe_truth(
    n_accounts: int,
    seed: int,
    start: date,
    end: date,
    traits: AccountTraits,
    deals: DealPlan,
    contacts: pd.DataFrame,
    deal_frame: pd.DataFrame,
    customers: pd.DataFrame,
) -> dict:
    outcome = deals.outcome
    closed = outcome != "open"
    won = outcome == "won"
    in_icp = traits.in_icp[deals.account]
    anti = traits.anti_icp[deals.account]

    def win_rate(mask: np.ndarray) -> float | None:
        decided = mask & closed
        return _rounded(won[decided].sum() / decided.sum()) if decided.any() else None

    def share(values: np.ndarray, mask: np.ndarray) -> float | None:
        return _rounded(values[mask].mean()) if mask.any() else None

    in_rate, out_rate = win_rate(in_icp), win_rate(~in_icp)
    cycle_icp = deals.cycle[closed & in_icp]
    cycle_other = deals.cycle[closed & ~in_icp]

    customer_group = (
        pd.Series(customers["account_id"])
        .map(dict(zip(traits.ids, traits.in_icp, strict=True)))
        .to_numpy(dtype=bool)
    )
    churned = customers["churned"].to_numpy(dtype=bool)
    expanded = (customers["arr"] / customers["arr_start"]).to_numpy() > 1.1

    return {
        "seed": int(seed),
        "n_accounts": int(n_accounts),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "conventions": (
            "min and max are inclusive; win rates are won / (won + lost) over closed deals; "
            "an account is in the ICP when it meets at least icp_min_matches ICP conditions "
            "and no anti-ICP condition, and anti-ICP when it meets any anti-ICP condition"
        ),
        "icp": icp_conditions(),
        "icp_min_matches": ICP_MIN_MATCHES,
        "anti_icp": anti_icp_conditions(),
        "noise_attributes": list(NOISE_ATTRIBUTES),
        "noise_note": (
            "noise attributes have no effect on any outcome and are drawn independently of "
            "everything else; founded_year also has no direct effect, but older companies are "
            "larger, so its win rates differ through employees (confounded, not causal)"
        ),
        "no_direct_effect": ["founded_year", "annual_revenue", "funding_stage", "total_funding"],
        "correlated_attributes": {
            "annual_revenue": ["employees", "industry"],
            "founded_year": ["employees"],
            "funding_stage": ["employees", "founded_year", "industry"],
            "total_funding": ["funding_stage"],
            "technologies": ["industry", "employees"],
        },
        "win_model": {
            "logit": dict(WIN_LOGIT),
            "noise_sigma": WIN_LOGIT_NOISE_SIGMA,
            "source_logit": dict(SOURCE_LOGIT),
            "source_note": "lead source is weakly informative (Referral best, Outbound worst)",
            "repeat_deals": "at accounts with two deals the earlier one is always lost",
        },
        "trigger": {
            "types": list(TRIGGER_TYPES),
            "window_days": TRIGGER_WINDOW_DAYS,
            "rule": "a signal of one of these types occurred 0 to window_days days before the "
            "deal was created",
            "logit": WIN_LOGIT["trigger"],
            "no_signal_types": ["web_visit", "job_post"],
            "deals_with_trigger": int(deals.trigger.sum()),
            "win_rate_with": win_rate(deals.trigger),
            "win_rate_without": win_rate(~deals.trigger),
        },
        "champion": {
            "buying_role": "Champion",
            "departments": list(CHAMPION_DEPARTMENTS),
            "seniority": CHAMPION_SENIORITY,
            "logit": WIN_LOGIT["champion"],
            "share_won": share(deals.champion, won),
            "share_lost": share(deals.champion, closed & ~won),
        },
        "sales_cycle_median_days": {
            "planted": dict(CYCLE_MEDIAN_DAYS),
            "icp": float(np.median(cycle_icp)) if len(cycle_icp) else None,
            "other": float(np.median(cycle_other)) if len(cycle_other) else None,
        },
        "customers": {
            "churn_per_renewal": dict(CHURN_PER_RENEWAL),
            "arr_log_growth_per_year": dict(ARR_LOG_GROWTH_PER_YEAR),
            "churn_rate_icp": share(churned, customer_group),
            "churn_rate_other": share(churned, ~customer_group),
            "expanded_share_icp": share(expanded, customer_group),
            "expanded_share_other": share(expanded, ~customer_group),
        },
        "deals": {
            "total": len(outcome),
            "won": int(won.sum()),
            "lost": int((outcome == "lost").sum()),
            "open": int((~closed).sum()),
        },
        "icp_accounts": int(traits.in_icp.sum()),
        "anti_icp_accounts": int(traits.anti_icp.sum()),
        "base_win_rate": win_rate(np.ones(len(outcome), dtype=bool)),
        "win_rate_in_icp": in_rate,
        "win_rate_outside_icp": out_rate,
        "win_rate_anti_icp": win_rate(anti),
        "lift_in_vs_out": _rounded(in_rate / out_rate) if in_rate and out_rate else None,
    }


def describe_drift(traits: AccountTraits, deals: DealPlan, shift_day: int, moved: date) -> dict:
    decided = deals.outcome != "open"
    won = deals.outcome == "won"
    after = deals.created + deals.cycle >= shift_day
    old_icp = small_company_icp(traits)[1][deals.account]
    new_icp = traits.in_icp[deals.account]

    def rate(mask: np.ndarray) -> float | None:
        mask = mask & decided
        return _rounded(won[mask].sum() / mask.sum()) if mask.any() else None

    return {
        "upmarket_from": moved.isoformat(),
        "rule": "deals decided before upmarket_from win as if the ICP size band were "
        "icp_employees_before; deals decided on or after it follow icp_employees_after",
        "icp_employees_before": list(SMALL_ICP_EMPLOYEES),
        "icp_employees_after": list(ICP_EMPLOYEES),
        "unserved_logit": UNSERVED_LOGIT,
        "unserved": "over 199 employees before upmarket_from, under 200 on and after it",
        "deals_decided_after": int((after & decided).sum()),
        "win_rate_old_icp_before": rate(old_icp & ~after),
        "win_rate_old_icp_after": rate(old_icp & after),
        "win_rate_new_icp_before": rate(new_icp & ~after),
        "win_rate_new_icp_after": rate(new_icp & after),
        "win_rate_before": rate(~after),
        "win_rate_after": rate(after),
    }


def _rounded(value: float) -> float:
    return round(float(value), 4)
