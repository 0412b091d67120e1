"""The ICP in one paragraph a person could have written, from the numbers behind it.

Works on the typed results of a build (:mod:`icpkit.results`), which a build folder holds
too, so a re-rendered report reads exactly like the first.
"""

from __future__ import annotations

from collections.abc import Sequence

from icpkit.conditions import describe_range
from icpkit.results import (
    AttributeProfile,
    Facts,
    Persona,
    Profiles,
    Segment,
    SegmentCondition,
    Trigger,
    Validation,
)

STAGE_NAMES = {
    "bootstrapped": "bootstrapped",
    "pre_seed": "pre-seed",
    "seed": "seed",
    "series_a": "Series A",
    "series_b": "Series B",
    "series_c": "Series C",
    "series_d_plus": "Series D or later",
    "private_equity": "private-equity-backed",
    "public": "public",
}
GEOGRAPHY = ("country", "region")
MOST_VALUES = 4  # a list of values longer than this is shortened in sentences
SIGNAL_WORDS = {
    "funding": "a funding round",
    "executive_hire": "a new executive hire",
    "job_post": "a relevant job post",
    "renewal": "a competitor's renewal date",
    "incident": "an incident",
    "web_visit": "a visit to your website",
}


class Vocabulary:
    """What the report knows about each attribute column: its kind and display name.

    Read from the build's attribute profiles; a column it has never seen is taken as a
    category named after the column.
    """

    def __init__(self, profiles: Sequence[AttributeProfile]) -> None:
        self.kinds = {p.column: p.kind for p in profiles}
        self.names = {p.column: p.attribute for p in profiles if p.kind != "list"}

    def kind(self, column: str) -> str:
        return self.kinds.get(column, "category")

    def name(self, column: str) -> str:
        return self.names.get(column, column.replace("_", " ").capitalize())


def join_words(words: list[str], last: str = "or") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def pct(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def interval(ci: list | tuple | None) -> str:
    """'40%-50%' for a 95% interval on a rate."""
    if not ci or ci[0] is None or ci[1] is None:
        return "n/a"
    return f"{pct(ci[0])}-{pct(ci[1])}"


def numeric_bounds(condition: SegmentCondition) -> tuple[float | None, float | None]:
    """(min, less_than) of a segment condition: an integral ``max`` is inclusive."""
    low, high = condition.min, condition.max
    if high is None:
        return low, None
    return low, high if condition.max_exclusive else high + 1


def condition_label(condition: SegmentCondition) -> str:
    """'201+', 'under 23', 'Software or Financial Services' (no attribute name)."""
    if condition.values is not None:
        return " or ".join(condition.values)
    low, less_than = numeric_bounds(condition)
    return describe_range(low, None, less_than, "")


def describe_segment(conditions: Sequence[SegmentCondition], words: Vocabulary) -> str:
    """'Software or Financial Services companies with 200-1,999 employees that use Snowflake'."""
    subject = "Companies"
    with_parts: list[str] = []
    that_parts: list[str] = []
    in_parts: list[str] = []
    for condition in conditions:
        column = condition.attribute
        values = list(condition.values or ())
        if column == "industry" and len(values) > MOST_VALUES:
            in_parts.insert(0, f"in {few(values, 'industries')}")
        elif column == "industry" and values:
            subject = f"{join_words(values)} companies"
        elif words.kind(column) == "list":
            that_parts.append(f"use {few(values, 'tools')}")
        elif column == "employees":
            with_parts.append(f"{condition_label(condition)} employees")
        elif column == "annual_revenue":
            with_parts.append(f"{_money_range(condition)} in annual revenue")
        elif column == "total_funding":
            with_parts.append(f"{_money_range(condition)} raised")
        elif column == "funding_stage" and values:
            stages = join_words([STAGE_NAMES.get(v, v) for v in values])
            with_parts.append(f"a {stages} funding stage")
        elif column in GEOGRAPHY and values:
            in_parts.append(f"in {few(values, 'places')}")
        elif column == "founded_year":
            that_parts.append(f"were founded {_years(condition)}")
        else:
            with_parts.append(f"{words.name(column).lower()} {condition_label(condition)}")
    text = subject
    if in_parts:
        text += " " + " ".join(in_parts)
    if with_parts:
        text += " with " + join_words(with_parts, "and")
    if that_parts:
        text += " that " + join_words(that_parts, "and")
    return text


def few(values: list[str], noun: str) -> str:
    """A list short enough to read: 'A, B, C or 5 other industries' past four values."""
    if len(values) <= MOST_VALUES:
        return join_words(values)
    return f"{', '.join(values[:3])} or {len(values) - 3} other {noun}"


def inline(text: str) -> str:
    """Mid-sentence form: 'companies with ...' but 'Software companies' keeps its capital."""
    return "c" + text[1:] if text.startswith("Companies") else text


def redundant_columns(profiles: Profiles) -> set[str]:
    """Columns the search found to add nothing beyond the others (revenue, once employees and
    industry are known): the report quotes the attribute that carries the signal instead."""
    search = profiles.segment_search
    return set(search.redundant_attributes) if search else set()


def _quotable(segment: Segment, skip: set[str] | frozenset[str]) -> bool:
    """A significant one-condition segment on an attribute that adds something of its own,
    and, for a group of values, made of values that each hold on their own."""
    return (
        segment.significant
        and len(segment.conditions) == 1
        and segment.values_hold
        and segment.conditions[0].attribute not in skip
    )


def clearest_losers(
    segments: Sequence[Segment], most: int = 3, skip: set[str] | frozenset[str] = frozenset()
) -> list[Segment]:
    """The anti-ICP, one segment per attribute, those that lose most first: of an attribute's
    significant one-condition anti-ICP segments, the largest that wins under half the average
    (who to stay away from is as many as clearly lose), else the one that wins least.
    Attributes in ``skip`` (redundant ones) are left out. The paragraph's "stay away from" and
    the anti-ICP table both read this list, so they say the same."""
    by_column: dict[str, list[Segment]] = {}
    for segment in segments:
        if segment.kind == "anti" and _quotable(segment, skip):
            by_column.setdefault(segment.conditions[0].attribute, []).append(segment)
    chosen = []
    for group in by_column.values():
        clear = [s for s in group if s.lift < 0.5]
        chosen.append(max(clear, key=lambda s: s.accounts) if clear else min(group, key=_win_rate))
    return sorted(chosen, key=_win_rate)[:most]


def _win_rate(segment: Segment) -> float:
    return segment.win_rate


def clearest_winners(
    segments: Sequence[Segment],
    columns: set[str] | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
) -> list[Segment]:
    """Significant one-condition ICP segments (optionally on ``columns``, never on ``skip``),
    best lift first."""
    found = [
        s
        for s in segments
        if s.kind == "icp"
        and _quotable(s, skip)
        and (columns is None or s.conditions[0].attribute in columns)
    ]
    return sorted(found, key=lambda s: -s.lift)


def winning_personas(personas: Sequence[Persona] | None) -> list[Persona]:
    """Personas seen on won deals more than chance explains, the most common on wins first
    (a rare persona with a high lift describes few deals)."""
    found = [p for p in personas or () if p.significant and (p.lift or 0) > 1]
    return sorted(found, key=lambda p: -p.share_won)


def winning_triggers(triggers: Sequence[Trigger] | None) -> list[Trigger]:
    found = [t for t in triggers or () if t.significant and (t.lift or 0) > 1]
    return sorted(found, key=lambda t: -(t.lift or 0))


def persona_words(persona: Persona) -> str:
    """'a Director in Data' from a persona's seniority and function (either may be blank)."""
    seniority = persona.seniority.strip()
    function = persona.function.strip()
    role = (persona.role or "").strip()
    who = seniority or "someone"
    article = "an" if who[:1].lower() in "aeiou" else "a"
    text = f"{article} {who}" if seniority else who
    if function:
        text += f" in {function}"
    if role:
        text += f" acting as {role.lower()}"
    return text


def signal_words(signal_type: str) -> str:
    return SIGNAL_WORDS.get(signal_type, signal_type.replace("_", " "))


def _money_range(condition: SegmentCondition) -> str:
    low, high = numeric_bounds(condition)
    low_text = None if low is None else money(low)
    high_text = None if high is None else money(high)
    if low_text and high_text:
        return f"{low_text}-{high_text}"
    if low_text:
        return f"{low_text} or more"
    return f"under {high_text}"


def money(x: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= size:
            return f"${x / size:.3g}{suffix}"
    return f"${x:,.0f}"


def _years(condition: SegmentCondition) -> str:
    low, less_than = numeric_bounds(condition)
    if low is not None and less_than is not None:
        return f"between {int(low)} and {int(less_than) - 1}"
    if low is not None:
        return f"in {int(low)} or later"
    assert less_than is not None  # a range the segment search forms has a bound
    return f"before {int(less_than)}"


def icp_paragraph(
    primary: Segment | None,
    segments: Sequence[Segment],
    validation: Validation,
    facts: Facts,
    words: Vocabulary,
    *,
    segments_tried: int,
    attributes: Sequence[AttributeProfile],
    personas: Sequence[Persona] | None = None,
    triggers: Sequence[Trigger] | None = None,
    redundant: set[str] | frozenset[str] = frozenset(),
) -> str:
    """The one paragraph at the top of the ICP document. ``redundant``: columns that add
    nothing beyond the others (see :func:`redundant_columns`), never quoted."""
    if primary is None or not validation.signal.reliable:
        reasons = no_signal_reasons(validation, facts, segments, attributes, segments_tried)
        return no_signal_paragraph(facts, reasons)
    parts = [f"Our ideal customers are {inline(describe_segment(primary.conditions, words))}."]
    parts.append(_primary_evidence(primary, facts))
    parts += _stack_and_geography(primary, segments, words, redundant)
    parts += _who_and_when(personas, triggers)
    if facts.primary is not None:
        cycle_in = facts.primary.median_cycle_days_inside
        cycle_out = facts.primary.median_cycle_days_outside
        if cycle_in is not None and cycle_out is not None and cycle_in < cycle_out:
            parts.append(
                f"They also close faster: a median of {cycle_in:.0f} days against {cycle_out:.0f}."
            )
    worst = clearest_losers(segments, skip=redundant)
    if worst:
        described = [inline(describe_segment(s.conditions, words)) for s in worst]
        results = join_words([f"{pct(s.win_rate)} of {s.accounts:,} deals" for s in worst], "and")
        parts.append(f"Stay away from {join_words(described, 'and')}: they won {results}.")
    parts.append(_proof_sentence(validation))
    return " ".join(p for p in parts if p)


def no_signal_paragraph(facts: Facts, reasons: list[str]) -> str:
    """Say plainly that there is no ICP in this data, and why, in the reader's terms."""
    base = facts.won / max(facts.closed_deals, 1)
    why = "; ".join(reasons[:-1]) + f"; and {reasons[-1]}" if len(reasons) > 1 else ""
    why = why or (reasons[0] if reasons else "the evidence is too thin to tell")
    return (
        f"No reliable ICP signal yet: this data does not show which companies win. Across "
        f"{facts.closed_deals:,} closed deals{_period(facts)}, {pct(base)} were won. Why we "
        f"say so: {why}. Keep the ICP broad, write down your hypothesis as a scorecard, and "
        "rebuild after the next 50-100 closed deals."
    )


def no_signal_reasons(
    validation: Validation,
    facts: Facts,
    segments: Sequence[Segment],
    attributes: Sequence[AttributeProfile],
    segments_tried: int,
) -> list[str]:
    """The plain reasons behind a no-signal verdict, each a clause of one sentence."""
    reasons = []
    auc, ci = validation.auc, validation.auc_ci
    test = validation.split.test.accounts
    if auc is None:
        reasons.append("the held-out deals lack either wins or losses, so nothing can be tested")
    elif ci[0] is not None and ci[0] <= 0.5:
        reasons.append(
            f"on {test:,} held-out deals the scorecard ranked winners no better than a coin "
            f"flip (AUC {auc:.2f}, 95% CI {ci[0]:.2f}-{ci[1]:.2f}; 0.50 is chance)"
        )
    significant = [s for s in segments if s.significant]
    if not significant:
        reasons.append(
            f"none of the {segments_tried:,} segments we tried wins or loses more often than "
            "chance explains, once corrected for how many we tried"
        )
    else:
        reasons.append(
            f"{len(significant)} of {segments_tried:,} segments looked different, but a "
            "scorecard built on them did not hold up on deals it never saw"
        )
    spread = _win_rate_spread(attributes)
    if spread is not None:
        low, high = spread
        reasons.append(
            f"every group of 30 or more deals, by any attribute, won between {pct(low)} and "
            f"{pct(high)} of the time against {pct(facts.won / max(facts.closed_deals, 1))}"
            " overall"
        )
    companies = facts.closed_accounts
    if companies and facts.closed_deals >= 3 * companies:
        reasons.append(
            f"the {facts.closed_deals:,} deals come from only {companies:,} companies, and "
            "deals at the same company share every company attribute"
        )
    elif facts.closed_deals < 100:
        reasons.append(
            f"with {facts.closed_deals:,} closed deals only very large differences could show"
        )
    return reasons


def _win_rate_spread(attributes: Sequence[AttributeProfile], floor: int = 30) -> tuple | None:
    rates = [b.win_rate for a in attributes for b in a.bins if b.accounts >= floor]
    return (min(rates), max(rates)) if rates else None


def _period(facts: Facts) -> str:
    if facts.first_decision and facts.last_decision:
        return f" between {facts.first_decision} and {facts.last_decision}"
    return ""


def _primary_evidence(primary: Segment, facts: Facts) -> str:
    outside_rate = facts.primary.win_rate_outside if facts.primary else None
    lift = primary.win_rate / outside_rate if outside_rate else None
    return (
        f"Across {facts.closed_deals:,} closed deals{_period(facts)}, they won "
        f"{pct(primary.win_rate)} of the time (95% CI {interval(primary.ci)}, "
        f"{primary.won} of {primary.accounts}) against {pct(outside_rate)} for everyone "
        "else" + (f", {lift:.1f}x as often." if lift else ".")
    )


def _stack_and_geography(
    primary: Segment,
    segments: Sequence[Segment],
    words: Vocabulary,
    redundant: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """The technology and the geography behind the ICP, when the primary segment has none."""
    used = {c.attribute for c in primary.conditions}
    parts = []
    list_columns = {c for c, k in words.kinds.items() if k == "list"}
    if list_columns and not used & list_columns:
        stack = [s for s in clearest_winners(segments, list_columns) if s.lift >= 1.3][:1]
        if stack:
            told = join_words([_segment_result(s, words) for s in stack], "and")
            parts.append(f"Their stack is a tell: {told}.")
    geography = [c for c in GEOGRAPHY if c in words.kinds]
    if geography and not used & set(GEOGRAPHY):
        places = clearest_winners(segments, set(geography), redundant)
        if places:
            parts.append(f"Geography matters: {_segment_result(places[0], words)}.")
        else:
            parts.append("Where they are located makes no reliable difference.")
    return parts


def _segment_result(segment: Segment, words: Vocabulary) -> str:
    """'companies that use Snowflake won 45% of 408 deals (95% CI 40%-50%)'."""
    who = inline(describe_segment(segment.conditions, words))
    return (
        f"{who} won {pct(segment.win_rate)} of {segment.accounts:,} deals "
        f"(95% CI {interval(segment.ci)})"
    )


def _who_and_when(
    personas: Sequence[Persona] | None, triggers: Sequence[Trigger] | None
) -> list[str]:
    parts = []
    buyers = winning_personas(personas)
    if buyers:
        best = buyers[0]
        parts.append(
            f"Won deals often involve {persona_words(best)} ({pct(best.share_won)} of "
            f"won deals against {pct(best.share_lost)} of lost ones)."
        )
    moments = winning_triggers(triggers)
    if moments:
        events = join_words([signal_words(t.type) for t in moments[:2]], "or")
        moment = moments[0]
        window = moment.window_days
        parts.append(
            f"The time to reach them is within {window} days of {events}: deals won "
            f"{moment.lift:.1f}x as often then."
            if window
            else f"The time to reach them is after {events}: deals won {moment.lift:.1f}x as "
            "often then."
        )
    return parts


def _proof_sentence(validation: Validation) -> str:
    lift_check = validation.lift_in_vs_out
    if not lift_check.lift:
        return ""
    low, high = lift_check.ci
    ci_text = f", 95% CI {low:.1f}-{high:.1f}x" if low is not None and high else ""
    test = validation.split.test.accounts
    which = (
        f"On the {test:,} most recent deals, which the scorecard never saw"
        if validation.split.method == "out-of-time"
        else f"On {test:,} held-out deals the scorecard never saw"
    )
    return f"{which}, tiers A and B won {lift_check.lift:.1f}x as often as C and D{ci_text}."
