"""End to end on data with a known answer: the planted ICP is found, noise is not, and a CRM
with no signal is told so."""

from __future__ import annotations

import json

import numpy as np
import pytest

from icpkit.build import build_icp, write_outputs
from icpkit.report.document import document_content


def test_scorecard_uses_the_planted_attributes_and_not_the_noise(demo_build, demo_crm):
    columns = {a.column for a in demo_build.scorecard.attributes}
    names = {a.name for a in demo_build.scorecard.attributes}
    assert {"industry", "employees"} <= columns
    assert "Uses Snowflake" in names
    assert not columns & set(demo_crm.truth["noise_attributes"])


def test_planted_icp_bins_earn_points_and_anti_icp_is_disqualified(demo_build):
    card = demo_build.scorecard
    industry = next(a for a in card.attributes if a.column == "industry")
    planted = [
        b
        for b in industry.bins
        if {"Software", "Financial Services"} & set(b.condition.values or ())
    ]
    others = [b for b in industry.bins if b not in planted]
    assert planted and min(b.points for b in planted) > max(b.points for b in others)
    disqualified = {d.column for d in card.disqualifiers}
    assert "employees" in disqualified
    small = next(d for d in card.disqualifiers if d.column == "employees")
    assert small.condition.less_than is not None and 10 <= small.condition.less_than <= 40
    assert any(
        d.column == "industry" and {"Education"} <= set(d.condition.values)
        for d in card.disqualifiers
    )


def test_held_out_auc_and_lift_are_reported_with_intervals(demo_build):
    v = demo_build.validation
    assert v.split.method == "out-of-time"
    assert v.split.test.accounts > 500
    assert 0.68 < v.auc < 0.9
    assert v.auc_ci[0] > 0.6
    lift = v.lift_in_vs_out
    assert lift.lift > 2.0 and lift.ci[0] > 1.5 and lift.ci[0] < lift.lift
    rates = [v.tiers[t].win_rate for t in "ABCD"]
    assert rates == sorted(rates, reverse=True), "tiers must rank win rate A > B > C > D"
    assert v.signal.reliable


def test_primary_segment_is_the_planted_icp(demo_build):
    primary = demo_build.profiles.primary_icp
    assert primary is not None and primary.significant
    industry = next(c for c in primary.conditions if c.attribute == "industry")
    assert {"Software", "Financial Services"} <= set(industry.values)
    assert primary.lift > 2


def test_paragraph_reads_like_a_person_wrote_it(demo_build):
    text = document_content(demo_build)["paragraph"]
    assert text.startswith("Our ideal customers are ")
    assert "Software" in text and "Financial Services" in text
    assert "Stay away from" in text and "employees" in text
    assert "95% CI" in text and "never saw" in text


def test_outputs_follow_the_public_contract(demo_build, tmp_path):
    files = write_outputs(demo_build, tmp_path)
    segments = json.loads(files["segments"].read_text())
    assert isinstance(segments, list) and segments
    for segment in segments:
        assert {"kind", "conditions", "accounts", "win_rate", "lift", "ci", "significant"} <= set(
            segment
        )
        assert segment["kind"] in ("icp", "anti")
    validation = json.loads(files["validation"].read_text())
    assert {"auc", "lift_in_vs_out", "tiers", "split"} <= set(validation)
    assert validation["split"]["train"]["accounts"] + validation["split"]["test"]["accounts"] > 0
    markdown = files["icp_md"].read_text()
    for heading in ("## The profile", "## Anti-ICP", "## Scorecard", "## Proof on deals"):
        assert heading in markdown
    page = files["report_html"].read_text()
    assert "<svg" in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.slow
def test_no_signal_is_reported_as_no_signal(demo_crm):
    deals = demo_crm.deals.copy()
    closed = deals["outcome"].isin(["won", "lost"])
    rng = np.random.default_rng(0)
    deals.loc[closed, "outcome"] = rng.permutation(deals.loc[closed, "outcome"].to_numpy())
    result = build_icp(demo_crm.accounts, deals)
    assert not result.validation.signal.reliable
    assert not [s for s in result.segments.icp if s.significant]
    assert document_content(result)["paragraph"].startswith("No reliable ICP signal")


@pytest.mark.slow
def test_maven_crm_is_a_null_test(maven):
    result = build_icp(maven.accounts, maven.deals)
    assert result.validation.split.method == "out-of-time"
    assert not result.validation.signal.reliable
    assert not [s for s in result.segments.icp + result.segments.anti if s.significant]
    assert result.scorecard.disqualifiers == ()


def test_too_few_outcomes_is_a_clear_error(demo_crm):
    from icpkit.errors import IcpkitError

    deals = demo_crm.deals.head(40).assign(outcome="won")
    with pytest.raises(IcpkitError, match="need at least 5 won and 5 lost closed deals"):
        build_icp(demo_crm.accounts, deals)


def test_gains_curve_rises_and_ends_at_every_win(demo_build):
    gains = demo_build.validation.gains
    assert len(gains) == 10
    shares = [g.share_of_wins for g in gains]
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert gains[1].share_of_wins > 0.3, "the top 20% of deals hold well over 20% of wins"
