"""Recognising categories that have an order: "51-200" < "201-500", "Small" < "Mid" < "Big",
"Series A" < "Series B". Binned as ordered, a scorecard can say "Mid to Big" instead of grouping
"Small" with "Big" because both happened to win alike."""

from __future__ import annotations

import re

from icpkit.ingest.normalise import ParseError, parse_band
from icpkit.schema import FUNDING_STAGES

# Values that mean "we don't know": kept out of the order, binned on their own.
UNKNOWN_WORDS = frozenset(
    {"unknown", "n/a", "na", "none", "not known", "not set", "other", "-", "?", "unspecified"}
)

# Word scales seen in CRMs, lowest first; words on one step share a rank.
WORD_SCALES: tuple[tuple[tuple[str, ...], ...], ...] = (
    (
        ("tiny", "micro", "very small"),
        ("small", "smb", "small business"),
        ("mid", "medium", "mid-market", "midmarket", "mid market", "mid-size", "midsize"),
        ("big", "large"),
        ("enterprise", "very large", "huge"),
    ),
    (
        ("very low",),
        ("low",),
        ("mid", "medium", "average", "moderate"),
        ("high",),
        ("very high",),
    ),
    (
        ("unimportant", "not important"),
        ("average important", "somewhat important", "average"),
        ("important",),
        ("very important", "critical"),
    ),
    (
        ("decline", "declining", "shrinking", "slow down", "slowing"),
        ("stable", "flat", "steady"),
        ("growth", "growing"),
        ("fast growth", "hypergrowth", "rapid growth"),
    ),
    (
        ("below college", "high school", "secondary"),
        ("college", "some college", "associate"),
        ("bachelor", "bachelors", "undergraduate"),
        ("master", "masters", "mba", "graduate"),
        ("doctor", "doctorate", "phd"),
    ),
    (("bad", "poor"), ("good", "fair"), ("better",), ("best", "excellent")),
    (("low",), ("good", "fair"), ("excellent",), ("outstanding",)),
    (("never",), ("rarely", "rare"), ("sometimes", "occasionally"), ("often", "frequently")),
    (("non travel", "non-travel", "no travel"), ("travel rarely",), ("travel frequently",)),
    tuple((stage, stage.replace("_", " ")) for stage in FUNDING_STAGES),
)


def ordinal_order(values: list[str]) -> dict[str, float] | None:
    """Rank of each value when the values form an ordered scale, else None.

    Unknown-like values get no rank (they are binned apart). At least three ranked values are
    needed: two values are just a yes/no split, which categorical binning handles as well.
    """
    known = [v for v in values if _key(v) not in UNKNOWN_WORDS]
    if len(known) < 3:
        return None
    ranks = _word_ranks(known) or _band_ranks(known) or _grade_ranks(known) or _coded_ranks(known)
    if ranks is None or len(set(ranks.values())) < 3:
        return None
    return ranks


def _key(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().casefold().replace("_", " "))


def _word_ranks(values: list[str]) -> dict[str, float] | None:
    for scale in WORD_SCALES:
        lookup = {word: float(rank) for rank, words in enumerate(scale) for word in words}
        if all(_key(v) in lookup for v in values):
            return {v: lookup[_key(v)] for v in values}
    return None


def _band_ranks(values: list[str]) -> dict[str, float] | None:
    """'51-200', '10,001+', '50 - 62%', '<10': ordered by lower bound, then upper bound."""
    bounds = {}
    for value in values:
        try:
            band = parse_band(value.replace("%", "").replace("$", ""))
        except (ParseError, ValueError):
            return None
        low = band.low if band.low is not None else float("-inf")
        high = band.high if band.high is not None else float("inf")
        bounds[value] = (low, high)
    order = sorted(set(bounds.values()))
    return {value: float(order.index(bound)) for value, bound in bounds.items()}


def _grade_ranks(values: list[str]) -> dict[str, float] | None:
    """Letter grades with an optional step: 'A' < 'B', 'A1' < 'A5' < 'B1' (credit grades)."""
    parsed = {}
    for value in values:
        match = re.fullmatch(r"([A-Ga-g])([1-9]?)", value.strip())
        if match is None:
            return None
        parsed[value] = (match.group(1).upper(), int(match.group(2) or 0))
    order = sorted(set(parsed.values()))
    return {value: float(order.index(key)) for value, key in parsed.items()}


def _coded_ranks(values: list[str]) -> dict[str, float] | None:
    """Codes around one number: 'emp_lt_1' < 'emp_5' < 'emp_ge_10', 'term_36' < 'term_60'.
    Every value must carry the same words and exactly one number; 'lt'/'under'/'<' place a
    value just below its number and 'ge'/'plus'/'+'/'over' just above. A value without a
    number ('emp_unk') is left unranked, as unknown."""
    ranks, stems = {}, set()
    for value in values:
        numbers = re.findall(r"\d+(?:\.\d+)?", value)
        if len(numbers) != 1:
            continue
        words = set(re.findall(r"[a-z]+", _key(value)))
        below = words & {"lt", "under", "less", "below"} or value.strip().startswith("<")
        above = words & {"ge", "gt", "plus", "over", "above"} or value.strip().endswith("+")
        stems.add(
            frozenset(
                words
                - {"lt", "under", "less", "below", "ge", "gt", "plus", "over", "above", "than"}
            )
        )
        ranks[value] = float(numbers[0]) + (-0.5 if below else 0.5 if above else 0.0)
    if len(stems) != 1 or len(ranks) < max(2, len(values) - 1):
        return None
    return ranks
