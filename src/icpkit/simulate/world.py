"""Reference distributions of the simulated B2B world.

Everything the generator draws from lives here as plain data, so a reader can check (and argue
with) the assumptions in one place: how industries, countries and company sizes are spread, what
revenue a head earns per industry, which tools which companies run, who sits on a buying
committee, and what trigger events look like. The numbers are "real-world-ish": shaped after
public firmographic data (LinkedIn/PDL size bands, Fortune 1000 revenue per employee, B2B SaaS
customer bases), not measured from any one source.
"""

from __future__ import annotations

# --- Industries --------------------------------------------------------------------------------

# Share of accounts in a typical horizontal B2B SaaS CRM.
INDUSTRY_WEIGHTS: dict[str, float] = {
    "Software": 0.20,
    "Financial Services": 0.10,
    "Healthcare": 0.08,
    "Manufacturing": 0.09,
    "Retail & E-commerce": 0.08,
    "Professional Services": 0.10,
    "Media & Entertainment": 0.05,
    "Telecommunications": 0.03,
    "Education": 0.05,
    "Government": 0.03,
    "Energy & Utilities": 0.03,
    "Transportation & Logistics": 0.04,
    "Real Estate & Construction": 0.04,
    "Hospitality": 0.03,
    "Nonprofit": 0.03,
    "Other": 0.02,
}

# Shift of log(employees) per industry: governments and telecoms run large, agencies and
# hospitality small.
INDUSTRY_SIZE_SHIFT: dict[str, float] = {
    "Government": 0.9,
    "Telecommunications": 0.6,
    "Energy & Utilities": 0.5,
    "Manufacturing": 0.4,
    "Healthcare": 0.3,
    "Education": 0.3,
    "Financial Services": 0.2,
    "Transportation & Logistics": 0.2,
    "Software": 0.0,
    "Retail & E-commerce": 0.0,
    "Media & Entertainment": -0.2,
    "Real Estate & Construction": -0.1,
    "Professional Services": -0.3,
    "Hospitality": -0.2,
    "Nonprofit": -0.3,
    "Other": 0.0,
}

# USD of annual revenue per employee for a company of ~80 people (Fortune 1000 medians run
# higher because large firms earn more per head; see REVENUE_SIZE_ELASTICITY).
REVENUE_PER_EMPLOYEE: dict[str, float] = {
    "Software": 200_000,
    "Financial Services": 350_000,
    "Healthcare": 150_000,
    "Manufacturing": 220_000,
    "Retail & E-commerce": 150_000,
    "Professional Services": 150_000,
    "Media & Entertainment": 200_000,
    "Telecommunications": 300_000,
    "Education": 90_000,
    "Government": 120_000,
    "Energy & Utilities": 500_000,
    "Transportation & Logistics": 180_000,
    "Real Estate & Construction": 250_000,
    "Hospitality": 70_000,
    "Nonprofit": 80_000,
    "Other": 150_000,
}
REVENUE_SIZE_ELASTICITY = 0.08  # revenue per head grows as (employees / 80) ** this
REVENUE_NOISE_SIGMA = 0.45  # log-normal spread around the industry's revenue per head

# Industries where venture funding is common (the rest are mostly bootstrapped or owned).
VENTURE_PROPENSITY: dict[str, float] = {
    "Software": 0.65,
    "Financial Services": 0.45,
    "Healthcare": 0.40,
    "Media & Entertainment": 0.30,
    "Retail & E-commerce": 0.30,
    "Telecommunications": 0.25,
    "Energy & Utilities": 0.25,
    "Transportation & Logistics": 0.20,
    "Education": 0.15,
    "Manufacturing": 0.12,
    "Real Estate & Construction": 0.12,
    "Professional Services": 0.10,
    "Hospitality": 0.10,
    "Other": 0.15,
    "Government": 0.0,
    "Nonprofit": 0.0,
}

# --- Company size ------------------------------------------------------------------------------

EMPLOYEES_MEDIAN = 80
EMPLOYEES_SIGMA = 1.6  # log-normal: 95th percentile ~1,100, the largest of 100k ~100,000

# Company age (years) at the start of the period: log-normal around 10 years for 80 people,
# growing as (employees / 80) ** AGE_SIZE_ELASTICITY. Set the elasticity to 0 to make
# founded_year pure noise.
AGE_MEDIAN_YEARS = 10
AGE_SIZE_ELASTICITY = 0.26
AGE_SIGMA = 0.55

# --- Countries ---------------------------------------------------------------------------------

# ISO 3166-1 alpha-2 -> (share of B2B accounts, region, English name).
COUNTRIES: dict[str, tuple[float, str, str]] = {
    "US": (0.450, "North America", "United States"),
    "GB": (0.080, "Europe", "United Kingdom"),
    "DE": (0.060, "Europe", "Germany"),
    "CA": (0.050, "North America", "Canada"),
    "FR": (0.040, "Europe", "France"),
    "AU": (0.035, "Asia Pacific", "Australia"),
    "IN": (0.030, "Asia Pacific", "India"),
    "NL": (0.025, "Europe", "Netherlands"),
    "BR": (0.020, "Latin America", "Brazil"),
    "SG": (0.015, "Asia Pacific", "Singapore"),
    "SE": (0.015, "Europe", "Sweden"),
    "ES": (0.015, "Europe", "Spain"),
    "IT": (0.012, "Europe", "Italy"),
    "JP": (0.012, "Asia Pacific", "Japan"),
    "IE": (0.012, "Europe", "Ireland"),
    "IL": (0.010, "Middle East & Africa", "Israel"),
    "MX": (0.010, "Latin America", "Mexico"),
    "CH": (0.010, "Europe", "Switzerland"),
    "ZA": (0.008, "Middle East & Africa", "South Africa"),
    "AE": (0.008, "Middle East & Africa", "United Arab Emirates"),
    "DK": (0.007, "Europe", "Denmark"),
    "BE": (0.007, "Europe", "Belgium"),
    "PL": (0.007, "Europe", "Poland"),
    "NO": (0.006, "Europe", "Norway"),
    "FI": (0.005, "Europe", "Finland"),
    "AT": (0.005, "Europe", "Austria"),
    "NZ": (0.005, "Asia Pacific", "New Zealand"),
    "AR": (0.005, "Latin America", "Argentina"),
    "KR": (0.005, "Asia Pacific", "South Korea"),
    "HK": (0.004, "Asia Pacific", "Hong Kong"),
    "CO": (0.004, "Latin America", "Colombia"),
    "CL": (0.004, "Latin America", "Chile"),
    "PT": (0.004, "Europe", "Portugal"),
    "SA": (0.004, "Middle East & Africa", "Saudi Arabia"),
    "NG": (0.003, "Middle East & Africa", "Nigeria"),
    "KE": (0.002, "Middle East & Africa", "Kenya"),
    "EG": (0.002, "Middle East & Africa", "Egypt"),
}

# Company domains outside the US often use the country's own top-level domain.
COUNTRY_TLDS: dict[str, str] = {
    "GB": ".co.uk",
    "DE": ".de",
    "FR": ".fr",
    "AU": ".com.au",
    "IN": ".in",
    "NL": ".nl",
    "BR": ".com.br",
    "SE": ".se",
    "ES": ".es",
    "IT": ".it",
    "JP": ".co.jp",
    "IE": ".ie",
    "CH": ".ch",
    "DK": ".dk",
    "PL": ".pl",
    "NO": ".no",
    "FI": ".fi",
    "AT": ".at",
    "NZ": ".co.nz",
    "MX": ".com.mx",
    "ZA": ".co.za",
    "BE": ".be",
}
LOCAL_TLD_SHARE = 0.45

LEGAL_SUFFIXES: dict[str, tuple[str, ...]] = {
    "US": ("Inc.", "LLC", "Corp."),
    "CA": ("Inc.", "Ltd."),
    "GB": ("Ltd", "Limited", "PLC"),
    "IE": ("Ltd", "Limited"),
    "DE": ("GmbH", "AG"),
    "AT": ("GmbH",),
    "CH": ("AG", "GmbH"),
    "FR": ("SAS", "SA"),
    "BE": ("SA", "BV"),
    "NL": ("B.V.",),
    "AU": ("Pty Ltd",),
    "NZ": ("Ltd",),
    "IN": ("Pvt Ltd",),
    "SE": ("AB",),
    "NO": ("AS",),
    "DK": ("ApS", "A/S"),
    "FI": ("Oy",),
    "ES": ("S.L.", "S.A."),
    "IT": ("S.r.l.", "S.p.A."),
    "PT": ("Lda",),
    "JP": ("K.K.",),
    "BR": ("Ltda.",),
    "MX": ("S.A. de C.V.",),
}
LEGAL_SUFFIX_SHARE = 0.35
NO_LEGAL_SUFFIX_INDUSTRIES = frozenset({"Government", "Education", "Nonprofit"})

# --- Company names -----------------------------------------------------------------------------

NAME_ROOTS: tuple[str, ...] = (
    "Acme", "Alder", "Amber", "Anchor", "Apex", "Arbor", "Arc", "Argo", "Ash", "Aspen", "Atlas",
    "Aurora", "Azure", "Basalt", "Bay", "Beacon", "Bell", "Birch", "Black", "Blue", "Bold",
    "Boulder", "Bright", "Brook", "Canyon", "Cardinal", "Cascade", "Cedar", "Celeste", "Cinder",
    "Clear", "Cliff", "Clover", "Cobalt", "Comet", "Copper", "Coral", "Core", "Crest", "Crimson",
    "Crystal", "Cypress", "Dawn", "Delta", "Drift", "Eagle", "East", "Echo", "Ember", "Emerald",
    "Evergreen", "Falcon", "Fern", "Fir", "Flint", "Forge", "Fox", "Frost", "Gale", "Garnet",
    "Glacier", "Gold", "Granite", "Green", "Grove", "Harbor", "Hawk", "Heron", "High", "Hollow",
    "Horizon", "Indigo", "Iris", "Iron", "Ivy", "Jade", "Juniper", "Keystone", "Kestrel", "Kite",
    "Lake", "Lark", "Laurel", "Ledger", "Lime", "Linden", "Lumen", "Lunar", "Maple", "Marble",
    "Meadow", "Meridian", "Mesa", "Mint", "Monarch", "Moss", "Nimbus", "Noble", "North", "Nova",
    "Oak", "Ocean", "Olive", "Onyx", "Opal", "Orbit", "Orchid", "Osprey", "Pacific", "Peak",
    "Pearl", "Pine", "Pioneer", "Polar", "Prairie", "Prism", "Pulse", "Quartz", "Quill", "Rain",
    "Raven", "Red", "Redwood", "Ridge", "River", "Rock", "Rowan", "Ruby", "Sage", "Sapphire",
    "Sequoia", "Shore", "Sierra", "Silver", "Sky", "Slate", "Solar", "Sparrow", "Spruce",
    "Star", "Sterling", "Stone", "Storm", "Summit", "Sun", "Swift", "Tall", "Terra", "Thistle",
    "Tidal", "Timber", "Topaz", "True", "Tundra", "Union", "Valley", "Vantage", "Vector",
    "Velvet", "Verde", "Vista", "West", "Willow", "Wind", "Wren", "Zenith", "Zephyr",
)  # fmt: skip

# Optional second word, glued on ("Bluebridge") or spaced ("Blue Bridge").
NAME_SECOND_WORDS: tuple[str, ...] = (
    "bay", "bridge", "brook", "cast", "field", "gate", "grid", "harbor", "hill", "hub", "lake",
    "leaf", "light", "line", "loop", "mark", "mill", "path", "point", "port", "rock", "shore",
    "spring", "stack", "stream", "view", "wave", "well", "wood", "works",
)  # fmt: skip
SECOND_WORD_SHARE = 0.6

# The last word of a name says what the company does.
NAME_DESCRIPTORS: dict[str, tuple[str, ...]] = {
    "Software": ("Analytics", "Labs", "Software", "Systems", "Technologies", "Cloud", "Data",
                 "AI", "Digital", "Networks", "Apps", "Platforms"),
    "Financial Services": ("Capital", "Financial", "Bank", "Partners", "Insurance", "Payments",
                           "Wealth", "Lending", "Credit", "Asset Management"),
    "Healthcare": ("Health", "Medical", "Care", "Clinics", "Therapeutics", "Biosciences",
                   "Diagnostics", "Pharma"),
    "Manufacturing": ("Industries", "Manufacturing", "Components", "Materials", "Robotics",
                      "Machining", "Fabrication", "Plastics"),
    "Retail & E-commerce": ("Goods", "Outfitters", "Market", "Supply", "Brands", "Apparel",
                            "Home", "Commerce"),
    "Professional Services": ("Consulting", "Advisors", "Group", "Associates", "Legal",
                              "Accounting", "Partners", "Strategy"),
    "Media & Entertainment": ("Media", "Studios", "Pictures", "Publishing", "Entertainment",
                              "Records", "Broadcasting"),
    "Telecommunications": ("Telecom", "Communications", "Wireless", "Fiber", "Mobile",
                           "Connect"),
    "Education": ("Academy", "University", "College", "Learning", "School", "Institute"),
    "Government": ("County", "Municipality", "Authority", "Council", "Agency", "District"),
    "Energy & Utilities": ("Energy", "Power", "Utilities", "Solar", "Renewables", "Water"),
    "Transportation & Logistics": ("Logistics", "Freight", "Transport", "Shipping", "Express",
                                   "Fleet"),
    "Real Estate & Construction": ("Properties", "Realty", "Construction", "Builders", "Homes",
                                   "Development"),
    "Hospitality": ("Hotels", "Hospitality", "Resorts", "Restaurants", "Travel", "Inns"),
    "Nonprofit": ("Foundation", "Trust", "Alliance", "Society", "Fund", "Coalition"),
    "Other": ("Holdings", "Group", "Ventures", "Enterprises", "Co", "Collective"),
}  # fmt: skip

# --- Funding -----------------------------------------------------------------------------------

# Median total raised (USD) by stage, with a log-normal spread of FUNDING_SIGMA.
FUNDING_MEDIAN: dict[str, float] = {
    "pre_seed": 600_000,
    "seed": 3_000_000,
    "series_a": 15_000_000,
    "series_b": 45_000_000,
    "series_c": 110_000_000,
    "series_d_plus": 300_000_000,
    "private_equity": 150_000_000,
}
FUNDING_SIGMA = 0.5

# Size of the latest round, for "Raised $12M Series A" signals.
ROUND_MEDIAN: dict[str, float] = {
    "pre_seed": 500_000,
    "seed": 2_500_000,
    "series_a": 12_000_000,
    "series_b": 30_000_000,
    "series_c": 60_000_000,
    "series_d_plus": 120_000_000,
    "private_equity": 100_000_000,
}
ROUND_LABELS: dict[str, str] = {
    "pre_seed": "Pre-Seed round",
    "seed": "Seed round",
    "series_a": "Series A",
    "series_b": "Series B",
    "series_c": "Series C",
    "series_d_plus": "Series D",
    "private_equity": "private equity round",
}

# Venture stages in order; a venture-backed company's stage follows its headcount.
VENTURE_STAGES: tuple[str, ...] = (
    "pre_seed", "seed", "series_a", "series_b", "series_c", "series_d_plus",
)  # fmt: skip
# log(employees) cut points between consecutive venture stages (~5, 15, 60, 200, 600 people).
VENTURE_STAGE_CUTS: tuple[float, ...] = (1.6, 2.7, 4.1, 5.3, 6.4)

# --- Technologies ------------------------------------------------------------------------------

# Each tool: logit of adoption at 80 employees, change per tenfold headcount, industry bumps.
# Probabilities come out as: sigmoid(base + size_slope * log10(employees / 80) + bump).
TECHNOLOGIES: dict[str, dict] = {
    "Salesforce": {"base": -0.9, "size": 0.8,
                   "industry": {"Financial Services": 0.6, "Software": 0.3,
                                "Professional Services": 0.3, "Nonprofit": 0.4}},
    "HubSpot": {"base": -0.6, "size": -0.4,
                "industry": {"Software": 0.6, "Professional Services": 0.4,
                             "Media & Entertainment": 0.3, "Government": -1.5}},
    "AWS": {"base": -0.2, "size": 0.5,
            "industry": {"Software": 1.1, "Financial Services": 0.3, "Media & Entertainment": 0.4,
                         "Government": -0.5, "Hospitality": -0.8}},
    "Google Cloud": {"base": -1.8, "size": 0.3,
                     "industry": {"Software": 0.6, "Media & Entertainment": 0.6, "Education": 0.6,
                                  "Retail & E-commerce": 0.3}},
    "Azure": {"base": -1.3, "size": 0.7,
              "industry": {"Government": 1.2, "Manufacturing": 0.6, "Healthcare": 0.5,
                           "Financial Services": 0.4, "Education": 0.6,
                           "Energy & Utilities": 0.4}},
    "Snowflake": {"base": -2.4, "size": 1.0,
                  "industry": {"Software": 1.3, "Financial Services": 1.1,
                               "Retail & E-commerce": 0.3, "Media & Entertainment": 0.2,
                               "Government": -1.0, "Education": -0.8, "Nonprofit": -1.2,
                               "Hospitality": -0.8}},
    "dbt": {"base": -3.6, "size": 0.6,
            "industry": {"Software": 1.3, "Financial Services": 0.7, "Retail & E-commerce": 0.3},
            "with": {"Snowflake": 1.6}},
    "Databricks": {"base": -3.3, "size": 0.9,
                   "industry": {"Software": 0.9, "Financial Services": 0.8, "Healthcare": 0.5,
                                "Manufacturing": 0.4, "Energy & Utilities": 0.3}},
    "Segment": {"base": -3.0, "size": 0.4,
                "industry": {"Software": 1.5, "Retail & E-commerce": 0.9,
                             "Media & Entertainment": 0.6},
                "with": {"Snowflake": 0.5}},
    "Looker": {"base": -3.3, "size": 0.5,
               "industry": {"Software": 1.0, "Retail & E-commerce": 0.5},
               "with": {"Snowflake": 0.8}},
    "Tableau": {"base": -2.6, "size": 0.8,
                "industry": {"Financial Services": 0.6, "Healthcare": 0.5, "Government": 0.5,
                             "Education": 0.4}},
    "Datadog": {"base": -3.0, "size": 0.9,
                "industry": {"Software": 1.8, "Financial Services": 0.9,
                             "Retail & E-commerce": 0.3}},
    "Okta": {"base": -2.1, "size": 0.9,
             "industry": {"Software": 0.7, "Financial Services": 0.6, "Healthcare": 0.3}},
    "Slack": {"base": 0.2, "size": 0.2,
              "industry": {"Software": 1.3, "Media & Entertainment": 0.7,
                           "Professional Services": 0.2, "Government": -1.3,
                           "Manufacturing": -0.5, "Hospitality": -0.6}},
    "Microsoft 365": {"base": 0.4, "size": 0.4,
                      "industry": {"Government": 1.2, "Education": 0.9, "Manufacturing": 0.5,
                                   "Healthcare": 0.4, "Software": -0.6}},
    "Google Workspace": {"base": 0.3, "size": -0.7,
                         "industry": {"Software": 0.7, "Media & Entertainment": 0.3,
                                      "Government": -1.6, "Financial Services": -0.4},
                         "with": {"Microsoft 365": -1.8}},
    "Jira": {"base": -0.9, "size": 0.5,
             "industry": {"Software": 2.0, "Financial Services": 0.4,
                          "Media & Entertainment": 0.3, "Government": -0.6,
                          "Hospitality": -1.0}},
    "Zendesk": {"base": -1.7, "size": 0.2,
                "industry": {"Retail & E-commerce": 0.9, "Software": 0.6, "Hospitality": 0.5,
                             "Telecommunications": 0.4}},
    "Intercom": {"base": -2.6, "size": -0.1,
                 "industry": {"Software": 1.3, "Retail & E-commerce": 0.3}},
    "Shopify": {"base": -4.2, "size": -0.4,
                "industry": {"Retail & E-commerce": 4.2, "Hospitality": 1.0,
                             "Media & Entertainment": 0.8}},
    "Stripe": {"base": -2.4, "size": 0.0,
               "industry": {"Software": 1.5, "Retail & E-commerce": 1.5,
                            "Media & Entertainment": 0.8, "Nonprofit": 0.8, "Hospitality": 0.6,
                            "Financial Services": 0.3, "Government": -1.5, "Education": -0.5}},
    "Marketo": {"base": -2.7, "size": 0.8,
                "industry": {"Software": 0.5, "Financial Services": 0.3, "Manufacturing": 0.3}},
    "Mailchimp": {"base": -1.7, "size": -0.8,
                  "industry": {"Retail & E-commerce": 0.8, "Nonprofit": 1.2, "Hospitality": 0.8,
                               "Media & Entertainment": 0.5}},
    "Gong": {"base": -3.3, "size": 0.6,
             "industry": {"Software": 1.5, "Financial Services": 0.3}},
    "Workday": {"base": -3.8, "size": 1.6,
                "industry": {"Financial Services": 0.5, "Healthcare": 0.4, "Education": 0.5}},
    "SAP": {"base": -3.6, "size": 1.6,
            "industry": {"Manufacturing": 1.2, "Energy & Utilities": 0.8,
                         "Retail & E-commerce": 0.4, "Transportation & Logistics": 0.6}},
    "Oracle": {"base": -3.4, "size": 1.4,
               "industry": {"Financial Services": 0.5, "Government": 0.6,
                            "Telecommunications": 0.5, "Energy & Utilities": 0.5}},
    "ServiceNow": {"base": -4.1, "size": 1.8,
                   "industry": {"Financial Services": 0.6, "Government": 0.6,
                                "Telecommunications": 0.6}},
    "NetSuite": {"base": -2.1, "size": 0.2,
                 "industry": {"Software": 0.5, "Retail & E-commerce": 0.6, "Manufacturing": 0.4}},
    "QuickBooks": {"base": -1.0, "size": -1.5,
                   "industry": {"Professional Services": 0.5, "Retail & E-commerce": 0.3,
                                "Real Estate & Construction": 0.5, "Hospitality": 0.4},
                   "with": {"NetSuite": -2.5}},
    "WordPress": {"base": -0.7, "size": -0.4,
                  "industry": {"Media & Entertainment": 0.8, "Nonprofit": 0.8,
                               "Education": 0.5}},
}  # fmt: skip

# --- Deals -------------------------------------------------------------------------------------

DEAL_SOURCES: dict[str, float] = {
    "Inbound": 0.35,
    "Outbound": 0.30,
    "Referral": 0.15,
    "Partner": 0.10,
    "Event": 0.10,
}
LOST_REASONS: dict[str, float] = {
    "No decision": 0.30,
    "Price": 0.25,
    "Competitor": 0.20,
    "Timing": 0.15,
    "Missing feature": 0.10,
}
# Salesforce default stages before the close, with the share of open deals sitting in each.
OPEN_STAGES: dict[str, float] = {
    "Prospecting": 0.20,
    "Qualification": 0.20,
    "Needs Analysis": 0.15,
    "Value Proposition": 0.12,
    "Id. Decision Makers": 0.10,
    "Perception Analysis": 0.05,
    "Proposal/Price Quote": 0.11,
    "Negotiation/Review": 0.07,
}
WON_STAGE = "Closed Won"
LOST_STAGE = "Closed Lost"

# --- Contacts ----------------------------------------------------------------------------------

SENIORITIES = ("C-level", "VP", "Director", "Manager", "Individual Contributor")
BUYING_ROLES = (
    "Champion", "Economic Buyer", "Technical Evaluator", "Influencer", "Blocker", "End User",
)  # fmt: skip

# (title, department, seniority)
JOB_TITLES: tuple[tuple[str, str, str], ...] = (
    ("Chief Executive Officer", "Executive", "C-level"),
    ("CEO & Co-Founder", "Executive", "C-level"),
    ("Chief Technology Officer", "Engineering", "C-level"),
    ("CTO", "Engineering", "C-level"),
    ("Chief Financial Officer", "Finance", "C-level"),
    ("Chief Revenue Officer", "Sales", "C-level"),
    ("Chief Marketing Officer", "Marketing", "C-level"),
    ("Chief Information Officer", "IT", "C-level"),
    ("Chief Data Officer", "Data", "C-level"),
    ("Chief Operating Officer", "Operations", "C-level"),
    ("Chief Information Security Officer", "Security", "C-level"),
    ("VP of Engineering", "Engineering", "VP"),
    ("VP Engineering", "Engineering", "VP"),
    ("VP of Sales", "Sales", "VP"),
    ("SVP Revenue", "Sales", "VP"),
    ("VP Marketing", "Marketing", "VP"),
    ("VP of Finance", "Finance", "VP"),
    ("VP, Data & Analytics", "Data", "VP"),
    ("VP of Operations", "Operations", "VP"),
    ("VP Product", "Product", "VP"),
    ("VP Customer Success", "Customer Success", "VP"),
    ("VP of IT", "IT", "VP"),
    ("Director of Engineering", "Engineering", "Director"),
    ("Head of Engineering", "Engineering", "Director"),
    ("Director of Platform Engineering", "Engineering", "Director"),
    ("Director of Data Engineering", "Data", "Director"),
    ("Director, Data & Analytics", "Data", "Director"),
    ("Head of Data", "Data", "Director"),
    ("Director of Analytics", "Data", "Director"),
    ("Head of RevOps", "Revenue Operations", "Director"),
    ("Director of Sales Operations", "Revenue Operations", "Director"),
    ("Director of Marketing", "Marketing", "Director"),
    ("Head of Growth", "Marketing", "Director"),
    ("Director of IT", "IT", "Director"),
    ("Finance Director", "Finance", "Director"),
    ("Director of Procurement", "Procurement", "Director"),
    ("Head of Security", "Security", "Director"),
    ("Director of Customer Success", "Customer Success", "Director"),
    ("Head of Product", "Product", "Director"),
    ("Engineering Manager", "Engineering", "Manager"),
    ("Data Engineering Manager", "Data", "Manager"),
    ("Analytics Manager", "Data", "Manager"),
    ("IT Manager", "IT", "Manager"),
    ("RevOps Manager", "Revenue Operations", "Manager"),
    ("Sales Operations Manager", "Revenue Operations", "Manager"),
    ("Marketing Operations Manager", "Marketing", "Manager"),
    ("Finance Manager", "Finance", "Manager"),
    ("Controller", "Finance", "Manager"),
    ("Procurement Manager", "Procurement", "Manager"),
    ("Product Manager", "Product", "Manager"),
    ("Sales Manager", "Sales", "Manager"),
    ("Security Manager", "Security", "Manager"),
    ("HR Manager", "HR", "Manager"),
    ("Sr. Data Engineer", "Data", "Individual Contributor"),
    ("Data Engineer", "Data", "Individual Contributor"),
    ("Analytics Engineer", "Data", "Individual Contributor"),
    ("Data Analyst", "Data", "Individual Contributor"),
    ("Data Scientist", "Data", "Individual Contributor"),
    ("Software Engineer", "Engineering", "Individual Contributor"),
    ("Senior Software Engineer", "Engineering", "Individual Contributor"),
    ("Staff Engineer", "Engineering", "Individual Contributor"),
    ("DevOps Engineer", "Engineering", "Individual Contributor"),
    ("Site Reliability Engineer", "Engineering", "Individual Contributor"),
    ("Systems Administrator", "IT", "Individual Contributor"),
    ("Account Executive", "Sales", "Individual Contributor"),
    ("Sales Development Representative", "Sales", "Individual Contributor"),
    ("Marketing Specialist", "Marketing", "Individual Contributor"),
    ("Financial Analyst", "Finance", "Individual Contributor"),
    ("Business Analyst", "Operations", "Individual Contributor"),
    ("Customer Success Manager", "Customer Success", "Individual Contributor"),
    ("Security Engineer", "Security", "Individual Contributor"),
    ("Salesforce Administrator", "Revenue Operations", "Individual Contributor"),
)

# Titles written in the local language, used for part of the contacts in these countries.
LOCAL_TITLES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "de": (
        ("Geschäftsführer", "Executive", "C-level"),
        ("Leiter IT", "IT", "Director"),
        ("Leiter Finanzen", "Finance", "Director"),
        ("Teamleiter Vertrieb", "Sales", "Manager"),
        ("Dateningenieur", "Data", "Individual Contributor"),
        ("Softwareentwickler", "Engineering", "Individual Contributor"),
    ),
    "fr": (
        ("Directeur Financier", "Finance", "C-level"),
        ("Directeur Général", "Executive", "C-level"),
        ("Directeur Commercial", "Sales", "VP"),
        ("Responsable Informatique", "IT", "Manager"),
        ("Chef de Projet", "Operations", "Manager"),
        ("Ingénieur Data", "Data", "Individual Contributor"),
    ),
    "es": (
        ("Director General", "Executive", "C-level"),
        ("Director Financiero", "Finance", "C-level"),
        ("Jefe de Sistemas", "IT", "Manager"),
        ("Gerente de Ventas", "Sales", "Manager"),
        ("Ingeniero de Datos", "Data", "Individual Contributor"),
    ),
}
COUNTRY_LANGUAGE: dict[str, str] = {
    "DE": "de", "AT": "de", "CH": "de",
    "FR": "fr", "BE": "fr",
    "ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es",
}  # fmt: skip
LOCAL_TITLE_SHARE = 0.3

# Who a contact of each seniority tends to be on the buying committee.
BUYING_ROLE_BY_SENIORITY: dict[str, dict[str, float]] = {
    "C-level": {"Economic Buyer": 0.60, "Influencer": 0.20, "Blocker": 0.10, "Champion": 0.10},
    "VP": {"Economic Buyer": 0.30, "Champion": 0.25, "Influencer": 0.30, "Blocker": 0.15},
    "Director": {"Champion": 0.30, "Technical Evaluator": 0.30, "Influencer": 0.30,
                 "Blocker": 0.10},
    "Manager": {"Technical Evaluator": 0.30, "Champion": 0.20, "Influencer": 0.25,
                "End User": 0.25},
    "Individual Contributor": {"End User": 0.50, "Technical Evaluator": 0.35,
                               "Influencer": 0.15},
}  # fmt: skip

# Seniority mix of the contacts on a deal: small companies put founders on every call.
SENIORITY_MIX_SMALL = (0.35, 0.15, 0.15, 0.15, 0.20)  # under 50 employees
SENIORITY_MIX_LARGE = (0.06, 0.14, 0.28, 0.26, 0.26)

# --- Signals -----------------------------------------------------------------------------------

EXECUTIVE_HIRES: tuple[str, ...] = (
    "Hired VP Sales", "Hired VP of Engineering", "New CFO appointed", "Hired Chief Data Officer",
    "Appointed new CTO", "Hired Head of RevOps", "New CEO appointed", "Hired VP Marketing",
    "Hired Head of Data", "Hired Chief Revenue Officer",
)  # fmt: skip
JOB_POSTS: tuple[str, ...] = (
    "Posting: RevOps Manager", "Posting: Senior Data Engineer", "Posting: Account Executive",
    "Posting: Analytics Engineer", "Posting: Sales Development Representative",
    "Posting: Customer Success Manager", "Posting: DevOps Engineer",
    "Posting: Salesforce Administrator", "Posting: Product Designer", "Posting: Controller",
)  # fmt: skip
WEB_VISITS: tuple[str, ...] = (
    "Visited /pricing", "Visited /docs/getting-started", "Read blog: What is an ICP?",
    "Visited /customers", "Downloaded whitepaper", "Visited /careers", "Visited /about",
)  # fmt: skip

# Background signal rates: expected events per account over the simulated period.
SIGNAL_RATES: dict[str, float] = {
    "executive_hire": 0.6,
    "funding": 0.5,  # venture- or PE-backed accounts only
    "job_post": 2.0,
    "web_visit": 4.0,
}
