"""The typed results of a build: what ``validation.json``, ``segments.json``, ``profiles.json``,
``personas.json`` and ``triggers.json`` hold, as frozen dataclasses.

Each record's ``to_json()`` is exactly what its file holds (the files are a public contract,
see DESIGN.md), and ``from_json()`` reads it back: ``Record.from_json(r.to_json()) == r``. The
build makes them from what discovery and validation computed; the report, the server, the CLI
and a notebook read them, and :func:`read_build` gives the same records from a build folder.

The JSON shapes of the outcome profiles, best vs worst customers, the intersection, trade-offs,
clusters and win/loss analysis are documented in ``docs/discovery.md`` and held as JSON
objects (:data:`JsonObject`).
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    Self,
    TypeAlias,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from icpkit.discover.roles import ColumnRoles
from icpkit.errors import IcpkitError
from icpkit.jsonsafe import read_json
from icpkit.scorecard.model import Scorecard
from icpkit.timing import TimingModel, timing_from_dict

if TYPE_CHECKING:
    # Any JSON value; a JsonObject is a JSON object.
    Json: TypeAlias = Union[bool, int, float, str, list["Json"], dict[str, "Json"], None]  # noqa: UP007
else:

    class Json:
        """Any JSON value: what the records' conversion knows the alias by at run time (a
        recursive alias cannot be told apart from its expansion once evaluated)."""


JsonObject: TypeAlias = dict[str, Json]
# A 95% interval, [low, high]; an end is None when the data cannot bound it.
Interval: TypeAlias = tuple[float | None, float | None]

_OMIT = "icpkit.omit"
_OMIT_WITH = "icpkit.omit_with"
# Field metadata: the key is written only when the field holds something other than its
# default, and an absent key reads as the default.
IF_SET = MappingProxyType({_OMIT: True})


def along_with(name: str) -> Mapping[str, str]:
    """Field metadata: the key is written exactly when field ``name``'s key is (a value that
    may be null, beside one that never is)."""
    return MappingProxyType({_OMIT_WITH: name})


class ResultError(IcpkitError):
    """A build result that does not have the shape icpkit writes (a hand-edited or truncated
    file): says where, like ``tiers.A.won: expected a whole number, found "x"``."""


@dataclass(frozen=True, kw_only=True)
class Record:
    """A frozen dataclass that converts to and from JSON by its fields' types, in field order
    (the order of the keys in the file)."""

    def to_json(self) -> Any:
        out: dict[str, Any] = {}
        for f in fields(self):
            if _omitted(self, f):
                continue
            out[f.name] = _dump(getattr(self, f.name))
        return out

    @classmethod
    def from_json(cls, data: Any, where: str = "") -> Self:
        """The record from its JSON form; keys it does not know are ignored, a missing
        required key or a value of the wrong type is a :class:`ResultError`."""
        if not isinstance(data, Mapping):
            raise ResultError(f"{where or cls.__name__}: expected an object, found {_shown(data)}")
        hints = _hints(cls)
        values = {}
        for f in fields(cls):
            here = f"{where}.{f.name}" if where else f.name
            if f.name in data:
                values[f.name] = _load(data[f.name], hints[f.name], here)
            elif f.default is MISSING and f.default_factory is MISSING:
                raise ResultError(f"{where or cls.__name__}: {f.name!r} is missing")
        return cls(**values)


def _omitted(record: Record, f: Any) -> bool:
    if f.metadata.get(_OMIT):
        return getattr(record, f.name) == f.default
    other = f.metadata.get(_OMIT_WITH)
    if other:
        return _omitted(record, next(g for g in fields(record) if g.name == other))
    return False


# ---- Validation (validation.json) ----------------------------------------------------------


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


# ---- Segments (segments.json) --------------------------------------------------------------


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


# ---- Profiles (profiles.json) --------------------------------------------------------------


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


# ---- Personas (personas.json) --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Persona(Record):
    """A buying role, function and seniority seen together on closed deals, how much more
    often deals with it win, and whether that beats chance after Holm's correction."""

    role: str | None
    function: str
    seniority: str
    name: str
    deals_with: int
    won_with: int
    share_won: float
    share_won_ci: Interval
    share_lost: float
    share_lost_ci: Interval
    win_rate_with: float
    win_rate_with_ci: Interval
    win_rate_without: float
    lift: float | None
    ci: Interval
    p_value: float
    p_adjusted: float
    significant: bool
    direction: str
    # Compared within fit tiers: the lift before that comparison.
    lift_crude: float | None = field(default=None, metadata=along_with("ci_crude"))
    ci_crude: Interval | None = field(default=None, metadata=IF_SET)


@dataclass(frozen=True, kw_only=True)
class ContactData(Record):
    """How many contacts there were, and how they were linked to closed deals."""

    contacts: int
    contacts_on_closed_deals: int
    linked_by: dict[str, int]
    closed_deals: int
    closed_deals_with_contacts: int
    won_with_contacts: int
    lost_with_contacts: int
    contacts_with_role: int
    function_from: dict[str, int]
    seniority_from: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class Comparison(Record):
    """A count per deal (people, functions) on won against lost deals."""

    median_won: float | None
    median_lost: float | None
    mean_won: float | None
    mean_won_ci: Interval | None
    mean_lost: float | None
    mean_lost_ci: Interval | None
    p_value: float


@dataclass(frozen=True, kw_only=True)
class SizeRate(Record):
    people: str
    deals: int
    won: int
    win_rate: float
    ci: Interval


@dataclass(frozen=True, kw_only=True)
class SeniorityShare(Record):
    seniority: str
    share_won: float | None
    share_won_ci: Interval
    share_lost: float | None
    share_lost_ci: Interval


@dataclass(frozen=True, kw_only=True)
class LevelShare(Record):
    share_won: float | None
    share_won_ci: Interval
    share_lost: float | None
    share_lost_ci: Interval
    p_value: float


@dataclass(frozen=True, kw_only=True)
class CommitteeMember(Record):
    function: str
    seniority: str
    share_won: float


@dataclass(frozen=True, kw_only=True)
class DecisionMakingUnit(Record):
    """Size, seniority mix and breadth of the buying committee on won vs lost deals."""

    deals: int
    size: Comparison
    functions: Comparison
    win_rate_by_size: tuple[SizeRate, ...]
    seniority_mix: tuple[SeniorityShare, ...]
    deals_with_level: dict[str, LevelShare]
    typical_won_committee: tuple[CommitteeMember, ...]


@dataclass(frozen=True, kw_only=True)
class SegmentPersonas(Record):
    segment: str
    closed_deals: int
    won: int
    personas: tuple[Persona, ...]
    decision_making_unit: DecisionMakingUnit | None


@dataclass(frozen=True, kw_only=True)
class Personas(Record):
    """``personas.json``. ``status``: "ok", "insufficient" (too few deals with contacts: the
    ``message`` says what is missing) or "no_data" (no contacts table)."""

    status: str
    message: str
    data: ContactData | None = field(default=None, metadata=IF_SET)
    method: str | None = field(default=None, metadata=IF_SET)
    personas: tuple[Persona, ...] = ()
    tried: int | None = field(default=None, metadata=IF_SET)
    decision_making_unit: DecisionMakingUnit | None = None
    by_segment: tuple[SegmentPersonas, ...] | None = None


# ---- Triggers (triggers.json) --------------------------------------------------------------


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


# ---- The build -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BuildResult:
    """Everything `icpkit build` found, as its files hold it: the scorecard
    (``scorecard.toml``), ``validation``, ``segments``, ``profiles``, ``personas``,
    ``triggers``, the engagement score (``engagement.toml``, None without engagement columns)
    and ``winloss`` (``winloss.json``). ``files``: what was written, by name, once written."""

    scorecard: Scorecard
    validation: Validation
    segments: Segments
    profiles: Profiles
    personas: Personas
    triggers: Triggers
    engagement: Scorecard | None = None
    winloss: JsonObject | None = None  # loss reasons, competitors, note themes
    files: Mapping[str, Path] = field(default_factory=dict)


FILES = {
    "validation": ("validation.json", Validation),
    "segments": ("segments.json", Segments),
    "profiles": ("profiles.json", Profiles),
    "personas": ("personas.json", Personas),
    "triggers": ("triggers.json", Triggers),
}
REQUIRED_FILES = ("scorecard.toml", "validation.json", "segments.json", "profiles.json")
MOTIONS_FILE = "motions.json"  # a --motion build's list of motions and their folders


def read_result(path: Path, kind: type[Record]) -> Any:
    """One result file read as its record; a broken file is a one-line error naming it."""
    return _record(path, kind, read_json(path))


def _record(path: Path, kind: type[Record], data: Any) -> Any:
    try:
        return kind.from_json(data)
    except ResultError as error:
        raise IcpkitError(f"not what icpkit build writes: {error.message}", file=path) from None


def read_build(folder: Path | str) -> BuildResult:
    """The results an `icpkit build --out` folder holds; a missing or broken file is a
    one-line error. A folder without personas.json or triggers.json (written before icpkit
    looked for them) reads as a build without contacts or signals."""
    from icpkit.discover.personas import no_contacts
    from icpkit.discover.triggers import no_signals
    from icpkit.scorecard.io import load_scorecard

    folder = Path(folder)
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "folder not found"
        raise IcpkitError(f"{problem} (give the --out folder of an icpkit build)", file=folder)
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise IcpkitError(
            f"not a build folder: {', '.join(missing)} missing (run icpkit build --out first)",
            file=folder,
        )
    parts = {
        name: read_result(folder / file, kind)
        for name, (file, kind) in FILES.items()
        if (folder / file).is_file()
    }
    parts.setdefault("personas", Personas.from_json(no_contacts()))
    parts.setdefault("triggers", Triggers.from_json(no_signals()))
    engagement, winloss = folder / "engagement.toml", folder / "winloss.json"
    return BuildResult(
        scorecard=load_scorecard(folder / "scorecard.toml"),
        engagement=load_scorecard(engagement) if engagement.is_file() else None,
        winloss=_json(read_json(winloss, dict), "winloss") if winloss.is_file() else None,
        **parts,
    )


def read_primary_segment(path: Path) -> Segment | None:
    """The primary ICP segment of a build: ``primary_icp`` of a profiles.json, or the first
    significant ICP segment of a segments.json."""
    data = read_json(path)
    if isinstance(data, dict):
        return _record(path, Profiles, data).primary_icp
    if isinstance(data, list):
        return next((s for s in _record(path, Segments, data).icp if s.significant), None)
    raise IcpkitError("expected profiles.json or segments.json", file=path)


# ---- Conversion ----------------------------------------------------------------------------


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _dump(value: Any) -> Any:
    if isinstance(value, Record | ColumnRoles):
        return value.to_json()
    if isinstance(value, TimingModel):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


_NUMBERS = {int: "a whole number", float: "a number", str: "text", bool: "true or false"}


def _load(value: Any, hint: Any, where: str) -> Any:
    if hint is Json:
        return _json(value, where)
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _load(value, inner, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise ResultError(f"{where}: expected a list, found {_shown(value)}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise ResultError(f"{where}: expected {len(args)} values, found {len(value)}")
        return tuple(
            _load(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True))
        )
    if origin is dict:
        if not isinstance(value, dict):
            raise ResultError(f"{where}: expected an object, found {_shown(value)}")
        return {str(k): _load(v, args[1], f"{where}.{k}") for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.from_json(value, where)
    if hint is ColumnRoles:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ResultError(f"{where}: expected a list of columns, found {_shown(value)}")
        return ColumnRoles.from_json(value)
    if hint is TimingModel:
        if not isinstance(value, dict):
            raise ResultError(f"{where}: expected a timing model, found {_shown(value)}")
        try:
            return timing_from_dict(value)
        except IcpkitError as error:
            raise ResultError(f"{where}: {error.message}") from None
    if hint in _NUMBERS:
        fits = isinstance(value, bool) if hint is bool else isinstance(value, hint)
        if hint is float:
            fits = isinstance(value, int | float) and not isinstance(value, bool)
        elif hint is int:
            fits = fits and not isinstance(value, bool)
        if not fits:
            raise ResultError(f"{where}: expected {_NUMBERS[hint]}, found {_shown(value)}")
        return value
    raise TypeError(f"{where}: no JSON reading for {hint!r}")


def _json(value: Any, where: str) -> Json:
    """A JSON value, copied (a record never shares a dict with its input)."""
    if isinstance(value, dict):
        return {str(k): _json(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ResultError(f"{where}: {type(value).__name__} is not a JSON value")


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    if value is None or isinstance(value, str | int | float | bool):
        text = json.dumps(value)
        return text if len(text) <= 40 else text[:36] + '..."'
    return type(value).__name__
