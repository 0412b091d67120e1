"""Render the ICP document: `report.html` (self-contained: inline CSS and SVG, no script, no
request to the network) and its Markdown twin `icp.md`, from one assembled content."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from icpkit.errors import IcpkitError
from icpkit.report import charts
from icpkit.report.document import document_content
from icpkit.report.inputs import ReportInputs, from_build, load_build_folder
from icpkit.report.motions import motion_document
from icpkit.results import BuildResult

FILES = {"icp_md": "icp.md", "report_html": "report.html"}


def report_document(inputs: ReportInputs) -> dict[str, Any]:
    """The whole document: one build's content, or a --motion build's comparison and one
    section per motion."""
    if inputs.motions:
        return motion_document(inputs)
    return {"kind": "single", "main": document_content(inputs)}


def write_reports(result: BuildResult, out_dir: Path) -> dict[str, Path]:
    """Write icp.md and report.html for a fresh build (called by ``write_outputs``)."""
    return write_document(report_document(from_build(result, Path(out_dir))), Path(out_dir))


def render_folder(folder: Path | str, *, new_deals: dict | None = None) -> dict[str, Path]:
    """Re-render icp.md and report.html from a build folder's files."""
    inputs = load_build_folder(folder)
    inputs.new_deals = new_deals
    return write_document(report_document(inputs), Path(folder))


def write_document(document: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    paths = {key: out_dir / name for key, name in FILES.items()}
    try:
        paths["icp_md"].write_text(render_markdown(document), encoding="utf-8")
        paths["report_html"].write_text(render_html(document), encoding="utf-8")
    except OSError as error:
        raise IcpkitError(f"cannot write the report ({error.strerror})", file=out_dir) from None
    return paths


# ---- HTML --------------------------------------------------------------------------------


def render_html(document: dict[str, Any]) -> str:
    env = Environment(
        loader=PackageLoader("icpkit", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    if document["kind"] == "single":
        sections = [("", document["main"], _charts(document["main"]))]
    else:
        sections = [
            (s["value"], s["content"], _charts(s["content"]))
            for s in document["sections"]
            if s["content"] is not None
        ]
    comparison_chart = None
    if document["kind"] == "motions":
        comparison_chart = charts.win_rate_bars(
            document["bars"], "Win rate by motion (95% CI)", document["base_rate"]
        )
    return env.get_template("report.html.j2").render(
        doc=document, sections=sections, comparison_chart=comparison_chart
    )


def _charts(c: dict[str, Any]) -> dict[str, str | list[str] | None]:
    v = c["validation"]
    scorecard_bars = [r["bar"] for r in c["scorecard"] if r["bar"] is not None]
    tier_bars = [r["bar"] for r in v["tiers"] if r["bar"] is not None]
    segments = c["segments"]["points"]
    return {
        "scorecard": charts.win_rate_bars(
            scorecard_bars, "Win rate by scorecard bin, with the points each earns", c["base_rate"]
        )
        if scorecard_bars
        else None,
        "attributes": _per_group(c["attribute_bars"], c["base_rate"]),
        "tiers": charts.win_rate_bars(
            tier_bars, "Held-out win rate by tier (95% CI)", c["base_rate"], width=440
        )
        if tier_bars
        else None,
        "gains": charts.gains_chart(v["gains"], "Cumulative gains on held-out deals")
        if v["gains"]
        else None,
        "calibration": charts.calibration_chart(
            v["calibration_points"], "Calibration: predicted vs observed"
        )
        if v["calibration_points"]
        else None,
        "funnel": charts.funnel_chart(v["funnel"], "Held-out deals by tier, best last", width=440),
        "segments": charts.segment_map(
            segments, c["base_rate"], "Segments: size against win rate (numbers as in the table)"
        )
        if segments
        else None,
    }


def _per_group(bars: list[charts.Bar], base_rate: float) -> list[str]:
    """One small chart per attribute, so that a page break never strands a tall one."""
    groups: dict[str, list[charts.Bar]] = {}
    for bar in bars:
        groups.setdefault(bar.group, []).append(replace(bar, group=""))
    return [
        charts.win_rate_bars(group, f"Win rate by {title} (95% CI)", base_rate)
        for title, group in groups.items()
    ]


# ---- Markdown ----------------------------------------------------------------------------


# Where an HTML tag or comment could start: "<img", "</script", "<!--", "<?". A "<" before a
# digit, a space or "=" ("<50 employees") starts none and is left as written.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def markdown_text(text: str) -> str:
    """Markdown that renders no HTML: a "<" that could open a tag is backslash-escaped, which
    every CommonMark renderer shows as a plain "<". The document's own Markdown has no HTML,
    so this is applied to all of it, values from the data included."""
    return _TAG_START.sub(r"\\<", text)


def render_markdown(document: dict[str, Any]) -> str:
    """icp.md: the document as Markdown, with nothing a viewer would run as HTML."""
    return markdown_text(_markdown(document))


def _markdown(document: dict[str, Any]) -> str:
    if document["kind"] == "single":
        return "\n".join(_markdown_build(document["main"], level=1)) + "\n"
    out = [f"# {document['title']}", "", document["summary"], ""]
    out += [
        f"## Comparison by {document['column']}",
        "",
        "| Motion | Closed deals | Won | Win rate | 95% CI | ICP | Held-out lift | Verdict |",
        "|---|---:|---:|---:|---|---|---|---|",
    ]
    out += [
        f"| {_md(r['value'])} | {r['closed_deals']} | {r['won']} | {r['win_rate']} | {r['ci']} | "
        f"{_md(r['icp'])} | {r['lift']} | {_md(r['verdict'])} |"
        for r in document["comparison"]
    ]
    for section in document["sections"]:
        out += ["", f"## {document['column']}: {section['value']}", ""]
        if section["content"] is None:
            out.append(section["note"])
            continue
        out += _markdown_build(section["content"], level=3)
    return "\n".join(out) + "\n"


def _markdown_build(c: dict[str, Any], level: int) -> list[str]:
    h = "#" * level
    hh = "#" * (level + 1) if level == 1 else h
    v = c["validation"]
    out = []
    if level == 1:
        out += [f"# {c['title']}", ""]
    out += [c["paragraph"], "", f"_{c['signal']['text']}_ {c['subtitle']}", ""]
    out += [f"{hh} The profile", "", "| Dimension | Profile |", "|---|---|"]
    out += [f"| {_md(r['dimension'])} | {_md(r['profile'])} |" for r in c["dimensions"]]
    out += ["", f"{hh} Anti-ICP: who not to pursue", ""]
    if c["anti"]:
        out += ["| Who | Evidence | Action |", "|---|---|---|"]
        out += [
            f"| {_md(r['who'] + (' (' + r['why'] + ')' if r.get('why') else ''))} | "
            f"{_md(r['evidence'])} | {r['action']} |"
            for r in c["anti"]
        ]
    else:
        out.append("No group loses more often than chance explains.")
    t = c["tiers"]
    unit = "score" if t.unit == "score" else "points"
    out += [
        "",
        f"{hh} Scorecard",
        "",
        f"Tiers on the {unit}: A {t.a:g}+, B {t.b:g}+, C {t.c:g}+, D below. "
        "Every row shows the closed deals behind its points.",
    ]
    if c["scorecard_warning"]:
        out += ["", f"**{c['scorecard_warning']}**"]
    out += [
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
        f"{hh} Proof on deals the scorecard never saw",
        "",
        f"- Validation: {v['how']}.",
        f"- AUC: {v['auc']}.",
        f"- Win rate inside the ICP (tiers A-B): {v['inside']}; outside: {v['outside']}; "
        f"lift {v['lift']}.",
        f"- The 3x rule: {v['three_x']}",
        f"- Win rate of the top 10% by score: {v['top10']}; top 20%: {v['top20']}.",
        f"- Calibration error (score to win probability): {v['calibration_error']}.",
    ]
    if v["gains"]:
        gains = ", ".join(f"top {x:.0%}: {y:.0%}" for x, y in v["gains"][:5])
        out.append(f"- Share of held-out wins found in the best-scored deals: {gains}.")
    out += ["", "| Tier | Deals | Won | Win rate | 95% CI |", "|---|---:|---:|---:|---|"]
    out += [
        f"| {r['tier']} | {r['accounts']} | {r['won']} | {r['win_rate']} | {r['ci']} |"
        for r in v["tiers"]
    ]
    out += _markdown_who_buys(c, hh)
    out += ["", f"{hh} Target list", ""]
    target = c["target_list"]
    if target:
        tiers = ", ".join(f"{k} {n:,}" for k, n in target["tiers"].items())
        out.append(
            f"Of {target['companies']:,} companies in {target['universe']}: {tiers}. "
            f"{target['advice']}"
        )
    else:
        out.append(
            "Needs input: give `--universe companies.csv` (the companies you could sell to) to "
            "count the target list per tier."
        )
    if not c["brief"]:
        out += _markdown_segments(c, hh)
        out += _markdown_quality(c["quality"], hh)
        out += _markdown_roles(c["roles"])
    out += ["", f"{hh} When to re-validate", "", c["revalidate"]["text"]]
    if c["revalidate"]["status"]:
        out += ["", f"**{c['revalidate']['status']}**"]
    out.append("")
    return out


def _markdown_segments(c: dict[str, Any], hh: str) -> list[str]:
    s = c["segments"]
    return [
        "",
        f"{hh} Segments ({c['segments_tried']:,} tried, Holm-corrected)",
        "",
        "| # | Kind | Segment | Deals | Won | Win rate | 95% CI | Lift | Significant |",
        "|---:|---|---|---:|---:|---:|---|---:|---|",
        *(
            f"| {r['number']} | {r['kind']} | {_md(r['description'])} | {r['accounts']} | "
            f"{r['won']} | {r['win_rate']} | {r['ci']} | {r['lift']} | {r['significant']} |"
            for r in s["rows"]
        ),
    ]


def _markdown_who_buys(c: dict[str, Any], hh: str) -> list[str]:
    who = c["who_buys"]
    out = ["", f"{hh} Who buys and when", ""]
    if who["personas"] is None:
        out.append(
            "Personas: needs input (contacts with titles and buying roles on won and lost deals)."
        )
    elif who["personas"]:
        out += [
            "| Persona | Share of won deals | Share of lost deals | Lift | 95% CI | Significant |",
            "|---|---:|---:|---:|---|---|",
        ]
        out += [
            f"| {_md(p['who'])} | {p['share_won']} | {p['share_lost']} | {p['lift']} | "
            f"{p['ci']} | {p['significant']} |"
            for p in who["personas"]
        ]
    else:
        out.append("Personas: none found in the contacts.")
    out.append("")
    if who["triggers"] is None:
        out.append("Triggers: needs input (a signals table of dated events per account).")
    elif who["triggers"]:
        out += [
            "| Trigger | Window | Lift | 95% CI | Significant |",
            "|---|---|---:|---|---|",
        ]
        out += [
            f"| {_md(t['type'])} | {t['window']} | {t['lift']} | {t['ci']} | {t['significant']} |"
            for t in who["triggers"]
        ]
    else:
        out.append("Triggers: no signal types in the data.")
    return out + _markdown_competitors(c.get("competitors"))


def _markdown_competitors(rows: list[dict[str, str]] | None) -> list[str]:
    """Win rate against each competitor (from winloss.json), when there are any."""
    if not rows:
        return []
    out = ["", "| Competitor | Deals | Win rate | 95% CI | Without it | Significant |"]
    out.append("|---|---:|---:|---|---:|---|")
    out += [
        f"| {_md(r['competitor'])} | {r['deals']} | {r['win_rate']} | {r['ci']} | "
        f"{r['without']} | {r['significant']} |"
        for r in rows
    ]
    return out


def _markdown_quality(quality: dict[str, Any] | None, hh: str) -> list[str]:
    out = ["", f"{hh} Data quality", ""]
    if quality is None:
        return [*out, "No ingest report in this build (ingest.json is missing)."]
    out += ["| Table | File | Rows read | Accepted | Quarantined |", "|---|---|---:|---:|---:|"]
    out += [
        f"| {f['table']} | {_md(f['file'])} | {f['read']} | {f['accepted']} | {f['quarantined']} |"
        for f in quality["files"]
    ]
    if quality["reasons"]:
        out += ["", "| File | Column | Why rejected | Rows | Example |", "|---|---|---|---:|---|"]
        out += [
            f"| {_md(r['file'])} | {_md(r['column'])} | {_md(r['reason'])} | {r['rows']:,} | "
            f"line {r['example_line']}: {_md(r['example'])} |"
            for r in quality["reasons"]
        ]
    else:
        out += ["", "No row was quarantined."]
    out += [""] + [f"- {_md(d)}" for d in quality["duplicates"] + quality["notes"]]
    return out


def _markdown_roles(roles: dict[str, Any] | None) -> list[str]:
    if roles is None:
        return []
    out = [""]
    if roles["leaks"]:
        out += ["Suspected leaks, left out of the ICP (known only once the outcome is):", ""]
        out += [f"- {_md(leak['column'])}: {_md(leak['reason'])}" for leak in roles["leaks"]]
    else:
        out.append("No column looks like a leak of the outcome.")
    if roles["others"]:
        out += ["", "Not company attributes, so not in the ICP:", ""]
        out += [f"- {_md(g['label']).capitalize()}: {_md(g['columns'])}" for g in roles["others"]]
    return out


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
