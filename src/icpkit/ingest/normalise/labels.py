"""Labels with a canonical meaning: industries, funding stages, deal outcomes.

Industry labels and keywords are ``industries.toml``'s, funding round labels
``funding_stages.toml``'s. The outcome words stay here: an organisation's own stage names go in
its mapping file (``[deals.outcome_values]``), not in a shared table.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from icpkit import schema
from icpkit.ingest import data_tables
from icpkit.ingest.normalise.text import ParseError, header_key, label_key, show

# ---------------------------------------------------------------------------------------------
# Industries


@lru_cache(maxsize=1)
def industry_lookup() -> dict[str, str]:
    """Key (:func:`label_key`) of every industry and of every label of ``industries.toml`` →
    the industry it means."""
    lookup: dict[str, str] = {}
    for industry in schema.INDUSTRIES:
        lookup[label_key(industry)] = industry
    for label, industry in data_tables.industries().labels.items():
        lookup.setdefault(label_key(label), industry)
    return lookup


@lru_cache(maxsize=1)
def industry_keywords() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(industry, keywords as keys) of ``industries.toml``, in the order they are tried."""
    return tuple(
        (industry, tuple(label_key(word) for word in words))
        for industry, words in data_tables.industries().keywords
    )


def match_industry(text: str) -> str | None:
    """One of ``schema.INDUSTRIES`` for a vendor label, or None when nothing fits.

    Tries, in order: exact known labels (``"Computer Software"``, ``COMPUTER_SOFTWARE``,
    ``"Information Technology & Services"``, Salesforce's 32 picklist values, GICS sectors),
    keywords (``"Cloud security software"`` → Software, ``"Medical technology"`` →
    Healthcare), then a close spelling of a known label (``"technolgy"`` → Software).
    """
    key = label_key(text)
    if not key:
        return None
    lookup = industry_lookup()
    if key in lookup:
        return lookup[key]
    words = key.split()
    padded = f" {key} "
    for industry, keywords in industry_keywords():
        for word in keywords:
            if (" " in word and f" {word} " in padded) or word in words:
                return industry
    close = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.85)
    return lookup[close[0]] if close else None


def parse_industry(text: str) -> str:
    """:func:`match_industry`, with ``"Other"`` when nothing fits (the caller keeps the label)."""
    return match_industry(text) or "Other"


# ---------------------------------------------------------------------------------------------
# Funding stages


@lru_cache(maxsize=1)
def _funding_lookup() -> dict[str, str]:
    return {label_key(label): stage for label, stage in data_tables.funding_stages().items()}


def parse_funding_stage(text: str) -> str:
    """One of ``schema.FUNDING_STAGES``: ``"Series A"``/``series_a`` → series_a, ``"Series E"``
    → series_d_plus, ``"IPO"``/``"Public"``/``post_ipo_equity`` → public, ``"Angel"`` →
    pre_seed, ``"Bootstrapped"`` → bootstrapped, ``"Private Equity"`` → private_equity.

    Rounds that say nothing of the stage (debt financing, grant, series unknown) are refused.
    """
    key = label_key(text).replace(" funding", "").replace(" round", "").strip()
    stage = _funding_lookup().get(key)
    if stage is not None:
        return stage
    m = re.fullmatch(r"series ([a-z])\d?(?: extension)?", key)
    if m:
        letter = m.group(1)
        return f"series_{letter}" if letter in "abc" else "series_d_plus"
    if key.replace(" ", "_") in schema.FUNDING_STAGES:
        return key.replace(" ", "_")
    raise ParseError(
        f'"{show(text)}" is not a known funding stage ({", ".join(schema.FUNDING_STAGES)})'
    )


# ---------------------------------------------------------------------------------------------
# Deal outcomes

WON_VALUES = frozenset({"won", "closedwon", "win", "closedwin", "wonclosed"})
LOST_VALUES = frozenset({"lost", "closedlost", "loss", "lose", "lostclosed"})
OPEN_VALUES = frozenset({"open", "opened", "pending", "inprogress", "active"})


def outcome_key(text: str) -> str:
    """``"Closed Won"``, ``closedwon``, ``CLOSED_WON``, ``"Closed - Won"`` → ``closedwon``."""
    return header_key(text)


def parse_outcome(text: str, extra: Mapping[str, Iterable[str]] | None = None) -> str:
    """``won``, ``lost`` or ``open`` from an outcome or stage value.

    ``extra`` maps ``"won"``/``"lost"``/``"open"`` to an organisation's own stage names (from a
    mapping file); they are tried first. Then ``"Closed Won"``/``closedwon``/``Won`` → won,
    ``"Closed Lost"``/``Lost`` → lost; anything else is a stage still open.
    """
    key = outcome_key(text)
    for outcome in ("won", "lost", "open"):
        if extra and key in {outcome_key(v) for v in extra.get(outcome, ())}:
            return outcome
    if key in WON_VALUES:
        return "won"
    if key in LOST_VALUES:
        return "lost"
    return "open"
