"""The scorecard editor's logic: apply a person's edits to a card, and replay a card on the
closed deals of a build to show what the change would have done.

Edits are points per bin, tier bounds and which disqualifiers stay. The edited card goes
through the same checks as a scorecard file (it is written out and read back), so the editor
can never save a card `icpkit score` would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from icpkit.errors import IcpkitError
from icpkit.scorecard.io import dump_scorecard, parse_scorecard
from icpkit.scorecard.model import TIER_NAMES, Scorecard
from icpkit.validate import evaluate

MAX_POINTS = 1000


def point_field(attribute: int, bin_: int) -> str:
    return f"points-{attribute}-{bin_}"


def disqualifier_field(index: int) -> str:
    return f"keep-dq-{index}"


def apply_edits(card: Scorecard, form: dict[str, str]) -> Scorecard:
    """``card`` with the points, tier bounds and disqualifiers the form holds.

    Points are whole numbers; tiers are lower bounds with A >= B >= C. A change of points makes
    the card's calibration (score -> win probability) stale, so it is dropped rather than kept
    wrong. Raises :class:`IcpkitError` naming the field at fault.
    """
    attributes = []
    points_changed = False
    for i, attribute in enumerate(card.attributes):
        bins = []
        for j, b in enumerate(attribute.bins):
            where = f"{attribute.name}, bin {b.label!r}"
            points = _integer(form.get(point_field(i, j), str(b.points)), where)
            points_changed |= points != b.points
            bins.append(replace(b, points=points))
        attributes.append(replace(attribute, bins=tuple(bins)))
    tiers = replace(
        card.tiers,
        a=_number(form.get("tier-A", str(card.tiers.a)), "tier A"),
        b=_number(form.get("tier-B", str(card.tiers.b)), "tier B"),
        c=_number(form.get("tier-C", str(card.tiers.c)), "tier C"),
    )
    if not tiers.a >= tiers.b >= tiers.c:
        raise IcpkitError("tier bounds must satisfy A >= B >= C")
    kept = tuple(
        rule
        for k, rule in enumerate(card.disqualifiers)
        if form.get(disqualifier_field(k), "") in ("on", "true", "1")
    )
    edited = replace(
        card,
        attributes=tuple(attributes),
        tiers=tiers,
        disqualifiers=kept,
        calibration=None if points_changed else card.calibration,
    )
    return parse_scorecard(dump_scorecard(edited), source="the edited scorecard")


def unchanged_form(card: Scorecard) -> dict[str, str]:
    """The form as the editor first shows it: the card's own values."""
    form = {
        point_field(i, j): str(b.points)
        for i, a in enumerate(card.attributes)
        for j, b in enumerate(a.bins)
    }
    form |= {"tier-A": _show(card.tiers.a), "tier-B": _show(card.tiers.b)}
    form["tier-C"] = _show(card.tiers.c)
    form |= {disqualifier_field(k): "on" for k in range(len(card.disqualifiers))}
    return form


def _integer(text: str, where: str) -> int:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise IcpkitError(f"{where}: points must be a whole number, not {text!r}") from None
    if not value.is_integer() or abs(value) > MAX_POINTS:
        raise IcpkitError(f"{where}: points must be a whole number from -1000 to 1000")
    return int(value)


def _number(text: str, where: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise IcpkitError(f"{where}: the lower bound must be a number, not {text!r}") from None
    if not np.isfinite(value):
        raise IcpkitError(f"{where}: the lower bound must be a finite number")
    return value


def _show(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# ---- the backtest ------------------------------------------------------------------------


@dataclass(frozen=True)
class Backtest:
    """What a card does on the build's closed deals, in the figures the editor compares."""

    deals: int
    won: int
    auc: float | None
    auc_ci: list
    lift: float | None
    lift_ci: list
    inside: dict[str, Any]
    outside: dict[str, Any]
    tiers: dict[str, dict[str, Any]]
    disqualified: dict[str, Any]
    three_x: str


def backtest(card: Scorecard, history: tuple[pd.DataFrame, np.ndarray]) -> Backtest:
    """Replay ``card`` on every closed deal of the build (``validate.evaluate``)."""
    features, won = history
    result = evaluate(card, features, won)
    lift = result["lift_in_vs_out"]
    return Backtest(
        deals=result["accounts"],
        won=result["won"],
        auc=result["auc"],
        auc_ci=result["auc_ci"],
        lift=lift["lift"],
        lift_ci=lift["ci"],
        inside=lift["inside"],
        outside=lift["outside"],
        tiers={name: result["tiers"][name] for name in TIER_NAMES},
        disqualified=result["disqualified"],
        three_x=result["three_x_rule"]["verdict"],
    )


# ---- what an edit changes, before it is saved -------------------------------------------


def edited_fields(card: Scorecard, form: dict[str, str]) -> dict[str, str]:
    """Field name -> the live card's value, for each field the form changes."""
    original = unchanged_form(card)
    edited = {}
    for name, value in original.items():
        if name.startswith("keep-dq-"):
            continue
        given = form.get(name, value)
        try:
            same = float(str(given).strip()) == float(value)
        except ValueError:
            same = False
        if not same:
            edited[name] = value
    for k in range(len(card.disqualifiers)):
        name = disqualifier_field(k)
        if (form.get(name, "") in ("on", "true", "1")) != (name in original):
            edited[name] = "kept"
    return edited


@dataclass(frozen=True)
class Impact:
    """What saving ``edited`` over ``live`` would change for companies and deals.

    ``accounts``/``deals`` are None without a build folder to count them on. Every 0-100 score
    is ``(points - lowest) / (highest - lowest)``, so an edit that moves the lowest or highest
    total rescales every company's score, including those whose own points did not change:
    ``rescaled`` counts those."""

    point_range: tuple[tuple[int, int], tuple[int, int]]
    accounts: int | None = None
    accounts_changed: int | None = None
    deals: int | None = None
    deals_changed: int | None = None
    moves: list[tuple[str, str, int]] | None = None  # (from tier, to tier, accounts), largest first
    scores_moved: int | None = None
    rescaled: int | None = None
    example: tuple[int, int, int] | None = None  # (points, score before, score after)

    @property
    def range_changed(self) -> bool:
        return self.point_range[0] != self.point_range[1]


def impact(
    live: Scorecard,
    edited: Scorecard,
    accounts: pd.DataFrame | None,
    deals: pd.DataFrame | None,
) -> Impact:
    """Tier moves of every account (and of every closed deal's account) under ``edited``."""
    ranges = (live.point_range(), edited.point_range())
    if accounts is None or accounts.empty:
        return Impact(ranges)
    before, after = live.apply(accounts), edited.apply(accounts)
    moved = before.tier != after.tier
    pairs = pd.Series(list(zip(before.tier[moved], after.tier[moved], strict=True)), dtype=object)
    moves = [(a, b, int(n)) for (a, b), n in pairs.value_counts().items()]
    same_points = before.raw_points == after.raw_points
    rescaled = same_points & (before.score != after.score)
    example = None
    if rescaled.any():
        i = int(np.flatnonzero(rescaled)[0])
        example = (int(before.raw_points[i]), int(before.score[i]), int(after.score[i]))
    deals_changed = None
    if deals is not None:
        deals_changed = int((live.apply(deals).tier != edited.apply(deals).tier).sum())
    return Impact(
        ranges,
        accounts=len(accounts),
        accounts_changed=int(moved.sum()),
        deals=None if deals is None else len(deals),
        deals_changed=deals_changed,
        moves=moves,
        scores_moved=int((before.score != after.score).sum()),
        rescaled=int(rescaled.sum()),
        example=example,
    )
