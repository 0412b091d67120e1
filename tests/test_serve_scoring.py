"""The server's row-by-row scorer gives exactly what `icpkit score`'s score_frame gives, and
falls back to score_frame when it would not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icpkit.scorecard.io import load_scorecard
from icpkit.serve import scoring
from icpkit.serve.scoring import CardScorer, cell_text, probe_accounts, score_accounts

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"


@pytest.fixture(scope="module")
def cards(demo_build):
    return {"learned": demo_build.scorecard, "seed": load_scorecard(SEED)}


@pytest.mark.parametrize("name", ["learned", "seed"])
def test_row_scorer_matches_score_frame_on_the_demo_crm(cards, demo_crm, name):
    card = cards[name]
    scorer = CardScorer(card)
    assert scorer.fast and scorer.mismatch is None
    typed = json.loads(demo_crm.accounts.to_json(orient="records"))
    expected = score_accounts(card, typed)
    # In chunks, so later chunks meet values the scorer has prepared before.
    got = [
        r for start in range(0, len(typed), 700) for r in scorer.score(typed[start : start + 700])
    ]
    assert got == expected
    assert {r.icp_tier for r in got} == {"A", "B", "C", "D"}


@pytest.mark.parametrize("name", ["learned", "seed"])
def test_row_scorer_matches_score_frame_on_random_mixes(cards, name):
    card = cards[name]
    scorer = CardScorer(card, verify=False)
    candidates = {
        column: sorted({p[column] for p in probe_accounts(card) if column in p})
        for column in card.columns
    }
    value = st.one_of(
        st.none(),
        st.integers(-10, 10**9),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.booleans(),
    )
    account = st.fixed_dictionaries(
        {},
        optional={
            c: st.one_of(st.sampled_from(options), value, st.lists(st.sampled_from(options)))
            for c, options in candidates.items()
        },
    )

    @given(st.lists(account, min_size=1, max_size=8))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    def check(accounts):
        assert scorer.score(accounts) == score_accounts(card, accounts)

    check()


def test_a_scorer_that_disagrees_falls_back_to_score_frame(cards, monkeypatch):
    card = cards["seed"]
    # the row path's copy of the matcher, made wrong: the self-check must notice
    monkeypatch.setattr(
        scoring,
        "first_match",
        lambda values, kind, conditions, second=None: np.full(len(values), len(conditions)),
    )
    scorer = CardScorer(card)
    assert not scorer.fast
    assert "score_frame" in scorer.mismatch
    lead = {"employees": "120", "funding_stage": "Series B", "region": "North America"}
    assert scorer.score([lead]) == score_accounts(card, [lead])


def test_json_values_become_the_text_a_csv_would_hold():
    assert cell_text(None) == ""
    assert cell_text(True) == "true"
    assert cell_text(120) == "120"
    assert cell_text(120.0) == "120"
    assert cell_text(2.5e16) == "25000000000000000"
    assert cell_text(0.1) == "0.1"
    assert cell_text(1e-7) == "0.0000001"
    assert cell_text(["Snowflake", None, "dbt"]) == "Snowflake;dbt"
