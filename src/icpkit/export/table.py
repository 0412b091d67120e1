"""A scores table for reverse-ETL tools (Census, Hightouch) and warehouses.

Such tools sync on a unique key and send a row again whenever any of its cells changed, so every
row carries a stable key (``icp_key``: the account id, else the company domain) and nothing that
changes from run to run without the score changing (no run timestamp). The scorecard's name,
version and a fingerprint of its file say which card produced the row.
"""

from __future__ import annotations

import pandas as pd

from icpkit.export.hubspot import DOMAIN_COLUMNS, hubspot_tier
from icpkit.export.keys import KeyedRow, Skipped, keyed_rows
from icpkit.export.scores import ScoredAccounts
from icpkit.ingest.normalise import ParseError, parse_domain

KEY_COLUMNS = ("account_id", "id", "Id", "hs_object_id", "Record ID")
COLUMNS = (
    "icp_key",
    "icp_score",
    "icp_tier",
    "icp_disqualified",
    "icp_reasons",
    "hubspot_icp_tier",
    "scorecard",
    "scorecard_version",
    "scorecard_fingerprint",
)


def table_column(scored: ScoredAccounts, given: str | None) -> tuple[str, bool]:
    """The column the key comes from, and whether it holds domains (then normalised)."""
    if given is not None:
        return scored.pick_column(given, (), "the row key"), given in DOMAIN_COLUMNS
    for name in KEY_COLUMNS:
        if name in scored.inputs.columns:
            return name, False
    return scored.pick_column(None, DOMAIN_COLUMNS, "the row key (an id or a domain)"), True


def reverse_etl_table(
    scored: ScoredAccounts, key_column: str | None = None
) -> tuple[pd.DataFrame, list[Skipped], str]:
    """One row per account with a usable key, in input order, plus the rows set aside and the
    column the key came from."""
    column, is_domain = table_column(scored, key_column)
    skipped: list[Skipped] = []
    rows = list(keyed_rows(scored, column, _domain_key if is_domain else _plain_key, skipped))
    return _frame(scored, rows), skipped, column


def _plain_key(text: str) -> str:
    if not text:
        raise ValueError("no key")
    return text


def _domain_key(text: str) -> str:
    if not text:
        raise ValueError("no domain")
    try:
        return parse_domain(text)
    except ParseError as error:
        raise ValueError(str(error)) from None


def _frame(scored: ScoredAccounts, rows: list[KeyedRow]) -> pd.DataFrame:
    positions = [row.position for row in rows]
    scores = scored.scores.iloc[positions].reset_index(drop=True)
    return pd.DataFrame(
        {
            "icp_key": pd.Series([row.key for row in rows], dtype=object),
            "icp_score": scores["icp_score"].astype("int64"),
            "icp_tier": scores["icp_tier"].astype(str),
            "icp_disqualified": scores["icp_disqualified"].astype(bool),
            "icp_reasons": scores["icp_reasons"].fillna("").astype(str),
            "hubspot_icp_tier": scores["icp_tier"].astype(str).map(hubspot_tier),
            "scorecard": scored.scorecard_name,
            "scorecard_version": scored.scorecard_version,
            "scorecard_fingerprint": scored.scorecard_fingerprint,
        },
        columns=list(COLUMNS),
    )
