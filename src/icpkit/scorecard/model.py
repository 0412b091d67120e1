"""The scorecard: a plain value of attributes, bins, points, disqualifiers and tiers.

A learned scorecard and a hand-written one are the same object. It is applied here in Python
(vectorised over a DataFrame); the same definitions can be printed as SQL or shown in a report,
so everything a bin does is spelled out in its fields, never in code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from icpkit import bounds
from icpkit.conditions import Condition, first_match, matches, out_of_range, read_column
from icpkit.plain import plain, plain_integer, plain_number, plain_text

KINDS = ("numeric", "category", "list", "boolean")
TIER_NAMES = ("A", "B", "C", "D")
NO_BIN = "no matching bin"  # the label of a value no bin takes (it scores 0)


@dataclass(frozen=True)
class BinStats:
    """What the training data said about a bin: the counts behind its points."""

    accounts: int
    won: int
    win_rate: float
    ci_low: float
    ci_high: float

    def __post_init__(self) -> None:
        _coerce(self, plain_integer, "accounts", "won")
        _coerce(self, plain_number, "win_rate", "ci_low", "ci_high")


@dataclass(frozen=True)
class Bin:
    label: str
    points: int
    condition: Condition
    stats: BinStats | None = None
    # A pair row's bin: the condition on the attribute's second column (``column2``).
    condition2: Condition | None = None

    def __post_init__(self) -> None:
        _coerce(self, plain_text, "label")
        _coerce(self, plain_integer, "points")

    def describe(self, unit: str = "", unit2: str = "") -> str:
        text = self.condition.describe(unit)
        if self.condition2 is None:
            return text
        return f"{text} & {self.condition2.describe(unit2)}"


@dataclass(frozen=True)
class Attribute:
    """One scored attribute: the input column it reads and its bins, first match wins.

    A pair row reads two columns: ``column2`` (of kind ``kind2``) is the second, and each bin
    holds a condition on each (``condition`` and ``condition2``); a bin matches where both do.
    """

    name: str
    column: str
    kind: str
    bins: tuple[Bin, ...]
    unit: str = ""
    column2: str = ""
    kind2: str = ""

    def __post_init__(self) -> None:
        _coerce(self, plain_text, "name", "column", "kind", "unit", "column2", "kind2")
        # A blank label is one the card describes itself, as a file that leaves it out reads.
        bins = tuple(
            replace(b, label=b.describe(self.unit)) if b.label == "" else b for b in self.bins
        )
        object.__setattr__(self, "bins", bins)

    @property
    def is_pair(self) -> bool:
        return bool(self.column2)

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """(column, kind) of each column the attribute reads: one, or two for a pair row."""
        if self.is_pair:
            return ((self.column, self.kind), (self.column2, self.kind2))
        return ((self.column, self.kind),)

    def bin_conditions(self) -> list[tuple[str, str, list[Condition]]]:
        """(column, kind, each bin's condition on it) of each column the attribute reads."""
        out = [(self.column, self.kind, [b.condition for b in self.bins])]
        if self.is_pair:
            out.append((self.column2, self.kind2, self.conditions2()))
        return out

    def conditions2(self) -> list[Condition]:
        """Each bin's condition on ``column2``, the second column of a pair row (whose every
        bin has one: the card's reader and the learner give it one)."""
        out = []
        for b in self.bins:
            if b.condition2 is None:
                raise ValueError(
                    f"attribute {self.name!r}: bin {b.label!r} of a pair row has no condition "
                    f"on its second column {self.column2!r}"
                )
            out.append(b.condition2)
        return out

    def point_range(self) -> tuple[int, int]:
        # An unmatched value scores 0, unless a catch-all bin guarantees every value matches.
        points = [b.points for b in self.bins]
        covered = not self.is_pair and (
            any(b.condition.other for b in self.bins)
            or (self.kind == "numeric" and _numeric_bins_cover_everything(self.bins))
        )
        if not covered:
            points.append(0)
        return min(points), max(points)


@dataclass(frozen=True)
class Disqualifier:
    """A hard 'do not pursue' rule: a matching account is tier D whatever its points."""

    attribute: str
    column: str
    kind: str
    condition: Condition
    reason: str
    stats: BinStats | None = None

    def __post_init__(self) -> None:
        _coerce(self, plain_text, "attribute", "column", "kind", "reason")
        if self.reason == "":
            object.__setattr__(self, "reason", f"{self.column} {self.condition.describe()}")


@dataclass(frozen=True)
class Tiers:
    """Lower bounds of tiers A, B and C; below C is D.

    ``unit`` is "score" (the 0-100 fit score) or "points" (the raw sum of points, as in a
    hand-written card that says "pursue at 3+").
    """

    a: float
    b: float
    c: float
    unit: str = "score"

    def __post_init__(self) -> None:
        _coerce(self, plain_number, "a", "b", "c")
        _coerce(self, plain_text, "unit")

    def assign(self, values: np.ndarray) -> np.ndarray:
        tiers = np.full(values.shape, "D", dtype=object)
        tiers[values >= self.c] = "C"
        tiers[values >= self.b] = "B"
        tiers[values >= self.a] = "A"
        return tiers


@dataclass(frozen=True)
class Calibration:
    """Win probability of a fit score: 1 / (1 + exp(-(intercept + slope * score)))."""

    intercept: float
    slope: float

    def __post_init__(self) -> None:
        _coerce(self, plain_number, "intercept", "slope")

    def probability(self, score: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.intercept + self.slope * np.asarray(score, float))))


@dataclass(frozen=True)
class Scorecard:
    name: str
    attributes: tuple[Attribute, ...]
    tiers: Tiers
    disqualifiers: tuple[Disqualifier, ...] = ()
    calibration: Calibration | None = None
    version: int = 1
    description: str = ""
    trained_on: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _coerce(self, plain_text, "name", "description")
        _coerce(self, plain_integer, "version")
        object.__setattr__(self, "attributes", tuple(self.attributes))
        object.__setattr__(self, "disqualifiers", tuple(self.disqualifiers))
        object.__setattr__(self, "trained_on", _known(plain(dict(self.trained_on))))

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys(column for column, _ in self.column_kinds()))

    def column_kinds(self) -> list[tuple[str, str]]:
        """Every (column, kind) the card reads, in card order, each once."""
        pairs = [p for a in self.attributes for p in a.columns]
        pairs += [(rule.column, rule.kind) for rule in self.disqualifiers]
        return list(dict.fromkeys(pairs))

    def point_range(self) -> tuple[int, int]:
        ranges = [a.point_range() for a in self.attributes]
        return sum(r[0] for r in ranges), sum(r[1] for r in ranges)

    def with_tiers(self, tiers: Tiers) -> Scorecard:
        return replace(self, tiers=tiers)

    def apply(self, frame: pd.DataFrame) -> ScoredFrame:
        """Score every row of ``frame``; columns the card needs but the frame lacks count as
        missing, so a card never fails on a thin lead record."""
        n = len(frame)
        points = np.zeros((n, len(self.attributes)), dtype=np.int64)
        labels = []
        for j, attribute in enumerate(self.attributes):
            points[:, j], bin_labels = _bin_points(frame, attribute)
            labels.append(bin_labels)
        raw = points.sum(axis=1)
        low, high = self.point_range()
        span = max(high - low, 1)
        # Round half up on exact integers, floor((200 * (raw - low) + span) / (2 * span)), so that
        # every SQL dialect (icpkit.sql) gives the same score; numpy's round-half-to-even can't
        # be written the same way in all of them.
        score = ((200 * (raw - low) + span) // (2 * span)).clip(0, 100).astype(np.int64)
        tier_basis = raw if self.tiers.unit == "points" else score
        tiers = self.tiers.assign(tier_basis.astype(float))

        disqualified = np.zeros(n, dtype=bool)
        dq_reason = np.full(n, "", dtype=object)
        for rule in self.disqualifiers:
            values = read_column(frame, rule.column, rule.kind)
            hit = matches(values, rule.kind, rule.condition) & ~disqualified
            dq_reason[hit] = f"DQ: {rule.reason}"
            disqualified |= hit
        tiers[disqualified] = "D"
        outside = np.zeros((n, len(self.columns)), dtype=bool)
        kinds = set(self.column_kinds())
        for k, column in enumerate(self.columns):
            for kind in sorted(kind for c, kind in kinds if c == column):
                outside[:, k] |= out_of_range(frame, column, kind)
        return ScoredFrame(
            self, points, labels, raw, score, tiers, disqualified, dq_reason,
            notes=range_notes(self.columns, outside),
        )  # fmt: skip

    def _repr_html_(self) -> str:
        """The card as a table in Jupyter: one row per bin with its points and the accounts
        and win rate behind them, then the disqualifiers and the tier bounds. Every text is
        escaped, so a label from a CRM cannot inject markup into the notebook."""
        from html import escape

        def counts(stats: BinStats | None) -> str:
            if stats is None or not math.isfinite(stats.win_rate):
                return "<td></td><td></td>"
            rate = f"{stats.win_rate:.0%} ({stats.ci_low:.0%}-{stats.ci_high:.0%})"
            return f'<td style="text-align:right">{stats.accounts:,}</td><td>{rate}</td>'

        head = "<tr><th>Attribute</th><th>Bin</th><th>Points</th><th>Accounts</th>"
        rows = [head + "<th>Win rate (95% CI)</th></tr>"]
        for attribute in self.attributes:
            for k, b in enumerate(attribute.bins):
                first = ""
                if k == 0:
                    first = (
                        f'<th rowspan="{len(attribute.bins)}" style="text-align:left">'
                        f"{escape(attribute.name)}<br><code>{escape(attribute.column)}</code></th>"
                    )
                points = f'<td style="text-align:right">{b.points:+d}</td>'
                rows.append(f"<tr>{first}<td>{escape(b.label)}</td>{points}{counts(b.stats)}</tr>")
        for rule in self.disqualifiers:
            rows.append(
                f'<tr><th style="text-align:left">Disqualifier</th><td>{escape(rule.reason)}'
                f"</td><td>tier D</td>{counts(rule.stats)}</tr>"
            )
        low, high = self.point_range()
        unit = "points" if self.tiers.unit == "points" else "score"
        tiers = " &middot; ".join(
            f"{name} &ge; {bound:g}"
            for name, bound in zip("ABC", (self.tiers.a, self.tiers.b, self.tiers.c), strict=True)
        )
        caption = (
            f'<caption style="text-align:left"><b>{escape(self.name)}</b>: '
            f"{len(self.attributes)} attribute{'' if len(self.attributes) == 1 else 's'}, "
            f"points {low:+d} to {high:+d}, "
            f"tiers by {unit}: {tiers} &middot; D below</caption>"
        )
        return f'<table class="icpkit-scorecard">{caption}{"".join(rows)}</table>'


@dataclass
class ScoredFrame:
    """Scores for a frame, with the per-attribute points kept for the reasons."""

    scorecard: Scorecard
    points: np.ndarray
    bin_labels: list[np.ndarray]  # per attribute, the label of the bin each row fell in
    raw_points: np.ndarray
    score: np.ndarray
    tier: np.ndarray
    disqualified: np.ndarray
    disqualifier_reason: np.ndarray
    # per row, what was read as unknown because it was out of range ("" when nothing was)
    notes: np.ndarray | None = None

    def reasons(self, top: int = 3) -> list[str]:
        """Short text per row: the attributes that added or removed most points."""
        names = [a.name for a in self.scorecard.attributes]
        order = np.argsort(-np.abs(self.points), axis=1, kind="stable")[:, :top]
        out = []
        for i in range(len(self.points)):
            parts = []
            if self.disqualifier_reason[i]:
                parts.append(self.disqualifier_reason[i])
            for j in order[i]:
                p = int(self.points[i, j])
                if p:
                    parts.append(f"{names[j]}: {self.bin_labels[j][i]} ({p:+d})")
            if self.notes is not None and self.notes[i]:
                parts.append(self.notes[i])
            out.append("; ".join(parts))
        return out

    def probability(self) -> np.ndarray | None:
        cal = self.scorecard.calibration
        return None if cal is None else cal.probability(self.score)

    def to_frame(self, ids: pd.Series | None = None, id_name: str = "account_id") -> pd.DataFrame:
        out = pd.DataFrame(
            {
                "icp_score": self.score,
                "icp_tier": self.tier.astype(str),
                "icp_disqualified": self.disqualified,
                "icp_reasons": self.reasons(),
            }
        )
        if ids is not None:
            out.insert(0, id_name, ids.to_numpy())
        return out


def range_notes(columns: list[str], outside: np.ndarray) -> np.ndarray:
    """Per row, the reasons for the values read as unknown because out of range
    (``outside[i, k]``: row i's value of ``columns[k]``), in card column order."""
    notes = np.full(outside.shape[0], "", dtype=object)
    for k, column in enumerate(columns):
        hit = outside[:, k]
        if hit.any():
            text = bounds.note(column)
            notes[hit] = np.where(notes[hit] == "", text, notes[hit] + "; " + text)
    return notes


def _coerce(item: Any, convert: Any, *names: str) -> None:
    for name in names:
        object.__setattr__(item, name, convert(getattr(item, name)))


def _known(facts: Any) -> Any:
    """Facts without the unknown ones: a file has no null, so an unknown fact is left out."""
    if isinstance(facts, dict):
        return {k: _known(v) for k, v in facts.items() if v is not None}
    if isinstance(facts, list):
        return [_known(v) for v in facts]
    return facts


def _numeric_bins_cover_everything(bins: tuple[Bin, ...]) -> bool:
    if not any(b.condition.missing for b in bins):
        return False
    spans = sorted(
        _span(b.condition)
        for b in bins
        if not (b.condition.missing or b.condition.other or b.condition.values is not None)
    )
    reach = -math.inf
    for low, high in spans:
        if low > reach:
            return False
        reach = max(reach, high)
    return reach == math.inf


def _span(c: Condition) -> tuple[float, float]:
    low = -math.inf if c.min is None else c.min
    if c.less_than is not None:
        return low, c.less_than
    return low, math.inf if c.max is None else math.nextafter(c.max, math.inf)


def _bin_points(frame: pd.DataFrame, attribute: Attribute) -> tuple[np.ndarray, np.ndarray]:
    values = read_column(frame, attribute.column, attribute.kind)
    second = None
    if attribute.is_pair:
        values2 = read_column(frame, attribute.column2, attribute.kind2)
        second = (values2, attribute.kind2, attribute.conditions2())
    chosen = first_match(values, attribute.kind, [b.condition for b in attribute.bins], second)
    points = np.array([b.points for b in attribute.bins] + [0], dtype=np.int64)
    labels = np.array([b.label for b in attribute.bins] + [NO_BIN], dtype=object)
    return points[chosen], labels[chosen]
