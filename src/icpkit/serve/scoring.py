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

import functools
import json
import logging
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from icpkit.conditions import Condition, read_column, to_bool_text, to_list, to_text
from icpkit.score import prepare, score_frame
from icpkit.scorecard.model import Scorecard, ScoredFrame

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
    """Scores accounts with one scorecard in well under a millisecond a company.

    `icpkit score` pays a few milliseconds of pandas overhead per call whatever the number of
    rows, which is fine for a file and too slow for one lead at a time. This scorer gets the
    same answers another way:

    - each distinct cell text is parsed once, by the parsers `icpkit score` applies to
      canonical columns, and remembered (``"$2.5M"`` -> 2500000.0). Before use they are
      checked against :func:`icpkit.score.prepare` on messy CRM text; if they disagree, or
      `icpkit.score` no longer names them, ``prepare`` itself does the parsing;
    - bins and disqualifiers are then matched row by row in plain Python, with the typing
      functions of :mod:`icpkit.conditions` and the card's own conditions; the reasons come
      from the card's :class:`~icpkit.scorecard.model.ScoredFrame`.

    Before a card is served, the scorer checks itself against :func:`icpkit.score.score_frame`
    on probe companies built from every bin edge, listed value and blank of the card. If any
    answer differs (a card feature this scorer does not know), it logs why and scores every
    request with the reference path instead: slower, never different.
    """

    def __init__(self, card: Scorecard, *, cache_size: int = 100_000, verify: bool = True):
        self.card = card
        self.cache_size = cache_size
        self._prepared: dict[str, dict[str, Any]] = {c: {} for c in card.columns}
        self._numbers: dict[str, float] = {}
        self._decided: dict[tuple, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._bounds = card.point_range()
        self._parsers = _direct_parsers(card)
        self.fast = True
        self.mismatch: str | None = None
        if verify and self._parsers is not None:
            disagreement = self._check_parsers()
            if disagreement:
                self._parsers = None
                log.warning("parsing with icpkit.score.prepare: %s", disagreement)
        if verify:
            self.mismatch = self._check_against_reference()
            if self.mismatch:
                self.fast = False
                log.warning("scoring with the reference path: %s", self.mismatch)

    def score(self, accounts: Sequence[Mapping[str, Any]]) -> list[ScoredAccount]:
        if not accounts:
            return []
        texts = _texts(accounts, self.card)
        with self._lock:
            if not self.fast:
                frame = pd.DataFrame(self._prepare(texts), dtype=object)
                return _results(self.card.apply(frame).to_frame())
            return self._score_rows(texts, len(accounts))

    def try_score(self, accounts: Sequence[Mapping[str, Any]]) -> list[ScoredAccount] | None:
        """Score now on the row path if nobody else is scoring with this card, else None."""
        if not self.fast or not self._lock.acquire(blocking=False):
            return None
        try:
            return self._score_rows(_texts(accounts, self.card), len(accounts)) if accounts else []
        finally:
            self._lock.release()

    # ---- prepared values, remembered ----------------------------------------------------

    def _prepare(self, texts: dict[str, list[str]]) -> dict[str, list[Any]]:
        for cache in self._prepared.values():
            if len(cache) > self.cache_size:
                cache.clear()
        unseen = {
            column: [t for t in dict.fromkeys(values) if t not in self._prepared[column]]
            for column, values in texts.items()
        }
        if self._parsers is not None:
            for column, values in unseen.items():
                parser = self._parsers.get(column)
                cache = self._prepared[column]
                for text in values:
                    cache[text] = text if parser is None else _parse_text(parser, text)
            return {c: [self._prepared[c][t] for t in values] for c, values in texts.items()}
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
        return {c: [self._prepared[c][t] for t in values] for c, values in texts.items()}

    def _numbers_of(self, values: list[Any]) -> list[float]:
        """Numbers as ``read_column`` reads them; text goes through it once per distinct text."""
        unseen = [
            v
            for v in dict.fromkeys(v for v in values if isinstance(v, str))
            if v not in self._numbers
        ]
        if unseen:
            if len(self._numbers) > self.cache_size:
                self._numbers.clear()
            read = read_column(pd.DataFrame({"x": unseen}, dtype=object), "x", "numeric")
            self._numbers.update(zip(unseen, read.tolist(), strict=True))
        return [_number(v, self._numbers) for v in values]

    # ---- row-wise scoring ---------------------------------------------------------------

    def _typed(self, values: list[Any], kind: str) -> list[Any]:
        if kind == "numeric":
            return self._numbers_of(values)
        reader = {"list": to_list, "boolean": to_bool_text}.get(kind, to_text)
        return [reader(v) for v in values]

    def _score_rows(self, texts: dict[str, list[str]], n: int) -> list[ScoredAccount]:
        card = self.card
        points = np.zeros((n, len(card.attributes)), dtype=np.int64)
        labels = []
        for j, attribute in enumerate(card.attributes):
            found = self._lookup(("bin", j), attribute, texts[attribute.column], _first_bin)
            points[:, j] = [p for p, _ in found]
            labels.append(np.array([label for _, label in found], dtype=object))
        raw = points.sum(axis=1)
        low, high = self._bounds
        span = max(high - low, 1)
        score = ((200 * (raw - low) + span) // (2 * span)).clip(0, 100).astype(np.int64)
        tiers = card.tiers.assign((raw if card.tiers.unit == "points" else score).astype(float))
        disqualified = np.zeros(n, dtype=bool)
        dq_reason = np.full(n, "", dtype=object)
        for k, rule in enumerate(card.disqualifiers):
            hits = self._lookup(("dq", k), rule, texts[rule.column], _hits)
            for i, hit in enumerate(hits):
                if hit and not disqualified[i]:
                    disqualified[i] = True
                    dq_reason[i] = f"DQ: {rule.reason}"
        tiers[disqualified] = "D"
        scored = ScoredFrame(card, points, labels, raw, score, tiers, disqualified, dq_reason)
        return [
            ScoredAccount(int(s), str(t), bool(d), r)
            for s, t, d, r in zip(score, tiers, disqualified, scored.reasons(), strict=True)
        ]

    def _lookup(self, key: tuple, item: Any, texts: list[str], decide: Any) -> list[Any]:
        """What ``decide`` says of each text for one attribute or disqualifier, worked out
        once per distinct text (parse, type, match) and remembered."""
        memo = self._decided.setdefault(key, {})
        if len(memo) > self.cache_size:
            memo.clear()
        unseen = [t for t in dict.fromkeys(texts) if t not in memo]
        if unseen:
            prepared = self._prepare({item.column: unseen})[item.column]
            for text, value in zip(unseen, self._typed(prepared, item.kind), strict=True):
                memo[text] = decide(item, value)
        return [memo[t] for t in texts]

    # ---- the self-check -----------------------------------------------------------------

    def _check_parsers(self) -> str | None:
        """None when calling the parsers directly gives what ``prepare`` gives."""
        texts = {
            c: list(dict.fromkeys(_MESSY + [v[c] for v in probe_accounts(self.card) if c in v]))
            for c in self.card.columns
        }
        longest = max(len(v) for v in texts.values())
        padded = pd.DataFrame(
            {c: v + [""] * (longest - len(v)) for c, v in texts.items()}, dtype=object
        )
        reference = prepare(padded, self.card)
        for column, values in texts.items():
            parser = (self._parsers or {}).get(column)
            for text, want in zip(values, reference[column].iloc[: len(values)], strict=True):
                got = text if parser is None else _parse_text(parser, text)
                if not _same_value(got, want):
                    return f"{column} {text!r} prepares to {want!r}, not {got!r}"
        return None

    def _check_against_reference(self) -> str | None:
        """None when this scorer and ``score_frame`` agree on every probe company."""
        probes = probe_accounts(self.card)
        reference = score_accounts(self.card, probes)
        with self._lock:
            fast = self._score_rows(_texts(probes, self.card), len(probes))
        for account, want, got in zip(probes, reference, fast, strict=True):
            if want != got:
                return f"{account} scores {got} row by row but {want} in score_frame"
        return None


_NO_BIN = "no matching bin"
# Cell texts as CRM exports write them, to check the parsers on.
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


def _direct_parsers(card: Scorecard) -> dict[str, Any] | None:
    """The canonical-column parsers `icpkit score` uses, if it still names them."""
    from icpkit import score

    parsers = getattr(score, "PARSERS", None)
    if not isinstance(parsers, Mapping):
        return None
    return {c: parsers[c] for c in card.columns if c in parsers}


def _parse_text(parser: Any, text: str) -> Any:
    stripped = text.strip()
    if not stripped:
        return None
    try:
        return parser(stripped)
    except ValueError:  # the normalisers' ParseError is a ValueError
        return None


def _same_value(a: Any, b: Any) -> bool:
    def missing(x: Any) -> bool:
        return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA

    def number(x: Any) -> bool:
        return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)

    if missing(a) or missing(b):
        return missing(a) and missing(b)
    if number(a) and number(b):  # 101 and 101.0 read as the same number downstream
        return float(a) == float(b)
    return type(a) is type(b) and a == b


def _texts(accounts: Sequence[Mapping[str, Any]], card: Scorecard) -> dict[str, list[str]]:
    return {c: [cell_text(a.get(c)) for a in accounts] for c in card.columns}


def _number(value: Any, read: dict[str, float]) -> float:
    if value is None:
        return math.nan
    if isinstance(value, str):
        return read[value]
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    return read_column(pd.DataFrame({"x": [value]}, dtype=object), "x", "numeric").iloc[0]


def _first_bin(attribute: Any, value: Any) -> tuple[int, str]:
    """Points and label of the first bin that takes the value (0 when none does)."""
    for b in attribute.bins:
        if _matches(value, attribute.kind, b.condition):
            return b.points, b.label
    return 0, _NO_BIN


def _hits(rule: Any, value: Any) -> bool:
    return _matches(value, rule.kind, rule.condition)


def _matches(value: Any, kind: str, condition: Condition) -> bool:
    """One value against one condition, as :func:`icpkit.conditions.matches` does a column."""
    missing = math.isnan(value) if kind == "numeric" else value is None
    if condition.missing:
        return missing
    if condition.other:
        return True
    if condition.values is not None:
        wanted = _wanted(condition.values)
        if kind == "list":
            return bool(value) and not wanted.isdisjoint(value)
        return value in wanted
    if kind != "numeric" or missing:
        return False
    return (
        (condition.min is None or value >= condition.min)
        and (condition.max is None or value <= condition.max)
        and (condition.less_than is None or value < condition.less_than)
    )


@functools.lru_cache(maxsize=4096)
def _wanted(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(str(v).strip().casefold() for v in values)


def probe_accounts(card: Scorecard, *, rows: int = 300, seed: int = 0) -> list[dict[str, str]]:
    """Companies that touch every edge of the card: each bin bound and its neighbours, each
    listed value in other cases and spacing, blanks and nonsense, in random combinations."""
    candidates: dict[str, list[str]] = {c: ["", "n/a", "zzz unknown"] for c in card.columns}
    for item in (*card.attributes, *card.disqualifiers):
        conditions = [b.condition for b in item.bins] if hasattr(item, "bins") else [item.condition]
        options = candidates[item.column]
        for condition in conditions:
            for bound in (condition.min, condition.max, condition.less_than):
                if bound is not None:
                    options += [_plain(bound + d) for d in (-1, -0.5, 0, 0.5, 1)]
                    options += [f"{bound:,.0f}"]
            for value in condition.values or ():
                options += [value, value.upper(), f" {value} ", f"{value};other", f"x,{value}"]
        options += ["true", "false", "yes", "0", "-5", "1e3", *_MESSY]
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
