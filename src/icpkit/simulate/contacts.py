"""The buying committee of each deal: titles, functions, seniority and buying roles, with the
planted champion persona on the deals that have one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from icpkit.simulate import world
from icpkit.simulate.accounts import AccountTraits
from icpkit.simulate.deals import DealPlan
from icpkit.simulate.numeric import probabilities
from icpkit.simulate.planted import CHAMPION_DEPARTMENTS, CHAMPION_SENIORITY


def draw_contacts(
    rng: np.random.Generator, traits: AccountTraits, deals: DealPlan, deal_ids: np.ndarray
) -> pd.DataFrame:
    """1-6 people per deal (more at bigger companies) with a title, function and buying role.

    Deals flagged ``champion`` get a Director in Data or Engineering as Champion; elsewhere that
    exact persona never champions, so the persona's effect on winning is exactly the planted one.
    """
    n_deals = len(deals.account)
    deal_employees = traits.employees[deals.account]
    extra_p = 0.2 + 0.12 * np.clip(np.log10(deal_employees), 0, 4)
    per_deal = 1 + rng.binomial(5, extra_p)
    deal = np.repeat(np.arange(n_deals), per_deal)
    first_of_deal = np.zeros(len(deal), dtype=bool)
    first_of_deal[np.concatenate([[0], np.cumsum(per_deal)[:-1]])] = True
    account = deals.account[deal]
    m = len(deal)

    small = traits.employees[account] < 50
    mix_draw = rng.random(m)
    seniority_position = np.where(
        small,
        np.searchsorted(np.cumsum(world.SENIORITY_MIX_SMALL), mix_draw, side="right"),
        np.searchsorted(np.cumsum(world.SENIORITY_MIX_LARGE), mix_draw, side="right"),
    )
    seniority = np.array(world.SENIORITIES, dtype=object)[
        np.minimum(seniority_position, len(world.SENIORITIES) - 1)
    ]
    title = np.empty(m, dtype=object)
    department = np.empty(m, dtype=object)
    title_draw = rng.integers(0, 1_000_000, m)
    for level in world.SENIORITIES:
        rows = np.flatnonzero(seniority == level)
        _assign_titles(title, department, seniority, rows, title_draw, _titles_at(level))

    language = pd.Series(traits.country[account]).map(world.COUNTRY_LANGUAGE).to_numpy()
    local = rng.random(m) < world.LOCAL_TITLE_SHARE
    for code, titles in world.LOCAL_TITLES.items():
        rows = np.flatnonzero(local & (language == code))
        _assign_titles(title, department, seniority, rows, title_draw, titles)

    role = np.empty(m, dtype=object)
    for level, role_weights in world.BUYING_ROLE_BY_SENIORITY.items():
        rows = np.flatnonzero(seniority == level)
        roles = np.array(list(role_weights), dtype=object)
        role[rows] = roles[rng.choice(len(roles), len(rows), p=probabilities(role_weights))]

    persona_titles = tuple(
        t for t in world.JOB_TITLES
        if t[2] == CHAMPION_SENIORITY and t[1] in CHAMPION_DEPARTMENTS
    )  # fmt: skip
    is_persona = (seniority == CHAMPION_SENIORITY) & np.isin(department, CHAMPION_DEPARTMENTS)
    role[is_persona & (role == "Champion") & ~deals.champion[deal]] = "Technical Evaluator"
    rows = np.flatnonzero(first_of_deal & deals.champion[deal])
    _assign_titles(title, department, seniority, rows, title_draw, persona_titles)
    role[rows] = "Champion"

    width = max(7, len(str(m)))
    return pd.DataFrame(
        {
            "contact_id": pd.array([f"CON-{i:0{width}d}" for i in range(1, m + 1)], dtype="str"),
            "account_id": pd.array(traits.ids[account], dtype="str"),
            "deal_id": pd.array(deal_ids[deal], dtype="str"),
            "title": pd.array(title, dtype="str"),
            "department": pd.array(department, dtype="str"),
            "seniority": pd.array(seniority, dtype="str"),
            "buying_role": pd.array(role, dtype="str"),
        }
    )


def _titles_at(seniority: str) -> tuple[tuple[str, str, str], ...]:
    return tuple(t for t in world.JOB_TITLES if t[2] == seniority)


def _assign_titles(
    title: np.ndarray,
    department: np.ndarray,
    seniority: np.ndarray,
    rows: np.ndarray,
    draw: np.ndarray,
    catalogue: tuple[tuple[str, str, str], ...],
) -> None:
    picked = np.array(catalogue, dtype=object)[draw[rows] % len(catalogue)]
    title[rows], department[rows], seniority[rows] = picked[:, 0], picked[:, 1], picked[:, 2]
