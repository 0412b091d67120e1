"""Engagement is learned and proven apart from fit, and meets it only in the matrix."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from icpkit.validate.engagement import engagement_model, fit_by_engagement


def _leads(rows: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    employees = rng.lognormal(5, 1.2, rows).round()
    page_views = rng.poisson(rng.gamma(2.0, 3.0, rows))
    fit = np.where((employees > 100) & (employees < 2000), 1.0, -0.6)
    engaged = 0.25 * np.minimum(page_views, 12)
    won = (rng.random(rows) < 1 / (1 + np.exp(-(-1.6 + fit + engaged)))).astype(int)
    frame = pd.DataFrame({"employees": employees, "page_views": page_views})
    return frame, won


def test_the_engagement_card_reads_only_engagement_and_ranks_held_out_deals():
    frame, won = _leads()
    train, test = np.arange(0, 2100), np.arange(2100, 3000)
    fit_tiers = np.where((frame.employees > 100) & (frame.employees < 2000), "A", "D")
    result = engagement_model(frame[["page_views"]], won, train, test, fit_tiers, seed=0)
    assert result is not None
    assert [a.column for a in result.scorecard.attributes] == ["page_views"]
    assert result.report["held_out_auc"] > 0.6
    cells = result.report["matrix"]["cells"]
    assert sum(c["deals"] for c in cells.values()) == len(won)
    # Fit and engagement each add: the best cell wins far more often than the worst.
    assert cells["A/high"]["win_rate"] > 2 * cells["D/low"]["win_rate"]
    low, high = cells["A/high"]["ci"]
    assert low < cells["A/high"]["win_rate"] < high


def test_no_engagement_columns_no_engagement_score():
    frame, won = _leads(600)
    assert (
        engagement_model(frame[[]], won, np.arange(400), np.arange(400, 600), np.full(600, "A"))
        is None
    )


def test_the_matrix_counts_every_deal_once():
    matrix = fit_by_engagement(
        np.array(["A", "A", "B", "D"]), np.array(["A", "C", "B", "D"]), np.array([1, 0, 1, 0])
    )
    assert matrix["cells"]["A/high"] == {
        "deals": 1,
        "won": 1,
        "win_rate": 1.0,
        "ci": matrix["cells"]["A/high"]["ci"],
    }
    assert matrix["cells"]["A/low"]["deals"] == 1
    assert matrix["cells"]["B/medium"]["won"] == 1
    assert matrix["cells"]["D/low"]["deals"] == 1
    assert matrix["cells"]["C/high"] == {"deals": 0, "won": 0, "win_rate": None, "ci": None}


def test_a_flat_lead_table_gets_fit_and_engagement_apart(tmp_path):
    from typer.testing import CliRunner

    from icpkit.cli import app
    from icpkit.scorecard.io import load_scorecard

    frame, won = _leads(2500, seed=3)
    rng = np.random.default_rng(3)
    frame["industry"] = rng.choice(["Software", "Retail", "Energy"], len(frame))
    frame["time_on_site_minutes"] = (frame["page_views"] * 1.5 + rng.gamma(1, 2, len(frame))).round(
        1
    )
    frame["won"] = np.where(won == 1, "yes", "no")
    frame.to_csv(tmp_path / "leads.csv", index=False)
    result = CliRunner().invoke(
        app,
        [
            "build",
            "--accounts",
            str(tmp_path / "leads.csv"),
            "--outcome",
            "won",
            "--positive",
            "yes",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Engagement, scored apart from fit" in result.output
    fit = load_scorecard(tmp_path / "out" / "scorecard.toml")
    engagement = load_scorecard(tmp_path / "out" / "engagement.toml")
    assert "page_views" not in fit.columns and "time_on_site_minutes" not in fit.columns
    assert set(engagement.columns) <= {"page_views", "time_on_site_minutes"}
    validation = json.loads((tmp_path / "out" / "validation.json").read_text())
    assert validation["engagement"]["held_out_auc"] > 0.6
