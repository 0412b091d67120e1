"""The canonical tables every stage after ingest reads (see DESIGN.md, "Canonical data").

Ingest maps any CRM export onto these names; discovery, the scorecard and the report only ever
see them. Columns not listed here are kept on accounts as custom attributes.
"""

from __future__ import annotations

# column -> logical type: "str", "int", "float", "date", "bool", "list"
ACCOUNTS: dict[str, str] = {
    "account_id": "str",
    "name": "str",
    "domain": "str",
    "industry": "str",
    "employees": "int",
    "annual_revenue": "float",  # USD
    "country": "str",  # ISO 3166-1 alpha-2
    "region": "str",  # North America, Europe, Asia Pacific, Latin America, Middle East & Africa
    "founded_year": "int",
    "funding_stage": "str",  # see FUNDING_STAGES
    "total_funding": "float",  # USD
    "technologies": "list",  # in CSV: values joined by ";"
}

DEALS: dict[str, str] = {
    "deal_id": "str",
    "account_id": "str",
    "created_at": "date",
    "closed_at": "date",  # blank while open
    "outcome": "str",  # won, lost, open
    "amount": "float",  # USD
    "stage": "str",
    "source": "str",
    "lost_reason": "str",
}

CONTACTS: dict[str, str] = {
    "contact_id": "str",
    "account_id": "str",
    "deal_id": "str",
    "title": "str",
    "department": "str",
    "seniority": "str",
    "buying_role": "str",
}

SIGNALS: dict[str, str] = {
    "account_id": "str",
    "type": "str",
    "occurred_at": "date",
    "detail": "str",
}

CUSTOMERS: dict[str, str] = {
    "account_id": "str",
    "start": "date",
    "end": "date",  # blank while the customer stays
    "churned": "bool",
    "arr_start": "float",  # USD, at the start of the contract
    "arr": "float",  # USD, now or at churn; arr / arr_start is net revenue retention
}

TABLES: dict[str, dict[str, str]] = {
    "accounts": ACCOUNTS,
    "deals": DEALS,
    "contacts": CONTACTS,
    "signals": SIGNALS,
    "customers": CUSTOMERS,
}

# Required columns per table: a file without them cannot be used at all.
REQUIRED: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "deals": ("account_id", "outcome"),
    "contacts": ("account_id",),
    "signals": ("account_id", "type", "occurred_at"),
    "customers": ("account_id",),
}

OUTCOMES = ("won", "lost", "open")

# Ordered from earliest to latest; the order is what makes "Series A-C" a range.
FUNDING_STAGES = (
    "bootstrapped",
    "pre_seed",
    "seed",
    "series_a",
    "series_b",
    "series_c",
    "series_d_plus",
    "private_equity",
    "public",
)

REGIONS = ("North America", "Europe", "Asia Pacific", "Latin America", "Middle East & Africa")

LIST_SEPARATOR = ";"

# Columns that identify a row or are free text: never used as ICP attributes.
NOT_ATTRIBUTES = frozenset({"account_id", "name", "domain", "website", "description"})

# One industry taxonomy for every source (vendor labels are mapped onto it; the raw label is kept).
INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail & E-commerce",
    "Professional Services",
    "Media & Entertainment",
    "Telecommunications",
    "Education",
    "Government",
    "Energy & Utilities",
    "Transportation & Logistics",
    "Real Estate & Construction",
    "Hospitality",
    "Nonprofit",
    "Other",
)
