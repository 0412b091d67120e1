"""The simulated company universe: who the accounts are, and where each stands to the ICP.

Sizes, industries, revenue, countries, age, funding and tech stacks are drawn from the
distributions in :mod:`~icpkit.simulate.world`, correlated as they are in real firmographic
data (bigger companies are older, raise later rounds and run more tools). Each account's
standing to the planted profile (:mod:`~icpkit.simulate.planted`) is worked out here once, as
:class:`AccountTraits`, for the sales history to use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from icpkit import schema
from icpkit.simulate import world
from icpkit.simulate.numeric import per_industry, probabilities, round_significant, sigmoid
from icpkit.simulate.planted import (
    ANTI_ICP_INDUSTRIES,
    ANTI_ICP_MAX_EMPLOYEES,
    ICP_EMPLOYEES,
    ICP_INDUSTRIES,
    ICP_MIN_MATCHES,
    ICP_TECHNOLOGY,
    SEGMENT_CODES,
)


@dataclass
class AccountTraits:
    """Per-account arrays the later steps of the simulation need (index = account position)."""

    ids: np.ndarray
    industry: np.ndarray
    employees: np.ndarray
    country: np.ndarray
    funding_stage: np.ndarray  # object: stage or None
    in_icp: np.ndarray
    anti_icp: np.ndarray
    icp_industry: np.ndarray
    icp_employees: np.ndarray
    icp_technology: np.ndarray
    anti_icp_small: np.ndarray
    anti_icp_industry: np.ndarray


def draw_accounts(
    rng: np.random.Generator, n: int, start: date
) -> tuple[pd.DataFrame, AccountTraits]:
    industries = np.array(schema.INDUSTRIES, dtype=object)
    industry_idx = rng.choice(len(industries), size=n, p=probabilities(world.INDUSTRY_WEIGHTS))
    industry = industries[industry_idx]

    size_shift = per_industry(world.INDUSTRY_SIZE_SHIFT)[industry_idx]
    log_employees = (
        np.log(world.EMPLOYEES_MEDIAN) + size_shift + world.EMPLOYEES_SIGMA * rng.standard_normal(n)
    )
    employees = np.maximum(1, np.rint(np.exp(log_employees))).astype(np.int64)
    relative_size = employees / world.EMPLOYEES_MEDIAN

    revenue_per_head = per_industry(world.REVENUE_PER_EMPLOYEE)[industry_idx]
    revenue_per_head = revenue_per_head * relative_size**world.REVENUE_SIZE_ELASTICITY
    revenue_noise = np.exp(world.REVENUE_NOISE_SIGMA * rng.standard_normal(n))
    annual_revenue = round_significant(employees * revenue_per_head * revenue_noise, 3)

    country_codes = np.array(list(world.COUNTRIES), dtype=object)
    country_idx = rng.choice(
        len(country_codes),
        size=n,
        p=probabilities({code: share for code, (share, _, _) in world.COUNTRIES.items()}),
    )
    country = country_codes[country_idx]
    region = np.array([region for _, region, _ in world.COUNTRIES.values()], dtype=object)
    region = region[country_idx]

    # Bigger companies have been around longer.
    log_age = (
        np.log(world.AGE_MEDIAN_YEARS)
        + world.AGE_SIZE_ELASTICITY * np.log(relative_size)
        + world.AGE_SIGMA * rng.standard_normal(n)
    )
    age = np.clip(np.rint(np.exp(log_age)), 1, 150).astype(np.int64)
    founded_year = start.year + 1 - age

    funding_stage, total_funding = _draw_funding(rng, industry_idx, employees, age)
    technologies, adopted = _draw_technologies(rng, industry_idx, employees)
    names, domains = _company_names(rng, industry, country)
    segment_code = np.array(SEGMENT_CODES, dtype=object)[rng.integers(0, len(SEGMENT_CODES), n)]

    width = max(6, len(str(n)))
    ids = np.array([f"ACC-{i:0{width}d}" for i in range(1, n + 1)], dtype=object)

    icp_industry = np.isin(industry, ICP_INDUSTRIES)
    icp_employees = (employees >= ICP_EMPLOYEES[0]) & (employees <= ICP_EMPLOYEES[1])
    icp_technology = adopted[:, list(world.TECHNOLOGIES).index(ICP_TECHNOLOGY)]
    icp_matches = icp_industry.astype(int) + icp_employees + icp_technology
    anti_icp_small = employees <= ANTI_ICP_MAX_EMPLOYEES
    anti_icp_industry = np.isin(industry, ANTI_ICP_INDUSTRIES)
    anti_icp = anti_icp_small | anti_icp_industry
    traits = AccountTraits(
        ids=ids,
        industry=industry,
        employees=employees,
        country=country,
        funding_stage=funding_stage,
        # A disqualifier overrides fit: a 10-person Snowflake shop is not in the ICP.
        in_icp=(icp_matches >= ICP_MIN_MATCHES) & ~anti_icp,
        anti_icp=anti_icp,
        icp_industry=icp_industry,
        icp_employees=icp_employees,
        icp_technology=icp_technology,
        anti_icp_small=anti_icp_small,
        anti_icp_industry=anti_icp_industry,
    )

    accounts = pd.DataFrame(
        {
            "account_id": pd.array(ids, dtype="str"),
            "name": pd.array(names, dtype="str"),
            "domain": pd.array(domains, dtype="str"),
            "industry": pd.array(industry, dtype="str"),
            "employees": employees,
            "annual_revenue": annual_revenue,
            "country": pd.array(country, dtype="str"),
            "region": pd.array(region, dtype="str"),
            "founded_year": founded_year,
            "funding_stage": pd.array(funding_stage, dtype="str"),
            "total_funding": total_funding,
            "technologies": pd.Series(technologies, dtype=object),
            "crm_segment_code": pd.array(segment_code, dtype="str"),
        }
    )
    return accounts, traits


def _draw_funding(
    rng: np.random.Generator, industry_idx: np.ndarray, employees: np.ndarray, age: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Funding stage follows size and age: young small firms raise seed, giants are public."""
    n = len(employees)
    log_employees = np.log(employees)
    venture_propensity = per_industry(world.VENTURE_PROPENSITY)[industry_idx]
    can_raise = venture_propensity > 0  # governments and nonprofits have no funding stage

    public_p = sigmoid(1.8 * (log_employees - np.log(8_000))) * can_raise * (age >= 6)
    is_public = rng.random(n) < public_p
    venture_p = venture_propensity * np.where(age < 15, 1.0, 0.4)
    is_venture = ~is_public & (rng.random(n) < venture_p)
    stage_position = np.searchsorted(
        world.VENTURE_STAGE_CUTS, log_employees + 0.6 * rng.standard_normal(n)
    )
    venture_stage = np.array(world.VENTURE_STAGES, dtype=object)[stage_position]
    is_private_equity = (
        can_raise & ~is_public & ~is_venture & (employees >= 200) & (rng.random(n) < 0.2)
    )

    # None makes an object array; numpy's stubs accept no None in np.where.
    stage = np.where(can_raise, "bootstrapped", None).astype(object)  # type: ignore[call-overload]
    stage[is_public] = "public"
    stage[is_venture] = venture_stage[is_venture]
    stage[is_private_equity] = "private_equity"

    median = np.array([world.FUNDING_MEDIAN.get(s, np.nan) for s in stage], dtype=float)
    noise = np.exp(world.FUNDING_SIGMA * rng.standard_normal(n))
    total_funding = round_significant(median * noise, 2)
    return stage, total_funding


def _draw_technologies(
    rng: np.random.Generator, industry_idx: np.ndarray, employees: np.ndarray
) -> tuple[list[list[str]], np.ndarray]:
    """Each tool is adopted with a probability set by industry, size and the rest of the stack."""
    names = list(world.TECHNOLOGIES)
    size = np.log10(employees / world.EMPLOYEES_MEDIAN)
    draws = rng.random((len(employees), len(names)))
    adopted = np.zeros(draws.shape, dtype=bool)
    for column, spec in enumerate(world.TECHNOLOGIES.values()):
        bump = np.array([spec["industry"].get(i, 0.0) for i in schema.INDUSTRIES])[industry_idx]
        logit = spec["base"] + spec["size"] * size + bump
        for other, boost in spec.get("with", {}).items():
            logit = logit + boost * adopted[:, names.index(other)]
        adopted[:, column] = draws[:, column] < sigmoid(logit)
    _, columns = np.nonzero(adopted)
    flat = np.array(names, dtype=object)[columns]
    per_account = np.split(flat, np.cumsum(adopted.sum(axis=1))[:-1])
    return [list(stack) for stack in per_account], adopted


def _company_names(
    rng: np.random.Generator, industry: np.ndarray, country: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unique, plausible names ("Bluebridge Analytics Inc.") and domains derived from them.

    Names are drawn in rounds; a name whose letters (ignoring spaces, case and hyphens) were
    already taken is drawn again, so no two companies share a name or a domain.
    """
    n = len(industry)
    cores = np.empty(n, dtype=object)
    words = np.empty(n, dtype=object)
    taken: set[str] = set()
    pending = np.arange(n)
    for attempt in range(40):
        if len(pending) == 0:
            break
        drawn = _draw_name_words(rng, industry[pending])
        if attempt >= 20:  # a crowded universe: make room with a numeral ("Acme Data 2")
            tail = rng.integers(2, 100, len(pending))
            drawn = [[*parts, str(number)] for parts, number in zip(drawn, tail, strict=True)]
        still_pending = []
        for position, parts in zip(pending, drawn, strict=True):
            key = "".join(parts).lower()
            if key in taken:
                still_pending.append(position)
                continue
            taken.add(key)
            cores[position] = " ".join(parts)
            words[position] = parts
        pending = np.array(still_pending, dtype=np.int64)
    if len(pending):
        raise RuntimeError(f"could not draw {len(pending)} unique company names")

    hyphenated = rng.random(n) < 0.5
    local_tld = rng.random(n) < world.LOCAL_TLD_SHARE
    tech_tld = rng.random(n)
    with_suffix = rng.random(n) < world.LEGAL_SUFFIX_SHARE
    suffix_pick = rng.integers(0, 3, n)

    names = np.empty(n, dtype=object)
    domains = np.empty(n, dtype=object)
    for i in range(n):
        label = ("-" if hyphenated[i] else "").join(w.lower() for w in words[i])
        domains[i] = label + _top_level_domain(industry[i], country[i], local_tld[i], tech_tld[i])
        suffixes = world.LEGAL_SUFFIXES.get(country[i], ("Ltd",))
        if with_suffix[i] and industry[i] not in world.NO_LEGAL_SUFFIX_INDUSTRIES:
            names[i] = f"{cores[i]} {suffixes[suffix_pick[i] % len(suffixes)]}"
        else:
            names[i] = cores[i]
    return names, domains


def _draw_name_words(rng: np.random.Generator, industry: np.ndarray) -> list[list[str]]:
    """One name per row: a root, maybe a second word (glued or spaced), an industry word."""
    n = len(industry)
    roots = rng.integers(0, len(world.NAME_ROOTS), n)
    seconds = rng.integers(0, len(world.NAME_SECOND_WORDS), n)
    has_second = rng.random(n) < world.SECOND_WORD_SHARE
    glued = rng.random(n) < 0.6
    descriptor_pick = rng.integers(0, 1_000_000, n)
    names = []
    for i in range(n):
        root = world.NAME_ROOTS[roots[i]]
        second = world.NAME_SECOND_WORDS[seconds[i]]
        if not has_second[i]:
            head = [root]
        elif glued[i]:
            head = [root + second]
        else:
            head = [root, second.capitalize()]
        descriptors = world.NAME_DESCRIPTORS[industry[i]]
        names.append([*head, *descriptors[descriptor_pick[i] % len(descriptors)].split()])
    return names


def _top_level_domain(industry: str, country: str, local: bool, tech_draw: float) -> str:
    if country == "US" and industry == "Government":
        return ".gov"
    if country == "US" and industry == "Education":
        return ".edu"
    if industry == "Nonprofit":
        return ".org"
    if local and country in world.COUNTRY_TLDS:
        return world.COUNTRY_TLDS[country]
    if industry == "Software" and tech_draw < 0.2:
        return ".io" if tech_draw < 0.14 else ".ai"
    return ".com"
