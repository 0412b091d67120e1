"""A synthetic CRM whose Ideal Customer Profile is known in advance.

Discovery, the scorecard and validation can only be tested honestly against data where the right
answer is known. :func:`simulate` draws a realistic company universe (sizes, industries, revenue,
countries, funding, tech stacks), runs a sales history on it in which a *planted* profile wins
more often, closes faster, churns less and expands more, and returns the canonical tables together
with ``truth``: the planted profile and the win rates it produced. Everything is vectorised with
numpy and driven by one ``numpy.random.default_rng(seed)``, so a (size, seed) pair always gives
the same CRM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from icpkit import schema
from icpkit.simulate import world
from icpkit.simulate.winloss import draw_winloss

# --- The planted profile -----------------------------------------------------------------------

ICP_INDUSTRIES = ("Software", "Financial Services")
ICP_EMPLOYEES = (200, 2000)  # inclusive
ICP_TECHNOLOGY = "Snowflake"
ICP_MIN_MATCHES = 2  # an account is in the ICP when it meets at least this many conditions
ANTI_ICP_MAX_EMPLOYEES = 19  # "fewer than 20 employees"
ANTI_ICP_INDUSTRIES = ("Government", "Education")
# Attributes the sales history never looks at and that follow nothing it looks at either.
# founded_year is not among them: older companies are larger, so it tracks employees.
NOISE_ATTRIBUTES = ("country", "region", "crm_segment_code")
SEGMENT_CODES = ("BX", "HS", "JV", "KQ", "LD", "MR", "TZ", "WP")

# Win probability = sigmoid(sum of the effects that apply + normal noise).
WIN_LOGIT: dict[str, float] = {
    "intercept": -2.2,
    "icp_industry": 0.6,
    "icp_employees": 0.6,
    "icp_technology": 0.6,
    "icp_fit": 1.0,  # extra for meeting at least ICP_MIN_MATCHES conditions: the whole profile
    "anti_icp_small": -2.2,
    "anti_icp_industry": -2.0,
    "trigger": 0.9,
    "champion": 1.0,
}
WIN_LOGIT_NOISE_SIGMA = 0.5
# Lead source moves the odds a little: referrals and partners arrive pre-sold.
SOURCE_LOGIT: dict[str, float] = {
    "Referral": 0.5,
    "Partner": 0.3,
    "Inbound": 0.2,
    "Event": 0.0,
    "Outbound": -0.3,
}

TRIGGER_TYPES = ("executive_hire", "funding")
TRIGGER_WINDOW_DAYS = 60
TRIGGER_PLANT_SHARE = 0.25  # deals that follow a trigger event (a cause of the deal's creation)
TRIGGER_FUNDING_SHARE = 0.4  # of planted triggers at funded companies, the share that are rounds

CHAMPION_DEPARTMENTS = ("Data", "Engineering")
CHAMPION_SENIORITY = "Director"
CHAMPION_SHARE = 0.3  # deals with such a champion on the buying committee

DEALS_PER_ACCOUNT = (0.12, 0.75, 0.13)  # P(0 deals), P(1), P(2: an earlier loss, then another)
CYCLE_MEDIAN_DAYS = {"icp": 35, "other": 75}
CYCLE_SIGMA = 0.55
CYCLE_DAYS_RANGE = (3, 400)
DEAL_AMOUNT_SCALE = 5_000  # USD for a one-person company; grows as employees ** 0.45
DEAL_AMOUNT_EXPONENT = 0.45
DEAL_AMOUNT_SIGMA = 0.45

CHURN_PER_RENEWAL = {"icp": 0.06, "other": 0.18, "anti_icp": 0.40}
ARR_LOG_GROWTH_PER_YEAR = {"icp": 0.20, "other": 0.03, "anti_icp": -0.05}
ARR_GROWTH_SIGMA = 0.25

# Drift, only when simulate() is given ``upmarket_from``: the company moves upmarket on that
# date. Before it the product suits small companies: the ICP's size band is small and larger
# companies are out of reach (long security reviews, missing features). From it on prices rise
# and mid-market features ship: deals follow the planted profile (ICP_EMPLOYEES, mid-market)
# and companies below that band are priced out. UNSERVED_LOGIT is the penalty either way.
SMALL_ICP_EMPLOYEES = (20, 199)  # inclusive
UNSERVED_LOGIT = -1.5


@dataclass
class SimulatedCRM:
    """The canonical tables of one simulated CRM, plus the profile planted in it."""

    accounts: pd.DataFrame  # schema.ACCOUNTS columns + crm_segment_code
    deals: pd.DataFrame  # schema.DEALS columns
    contacts: pd.DataFrame  # schema.CONTACTS columns
    signals: pd.DataFrame  # schema.SIGNALS columns
    customers: pd.DataFrame  # schema.CUSTOMERS columns
    truth: dict  # JSON-serialisable: see simulate()
    # Beyond the canonical tables (see simulate.winloss): per deal the competitor and the
    # loss-reason detail a rep typed, and call notes / win-loss reviews keyed by deal.
    deal_details: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class _Accounts:
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


@dataclass
class _Deals:
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


def simulate(
    n_accounts: int,
    seed: int = 0,
    *,
    start: date = date(2023, 1, 1),
    end: date = date(2025, 12, 31),
    upmarket_from: date | None = None,
) -> SimulatedCRM:
    """Simulate ``n_accounts`` companies and their sales history between ``start`` and ``end``.

    The same ``(n_accounts, seed, start, end)`` always gives identical tables. ``truth`` holds
    the planted ICP and anti-ICP (as segment conditions, the shape ``segments.json`` uses), the
    attributes that carry no signal, the planted trigger and champion persona, the effect sizes,
    and the win rates realised in this draw. Deals whose close would fall after ``end`` stay open.

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
    start_day, end_day = _day_number(start), _day_number(end)

    accounts, traits = _draw_accounts(rng, n_accounts, start)
    deals = _plan_deals(rng, traits, start_day, end_day)
    signals = _draw_signals(rng, traits, deals, start_day, end_day)
    deals.trigger = _trigger_flags(deals, signals)
    shift_day = None if upmarket_from is None else _day_number(upmarket_from)
    deals.outcome = _decide_outcomes(rng, traits, deals, end_day, shift_day)
    deal_frame = _deal_frame(rng, traits, deals)
    contacts = _draw_contacts(rng, traits, deals, deal_frame["deal_id"].to_numpy())
    customers = _draw_customers(rng, traits, deals, deal_frame, end_day)
    signal_frame = _signal_frame(traits, signals)

    truth = _truth(n_accounts, seed, start, end, traits, deals, contacts, deal_frame, customers)
    deal_details, notes, truth["winloss"] = draw_winloss(
        seed, traits, deals, deal_frame["deal_id"].to_numpy()
    )
    if shift_day is not None:
        truth["drift"] = _drift_truth(traits, deals, shift_day, upmarket_from)
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


# --- Accounts ----------------------------------------------------------------------------------


def _draw_accounts(rng: np.random.Generator, n: int, start: date) -> tuple[pd.DataFrame, _Accounts]:
    industries = np.array(schema.INDUSTRIES, dtype=object)
    industry_idx = rng.choice(len(industries), size=n, p=_weights(world.INDUSTRY_WEIGHTS))
    industry = industries[industry_idx]

    size_shift = _per_industry(world.INDUSTRY_SIZE_SHIFT)[industry_idx]
    log_employees = (
        np.log(world.EMPLOYEES_MEDIAN) + size_shift + world.EMPLOYEES_SIGMA * rng.standard_normal(n)
    )
    employees = np.maximum(1, np.rint(np.exp(log_employees))).astype(np.int64)
    relative_size = employees / world.EMPLOYEES_MEDIAN

    revenue_per_head = _per_industry(world.REVENUE_PER_EMPLOYEE)[industry_idx]
    revenue_per_head = revenue_per_head * relative_size**world.REVENUE_SIZE_ELASTICITY
    revenue_noise = np.exp(world.REVENUE_NOISE_SIGMA * rng.standard_normal(n))
    annual_revenue = _round_significant(employees * revenue_per_head * revenue_noise, 3)

    country_codes = np.array(list(world.COUNTRIES), dtype=object)
    country_idx = rng.choice(
        len(country_codes),
        size=n,
        p=_weights({code: share for code, (share, _, _) in world.COUNTRIES.items()}),
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
    traits = _Accounts(
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
    venture_propensity = _per_industry(world.VENTURE_PROPENSITY)[industry_idx]
    can_raise = venture_propensity > 0  # governments and nonprofits have no funding stage

    public_p = _sigmoid(1.8 * (log_employees - np.log(8_000))) * can_raise * (age >= 6)
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

    stage = np.where(can_raise, "bootstrapped", None).astype(object)
    stage[is_public] = "public"
    stage[is_venture] = venture_stage[is_venture]
    stage[is_private_equity] = "private_equity"

    median = np.array([world.FUNDING_MEDIAN.get(s, np.nan) for s in stage], dtype=float)
    noise = np.exp(world.FUNDING_SIGMA * rng.standard_normal(n))
    total_funding = _round_significant(median * noise, 2)
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
        adopted[:, column] = draws[:, column] < _sigmoid(logit)
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


# --- Deals -------------------------------------------------------------------------------------


def _plan_deals(
    rng: np.random.Generator, traits: _Accounts, start_day: int, end_day: int
) -> _Deals:
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
    return _Deals(
        account=account[order],
        created=created[order],
        cycle=cycle[order],
        forced_lost=forced_lost[order],
        source=sources[rng.choice(len(sources), n_deals, p=_weights(world.DEAL_SOURCES))],
        champion=rng.random(n_deals) < CHAMPION_SHARE,
    )


def _cycle_days(rng: np.random.Generator, in_icp: np.ndarray) -> np.ndarray:
    """Log-normal sales cycles; ICP accounts know what they want and close about twice as fast."""
    median = np.where(in_icp, CYCLE_MEDIAN_DAYS["icp"], CYCLE_MEDIAN_DAYS["other"])
    days = median * np.exp(CYCLE_SIGMA * rng.standard_normal(len(in_icp)))
    return np.clip(np.rint(days), *CYCLE_DAYS_RANGE).astype(np.int64)


def _decide_outcomes(
    rng: np.random.Generator,
    traits: _Accounts,
    deals: _Deals,
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
    won = rng.random(len(account)) < _sigmoid(logit)
    closed = deals.created + deals.cycle <= end_day
    return np.where(~closed, "open", np.where(won & ~deals.forced_lost, "won", "lost"))


# --- Drift -------------------------------------------------------------------------------------


def _fit_at_decision(
    traits: _Accounts, deals: _Deals, shift_day: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per deal: does the account sit in the ICP size band, and in the ICP, as the market sees
    it when the deal is decided. Without a move that is always the planted profile."""
    account = deals.account
    if shift_day is None:
        return traits.icp_employees[account], traits.in_icp[account]
    small_employees, small_icp = _small_company_icp(traits)
    before = deals.created + deals.cycle < shift_day
    return (
        np.where(before, small_employees[account], traits.icp_employees[account]),
        np.where(before, small_icp[account], traits.in_icp[account]),
    )


def _unserved(traits: _Accounts, deals: _Deals, shift_day: int | None) -> np.ndarray | float:
    """Extra logit for deals at companies the product does not serve when they are decided:
    above the small-company band before the move, below the mid-market band after it."""
    if shift_day is None:
        return 0.0
    after = deals.created + deals.cycle >= shift_day
    employees = traits.employees[deals.account]
    too_big = ~after & (employees > SMALL_ICP_EMPLOYEES[1])
    priced_out = after & (employees < ICP_EMPLOYEES[0])
    return UNSERVED_LOGIT * (too_big | priced_out)


def _small_company_icp(traits: _Accounts) -> tuple[np.ndarray, np.ndarray]:
    """Per account: in the small-company size band, and in the ICP it made before the move."""
    low, high = SMALL_ICP_EMPLOYEES
    in_band = (traits.employees >= low) & (traits.employees <= high)
    matches = traits.icp_industry.astype(int) + in_band + traits.icp_technology
    return in_band, (matches >= ICP_MIN_MATCHES) & ~traits.anti_icp


def _drift_truth(traits: _Accounts, deals: _Deals, shift_day: int, moved: date) -> dict:
    decided = deals.outcome != "open"
    won = deals.outcome == "won"
    after = deals.created + deals.cycle >= shift_day
    old_icp = _small_company_icp(traits)[1][deals.account]
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


def _deal_frame(rng: np.random.Generator, traits: _Accounts, deals: _Deals) -> pd.DataFrame:
    n = len(deals.account)
    width = max(6, len(str(n)))
    deal_ids = np.array([f"DEAL-{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    won = deals.outcome == "won"
    lost = deals.outcome == "lost"
    closed = won | lost

    # Bigger companies buy more seats: amount grows with a power of headcount.
    size = traits.employees[deals.account].astype(float) ** DEAL_AMOUNT_EXPONENT
    noise = np.exp(DEAL_AMOUNT_SIGMA * rng.standard_normal(n))
    amount = _round_significant(np.maximum(DEAL_AMOUNT_SCALE * size * noise, 1_000), 3)

    open_stages = np.array(list(world.OPEN_STAGES), dtype=object)
    open_stage = open_stages[rng.choice(len(open_stages), n, p=_weights(world.OPEN_STAGES))]
    stage = np.where(won, world.WON_STAGE, np.where(lost, world.LOST_STAGE, open_stage))
    reasons = np.array(list(world.LOST_REASONS), dtype=object)
    reason = reasons[rng.choice(len(reasons), n, p=_weights(world.LOST_REASONS))]

    return pd.DataFrame(
        {
            "deal_id": pd.array(deal_ids, dtype="str"),
            "account_id": pd.array(traits.ids[deals.account], dtype="str"),
            "created_at": _dates(deals.created),
            "closed_at": _dates(deals.created + deals.cycle, missing=~closed),
            "outcome": pd.array(deals.outcome, dtype="str"),
            "amount": amount,
            "stage": pd.array(stage, dtype="str"),
            "source": pd.array(deals.source, dtype="str"),
            "lost_reason": pd.array(np.where(lost, reason, None), dtype="str"),
        }
    )


# --- Signals -----------------------------------------------------------------------------------

_SIGNAL_TYPES = tuple(world.SIGNAL_RATES)
_FUNDED_STAGES = (*world.VENTURE_STAGES, "private_equity")


def _draw_signals(
    rng: np.random.Generator, traits: _Accounts, deals: _Deals, start_day: int, end_day: int
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

    for kind, rate in world.SIGNAL_RATES.items():
        eligible = np.flatnonzero(funded) if kind == "funding" else np.arange(len(traits.ids))
        account = np.repeat(eligible, rng.poisson(rate, len(eligible)))
        accounts.append(account)
        kinds.append(np.full(len(account), kind, dtype=object))
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
    rng: np.random.Generator, traits: _Accounts, account: np.ndarray, kind: np.ndarray
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
    size = _round_significant(median * np.exp(0.4 * rng.standard_normal(len(rows))), 2)
    detail[rows] = [
        f"{compact_usd(amount)} private equity investment"
        if s == "private_equity"
        else f"Raised {compact_usd(amount)} {world.ROUND_LABELS[s]}"
        for s, amount in zip(stage, size, strict=True)
    ]
    return detail


def _trigger_flags(deals: _Deals, signals: pd.DataFrame) -> np.ndarray:
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


def _signal_frame(traits: _Accounts, signals: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": pd.array(traits.ids[signals["account"].to_numpy()], dtype="str"),
            "type": pd.array(signals["type"].to_numpy(), dtype="str"),
            "occurred_at": _dates(signals["day"].to_numpy()),
            "detail": pd.array(signals["detail"].to_numpy(), dtype="str"),
        }
    )


# --- Contacts ----------------------------------------------------------------------------------


def _draw_contacts(
    rng: np.random.Generator, traits: _Accounts, deals: _Deals, deal_ids: np.ndarray
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
        role[rows] = roles[rng.choice(len(roles), len(rows), p=_weights(role_weights))]

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


# --- Customers ---------------------------------------------------------------------------------


def _draw_customers(
    rng: np.random.Generator,
    traits: _Accounts,
    deals: _Deals,
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
    arr_start = _round_significant(
        deal_frame["amount"].to_numpy()[won] * np.exp(0.05 * rng.standard_normal(len(won))), 3
    )
    arr = _round_significant(arr_start * np.exp(growth), 3)

    order = np.argsort(account, kind="stable")
    return pd.DataFrame(
        {
            "account_id": pd.array(traits.ids[account][order], dtype="str"),
            "start": _dates(start[order]),
            "end": _dates(end[order], missing=~churned[order]),
            "churned": churned[order],
            "arr_start": arr_start[order],
            "arr": arr[order],
        }
    )


# --- Truth -------------------------------------------------------------------------------------


def icp_conditions() -> list[dict]:
    """The planted ICP as segment conditions (min and max inclusive), as in ``segments.json``."""
    return [
        {"attribute": "industry", "values": list(ICP_INDUSTRIES)},
        {"attribute": "employees", "min": ICP_EMPLOYEES[0], "max": ICP_EMPLOYEES[1]},
        {"attribute": "technologies", "values": [ICP_TECHNOLOGY]},
    ]


def anti_icp_conditions() -> list[dict]:
    """The planted anti-ICP: any one of these conditions lowers the odds of winning sharply."""
    return [
        {"attribute": "employees", "min": 1, "max": ANTI_ICP_MAX_EMPLOYEES},
        {"attribute": "industry", "values": list(ANTI_ICP_INDUSTRIES)},
    ]


def _truth(
    n_accounts: int,
    seed: int,
    start: date,
    end: date,
    traits: _Accounts,
    deals: _Deals,
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


# --- Helpers -----------------------------------------------------------------------------------


def compact_usd(value: float) -> str:
    """Money the way people type it: 2_500_000 -> "$2.5M", 40_000 -> "$40K", 1.2e9 -> "$1.2B"."""
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"${value / scale:.1f}".removesuffix(".0") + unit
    return f"${value:.0f}"


def _day_number(day: date) -> int:
    return int(np.datetime64(day, "D").astype(np.int64))


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    values = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    if missing is not None:
        values[missing] = np.datetime64("NaT")
    return pd.Series(values.astype("datetime64[us]"))


def _weights(shares: dict[str, float]) -> np.ndarray:
    weights = np.array(list(shares.values()), dtype=float)
    return weights / weights.sum()


def _per_industry(values: dict[str, float]) -> np.ndarray:
    return np.array([values[industry] for industry in schema.INDUSTRIES], dtype=float)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _round_significant(values: np.ndarray, digits: int) -> np.ndarray:
    """Round to ``digits`` significant figures, as CRM users and data vendors record amounts."""
    values = np.asarray(values, dtype=float)
    rounded = np.full(values.shape, np.nan)
    ok = np.isfinite(values) & (values > 0)
    scale = 10.0 ** (np.floor(np.log10(values[ok])) - (digits - 1))
    rounded[ok] = np.round(values[ok] / scale) * scale
    return rounded


def _rounded(value: float) -> float:
    return round(float(value), 4)
