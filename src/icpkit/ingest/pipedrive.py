"""Pipedrive: exports ("Deal - Title", "Organization - Name") and API JSON of deals,
organizations and persons.

What this adapter knows (see CRM_FORMATS.md):

* **Headers.** An export prefixes every field with its object: ``Deal - Status``,
  ``Deal - Value``, ``Organization - Name``, ``Person - Job title``. The API uses ``status``,
  ``value``, ``currency``, ``org_id`` (an object: its ``value`` is the id), ``add_time``,
  ``won_time``, ``lost_time``, ``close_time``.
* **Outcome.** ``status`` is open, won, lost or deleted; a deleted deal is quarantined with
  that reason. Stage names are never needed.
* **Closing date.** ``close_time`` when there is one, else ``won_time`` or ``lost_time``.
* **Organisation references.** Deals name their organisation; when a deals export carries the
  name but no id, the id is looked up by name in the organizations file.
* **No standard headcount or industry.** ``people_count`` counts the contacts stored in
  Pipedrive, not employees, so it is never read as ``employees``; the won/lost deal counts on
  an organisation restate outcomes and are left out. Custom fields have 40-character hex keys
  that differ per company: name them in a mapping file (``"9dc8...a3b0" = "employees"``); a
  note lists the ones left unmapped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from icpkit.ingest import data_tables
from icpkit.ingest import normalise as nz
from icpkit.ingest.mapping import Conventions, extend_aliases
from icpkit.ingest.readers import RawTable

NAME = "pipedrive"

_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {
        "account_id": ("Organization - ID", "Organization ID", "id"),
        "name": ("Organization - Name", "name"),
        "domain": ("Organization - Website", "website"),
        "country": (
            "Organization - Address - Country",
            "Organization - Country of Address",
            "Organization - Address country",
            "address_country",
            "country_code",
        ),
        "industry": ("Organization - Industry",),
        "employees": ("Organization - Number of employees", "Organization - Employees"),
        "annual_revenue": ("Organization - Annual revenue",),
    },
    "deals": {
        "deal_id": ("Deal - ID", "id"),
        "account_id": ("Deal - Organization ID", "org_id", "Organization - ID"),
        "created_at": ("Deal - Deal created", "Deal - Add time", "add_time"),
        "closed_at": ("Deal - Deal closed on", "Deal - Close time", "close_time"),
        "amount": ("Deal - Value", "value"),
        "stage": ("Deal - Stage", "stage_id"),
        "source": ("Deal - Source", "Deal - Source channel", "origin", "channel"),
        "lost_reason": ("Deal - Lost reason", "lost_reason"),
    },
    "contacts": {
        "contact_id": ("Person - ID", "id"),
        "account_id": ("Person - Organization ID", "org_id", "Organization - ID"),
        "title": ("Person - Job title", "job_title"),
        "department": ("Person - Department",),
        "seniority": ("Person - Seniority",),
    },
    "signals": {"account_id": ("org_id", "Organization - ID")},
    "customers": {"account_id": ("org_id", "Organization - ID")},
}
# people_count is the number of persons stored in Pipedrive, not the company's headcount.
_NOT_ALIASES = {"accounts": {"employees": ("people count", "people_count")}}

_PREFIXES = ("Deal - ", "Organization - ", "Person - ", "Product - ", "Activity - ")
SIGNATURE = frozenset(
    h.casefold()
    for h in (
        "add_time",
        "won_time",
        "lost_time",
        "close_time",
        "org_id",
        "stage_id",
        "pipeline_id",
        "person_id",
        "people_count",
        "address_country",
        "won_deals_count",
        "lost_deals_count",
        "weighted_value",
        "stage_change_time",
    )
)


def recognise(headers: list[str]) -> list[str]:
    """Headers that only Pipedrive writes: the object prefixes of an export, API names."""
    prefixed = [h for h in headers if h.startswith(_PREFIXES)]
    named = [h for h in headers if h.strip().casefold() in SIGNATURE]
    return prefixed + named


# Outcome counts and activity tallies stored on an organisation: they restate its deals.
_OUTCOME_COUNTS = frozenset(
    nz.header_key(h)
    for h in (
        "won_deals_count",
        "lost_deals_count",
        "closed_deals_count",
        "open_deals_count",
        "related_won_deals_count",
        "related_lost_deals_count",
        "related_closed_deals_count",
        "related_open_deals_count",
        "Organization - Won deals",
        "Organization - Lost deals",
        "Organization - Closed deals",
        "Organization - Open deals",
        "Organization - Total activities",
        "Organization - Done activities",
        "Organization - Activities to do",
    )
)
_CUSTOM_KEY = re.compile(r"[0-9a-f]{40}")


def _find(raw: RawTable, *names: str) -> str | None:
    keys = {nz.header_key(str(h)): h for h in raw.frame.columns}
    for name in names:
        if nz.header_key(name) in keys:
            return keys[nz.header_key(name)]
    return None


def flatten_references(raw: RawTable) -> RawTable:
    """API objects like ``org_id: {"value": 5, "name": "Acme"}`` (flattened to ``org_id.value``,
    ``org_id.name``) become ``org_id`` (the id) and ``org_name``."""
    frame = raw.frame
    renamed: dict[str, str] = {}
    dropped: list[str] = []
    for column in frame.columns:
        name = str(column)
        base, _, part = name.partition(".")
        if not part or not base.endswith("_id"):
            continue
        if part == "value":
            renamed[column] = base
        elif part == "name":
            renamed[column] = base.removesuffix("_id") + "_name"
        else:
            dropped.append(column)
    if not renamed and not dropped:
        return raw
    return replace(raw, frame=frame.drop(columns=dropped).rename(columns=renamed))


def _note_custom_keys(raw: RawTable, mapped: Mapping[str, str]) -> RawTable:
    mapped_keys = {nz.header_key(k) for k in mapped}
    unmapped = [
        str(c)
        for c in raw.frame.columns
        if _CUSTOM_KEY.fullmatch(str(c).split(" - ")[-1])
        and nz.header_key(str(c)) not in mapped_keys
    ]
    if not unmapped:
        return raw
    shown = ", ".join(unmapped[:5]) + (" ..." if len(unmapped) > 5 else "")
    note = (
        f"{raw.label}: {len(unmapped)} Pipedrive custom fields have 40-character keys and no "
        f'name: {shown}; name them in a mapping file ("<key>" = "employees")'
    )
    return replace(raw, notes=[*raw.notes, note])


def _drop_outcome_counts(raw: RawTable) -> RawTable:
    dropped = [c for c in raw.frame.columns if nz.header_key(str(c)) in _OUTCOME_COUNTS]
    if not dropped:
        return raw
    note = (
        f"{raw.label}: left out {', '.join(map(str, dropped))} (counts of the organisation's "
        "deals restate their outcomes; they are not firmographics)"
    )
    return replace(raw, frame=raw.frame.drop(columns=dropped), notes=[*raw.notes, note])


def _with_currency(raw: RawTable) -> RawTable:
    value = _find(raw, "Deal - Value", "value")
    currency = _find(raw, "Deal - Currency", "Deal - Currency of Value", "currency")
    if value is None or currency is None:
        return raw
    frame = raw.frame.copy()
    amounts, codes = frame[value].to_list(), frame[currency].to_list()
    frame[value] = [
        f"{c.strip()} {a}" if isinstance(c, str) and c.strip() and str(a).strip() else a
        for a, c in zip(amounts, codes, strict=True)
    ]
    frame = frame.drop(columns=[currency])
    return replace(raw, frame=frame)


def _closing_date(raw: RawTable) -> RawTable:
    """``close_time``, else ``won_time`` or ``lost_time``, as one closing-date column."""
    won = _find(raw, "Deal - Won time", "won_time")
    lost = _find(raw, "Deal - Lost time", "lost_time")
    if won is None and lost is None:
        return raw
    close = _find(raw, *_ALIASES["deals"]["closed_at"])
    frame = raw.frame.copy()
    blank = pd.Series("", index=frame.index, dtype=object)
    filled = (frame[close] if close else blank).astype(object)
    for column in (won, lost):
        if column is not None:
            empty = filled.map(lambda v: not (isinstance(v, str) and v.strip()))
            filled = filled.where(~empty, frame[column].astype(object))
    frame[close or "close_time"] = filled
    note = f"{raw.label}: the closing date is the close time, else the won or lost time"
    return replace(raw, frame=frame, notes=[*raw.notes, note])


def _organisation_ids(raw: RawTable, earlier: Mapping[str, RawTable]) -> RawTable:
    """A deals export that names its organisation but holds no id: look the id up by name."""
    if _find(raw, *_ALIASES["deals"]["account_id"]) is not None:
        return raw
    name = _find(raw, "Deal - Organization", "org_name", "Organization - Name")
    accounts = earlier.get("accounts")
    if name is None or accounts is None:
        return raw
    id_header = _find(accounts, *_ALIASES["accounts"]["account_id"], "account_id")
    name_header = _find(accounts, *_ALIASES["accounts"]["name"])
    if id_header is None or name_header is None:
        return raw
    ids: dict[str, str] = {}
    repeated = 0
    for org_name, org_id in zip(
        accounts.frame[name_header].to_list(), accounts.frame[id_header].to_list(), strict=True
    ):
        key = str(org_name).strip().casefold()
        if key in ids:
            repeated += 1
        else:
            ids[key] = str(org_id)
    frame = raw.frame.copy()
    frame["org_id"] = [ids.get(str(v).strip().casefold(), "") for v in frame[name].to_list()]
    note = (
        f"{raw.label}: no organization id column: each deal's organization looked up by its name "
        f'("{name}") in {accounts.label}'
        + (f"; {repeated} organization names repeat there (the first is used)" if repeated else "")
    )
    return replace(raw, frame=frame, notes=[*raw.notes, note])


def _prepare_accounts(
    raw: RawTable, earlier: Mapping[str, RawTable], conventions: Conventions
) -> RawTable:
    raw = _drop_outcome_counts(flatten_references(raw))
    return _note_custom_keys(raw, conventions.columns.get("accounts", {}))


def _prepare_deals(
    raw: RawTable, earlier: Mapping[str, RawTable], conventions: Conventions
) -> RawTable:
    raw = _organisation_ids(_closing_date(_with_currency(flatten_references(raw))), earlier)
    return _note_custom_keys(raw, conventions.columns.get("deals", {}))


def _prepare_contacts(
    raw: RawTable, earlier: Mapping[str, RawTable], conventions: Conventions
) -> RawTable:
    return _note_custom_keys(flatten_references(raw), conventions.columns.get("contacts", {}))


def _prepare_other(
    raw: RawTable, earlier: Mapping[str, RawTable], conventions: Conventions
) -> RawTable:
    return flatten_references(raw)


CONVENTIONS = Conventions(
    name=NAME,
    aliases=extend_aliases(data_tables.column_aliases(), _ALIASES, remove=_NOT_ALIASES),
    won_flags=(),
    closed_flags=(),
    lost_flags=(),
    status_columns=("Deal - Status", "status"),
    prepare={
        "accounts": _prepare_accounts,
        "deals": _prepare_deals,
        "contacts": _prepare_contacts,
        "signals": _prepare_other,
        "customers": _prepare_other,
    },
)
