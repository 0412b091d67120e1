"""The ICP in one paragraph a person could have written, from the numbers behind it."""

from __future__ import annotations

from icpkit.discover.segments import Atom, Segment

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


def join_words(words: list[str], last: str = "or") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def pct(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def describe_segment(atoms: tuple[Atom, ...]) -> str:
    """'Software or Financial Services companies with 200-1,999 employees that use Snowflake'."""
    subject = "Companies"
    with_parts, that_parts, in_parts = [], [], []
    for atom in atoms:
        values = list(atom.condition.values or ())
        if atom.column == "industry" and values:
            subject = f"{join_words(values)} companies"
        elif atom.kind == "list":
            that_parts.append(f"use {join_words(values)}")
        elif atom.column == "employees":
            with_parts.append(f"{_range_words(atom)} employees")
        elif atom.column == "annual_revenue":
            with_parts.append(f"{_money_range(atom)} in annual revenue")
        elif atom.column == "total_funding":
            with_parts.append(f"{_money_range(atom)} raised")
        elif atom.column == "funding_stage" and values:
            subject_stage = join_words([STAGE_NAMES.get(v, v) for v in values])
            with_parts.append(f"a {subject_stage} funding stage")
        elif atom.column in ("country", "region") and values:
            in_parts.append(f"in {join_words(values)}")
        elif atom.column == "founded_year":
            that_parts.append(f"were founded {_years(atom)}")
        elif values:
            with_parts.append(f"{atom.attribute.lower()} {join_words(values)}")
        else:
            with_parts.append(f"{atom.attribute.lower()} {_range_words(atom)}")
    text = subject
    if in_parts:
        text += " " + " ".join(in_parts)
    if with_parts:
        text += " with " + join_words(with_parts, "and")
    if that_parts:
        text += " that " + join_words(that_parts, "and")
    return text


def _clearest_losers(anti: list[Segment], most: int = 3) -> list[Segment]:
    """The significant one-condition anti-ICP segments that lose most, one per attribute."""
    chosen: list[Segment] = []
    for segment in sorted(anti, key=lambda s: s.win_rate):
        if not segment.significant or len(segment.atoms) != 1:
            continue
        if any(c.atoms[0].attribute == segment.atoms[0].attribute for c in chosen):
            continue
        chosen.append(segment)
        if len(chosen) == most:
            break
    return chosen


def _inline(text: str) -> str:
    """Mid-sentence form: 'companies with ...' but 'Software companies' keeps its capital."""
    return "c" + text[1:] if text.startswith("Companies") else text


def _range_words(atom: Atom) -> str:
    label = atom.label
    for unit in (" employees",):
        label = label.removesuffix(unit)
    return label


def _money_range(atom: Atom) -> str:
    c = atom.condition
    low = None if c.min is None else _money(c.min)
    high = None if c.less_than is None else _money(c.less_than)
    if low and high:
        return f"{low}-{high}"
    if low:
        return f"{low} or more"
    return f"under {high}"


def _money(x: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= size:
            return f"${x / size:.3g}{suffix}"
    return f"${x:,.0f}"


def _years(atom: Atom) -> str:
    c = atom.condition
    if c.min is not None and c.less_than is not None:
        return f"between {int(c.min)} and {int(c.less_than) - 1}"
    if c.min is not None:
        return f"in {int(c.min)} or later"
    return f"before {int(c.less_than)}"


def icp_paragraph(
    primary: Segment | None,
    anti: list[Segment],
    validation: dict,
    facts: dict,
    segments_tried: int,
) -> str:
    """The one paragraph at the top of the ICP document."""
    base = facts["won"] / max(facts["closed_deals"], 1)
    period = ""
    if facts.get("first_decision") and facts.get("last_decision"):
        period = f" between {facts['first_decision']} and {facts['last_decision']}"
    if primary is None or not validation.get("signal", {}).get("reliable", False):
        return (
            f"No reliable ICP signal yet. Across {facts['closed_deals']:,} closed deals"
            f"{period}, {pct(base)} were won, and none of the {segments_tried:,} segments we "
            "tried wins or loses more often than chance explains once we correct for how many "
            "we tried (or the scorecard does no better than chance on held-out deals). Keep the "
            "ICP broad, write down your hypothesis as a scorecard, and rebuild after the next "
            "50-100 closed deals."
        )
    inside = primary
    outside_rate = facts.get("primary", {}).get("win_rate_outside")
    lift = inside.win_rate / outside_rate if outside_rate else None
    parts = [
        f"Our ideal customers are {_inline(describe_segment(inside.atoms))}.",
        f"Across {facts['closed_deals']:,} closed deals{period}, they won "
        f"{pct(inside.win_rate)} of the time (95% CI {pct(inside.ci[0])}-{pct(inside.ci[1])}, "
        f"{inside.won} of {inside.accounts}) against {pct(outside_rate)} for everyone else"
        + (f", {lift:.1f}x as often." if lift else "."),
    ]
    primary_facts = facts.get("primary", {})
    cycle_in = primary_facts.get("median_cycle_days_inside")
    cycle_out = primary_facts.get("median_cycle_days_outside")
    if cycle_in is not None and cycle_out is not None and cycle_in < cycle_out:
        parts.append(
            f"They also close faster: a median of {cycle_in:.0f} days against {cycle_out:.0f}."
        )
    worst = _clearest_losers(anti)
    if worst:
        described = [_inline(describe_segment(s.atoms)) for s in worst]
        results = join_words([f"{pct(s.win_rate)} of {s.accounts:,} deals" for s in worst], "and")
        parts.append(f"Stay away from {join_words(described, 'and')}: they won {results}.")
    lift_check = validation.get("lift_in_vs_out", {})
    if lift_check.get("lift"):
        low, high = lift_check["ci"]
        interval = f", 95% CI {low:.1f}-{high:.1f}x" if low is not None and high else ""
        parts.append(
            f"On the {validation['split']['test']['accounts']:,} most recent deals, which the "
            f"scorecard never saw, tiers A and B won {lift_check['lift']:.1f}x as often as C and "
            f"D{interval}."
            if validation["split"]["method"] == "out-of-time"
            else f"On {validation['split']['test']['accounts']:,} held-out deals the scorecard "
            f"never saw, tiers A and B won {lift_check['lift']:.1f}x as often as C and "
            f"D{interval}."
        )
    return " ".join(parts)
