"""`icpkit score`: every row of a file in, every row out with its score, tier and reasons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from icpkit.csvsafe import write_safe_csv
from icpkit.errors import IcpkitError
from icpkit.ingest import normalise
from icpkit.ingest.readers import read_table
from icpkit.scorecard.io import load_scorecard
from icpkit.scorecard.model import TIER_NAMES, Scorecard

SCORE_COLUMNS = ("icp_score", "icp_tier", "icp_disqualified", "icp_reasons")

# Canonical columns whose text needs the ingest normaliser before bins can compare it:
# "51-200" employees, "$2.5M" revenue, "USA" as a country, "Computer Software" as an industry.
PARSERS: dict[str, Callable[[str], Any]] = {
    "employees": normalise.parse_employees,
    "annual_revenue": lambda text: normalise.parse_money(text).amount,
    "total_funding": lambda text: normalise.parse_money(text).amount,
    "country": normalise.parse_country,
    "region": normalise.parse_region,
    "industry": normalise.parse_industry,
    "funding_stage": normalise.parse_funding_stage,
    "founded_year": normalise.parse_year,
}


def prepare(frame: pd.DataFrame, card: Scorecard) -> pd.DataFrame:
    """The columns the card reads, in canonical form where the column is a canonical one.
    A value no parser can read becomes missing (it then scores as 'unknown')."""
    prepared = pd.DataFrame(index=frame.index)
    for column in card.columns:
        if column not in frame.columns:
            continue
        values = frame[column]
        parser = PARSERS.get(column)
        if parser is not None and (values.dtype == object or pd.api.types.is_string_dtype(values)):
            values = _parse_unique(values, parser)
        prepared[column] = values
    return prepared


def _parse_unique(values: pd.Series, parser: Callable[[str], Any]) -> pd.Series:
    parsed: dict[Any, Any] = {}
    for raw in values.dropna().unique():
        text = str(raw).strip()
        if not text:
            parsed[raw] = None
            continue
        try:
            parsed[raw] = parser(text)
        except (normalise.ParseError, ValueError):
            parsed[raw] = None
    return values.map(parsed).astype(object)


def score_frame(card: Scorecard, frame: pd.DataFrame, id_column: str | None) -> pd.DataFrame:
    scored = card.apply(prepare(frame, card))
    ids = frame[id_column] if id_column else None
    return scored.to_frame(ids=ids, id_name=id_column or "account_id")


def score_file(
    scorecard: Path, input_path: Path, out: Path, *, id_column: str | None = None
) -> dict[str, Any]:
    """Score ``input_path`` with the card at ``scorecard`` and write ``out`` (.csv/.parquet)."""
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise IcpkitError("output must end in .csv or .parquet", file=out)
    card = load_scorecard(scorecard)
    table = read_table(input_path)
    frame = table.frame
    if id_column is None:
        id_column = next((c for c in ("account_id", "id", "Id") if c in frame.columns), None)
    elif id_column not in frame.columns:
        raise IcpkitError(f"no column {id_column!r} to use as the id", file=input_path)
    used = [c for c in card.columns if c in frame.columns]
    if not used:
        raise IcpkitError(
            "none of the columns the scorecard reads are here (it reads "
            + ", ".join(card.columns)
            + ")",
            file=input_path,
        )
    result = score_frame(card, frame, id_column)
    if id_column is None:
        result.insert(0, "row", table.lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        write_safe_csv(result, out)
    else:
        result.to_parquet(out, index=False)
    counts = result["icp_tier"].value_counts()
    return {
        "rows": len(result),
        "tiers": {t: int(counts.get(t, 0)) for t in TIER_NAMES},
        "columns_used": used,
        "columns_missing": [c for c in card.columns if c not in frame.columns],
    }
