"""What changed between two scorecards, and what it does to the accounts.

Scores that shift for no visible reason are one of the complaints users have about scoring
tools. :func:`diff_scorecards` says what moved: attributes added or removed, bins redrawn,
points re-weighed, disqualifiers and tier cut-offs changed, the data each card was trained on,
and, given a list of accounts, how many of them change tier (with the tier-to-tier counts).
The result reads as text (:meth:`ScorecardDiff.text`) and as JSON (:meth:`ScorecardDiff.to_json`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from icpkit.jsonsafe import finite
from icpkit.scorecard.model import TIER_NAMES, Attribute, Scorecard

# trained_on facts worth comparing, in the order a reader wants them.
TRAINING_FACTS = (
    "closed_deals",
    "won",
    "lost",
    "base_win_rate",
    "first_decision",
    "last_decision",
    "half_life_days",
    "data_fingerprint",
)


@dataclass(frozen=True)
class AttributeChange:
    """How one attribute differs: "added", "removed", "rebinned" (bins redrawn), "repointed"
    (same bins, other points) or "same". Bins are (label, points) pairs."""

    name: str
    status: str
    old_bins: tuple[tuple[str, int], ...] = ()
    new_bins: tuple[tuple[str, int], ...] = ()
    repointed: tuple[tuple[str, int, int], ...] = ()  # (bin, old points, new points)


@dataclass(frozen=True)
class TierMoves:
    """Accounts scored by both cards: who changes tier, and the biggest score changes."""

    accounts: int
    moved: int
    up: int
    down: int
    matrix: dict[str, dict[str, int]]  # old tier -> new tier -> accounts
    mean_abs_score_change: float
    largest: tuple[dict[str, Any], ...]  # id, old/new score and tier

    def to_json(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "change_tier": self.moved,
            "move_up": self.up,
            "move_down": self.down,
            "share_changing_tier": self.moved / self.accounts if self.accounts else None,
            "matrix": self.matrix,
            "mean_abs_score_change": self.mean_abs_score_change,
            "largest_score_changes": list(self.largest),
        }


@dataclass
class ScorecardDiff:
    old_label: str
    new_label: str
    old_trained_on: dict[str, Any]
    new_trained_on: dict[str, Any]
    attributes: list[AttributeChange]
    disqualifiers_added: list[str]
    disqualifiers_removed: list[str]
    old_tiers: dict[str, Any]
    new_tiers: dict[str, Any]
    old_point_range: tuple[int, int]
    new_point_range: tuple[int, int]
    moves: TierMoves | None = None
    segments: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def same_data(self) -> bool | None:
        old = self.old_trained_on.get("data_fingerprint")
        new = self.new_trained_on.get("data_fingerprint")
        return None if not (old and new) else old == new

    @property
    def changed(self) -> bool:
        """Does anything that affects a score differ?"""
        return bool(
            any(a.status != "same" for a in self.attributes)
            or self.disqualifiers_added
            or self.disqualifiers_removed
            or self.old_tiers != self.new_tiers
            or self.old_point_range != self.new_point_range
        )

    def to_json(self) -> dict[str, Any]:
        return finite(
            {
                "old": self.old_label,
                "new": self.new_label,
                "changed": self.changed,
                "same_data": self.same_data,
                "trained_on": {"old": self.old_trained_on, "new": self.new_trained_on},
                "attributes": [
                    {
                        "name": a.name,
                        "status": a.status,
                        "old_bins": [{"bin": b, "points": p} for b, p in a.old_bins],
                        "new_bins": [{"bin": b, "points": p} for b, p in a.new_bins],
                        "points_changed": [
                            {"bin": b, "old": old, "new": new} for b, old, new in a.repointed
                        ],
                    }
                    for a in self.attributes
                ],
                "disqualifiers": {
                    "added": self.disqualifiers_added,
                    "removed": self.disqualifiers_removed,
                },
                "tiers": {"old": self.old_tiers, "new": self.new_tiers},
                "point_range": {
                    "old": list(self.old_point_range),
                    "new": list(self.new_point_range),
                },
                "accounts": self.moves.to_json() if self.moves else None,
                "segments": self.segments,
                "summary": self.summary(),
                "notes": self.notes,
            }
        )

    def summary(self) -> list[str]:
        """A few sentences: the headline of the diff."""
        lines = [_training_line(self.old_trained_on, self.new_trained_on, self.same_data)]
        counts: dict[str, list[str]] = {}
        for a in self.attributes:
            counts.setdefault(a.status, []).append(a.name)
        parts = [
            f"{word} {', '.join(counts[key])}"
            for key, word in (
                ("added", "added"),
                ("removed", "removed"),
                ("rebinned", "bins redrawn for"),
                ("repointed", "points changed for"),
            )
            if counts.get(key)
        ]
        lines.append("Attributes: " + ("; ".join(parts) if parts else "unchanged") + ".")
        if self.disqualifiers_added or self.disqualifiers_removed:
            lines.append(
                f"Disqualifiers: {len(self.disqualifiers_added)} added, "
                f"{len(self.disqualifiers_removed)} removed."
            )
        if self.old_tiers != self.new_tiers:
            lines.append(f"Tiers: {_tiers_text(self.old_tiers)} -> {_tiers_text(self.new_tiers)}.")
        if self.moves:
            m = self.moves
            share = m.moved / m.accounts if m.accounts else 0.0
            lines.append(
                f"{m.moved:,} of {m.accounts:,} accounts ({share:.0%}) change tier: "
                f"{m.up:,} up, {m.down:,} down."
            )
        if not self.changed:
            lines.append("The two cards score every account the same.")
        return lines

    def text(self) -> str:
        """The diff for a person: headline first, then every change with its points."""
        lines = [f"Scorecard diff: {self.old_label} -> {self.new_label}", ""]
        lines += self.summary()
        detail = [line for a in self.attributes for line in _attribute_lines(a)]
        if detail:
            lines += ["", "Points:", *detail]
        for reason in self.disqualifiers_added:
            lines.append(f"  + disqualifier: {reason}")
        for reason in self.disqualifiers_removed:
            lines.append(f"  - disqualifier: {reason}")
        if self.old_point_range != self.new_point_range:
            lines.append(
                f"  Point range {list(self.old_point_range)} -> {list(self.new_point_range)}: "
                "the same points now map to a different 0-100 score."
            )
        if self.moves:
            lines += ["", *_moves_lines(self.moves)]
        if self.segments:
            lines += ["", *_segment_lines(self.segments)]
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def diff_scorecards(
    old: Scorecard,
    new: Scorecard,
    *,
    accounts: pd.DataFrame | None = None,
    id_column: str | None = None,
    old_label: str = "old",
    new_label: str = "new",
    old_segments: list[dict] | None = None,
    new_segments: list[dict] | None = None,
) -> ScorecardDiff:
    """Compare two cards. With ``accounts`` (a frame of companies, canonical or as exported),
    also count the accounts that change tier; ``id_column`` names them in the examples.
    With both builds' ``segments.json`` lists, also say which segments appeared or went."""
    names = [a.name for a in old.attributes]
    names += [a.name for a in new.attributes if a.name not in names]
    old_by_name = {a.name: a for a in old.attributes}
    new_by_name = {a.name: a for a in new.attributes}
    attributes = [_attribute_change(n, old_by_name.get(n), new_by_name.get(n)) for n in names]
    old_rules = {_rule_key(d): d.reason for d in old.disqualifiers}
    new_rules = {_rule_key(d): d.reason for d in new.disqualifiers}
    result = ScorecardDiff(
        old_label=old_label,
        new_label=new_label,
        old_trained_on=_facts(old),
        new_trained_on=_facts(new),
        attributes=attributes,
        disqualifiers_added=[r for k, r in new_rules.items() if k not in old_rules],
        disqualifiers_removed=[r for k, r in old_rules.items() if k not in new_rules],
        old_tiers=_tiers(old),
        new_tiers=_tiers(new),
        old_point_range=old.point_range(),
        new_point_range=new.point_range(),
    )
    if accounts is not None:
        result.moves = tier_moves(old, new, accounts, id_column)
    if old_segments is not None and new_segments is not None:
        result.segments = diff_segments(old_segments, new_segments)
    return result


def tier_moves(
    old: Scorecard, new: Scorecard, accounts: pd.DataFrame, id_column: str | None = None
) -> TierMoves:
    """Score ``accounts`` with both cards and count who changes tier."""
    from icpkit.score import prepare  # parses "51-200" and "$2.5M" the way `icpkit score` does

    before = old.apply(prepare(accounts, old))
    after = new.apply(prepare(accounts, new))
    rank = {t: i for i, t in enumerate(TIER_NAMES)}
    old_rank = np.array([rank[t] for t in before.tier])
    new_rank = np.array([rank[t] for t in after.tier])
    matrix = {
        a: {b: int(((before.tier == a) & (after.tier == b)).sum()) for b in TIER_NAMES}
        for a in TIER_NAMES
    }
    change = after.score.astype(int) - before.score.astype(int)
    ids = (
        accounts[id_column].astype(str).to_numpy()
        if id_column and id_column in accounts.columns
        else np.array([f"row {i + 1}" for i in range(len(accounts))], dtype=object)
    )
    largest = tuple(
        {
            "id": str(ids[i]),
            "old_score": int(before.score[i]),
            "new_score": int(after.score[i]),
            "old_tier": str(before.tier[i]),
            "new_tier": str(after.tier[i]),
        }
        for i in np.argsort(-np.abs(change), kind="stable")[:10]
        if change[i] != 0
    )
    return TierMoves(
        accounts=len(accounts),
        moved=int((old_rank != new_rank).sum()),
        up=int((new_rank < old_rank).sum()),
        down=int((new_rank > old_rank).sum()),
        matrix=matrix,
        mean_abs_score_change=float(np.abs(change).mean()) if len(change) else 0.0,
        largest=largest,
    )


def diff_segments(old: list[dict], new: list[dict], top: int = 5) -> dict[str, Any]:
    """The leading segments of two builds (``segments.json``, best first): which of the
    ``top`` ICP and ``top`` anti-ICP segments appeared, went, or kept their place with another
    win rate. Only segments called significant count: the others were never part of the ICP."""

    def leading(segments: list[dict]) -> dict[tuple, dict]:
        chosen: dict[tuple, dict] = {}
        for kind in ("icp", "anti"):
            found = [s for s in segments if s.get("kind") == kind and s.get("significant")]
            chosen |= {(kind, s.get("description")): s for s in found[:top]}
        return chosen

    def significant(segments: list[dict], kind: str) -> int:
        return sum(1 for s in segments if s.get("kind") == kind and s.get("significant"))

    before, after = leading(old), leading(new)
    kept = [k for k in before if k in after]
    return {
        "significant": {
            kind: {"old": significant(old, kind), "new": significant(new, kind)}
            for kind in ("icp", "anti")
        },
        "added": [_segment_json(after[k]) for k in after if k not in before],
        "removed": [_segment_json(before[k]) for k in before if k not in after],
        "kept": [
            {
                "kind": k[0],
                "description": k[1],
                "old_win_rate": before[k].get("win_rate"),
                "new_win_rate": after[k].get("win_rate"),
            }
            for k in kept
        ],
    }


# ---- comparing pieces --------------------------------------------------------------------------


def _attribute_change(name: str, old: Attribute | None, new: Attribute | None) -> AttributeChange:
    old_bins = _bins(old)
    new_bins = _bins(new)
    if old is None:
        return AttributeChange(name, "added", new_bins=new_bins)
    if new is None:
        return AttributeChange(name, "removed", old_bins=old_bins)
    if old.bin_conditions() != new.bin_conditions():
        return AttributeChange(name, "rebinned", old_bins, new_bins)
    repointed = tuple(
        (b.label, a.points, b.points) for a, b in zip(old.bins, new.bins, strict=True)
        if a.points != b.points
    )  # fmt: skip
    status = "repointed" if repointed else "same"
    return AttributeChange(name, status, old_bins, new_bins, repointed)


def _bins(attribute: Attribute | None) -> tuple[tuple[str, int], ...]:
    return () if attribute is None else tuple((b.label, b.points) for b in attribute.bins)


def _rule_key(rule) -> tuple:
    return (rule.column, rule.kind, rule.condition)


def _facts(card: Scorecard) -> dict[str, Any]:
    facts = {k: card.trained_on[k] for k in TRAINING_FACTS if k in card.trained_on}
    facts["version"] = card.version
    return facts


def _tiers(card: Scorecard) -> dict[str, Any]:
    t = card.tiers
    return {"unit": t.unit, "A": t.a, "B": t.b, "C": t.c}


def _segment_json(segment: dict) -> dict[str, Any]:
    keys = ("kind", "description", "accounts", "win_rate", "lift")
    return {k: segment.get(k) for k in keys}


# ---- text ----------------------------------------------------------------------------------


def _training_line(old: dict, new: dict, same: bool | None) -> str:
    def side(facts: dict) -> str:
        if "closed_deals" in facts:
            text = f"{facts['closed_deals']:,} closed deals"
            if facts.get("last_decision"):
                text += f" up to {facts['last_decision']}"
        else:
            text = "no training data recorded (a hand-written card?)"
        if facts.get("half_life_days"):
            text += f", half-life {facts['half_life_days']:g} days"
        return text

    verdict = {True: "the same data", False: "different data", None: "data not comparable"}
    return f"Trained on {side(old)} -> {side(new)} ({verdict[same]})."


def _attribute_lines(change: AttributeChange) -> list[str]:
    def listing(bins: tuple[tuple[str, int], ...]) -> str:
        return ", ".join(f"{label} ({points:+d})" for label, points in bins)

    if change.status == "added":
        return [f"  + {change.name} (new): {listing(change.new_bins)}"]
    if change.status == "removed":
        return [f"  - {change.name} (removed): was {listing(change.old_bins)}"]
    if change.status == "rebinned":
        return [
            f"  ~ {change.name}: bins redrawn",
            f"      was: {listing(change.old_bins)}",
            f"      now: {listing(change.new_bins)}",
        ]
    if change.status == "repointed":
        moves = "; ".join(f"{b} {old:+d} -> {new:+d}" for b, old, new in change.repointed)
        return [f"  ~ {change.name}: {moves}"]
    return [f"    {change.name}: unchanged"]


def _tiers_text(tiers: dict[str, Any]) -> str:
    unit = "points" if tiers["unit"] == "points" else "score"
    return f"A {tiers['A']:g}+, B {tiers['B']:g}+, C {tiers['C']:g}+ ({unit})"


def _moves_lines(moves: TierMoves) -> list[str]:
    lines = [
        f"Accounts scored by both cards: {moves.accounts:,}; {moves.moved:,} change tier "
        f"({moves.up:,} up, {moves.down:,} down); mean score change "
        f"{moves.mean_abs_score_change:.1f} points.",
        "  Tier moves (rows: old tier, columns: new tier):",
        "       " + "".join(f"{t:>8}" for t in TIER_NAMES),
    ]
    for old in TIER_NAMES:
        row = "".join(f"{moves.matrix[old][new]:>8,}" for new in TIER_NAMES)
        lines.append(f"      {old}{row}")
    if moves.largest:
        lines.append("  Largest score changes:")
        for item in moves.largest[:5]:
            lines.append(
                f"    {item['id']}: {item['old_score']} ({item['old_tier']}) -> "
                f"{item['new_score']} ({item['new_tier']})"
            )
    return lines


def _segment_lines(segments: dict[str, Any]) -> list[str]:
    counts = segments["significant"]
    lines = [
        f"Segments: significant ICP segments {counts['icp']['old']} -> {counts['icp']['new']}, "
        f"anti-ICP {counts['anti']['old']} -> {counts['anti']['new']}; among the leading ones:"
    ]
    for s in segments["added"]:
        lines.append(f"  + {s['kind']}: {s['description']} (win rate {_pct(s['win_rate'])})")
    for s in segments["removed"]:
        lines.append(f"  - {s['kind']}: {s['description']} (win rate {_pct(s['win_rate'])})")
    for s in segments["kept"]:
        lines.append(
            f"    {s['kind']}: {s['description']}: win rate {_pct(s['old_win_rate'])} -> "
            f"{_pct(s['new_win_rate'])}"
        )
    if len(lines) == 1:
        lines.append("  none significant in either build")
    elif len(lines) == 1 + len(segments["kept"]):
        lines.insert(1, "  the same leading segments")
    return lines


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def recency_report(
    weighted: Scorecard,
    plain: Scorecard,
    weight: np.ndarray,
    deals: pd.DataFrame,
    half_life_days: float,
) -> dict[str, Any]:
    """What a half-life changed: the recency-weighted card against the same learner with every
    deal alike, on the closed deals both learned from. ``effective_deals`` is Kish's effective
    sample size, (sum of weights)^2 / sum of squared weights: the evidence the card rests on."""
    weight = np.asarray(weight, dtype=float)
    change = diff_scorecards(
        plain,
        weighted,
        accounts=deals,
        old_label="every deal counted alike",
        new_label=f"half-life {half_life_days:g} days",
    )
    effective = float(weight.sum() ** 2 / np.square(weight).sum())
    moves = change.moves
    assert moves is not None  # the diff was given the deals, so it counted their moves
    return {
        "half_life_days": half_life_days,
        "closed_deals": len(weight),
        "effective_deals": round(effective, 1),
        "summary": [
            f"With a half-life of {half_life_days:g} days the newest deals count most: the card "
            f"rests on the equivalent of {effective:,.0f} of {len(weight):,} closed deals.",
            *(line for line in change.summary()[1:] if "change tier:" not in line),
            f"{moves.moved:,} of {moves.accounts:,} closed deals sit in another tier than with "
            "every deal counted alike.",
        ],
        "versus_equal_weights": change.to_json(),
    }
