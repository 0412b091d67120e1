"""Who we lose to: win rate against each competitor, and the segments a competitor defends.

Competitors come from a deal column (``competitor``, ``competitors``, ``primary_competitor``;
several names split on ``;``, ``,`` or ``|``) and from loss-reason text ("Lost to Fabrikam"),
see :func:`~icpkit.discover.losses.competitor_in_text`. For each competitor named on at least
:data:`MIN_DEALS` closed deals: our win rate on those deals with a Wilson interval, Fisher's test
against the deals where it was not named, Holm-corrected over the competitors (and, per ICP
tier, over every tier x competitor). A competitor *defends* a segment (an anti-ICP entry) when
it is named on a significantly larger share of the segment's lost deals than of the lost deals
elsewhere (Holm over every segment x competitor), on at least a fifth of them and at least
twice as often as elsewhere, and we win at most half as often against it there as in the
segment overall (a competitor merely crowded out of another's stronghold is not defending).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from icpkit.discover.losses import ReasonMap, competitor_in_text, detail_column
from icpkit.stats import holm_adjust, proportion_test, wilson_interval

ALPHA = 0.05
MIN_DEALS = 10
MIN_DEFENDED_SHARE = 0.2
COMPETITOR_COLUMNS = ("competitor", "competitors", "primary_competitor", "competitor_name")


def competitor_names(closed: pd.DataFrame, reason_map: ReasonMap) -> list[tuple[str, ...]]:
    """Per closed deal, the competitors named on it (column first, then the loss text)."""
    column = next((c for c in COMPETITOR_COLUMNS if c in closed.columns), None)
    detail = detail_column(closed)
    spelling: Counter = Counter()
    per_deal: list[list[str]] = []
    for i in range(len(closed)):
        names: list[str] = []
        if column is not None:
            value = closed[column].iloc[i]
            if isinstance(value, str):
                names += [n.strip() for n in re.split(r"[;,|]", value) if n.strip()]
        for text_column in (detail, "lost_reason"):
            if text_column and text_column in closed.columns:
                found = competitor_in_text(closed[text_column].iloc[i], reason_map)
                if found:
                    names.append(found)
        spelling.update(names)
        per_deal.append(names)
    # One spelling per competitor: the most common of those equal but for case and spaces.
    canonical: dict[str, str] = {}
    for name, _ in spelling.most_common():
        canonical.setdefault(_key(name), name)
    return [tuple(dict.fromkeys(canonical[_key(n)] for n in names)) for names in per_deal]


def win_rates(
    named: list[tuple[str, ...]], won: np.ndarray, tiers: np.ndarray | None = None
) -> dict[str, Any]:
    """Win rate against each competitor, overall and per tier, corrected for all tried."""
    won = np.asarray(won, dtype=int)
    competitors = sorted({n for names in named for n in names})
    overall = [_rate(name, _mask(named, name), won, None) for name in competitors]
    _correct(overall)
    per_tier: list[dict] = []
    if tiers is not None:
        for tier in sorted({str(t) for t in tiers}):
            in_tier = np.asarray(tiers).astype(str) == tier
            for name in competitors:
                row = _rate(name, _mask(named, name), won, in_tier)
                if row is not None:
                    row["tier"] = tier
                    per_tier.append(row)
        _correct(per_tier)
    return {
        "deals_with_competitor": int(sum(bool(n) for n in named)),
        "closed_deals": len(named),
        "overall": [r for r in overall if r is not None],
        "per_tier": per_tier,
    }


def defended_segments(
    named: list[tuple[str, ...]], won: np.ndarray, segments: dict[str, np.ndarray]
) -> dict[str, list[dict]]:
    """Per segment, the competitors that defend it (see the module docstring)."""
    lost = np.asarray(won, dtype=int) == 0
    competitors = sorted({n for names in named for n in names})
    tests = []
    found: dict[str, list[dict]] = {key: [] for key in segments}
    for key, mask in segments.items():
        inside, outside = mask & lost, ~mask & lost
        n_in, n_out = int(inside.sum()), int(outside.sum())
        if n_in < MIN_DEALS or n_out < MIN_DEALS:
            continue
        for name in competitors:
            on = _mask(named, name)
            k_in, k_out = int((on & inside).sum()), int((on & outside).sum())
            if k_in + k_out < MIN_DEALS:
                continue
            won_against = int((on & mask & ~lost).sum())
            faced = int((on & mask).sum())
            segment_rate = float((mask & ~lost).sum() / max(int(mask.sum()), 1))
            low, high = wilson_interval(k_in, n_in)
            row: dict[str, Any] = {
                "competitor": name,
                "lost_deals": n_in,
                "lost_to_or_against": k_in,
                "share_of_losses": round(k_in / n_in, 4),
                "ci": [round(low, 4), round(high, 4)],
                "share_of_losses_elsewhere": round(k_out / n_out, 4),
                "deals_against": faced,
                "won_against": won_against,
                "win_rate_against": round(won_against / faced, 4) if faced else None,
                "segment_win_rate": round(segment_rate, 4),
            }
            tests.append((key, row, proportion_test(k_in, n_in, k_out, n_out)))
    if tests:
        adjusted = holm_adjust(np.array([p for _, _, p in tests]))
        for (key, row, _), p in zip(tests, adjusted, strict=True):
            row["p_adjusted"] = round(float(p), 6)
            if (
                p < ALPHA
                and row["share_of_losses"] >= MIN_DEFENDED_SHARE
                and row["share_of_losses"] >= 2 * row["share_of_losses_elsewhere"]
                and row["win_rate_against"] <= 0.5 * row["segment_win_rate"]
            ):
                found[key].append(row)
    for rows in found.values():
        rows.sort(key=lambda r: -r["share_of_losses"])
    return found


def _rate(name: str, on: np.ndarray, won: np.ndarray, within: np.ndarray | None) -> dict | None:
    scope = np.ones(len(won), dtype=bool) if within is None else within
    faced, rest = on & scope, ~on & scope
    n, n_rest = int(faced.sum()), int(rest.sum())
    if n < MIN_DEALS or n_rest == 0:
        return None
    k, k_rest = int(won[faced].sum()), int(won[rest].sum())
    low, high = wilson_interval(k, n)
    return {
        "competitor": name,
        "deals": n,
        "won": k,
        "win_rate": round(k / n, 4),
        "ci": [round(low, 4), round(high, 4)],
        "win_rate_without": round(k_rest / n_rest, 4),
        "p_value": proportion_test(k, n, k_rest, n_rest),
    }


def _correct(rows: Sequence[dict | None]) -> None:
    tested = [r for r in rows if r is not None]
    if not tested:
        return
    adjusted = holm_adjust(np.array([r.pop("p_value") for r in tested]))
    for row, p in zip(tested, adjusted, strict=True):
        row["p_adjusted"] = round(float(p), 6)
        row["significant"] = bool(p < ALPHA)


def _mask(named: list[tuple[str, ...]], name: str) -> np.ndarray:
    return np.array([name in names for names in named], dtype=bool)


def _key(name: str) -> str:
    return " ".join(name.casefold().split())
