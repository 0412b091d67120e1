"""Column roles: each column is called company, deal, engagement, leak, id, constant or text,
with a reason, from the labelled deals before learning; the build obeys the roles."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from icpkit.build import build_icp, column_roles, write_outputs
from icpkit.discover.roles import classify_columns, decide_roles, parse_role_options
from icpkit.errors import IcpkitError
from icpkit.ingest import load_flat
from icpkit.ingest.generic import CONVENTIONS, apply_mapping, mapping_roles, read_mapping

N = 2000


def crm_rows(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """Closed deals with one column of every role, a real ICP (industry, employees) and the
    close dates: what a CRM export joined to its outcomes looks like, traps included."""
    rng = np.random.default_rng(seed)
    industry = rng.choice(["Software", "Retail", "Healthcare", "Education"], N)
    employees = rng.lognormal(4.5, 1.2, N).round().astype(int) + 1
    rate = np.where(industry == "Software", 0.5, 0.2) + np.where(employees > 200, 0.15, 0.0)
    won = (rng.random(N) < rate).astype(int)
    decided_at = pd.Series(
        pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, N), "D")
    )
    flipped = rng.random(N) < 0.01  # a near-perfect leak is wrong on a few rows
    frame = pd.DataFrame(
        {
            "lead_seq": np.arange(1001, 1001 + N),  # a sequential lead number, no name hint
            "token": [f"{v:016x}" for v in rng.integers(0, 2**62, N)],  # a unique string id
            "industry": industry,
            "employees": employees,
            "contract_signed": np.where(won == 1, "yes", None),  # filled for wins only
            "renewal_flag": np.where((won == 1) ^ flipped, "R", "N"),  # separates alone
            "last_invoice": decided_at + pd.to_timedelta(rng.integers(0, 90, N), "D"),
            "currency": np.where(np.arange(N) < 5, "EUR", "USD"),  # one value in 99.75%
            "page_views": rng.poisson(12, N),
            "notes": [
                f"Call {i}: they asked about pricing, onboarding and the {w} integration"
                for i, w in enumerate(rng.choice(["Slack", "Jira", "SAP", "Okta"], N))
            ],
            "lead_source": rng.choice(["Web", "Referral", "Outbound"], N),
        }
    )
    return frame, won, decided_at


@pytest.fixture(scope="module")
def crm():
    return crm_rows()


@pytest.fixture(scope="module")
def roles(crm):
    frame, won, decided_at = crm
    return decide_roles(frame, won, decided_at=decided_at)


@pytest.mark.parametrize(
    ("column", "role", "reason"),
    [
        ("industry", "company", "a canonical company attribute"),
        ("employees", "company", "a canonical company attribute"),
        ("lead_seq", "id", "whole numbers from 1,001 to 3,000, a different one for each row"),
        ("token", "id", "a different value for 2,000 of 2,000 filled rows"),
        ("currency", "constant", '"USD" in 1,995 of 2,000 rows (99.8%)'),
        ("page_views", "engagement", "named like engagement (pageviews)"),
        ("notes", "text", "free text: 2,000 different values in 2,000 rows"),
        ("lead_source", "deal", "named like a deal attribute (leadsource)"),
        ("last_invoice", "leak", "dated on or after the close for 2,000 of 2,000 deals"),
        ("renewal_flag", "leak", "tells won from lost almost perfectly on its own (AUC 0.99"),
    ],
)
def test_each_column_gets_its_role_and_a_reason(roles, column, role, reason):
    found = roles[column]
    assert (found.role, found.overridden) == (role, False)
    assert reason in found.reason, found.reason


def test_a_column_filled_only_for_wins_is_a_leak_with_its_counts(roles, crm):
    _, won, _ = crm
    n_won, n_lost = int(won.sum()), int(len(won) - won.sum())
    assert roles["contract_signed"].role == "leak"
    assert roles["contract_signed"].reason == (
        f"filled for {n_won:,} of {n_won:,} won, 0 of {n_lost:,} lost: known only after the outcome"
    )
    assert [leak.column for leak in roles.leaks] == [
        "contract_signed",
        "renewal_flag",
        "last_invoice",
    ]


def test_a_real_signal_is_not_mistaken_for_a_leak(crm):
    """A strong but honest attribute, and a column blank at random, stay company attributes."""
    frame, won, _ = crm
    rng = np.random.default_rng(1)
    honest = frame[["industry", "employees"]].assign(
        employees=frame["employees"].where(rng.random(N) > 0.3),
        strong=np.where(rng.random(N) < np.where(won == 1, 0.8, 0.2), "yes", "no"),
    )
    found = decide_roles(honest, won)
    assert found.of("company") == ["industry", "employees", "strong"]


def test_few_deals_are_not_enough_to_call_a_leak():
    won = np.array([1] * 10 + [0] * 10)
    frame = pd.DataFrame(
        {"flag": np.where(won == 1, "A", "B"), "filled": np.where(won, 1.0, np.nan)}
    )
    found = decide_roles(frame, won)
    assert found["flag"].role == "company"  # ten of each: a strong attribute, not proof
    assert found["filled"].role == "constant"  # one value where filled: nothing to compare


def test_the_user_overrules_a_role(crm):
    frame, won, decided_at = crm
    found = decide_roles(
        frame,
        won,
        decided_at=decided_at,
        overrides={"Page Views": "company", "renewal_flag": "deal"},
    )
    assert found["page_views"].role == "company"
    assert found["page_views"].overridden
    assert found["page_views"].reason.startswith("set by you (icpkit guessed engagement: named")
    assert found["renewal_flag"].role == "deal"
    assert "renewal_flag" not in [leak.column for leak in found.leaks]
    assert not found["industry"].overridden


def test_a_wrong_override_is_a_one_line_error(crm):
    frame, won, _ = crm
    with pytest.raises(IcpkitError, match=r'role for "nope": no such column \(columns: lead_seq'):
        decide_roles(frame, won, overrides={"nope": "id"})
    with pytest.raises(IcpkitError, match=r"'firm' is not a role \(one of company, deal"):
        decide_roles(frame, won, overrides={"industry": "firm"})
    with pytest.raises(IcpkitError, match="write it as COLUMN=ROLE"):
        parse_role_options(["industry"])
    assert parse_role_options(["a=b=ID", " x = leak"]) == {"a=b": "id", "x": "leak"}


def test_a_build_leaves_the_leak_out_and_says_so(crm, tmp_path):
    frame, won, decided_at = crm
    accounts = frame.assign(account_id=[f"A{i}" for i in range(N)])
    deals = pd.DataFrame(
        {
            "deal_id": accounts["account_id"],
            "account_id": accounts["account_id"],
            "outcome": np.where(won == 1, "won", "lost"),
            "closed_at": decided_at,
        }
    )
    result = build_icp(accounts, deals)
    on_card = {a.column for a in result.scorecard.attributes}
    assert on_card and on_card <= {"industry", "employees"}
    assert {d.column for d in result.scorecard.disqualifiers} <= {"industry", "employees"}
    searched = {c.attribute for s in result.segments for c in s.conditions}
    assert searched <= {"industry", "employees"}
    assert {p.column for p in result.profiles.attributes} <= {"industry", "employees"}
    assert [q.column for q in result.profiles.qualification_insights] == ["lead_source"]
    kinds = result.validation.attribute_kinds
    assert kinds["leak"] == ("contract_signed", "renewal_flag", "last_invoice")
    assert kinds["engagement"] == ("page_views",)
    write_outputs(result, tmp_path)
    profiles = json.loads((tmp_path / "profiles.json").read_text())
    leak = next(r for r in profiles["column_roles"] if r["column"] == "contract_signed")
    assert leak == {
        "column": "contract_signed",
        "role": "leak",
        "reason": result.profiles.column_roles["contract_signed"].reason,
        "overridden": False,
    }
    report = (tmp_path / "icp.md").read_text()
    assert "Suspected leaks, left out of the ICP" in report
    assert f"- contract_signed: {leak['reason']}" in report
    assert "contract_signed" in (tmp_path / "report.html").read_text()


def test_the_demo_crm_has_no_leak_and_keeps_its_attributes(demo_build):
    roles = demo_build.profiles.column_roles
    assert roles.leaks == []
    assert roles.of("id") == ["account_id", "name", "domain"]
    assert {"industry", "employees", "country", "technologies"} <= set(roles.of("company"))
    assert roles.of("deal") == ["source"]


def test_company_and_deal_columns_of_build_icp_still_decide(demo_crm):
    accounts = demo_crm.accounts.assign(tier=np.arange(len(demo_crm.accounts)) % 3)
    roles = column_roles(accounts, demo_crm.deals, deal_columns=["industry"], roles={"tier": "id"})
    assert roles["industry"].role == "deal"
    assert roles["industry"].reason.startswith("set by you")
    assert roles["tier"].role == "id"


def test_the_name_only_view_is_kept_for_old_callers():
    from icpkit.discover.attribute_kinds import classify_columns as old

    assert old is classify_columns
    kinds = classify_columns(["employees", "RFP", "web_visits", "Client"], company=["Client"])
    assert kinds.to_json() == {
        "company": ["employees", "Client"],
        "deal": ["RFP"],
        "engagement": ["web_visits"],
    }


def test_the_mapping_file_holds_roles_that_ingest_ignores(tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text('[accounts]\nHeadcount = "employees"\n\n[roles]\nlead_no = "id"\n')
    assert mapping_roles(mapping) == {"lead_no": "id"}
    conventions = apply_mapping(CONVENTIONS, read_mapping(mapping))
    assert "roles" not in conventions.columns
    mapping.write_text("[roles]\nlead_no = 3\n")
    with pytest.raises(IcpkitError, match=r"\[roles\] must map columns to roles"):
        read_mapping(mapping)


# ---- real data -----------------------------------------------------------------------------


def test_salvirt_deal_attributes_are_insights_never_disqualifiers(shared_data):
    source = shared_data / "salvirt_b2b_sales" / "Salvirt_B2B_ML_dataset_HF.csv"
    tables = load_flat(source, outcome="Status", positive="Won").tables
    result = build_icp(tables["accounts"], tables["deals"])
    roles = result.profiles.column_roles
    assert roles.of("company") == ["comp_size", "growth"]
    for column in ("client", "att_t_client", "source", "rfp", "rfi", "competitors", "up_sale"):
        assert roles[column].role == "deal", column
    assert roles["client"].reason.startswith("the relationship with you (client)")
    card = result.scorecard
    assert {a.column for a in card.attributes} <= {"comp_size", "growth"}
    assert {d.column for d in card.disqualifiers} <= {"comp_size", "growth"}
    qualification = result.profiles.qualification_insights
    insights = {q.column for q in qualification}
    assert {"client", "rfp", "source", "competitors", "att_t_client"} <= insights
    client = next(q for q in qualification if q.column == "client")
    rates = {b.label: b.win_rate for b in client.bins}
    assert rates["New"] < 0.2 < 0.6 < rates["Current"]  # README: New 17% vs Current 70%


@pytest.mark.parametrize(
    ("name", "outcome", "good"),
    [
        ("mlc_churn", "churn", "no"),
        ("credit_data", "Status", "good"),
        ("lending_club", "Class", "good"),
        ("attrition", "Attrition", "No"),
    ],
)
def test_benchmark_rownames_are_ids_and_nothing_leaks(shared_data, name, outcome, good):
    table = pd.read_csv(shared_data / "scorecard_benchmarks" / f"{name}.csv")
    won = (table.pop(outcome) == good).to_numpy(int)
    roles = decide_roles(table, won)
    assert roles["rownames"].role == "id"
    assert roles.leaks == []
    assert roles.of("id") == ["rownames"]


def test_olist_leads_joined_to_their_deals_show_every_leak(shared_data):
    folder = shared_data / "olist_marketing_funnel"
    leads = pd.read_csv(folder / "olist_marketing_qualified_leads_dataset.csv")
    closed = pd.read_csv(folder / "olist_closed_deals_dataset.csv")
    joined = leads.merge(closed, on="mql_id", how="left")
    won = joined["seller_id"].notna().to_numpy(int)
    joined.insert(0, "lead_number", np.arange(1, len(joined) + 1))
    roles = decide_roles(joined, won)
    assert roles["declared_monthly_revenue"].reason == (
        "filled for 842 of 842 won, 0 of 7,158 lost: known only after the outcome"
    )
    leaks = {leak.column for leak in roles.leaks}
    assert {"won_date", "business_segment", "lead_type", "business_type", "seller_id"} <= leaks
    assert roles["lead_number"].role == "id"
    assert roles["mql_id"].role == "id"
    assert roles["origin"].role == "deal"  # the lead's channel: how the deal came, not who


# ---- the command line ----------------------------------------------------------------------


@pytest.mark.slow
def test_build_shows_roles_warns_of_leaks_and_takes_overrides(crm, tmp_path):
    frame, won, _ = crm
    source = tmp_path / "deals.csv"
    frame.drop(columns=["last_invoice"]).assign(Status=np.where(won == 1, "Won", "Lost")).to_csv(
        source, index=False
    )
    mapping = tmp_path / "roles.toml"
    mapping.write_text('[roles]\npage_views = "company"\ntoken = "text"\n')
    out = tmp_path / "out"
    args = ["--accounts", source, "--outcome", "Status", "--positive", "Won", "--out", out]
    overrides = ["--mapping", mapping, "--role", "token=id", "--role", "Renewal Flag=deal"]
    result = subprocess.run(
        [sys.executable, "-m", "icpkit", "build", *map(str, args + overrides)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "What each column is" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: suspected leak, left out of the ICP: contract_signed: "
        f"{decide_roles(frame, won)['contract_signed'].reason}. If it is known before a deal "
        "closes, keep it with --role contract_signed=company (or =deal)"
    ]
    roles = {
        r["column"]: r for r in json.loads((out / "profiles.json").read_text())["column_roles"]
    }
    assert (roles["page_views"]["role"], roles["page_views"]["overridden"]) == ("company", True)
    assert roles["token"]["role"] == "id"  # --role wins over the mapping file
    assert roles["renewal_flag"]["role"] == "deal"
    assert roles["lead_seq"]["role"] == "id"


def test_an_account_number_is_an_id_even_when_accounts_have_several_deals(demo_crm):
    accounts = demo_crm.accounts.assign(account_number=np.arange(len(demo_crm.accounts)) * 3)
    closed = demo_crm.deals[demo_crm.deals["outcome"] != "open"]
    assert closed["account_id"].duplicated().any()
    found = column_roles(accounts, demo_crm.deals)["account_number"]
    assert found.role == "id"
    accounts_closed = closed["account_id"].nunique()
    assert f"{accounts_closed:,} different values in {accounts_closed:,} accounts" in found.reason


def test_roles_stay_fast_on_a_hundred_thousand_rows():
    rng = np.random.default_rng(0)
    rows = 100_000
    columns: dict[str, object] = {
        "lead_seq": np.arange(rows),
        "uid": [f"u{i}" for i in range(rows)],
    }
    for i in range(13):
        columns[f"amount_{i}"] = rng.lognormal(size=rows)
        columns[f"segment_{i}"] = rng.choice(["a", "b", "c", "d"], rows)
        columns[f"count_{i}"] = rng.integers(0, 500, rows)
    frame = pd.DataFrame(columns)
    won = (rng.random(rows) < 0.3).astype(int)
    started = time.perf_counter()
    roles = decide_roles(frame, won)
    assert time.perf_counter() - started < 20  # about 1 s on one core; generous for shared CI
    assert roles.of("id") == ["lead_seq", "uid"]
    assert len(roles.of("company")) == 39


def test_an_account_repeated_on_its_deals_does_not_look_like_a_leak():
    """Accounts that win or lose all four of their deals: per deal, a value held by one account
    would predict its other deals perfectly; per account it tells accounts apart, nothing more."""
    rng = np.random.default_rng(0)
    account = np.repeat(np.arange(400), 4)
    won = (rng.random(400) < 0.4).astype(int)[account]
    frame = pd.DataFrame({"territory": [f"T{v}" for v in account]})
    assert decide_roles(frame, won)["territory"].role == "leak"  # one row per deal: misleading
    found = decide_roles(frame, won, account_ids=pd.Series(account))["territory"]
    assert (found.role, found.reason) == (
        "id",
        "a different value for 400 of 400 filled accounts: an identifier",
    )


@pytest.mark.slow
def test_a_messy_crm_export_shows_its_lost_reason_field_as_a_leak(tmp_path):
    from icpkit.ingest import load_dir
    from icpkit.simulate import simulate, write_crm

    write_crm(simulate(1500, seed=5), tmp_path, messy=True, seed=5)
    tables = load_dir(tmp_path).tables
    roles = column_roles(tables["accounts"], tables["deals"])
    assert [leak.column for leak in roles.leaks] == ["loss_reason_c"]
    assert ", 0 of " in roles["loss_reason_c"].reason
    assert roles["loss_reason_c"].reason.endswith(" won: known only after the outcome")
    assert roles["funding_stage_raw"].role == "company"  # not a deal for its word "stage"
    assert roles["funding_stage_raw"].reason.startswith("the file's own text of funding_stage")
