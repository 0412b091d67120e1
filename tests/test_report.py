"""The ICP document says what the data says: the planted ICP in plain words on the demo CRM, a
plain "no reliable ICP" with its reasons on a CRM without signal, the same page when re-rendered
from the build folder, and one section per motion."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from icpkit.build import build_icp, write_outputs
from icpkit.errors import IcpkitError
from icpkit.jsonsafe import dumps
from icpkit.report import load_build_folder, render_folder, report_document
from icpkit.report.document import document_content, gains_from_calibration
from icpkit.report.inputs import quarantine_summary
from icpkit.report.paragraph import pct
from icpkit.results import (
    CalibrationGroup,
    CalibrationTable,
    Persona,
    Personas,
    SignalVerdict,
    Trigger,
    Triggers,
)


def persona(function: str, seniority: str, **found) -> Persona:
    """A persona as personas.json holds one; the counts the report does not read are zero."""
    return Persona(
        role=None,
        function=function,
        seniority=seniority,
        name=f"{seniority} in {function}",
        deals_with=0,
        won_with=0,
        share_won_ci=(None, None),
        share_lost_ci=(None, None),
        win_rate_with=0.0,
        win_rate_with_ci=(None, None),
        win_rate_without=0.0,
        ci=(found["lift"] - 0.3, found["lift"] + 0.3),
        p_value=0.01 if found["significant"] else 0.5,
        p_adjusted=0.01 if found["significant"] else 1.0,
        direction="wins more",
        **found,
    )


def trigger(signal_type: str, window_days: int, **found) -> Trigger:
    """A trigger as triggers.json holds one, tested on one window."""
    return Trigger(
        type=signal_type,
        window_days=window_days,
        tested=True,
        p_value=0.01,
        p_adjusted=0.01 if found["significant"] else 1.0,
        direction="more",
        window_curve=(),
        **found,
    )


@pytest.fixture(scope="module")
def demo_folder(demo_build, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo-build")
    write_outputs(demo_build, folder)
    return folder


@pytest.fixture(scope="module")
def demo_content(demo_build) -> dict:
    return document_content(demo_build)


@pytest.fixture(scope="module")
def maven_content(maven) -> dict:
    return document_content(build_icp(maven.accounts, maven.deals))


def test_paragraph_names_the_planted_icp_in_plain_words(demo_build, demo_content):
    text = demo_content["paragraph"]
    assert text.startswith("Our ideal customers are ")
    # Planted: Software and Financial Services, 200-2,000 employees, Snowflake users; anti-ICP
    # under 20 employees and Education or Government; country and region are noise.
    # Only the industries that each win beyond chance: not Transportation & Logistics (26%
    # against 23% overall); employees, not revenue, which adds nothing beyond employees.
    assert text.startswith(
        "Our ideal customers are Financial Services or Software companies with 200+ employees."
    )
    assert "Transportation" not in text and "revenue" not in text
    assert "companies that use Snowflake won 45% of 408 deals" in text
    assert (
        "Stay away from companies with under 22 employees, Education or Government companies"
        in text
    )
    assert "they won 4% of 552 deals, 4% of 223 deals" in text
    assert "Where they are located makes no reliable difference." in text
    # Every number is the build's: the primary segment's counts and the held-out lift.
    primary = demo_build.profiles.primary_icp
    assert (
        f"(95% CI {pct(primary.ci[0])}-{pct(primary.ci[1])}, {primary.won} of {primary.accounts})"
        in (text)
    )
    lift = demo_build.validation.lift_in_vs_out
    assert f"tiers A and B won {lift.lift:.1f}x as often as C and D" in text
    assert re.search(r"close faster: a median of \d+ days against \d+", text)


def test_profile_table_fills_what_the_data_holds_and_asks_for_the_rest(demo_content):
    rows = {r["dimension"]: r for r in demo_content["dimensions"]}
    assert list(rows) == [
        "Firmographic",
        "Technographic",
        "Behavioural",
        "Use case",
        "Triggering event",
        "Decision-making unit",
        "Existing pain proof",
    ]
    assert rows["Firmographic"]["status"] == "data"
    assert rows["Firmographic"]["profile"].startswith(
        "Financial Services or Software companies with 200+ employees"
    )
    assert rows["Technographic"]["status"] == "data"
    assert rows["Technographic"]["profile"].startswith("Wins more with Snowflake (45% of 408")
    # The demo build passes no contacts, signals or notes to the pipeline: those rows ask.
    for dimension in (
        "Use case",
        "Triggering event",
        "Decision-making unit",
        "Existing pain proof",
    ):
        assert rows[dimension]["status"] == "input"
        assert rows[dimension]["profile"].startswith("Needs input: ")
    assert "signals table" in rows["Triggering event"]["profile"]
    assert "titles and buying roles" in rows["Decision-making unit"]["profile"]
    assert "--notes" in rows["Use case"]["profile"]


def test_anti_icp_and_scorecard_show_the_counts_behind_every_rule(demo_content):
    anti = {r["who"]: r for r in demo_content["anti"]}
    # The planted anti-ICP industries, Government with 5 of 80 won among them.
    government = anti["Education or Government companies"]
    assert government["evidence"] == "won 9 of 223 (4%, 95% CI 2%-7%)"
    assert government["action"] == "deprioritise (the scorecard disqualifies Education)"
    assert anti["Companies with under 22 employees"]["evidence"].startswith("won 21 of 552 (4%")
    assert anti["Companies with under 22 employees"]["action"] == "disqualify"
    # Every hard rule of the scorecard is on the page, whether or not a segment names it.
    rules = {r["who"] for r in demo_content["anti"] if r["evidence"].endswith("scorecard")}
    assert all(r["action"] == "disqualify" for r in demo_content["anti"] if r["who"] in rules)
    snowflake = next(r for r in demo_content["scorecard"] if r["bin"] == "uses Snowflake")
    assert (snowflake["points"], snowflake["accounts"], snowflake["won"]) == ("+9", "408", "184")
    assert (snowflake["win_rate"], snowflake["ci"]) == ("45%", "40%-50%")
    assert demo_content["scorecard_warning"] is None


def test_the_page_reads_one_verdict(demo_build):
    """The paragraph's "stay away from" is the anti-ICP table's first rows; every segment
    they quote is significant in segments.json; a headline without a company attribute never
    sits above "no kind of company wins more often than chance"."""
    from icpkit.report.inputs import from_build
    from icpkit.report.paragraph import inline, join_words

    inputs = from_build(demo_build)
    content = document_content(inputs)
    stay_away = content["paragraph"].split("Stay away from ")[1].split(": they won")[0]
    named = [inline(r["who"]) for r in content["anti"][:3]]
    assert stay_away == join_words(named, "and")
    quoted = [s for s in inputs.build.segments.anti if s.significant]
    for row in content["anti"][:3]:
        assert any(row["evidence"].startswith(f"won {s.won:,} of {s.accounts:,}") for s in quoted)
    primary = demo_build.profiles.primary_icp
    redundant = demo_build.profiles.segment_search.redundant_attributes
    assert not {c.attribute for c in primary.conditions} & set(redundant)

    snowflake = next(
        s for s in inputs.build.segments if s.significant and "Snowflake" in s.description
    )
    build = inputs.build
    inputs.build = replace(build, profiles=replace(build.profiles, primary_icp=snowflake))
    firmographic = document_content(inputs)["dimensions"][0]
    assert firmographic["status"] == "data"
    assert firmographic["profile"].startswith("Financial Services or Software companies won")
    signal = SignalVerdict(reliable=False, text="")
    inputs.build = replace(build, validation=replace(build.validation, signal=signal))
    unreliable = document_content(inputs)
    assert unreliable["paragraph"].startswith("No reliable ICP signal yet")
    assert "did not hold up on deals it never saw" in unreliable["dimensions"][0]["profile"]


def test_validation_gains_and_funnel_come_from_held_out_deals(demo_build, demo_content):
    v = demo_content["validation"]
    held_out = demo_build.validation.split.test.accounts
    funnel = v["funnel"]
    assert funnel[0].count == held_out
    assert [s.count for s in funnel] == sorted([s.count for s in funnel], reverse=True)
    assert funnel[-1].count == demo_build.validation.tiers["A"].accounts
    shares = [x for x, _ in v["gains"]]
    wins = [y for _, y in v["gains"]]
    assert shares[-1] == pytest.approx(1.0) and wins[-1] == pytest.approx(1.0)
    assert wins == sorted(wins)
    # A working scorecard finds far more than its share of wins in its best-scored tenth.
    assert wins[0] > 2 * shares[0]


def test_gains_from_calibration_reads_groups_best_first():
    calibration = CalibrationTable(
        expected_calibration_error=0.1,
        groups=(
            CalibrationGroup(accounts=50, predicted=0.1, observed=0.1),  # 5 wins
            CalibrationGroup(accounts=30, predicted=0.3, observed=0.5),  # 15 wins
            CalibrationGroup(accounts=20, predicted=0.6, observed=1.0),  # 20 wins
        ),
    )
    points = gains_from_calibration(calibration)
    assert points == [
        pytest.approx((0.2, 0.5)),
        pytest.approx((0.5, 35 / 40)),
        pytest.approx((1.0, 1.0)),
    ]
    assert gains_from_calibration(replace(calibration, groups=())) == []
    assert gains_from_calibration(None) == []


@pytest.mark.slow
def test_maven_crm_says_plainly_that_no_reliable_icp_was_found_and_why(maven_content):
    text = maven_content["paragraph"]
    assert text.startswith("No reliable ICP signal yet: this data does not show which companies")
    coin = re.search(
        r"no better than a coin flip \(AUC (0\.\d\d), 95% CI (0\.\d\d)-(0\.\d\d); "
        r"0\.50 is chance\)",
        text,
    )
    assert coin and float(coin[2]) < 0.5 < float(coin[3]), text
    assert re.search(r"none of the [\d,]+ segments we tried wins or loses more often than", text)
    assert "come from only 85 companies" in text
    assert "rebuild after the next 50-100 closed deals" in text
    assert not maven_content["reliable"]
    assert "did no better than chance" in maven_content["scorecard_warning"]
    firmographic = maven_content["dimensions"][0]
    assert firmographic["status"] == "none"
    assert firmographic["profile"].startswith(
        "No kind of company wins more often than chance explains (tried: "
    )
    for attribute in (
        "employees",
        "revenue",
        "year established",
        "sector",
        "office location",
        "subsidiary of",
    ):
        assert attribute in firmographic["profile"]
    assert maven_content["anti"] == []


def test_re_rendering_a_build_folder_gives_the_same_document(demo_folder):
    before = {name: (demo_folder / name).read_text() for name in ("report.html", "icp.md")}
    render_folder(demo_folder)
    after = {name: (demo_folder / name).read_text() for name in ("report.html", "icp.md")}
    assert after == before
    markdown = after["icp.md"]
    for heading in (
        "## The profile",
        "## Anti-ICP",
        "## Scorecard",
        "## Proof on deals",
        "## Who buys and when",
        "## Target list",
        "## Segments",
        "## Data quality",
        "## When to re-validate",
    ):
        assert heading in markdown
    assert markdown.split("\n\n")[1].startswith("Our ideal customers are")


def test_personas_and_triggers_files_are_rendered(demo_folder, tmp_path):
    folder = tmp_path / "with-buyers"
    folder.mkdir()
    for path in demo_folder.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    personas = [
        persona("Data", "Director", share_won=0.45, share_lost=0.27, lift=1.67, significant=True),
        persona("Finance", "VP", share_won=0.1, share_lost=0.1, lift=1.0, significant=False),
    ]
    triggers = [
        trigger("executive_hire", 60, lift=1.6, ci=(1.3, 2.0), significant=True),
        trigger("web_visit", 30, lift=1.02, ci=(0.9, 1.1), significant=False),
    ]
    found = Personas(status="ok", message="", personas=tuple(personas))
    (folder / "personas.json").write_text(dumps(found.to_json()))
    found = Triggers(status="ok", message="", triggers=tuple(triggers))
    (folder / "triggers.json").write_text(dumps(found.to_json()))
    content = report_document(load_build_folder(folder))["main"]
    assert (
        "Won deals often involve a Director in Data (45% of won deals against 27%"
        in (content["paragraph"])
    )
    assert (
        "The time to reach them is within 60 days of a new executive hire" in (content["paragraph"])
    )
    rows = {r["dimension"]: r for r in content["dimensions"]}
    assert rows["Decision-making unit"]["status"] == "data"
    assert rows["Triggering event"]["profile"].startswith("A new executive hire within 60 days")
    assert rows["Behavioural"]["status"] == "none"  # web visits tried, no signal
    assert [p["significant"] for p in content["who_buys"]["personas"]] == ["yes", "no"]
    render_folder(folder)
    page = (folder / "report.html").read_text()
    assert "a Director in Data" in page and "Needs input: add contacts" not in page


def test_quarantine_is_grouped_by_reason_with_an_example(tmp_path):
    path = tmp_path / "quarantine.csv"
    path.write_text(
        "source_file,line,column,reason,raw\n"
        "/x/accounts.csv,380,Record ID,duplicate of line 82,a\n"
        "/x/accounts.csv,443,Record ID,duplicate of line 299,b\n"
        '/x/deals.csv,7,amount,"cannot read ""lots"" as money",c\n'
    )
    groups = quarantine_summary(path)
    assert groups[0] == {
        "file": "accounts.csv",
        "column": "Record ID",
        "reason": "duplicate of line N",
        "rows": 2,
        "example_line": "380",
        "example": "duplicate of line 82",
    }
    assert groups[1]["rows"] == 1 and groups[1]["example"] == 'cannot read "lots" as money'


def test_a_folder_that_is_not_a_build_is_a_one_line_error(tmp_path, demo_folder):
    with pytest.raises(IcpkitError, match=r"not a build folder: scorecard\.toml, validation\.json"):
        load_build_folder(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in demo_folder.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    (broken / "validation.json").write_text('{"auc": 0.7,\n  "lift": }\n')
    with pytest.raises(IcpkitError, match=r"validation.json, line 2, column 11: not valid JSON"):
        load_build_folder(broken)
    done = subprocess.run(
        [sys.executable, "-m", "icpkit", "report", "--from", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().endswith(
        "nowhere: folder not found (give the --out folder of an icpkit build)"
    )


@pytest.mark.slow
def test_motion_build_gives_a_comparison_and_a_section_per_motion(demo_crm, demo_build, tmp_path):
    from icpkit.motions import build_motions

    write_outputs(demo_build, tmp_path)
    deals = demo_crm.deals.copy()
    # Two motions the simulator does not plant, and one too small to learn from.
    deals["motion"] = (
        deals["source"]
        .map({"Inbound": "Inbound", "Referral": "Inbound", "Event": "Inbound"})
        .fillna("Outbound")
    )
    deals.loc[deals.index[:12], "motion"] = "Pilot program"
    files = build_motions(demo_crm.accounts, deals, "motion", tmp_path)
    listed = json.loads((tmp_path / "motions.json").read_text())
    assert listed["column"] == "motion"
    by_value = {m["value"]: m for m in listed["motions"]}
    assert set(by_value) == {"Inbound", "Outbound", "Pilot program"}
    assert (tmp_path / by_value["Inbound"]["folder"] / "scorecard.toml").is_file()
    assert by_value["Pilot program"]["folder"] == ""
    assert by_value["Pilot program"]["note"].startswith("not built: need at least 5 won")
    markdown = files["icp_md"].read_text()
    assert markdown.startswith("# Ideal Customer Profile by motion")
    assert "## Comparison by motion" in markdown
    for section in ("## motion: All deals", "## motion: Inbound", "## motion: Outbound"):
        assert section in markdown
    comparison = [line for line in markdown.splitlines() if line.startswith("| Inbound |")]
    assert comparison and "reliable" in comparison[0]
    page = files["report_html"].read_text()
    assert page.count('class="motion"') == 3  # all deals, Inbound, Outbound
