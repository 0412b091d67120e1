"""What the simulator plants: the answers a build on a simulated CRM should find.

:mod:`~icpkit.simulate.world` says how the company universe is spread; this module says what the
sales history does with it, so a reader (or a test) knows the right answer in advance:

- **the ICP**: Software or Financial Services (``ICP_INDUSTRIES``), 200-2,000 employees
  (``ICP_EMPLOYEES``), running Snowflake (``ICP_TECHNOLOGY``). Each condition raises the odds of
  winning, and meeting at least ``ICP_MIN_MATCHES`` of them (the whole profile) raises them
  again. ICP accounts also close about twice as fast (``CYCLE_MEDIAN_DAYS``), churn less
  (``CHURN_PER_RENEWAL``) and expand more (``ARR_LOG_GROWTH_PER_YEAR``);
- **the anti-ICP**: fewer than 20 employees (``ANTI_ICP_MAX_EMPLOYEES``), or Government or
  Education (``ANTI_ICP_INDUSTRIES``); either one lowers the odds sharply and overrides fit;
- **noise**: ``NOISE_ATTRIBUTES`` affect nothing and follow nothing that does;
- **a trigger**: an executive hire or a funding round (``TRIGGER_TYPES``) up to
  ``TRIGGER_WINDOW_DAYS`` days before a deal is created raises its odds;
- **a champion persona**: a Director in Data or Engineering (``CHAMPION_SENIORITY``,
  ``CHAMPION_DEPARTMENTS``) championing a deal raises its odds;
- **drift**, only when asked for (``upmarket_from``): before the move the ICP's size band is
  ``SMALL_ICP_EMPLOYEES``, after it ``ICP_EMPLOYEES``.

``WIN_LOGIT`` holds every effect size: a deal's win probability is the sigmoid of the effects
that apply to it, plus normal noise. :func:`icp_conditions` and :func:`anti_icp_conditions` give
the profiles in the shape ``segments.json`` uses, as ``truth.json`` records them.
"""

from __future__ import annotations

# --- The profile -------------------------------------------------------------------------------

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

# --- Winning -----------------------------------------------------------------------------------

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

# --- Deals, cycles and customers ---------------------------------------------------------------

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

# --- Drift -------------------------------------------------------------------------------------

# Only when the simulation is given ``upmarket_from``: the company moves upmarket on that
# date. Before it the product suits small companies: the ICP's size band is small and larger
# companies are out of reach (long security reviews, missing features). From it on prices rise
# and mid-market features ship: deals follow the planted profile (ICP_EMPLOYEES, mid-market)
# and companies below that band are priced out. UNSERVED_LOGIT is the penalty either way.
SMALL_ICP_EMPLOYEES = (20, 199)  # inclusive
UNSERVED_LOGIT = -1.5


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
