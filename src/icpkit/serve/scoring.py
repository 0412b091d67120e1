"""Scoring accounts that arrive as JSON, with the very code path of `icpkit score`.

An API account gets the score `icpkit score` gives the same company written as a row of a CSV
file: every value is turned into the text it would have in that file (``120`` -> ``"120"``,
``["dbt", "Snowflake"]`` -> ``"dbt;Snowflake"``, ``null`` -> an empty cell) and the rows are
scored with :func:`icpkit.score.prepare` and the card, as :func:`icpkit.score.score_frame` does.
So the CLI, the API, the web form and the CSV upload agree to the last reason, and a company's
score never depends on the other companies in the same batch.

What the server adds is speed: :class:`CardScorer` remembers the prepared (parsed) form of each
value it has seen ("51-200" employees, "$2.5M" revenue), because parsing, not the points, is
most of the cost, and inbound leads repeat the same countries, industries and sizes all day.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from icpkit.score import prepare, score_frame
from icpkit.scorecard.model import Scorecard

# The columns that name a company, in the order the audit log prefers them.
IDENTIFIER_COLUMNS = ("domain", "account_id", "name")


@dataclass(frozen=True)
class ScoredAccount:
    icp_score: int
    icp_tier: str
    icp_disqualified: bool
    icp_reasons: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "icp_score": self.icp_score,
            "icp_tier": self.icp_tier,
            "icp_disqualified": self.icp_disqualified,
            "icp_reasons": self.icp_reasons,
        }


def cell_text(value: Any) -> str:
    """The text a JSON value would have as a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        # Never "1e+16": the CSV readers expect plain digits.
        return np.format_float_positional(value, trim="-")
    if isinstance(value, (list, tuple)):
        return ";".join(text for text in (cell_text(v) for v in value) if text)
    return str(value)


def accounts_frame(accounts: Sequence[Mapping[str, Any]], card: Scorecard) -> pd.DataFrame:
    """The accounts as an all-text frame of the columns the card reads (absent: empty)."""
    columns = card.columns
    data = {c: [cell_text(a.get(c)) for a in accounts] for c in columns}
    return pd.DataFrame(data, columns=columns, dtype=object)


def score_accounts(card: Scorecard, accounts: Sequence[Mapping[str, Any]]) -> list[ScoredAccount]:
    """Score JSON-like accounts in order with :func:`icpkit.score.score_frame` itself: the
    reference the faster :class:`CardScorer` is held to."""
    if not accounts:
        return []
    return _results(score_frame(card, accounts_frame(accounts, card), None))


class CardScorer:
    """Scores accounts with one scorecard, remembering prepared values between calls.

    ``prepare`` reads each distinct value of a column on its own (the same text always gives
    the same canonical value), so a value prepared once can be reused for any later row. At
    most about ``cache_size`` values are kept per column; the memory is dropped when it fills.
    """

    def __init__(self, card: Scorecard, *, cache_size: int = 100_000) -> None:
        self.card = card
        self.cache_size = cache_size
        self._prepared: dict[str, dict[str, Any]] = {c: {} for c in card.columns}
        self._lock = threading.Lock()

    def score(self, accounts: Sequence[Mapping[str, Any]]) -> list[ScoredAccount]:
        if not accounts:
            return []
        frame = accounts_frame(accounts, self.card)
        with self._lock:
            prepared = self._prepare(frame)
        return _results(self.card.apply(prepared).to_frame())

    def _prepare(self, frame: pd.DataFrame) -> pd.DataFrame:
        for cache in self._prepared.values():
            if len(cache) > self.cache_size:
                cache.clear()
        unseen = {
            column: [t for t in dict.fromkeys(frame[column]) if t not in self._prepared[column]]
            for column in frame.columns
        }
        longest = max((len(v) for v in unseen.values()), default=0)
        if longest:
            # One prepare call for every new value of every column, padded with blanks.
            padded = pd.DataFrame(
                {c: v + [""] * (longest - len(v)) for c, v in unseen.items()}, dtype=object
            )
            fresh = prepare(padded, self.card)
            for column, values in unseen.items():
                self._prepared[column].update(
                    zip(values, fresh[column].iloc[: len(values)], strict=True)
                )
        return pd.DataFrame(
            {c: [self._prepared[c][t] for t in frame[c]] for c in frame.columns},
            index=frame.index,
            dtype=object,
        )


def _results(scored: pd.DataFrame) -> list[ScoredAccount]:
    return [
        ScoredAccount(int(score), str(tier), bool(dq), str(reasons))
        for score, tier, dq, reasons in zip(
            scored["icp_score"],
            scored["icp_tier"],
            scored["icp_disqualified"],
            scored["icp_reasons"],
            strict=True,
        )
    ]


def identifier(account: Mapping[str, Any]) -> str:
    """What names this company in the audit log (only ever stored as a keyed hash)."""
    for column in IDENTIFIER_COLUMNS:
        text = cell_text(account.get(column)).strip().casefold()
        if text:
            return f"{column}:{text}"
    return "record:" + json.dumps(account, sort_keys=True, default=str)
