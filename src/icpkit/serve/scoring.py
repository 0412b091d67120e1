"""Scoring accounts that arrive as JSON, with the very code path of `icpkit score`.

An API account gets the score `icpkit score` gives the same company written as a row of a CSV
file: every value is turned into the text it would have in that file (``120`` -> ``"120"``,
``["dbt", "Snowflake"]`` -> ``"dbt;Snowflake"``, ``null`` -> an empty cell), and that text is
scored as :func:`icpkit.score.score_frame` scores a CSV row. So the CLI, the API, the web form
and the CSV upload agree to the last reason, and a company's score never depends on the other
companies in the same batch.

What the server adds is speed, without a second meaning: see :class:`CardScorer`.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from icpkit import inputs
from icpkit.conditions import first_match, out_of_range, read_column
from icpkit.score import prepare_columns, score_frame
from icpkit.scorecard.model import NO_BIN, Scorecard, ScoredFrame, range_notes

log = logging.getLogger("icpkit.serve")

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
    columns = inputs.raw_columns(card.columns)
    return pd.DataFrame(_texts(accounts, columns), columns=columns, dtype=object)


def score_accounts(card: Scorecard, accounts: Sequence[Mapping[str, Any]]) -> list[ScoredAccount]:
    """Score JSON-like accounts in order with :func:`icpkit.score.score_frame` itself: the
    reference the faster :class:`CardScorer` is held to."""
    if not accounts:
        return []
    return _results(score_frame(card, accounts_frame(accounts, card), None))


class CardScorer:
    """Scores accounts with one scorecard in well under a millisecond a company.

    `icpkit score` pays a few milliseconds of pandas overhead per call whatever the number of
    rows, which is fine for a file and too slow for one lead at a time. This scorer gets the
    same answers by remembering them: for each attribute and disqualifier, what a company's
    cell texts (the column and any it is derived from: region from country) decide, which bin
    and whether the value was out of range. A text met for the first time is decided by the
    very code of `icpkit score` (:func:`icpkit.score.prepare_columns`, then
    :func:`icpkit.conditions.read_column` and :func:`~icpkit.conditions.first_match`), all new
    texts of a request in one call; the reasons come from the card's
    :class:`~icpkit.scorecard.model.ScoredFrame`.

    Before a card is served, the scorer checks itself against :func:`icpkit.score.score_frame`
    on probe companies built from every bin edge, listed value and blank of the card. If any
    answer differs, it logs why and scores every request with the reference path instead:
    slower, never different.
    """

    def __init__(self, card: Scorecard, *, cache_size: int = 100_000, verify: bool = True):
        self.card = card
        self.cache_size = cache_size
        self._columns = inputs.raw_columns(card.columns)
        self._decided: dict[tuple, dict[tuple, tuple[int, tuple[bool, ...]]]] = {}
        self._lock = threading.Lock()
        self._bounds = card.point_range()
        self.fast = True
        self.mismatch: str | None = None
        if verify:
            self.mismatch = self._check_against_reference()
            if self.mismatch:
                self.fast = False
                log.warning("scoring with the reference path: %s", self.mismatch)

    def score(self, accounts: Sequence[Mapping[str, Any]]) -> list[ScoredAccount]:
        if not accounts:
            return []
        texts = _texts(accounts, self._columns)
        with self._lock:
            if not self.fast:
                frame = pd.DataFrame(texts, columns=self._columns, dtype=object)
                return _results(score_frame(self.card, frame, None))
            return self._score_rows(texts, len(accounts))

    def try_score(self, accounts: Sequence[Mapping[str, Any]]) -> list[ScoredAccount] | None:
        """Score now on the row path if nobody else is scoring with this card, else None."""
        if not self.fast or not self._lock.acquire(blocking=False):
            return None
        try:
            if not accounts:
                return []
            return self._score_rows(_texts(accounts, self._columns), len(accounts))
        finally:
            self._lock.release()

    # ---- row-wise scoring ---------------------------------------------------------------

    def _score_rows(self, texts: dict[str, list[str]], n: int) -> list[ScoredAccount]:
        card = self.card
        points = np.zeros((n, len(card.attributes)), dtype=np.int64)
        labels = []
        out_of_range = np.zeros((n, len(card.columns)), dtype=bool)
        place = {c: k for k, c in enumerate(card.columns)}
        for j, attribute in enumerate(card.attributes):
            parts = attribute.bin_conditions()
            found = self._lookup(("bin", j), parts, texts)
            chosen = np.array([index for index, _ in found], dtype=np.int64)
            table = [b.points for b in attribute.bins] + [0]
            points[:, j] = np.asarray(table, dtype=np.int64)[chosen]
            names = np.array([b.label for b in attribute.bins] + [NO_BIN], dtype=object)
            labels.append(names[chosen])
            for k, (column, _, _) in enumerate(parts):
                out_of_range[:, place[column]] |= [flags[k] for _, flags in found]
        raw = points.sum(axis=1)
        low, high = self._bounds
        span = max(high - low, 1)
        score = ((200 * (raw - low) + span) // (2 * span)).clip(0, 100).astype(np.int64)
        tiers = card.tiers.assign((raw if card.tiers.unit == "points" else score).astype(float))
        disqualified = np.zeros(n, dtype=bool)
        dq_reason = np.full(n, "", dtype=object)
        for k, rule in enumerate(card.disqualifiers):
            found = self._lookup(("dq", k), [(rule.column, rule.kind, [rule.condition])], texts)
            for i, (index, (flag,)) in enumerate(found):
                out_of_range[i, place[rule.column]] |= flag
                if index == 0 and not disqualified[i]:
                    disqualified[i] = True
                    dq_reason[i] = f"DQ: {rule.reason}"
        tiers[disqualified] = "D"
        scored = ScoredFrame(
            card, points, labels, raw, score, tiers, disqualified, dq_reason,
            notes=range_notes(card.columns, out_of_range),
        )  # fmt: skip
        return [
            ScoredAccount(int(s), str(t), bool(d), r)
            for s, t, d, r in zip(score, tiers, disqualified, scored.reasons(), strict=True)
        ]

    def _lookup(
        self, key: tuple, parts: list[tuple[str, str, list]], texts: dict[str, list[str]]
    ) -> list[tuple[int, tuple[bool, ...]]]:
        """(first bin matched, whether each column read was out of range) of each company for
        one attribute or disqualifier, decided once per distinct combination of the texts it
        reads. ``parts``: (column, kind, each bin's condition on it), two for a pair row."""
        reads = list(
            dict.fromkeys(
                r
                for column, kind, _ in parts
                for r in inputs.derivation(column, kind).reads
                if r in texts
            )
        )
        rows = list(zip(*(texts[r] for r in reads), strict=True))
        memo = self._decided.setdefault(key, {})
        if len(memo) > self.cache_size:
            memo.clear()
        unseen = list(dict.fromkeys(row for row in rows if row not in memo))
        if unseen:
            frame = pd.DataFrame(unseen, columns=reads, dtype=object)
            prepared = prepare_columns(frame, [column for column, _, _ in parts])
            values = [read_column(prepared, column, kind) for column, kind, _ in parts]
            (_, kind, conditions), *rest = parts
            second = None if not rest else (values[1], rest[0][1], rest[0][2])
            chosen = first_match(values[0], kind, conditions, second)
            flags: Iterable[tuple[bool, ...]] = zip(
                *(out_of_range(prepared, column, kind).tolist() for column, kind, _ in parts),
                strict=True,
            )
            memo.update(zip(unseen, zip(chosen.tolist(), flags, strict=True), strict=True))
        return [memo[row] for row in rows]

    # ---- the self-check -----------------------------------------------------------------

    def _check_against_reference(self) -> str | None:
        """None when this scorer and ``score_frame`` agree on every probe company."""
        probes = probe_accounts(self.card)
        reference = score_accounts(self.card, probes)
        with self._lock:
            fast = self._score_rows(_texts(probes, self._columns), len(probes))
        for account, want, got in zip(probes, reference, fast, strict=True):
            if want != got:
                return f"{account} scores {got} row by row but {want} in score_frame"
        return None


# Cell texts as CRM exports write them, for the probes.
_MESSY = [
    "51-200",
    "1,000+",
    "10k",
    " 35 ",
    "fifty",
    "$2.5M",
    "€3,5 Mio",
    "(1,000)",
    "60000000",
    "4.5e7",
    "99999999999999999999999",
    "-12",
    "USA",
    "United States",
    "Deutschland",
    "Computer Software",
    "Banking",
    "Series B",
    "bootstrapped",
    "2014",
    "n/a",
    "-",
    "NULL",
    "",
]


def _texts(accounts: Sequence[Mapping[str, Any]], columns: list[str]) -> dict[str, list[str]]:
    return {c: [cell_text(a.get(c)) for a in accounts] for c in columns}


def probe_accounts(card: Scorecard, *, rows: int = 300, seed: int = 0) -> list[dict[str, str]]:
    """Companies that touch every edge of the card: each bin bound and its neighbours, each
    listed value in other cases and spacing, blanks and nonsense, in random combinations."""
    columns = inputs.raw_columns(card.columns)
    candidates: dict[str, list[str]] = {c: ["", "n/a", "zzz unknown"] for c in columns}
    parts = [part for a in card.attributes for part in a.bin_conditions()]
    parts += [(rule.column, rule.kind, [rule.condition]) for rule in card.disqualifiers]
    for column, _, conditions in parts:
        options = candidates[column]
        for condition in conditions:
            for bound in (condition.min, condition.max, condition.less_than):
                if bound is not None:
                    options += [_plain(bound + d) for d in (-1, -0.5, 0, 0.5, 1)]
                    options += [f"{bound:,.0f}"]
            for value in condition.values or ():
                options += [value, value.upper(), f" {value} ", f"{value};other", f"x,{value}"]
        options += ["true", "false", "yes", "0", "-5", "1e3", *_MESSY]
    for column in columns:
        if column not in card.columns:  # read to derive another (country for region)
            candidates[column] += _MESSY
    rng = np.random.default_rng(seed)
    probes = [{c: v} for c, values in candidates.items() for v in values]
    for _ in range(rows):
        probes.append({c: values[rng.integers(len(values))] for c, values in candidates.items()})
    return probes


def _plain(number: float) -> str:
    return cell_text(float(number))


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
