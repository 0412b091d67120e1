"""Personas and buying committees: the planted champion is found, counts are exact, and thin or
missing data is said to be thin or missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from icpkit.discover.personas import (
    NO_CONTACTS_MESSAGE,
    find_personas,
    icp_segment_per_deal,
    no_contacts,
    normalise_role,
)
from icpkit.stats import stratified_lift


@pytest.fixture(scope="module")
def found(demo_crm):
    return find_personas(demo_crm.deals, demo_crm.contacts)


def _significant(result, direction="wins more"):
    return [p for p in result["personas"] if p["significant"] and p["direction"] == direction]


def test_the_planted_champion_is_the_persona_that_wins(found, demo_crm):
    truth = demo_crm.truth["champion"]
    winners = _significant(found)
    assert {(p["role"], p["function"], p["seniority"]) for p in winners[:2]} == {
        (truth["buying_role"], department, truth["seniority"])
        for department in truth["departments"]
    }
    for persona in winners[:2]:
        assert persona["share_won"] > persona["share_lost"]
        assert persona["share_won_ci"][0] > persona["share_lost_ci"][1]
        assert persona["ci"][0] > 1  # the lift's interval clears 1
        assert persona["p_adjusted"] < 0.05
    assert "Champion: Director in" in found["message"]


def test_every_rate_carries_an_interval_and_the_correction_counts_every_persona(found):
    assert found["tried"] == len(found["personas"]) > 50
    for persona in found["personas"]:
        for rate, interval in (
            ("share_won", "share_won_ci"),
            ("share_lost", "share_lost_ci"),
            ("win_rate_with", "win_rate_with_ci"),
        ):
            low, high = persona[interval]
            assert low <= persona[rate] <= high
        assert persona["p_adjusted"] >= persona["p_value"]
        assert persona["deals_with"] >= 10
    assert str(found["tried"]) in found["method"]


def test_decision_making_unit_compares_won_and_lost(found, demo_crm):
    dmu = found["decision_making_unit"]
    closed = demo_crm.deals[demo_crm.deals["outcome"] != "open"]
    assert dmu["deals"] == len(closed)
    per_deal = demo_crm.contacts.groupby("deal_id").size()
    won_ids = closed.loc[closed["outcome"] == "won", "deal_id"]
    assert dmu["size"]["mean_won"] == pytest.approx(per_deal.reindex(won_ids).mean())
    assert sum(row["deals"] for row in dmu["win_rate_by_size"]) == len(closed)
    mix = {row["seniority"]: row for row in dmu["seniority_mix"]}
    assert sum(row["share_won"] for row in mix.values()) == pytest.approx(1.0)
    # Small companies put founders on every call and lose more: C-level is rarer on won deals.
    assert mix["C-level"]["share_won"] < mix["C-level"]["share_lost"]
    assert len(dmu["typical_won_committee"]) == dmu["size"]["median_won"]


def test_titles_alone_find_the_same_champion(demo_crm):
    contacts = demo_crm.contacts.drop(columns=["department", "seniority"])
    result = find_personas(demo_crm.deals, contacts)
    assert result["data"]["function_from"] == {"title": len(contacts)}
    winners = {(p["function"], p["seniority"]) for p in _significant(result)[:2]}
    assert winners == {("Data", "Director"), ("Engineering", "Director")}


def test_without_buying_roles_personas_are_function_and_seniority(demo_crm):
    contacts = demo_crm.contacts.drop(columns=["buying_role"])
    result = find_personas(demo_crm.deals, contacts)
    assert result["status"] == "ok"
    assert all(p["role"] is None for p in result["personas"])
    assert "buying_role" in result["message"]
    assert "function and seniority" in result["method"]


def test_contacts_without_a_deal_are_linked_through_their_account(demo_crm):
    contacts = demo_crm.contacts.drop(columns=["deal_id"])
    result = find_personas(demo_crm.deals, contacts)
    assert result["data"]["linked_by"]["deal_id"] == 0
    assert result["data"]["linked_by"]["account_id"] > len(contacts) * 0.9
    assert "through their account" in result["message"]


def _tiny_crm(won_with: int, lost_with: int, won: int = 20, lost: int = 20):
    """Closed deals, each with an Analyst in Finance; some also with a VP Sales champion."""
    deal_ids = [f"D{i}" for i in range(won + lost)]
    outcome = ["won"] * won + ["lost"] * lost
    deals = pd.DataFrame(
        {
            "deal_id": deal_ids,
            "account_id": [f"A{i}" for i in range(won + lost)],
            "outcome": outcome,
        }
    )
    with_champion = deal_ids[:won_with] + deal_ids[won : won + lost_with]
    contacts = pd.DataFrame(
        {
            "contact_id": [f"C{i}" for i in range(won + lost)]
            + [f"V{i}" for i in range(len(with_champion))],
            "account_id": [f"A{i}" for i in range(won + lost)]
            + [d.replace("D", "A") for d in with_champion],
            "deal_id": deal_ids + with_champion,
            "title": ["Financial Analyst"] * (won + lost) + ["VP of Sales"] * len(with_champion),
            "buying_role": ["END_USER"] * (won + lost) + ["CHAMPION"] * len(with_champion),
        }
    )
    return deals, contacts


def test_counts_rates_and_test_are_exact_on_a_small_crm():
    deals, contacts = _tiny_crm(won_with=15, lost_with=5)
    result = find_personas(deals, contacts)
    vp = next(p for p in result["personas"] if p["role"] == "Champion")
    assert (vp["function"], vp["seniority"], vp["name"]) == ("Sales", "VP", "Champion: VP in Sales")
    assert vp["deals_with"] == 20
    assert vp["share_won"] == 0.75 and vp["share_lost"] == 0.25
    assert vp["win_rate_with"] == 0.75 and vp["win_rate_without"] == 0.25
    assert vp["lift"] == pytest.approx(3.0)
    assert vp["p_value"] == pytest.approx(fisher_exact([[15, 5], [5, 15]]).pvalue)
    # The analyst is on every deal: never absent from 10, so never tested.
    assert [p["role"] for p in result["personas"]] == ["Champion"]
    assert vp["p_adjusted"] == pytest.approx(vp["p_value"])
    assert vp["significant"]
    sizes = {row["people"]: row for row in result["decision_making_unit"]["win_rate_by_size"]}
    assert sizes["2"]["deals"] == 20 and sizes["2"]["win_rate"] == 0.75
    assert sizes["1"]["deals"] == 20 and sizes["1"]["win_rate"] == 0.25


def test_an_even_split_is_no_signal():
    deals, contacts = _tiny_crm(won_with=10, lost_with=10)
    result = find_personas(deals, contacts)
    assert not any(p["significant"] for p in result["personas"])
    assert result["message"].startswith("No reliable persona signal")


def test_shuffled_outcomes_show_no_persona(demo_crm):
    deals = demo_crm.deals.copy()
    closed = deals["outcome"] != "open"
    rng = np.random.default_rng(0)
    deals.loc[closed, "outcome"] = rng.permutation(deals.loc[closed, "outcome"].to_numpy())
    result = find_personas(deals, demo_crm.contacts)
    assert not any(p["significant"] for p in result["personas"])


def test_personas_per_segment(demo_crm):
    deals = demo_crm.deals
    closed = deals[deals["outcome"] != "open"]
    employees = closed.merge(demo_crm.accounts, on="account_id")["employees"].to_numpy()
    labels = pd.Series(
        np.where(employees >= 200, "200+ employees", "under 200"), index=closed["deal_id"]
    )
    result = find_personas(deals, demo_crm.contacts, segments=labels)
    segments = {s["segment"]: s for s in result["by_segment"]}
    assert set(segments) == {"200+ employees", "under 200"}
    assert sum(s["closed_deals"] for s in segments.values()) == len(closed)
    for segment in segments.values():
        assert segment["decision_making_unit"]["deals"] == segment["closed_deals"]
    # The breakdown is its own family: the headline keeps its power.
    assert f"all {result['tried']} personas" in result["method"]
    in_segments = sum(len(s["personas"]) for s in segments.values())
    assert f"for all {in_segments} tried across the segments" in result["method"]
    headline = find_personas(deals, demo_crm.contacts)
    assert [p["p_adjusted"] for p in headline["personas"]] == [
        p["p_adjusted"] for p in result["personas"]
    ]


def test_icp_segment_per_deal_reads_the_primary_segment_masks():
    class Atom:
        def __init__(self, mask):
            self.mask = np.array(mask)

    class Segment:
        atoms = (Atom([True, True, False]), Atom([True, False, False]))

    labels = icp_segment_per_deal(pd.Series(["D1", "D2", "D3"]), Segment())
    assert labels.to_dict() == {"D1": "ICP", "D2": "outside the ICP", "D3": "outside the ICP"}
    assert icp_segment_per_deal(pd.Series(["D1"]), None) is None


def test_too_few_deals_with_contacts_says_what_to_add():
    deals, contacts = _tiny_crm(won_with=3, lost_with=1, won=6, lost=6)
    result = find_personas(deals, contacts)
    assert result["status"] == "insufficient"
    assert result["personas"] == []
    assert "12 closed deals" in result["message"] and "deal_id" in result["message"]


def test_contacts_on_open_deals_only_are_insufficient_not_an_error(demo_crm):
    open_ids = demo_crm.deals.loc[demo_crm.deals["outcome"] == "open", "deal_id"]
    contacts = demo_crm.contacts[demo_crm.contacts["deal_id"].isin(open_ids)]
    result = find_personas(demo_crm.deals, contacts)
    assert result["status"] == "insufficient"
    assert result["data"]["closed_deals_with_contacts"] == 0


def test_no_contacts_result_says_what_to_add():
    result = no_contacts()
    assert result["status"] == "no_data" and result["personas"] == []
    assert result["message"] == NO_CONTACTS_MESSAGE
    for needle in ("contacts", "title", "buying_role", "hs_buying_role", "deal_id"):
        assert needle in NO_CONTACTS_MESSAGE


@pytest.mark.parametrize(
    ("value", "role"),
    [
        ("Champion", "Champion"),
        ("CHAMPION", "Champion"),
        ("Economic Buyer", "Economic Buyer"),
        ("Economic Decision Maker", "Economic Buyer"),
        ("Decision Maker", "Economic Buyer"),
        ("DECISION_MAKER", "Economic Buyer"),
        ("BUDGET_HOLDER", "Economic Buyer"),
        ("Evaluator", "Technical Evaluator"),
        ("Technical Buyer", "Technical Evaluator"),
        ("Influencer", "Influencer"),
        ("INFLUENCER", "Influencer"),
        ("BLOCKER", "Blocker"),
        ("Business User", "End User"),
        ("END_USER", "End User"),
        ("Executive Sponsor", "Champion"),
        ("EXECUTIVE_SPONSOR", "Champion"),
        ("LEGAL_AND_COMPLIANCE", "Other"),
        ("Other", "Other"),
        ("Chief Cheerleader", "Other"),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_crm_buying_roles(value, role):
    assert normalise_role(value) == role


def test_stratified_lift_is_the_mantel_haenszel_ratio():
    # Two strata, each with a lift of exactly 2: the pooled ratio is 2.
    lift, ci, p = stratified_lift([10, 20], [20, 40], [15, 30], [40, 80])
    assert lift == pytest.approx(2.0)
    assert ci[0] < 2.0 < ci[1] and p < 0.05
    # One stratum: the ordinary ratio of win rates.
    lift, _, _ = stratified_lift([6], [10], [10], [30])
    assert lift == pytest.approx((6 / 10) / (4 / 20))


def test_a_persona_that_only_marks_a_winning_kind_of_company_is_not_a_finding():
    """Big companies win 50%, small ones 10%; the VP turns up only at big ones and changes
    nothing there. Compared across all deals the VP looks like a winner; within company size,
    not."""
    rng = np.random.default_rng(1)
    n = 600
    big = np.arange(n) < n // 2
    won = np.where(big, rng.random(n) < 0.5, rng.random(n) < 0.1)
    vp = big & (rng.random(n) < 0.5)
    deals = pd.DataFrame(
        {
            "deal_id": [f"D{i}" for i in range(n)],
            "account_id": [f"A{i}" for i in range(n)],
            "outcome": np.where(won, "won", "lost"),
        }
    )
    people = [(f"D{i}", "Data Analyst") for i in range(n)] + [
        (f"D{i}", "VP of Finance") for i in np.flatnonzero(vp)
    ]
    contacts = pd.DataFrame(
        {
            "deal_id": [d for d, _ in people],
            "account_id": [d.replace("D", "A") for d, _ in people],
            "title": [t for _, t in people],
        }
    )
    crude = find_personas(deals, contacts)
    size = pd.Series(np.where(big, "big", "small"), index=deals["deal_id"])
    within = find_personas(deals, contacts, strata=size)
    vp_crude = next(p for p in crude["personas"] if p["function"] == "Finance")
    vp_within = next(p for p in within["personas"] if p["function"] == "Finance")
    assert vp_crude["significant"] and vp_crude["lift"] > 1.5
    assert not vp_within["significant"]
    assert 0.7 < vp_within["lift"] < 1.4 and vp_within["lift_crude"] == vp_crude["lift"]
    assert "Mantel-Haenszel over 2 strata" in within["method"]
