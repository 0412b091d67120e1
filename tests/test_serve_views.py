"""What the web pages compute, without a browser: the upload job's rule that every row is scored
or set aside with its reason, the editor's count of tier moves and rescaled scores, which fields
count as edited, and the side-by-side diff of two versions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from icpkit.scorecard.io import load_scorecard
from icpkit.serve import editor, uploads, views

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"
CARD = load_scorecard(SEED)

READABLE = ["120", "51-200", "1,000+", "10k", " 35 ", "4500"]
BLANK = ["", "n/a", "NULL", "-", "none"]
UNREADABLE = ["fifty", "lots", "approx. many"]


def _job(text: str) -> uploads.UploadJob:
    job = uploads.UploadJob("job", "key", "leads.csv", 1, len(text))
    job.path("leads.csv").write_text(text, encoding="utf-8")
    return job


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(READABLE + BLANK + UNREADABLE), min_size=1, max_size=40))
def test_every_row_is_scored_or_set_aside_with_its_reason(employees):
    rows = pd.DataFrame({"name": [f"c{i}" for i in range(len(employees))], "employees": employees})
    job = _job(rows.to_csv(index=False))
    uploads.score_upload(job, CARD)
    summary = job.summary
    bad = [i for i, value in enumerate(employees) if value in UNREADABLE]
    assert summary.rows == len(employees)
    assert summary.scored + summary.quarantined_rows == summary.rows
    assert [q.line for q in summary.quarantined] == [i + 2 for i in bad][: uploads.SHOWN_QUARANTINE]
    for q, i in zip(summary.quarantined, bad, strict=False):
        assert q.reason == f'employees: cannot read "{employees[i].strip()}" as a number'
    assert sum(summary.tiers.values()) == summary.scored
    scored = pd.read_csv(job.path(job.scored_name), dtype=str, keep_default_na=False)
    kept = [f"c{i}" for i in range(len(employees)) if i not in bad]
    assert scored["name"].tolist() == kept
    aside = pd.read_csv(job.path(job.quarantine_name), dtype=str, keep_default_na=False)
    assert aside["name"].tolist() == [f"c{i}" for i in bad]


def test_an_upload_the_card_cannot_read_fails_with_a_message():
    import pytest

    from icpkit.errors import IcpkitError

    with pytest.raises(IcpkitError, match="none of the columns the scorecard reads"):
        uploads.score_upload(_job("colour\nred\n"), CARD)


def test_edited_fields_compare_numbers_not_text():
    form = editor.unchanged_form(CARD)
    assert editor.edited_fields(CARD, form) == {}
    same = form | {"points-0-0": "2.0", "tier-A": " 5 "}
    assert editor.edited_fields(CARD, same) == {}
    changed = form | {"points-0-0": "3"}
    del changed["keep-dq-0"]
    assert editor.edited_fields(CARD, changed) == {"points-0-0": "2", "keep-dq-0": "kept"}


def test_impact_counts_tier_moves_and_scores_rescaled():
    accounts = pd.DataFrame(
        {
            "employees": [100.0, 300.0, 20.0, 5000.0],
            "funding_stage": ["series_a", "public", "bootstrapped", "series_b"],
            "region": ["North America", "Europe", "North America", "Europe"],
        }
    )
    # Inside the range: the total range of points stays, no score is rescaled.
    same_range = editor.apply_edits(CARD, editor.unchanged_form(CARD) | {"points-0-1": "2"})
    impact = editor.impact(CARD, same_range, accounts, accounts)
    assert not impact.range_changed and impact.rescaled == 0
    before, after = CARD.apply(accounts), same_range.apply(accounts)
    assert impact.accounts_changed == int((before.tier != after.tier).sum()) == 1
    assert impact.moves == [("D", "C", 1)]  # 300 employees, public: 0 -> 1 point
    assert impact.deals_changed == 1
    # Raising the top bin widens the range: companies whose points did not move rescale.
    wider = editor.apply_edits(CARD, editor.unchanged_form(CARD) | {"points-0-0": "6"})
    impact = editor.impact(CARD, wider, accounts, None)
    assert impact.point_range == ((-1, 7), (-1, 11))
    assert impact.rescaled == 3  # the three rows outside 50-200 employees
    assert impact.example is not None and impact.example[1] != impact.example[2]
    assert editor.impact(CARD, wider, None, None).accounts is None


def test_the_diff_pairs_bins_by_label_and_counts_changes():
    edited = editor.apply_edits(
        CARD, editor.unchanged_form(CARD) | {"points-0-0": "3", "tier-B": "4"}
    )
    edited = replace(edited, name="Bigger mid-market")
    diff = views.card_diff(CARD, edited)
    size = next(a for a in diff.attributes if a.name == "Company size")
    assert size.status == "changed"
    assert [(b.label, b.old, b.new) for b in size.bins if b.changed] == [("50-200", 2, 3)]
    assert [t for t in diff.tiers if t[1] != t[2]] == [("B", 3.0, 4.0)]
    assert diff.changes == 3  # one bin, one tier bound, the name
    assert views.card_diff(CARD, CARD).changes == 0


def test_form_fields_speak_the_cards_language():
    fields = {f.column: f for f in views.form_fields(CARD)}
    assert fields["employees"].label == "Company size"
    assert "over 1,000 employees" in fields["employees"].help
    assert fields["hiring_revops_60d"].kind == "boolean"
    assert fields["name"].kind == "identifier" and "Not scored" in fields["name"].help


def test_the_time_left_is_a_straight_line_guess():
    import time

    job = uploads.UploadJob("job", "key", "leads.csv", 1, 10)
    job.phase, job.fraction = "scoring", 0.05
    assert job.seconds_left is None  # too early to say
    job.started, job.fraction = time.monotonic() - 10, 0.25
    assert job.seconds_left == 30
    job.phase = "done"
    assert job.seconds_left is None and job.percent == 100
