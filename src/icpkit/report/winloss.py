"""The ICP document's "why we win and lose" parts, from ``winloss.json``: the Use case,
Existing pain proof and Triggering event rows filled from the themes of notes that hold (with
2-3 short quotes and their source, or "not enough evidence"), and, per anti-ICP row, who
defends it, whether its losses are structural and whether its cycle fits the motion."""

from __future__ import annotations

from typing import Any

from icpkit.report.paragraph import Vocabulary, describe_segment, join_words, pct
from icpkit.results import SegmentCondition

NEEDS_NOTES = (
    "Needs input: build with --notes (call notes, win/loss notes or interview write-ups, one "
    "per deal or account) to find {what} in won deals."
)
WHAT = {
    "use_case": "the use case",
    "pain": "the pain customers already pay for",
    "trigger": "the event that made customers act",
}


def theme_row(dimension: str, row: str, winloss: dict[str, Any] | None) -> dict[str, str]:
    """One dimension row from the note themes: the themes that hold for ``row``, quoted."""
    notes = (winloss or {}).get("notes")
    if not notes:
        return {
            "dimension": dimension,
            "profile": NEEDS_NOTES.format(what=WHAT[row]),
            "status": "input",
        }
    by_id = {t["theme"]: t for t in notes.get("themes", [])}
    held = [by_id[i] for i in notes.get("rows", {}).get(row, []) if i in by_id]
    if notes.get("status") != "ok" or not held:
        return {
            "dimension": dimension,
            "profile": _not_enough(notes, row),
            "status": "none",
        }
    return {"dimension": dimension, "profile": theme_text(held[:2]), "status": "data"}


def theme_text(themes: list[dict[str, Any]]) -> str:
    """'Theme "reconcile, spreadsheets, ...": in 44% of won deals with notes (95% CI ...) vs
    21% of lost. "quote" (source); "quote" (source).'"""
    parts = []
    for theme in themes:
        quotes = "; ".join(f"\u201c{q['text']}\u201d ({q['source']})" for q in theme["quotes"])
        parts.append(
            f"Theme \u201c{theme['name']}\u201d: in {pct(theme['share_won'])} of won deals with "
            f"notes (95% CI {_ci(theme['ci_won'])}) vs {pct(theme['share_lost'])} of lost "
            f"({_ci(theme['ci_lost'])})." + (f" {quotes}." if quotes else "")
        )
    return " ".join(parts)


def with_note_trigger(row: dict[str, str], winloss: dict[str, Any] | None) -> dict[str, str]:
    """The Triggering event row (from signals) with what the notes say added."""
    notes = (winloss or {}).get("notes")
    if not notes:
        return row
    from_notes = theme_row(row["dimension"], "trigger", winloss)
    if from_notes["status"] == "data":
        profile = from_notes["profile"]
        if row["status"] == "data":
            profile = f"{row['profile']} From notes: {profile}"
        return {"dimension": row["dimension"], "profile": profile, "status": "data"}
    if row["status"] == "data":
        return row
    return {
        "dimension": row["dimension"],
        "profile": f"{row['profile'].rstrip('.')}. Notes: {from_notes['profile']}",
        "status": "none",
    }


def annotate_anti(
    rows: list[dict[str, str]], winloss: dict[str, Any] | None, words: Vocabulary
) -> list[dict[str, str]]:
    """Add a ``why`` line to each anti-ICP row that winloss.json describes."""
    entries = {
        describe_segment([SegmentCondition.from_json(c) for c in e["conditions"]], words): e
        for e in (winloss or {}).get("anti_icp", [])
    }
    for row in rows:
        entry = entries.get(row["who"])
        if entry is not None:
            row["why"] = why_line(entry)
    return rows


def why_line(entry: dict[str, Any]) -> str:
    """'Defended by Fabrikam (on 62% of its losses vs 2% elsewhere); losses structural (...)'."""
    parts = []
    defenders = entry.get("defended_by") or []
    if defenders:
        named = join_words(
            [
                f"{d['competitor']} (named on {pct(d['share_of_losses'])} of its losses vs "
                f"{pct(d['share_of_losses_elsewhere'])} elsewhere)"
                for d in defenders[:2]
            ],
            "and",
        )
        parts.append(f"defended by {named}")
    losses = entry.get("losses") or {}
    verdict = losses.get("verdict")
    if verdict in ("structural", "execution", "mixed"):
        share = losses["structural_share"]
        dominant = [
            r["reason"].replace("_", " ") for r in losses.get("reasons", []) if r["dominant"]
        ]
        reasons = f"; most over-represented: {join_words(dominant[:3], 'and')}" if dominant else ""
        label = {
            "structural": "structural losses (fit, not execution)",
            "execution": "execution losses, not fit",
            "mixed": "losses no more structural than elsewhere",
        }[verdict]
        parts.append(
            f"{label}: {pct(share)} for fit or process reasons (95% CI "
            f"{_ci(losses['structural_ci'])}) vs {pct(losses['structural_share_elsewhere'])} "
            f"elsewhere{reasons}"
        )
    cycle = entry.get("cycle")
    if cycle and not cycle.get("fits_motion", True):
        parts.append(
            f"cycle does not fit the motion: median {cycle['median_days']:.0f} days vs "
            f"{cycle['median_days_elsewhere']:.0f} elsewhere"
        )
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def _not_enough(notes: dict[str, Any], row: str) -> str:
    message = str(notes.get("message") or "")
    if message.startswith("Not enough evidence"):
        return message
    return (
        f"Not enough evidence: no theme about {WHAT[row]} is more common in won than lost deals "
        f"after correction ({message[:1].lower() + message[1:]})"
    )


def _ci(ci: list | None) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return "n/a"
    return f"{pct(ci[0])}-{pct(ci[1])}"


def competitor_rows(winloss: dict[str, Any] | None) -> list[dict[str, str]] | None:
    """Our win rate against each competitor named on enough deals (None: no winloss.json)."""
    if not winloss:
        return None
    rows = []
    overall = winloss.get("competitors", {}).get("overall", [])
    for r in sorted(overall, key=lambda r: r["win_rate"]):
        rows.append(
            {
                "competitor": r["competitor"],
                "deals": f"{r['deals']:,}",
                "win_rate": pct(r["win_rate"]),
                "ci": _ci(r["ci"]),
                "without": pct(r["win_rate_without"]),
                "significant": "yes" if r.get("significant") else "no",
            }
        )
    return rows
