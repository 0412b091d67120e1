"""``triggers.json``: the signals (funding, job posts, visits) that come before won deals, the
timing model learned from them, and the fit x timing priority matrix."""

from __future__ import annotations

from dataclasses import dataclass, field

from icpkit.results.record import IF_SET, Interval, Record, along_with
from icpkit.timing import TimingModel


@dataclass(frozen=True, kw_only=True)
class SignalData(Record):
    signals: int
    signal_types: dict[str, int]
    closed_deals_with_created_at: int
    won: int
    first_signal: str | None
    last_signal: str | None


@dataclass(frozen=True, kw_only=True)
class WindowPoint(Record):
    """Deals with the signal within ``window_days`` before creation, against without."""

    window_days: int
    deals_with: int
    deals_without: int
    win_rate_with: float | None
    win_rate_without: float | None
    lift: float | None
    z: float
    evidence: float
    tried: bool


@dataclass(frozen=True, kw_only=True)
class Trigger(Record):
    """One signal type: the window with the largest lift its deals vouch for, the lift with
    its interval, and whether any window beats chance after the corrections. A type that could
    not be tested has a ``note`` instead of counts."""

    type: str
    window_days: int | None
    tested: bool
    lift: float | None
    ci: Interval
    p_value: float | None
    p_adjusted: float | None
    significant: bool
    direction: str | None
    window_curve: tuple[WindowPoint, ...]
    note: str | None = field(default=None, metadata=IF_SET)
    deals_with: int | None = field(default=None, metadata=IF_SET)
    won_with: int | None = field(default=None, metadata=IF_SET)
    win_rate_with: float | None = field(default=None, metadata=IF_SET)
    win_rate_with_ci: Interval | None = field(default=None, metadata=IF_SET)
    deals_without: int | None = field(default=None, metadata=IF_SET)
    won_without: int | None = field(default=None, metadata=IF_SET)
    win_rate_without: float | None = field(default=None, metadata=IF_SET)
    win_rate_without_ci: Interval | None = field(default=None, metadata=IF_SET)
    lift_crude: float | None = field(default=None, metadata=along_with("ci_crude"))
    ci_crude: Interval | None = field(default=None, metadata=IF_SET)
    z: float | None = field(default=None, metadata=IF_SET)
    p_single_window: float | None = field(default=None, metadata=IF_SET)
    windows_tried: int | None = field(default=None, metadata=IF_SET)


@dataclass(frozen=True, kw_only=True)
class TimingCheck(Record):
    timing_bucket: int
    deals: int
    won: int
    win_rate: float | None
    ci: Interval


@dataclass(frozen=True, kw_only=True)
class PriorityMatrix(Record):
    """Accounts per fit tier (rows) x timing bucket (columns), cells like "A1"."""

    rows: tuple[str, ...]
    columns: tuple[int, ...]
    cells: dict[str, int]
    accounts: int
    note: str
    as_of: str | None


@dataclass(frozen=True, kw_only=True)
class Triggers(Record):
    """``triggers.json``. ``status``: "ok", "insufficient" or "no_data" (no signals table)."""

    status: str
    message: str
    data: SignalData | None = field(default=None, metadata=IF_SET)
    method: str | None = field(default=None, metadata=IF_SET)
    triggers: tuple[Trigger, ...] = ()
    significant: tuple[str, ...] = ()
    timing_model: TimingModel | None = None
    timing_check: tuple[TimingCheck, ...] | None = field(default=None, metadata=IF_SET)
    priority_matrix: PriorityMatrix | None = field(default=None, metadata=IF_SET)
