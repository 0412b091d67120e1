"""HubSpot: CSV exports (property labels) and API JSON (internal names) of companies, deals
and contacts.

What this adapter knows (see CRM_FORMATS.md):

* **Two vocabularies.** A CSV export writes labels (``Record ID``, ``Company Domain Name``,
  ``Deal Stage`` = "Closed Won", ``Buying Role`` = "Decision Maker"); the API writes internal
  names and values (``hs_object_id``, ``dealstage`` = ``closedwon``, ``hs_buying_role`` =
  ``DECISION_MAKER``). Both are read, and internal enumeration values of the default pipeline,
  buying roles and ICP tiers become their labels, so the two land on the same values.
* **API JSON.** ``{"results": [{"id": ..., "properties": {...}, "associations": {...}}]}``:
  ``properties.`` is dropped from names, associated company and deal ids become
  ``Associated Company IDs`` / ``Associated Deal IDs``. Every value is a string (``"true"``).
* **Outcome.** ``hs_is_closed_won`` with ``hs_is_closed`` or ``hs_is_closed_lost`` (labels
  ``Is Closed Won``, ``Is Deal Closed?``, ``Is closed lost``) decide before ``dealstage``.
* **Several values in one cell** are joined by ``;``: web technologies become a list; a deal
  associated with several companies is credited to the first (the primary in exports), and a
  note says how many were.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from icpkit.ingest import data_tables
from icpkit.ingest import normalise as nz
from icpkit.ingest.columns import per_unique
from icpkit.ingest.mapping import Conventions, Rewrite, extend_aliases
from icpkit.ingest.readers import RawTable

NAME = "hubspot"

_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {
        "account_id": ("Record ID", "hs_object_id", "Company ID", "id"),
        "name": ("name", "Company name"),
        "domain": ("domain", "Company Domain Name", "website", "Website URL"),
        "industry": ("industry", "Industry"),
        "employees": ("numberofemployees", "Number of Employees", "hs_employee_range"),
        "annual_revenue": ("annualrevenue", "Annual Revenue", "hs_revenue_range"),
        "country": ("country", "Country/Region", "hs_country_code", "Country/Region Code"),
        "founded_year": ("founded_year", "Year Founded"),
        "total_funding": ("total_money_raised", "Total Money Raised"),
        "technologies": ("web_technologies", "Web Technologies"),
    },
    "deals": {
        "deal_id": ("Record ID", "hs_object_id", "Deal ID", "id"),
        "account_id": (
            "Associated Company IDs",
            "Associated Company IDs (Primary)",
            "Associated Company ID",
            "associatedcompanyid",
        ),
        "created_at": ("createdate", "Create Date"),
        "closed_at": ("closedate", "Close Date"),
        "amount": ("amount", "Amount", "amount_in_home_currency", "Amount in company currency"),
        "stage": ("dealstage", "Deal Stage"),
        "source": ("hs_analytics_source", "Original Source", "Original Source Type"),
        "lost_reason": ("closed_lost_reason", "Closed Lost Reason"),
    },
    "contacts": {
        "contact_id": ("Record ID", "hs_object_id", "Contact ID", "id"),
        "account_id": (
            "associatedcompanyid",
            "Associated Company IDs",
            "Associated Company IDs (Primary)",
            "Associated Company ID",
            "Primary Associated Company ID",
        ),
        "deal_id": ("Associated Deal IDs", "Associated Deal IDs (Primary)", "Associated Deal ID"),
        "title": ("jobtitle", "Job Title"),
        "department": ("job_function", "Job function", "Department"),
        "seniority": ("hs_seniority", "Seniority"),
        "buying_role": ("hs_buying_role", "Buying Role", "Buying Roles"),
    },
}
_ALIASES["signals"] = {"account_id": _ALIASES["deals"]["account_id"]}
_ALIASES["customers"] = {"account_id": _ALIASES["deals"]["account_id"]}

SIGNATURE = frozenset(
    h.casefold()
    for h in (
        "Record ID",
        "hs_object_id",
        "Company Domain Name",
        "Country/Region",
        "Associated Company IDs",
        "Associated Company IDs (Primary)",
        "Associated Deal IDs",
        "hs_is_closed_won",
        "hs_is_closed",
        "hs_is_closed_lost",
        "dealstage",
        "dealname",
        "Deal Name",
        "Deal Stage",
        "Create Date",
        "numberofemployees",
        "annualrevenue",
        "lifecyclestage",
        "Lifecycle Stage",
        "hs_lastmodifieddate",
        "hubspot_owner_id",
        "Company owner",
        "Deal owner",
        "Contact owner",
        "web_technologies",
        "total_money_raised",
        "hs_buying_role",
        "jobtitle",
        "associatedcompanyid",
        "hs_ideal_customer_profile",
        "hs_is_target_account",
        "Is Closed Won",
    )
)


def recognise(headers: list[str]) -> list[str]:
    """Headers only HubSpot writes (labels, internal names; ``properties.`` of API records
    ignored), compared ignoring case."""
    return [h for h in headers if h.strip().casefold().removeprefix("properties.") in SIGNATURE]


# Internal enumeration values → the labels a CSV export shows.
DEFAULT_STAGES = {
    "appointmentscheduled": "Appointment Scheduled",
    "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In",
    "contractsent": "Contract Sent",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}
BUYING_ROLES = {
    "BLOCKER": "Blocker",
    "BUDGET_HOLDER": "Budget Holder",
    "CHAMPION": "Champion",
    "DECISION_MAKER": "Decision Maker",
    "END_USER": "End User",
    "EXECUTIVE_SPONSOR": "Executive Sponsor",
    "INFLUENCER": "Influencer",
    "LEGAL_AND_COMPLIANCE": "Legal and Compliance",
    "OTHER": "Other",
}
ICP_TIERS = {"tier_1": "Tier 1", "tier_2": "Tier 2", "tier_3": "Tier 3"}
_ICP_TIER_HEADERS = ("hs_ideal_customer_profile", "Ideal Customer Profile Tier")

# ---------------------------------------------------------------------------------------------
# Values


def first_id(text: str) -> str:
    """The first of several ``;``-joined ids (HubSpot lists the primary association first)."""
    return text.split(";", 1)[0].strip()


def _first_ids(text: pd.Series) -> pd.Series:
    return pd.Series(per_unique(text, first_id), index=text.index, dtype=object)


def stage_label(text: str) -> str:
    """``closedwon`` → ``Closed Won`` (default pipeline ids); other stages as they are."""
    return DEFAULT_STAGES.get(text.strip().lower(), text)


def _stage_labels(text: pd.Series) -> pd.Series:
    return pd.Series(per_unique(text, stage_label), index=text.index, dtype=object)


def role_labels(text: str) -> str:
    """``DECISION_MAKER;CHAMPION`` → ``Decision Maker; Champion``; labels stay as they are."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    return "; ".join(BUYING_ROLES.get(p, p) if re.fullmatch(r"[A-Z_]+", p) else p for p in parts)


def _role_labels(text: pd.Series) -> pd.Series:
    return pd.Series(per_unique(text, role_labels), index=text.index, dtype=object)


_FIRST_ID = Rewrite(_first_ids, "several associated ids: the first (primary) one kept")

# ---------------------------------------------------------------------------------------------
# API JSON


_API_NOISE = ("createdAt", "updatedAt", "archived", "archivedAt")
_ASSOCIATIONS = {
    "associations.companies.results.id": "Associated Company IDs",
    "associations.deals.results.id": "Associated Deal IDs",
    "associations.contacts.results.id": "Associated Contact IDs",
}


def flatten_api_records(raw: RawTable) -> RawTable:
    """Columns of an API response as a CSV export would have them: ``properties.amount`` →
    ``amount``, associated company ids → ``Associated Company IDs``; the record envelope
    (``createdAt``, ``archived``, association types) left out."""
    columns = list(raw.frame.columns)
    if not any(str(c).startswith("properties.") for c in columns):
        return raw
    frame = raw.frame
    renamed: dict[str, str] = {}
    dropped: list[str] = []
    names = {str(c).removeprefix("properties.") for c in columns}
    for column in columns:
        name = str(column)
        if name.startswith("properties."):
            renamed[column] = name.removeprefix("properties.")
        elif name in _ASSOCIATIONS:
            renamed[column] = _ASSOCIATIONS[name]
        elif (
            name.startswith("associations.")
            or name in _API_NOISE
            or (name == "id" and "hs_object_id" in names)
        ):
            dropped.append(column)
    frame = frame.drop(columns=dropped).rename(columns=renamed)
    note = f"{raw.label}: HubSpot API records: properties read by their internal names" + (
        f"; left out {', '.join(dropped)}" if dropped else ""
    )
    return replace(raw, frame=frame, notes=[*raw.notes, note])


def _label_enumerations(raw: RawTable) -> RawTable:
    """ICP tier internal values (``tier_1``) as labels (``Tier 1``)."""
    keys = {nz.header_key(h) for h in _ICP_TIER_HEADERS}
    frame = None
    for column in raw.frame.columns:
        if nz.header_key(str(column)) in keys:
            frame = raw.frame.copy() if frame is None else frame
            frame[column] = frame[column].map(
                lambda v: ICP_TIERS.get(v.strip().lower(), v) if isinstance(v, str) else v
            )
    return raw if frame is None else replace(raw, frame=frame)


def _prepare(raw: RawTable, earlier: Mapping[str, RawTable], conventions: Conventions) -> RawTable:
    return _label_enumerations(flatten_api_records(raw))


_REFERENCE_REWRITES = {"account_id": _FIRST_ID}

CONVENTIONS = Conventions(
    name=NAME,
    aliases=extend_aliases(data_tables.column_aliases(), _ALIASES),
    won_flags=("hs_is_closed_won", "Is Closed Won", "Is closed won"),
    closed_flags=("hs_is_closed", "Is Deal Closed?", "Is closed"),
    lost_flags=("hs_is_closed_lost", "Is Closed Lost", "Is closed lost"),
    status_columns=(),
    prepare=dict.fromkeys(("accounts", "deals", "contacts", "signals", "customers"), _prepare),
    transforms={
        "deals": {**_REFERENCE_REWRITES, "stage": Rewrite(_stage_labels, "pipeline ids as labels")},
        "contacts": {
            **_REFERENCE_REWRITES,
            "deal_id": _FIRST_ID,
            "buying_role": Rewrite(_role_labels, "internal buying-role values as labels"),
        },
        "signals": _REFERENCE_REWRITES,
        "customers": _REFERENCE_REWRITES,
    },
)
