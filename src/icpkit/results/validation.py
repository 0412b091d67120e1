"""``validation.json``: the scorecard measured on held-out deals (:class:`Validation`), and on any
deals whose outcome is known (:class:`Evaluation`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from icpkit.results.record import IF_SET, Interval, JsonObject, Record


@dataclass(frozen=True, kw_only=True)
class Rate(Record):
    """Closed deals (``accounts``), how many were won, the win rate and its Wilson interval."""

    accounts: int
    won: int
    win_rate: float | None  # None when there are no deals
    ci: Interval


@dataclass(frozen=True, kw_only=True)
class Lift(Record):
    """Win rate inside the ICP (tiers A and B, not disqualified) against outside, on held-out
    deals, and their ratio with a bootstrap interval."""

    definition: str
    inside: Rate
    outside: Rate
    lift: float | None
    ci: Interval


@dataclass(frozen=True, kw_only=True)
class CalibrationGroup(Record):
    accounts: int
    predicted: float
    observed: float


@dataclass(frozen=True, kw_only=True)
class CalibrationTable(Record):
    """Predicted vs observed win rate per tenth of the held-out deals."""

    expected_calibration_error: float
    groups: tuple[CalibrationGroup, ...]


@dataclass(frozen=True, kw_only=True)
class GainsPoint(Record):
    share_of_deals: float
    share_of_wins: float
    lift: float


@dataclass(frozen=True, kw_only=True)
class ThreeXRule(Record):
    met: bool
    verdict: str


@dataclass(frozen=True, kw_only=True)
class SplitPart(Record):
    accounts: int
    won: int


@dataclass(frozen=True, kw_only=True)
class Split(Record):
    """How the held-out deals were chosen: ``out-of-time`` (from ``held_out_from`` on) or
    ``random``."""

    method: str
    held_out_from: str | None
    train: SplitPart
    test: SplitPart


@dataclass(frozen=True, kw_only=True)
class SignalVerdict(Record):
    """Is there an ICP at all: held-out AUC above a coin flip beyond its interval."""

    reliable: bool
    text: str


@dataclass(frozen=True, kw_only=True)
class Recency(Record):
    """What a half-life changed against counting every deal alike."""

    half_life_days: float
    closed_deals: int
    effective_deals: float
    summary: tuple[str, ...]
    versus_equal_weights: JsonObject  # the scorecard diff (`icpkit diff --json`)


@dataclass(frozen=True, kw_only=True)
class MatrixCell(Record):
    deals: int
    won: int
    win_rate: float | None
    ci: Interval | None


@dataclass(frozen=True, kw_only=True)
class EngagementMatrix(Record):
    """Closed deals and win rate per fit tier x engagement level (cells "A/high", ...)."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: dict[str, MatrixCell]


@dataclass(frozen=True, kw_only=True)
class Engagement(Record):
    """The engagement score, learned apart from fit, and how it meets fit."""

    columns: tuple[str, ...]
    attributes: tuple[str, ...]
    held_out_auc: float | None
    note: str
    matrix: EngagementMatrix


@dataclass(frozen=True, kw_only=True)
class Evaluation(Record):
    """A scorecard measured on deals whose outcome is known (:func:`icpkit.evaluate`)."""

    accounts: int
    won: int
    auc: float | None
    auc_ci: Interval
    lift_in_vs_out: Lift
    tiers: dict[str, Rate]
    disqualified: Rate
    precision_top_10: Rate
    precision_top_20: Rate
    calibration: CalibrationTable | None = None
    gains: tuple[GainsPoint, ...] = ()  # builds before icpkit wrote them have none
    three_x_rule: ThreeXRule


@dataclass(frozen=True, kw_only=True)
class Validation(Evaluation):
    """``validation.json``: the evaluation on held-out deals, how they were held out, and
    whether the ICP signal is reliable."""

    split: Split
    attributes_in_trial_scorecard: tuple[str, ...] = ()
    note: str = ""
    signal: SignalVerdict = SignalVerdict(reliable=False, text="")
    recency: Recency | None = field(default=None, metadata=IF_SET)  # with a half-life
    engagement: Engagement | None = field(default=None, metadata=IF_SET)  # with engagement columns
    attribute_kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
