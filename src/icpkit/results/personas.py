"""``personas.json``: the buying roles on won against lost deals, and the buying committee."""

from __future__ import annotations

from dataclasses import dataclass, field

from icpkit.results.record import IF_SET, Interval, Record, along_with


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
