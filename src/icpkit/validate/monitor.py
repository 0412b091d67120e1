"""Is the ICP still true? Deals closed since the build, and new leads, against the scorecard.

Most teams who "know their ICP" know what it was when they last looked. `icpkit monitor` looks
again every time it runs (from cron or CI) and raises an alarm only on evidence:

- **close rate in the top tiers** (A and B, the ICP) and in the **primary ICP segment** now,
  against the same rate at build time: an alarm when it fell by more than ``min_drop`` (10
  percentage points) *and* a one-sided test says the fall is not chance;
- **tier separation**: an alarm when the gap between the ICP and the rest shrank significantly
  and no longer beats chance, or when a lower tier wins significantly more than the tier above;
- **churn**: an alarm when customers inside the ICP churned significantly more since the build
  than customers outside it (the newest churners do not match the anti-ICP, they match the ICP);
- **lead mix**: the population stability index (PSI) of every scorecard attribute, new leads
  against the deals the card learned from; an alarm at PSI >= 0.25 that a chi-square test
  confirms.

Every test is one-sided and a weighted Holm correction runs over all the tests of one run (the
close-rate checks, top tiers, primary segment and separation, share half of ``alpha``; tier
order, churn and lead mix the other half), so one run raises a false alarm with probability at
most ``alpha``. The build-time baseline is the win rate
per tier on held-out deals that ``icpkit build`` stores in the card (``trained_on.held_out_tiers``);
for a card without it, the deals closed before the build in the same deals file stand in.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from icpkit.conditions import Condition, matches, read_column
from icpkit.errors import IcpkitError
from icpkit.jsonsafe import finite
from icpkit.outcomes import closed_deals
from icpkit.scorecard.model import TIER_NAMES, Scorecard
from icpkit.stats import (
    contingency_test,
    population_stability,
    weighted_holm,
)
from icpkit.validate.checks import (
    Check,
    MonitorSettings,
    Rate,
    format_p,
    holds_lists,
    merge_rates,
    p_greater,
    percent,
    rate_of,
    variance,
)

if TYPE_CHECKING:
    from icpkit.ingest.canonical import IngestResult

IN_ICP = ("A", "B")
# The questions the monitor exists for: they share half of alpha, every other check the rest.
CLOSE_RATE_CHECKS = ("top_tiers", "primary_segment", "separation")
RULE = "re-validate every 50-100 closed deals, or every quarter, whichever comes first"


@dataclass
class MonitorReport:
    scorecard: str
    data_fingerprint: str | None
    since: str
    as_of: str | None
    closed_since: int
    won_since: int
    revalidation: dict[str, Any]
    baseline: str
    tiers: dict[str, dict[str, Any]]
    checks: list[Check]
    settings: MonitorSettings
    notes: list[str] = field(default_factory=list)

    @property
    def alarms(self) -> list[Check]:
        return [c for c in self.checks if c.status == "alarm"]

    @property
    def status(self) -> str:
        """ "alarm", "holds" (tests ran, none alarmed) or "too early" (nothing could be tested)."""
        if self.alarms:
            return "alarm"
        if any(c.status == "ok" for c in self.checks):
            return "holds"
        return "too early"

    def to_json(self) -> dict[str, Any]:
        return finite(
            {
                "status": self.status,
                "alarm": bool(self.alarms),
                "reasons": [c.finding for c in self.alarms],
                "scorecard": self.scorecard,
                "data_fingerprint": self.data_fingerprint,
                "since": self.since,
                "as_of": self.as_of,
                "closed_deals_since": self.closed_since,
                "won_since": self.won_since,
                "revalidation": self.revalidation,
                "baseline": self.baseline,
                "tiers": self.tiers,
                "checks": [asdict(c) for c in self.checks],
                "settings": asdict(self.settings),
                "notes": self.notes,
            }
        )

    def text(self) -> str:
        """What a person reads in a terminal or a cron e-mail."""
        headline = {
            "alarm": f"ALARM: the ICP has drifted ({len(self.alarms)} alarm"
            f"{'s' if len(self.alarms) != 1 else ''})",
            "holds": "The ICP holds: no alarm",
            "too early": "Too early to tell: not enough new deals or leads to test",
        }[self.status]
        lines = [
            headline,
            f"Scorecard {self.scorecard!r}, built on deals up to {self.since}"
            + (f", checked with data up to {self.as_of}" if self.as_of else "")
            + ".",
            f"Closed deals since the build: {self.closed_since:,} ({self.won_since:,} won). "
            + self.revalidation["text"],
            "",
            f"Win rate per tier, at build ({self.baseline}) vs now, with 95% intervals:",
        ]
        for tier, row in self.tiers.items():
            then = Rate(row["build"]["deals"], row["build"]["won"]) if row["build"] else None
            now = Rate(row["now"]["deals"], row["now"]["won"])
            change = row.get("change")
            lines.append(
                f"  {tier}: {then.text() if then else 'unknown'} -> {now.text()}"
                + (f"  ({100 * change:+.0f} points)" if change is not None else "")
            )
        tested = sum(c.p_adjusted is not None for c in self.checks)
        lines += [
            "",
            f"Checks (one-sided tests, weighted Holm correction over the {tested} tests run, "
            f"alarm at adjusted p < {self.settings.alpha:g}):",
        ]
        for check in self.checks:
            lines.append(f"  {check.status.upper():<15} {check.finding}")
        for note in self.notes:
            lines.append(f"Note: {note}")
        return "\n".join(lines) + "\n"


def monitor(
    card: Scorecard,
    deals: pd.DataFrame,
    accounts: pd.DataFrame,
    *,
    customers: pd.DataFrame | None = None,
    primary_segment: dict[str, Any] | None = None,
    since: str | None = None,
    settings: MonitorSettings | None = None,
) -> MonitorReport:
    """Check the card against deals closed (and leads created) after ``since``.

    ``deals`` and ``accounts`` are canonical tables (``customers`` too, when given); ``since``
    defaults to the last decision the card was trained on. ``primary_segment`` is the
    ``primary_icp`` entry of a build's ``profiles.json`` (a segment with ``conditions``,
    ``accounts`` and ``won``).
    """
    settings = settings or MonitorSettings()
    cut = _since(card, since)
    closed = closed_deals(deals)
    labelled = closed.merge(accounts, on="account_id", how="inner", suffixes=("_deal", ""))
    notes = []
    if len(labelled) < len(closed):
        notes.append(
            f"{len(closed) - len(labelled):,} closed deals have no matching account and were "
            "left out"
        )
    decided = pd.to_datetime(labelled["decided_at"], errors="coerce")
    new = labelled[(decided > cut).to_numpy()].reset_index(drop=True)
    old = labelled[(decided <= cut).to_numpy()].reset_index(drop=True)
    as_of = _as_of(deals, labelled)
    won = new["won"].to_numpy(dtype=int)
    tiers_now = card.apply(new).tier if len(new) else np.array([], dtype=object)

    baseline, baseline_text = _baseline(card, old, cut)
    checks = [
        _top_tiers(baseline, tiers_now, won, settings),
        _primary_segment(primary_segment, new, won, settings),
        _separation(baseline, tiers_now, won, settings),
        *_tier_order(tiers_now, won, settings),
        _churn(card, customers, accounts, cut, settings),
        *_lead_mix(card, deals, accounts, cut, settings),
    ]
    _decide(checks, settings)
    return MonitorReport(
        scorecard=card.name,
        data_fingerprint=card.trained_on.get("data_fingerprint"),
        since=cut.date().isoformat(),
        as_of=None if as_of is None else as_of.date().isoformat(),
        closed_since=len(new),
        won_since=int(won.sum()),
        revalidation=_revalidation(len(new), cut, as_of, settings),
        baseline=baseline_text,
        tiers=_tier_table(baseline, tiers_now, won),
        checks=checks,
        settings=settings,
        notes=notes,
    )


# ---- when and against what -----------------------------------------------------------------


def _since(card: Scorecard, since: str | None) -> pd.Timestamp:
    text = since or card.trained_on.get("last_decision")
    if not text:
        raise IcpkitError(
            "the scorecard does not say which deals it was built on (no trained_on."
            "last_decision): give --since DATE, the date of the last deal it knew"
        )
    cut = pd.to_datetime(str(text), errors="coerce")
    if pd.isna(cut):
        raise IcpkitError(f"cannot read {text!r} as a date (write it as 2025-01-31)")
    return cut


def _as_of(deals: pd.DataFrame, labelled: pd.DataFrame) -> pd.Timestamp | None:
    dates = [pd.to_datetime(labelled["decided_at"], errors="coerce")]
    if "created_at" in deals.columns:
        dates.append(pd.to_datetime(deals["created_at"], errors="coerce"))
    latest = pd.concat(dates).max()
    return None if pd.isna(latest) else latest


def _revalidation(
    closed: int, cut: pd.Timestamp, as_of: pd.Timestamp | None, settings: MonitorSettings
) -> dict[str, Any]:
    days = None if as_of is None else max(0, (as_of - cut).days)
    by_deals = closed >= settings.revalidate_every
    by_time = days is not None and days >= settings.revalidate_days
    if by_deals or by_time:
        why = f"{closed:,} closed deals" if by_deals else f"{days} days"
        text = (
            f"Re-validation is due ({why} since the build; the rule: {RULE}): rebuild, and "
            "compare the cards with `icpkit diff`."
        )
    else:
        left = settings.revalidate_every - closed
        text = f"Re-validation is not due yet: {left} more closed deals or a quarter ({RULE})."
    return {"due": by_deals or by_time, "days_since": days, "rule": RULE, "text": text}


def _baseline(card: Scorecard, old: pd.DataFrame, cut: pd.Timestamp) -> tuple[dict, str]:
    """Win rate per tier at build time: held-out deals stored in the card, else older deals."""
    stored = card.trained_on.get("held_out_tiers")
    if isinstance(stored, dict) and all(t in stored for t in TIER_NAMES):
        try:
            rates = {t: Rate(int(stored[t]["deals"]), int(stored[t]["won"])) for t in TIER_NAMES}
            total = sum(r.deals for r in rates.values())
            return rates, f"{total:,} held-out deals"
        except (KeyError, TypeError, ValueError):
            pass
    if len(old):
        tiers = card.apply(old).tier
        won = old["won"].to_numpy(dtype=int)
        rates = {t: rate_of(won[tiers == t]) for t in TIER_NAMES}
        text = f"{len(old):,} deals closed by {cut.date()} in this file"
        if card.trained_on.get("last_decision"):
            text += ", which the card may have learned from"
        return rates, text
    return {}, "no baseline"


# ---- the checks ------------------------------------------------------------------------------


def _top_tiers(
    baseline: dict[str, Rate], tiers: np.ndarray, won: np.ndarray, settings: MonitorSettings
) -> Check:
    """New deals in tiers A and B against what the build-time rates of A and B predict for
    this mix of A and B deals: a shift in the mix alone (more B, fewer A) is no fall."""
    question = "Did the close rate of tiers A-B (the ICP) fall?"
    label = "Close rate in tiers A-B"
    now = rate_of(won[np.isin(tiers, IN_ICP)])
    if not baseline:
        return Check("top_tiers", question, "no baseline", "Tiers A-B: nothing to compare with.")
    then = merge_rates(baseline, IN_ICP)
    details: dict[str, Any] = {"build": then.to_json(), "now": now.to_json()}
    if now.deals < settings.min_deals or then.deals < settings.min_deals:
        finding = f"{label}: {now.deals} new closed deals, {settings.min_deals} needed to test."
        return Check("top_tiers", question, "not enough data", finding, details=details)
    expected, variance = 0.0, 0.0
    for tier in IN_ICP:
        deals = int((tiers == tier).sum())
        rate = baseline[tier] if baseline[tier].deals else then
        expected += deals * rate.tested_win_rate
        # Binomial spread of the new deals, plus the uncertainty of the build-time rate; half
        # a win and half a loss keep a 0% or 100% rate from claiming to be exact.
        p = (rate.won + 0.5) / (rate.deals + 1)
        variance += deals * p * (1 - p) + deals**2 * p * (1 - p) / rate.deals
    expected_rate = expected / now.deals
    drop = expected_rate - now.tested_win_rate
    p_value = float(sps.norm.sf((expected - now.won) / math.sqrt(variance)))
    details |= {"expected_win_rate": expected_rate, "drop": drop}
    finding = (
        f"{label}: {percent(now.win_rate)} of {now.deals} new deals won, against "
        f"{percent(expected_rate)} expected from the build-time rates of tiers A and B "
        f"({100 * -drop:+.0f} points; one-sided p = {format_p(p_value)})."
    )
    practical = drop > settings.min_drop
    return Check(
        "top_tiers", question, "ok", finding, p_value=p_value, practical=practical, details=details
    )


def _primary_segment(
    segment: dict[str, Any] | None, new: pd.DataFrame, won: np.ndarray, settings: MonitorSettings
) -> Check:
    question = "Did the close rate of the primary ICP segment fall?"
    if not segment:
        return Check(
            "primary_segment",
            question,
            "no baseline",
            "Primary segment: none given (profiles.json of the build has it).",
        )
    label = f"Close rate in the primary segment ({segment.get('description', 'ICP')})"
    then = Rate(int(segment.get("accounts", 0)), int(segment.get("won", 0)))
    inside = segment_mask(new, segment.get("conditions", []))
    if inside is None:
        return Check("primary_segment", question, "not enough data", f"{label}: columns missing.")
    return _drop_check("primary_segment", label, question, then, rate_of(won[inside]), settings)


def _drop_check(
    name: str, label: str, question: str, then: Rate, now: Rate, settings: MonitorSettings
) -> Check:
    details: dict[str, Any] = {"build": then.to_json(), "now": now.to_json()}
    if now.deals < settings.min_deals or then.deals < settings.min_deals:
        finding = f"{label}: {now.deals} new closed deals, {settings.min_deals} needed to test."
        return Check(name, question, "not enough data", finding, details=details)
    drop = then.tested_win_rate - now.tested_win_rate
    p = p_greater(then, now)
    details["drop"] = drop
    finding = (
        f"{label}: {percent(then.win_rate)} at build -> {percent(now.win_rate)} now "
        f"({100 * -drop:+.0f} points; one-sided p = {format_p(p)})."
    )
    return Check(
        name,
        question,
        "ok",
        finding,
        p_value=p,
        practical=drop > settings.min_drop,
        details=details,
    )


def _separation(
    baseline: dict[str, Rate], tiers: np.ndarray, won: np.ndarray, settings: MonitorSettings
) -> Check:
    """Does the ICP still win more than the rest? The in-minus-out gap now vs at build."""
    question = "Do tiers A-B still win more than tiers C-D?"
    inside, outside = np.isin(tiers, IN_ICP), ~np.isin(tiers, IN_ICP)
    now_in, now_out = rate_of(won[inside]), rate_of(won[outside])
    if not baseline:
        return Check("separation", question, "no baseline", "Separation: nothing to compare with.")
    then_in, then_out = merge_rates(baseline, IN_ICP), merge_rates(baseline, ("C", "D"))
    details: dict[str, Any] = {
        "build": {"inside": then_in.to_json(), "outside": then_out.to_json()},
        "now": {"inside": now_in.to_json(), "outside": now_out.to_json()},
    }
    if min(now_in.deals, now_out.deals, then_in.deals, then_out.deals) < settings.min_deals:
        finding = (
            f"Separation: {now_in.deals} new deals in tiers A-B and {now_out.deals} in C-D; "
            f"{settings.min_deals} each needed to test."
        )
        return Check("separation", question, "not enough data", finding, details=details)
    gap_then = then_in.tested_win_rate - then_out.tested_win_rate
    gap_now = now_in.tested_win_rate - now_out.tested_win_rate
    spread = math.sqrt(sum(variance(r) for r in (then_in, then_out, now_in, now_out)))
    p = float(sps.norm.sf((gap_then - gap_now) / spread)) if spread > 0 else 1.0
    separates_now = p_greater(now_in, now_out) < 0.05
    details |= {"gap_build": gap_then, "gap_now": gap_now, "separates_now": separates_now}
    finding = (
        f"Separation: tiers A-B won {100 * gap_then:.0f} points more than C-D at build, "
        f"{100 * gap_now:.0f} now (one-sided p = {format_p(p)})"
        + ("." if separates_now else "; the gap no longer beats chance.")
    )
    return Check(
        "separation",
        question,
        "ok",
        finding,
        p_value=p,
        practical=not separates_now,
        details=details,
    )


def _tier_order(tiers: np.ndarray, won: np.ndarray, settings: MonitorSettings) -> list[Check]:
    """A lower tier that now wins clearly more than the tier above it has stopped separating."""
    checks = []
    for upper, lower in itertools.pairwise(TIER_NAMES):
        name = f"tier_order_{upper}{lower}"
        question = f"Does tier {upper} still win at least as often as tier {lower}?"
        high, low = rate_of(won[tiers == upper]), rate_of(won[tiers == lower])
        details = {upper: high.to_json(), lower: low.to_json()}
        if min(high.deals, low.deals) < settings.min_deals:
            finding = (
                f"Tier {upper} vs {lower}: {high.deals} and {low.deals} new deals; "
                f"{settings.min_deals} each needed to test."
            )
            checks.append(Check(name, question, "not enough data", finding, details=details))
            continue
        excess = low.tested_win_rate - high.tested_win_rate
        p = p_greater(low, high)
        finding = (
            f"Tier {upper} vs {lower}: {percent(high.win_rate)} vs {percent(low.win_rate)} now "
            f"(one-sided p that {lower} wins more = {format_p(p)})."
        )
        checks.append(
            Check(
                name,
                question,
                "ok",
                finding,
                p_value=p,
                practical=excess > settings.min_drop,
                details=details,
            )
        )
    return checks


def _churn(
    card: Scorecard,
    customers: pd.DataFrame | None,
    accounts: pd.DataFrame,
    cut: pd.Timestamp,
    settings: MonitorSettings,
) -> Check:
    """Customers at the build who churned since: do ICP customers now churn more than others?"""
    question = "Do the newest churned customers match the anti-ICP rather than the ICP?"
    if customers is None or customers.empty:
        return Check("churn", question, "not enough data", "Churn: no customers file given.")
    frame = customers.merge(accounts, on="account_id", how="inner", suffixes=("_customer", ""))
    start = pd.to_datetime(frame.get("start"), errors="coerce")
    end = pd.to_datetime(frame.get("end"), errors="coerce")
    if "churned" in frame.columns:
        churned = frame["churned"].fillna(False).astype(bool).to_numpy()
    else:
        churned = end.notna().to_numpy()
    at_risk = ((start.isna() | (start <= cut)) & (end.isna() | (end > cut))).to_numpy()
    lost = churned & at_risk
    scored = card.apply(frame[at_risk].reset_index(drop=True))
    lost = lost[at_risk]
    inside = np.isin(scored.tier, IN_ICP)
    anti = scored.disqualified | (scored.tier == "D")
    details = {
        "customers_at_build": int(at_risk.sum()),
        "churned_since": int(lost.sum()),
        "churn_inside": rate_of(lost[inside]).to_json(),
        "churn_outside": rate_of(lost[~inside]).to_json(),
        "churned_matching_anti_icp": rate_of(anti[lost]).to_json(),
        "customers_matching_anti_icp": rate_of(anti).to_json(),
    }
    if lost.sum() < settings.min_churned:
        finding = (
            f"Churn: {int(lost.sum())} customers churned since the build; "
            f"{settings.min_churned} needed to test."
        )
        return Check("churn", question, "not enough data", finding, details=details)
    rate_in, rate_out = rate_of(lost[inside]), rate_of(lost[~inside])
    p = p_greater(rate_in, rate_out) if rate_in.deals and rate_out.deals else 1.0
    matching = rate_of(anti[lost])
    finding = (
        f"Churn since the build: {percent(rate_in.win_rate)} of ICP customers (tiers A-B) vs "
        f"{percent(rate_out.win_rate)} of the rest; {matching.won} of {matching.deals} churned "
        f"customers match the anti-ICP (one-sided p that the ICP churns more = {format_p(p)})."
    )
    practical = (rate_in.win_rate or 0.0) > (rate_out.win_rate or 0.0)
    return Check("churn", question, "ok", finding, p_value=p, practical=practical, details=details)


def _lead_mix(
    card: Scorecard,
    deals: pd.DataFrame,
    accounts: pd.DataFrame,
    cut: pd.Timestamp,
    settings: MonitorSettings,
) -> list[Check]:
    """PSI per scorecard attribute: leads (deals) created since the build against leads created
    before it in the same file, or, without history, against the counts on the card's bins."""
    leads = new_leads(deals, accounts, cut)
    earlier = new_leads(deals, accounts, cut, before=True)
    measured = card.attributes
    source = f"{len(earlier):,} leads created by {cut.date()}"
    if len(earlier) < settings.min_leads:
        measured = tuple(a for a in card.attributes if all(b.stats for b in a.bins))
        source = "the deals the card learned from"
    if not measured:
        question = "Did the mix of new leads shift?"
        finding = "Lead mix: no earlier leads, and no training counts on the card to compare with."
        return [Check("lead_mix", question, "no baseline", finding)]
    now = card.apply(leads) if len(leads) else None
    then = card.apply(earlier) if len(earlier) >= settings.min_leads else None
    checks = []
    for attribute in measured:
        name = f"lead_mix:{attribute.name}"
        question = f"Did the mix of new leads shift on {attribute.name}?"
        if now is None or len(leads) < settings.min_leads:
            finding = (
                f"Lead mix, {attribute.name}: {len(leads)} new leads; {settings.min_leads} "
                "needed to test."
            )
            checks.append(Check(name, question, "not enough data", finding))
            continue
        j = card.attributes.index(attribute)
        actual, unmatched = _bin_counts(attribute, now.bin_labels[j])
        if then is None:
            # without earlier leads, only attributes with counts on every bin are measured
            counts = [b.stats.accounts for b in attribute.bins if b.stats is not None]
            expected = np.array(counts, dtype=float)
        else:
            expected, _ = _bin_counts(attribute, then.bin_labels[j])
        check = _psi_check(name, question, attribute, expected, actual, settings)
        check.details |= {"compared_with": source, "unmatched_leads": unmatched}
        checks.append(check)
    return checks


def new_leads(
    deals: pd.DataFrame, accounts: pd.DataFrame, cut: pd.Timestamp, *, before: bool = False
) -> pd.DataFrame:
    """One row per deal created after ``cut`` (on or before it with ``before``), with its
    account's attributes: the pipeline the card meets. Deals without a creation date count
    by their close date."""
    created = pd.Series(pd.NaT, index=deals.index, dtype="datetime64[ns]")
    for column in ("created_at", "closed_at"):
        if column in deals.columns:
            created = created.fillna(pd.to_datetime(deals[column], errors="coerce"))
    chosen = (created <= cut) if before else (created > cut)
    recent = deals.loc[chosen.to_numpy(), ["account_id"]]
    return recent.merge(accounts, on="account_id", how="inner").reset_index(drop=True)


def _bin_counts(attribute, labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Rows per bin of ``attribute`` (by the label the card gave each row), and rows no bin
    matched."""
    index = {b.label: i for i, b in reversed(list(enumerate(attribute.bins)))}
    codes = pd.Series(labels).map(index)
    counts = np.bincount(codes.dropna().astype(int), minlength=len(attribute.bins))
    return counts.astype(float), int(codes.isna().sum())


def _psi_check(
    name: str,
    question: str,
    attribute,
    expected: np.ndarray,
    actual: np.ndarray,
    settings: MonitorSettings,
) -> Check:
    psi = population_stability(expected, actual)
    p = contingency_test(np.vstack([expected, actual]))
    level = (
        "major"
        if psi >= settings.psi_alarm
        else "moderate"
        if psi >= settings.psi_moderate
        else "stable"
    )
    moved = _largest_moves(attribute, expected, actual)
    finding = (
        f"Lead mix, {attribute.name}: PSI {psi:.2f} ({level}; chi-square p = {format_p(p)})"
        + (f"; {moved}" if moved and level != "stable" else "")
        + "."
    )
    details = {
        "psi": psi,
        "bins": [
            {"bin": b.label, "before": int(e), "now": int(a)}
            for b, e, a in zip(attribute.bins, expected, actual, strict=True)
        ],
    }
    return Check(
        name,
        question,
        "ok",
        finding,
        p_value=p,
        practical=psi >= settings.psi_alarm,
        details=details,
    )


def _largest_moves(attribute, expected: np.ndarray, actual: np.ndarray) -> str:
    if not actual.sum() or not expected.sum():
        return ""
    shift = actual / actual.sum() - expected / expected.sum()
    parts = []
    for i in np.argsort(-np.abs(shift))[:2]:
        share_then = expected[i] / expected.sum()
        share_now = actual[i] / actual.sum()
        parts.append(f"{attribute.bins[i].label} {percent(share_then)} -> {percent(share_now)}")
    return ", ".join(parts)


def segment_mask(frame: pd.DataFrame, conditions: list[dict[str, Any]]) -> np.ndarray | None:
    """Rows of ``frame`` inside a segment given as in ``segments.json``; None when a column the
    segment reads is missing."""
    inside = np.ones(len(frame), dtype=bool)
    for raw in conditions:
        column = raw.get("attribute")
        if column is None or column not in frame.columns:
            return None
        if "values" in raw:
            kind = "list" if holds_lists(frame[column]) else "category"
            condition = Condition(values=tuple(str(v) for v in raw["values"]))
        else:
            kind = "numeric"
            high = raw.get("max")
            exclusive = bool(raw.get("max_exclusive"))
            condition = Condition(
                min=raw.get("min"),
                max=None if exclusive else high,
                less_than=high if exclusive else None,
            )
        inside &= matches(read_column(frame, column, kind), kind, condition)
    return inside


# ---- what to check ------------------------------------------------------------------------


def monitor_tables(
    scorecard: Path,
    *,
    deals: Path | None = None,
    accounts: Path | None = None,
    customers: Path | None = None,
    from_dir: Path | None = None,
) -> IngestResult:
    """The tables `icpkit monitor` checks the card at ``scorecard`` against: a folder of
    canonical tables, or a deals file with its accounts (by default the ``accounts.parquet`` of
    the build folder the scorecard is in) and optional customers. Rows ingest could not use
    are in the result's report; no deals at all is an error."""
    from icpkit import ingest

    if from_dir is not None:
        if deals is not None or accounts is not None or customers is not None:
            raise IcpkitError(
                "give either --from DIR or --deals/--accounts/--customers files, not both"
            )
        result = ingest.load_dir(from_dir)
    else:
        if deals is None:
            raise IcpkitError("no deals: give --deals FILE (or --from DIR)")
        accounts = accounts or beside(scorecard, "accounts.parquet")
        if accounts is None:
            raise IcpkitError(
                "no accounts: give --accounts FILE (the scorecard is not in a build folder "
                "with accounts.parquet)"
            )
        result = ingest.load_tables(accounts=accounts, deals=deals, customers=customers)
    if result.tables.get("deals") is None or result.tables["deals"].empty:
        raise IcpkitError("no deals to check", file=deals or from_dir)
    return result


def beside(scorecard: Path, name: str) -> Path | None:
    """The file ``name`` in the build folder of ``scorecard``, when there is one."""
    candidate = scorecard.parent / name
    return candidate if candidate.is_file() else None


# ---- deciding ----------------------------------------------------------------------------------


def _decide(checks: list[Check], settings: MonitorSettings) -> None:
    """Weighted Holm over every test that ran; an alarm needs significance and a change that
    matters. The close-rate checks (the questions the monitor exists for) share half of alpha,
    the other checks the other half, so a dozen lead-mix tests cannot drown a fall in the close
    rate; the chance of any false alarm in a run stays at most alpha."""
    tested = [c for c in checks if c.p_value is not None]
    if not tested:
        return
    primary = np.array([c.name in CLOSE_RATE_CHECKS for c in tested])
    weights = np.where(primary, 1.0 / max(primary.sum(), 1), 1.0 / max((~primary).sum(), 1))
    if primary.all() or not primary.any():
        weights = np.full(len(tested), 1.0)
    # Weights given relative to each other: every test that ran shares all of alpha.
    adjusted = weighted_holm(np.array([c.p_value for c in tested]), weights / weights.sum())
    for check, p_adjusted in zip(tested, adjusted, strict=True):
        check.p_adjusted = float(p_adjusted)
        if p_adjusted < settings.alpha and check.practical:
            check.status = "alarm"
            check.finding += f" Significant after correction (adjusted p = {format_p(p_adjusted)})."


def _tier_table(baseline: dict[str, Rate], tiers: np.ndarray, won: np.ndarray) -> dict:
    table = {}
    for tier in TIER_NAMES:
        now = rate_of(won[tiers == tier])
        then = baseline.get(tier)
        change = None
        if then is not None and then.deals and now.deals:
            change = now.tested_win_rate - then.tested_win_rate
        table[tier] = {
            "build": then.to_json() if then else None,
            "now": now.to_json(),
            "change": change,
        }
    return table
