"""``segments.json`` (the ICP and anti-ICP segments) and ``profiles.json`` (every attribute's
win rates, the primary ICP segment, the facts the document quotes, and what discovery found
beyond the win rate)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Self

from icpkit.discover.roles import ColumnRoles
from icpkit.results.record import IF_SET, Interval, JsonObject, Record, _load


@dataclass(frozen=True, kw_only=True)
class SegmentCondition(Record):
    """``{"attribute", "values"}`` or ``{"attribute", "min", "max"}`` (inclusive; with
    ``max_exclusive`` for a non-integer cut), or a bin of blanks (``missing``) or of everything
    else (``other``). ``attribute`` is the column."""

    attribute: str
    values: tuple[str, ...] | None = field(default=None, metadata=IF_SET)
    min: float | None = field(default=None, metadata=IF_SET)
    max: float | None = field(default=None, metadata=IF_SET)
    max_exclusive: bool = field(default=False, metadata=IF_SET)
    missing: bool = field(default=False, metadata=IF_SET)
    other: bool = field(default=False, metadata=IF_SET)


@dataclass(frozen=True, kw_only=True)
class Segment(Record):
    """A conjunction of conditions that wins (``kind`` "icp") or loses ("anti") more often
    than the rest; ``significant`` after the correction for every segment tried."""

    kind: str
    description: str
    conditions: tuple[SegmentCondition, ...]
    accounts: int
    won: int
    win_rate: float
    ci: Interval
    lift: float
    p_value: float
    p_adjusted: float
    significant: bool
    values_hold: bool = True  # each group of values in it holds on its own


@dataclass(frozen=True, kw_only=True)
class Segments(Record):
    """``segments.json``: the ICP shortlist, then the anti-ICP shortlist."""

    items: tuple[Segment, ...] = ()

    @property
    def icp(self) -> list[Segment]:
        return [s for s in self.items if s.kind == "icp"]

    @property
    def anti(self) -> list[Segment]:
        return [s for s in self.items if s.kind == "anti"]

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def to_json(self) -> list[Any]:
        return [s.to_json() for s in self.items]

    @classmethod
    def from_json(cls, data: Any, where: str = "") -> Self:
        return cls(items=_load(data, tuple[Segment, ...], where))


@dataclass(frozen=True, kw_only=True)
class ProfileBin(Record):
    label: str
    accounts: int
    won: int
    win_rate: float
    ci: Interval
    shrunk_win_rate: float  # pulled toward the base rate as if 10 more deals at it
    lift: float | None
    p_value: float
    p_adjusted: float
    significant: bool


@dataclass(frozen=True, kw_only=True)
class AttributeProfile(Record):
    """Win rate per bin of one attribute, with its information value in numbers and words."""

    attribute: str
    column: str
    kind: str
    information_value: float
    strength: str
    bins: tuple[ProfileBin, ...]


@dataclass(frozen=True, kw_only=True)
class PrimaryFacts(Record):
    """Cycle, deal size and win rate inside the primary ICP segment against outside it."""

    median_cycle_days_inside: float | None
    median_cycle_days_outside: float | None
    median_won_amount_inside: float | None
    median_won_amount_outside: float | None
    win_rate_outside: float | None
    accounts_outside: int
    won_outside: int


@dataclass(frozen=True, kw_only=True)
class TargetList(Record):
    """``--universe``: how many companies of the universe fall in each tier."""

    universe: str
    companies: int
    tiers: dict[str, int]
    tier_shares: dict[str, float]
    primary_icp_accounts: int
    advice: str
    columns_used: dict[str, str]  # the card's column -> the column of the universe read for it
    columns_missing: tuple[str, ...]
    unreadable: dict[str, int]
    formats: JsonObject
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    market: JsonObject | None = field(
        default=None, metadata=IF_SET
    )  # with deal amounts to value the market


@dataclass(frozen=True, kw_only=True)
class Facts(Record):
    """The counts and dates the document quotes."""

    accounts: int
    closed_deals: int
    closed_accounts: int = 0
    won: int
    lost: int
    open_deals: int = 0
    first_decision: str | None = None
    last_decision: str | None = None
    primary: PrimaryFacts | None = field(
        default=None, metadata=IF_SET
    )  # with a primary ICP segment
    target_list: TargetList | None = field(default=None, metadata=IF_SET)  # with --universe


@dataclass(frozen=True, kw_only=True)
class DetectableEffect(Record):
    """For a segment holding ``share_of_deals``: the win rates it would need to show."""

    share_of_deals: float
    deals: int
    win_rate_needed_above: float | None
    lift_needed_above: float | None
    win_rate_needed_below: float | None
    lift_needed_below: float | None


@dataclass(frozen=True, kw_only=True)
class ColumnTest(Record):
    p_value: float
    p_adjusted: float


@dataclass(frozen=True, kw_only=True)
class SearchSummary(Record):
    """How the segment search was run and corrected (per depth 1, 2, 3 as "1", "2", "3")."""

    alpha_by_depth: dict[str, float]
    looked_at: dict[str, int]
    could_form: dict[str, int]
    significant_icp: int
    significant_anti: int
    minimum_detectable_effect: tuple[DetectableEffect, ...]
    columns: dict[str, ColumnTest] = field(default_factory=dict)
    # Columns that add nothing beyond the others, and the columns that explain each.
    redundant_attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Profiles(Record):
    """``profiles.json``: the base rate, the primary ICP segment, every attribute's profile,
    the deal attributes' qualification insights, the column roles, the facts, and what
    discovery found beyond the win rate (shapes in docs/discovery.md)."""

    base_win_rate: float
    segments_tried: int
    primary_icp: Segment | None  # the ICP in one conjunction
    attributes: tuple[AttributeProfile, ...] = ()
    qualification_insights: tuple[AttributeProfile, ...] = ()
    column_roles: ColumnRoles = field(default_factory=ColumnRoles)
    facts: Facts
    segment_search: SearchSummary | None = None
    outcome_profiles: JsonObject = field(default_factory=dict)
    best_vs_worst: JsonObject | None = None
    intersection: JsonObject = field(default_factory=dict)
    tradeoffs: tuple[JsonObject, ...] = ()
    clusters: JsonObject | None = None
