"""What the web pages show, in a RevOps reader's words rather than the card's raw columns.

- :func:`form_fields`: one input per column the live card reads, labelled with the card's own
  attribute names ("Company size", not "employees (numeric)") and a line of help saying what
  the card does with the value;
- :func:`breakdown`: the points behind one company's score, one line per attribute, and the
  calibrated win probability when the card has one;
- :func:`card_diff`: two versions side by side as bins and points, tiers and disqualifiers;
- :func:`api_callers`: the keys a version change reaches, with their recent use.

Everything here reads typed values (a :class:`~icpkit.scorecard.model.Scorecard`, a scored
row); nothing here scores or decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from icpkit.scorecard.model import Attribute, Scorecard
from icpkit.serve.scoring import accounts_frame

# Not scored, but they name the company in the audit log.
IDENTIFIERS = {
    "name": ("Company name", "Not scored: names the company in the audit log."),
    "domain": ("Website domain", "Not scored: names the company in the audit log."),
}
KIND_HINTS = {
    "numeric": 'a number; "51-200", "1,000+", "$2.5M" and "10k" are read too',
    "category": "one value",
    "list": 'several values separated by ";"',
    "boolean": "yes or no",
}


@dataclass(frozen=True)
class FormField:
    """One input of the score form."""

    column: str  # the input column, as a CSV header or API field would name it
    label: str
    help: str
    kind: str  # numeric, category, list, boolean or identifier
    examples: list[str] = field(default_factory=list)


def form_fields(card: Scorecard) -> list[FormField]:
    """The identifiers not scored, then one field per column the card reads, in card order."""
    fields = [
        FormField(column, label, help_text, "identifier")
        for column, (label, help_text) in IDENTIFIERS.items()
        if column not in card.columns
    ]
    for column in card.columns:
        reads = [
            (a, kind, conditions)
            for a in card.attributes
            for c, kind, conditions in a.bin_conditions()
            if c == column
        ]
        attributes = [a for a, _, _ in reads]
        rules = [r for r in card.disqualifiers if r.column == column]
        names = [a.name for a in attributes] or [r.attribute or _readable(column) for r in rules]
        kind = reads[0][1] if reads else rules[0].kind
        help_parts = [KIND_HINTS.get(kind, "a value").capitalize() + "."]
        for attribute in attributes:
            prefix = f"{attribute.name}: " if len(attributes) > 1 else ""
            help_parts.append(prefix + _points_in_brief(attribute) + ".")
        if rules:
            help_parts.append("Disqualified: " + "; ".join(r.reason for r in rules) + ".")
        conditions = [c for _, _, on_column in reads for c in on_column]
        conditions += [r.condition for r in rules]
        examples = sorted({v for c in conditions for v in (c.values or ())})
        fields.append(
            FormField(
                column,
                " / ".join(dict.fromkeys(names)),
                " ".join(help_parts),
                kind,
                examples[:30],
            )
        )
    return fields


def _points_in_brief(attribute: Attribute) -> str:
    """'262+ adds 10 points, 6-15 takes 30 away' rather than every bin of a long list."""
    if len(attribute.bins) <= 3:
        return "; ".join(f"{b.label} {b.points:+d}" for b in attribute.bins)
    best = max(attribute.bins, key=lambda b: b.points)
    worst = min(attribute.bins, key=lambda b: b.points)
    return (
        f"from {worst.points:+d} ({worst.label}) to {best.points:+d} ({best.label}) "
        f"in {len(attribute.bins)} bins"
    )


def _readable(column: str) -> str:
    return column.replace("_", " ").capitalize()


# ---- one company's score, explained ---------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One attribute's part in a score: which bin the company fell in and its points."""

    attribute: str
    bin: str
    points: int


@dataclass(frozen=True)
class Breakdown:
    reasons: list[Reason]  # attributes that added or removed points, largest first
    unscored: list[Reason]  # attributes that gave 0 points (unknown, or a 0-point bin)
    disqualifier: str | None
    raw_points: int
    point_range: tuple[int, int]
    win_probability: float | None  # from the card's calibration, None when it has none
    calibrated_on: int | None  # closed deals the calibration was fitted on


def breakdown(card: Scorecard, account: Mapping[str, Any]) -> Breakdown:
    """The points behind ``account``'s score, by the code path of `icpkit score`."""
    from icpkit.score import prepare

    scored = card.apply(prepare(accounts_frame([account], card), card))
    reasons, unscored = [], []
    for j, attribute in enumerate(card.attributes):
        reason = Reason(attribute.name, _bin_label(attribute, scored.bin_labels[j][0]), 0)
        points = int(scored.points[0, j])
        if points:
            reasons.append(Reason(reason.attribute, reason.bin, points))
        else:
            unscored.append(reason)
    reasons.sort(key=lambda r: -abs(r.points))
    probability = scored.probability()
    disqualifier = str(scored.disqualifier_reason[0]).removeprefix("DQ: ") or None
    return Breakdown(
        reasons=reasons,
        unscored=unscored,
        disqualifier=disqualifier,
        raw_points=int(scored.raw_points[0]),
        point_range=card.point_range(),
        win_probability=None if probability is None else float(probability[0]),
        calibrated_on=card.trained_on.get("closed_deals") if card.calibration else None,
    )


def _bin_label(attribute: Attribute, label: Any) -> str:
    text = str(label)
    return "unknown or not listed" if text in ("no matching bin", "", "None") else text


# ---- two versions side by side ----------------------------------------------------------------


@dataclass(frozen=True)
class BinRow:
    label: str
    old: int | None  # None: the bin is not in that version
    new: int | None

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class AttributeDiff:
    name: str
    status: str  # "same", "changed", "added" or "removed"
    bins: list[BinRow]


@dataclass(frozen=True)
class CardDiff:
    names: tuple[str, str]
    attributes: list[AttributeDiff]
    tiers: list[tuple[str, float, float]]  # (tier, old lower bound, new lower bound)
    tier_units: tuple[str, str]
    disqualifiers: list[tuple[str, bool, bool]]  # (reason, in old, in new)
    calibrated: tuple[bool, bool]
    point_ranges: tuple[tuple[int, int], tuple[int, int]]

    @property
    def changes(self) -> int:
        """How many bins, tier bounds, disqualifiers and names differ."""
        bins = sum(b.changed for a in self.attributes for b in a.bins)
        tiers = sum(old != new for _, old, new in self.tiers) + (
            self.tier_units[0] != self.tier_units[1]
        )
        rules = sum(old != new for _, old, new in self.disqualifiers)
        return bins + tiers + rules + (self.names[0] != self.names[1])


def card_diff(old: Scorecard, new: Scorecard) -> CardDiff:
    """``old`` and ``new`` compared attribute by attribute and bin by bin (matched by name and
    label), so a reader sees "Industry, Education: -27 -> -10" instead of TOML lines."""
    old_by_name = {a.name: a for a in old.attributes}
    new_by_name = {a.name: a for a in new.attributes}
    attributes = []
    for name in dict.fromkeys([*old_by_name, *new_by_name]):
        before, after = old_by_name.get(name), new_by_name.get(name)
        old_points = {b.label: b.points for b in before.bins} if before else {}
        new_points = {b.label: b.points for b in after.bins} if after else {}
        rows = [
            BinRow(label, old_points.get(label), new_points.get(label))
            for label in dict.fromkeys([*old_points, *new_points])
        ]
        if before is None:
            status = "added"
        elif after is None:
            status = "removed"
        else:
            status = "changed" if any(r.changed for r in rows) else "same"
        attributes.append(AttributeDiff(name, status, rows))
    old_rules = [r.reason for r in old.disqualifiers]
    new_rules = [r.reason for r in new.disqualifiers]
    return CardDiff(
        names=(old.name, new.name),
        attributes=attributes,
        tiers=[
            ("A", old.tiers.a, new.tiers.a),
            ("B", old.tiers.b, new.tiers.b),
            ("C", old.tiers.c, new.tiers.c),
        ],
        tier_units=(old.tiers.unit, new.tiers.unit),
        disqualifiers=[
            (reason, reason in old_rules, reason in new_rules)
            for reason in dict.fromkeys([*old_rules, *new_rules])
        ],
        calibrated=(old.calibration is not None, new.calibration is not None),
        point_ranges=(old.point_range(), new.point_range()),
    )


# ---- who a version change reaches ---------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """A live API key, and what the audit log says of its recent use."""

    name: str
    created_at: datetime
    last_used: datetime | None
    companies: int  # companies it scored in the entries read
    routes: list[str]


def api_callers(keys: Sequence[Any], audit: Sequence[Any]) -> list[Caller]:
    """Every live key, most recently used first; ``audit`` is newest first."""
    last: dict[str, datetime] = {}
    companies: dict[str, int] = {}
    routes: dict[str, dict[str, None]] = {}
    for entry in audit:
        last.setdefault(entry.key_name, entry.at)
        companies[entry.key_name] = companies.get(entry.key_name, 0) + entry.accounts
        routes.setdefault(entry.key_name, {})[entry.route] = None
    callers = [
        Caller(
            key.name,
            key.created_at,
            last.get(key.name),
            companies.get(key.name, 0),
            list(routes.get(key.name, {})),
        )
        for key in keys
        if not key.revoked
    ]
    never = datetime.min.replace(tzinfo=UTC)
    return sorted(callers, key=lambda c: _aware(c.last_used) or never, reverse=True)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# ---- the home page in a few lines ------------------------------------------------------------


@dataclass(frozen=True)
class Highlights:
    """The home page's summary: a few figures and the traits that move the score most."""

    figures: list[tuple[str, str, str]]  # (big figure, what it is, its interval or basis)
    seek: list[str]  # "Company size 200+ (+30)"
    avoid: list[str]
    disqualifiers: list[str]


def highlights(icp: Mapping[str, Any], proof: Mapping[str, Any] | None) -> Highlights:
    """From the card summary (:func:`icpkit.serve.api.icp_summary`) and the build's held-out
    proof (:func:`icpkit.serve.api.proof_of`, None without a build)."""
    figures = []
    trained = icp.get("trained_on") or {}
    if trained.get("closed_deals"):
        figures.append(
            (
                f"{trained['closed_deals']:,}",
                "closed deals learned from",
                f"{trained.get('won', 0):,} won",
            )
        )
    if proof:
        if proof.get("lift_in_vs_out") is not None:
            low, high = (proof.get("lift_ci") or [None, None])[:2]
            interval = f"95% CI {low:.1f}–{high:.1f}×" if low is not None and high else ""
            figures.append(
                (f"{proof['lift_in_vs_out']:.1f}×", "win rate inside the ICP vs outside", interval)
            )
        for tier in ("A", "D"):
            row = (proof.get("win_rate_per_tier") or {}).get(tier) or {}
            if row.get("win_rate") is not None and row.get("ci"):
                figures.append(
                    (
                        f"{100 * row['win_rate']:.0f}%",
                        f"of tier {tier} deals won (held out)",
                        f"95% CI {100 * row['ci'][0]:.0f}–{100 * row['ci'][1]:.0f}%, "
                        f"{row.get('deals') or 0:,} deals",
                    )
                )
    best = [(b["points"], a["name"], b["bin"]) for a in icp["attributes"] for b in a["best"][:1]]
    worst = [(b["points"], a["name"], b["bin"]) for a in icp["attributes"] for b in a["worst"][-1:]]
    return Highlights(
        figures=figures,
        seek=[f"{name}: {label} ({p:+d})" for p, name, label in sorted(best, reverse=True)[:4]],
        avoid=[f"{name}: {label} ({p:+d})" for p, name, label in sorted(worst)[:3]],
        disqualifiers=list(icp.get("disqualifiers") or []),
    )


# ---- the ICP document under the app's bar ---------------------------------------------------


def with_app_bar(document: str, bar: str) -> tuple[str, list[str]]:
    """``document`` (report.html) with the app's navigation at the top of its body, and the
    CSP hashes of its own <style> blocks (so nothing else inline is allowed)."""
    import base64
    import hashlib
    import re

    styles = [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in re.findall(r"<style[^>]*>(.*?)</style>", document, flags=re.S)
    ]
    link = '<link rel="stylesheet" href="/static/nav.css">'
    header = f'<header class="icpkit-bar"><a class="brand" href="/">icpkit</a>{bar}</header>'
    document = document.replace("</head>", link + "</head>", 1)
    body = re.search(r"<body[^>]*>", document)
    if body is None:
        return header + document, styles
    return document[: body.end()] + header + document[body.end() :], styles
