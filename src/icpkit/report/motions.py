"""The document of a --motion build: how the ICP compares across sales motions (inbound,
outbound, partner, ...), then one section per motion, each a full ICP document of its own."""

from __future__ import annotations

from typing import Any

from icpkit.report.charts import Bar
from icpkit.report.document import document_content
from icpkit.report.inputs import ReportInputs
from icpkit.report.paragraph import Vocabulary, describe_segment, interval, pct
from icpkit.stats import wilson_interval

ALL_DEALS = "All deals"


def motion_document(inputs: ReportInputs) -> dict[str, Any]:
    """Comparison rows, a win-rate-by-motion chart and a section per motion (all deals first)."""
    overall = document_content(inputs)
    sections: list[dict[str, Any]] = [{"value": ALL_DEALS, "content": overall, "note": ""}]
    rows = [_comparison_row(ALL_DEALS, inputs)]
    bars = [_bar(ALL_DEALS, inputs.facts.won, inputs.facts.closed_deals)]
    for motion in inputs.motions:
        if motion.inputs is None:
            sections.append({"value": motion.value, "content": None, "note": motion.note})
            rows.append(_skipped_row(motion.value, motion.closed_deals, motion.won, motion.note))
            if motion.closed_deals:
                bars.append(_bar(motion.value, motion.won, motion.closed_deals))
            continue
        content = document_content(motion.inputs)
        # The segments and data quality are in the all-deals section; a motion keeps its
        # summary, scorecard, proof, buyers and triggers.
        content["brief"] = True
        sections.append({"value": motion.value, "content": content, "note": ""})
        rows.append(_comparison_row(motion.value, motion.inputs))
        facts = motion.inputs.facts
        bars.append(_bar(motion.value, facts.won, facts.closed_deals))
    reliable = [r["value"] for r in rows[1:] if r["reliable"]]
    column = inputs.motion_column or "motion"
    return {
        "kind": "motions",
        "title": f"Ideal Customer Profile by {column}",
        "column": column,
        "summary": _summary(column, rows, reliable),
        "comparison": rows,
        "bars": bars,
        "base_rate": inputs.facts.won / max(inputs.facts.closed_deals, 1),
        "sections": sections,
        "main": overall,
    }


def _summary(column: str, rows: list[dict], reliable: list[str]) -> str:
    built = [r for r in rows[1:] if r["built"]]
    text = (
        f"The deals were split by {column} into {len(rows) - 1} motions; {len(built)} had "
        "enough closed deals to build an ICP of their own."
    )
    if reliable:
        text += f" A reliable ICP was found for {', '.join(reliable)}."
    else:
        text += " No motion on its own shows a reliable ICP."
    return text + " Each motion's section below reads like a full ICP document."


def _comparison_row(value: str, inputs: ReportInputs) -> dict[str, Any]:
    facts, profiles = inputs.facts, inputs.build.profiles
    reliable = inputs.build.validation.signal.reliable
    primary = profiles.primary_icp
    words = Vocabulary(profiles.attributes)
    lift = inputs.build.validation.lift_in_vs_out
    low, high = lift.ci
    lift_text = "n/a"
    if lift.lift is not None:
        lift_text = f"{lift.lift:.1f}x"
        if low is not None and high is not None:
            lift_text += f" ({low:.1f}-{high:.1f}x)"
    won, closed = facts.won, facts.closed_deals
    return {
        "value": value,
        "built": True,
        "reliable": reliable,
        "closed_deals": f"{closed:,}",
        "won": f"{won:,}",
        "win_rate": pct(won / max(closed, 1)),
        "ci": interval(list(wilson_interval(won, closed))),
        "icp": describe_segment(primary.conditions, words)
        if primary and reliable
        else "no reliable ICP",
        "lift": lift_text,
        "verdict": "reliable" if reliable else "no reliable signal",
    }


def _skipped_row(value: str, closed: int, won: int, note: str) -> dict[str, Any]:
    return {
        "value": value,
        "built": False,
        "reliable": False,
        "closed_deals": f"{closed:,}",
        "won": f"{won:,}",
        "win_rate": pct(won / closed) if closed else "n/a",
        "ci": interval(list(wilson_interval(won, closed))) if closed else "n/a",
        "icp": "not built",
        "lift": "n/a",
        "verdict": note,
    }


def _bar(value: str, won: int, closed: int) -> Bar:
    low, high = wilson_interval(won, closed)
    return Bar(value, won / max(closed, 1), low, high, f"{won:,}/{closed:,}", emphasis=False)
