"""Assemble the ICP document's content once, then render it as Markdown and as HTML."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape

from icpkit.report.paragraph import describe_segment, icp_paragraph, pct

if TYPE_CHECKING:
    from icpkit.build import BuildResult

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


def document_content(result: BuildResult) -> dict[str, Any]:
    """Everything the document says, as plain data both renderers share."""
    validation, facts, search = result.validation, result.facts, result.segments
    paragraph = icp_paragraph(search.primary, search.anti, validation, facts, search.tried)
    return {
        "title": "Ideal Customer Profile",
        "paragraph": paragraph,
        "signal": validation["signal"],
        "dimensions": _dimensions(result),
        "anti": _anti(result),
        "scorecard": _scorecard_rows(result),
        "tiers": result.scorecard.tiers,
        "validation": _validation_rows(validation),
        "validation_raw": validation,
        "segments": [
            {
                "description": describe_segment(s.atoms),
                "accounts": s.accounts,
                "win_rate": pct(s.win_rate),
                "ci": f"{pct(s.ci[0])}-{pct(s.ci[1])}",
                "lift": f"{s.lift:.1f}x",
                "significant": "yes" if s.significant else "no",
            }
            for s in search.icp[:8]
        ],
        "segments_tried": search.tried,
        "target_list": facts.get("target_list"),
        "facts": facts,
        "revalidate": (
            f"Built from {facts['closed_deals']:,} closed deals with {facts['closed_accounts']:,} "
            f"accounts up to "
            f"{facts.get('last_decision') or 'the latest close'}. Re-validate after the next "
            "50-100 closed deals or next quarter, whichever comes first."
        ),
    }


def _dimensions(result: BuildResult) -> list[dict[str, str]]:
    primary = result.segments.primary
    atoms = primary.atoms if primary else ()
    firmo = [a for a in atoms if a.column in FIRMOGRAPHIC]
    techno = [a for a in atoms if a.kind == "list"]
    other = [a for a in atoms if a not in firmo and a not in techno]

    def filled(items) -> str:
        return describe_segment(tuple(items)) if items else ""

    rows = [
        ("Firmographic", filled(firmo) or "No firmographic condition beats chance in this data."),
        (
            "Technographic",
            filled(techno).replace("Companies that ", "Companies that ")
            or "No technology condition beats chance (or no technology data).",
        ),
    ]
    if other:
        rows.append(("Other attributes", filled(other)))
    rows += [
        ("Behavioural", "Needs input: add product usage or web engagement per account."),
        (
            "Triggering event",
            "Needs input: add a signals table (funding, executive hires, job "
            "posts) with dates to learn which events precede wins.",
        ),
        (
            "Decision-making unit",
            "Needs input: add contacts with titles and buying roles on won and lost deals.",
        ),
        ("Existing pain proof", "Needs input: add evidence such as job posts or tools replaced."),
    ]
    return [{"dimension": d, "profile": p} for d, p in rows]


def _anti(result: BuildResult) -> list[dict[str, str]]:
    rows = []
    for rule in result.scorecard.disqualifiers:
        stats = rule.stats
        rows.append(
            {
                "who": f"{rule.attribute}: {rule.condition.describe()}",
                "evidence": (
                    f"won {stats.won} of {stats.accounts} ({pct(stats.win_rate)}, 95% CI "
                    f"{pct(stats.ci_low)}-{pct(stats.ci_high)})"
                    if stats
                    else "hand-written rule"
                ),
                "action": "disqualify",
            }
        )
    covered = {rule.attribute for rule in result.scorecard.disqualifiers}
    shown = 0
    for segment in sorted(result.segments.anti, key=lambda s: s.win_rate):
        if not segment.significant or shown == 3:
            continue
        if len(segment.atoms) == 1 and segment.atoms[0].attribute in covered:
            continue
        shown += 1
        rows.append(
            {
                "who": describe_segment(segment.atoms),
                "evidence": (
                    f"won {segment.won} of {segment.accounts} ({pct(segment.win_rate)}, 95% CI "
                    f"{pct(segment.ci[0])}-{pct(segment.ci[1])})"
                ),
                "action": "deprioritise",
            }
        )
    return rows


def _scorecard_rows(result: BuildResult) -> list[dict[str, str]]:
    rows = []
    for attribute in result.scorecard.attributes:
        for b in attribute.bins:
            s = b.stats
            if s is not None and s.accounts == 0:
                continue  # a catch-all for values never seen in training: nothing to show
            rows.append(
                {
                    "attribute": attribute.name,
                    "bin": b.label,
                    "points": f"{b.points:+d}",
                    "accounts": f"{s.accounts:,}" if s else "",
                    "won": f"{s.won:,}" if s else "",
                    "win_rate": pct(s.win_rate) if s and s.accounts else "",
                    "ci": f"{pct(s.ci_low)}-{pct(s.ci_high)}" if s and s.accounts else "",
                    "win_rate_value": s.win_rate if s and s.accounts else None,
                    "ci_values": (s.ci_low, s.ci_high) if s and s.accounts else None,
                }
            )
    return rows


def _validation_rows(v: dict) -> dict[str, Any]:
    lift = v["lift_in_vs_out"]
    split = v["split"]
    how = (
        f"out-of-time: trained on deals closed before {split['held_out_from']}, tested on "
        f"the {split['test']['accounts']:,} decided after"
        if split["method"] == "out-of-time"
        else f"random hold-out of {split['test']['accounts']:,} deals (no close dates)"
    )
    auc = (
        "n/a"
        if v["auc"] is None
        else f"{v['auc']:.2f} (95% CI {v['auc_ci'][0]:.2f}-{v['auc_ci'][1]:.2f})"
    )
    lift_text = "n/a"
    if lift["lift"] is not None:
        low, high = lift["ci"]
        interval = f" (95% CI {low:.1f}-{high:.1f}x)" if low is not None and high else ""
        lift_text = f"{lift['lift']:.1f}x{interval}"
    tiers = [
        {
            "tier": name,
            "accounts": t["accounts"],
            "won": t["won"],
            "win_rate": pct(t["win_rate"]),
            "ci": f"{pct(t['ci'][0])}-{pct(t['ci'][1])}" if t["accounts"] else "",
            "win_rate_value": t["win_rate"],
            "ci_values": t["ci"] if t["accounts"] else None,
        }
        for name, t in v["tiers"].items()
    ]
    calibration = v.get("calibration") or {}
    return {
        "how": how,
        "auc": auc,
        "lift": lift_text,
        "inside": f"{pct(lift['inside']['win_rate'])} of {lift['inside']['accounts']:,}",
        "outside": f"{pct(lift['outside']['win_rate'])} of {lift['outside']['accounts']:,}",
        "tiers": tiers,
        "top10": pct(v["precision_top_10"]["win_rate"]),
        "top20": pct(v["precision_top_20"]["win_rate"]),
        "calibration_error": pct(calibration.get("expected_calibration_error"), 1),
        "three_x": v["three_x_rule"]["verdict"],
    }


def render_markdown(content: dict[str, Any]) -> str:
    c = content
    v = c["validation"]
    out = [f"# {c['title']}", "", c["paragraph"], "", f"_{c['signal']['text']}_", ""]
    out += ["## The profile", "", "| Dimension | Profile |", "|---|---|"]
    out += [f"| {_md(r['dimension'])} | {_md(r['profile'])} |" for r in c["dimensions"]]
    out += ["", "## Anti-ICP: who not to pursue", ""]
    if c["anti"]:
        out += ["| Who | Evidence | Action |", "|---|---|---|"]
        out += [f"| {_md(r['who'])} | {_md(r['evidence'])} | {r['action']} |" for r in c["anti"]]
    else:
        out.append("No group loses more often than chance explains.")
    t = c["tiers"]
    unit = "score" if t.unit == "score" else "points"
    out += [
        "",
        "## Scorecard",
        "",
        f"Tiers on the {unit}: A {t.a:g}+, B {t.b:g}+, C {t.c:g}+, D below. "
        "Every row shows the closed deals behind its points.",
        "",
        "| Attribute | Bin | Points | Deals | Won | Win rate | 95% CI |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    out += [
        f"| {_md(r['attribute'])} | {_md(r['bin'])} | {r['points']} | {r['accounts']} | "
        f"{r['won']} | {r['win_rate']} | {r['ci']} |"
        for r in c["scorecard"]
    ]
    out += [
        "",
        "## Proof on deals the scorecard never saw",
        "",
        f"- Validation: {v['how']}.",
        f"- AUC: {v['auc']}.",
        f"- Win rate inside the ICP (tiers A-B): {v['inside']}; outside: {v['outside']}; "
        f"lift {v['lift']}.",
        f"- The 3x rule: {v['three_x']}",
        f"- Win rate of the top 10% by score: {v['top10']}; top 20%: {v['top20']}.",
        f"- Calibration error (score to win probability): {v['calibration_error']}.",
        "",
        "| Tier | Deals | Won | Win rate | 95% CI |",
        "|---|---:|---:|---:|---|",
    ]
    out += [
        f"| {r['tier']} | {r['accounts']} | {r['won']} | {r['win_rate']} | {r['ci']} |"
        for r in v["tiers"]
    ]
    out += [
        "",
        f"## Segments ({c['segments_tried']:,} tried, Holm-corrected)",
        "",
        "| Segment | Deals | Win rate | 95% CI | Lift | Significant |",
        "|---|---:|---:|---|---:|---|",
    ]
    out += [
        f"| {_md(s['description'])} | {s['accounts']} | {s['win_rate']} | {s['ci']} | "
        f"{s['lift']} | {s['significant']} |"
        for s in c["segments"]
    ]
    out += ["", "## When to re-validate", "", c["revalidate"], ""]
    return "\n".join(out)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def bar_chart(rows: list[dict], label_key: str, title: str, base: float | None = None) -> str:
    """An inline SVG of win rates with 95% interval whiskers: no script, no network."""
    rows = [r for r in rows if r.get("win_rate_value") is not None]
    width, row_h, left = 640, 26, 230
    height = row_h * len(rows) + 40
    scale = width - left - 70
    top = max([r["ci_values"][1] for r in rows if r.get("ci_values")] + [0.05])
    parts = [
        f'<svg class="chart" role="img" aria-label="{html.escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="14" class="chart-title">{html.escape(title)}</text>',
    ]
    for i, r in enumerate(rows):
        y = 26 + i * row_h
        w = scale * r["win_rate_value"] / top
        parts.append(
            f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">'
            f"{html.escape(str(r[label_key]))[:38]}</text>"
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" class="bar"/>'
        )
        if r.get("ci_values"):
            lo, hi = (left + scale * v / top for v in r["ci_values"])
            parts.append(
                f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + 11}" y2="{y + 11}" class="ci"/>'
            )
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 14}">{pct(r["win_rate_value"])}</text>')
    if base is not None:
        x = left + scale * base / top
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="22" y2="{height - 6}" class="base"/>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(content: dict[str, Any]) -> str:
    env = Environment(
        loader=PackageLoader("icpkit", "templates"), autoescape=select_autoescape(["html"])
    )
    base = content["facts"]["won"] / max(content["facts"]["closed_deals"], 1)
    charts = {
        "tiers": bar_chart(
            content["validation"]["tiers"], "tier", "Held-out win rate by tier (95% CI)", base
        ),
        "scorecard": bar_chart(
            [dict(r, label=f"{r['attribute']}: {r['bin']}") for r in content["scorecard"]],
            "label",
            "Win rate by scorecard bin (95% CI; line = average)",
            base,
        ),
    }
    return env.get_template("report.html.j2").render(c=content, charts=charts)


def write_reports(result: BuildResult, out_dir: Path) -> dict[str, Path]:
    content = document_content(result)
    paths = {"icp_md": out_dir / "icp.md", "report_html": out_dir / "report.html"}
    paths["icp_md"].write_text(render_markdown(content), encoding="utf-8")
    paths["report_html"].write_text(render_html(content), encoding="utf-8")
    return paths
