"""Assemble the ICP document's content once, as plain data both renderers (Markdown and HTML)
share: what it says, the numbers behind every sentence, and the data for its charts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from icpkit.conditions import Condition
from icpkit.report.charts import Bar, Point, Stage, known_bar
from icpkit.report.inputs import ReportInputs, from_build
from icpkit.report.paragraph import (
    GEOGRAPHY,
    Vocabulary,
    clearest_losers,
    clearest_winners,
    describe_segment,
    icp_paragraph,
    interval,
    join_words,
    numeric_bounds,
    pct,
    persona_words,
    redundant_columns,
    signal_words,
    winning_personas,
    winning_triggers,
)
from icpkit.report.winloss import annotate_anti, competitor_rows, theme_row, with_note_trigger
from icpkit.results import (
    BuildResult,
    CalibrationTable,
    Interval,
    Persona,
    Segment,
    SegmentCondition,
    Trigger,
    Validation,
)
from icpkit.stats import wilson_interval

FIRMOGRAPHIC = {
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "region",
    "founded_year",
    "funding_stage",
    "total_funding",
}
BEHAVIOURAL_SIGNALS = {"web_visit", "product_usage", "trial", "content_download", "intent"}
REVALIDATE_AFTER = (50, 100)  # closed deals: the playbooks' re-validation window
MAX_PROFILE_ATTRIBUTES = 8
MAX_SEGMENTS = 12
MAX_ANTI_ROWS = 5  # the anti-ICP the summary page names; segments.json has every one
MAX_WHO_ROWS = 10
Ranked = TypeVar("Ranked", Persona, Trigger)


def document_content(source: BuildResult | ReportInputs) -> dict[str, Any]:
    """Everything the document says about one build, as plain data."""
    inputs = source if isinstance(source, ReportInputs) else from_build(source)
    build = inputs.build
    profiles, validation, facts = build.profiles, build.validation, inputs.facts
    words = Vocabulary(profiles.attributes)
    reliable = validation.signal.reliable
    return {
        "title": "Ideal Customer Profile",
        "subtitle": _subtitle(inputs),
        "reliable": reliable,
        "signal": {"reliable": reliable, "text": validation.signal.text},
        "paragraph": icp_paragraph(
            profiles.primary_icp,
            build.segments.items,
            validation,
            facts,
            words,
            segments_tried=profiles.segments_tried,
            attributes=profiles.attributes,
            personas=inputs.personas,
            triggers=inputs.triggers,
            redundant=redundant_columns(profiles),
        ),
        "highlights": _highlights(inputs, reliable),
        "dimensions": _dimensions(inputs, words),
        "anti": annotate_anti(_anti(inputs, words), build.winloss, words),
        "scorecard": _scorecard_rows(inputs),
        "tiers": build.scorecard.tiers,
        "scorecard_warning": None
        if reliable
        else "This scorecard did no better than chance on held-out deals: do not use it to "
        "rank accounts until a rebuild on more deals finds a reliable signal.",
        "who_buys": _who_buys(inputs),
        "competitors": competitor_rows(build.winloss),
        "target_list": _target_list(inputs),
        "validation": _validation_rows(validation),
        "segments": _segments(inputs, words),
        "segments_tried": profiles.segments_tried,
        "attribute_bars": _attribute_bars(inputs),
        "base_rate": facts.won / max(facts.closed_deals, 1),
        "quality": _quality(inputs),
        "roles": _column_roles(inputs),
        "revalidate": _revalidate(inputs),
        "brief": False,  # True drops segments and data quality (a --motion section)
    }


def _subtitle(inputs: ReportInputs) -> str:
    facts, trained = inputs.facts, inputs.build.scorecard.trained_on
    built = str(trained.get("built_at", ""))[:10]
    period = ""
    if facts.first_decision:
        period = f", decided {facts.first_decision} to {facts.last_decision}"
    text = (
        f"From {facts.closed_deals:,} closed deals ({facts.won:,} won, {facts.lost:,} "
        f"lost) at {facts.closed_accounts:,} companies{period}."
    )
    if built:
        text += f" Built {built}"
        if trained.get("icpkit_version"):
            text += f" with icpkit {trained['icpkit_version']}"
        text += "."
    return text


def _highlights(inputs: ReportInputs, reliable: bool) -> list[dict[str, str]]:
    """The three or four numbers a reader remembers, each with its interval or counts."""
    v, facts = inputs.build.validation, inputs.facts
    primary = inputs.build.profiles.primary_icp
    tiles = []
    if reliable and primary:
        outside = facts.primary.win_rate_outside if facts.primary else None
        tiles.append(
            {
                "label": "Win rate in the ICP",
                "value": pct(primary.win_rate),
                "detail": f"{primary.won:,} of {primary.accounts:,} deals (95% CI "
                f"{interval(primary.ci)}); {pct(outside)} for everyone else",
            }
        )
    lift = v.lift_in_vs_out
    if lift.lift is not None:
        low, high = lift.ci
        tiles.append(
            {
                "label": "Lift on unseen deals",
                "value": f"{lift.lift:.1f}x",
                "detail": f"tiers A-B vs C-D, 95% CI {low:.1f}-{high:.1f}x"
                if low is not None and high is not None
                else "tiers A-B vs C-D",
            }
        )
    if v.auc is not None:
        low, high = v.auc_ci
        tiles.append(
            {
                "label": "Held-out AUC",
                "value": f"{v.auc:.2f}",
                "detail": f"95% CI {low:.2f}-{high:.2f}; 0.50 is a coin flip",
            }
        )
    target = facts.target_list
    if target:
        tiles.append(
            {
                "label": "Target accounts (A-B)",
                "value": f"{target.primary_icp_accounts:,}",
                "detail": f"of {target.companies:,} companies scored",
            }
        )
    else:
        tiles.append(
            {
                "label": "Closed deals",
                "value": f"{facts.closed_deals:,}",
                "detail": f"{pct(facts.won / max(facts.closed_deals, 1))} won overall",
            }
        )
    return tiles


def _dimensions(inputs: ReportInputs, words: Vocabulary) -> list[dict[str, str]]:
    """The six dimensions of an ICP, each filled from data or marked with the data it needs."""
    rows = [
        _firmographic(inputs, words),
        _technographic(inputs, words),
        _behavioural(inputs),
        theme_row("Use case", "use_case", inputs.build.winloss),
        with_note_trigger(_trigger_row(inputs), inputs.build.winloss),
        _decision_unit_row(inputs),
        _pain_row(inputs),
    ]
    for row in rows:
        row["profile"] = row["profile"][:1].upper() + row["profile"][1:]
    return rows


def _pain_row(inputs: ReportInputs) -> dict[str, str]:
    """From the notes' themes when notes were given; else what to record."""
    winloss = inputs.build.winloss
    if winloss and winloss.get("notes"):
        return theme_row("Existing pain proof", "pain", winloss)
    return {
        "dimension": "Existing pain proof",
        "profile": "Needs input: record evidence of the pain you solve on each account "
        "(job posts for the work you automate, the tool you replace, support tickets, or "
        "call notes and interviews given with --notes), then rebuild.",
        "status": "input",
    }


def _firmographic(inputs: ReportInputs, words: Vocabulary) -> dict[str, str]:
    """The kind of company: the headline ICP's own conditions when it has some; else the
    company attributes that win on their own (the same significant segments the rest of the
    page quotes); "no kind of company wins" only when none does."""
    primary = inputs.build.profiles.primary_icp
    reliable = inputs.build.validation.signal.reliable
    redundant = redundant_columns(inputs.build.profiles)
    segments = inputs.build.segments.items
    firmo = [c for c in (primary.conditions if primary else ()) if c.attribute in FIRMOGRAPHIC]
    row = {"dimension": "Firmographic", "status": "data"}
    geography = [c for c in GEOGRAPHY if c in words.kinds]
    if firmo and reliable:
        text = describe_segment(firmo, words)
        if geography and not {c.attribute for c in firmo} & set(geography):
            places = clearest_winners(segments, set(geography), redundant)
            text += (
                f"; {_segment_result(places[0], words)}"
                if places
                else "; location makes no reliable difference"
            )
        row["profile"] = text + "."
        return row
    winners = _one_per_attribute(clearest_winners(segments, FIRMOGRAPHIC, redundant))
    if winners:
        text = "; ".join(_segment_result(s, words) for s in winners[:3])
        if not reliable:
            text += (
                "; but a scorecard built on them did not hold up on deals it never saw, so "
                "treat them as leads to check, not as the ICP"
            )
        row["profile"] = text + "."
        return row
    tried = [words.name(c).lower() for c, kind in words.kinds.items() if kind != "list"]
    if not tried:
        row.update(
            profile="Needs input: add industry, employees, revenue and country to accounts.",
            status="input",
        )
        return row
    row.update(
        profile="No kind of company wins more often than chance explains (tried: "
        f"{join_words(tried, 'and')}).",
        status="none",
    )
    return row


def _one_per_attribute(segments: list[Segment]) -> list[Segment]:
    seen: set[str] = set()
    out = []
    for segment in segments:
        column = segment.conditions[0].attribute
        if column not in seen:
            seen.add(column)
            out.append(segment)
    return out


def _segment_result(segment: Segment, words: Vocabulary) -> str:
    return (
        f"{describe_segment(segment.conditions, words)} won {pct(segment.win_rate)} of "
        f"{segment.accounts:,} deals (95% CI {interval(segment.ci)})"
    )


def _technographic(inputs: ReportInputs, words: Vocabulary) -> dict[str, str]:
    list_columns = {c for c, k in words.kinds.items() if k == "list"}
    row = {"dimension": "Technographic", "status": "data"}
    if not list_columns:
        row.update(
            profile="Needs input: add each account's technologies (from your CRM's tech fields "
            "or a technographic provider) as a list column.",
            status="input",
        )
        return row
    segments = inputs.build.segments.items
    winners = clearest_winners(segments, list_columns)[:3]
    losers = [
        s
        for s in clearest_losers(segments, most=len(segments))
        if s.conditions[0].attribute in list_columns
    ][:2]
    if not winners and not losers:
        row.update(
            profile="No technology in the data changes the win rate beyond chance.",
            status="none",
        )
        return row
    parts = []
    if winners:
        parts.append("Wins more with " + join_words([_tool_result(s) for s in winners], "and"))
    if losers:
        parts.append("less with " + join_words([_tool_result(s) for s in losers], "and"))
    base = inputs.facts.won / max(inputs.facts.closed_deals, 1)
    row["profile"] = f"{'; '.join(parts)} (average {pct(base)})."
    return row


def _tool_result(segment: Segment) -> str:
    """'Snowflake (45% of 408 deals won, 95% CI 40%-50%)'."""
    tools = join_words(list(segment.conditions[0].values or ()))
    return (
        f"{tools} ({pct(segment.win_rate)} of {segment.accounts:,} deals won, 95% CI "
        f"{interval(segment.ci)})"
    )


def _behavioural(inputs: ReportInputs) -> dict[str, str]:
    engaged = [t for t in inputs.triggers or () if t.type in BEHAVIOURAL_SIGNALS]
    if engaged:
        return {
            "dimension": "Behavioural",
            "profile": "; ".join(_trigger_text(t) for t in engaged) + ".",
            "status": "data" if any(t.significant for t in engaged) else "none",
        }
    return {
        "dimension": "Behavioural",
        "profile": "Needs input: add engagement per account as signals (web visits, trials, "
        "product usage, content downloads) with dates.",
        "status": "input",
    }


def _trigger_text(trigger: Trigger) -> str:
    window, lift, ci = trigger.window_days, trigger.lift, trigger.ci
    within = f" within {window} days" if window else ""
    verdict = "" if trigger.significant else ", not beyond chance"
    rate = f"{lift:.1f}x" if lift is not None else "n/a"
    ci_text = f" (95% CI {ci[0]:.1f}-{ci[1]:.1f}x)" if ci[0] is not None and ci[1] else ""
    return f"{signal_words(trigger.type)}{within}: deals win {rate}{ci_text}{verdict}"


def _trigger_row(inputs: ReportInputs) -> dict[str, str]:
    row = {"dimension": "Triggering event", "status": "data"}
    if inputs.triggers is None:
        row.update(
            profile="Needs input: add a signals table (funding rounds, executive hires, job "
            "posts, with dates) to learn which events come before wins.",
            status="input",
        )
        return row
    best = winning_triggers(inputs.triggers)
    if not inputs.triggers and inputs.build.triggers.message:
        row.update(profile=f"Needs input: {inputs.build.triggers.message}", status="input")
        return row
    if not best:
        tried = join_words([signal_words(t.type) for t in inputs.triggers], "and")
        row.update(profile=f"No event precedes wins beyond chance (tried: {tried}).", status="none")
        return row
    row["profile"] = "; ".join(_trigger_text(t) for t in best[:3]) + "."
    return row


def _decision_unit_row(inputs: ReportInputs) -> dict[str, str]:
    row = {"dimension": "Decision-making unit", "status": "data"}
    if inputs.personas is None:
        row.update(
            profile="Needs input: add contacts with titles and buying roles, linked to won and "
            "lost deals.",
            status="input",
        )
        return row
    best = winning_personas(inputs.personas)
    if not inputs.personas and inputs.build.personas.message:
        row.update(profile=f"Needs input: {inputs.build.personas.message}", status="input")
        return row
    if not best:
        row.update(
            profile="No buyer persona is more common in won deals than lost ones beyond chance.",
            status="none",
        )
        return row
    row["profile"] = (
        "; ".join(
            f"{persona_words(p)}: in {pct(p.share_won)} of won deals vs {pct(p.share_lost)} of lost"
            for p in best[:3]
        )
        + "."
    )
    return row


def _anti(inputs: ReportInputs, words: Vocabulary) -> list[dict[str, str]]:
    """Who not to pursue: the anti-ICP the paragraph names (:func:`clearest_losers`, the
    same segments), each marked "disqualify" where the scorecard has a hard rule on that
    attribute, then any other rule of the scorecard, which scores accounts whatever the page
    says."""
    rules = inputs.build.scorecard.disqualifiers
    rows = []
    losers = clearest_losers(
        inputs.build.segments.items, MAX_ANTI_ROWS, redundant_columns(inputs.build.profiles)
    )
    for segment in losers:
        condition = segment.conditions[0]
        on_column = [r for r in rules if r.column == condition.attribute]
        action = "deprioritise"
        if any(_covers(r.condition, condition) for r in on_column):
            action = "disqualify"
        elif on_column:
            named = join_words([r.condition.describe() for r in on_column])
            action = f"deprioritise (the scorecard disqualifies {named})"
        rows.append(
            {
                "who": describe_segment(segment.conditions, words),
                "evidence": f"won {segment.won:,} of {segment.accounts:,} "
                f"({pct(segment.win_rate)}, 95% CI {interval(segment.ci)})",
                "action": action,
            }
        )
    shown = {segment.conditions[0].attribute for segment in losers}
    for rule in rules:
        if rule.column in shown:
            continue
        stats = rule.stats
        rows.append(
            {
                "who": f"{rule.attribute}: {rule.condition.describe()}",
                "evidence": (
                    f"won {stats.won} of {stats.accounts:,} ({pct(stats.win_rate)}, 95% CI "
                    f"{pct(stats.ci_low)}-{pct(stats.ci_high)}); a rule of the scorecard"
                    if stats
                    else "hand-written rule"
                ),
                "action": "disqualify",
            }
        )
    return rows


def _covers(rule: Condition, condition: SegmentCondition) -> bool:
    """Does a scorecard rule take in every account of a segment's condition?"""
    if condition.values is not None:
        wanted = {v.strip().casefold() for v in condition.values}
        return rule.values is not None and wanted <= {v.strip().casefold() for v in rule.values}
    if rule.values is not None or rule.missing or rule.other:
        return False
    low, less_than = numeric_bounds(condition)
    rule_less = rule.less_than if rule.max is None else rule.max + 1
    above = rule.min is None or (low is not None and low >= rule.min)
    below = rule_less is None or (less_than is not None and less_than <= rule_less)
    return above and below


def _scorecard_rows(inputs: ReportInputs) -> list[dict[str, Any]]:
    rows = []
    for attribute in inputs.build.scorecard.attributes:
        for b in attribute.bins:
            s = b.stats
            if s is not None and s.accounts == 0:
                continue  # a catch-all for values never seen in training: nothing to show
            known = s if s is not None and s.accounts > 0 else None
            rows.append(
                {
                    "attribute": attribute.name,
                    "bin": b.label,
                    "points": f"{b.points:+d}",
                    "accounts": f"{s.accounts:,}" if s else "",
                    "won": f"{s.won:,}" if s else "",
                    "win_rate": pct(known.win_rate) if known else "",
                    "ci": f"{pct(known.ci_low)}-{pct(known.ci_high)}" if known else "",
                    "bar": Bar(
                        b.label,
                        known.win_rate,
                        known.ci_low,
                        known.ci_high,
                        f"{known.won:,}/{known.accounts:,} · {b.points:+d} pts",
                        attribute.name,
                        b.points > 0,
                    )
                    if known
                    else None,
                }
            )
    return rows


def _attribute_bars(inputs: ReportInputs) -> list[Bar]:
    """Win rate of every bin of the attributes that separate outcomes most."""
    attributes = [a for a in inputs.build.profiles.attributes if a.strength != "none"]
    bars = []
    for attribute in attributes[:MAX_PROFILE_ATTRIBUTES]:
        name = attribute.attribute
        title = f"{name[:1].lower()}{name[1:]} ({attribute.strength} signal)"
        for b in attribute.bins:
            bar = known_bar(
                b.label,
                b.win_rate,
                b.ci,
                f"{b.won:,}/{b.accounts:,}",
                title,
                (b.lift or 0) > 1 and b.p_value < 0.05,
            )
            if bar is not None:
                bars.append(bar)
    return bars


def _who_buys(inputs: ReportInputs) -> dict[str, Any]:
    personas = [
        {
            "who": persona_words(p),
            "share_won": pct(p.share_won),
            "share_lost": pct(p.share_lost),
            "lift": f"{p.lift:.1f}x" if p.lift is not None else "n/a",
            "ci": _ratio_ci(p.ci),
            "significant": "yes" if p.significant else "no",
        }
        for p in _shortlist(inputs.personas)
    ]
    triggers = [
        {
            "type": signal_words(t.type),
            "window": f"{t.window_days} days" if t.window_days else "",
            "lift": f"{t.lift:.1f}x" if t.lift is not None else "n/a",
            "ci": _ratio_ci(t.ci),
            "significant": "yes" if t.significant else "no",
        }
        for t in _shortlist(inputs.triggers)
    ]
    return {
        "personas": personas if inputs.personas is not None else None,
        "triggers": triggers if inputs.triggers is not None else None,
        "personas_message": inputs.build.personas.message,
        "triggers_message": inputs.build.triggers.message,
        "personas_more": max(len(inputs.personas or ()) - len(personas), 0),
        "triggers_more": max(len(inputs.triggers or ()) - len(triggers), 0),
    }


def _shortlist(records: Sequence[Ranked] | None) -> list[Ranked]:
    """Significant ones first, then by lift: the table shows a page's worth, the file has all."""
    ranked = sorted(records or (), key=lambda r: (not r.significant, -(r.lift or 0)))
    return ranked[:MAX_WHO_ROWS]


def _ratio_ci(ci: Interval | None) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return "n/a"
    return f"{ci[0]:.1f}-{ci[1]:.1f}x"


def _target_list(inputs: ReportInputs) -> dict[str, Any] | None:
    target = inputs.facts.target_list
    if not target:
        return None
    return {
        "universe": Path(target.universe).name,
        "companies": target.companies,
        "tiers": target.tiers,
        "primary": target.primary_icp_accounts,
        "advice": target.advice,
    }


def _validation_rows(v: Validation) -> dict[str, Any]:
    lift = v.lift_in_vs_out
    split = v.split
    how = (
        f"out-of-time: trained on deals closed before {split.held_out_from}, tested on "
        f"the {split.test.accounts:,} decided after"
        if split.method == "out-of-time"
        else f"random hold-out of {split.test.accounts:,} deals (no close dates)"
    )
    auc = "n/a" if v.auc is None else f"{v.auc:.2f} (95% CI {v.auc_ci[0]:.2f}-{v.auc_ci[1]:.2f})"
    lift_text = "n/a"
    if lift.lift is not None:
        low, high = lift.ci
        ci_text = f" (95% CI {low:.1f}-{high:.1f}x)" if low is not None and high else ""
        lift_text = f"{lift.lift:.1f}x{ci_text}"
    tiers = [
        {
            "tier": name,
            "accounts": t.accounts,
            "won": t.won,
            "win_rate": pct(t.win_rate),
            "ci": interval(t.ci) if t.accounts else "",
            "bar": known_bar(f"Tier {name}", t.win_rate, t.ci, f"{t.won}/{t.accounts}")
            if t.accounts
            else None,
        }
        for name, t in v.tiers.items()
    ]
    calibration = v.calibration
    error = calibration.expected_calibration_error if calibration else None
    return {
        "how": how,
        "auc": auc,
        "lift": lift_text,
        "inside": f"{pct(lift.inside.win_rate)} of {lift.inside.accounts:,}",
        "outside": f"{pct(lift.outside.win_rate)} of {lift.outside.accounts:,}",
        "tiers": tiers,
        "top10": pct(v.precision_top_10.win_rate),
        "top20": pct(v.precision_top_20.win_rate),
        "calibration_error": pct(error, 1),
        "calibration_points": _calibration_points(calibration),
        "gains": [(g.share_of_deals, g.share_of_wins) for g in v.gains]
        if v.gains
        else gains_from_calibration(calibration),
        "funnel": _tier_funnel(v),
        "three_x": v.three_x_rule.verdict,
    }


def _calibration_points(calibration: CalibrationTable | None) -> list[Point]:
    points = []
    for group in calibration.groups if calibration else ():
        n = group.accounts
        won = round(group.observed * n)
        low, high = wilson_interval(won, n)
        points.append(Point(group.predicted, group.observed, low, high, size=4))
    return points


def gains_from_calibration(calibration: CalibrationTable | None) -> list[tuple[float, float]]:
    """Cumulative gains from the held-out calibration groups, for build folders written before
    validation.json carried its own ``gains``.

    The groups are tenths of the held-out deals ordered by predicted win probability, which
    rises with the fit score; read from the top, they give the share of all wins found in the
    best-scored 10%, 20%, ... of deals.
    """
    groups = list(reversed(calibration.groups if calibration else ()))
    deals = sum(g.accounts for g in groups)
    wins = sum(g.observed * g.accounts for g in groups)
    if len(groups) < 2 or not deals or not wins:
        return []
    points, seen, found = [], 0, 0.0
    for group in groups:
        seen += group.accounts
        found += group.observed * group.accounts
        points.append((seen / deals, found / wins))
    return points


def _tier_funnel(v: Validation) -> list[Stage]:
    """Held-out deals from all tiers down to tier A, with the win rate at each cut."""
    tiers = v.tiers
    stages = []
    for i, label in enumerate(("All tiers", "Tier C or better", "Tier B or better", "Tier A")):
        kept = list(tiers)[: 4 - i]
        n = sum(tiers[t].accounts for t in kept)
        won = sum(tiers[t].won for t in kept)
        rate = f"win rate {pct(won / n)} ({won:,} won)" if n else ""
        stages.append(Stage(label, n, rate))
    return stages


def _segments(inputs: ReportInputs, words: Vocabulary) -> dict[str, Any]:
    listed = inputs.build.segments
    icp = sorted(listed.icp, key=_segment_order)
    anti = sorted(listed.anti, key=_segment_order)
    anti_room = max(MAX_SEGMENTS // 2 - 1, MAX_SEGMENTS - len(icp))
    anti = anti[:anti_room]
    ranked = icp[: MAX_SEGMENTS - len(anti)] + anti
    closed = max(inputs.facts.closed_deals, 1)
    rows, points = [], []
    for number, s in enumerate(ranked, start=1):
        rows.append(
            {
                "number": number,
                "kind": "ICP" if s.kind == "icp" else "anti-ICP",
                "description": describe_segment(s.conditions, words),
                "accounts": f"{s.accounts:,}",
                "won": f"{s.won:,}",
                "win_rate": pct(s.win_rate),
                "ci": interval(s.ci),
                "lift": f"{s.lift:.1f}x",
                "significant": "yes" if s.significant else "no",
            }
        )
        points.append(
            Point(
                s.accounts / closed,
                s.win_rate,
                s.ci[0],
                s.ci[1],
                str(number),
                s.kind,
                s.significant,
            )
        )
    return {"rows": rows, "points": points, "shown": len(rows), "listed": len(listed)}


def _segment_order(segment: Segment) -> tuple:
    """Significant first, then the furthest from the average."""
    return (not segment.significant, -abs(segment.lift - 1))


def _quality(inputs: ReportInputs) -> dict[str, Any] | None:
    """What ingest read, kept and rejected, and why: from ingest.json and quarantine.csv."""
    ingest = inputs.ingest
    if ingest is None:
        return None
    files = [
        {
            "table": name,
            "file": Path(str(info.get("path", name))).name,
            "read": f"{info.get('rows_read', 0):,}",
            "accepted": f"{info.get('accepted', 0):,}",
            "quarantined": f"{info.get('quarantined', 0):,}",
            "cell_issues": f"{info.get('cell_issues', 0):,}",
        }
        for name, info in ingest.get("files", {}).items()
    ]
    duplicates = []
    for table, kinds in (ingest.get("duplicates") or {}).items():
        for kind, info in kinds.items():
            if kind.startswith("same_") and info.get("groups"):
                duplicates.append(
                    f"{info['accounts']:,} {table} share a {kind.removeprefix('same_')} with "
                    f"another ({info['groups']:,} groups): likely the same company twice"
                )
    return {
        "files": files,
        "reasons": inputs.quarantine,
        "quarantined": sum(r["rows"] for r in inputs.quarantine),
        "duplicates": duplicates,
        "notes": [str(n) for n in ingest.get("notes", [])],
        "cell_issues": (ingest.get("cell_issues") or {}).get("total", 0),
    }


def _column_roles(inputs: ReportInputs) -> dict[str, Any] | None:
    """What was kept out of the ICP and why, from profiles.json's column roles: suspected leaks
    one by one with their reasons, the rest as lists of columns."""
    roles = inputs.build.profiles.column_roles.columns
    if not roles:
        return None
    by_role: dict[str, list[str]] = {}
    for item in roles:
        by_role.setdefault(item.role, []).append(item.column)
    groups = [
        ("deal attributes, reported as qualification insights only", "deal"),
        ("engagement, left out of fit", "engagement"),
        ("identifiers", "id"),
        ("constant (or blank)", "constant"),
        ("free text", "text"),
    ]
    return {
        "leaks": [
            {"column": item.column, "reason": item.reason} for item in roles if item.role == "leak"
        ],
        "others": [
            {"label": label, "columns": ", ".join(by_role[role])}
            for label, role in groups
            if by_role.get(role)
        ],
    }


def _revalidate(inputs: ReportInputs) -> dict[str, Any]:
    facts = inputs.facts
    low, high = REVALIDATE_AFTER
    text = (
        f"Built from {facts.closed_deals:,} closed deals at {facts.closed_accounts:,} "
        f"companies, up to {facts.last_decision or 'the latest close'}. Re-validate after "
        f"the next {low}-{high} closed deals or next quarter, whichever comes first: run "
        "icpkit build again and compare the held-out lift."
    )
    new = inputs.new_deals
    status = None
    if new is not None:
        count = new["closed_since"]
        if count >= high:
            status = f"{count:,} deals have closed since the build: re-validate now."
        elif count >= low:
            status = f"{count:,} deals have closed since the build: time to re-validate."
        else:
            status = (
                f"{count:,} deals have closed since the build; re-validate after {low - count:,} "
                "more."
            )
    return {"text": text, "status": status}
