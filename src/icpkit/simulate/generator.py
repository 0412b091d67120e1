"""A synthetic CRM whose Ideal Customer Profile is known in advance.

Discovery, the scorecard and validation can only be tested honestly against data where the right
answer is known. :func:`make_crm` draws a realistic company universe (sizes, industries, revenue,
countries, funding, tech stacks), runs a sales history on it in which a *planted* profile wins
more often, closes faster, churns less and expands more, and returns the canonical tables together
with ``truth``: the planted profile and the win rates it produced. Everything is vectorised with
numpy and driven by one ``numpy.random.default_rng(seed)``, so a (size, seed) pair always gives
the same CRM. The steps, in the order they draw from that generator, live in their own modules:
accounts, deals, signals, contacts, customers; what is planted is in
:mod:`~icpkit.simulate.planted`, and the truth is counted by :mod:`~icpkit.simulate.truth`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from icpkit.simulate.accounts import draw_accounts
from icpkit.simulate.contacts import draw_contacts
from icpkit.simulate.customers import draw_customers
from icpkit.simulate.deals import deal_table, decide_outcomes, plan_deals
from icpkit.simulate.numeric import day_number
from icpkit.simulate.signals import draw_signals, signal_table, trigger_flags
from icpkit.simulate.truth import describe_drift, describe_truth
from icpkit.simulate.winloss import draw_winloss


@dataclass
class SimulatedCRM:
    """The canonical tables of one simulated CRM, plus the profile planted in it.

    ``accounts``, ``deals``, ``contacts``, ``signals`` and ``customers`` are canonical tables,
    as ``icpkit.read_crm`` returns them (``accounts`` has one extra column,
    ``crm_segment_code``, planted as noise). ``deal_details`` holds per deal the competitor and
    the loss-reason detail a rep typed; ``notes`` the call notes and win-loss reviews, by deal.

    ``truth`` (JSON-serialisable, written as ``truth.json``) says what a build should find:

    - ``icp``, ``icp_min_matches``, ``anti_icp``: the planted profiles as segment conditions
      (the shape of ``segments.json``); an account is in the ICP when it meets at least
      ``icp_min_matches`` ICP conditions and no anti-ICP one;
    - ``noise_attributes``, ``no_direct_effect``, ``correlated_attributes``: the attributes a
      build should not credit, and those that only echo another;
    - ``win_model``: every effect size (the logit of winning) and the lead-source effect;
    - ``trigger``, ``champion``: the planted timing signal and buying persona, with the win
      rates and shares realised;
    - ``sales_cycle_median_days``, ``customers``: faster cycles, less churn and more expansion
      inside the ICP, planted and realised;
    - ``deals``, ``icp_accounts``, ``anti_icp_accounts``, ``base_win_rate``,
      ``win_rate_in_icp``, ``win_rate_outside_icp``, ``win_rate_anti_icp``,
      ``lift_in_vs_out``: what this draw realised;
    - ``winloss``: the competitor, loss reasons and note themes planted (see
      :mod:`~icpkit.simulate.winloss`);
    - ``drift`` (only with ``upmarket_from``): the move upmarket and the rates before and after.
    """

    accounts: pd.DataFrame  # schema.ACCOUNTS columns + crm_segment_code
    deals: pd.DataFrame  # schema.DEALS columns
    contacts: pd.DataFrame  # schema.CONTACTS columns
    signals: pd.DataFrame  # schema.SIGNALS columns
    customers: pd.DataFrame  # schema.CUSTOMERS columns
    truth: dict
    deal_details: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: pd.DataFrame = field(default_factory=pd.DataFrame)


def make_crm(
    n_accounts: int = 3000,
    seed: int = 0,
    *,
    start: date = date(2023, 1, 1),
    end: date = date(2025, 12, 31),
    upmarket_from: date | None = None,
) -> SimulatedCRM:
    """Simulate ``n_accounts`` companies (at least 1; default 3,000, as ``icpkit simulate``)
    and their sales history between ``start`` and ``end``.

    The same ``(n_accounts, seed, start, end)`` always gives identical tables. ``truth`` holds
    the planted ICP and anti-ICP, the attributes that carry no signal, the planted trigger and
    champion persona, the effect sizes, and the win rates realised in this draw (see
    :class:`SimulatedCRM`). Deals whose close would fall after ``end`` stay open.

    ``upmarket_from`` (default: none) plants drift, a move from small companies to mid-market:
    deals decided before that date win as if the ICP's size band were ``SMALL_ICP_EMPLOYEES``;
    deals decided on or after it follow ``ICP_EMPLOYEES``. The sizes the company does not serve
    at the time (above the small band before, below the mid-market band after) lose
    ``UNSERVED_LOGIT``. The draw is otherwise the same, and ``truth["drift"]`` describes the
    move.
    """
    if n_accounts < 1:
        raise ValueError(f"n_accounts must be at least 1, got {n_accounts}")
    if end <= start:
        raise ValueError(f"end ({end}) must come after start ({start})")
    rng = np.random.default_rng(seed)
    start_day, end_day = day_number(start), day_number(end)

    accounts, traits = draw_accounts(rng, n_accounts, start)
    deals = plan_deals(rng, traits, start_day, end_day)
    signals = draw_signals(rng, traits, deals, start_day, end_day)
    deals.trigger = trigger_flags(deals, signals)
    shift_day = None if upmarket_from is None else day_number(upmarket_from)
    deals.outcome = decide_outcomes(rng, traits, deals, end_day, shift_day)
    deal_frame = deal_table(rng, traits, deals)
    contacts = draw_contacts(rng, traits, deals, deal_frame["deal_id"].to_numpy())
    customers = draw_customers(rng, traits, deals, deal_frame, end_day)
    signal_frame = signal_table(traits, signals)

    truth = describe_truth(
        n_accounts, seed, start, end, traits, deals, contacts, deal_frame, customers
    )
    deal_details, notes, truth["winloss"] = draw_winloss(
        seed, traits, deals, deal_frame["deal_id"].to_numpy()
    )
    if shift_day is not None and upmarket_from is not None:
        truth["drift"] = describe_drift(traits, deals, shift_day, upmarket_from)
    return SimulatedCRM(
        accounts=accounts,
        deals=deal_frame,
        contacts=contacts,
        signals=signal_frame,
        customers=customers,
        truth=truth,
        deal_details=deal_details,
        notes=notes,
    )
