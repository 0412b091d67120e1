"""The simulated CRM: realistic, deterministic, and carrying exactly the profile it claims."""

from __future__ import annotations

import json
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from icpkit import schema
from icpkit.simulate import SimulatedCRM, simulate, world, write_crm
from icpkit.simulate import messy as messy_module

SEED = 7
N_ACCOUNTS = 3_000


@pytest.fixture(scope="module")
def crm() -> SimulatedCRM:
    return simulate(N_ACCOUNTS, seed=SEED)


@pytest.fixture(scope="module")
def decided(crm: SimulatedCRM) -> pd.DataFrame:
    """Closed deals with their account's attributes and whether the account is in the ICP."""
    accounts = crm.accounts.assign(
        in_icp=_in_icp(crm.accounts, crm.truth), anti_icp=_in_anti_icp(crm.accounts, crm.truth)
    )
    deals = crm.deals[crm.deals["outcome"] != "open"].merge(accounts, on="account_id")
    return deals.assign(won=deals["outcome"] == "won")


def _meets(accounts: pd.DataFrame, condition: dict) -> pd.Series:
    column = accounts[condition["attribute"]]
    if "values" not in condition:
        return column.between(condition["min"], condition["max"])
    if condition["attribute"] == "technologies":
        wanted = set(condition["values"])
        return column.map(lambda stack: bool(wanted.intersection(stack)))
    return column.isin(condition["values"])


def _in_anti_icp(accounts: pd.DataFrame, truth: dict) -> pd.Series:
    return pd.concat([_meets(accounts, c) for c in truth["anti_icp"]], axis=1).any(axis=1)


def _in_icp(accounts: pd.DataFrame, truth: dict) -> pd.Series:
    matches = sum(_meets(accounts, c).astype(int) for c in truth["icp"])
    return (matches >= truth["icp_min_matches"]) & ~_in_anti_icp(accounts, truth)


# --- Determinism -------------------------------------------------------------------------------


def test_same_seed_gives_identical_tables() -> None:
    first, second = simulate(600, seed=3), simulate(600, seed=3)
    for table in (*schema.TABLES, "accounts"):
        pd.testing.assert_frame_equal(getattr(first, table), getattr(second, table))
    assert first.truth == second.truth


def test_different_seed_gives_different_tables() -> None:
    first, second = simulate(600, seed=3), simulate(600, seed=4)
    assert (first.accounts["employees"] != second.accounts["employees"]).mean() > 0.9
    assert len(set(first.accounts["name"]) & set(second.accounts["name"])) < 60
    assert first.truth["base_win_rate"] != second.truth["base_win_rate"]


def test_messy_files_are_byte_identical_for_the_same_seed(tmp_path) -> None:
    crm = simulate(300, seed=1)
    first = write_crm(crm, tmp_path / "a", messy=True, seed=5)
    second = write_crm(crm, tmp_path / "b", messy=True, seed=5)
    other = write_crm(crm, tmp_path / "c", messy=True, seed=6)
    for name, path in first.items():
        assert path.read_bytes() == second[name].read_bytes(), name
    assert first["accounts"].read_bytes() != other["accounts"].read_bytes()


def test_rejects_impossible_requests() -> None:
    with pytest.raises(ValueError, match="n_accounts"):
        simulate(0)
    with pytest.raises(ValueError, match="end"):
        simulate(10, start=date(2024, 1, 1), end=date(2023, 1, 1))


@pytest.mark.parametrize("n_accounts", [1, 2, 9])
def test_tiny_crms_still_work(n_accounts: int, tmp_path) -> None:
    crm = simulate(n_accounts, seed=11)
    assert len(crm.accounts) == n_accounts
    paths = write_crm(crm, tmp_path, messy=True, seed=11)
    assert json.loads(paths["truth"].read_text())["n_accounts"] == n_accounts


def test_tables_have_the_canonical_columns(crm: SimulatedCRM) -> None:
    assert list(crm.accounts.columns) == [*schema.ACCOUNTS, "crm_segment_code"]
    assert list(crm.deals.columns) == list(schema.DEALS)
    assert list(crm.contacts.columns) == list(schema.CONTACTS)
    assert list(crm.signals.columns) == list(schema.SIGNALS)
    assert list(crm.customers.columns) == list(schema.CUSTOMERS)


def test_columns_carry_their_logical_types(crm: SimulatedCRM) -> None:
    checks = {
        "str": pd.api.types.is_string_dtype,
        "int": pd.api.types.is_integer_dtype,
        "float": pd.api.types.is_float_dtype,
        "date": pd.api.types.is_datetime64_any_dtype,
        "bool": pd.api.types.is_bool_dtype,
    }
    for table, columns in schema.TABLES.items():
        frame = getattr(crm, table)
        for column, logical in columns.items():
            if logical == "list":
                assert frame[column].map(lambda v: isinstance(v, list)).all(), column
            else:
                assert checks[logical](frame[column]), f"{table}.{column}: {frame[column].dtype}"


def test_values_come_from_the_canonical_vocabularies(crm: SimulatedCRM) -> None:
    accounts = crm.accounts
    assert set(accounts["industry"]) == set(schema.INDUSTRIES)
    assert set(accounts["region"]) == set(schema.REGIONS)
    assert set(accounts["funding_stage"].dropna()) <= set(schema.FUNDING_STAGES)
    assert accounts["country"].str.fullmatch(r"[A-Z]{2}").all()
    expected_region = accounts["country"].map({c: r for c, (_, r, _) in world.COUNTRIES.items()})
    assert (accounts["region"] == expected_region).all()
    assert set(crm.deals["outcome"]) == set(schema.OUTCOMES)
    assert set(crm.deals["source"]) == set(world.DEAL_SOURCES)
    assert set(crm.contacts["seniority"]) == set(world.SENIORITIES)
    assert set(crm.contacts["buying_role"]) == set(world.BUYING_ROLES)
    assert set(crm.signals["type"]) == {"executive_hire", "funding", "job_post", "web_visit"}
    every_tool = {tool for stack in accounts["technologies"] for tool in stack}
    assert every_tool == set(world.TECHNOLOGIES)


def test_identifiers_names_and_domains_are_unique(crm: SimulatedCRM) -> None:
    accounts = crm.accounts
    assert accounts["account_id"].str.fullmatch(r"ACC-\d{6}").all()
    for column in ("account_id", "name", "domain"):
        assert accounts[column].is_unique, column
    assert accounts["domain"].str.fullmatch(r"[a-z0-9-]+(\.[a-z]{2,3})+").all()
    assert crm.deals["deal_id"].is_unique
    assert crm.contacts["contact_id"].is_unique


def test_every_reference_points_at_a_real_record(crm: SimulatedCRM) -> None:
    known = set(crm.accounts["account_id"])
    for table in ("deals", "contacts", "signals", "customers"):
        assert set(getattr(crm, table)["account_id"]) <= known, table
    deal_account = crm.deals.set_index("deal_id")["account_id"]
    assert (crm.contacts["deal_id"].map(deal_account) == crm.contacts["account_id"]).all()
    assert crm.contacts.groupby("deal_id").size().between(1, 6).all()
    assert set(crm.contacts["deal_id"]) == set(crm.deals["deal_id"])


# --- Realistic firmographics -------------------------------------------------------------------


def test_employees_are_log_normal_with_a_long_tail(crm: SimulatedCRM) -> None:
    employees = crm.accounts["employees"]
    assert employees.min() >= 1
    assert 50 <= employees.median() <= 150
    assert employees.quantile(0.95) > 8 * employees.median()
    assert employees.max() > 5_000
    log_size = np.log(employees[employees > 1])
    within_one_sigma = (log_size - log_size.median()).abs() < log_size.std()
    assert 0.62 < within_one_sigma.mean() < 0.75


def test_revenue_follows_size_and_industry(crm: SimulatedCRM) -> None:
    accounts = crm.accounts
    correlation = np.corrcoef(np.log(accounts["employees"]), np.log(accounts["annual_revenue"]))
    assert correlation[0, 1] > 0.85
    per_head = (accounts["annual_revenue"] / accounts["employees"]).groupby(accounts["industry"])
    medians = per_head.median()
    assert medians["Financial Services"] > medians["Software"] > medians["Retail & E-commerce"]
    assert 120_000 < medians["Software"] < 300_000


def test_countries_are_us_led(crm: SimulatedCRM) -> None:
    shares = crm.accounts["country"].value_counts(normalize=True)
    assert 0.40 < shares["US"] < 0.50
    assert shares.index[1] == "GB"
    assert shares["GB"] > shares["FR"]


def test_funding_follows_age_and_size(crm: SimulatedCRM) -> None:
    accounts = crm.accounts
    median_size = accounts.groupby("funding_stage")["employees"].median()
    assert median_size["seed"] < median_size["series_a"] < median_size["series_b"]
    assert median_size["series_b"] < median_size["series_c"] < median_size["public"]
    bootstrapped_or_public = accounts["funding_stage"].isin(["bootstrapped", "public"])
    assert accounts.loc[bootstrapped_or_public, "total_funding"].isna().all()
    seed_money = accounts.loc[accounts["funding_stage"] == "seed", "total_funding"].median()
    series_c_money = accounts.loc[accounts["funding_stage"] == "series_c", "total_funding"].median()
    assert seed_money < 10_000_000 < series_c_money
    older = accounts["founded_year"] < accounts["founded_year"].median()
    assert accounts.loc[older, "employees"].median() > accounts.loc[~older, "employees"].median()


def test_tech_stacks_depend_on_industry_and_size(crm: SimulatedCRM) -> None:
    accounts = crm.accounts

    def share(tool: str, mask: pd.Series) -> float:
        return accounts.loc[mask, "technologies"].map(lambda stack: tool in stack).mean()

    retail = accounts["industry"] == "Retail & E-commerce"
    software = accounts["industry"] == "Software"
    large = accounts["employees"] >= 1_000
    assert share("Shopify", retail) > 5 * share("Shopify", ~retail)
    assert share("Workday", large) > 5 * share("Workday", ~large)
    assert share("Snowflake", software) > 2 * share("Snowflake", ~software)


# --- The planted profile -----------------------------------------------------------------------


def test_truth_describes_the_planted_profile(crm: SimulatedCRM) -> None:
    truth = crm.truth
    assert json.loads(json.dumps(truth)) == truth
    assert truth["seed"] == SEED and truth["n_accounts"] == N_ACCOUNTS
    assert truth["icp"] == [
        {"attribute": "industry", "values": ["Software", "Financial Services"]},
        {"attribute": "employees", "min": 200, "max": 2000},
        {"attribute": "technologies", "values": ["Snowflake"]},
    ]
    assert {"attribute": "industry", "values": ["Government", "Education"]} in truth["anti_icp"]
    assert set(truth["noise_attributes"]) == {"country", "region", "crm_segment_code"}
    assert "founded_year" in truth["no_direct_effect"]
    assert truth["trigger"]["window_days"] == 60
    assert set(truth["trigger"]["types"]) == {"executive_hire", "funding"}


def test_the_datasets_surface_draws_one_crm_under_every_name() -> None:
    """``from icpkit import simulate`` reads as a datasets module: ``make_crm`` draws, the
    module called draws the same, and ``planted`` holds what the truth records."""
    import icpkit
    from icpkit import simulate as datasets

    made = datasets.make_crm(n_accounts=300, seed=1)
    for other in (datasets.simulate(300, seed=1), datasets(300, seed=1), icpkit.simulate(300, 1)):
        pd.testing.assert_frame_equal(other.deals, made.deals)
        assert other.truth == made.truth
    assert made.truth["icp"] == datasets.planted.icp_conditions()
    assert made.truth["anti_icp"] == datasets.planted.anti_icp_conditions()
    assert made.truth["win_model"]["logit"] == datasets.planted.WIN_LOGIT
    assert isinstance(made, datasets.SimulatedCRM)


def test_icp_accounts_win_far_more_often(crm: SimulatedCRM, decided: pd.DataFrame) -> None:
    base = decided["won"].mean()
    inside = decided.loc[decided["in_icp"], "won"].mean()
    outside = decided.loc[~decided["in_icp"], "won"].mean()
    anti = decided.loc[decided["anti_icp"], "won"].mean()
    assert 0.20 <= base <= 0.30
    assert inside >= 2.5 * outside
    assert anti < 0.08
    assert crm.truth["base_win_rate"] == pytest.approx(base, abs=1e-4)
    assert crm.truth["win_rate_in_icp"] == pytest.approx(inside, abs=1e-4)
    assert crm.truth["win_rate_outside_icp"] == pytest.approx(outside, abs=1e-4)


def test_each_icp_condition_helps_on_its_own(crm: SimulatedCRM, decided: pd.DataFrame) -> None:
    for condition in crm.truth["icp"]:
        meets = _meets(decided, condition)
        assert decided.loc[meets, "won"].mean() > 1.5 * decided.loc[~meets, "won"].mean()


@pytest.fixture(scope="module")
def large_decided() -> pd.DataFrame:
    """Closed deals of a bigger CRM: enough deals to expose even a modest leak of signal."""
    crm = simulate(20_000, seed=SEED)
    deals = crm.deals[crm.deals["outcome"] != "open"].merge(crm.accounts, on="account_id")
    return deals.assign(won=deals["outcome"] == "won")


@pytest.mark.parametrize("attribute", ["region", "crm_segment_code"])
def test_noise_attributes_carry_no_signal(large_decided: pd.DataFrame, attribute: str) -> None:
    table = pd.crosstab(large_decided[attribute], large_decided["won"])
    assert chi2_contingency(table).pvalue > 0.001


def test_sales_cycles_are_shorter_inside_the_icp(decided: pd.DataFrame) -> None:
    cycle_days = (decided["closed_at"] - decided["created_at"]).dt.days
    inside = cycle_days[decided["in_icp"]].median()
    outside = cycle_days[~decided["in_icp"]].median()
    assert 25 <= inside <= 45
    assert 60 <= outside <= 90


def test_only_deals_running_past_the_end_stay_open(crm: SimulatedCRM) -> None:
    deals, end = crm.deals, pd.Timestamp(crm.truth["end"])
    open_deals = deals[deals["outcome"] == "open"]
    closed = deals[deals["outcome"] != "open"]
    assert open_deals["closed_at"].isna().all() and open_deals["lost_reason"].isna().all()
    assert set(open_deals["stage"]) <= set(world.OPEN_STAGES)
    assert (closed["closed_at"] <= end).all()
    assert (closed["closed_at"] >= closed["created_at"]).all()
    assert (deals["created_at"] >= pd.Timestamp(crm.truth["start"])).all()
    age_days = (end - open_deals["created_at"]).dt.days
    assert age_days.median() < 90 and age_days.max() <= 400
    assert 0.02 < len(open_deals) / len(deals) < 0.12


def test_stages_and_lost_reasons_agree_with_outcomes(crm: SimulatedCRM) -> None:
    deals = crm.deals
    assert (deals.loc[deals["outcome"] == "won", "stage"] == "Closed Won").all()
    lost = deals[deals["outcome"] == "lost"]
    assert (lost["stage"] == "Closed Lost").all()
    assert set(lost["lost_reason"]) == set(world.LOST_REASONS)
    assert deals.loc[deals["outcome"] != "lost", "lost_reason"].isna().all()


def test_bigger_companies_sign_bigger_deals(decided: pd.DataFrame) -> None:
    small = decided.loc[decided["employees"] < 50, "amount"].median()
    large = decided.loc[decided["employees"] > 1_000, "amount"].median()
    assert large > 3 * small


def test_an_account_with_two_deals_lost_the_first(crm: SimulatedCRM) -> None:
    deals = crm.deals.sort_values(["account_id", "created_at"])
    repeat = deals[deals.duplicated("account_id", keep=False)]
    assert 100 < repeat["account_id"].nunique() < 600
    first = repeat.drop_duplicates("account_id", keep="first")
    assert (first["outcome"] == "lost").all()
    assert crm.deals.groupby("account_id").size().max() == 2


def _signal_in_window(crm: SimulatedCRM, types: set[str], window_days: int) -> pd.Series:
    """Per deal: did a signal of these types occur 0..window_days days before creation?"""
    signals = crm.signals[crm.signals["type"].isin(types)]
    pairs = crm.deals[["deal_id", "account_id", "created_at"]].merge(signals, on="account_id")
    lag = (pairs["created_at"] - pairs["occurred_at"]).dt.days
    hit = set(pairs.loc[lag.between(0, window_days), "deal_id"])
    return crm.deals["deal_id"].isin(hit)


def test_trigger_events_raise_the_win_rate(crm: SimulatedCRM) -> None:
    trigger = crm.truth["trigger"]
    flagged = _signal_in_window(crm, set(trigger["types"]), trigger["window_days"])
    closed = crm.deals["outcome"] != "open"
    won = crm.deals["outcome"] == "won"
    with_trigger = won[closed & flagged].mean()
    without = won[closed & ~flagged].mean()
    assert with_trigger > 1.3 * without
    assert trigger["deals_with_trigger"] == flagged.sum()

    visited = _signal_in_window(crm, {"web_visit"}, trigger["window_days"])
    table = pd.crosstab(visited[closed], won[closed])
    assert chi2_contingency(table).pvalue > 0.001


def test_won_deals_more_often_have_a_data_or_engineering_director_champion(
    crm: SimulatedCRM,
) -> None:
    champion = crm.truth["champion"]
    persona = crm.contacts[
        (crm.contacts["buying_role"] == champion["buying_role"])
        & crm.contacts["department"].isin(champion["departments"])
        & (crm.contacts["seniority"] == champion["seniority"])
    ]
    has_persona = crm.deals["deal_id"].isin(set(persona["deal_id"]))
    outcome = crm.deals["outcome"]
    share_won = has_persona[outcome == "won"].mean()
    share_lost = has_persona[outcome == "lost"].mean()
    assert share_won > 1.4 * share_lost
    assert champion["share_won"] == pytest.approx(share_won, abs=1e-4)


def test_contacts_have_realistic_titles(crm: SimulatedCRM) -> None:
    titles = set(crm.contacts["title"])
    assert {"VP of Engineering", "Head of RevOps", "Chief Financial Officer"} <= titles
    assert titles & {"Directeur Financier", "Leiter IT", "Director Financiero"}
    local = crm.contacts["title"].isin(
        [title for titles in world.LOCAL_TITLES.values() for title, _, _ in titles]
    )
    assert 0.005 < local.mean() < 0.1


def test_customers_in_the_icp_stay_and_grow(crm: SimulatedCRM) -> None:
    customers = crm.customers
    won = crm.deals[crm.deals["outcome"] == "won"].set_index("account_id")
    assert customers["account_id"].is_unique
    assert set(customers["account_id"]) == set(won.index)
    assert (customers["start"].to_numpy() == won.loc[customers["account_id"], "closed_at"]).all()
    assert (customers["churned"] == customers["end"].notna()).all()
    assert (
        customers.loc[customers["churned"], "end"] > customers.loc[customers["churned"], "start"]
    ).all()

    in_icp = customers["account_id"].isin(
        crm.accounts.loc[_in_icp(crm.accounts, crm.truth), "account_id"]
    )
    churn_inside = customers.loc[in_icp, "churned"].mean()
    churn_outside = customers.loc[~in_icp, "churned"].mean()
    assert churn_inside < 0.6 * churn_outside
    expanded = customers["arr"] / customers["arr_start"] > 1.1
    assert expanded[in_icp].mean() > 1.4 * expanded[~in_icp].mean()
    close_to_deal = customers["arr_start"] / won.loc[customers["account_id"], "amount"].to_numpy()
    assert close_to_deal.between(0.75, 1.3).all()


def test_signal_details_read_like_news(crm: SimulatedCRM) -> None:
    signals = crm.signals
    funding = signals.loc[signals["type"] == "funding", "detail"]
    assert funding.str.contains(r"^Raised \$[\d.]+[KMB] |private equity", regex=True).all()
    assert signals.loc[signals["type"] == "job_post", "detail"].str.startswith("Posting: ").all()
    assert (signals["occurred_at"] <= pd.Timestamp(crm.truth["end"])).all()


def test_world_tables_match_the_canonical_schema() -> None:
    for table in (
        world.INDUSTRY_WEIGHTS,
        world.REVENUE_PER_EMPLOYEE,
        world.INDUSTRY_SIZE_SHIFT,
        world.VENTURE_PROPENSITY,
        world.NAME_DESCRIPTORS,
        messy_module.INDUSTRY_LABELS,
    ):
        assert set(table) == set(schema.INDUSTRIES)
    assert {region for _, region, _ in world.COUNTRIES.values()} <= set(schema.REGIONS)
    assert set(messy_module.COUNTRY_ALIASES) == set(world.COUNTRIES)
    assert set(messy_module.FUNDING_STAGE_LABELS) == set(schema.FUNDING_STAGES)
    for aliases in (
        messy_module.INDUSTRY_LABELS,
        messy_module.COUNTRY_ALIASES,
        messy_module.FUNDING_STAGE_LABELS,
    ):
        every_alias = [alias for options in aliases.values() for alias in options]
        assert len(every_alias) == len(set(every_alias)), "an alias must decode to one value"


# --- Files -------------------------------------------------------------------------------------


def test_clean_files_are_canonical(crm: SimulatedCRM, tmp_path) -> None:
    paths = write_crm(crm, tmp_path)
    assert set(paths) == {"accounts", "deals", "contacts", "signals", "customers", "notes", "truth"}
    assert json.loads(paths["truth"].read_text()) == crm.truth

    accounts = pd.read_csv(paths["accounts"], dtype=str, keep_default_na=False)
    assert list(accounts.columns) == list(crm.accounts.columns)
    assert accounts["technologies"].tolist() == [";".join(t) for t in crm.accounts["technologies"]]
    assert accounts["employees"].astype(int).tolist() == crm.accounts["employees"].tolist()
    assert not accounts["annual_revenue"].str.endswith(".0").any()
    bootstrapped = accounts["funding_stage"] == "bootstrapped"
    assert (accounts.loc[bootstrapped, "total_funding"] == "").all()

    deals = pd.read_csv(paths["deals"], dtype=str, keep_default_na=False)
    assert deals["created_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    is_open = deals["outcome"] == "open"
    assert (deals.loc[is_open, "closed_at"] == "").all()
    assert deals.loc[~is_open, "closed_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()

    customers = pd.read_csv(paths["customers"], dtype=str, keep_default_na=False)
    assert set(customers["churned"]) == {"true", "false"}
    assert paths["accounts"].read_bytes()[:3] != b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def messy_files(crm: SimulatedCRM, tmp_path_factory) -> dict:
    return write_crm(crm, tmp_path_factory.mktemp("messy"), messy=True, seed=SEED)


@pytest.fixture(scope="module")
def messy_accounts(messy_files: dict) -> pd.DataFrame:
    return pd.read_csv(
        messy_files["accounts"], dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


def test_messy_accounts_look_like_a_hubspot_export(messy_files: dict, messy_accounts) -> None:
    assert messy_files["accounts"].read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(messy_accounts.columns) == list(messy_module.ACCOUNT_HEADERS.values())
    employees = messy_accounts["Number of Employees"]
    assert {"51-200", "51–200", "1,001-5,000", "10,001+", "11-50 employees"} <= set(employees)
    assert employees.str.fullmatch(r"\d{1,3}(,\d{3})+").any()
    revenue = messy_accounts["Annual Revenue"]
    assert revenue.str.fullmatch(r"\$\d+(\.\d)?M").any()
    assert revenue.str.fullmatch(r"USD \d{1,3}(,\d{3})+").any()
    assert revenue.str.fullmatch(r"\d+(\.\d)?[KMB]").any()
    countries = set(messy_accounts["Country/Region"])
    assert {"USA", "United States", "U.S.", "UK", "Deutschland", "Germany", "DE"} <= countries
    industries = set(messy_accounts["Industry"])
    assert {"Computer Software", "COMPUTER_SOFTWARE", "Financial services", "Banking"} <= industries
    assert messy_accounts["Company Domain Name"].str.startswith("https://www.").any()
    assert messy_accounts["Web Technologies"].str.contains(" ; ").any()
    blank = (messy_accounts["Industry"] == "").mean()
    assert 0.01 < blank < 0.06


def test_messy_accounts_hold_duplicates_as_recorded(
    crm: SimulatedCRM, messy_files: dict, messy_accounts: pd.DataFrame
) -> None:
    record = json.loads(messy_files["truth"].read_text())["messy"]
    exact = messy_accounts.duplicated().sum()
    assert exact == record["exact_duplicate_rows"]
    assert 0.015 < exact / N_ACCOUNTS < 0.025
    assert len(messy_accounts) == record["accounts_rows"]

    near = record["near_duplicates"]
    assert len(near) >= 10
    ids = set(messy_accounts["Record ID"])
    assert ids - set(near) == set(crm.accounts["account_id"])

    def bare(url: str) -> str:
        return re.sub(r"^(https?://)?(www\.)?", "", url).rstrip("/")

    domain_by_id = dict(
        zip(
            messy_accounts["Record ID"],
            messy_accounts["Company Domain Name"].map(bare),
            strict=True,
        )
    )
    for copy_id, original_id in near.items():
        assert domain_by_id[copy_id] == domain_by_id[original_id]


def _money(text: str) -> float:
    text = text.replace("USD", "").replace("$", "").replace(",", "").strip()
    scale = {"K": 1e3, "M": 1e6, "B": 1e9}.get(text[-1:], 1)
    return float(text.rstrip("KMB")) * scale


def _employee_range(text: str) -> tuple[int, float]:
    text = text.removesuffix(" employees").replace(",", "").replace("–", "-")
    if text.endswith("+"):
        return int(text[:-1]), float("inf")
    low, _, high = text.partition("-")
    return int(low), float(high or low)


def test_messy_accounts_state_the_same_facts(crm: SimulatedCRM, messy_accounts) -> None:
    rows = messy_accounts.drop_duplicates("Record ID").set_index("Record ID")
    truth = crm.accounts.set_index("account_id")
    rows = rows.loc[truth.index]

    def decoded(column: str, aliases: dict[str, tuple[str, ...]]) -> pd.Series:
        lookup = {alias: canonical for canonical, options in aliases.items() for alias in options}
        return rows[column].map(lookup)

    for column, aliases, canonical in (
        ("Country/Region", messy_module.COUNTRY_ALIASES, "country"),
        ("Industry", messy_module.INDUSTRY_LABELS, "industry"),
        ("Funding Stage", messy_module.FUNDING_STAGE_LABELS, "funding_stage"),
    ):
        present = rows[column] != ""
        assert (decoded(column, aliases)[present] == truth.loc[present, canonical]).all(), column

    present = rows["Number of Employees"] != ""
    bounds = rows.loc[present, "Number of Employees"].map(_employee_range)
    actual = truth.loc[present, "employees"]
    assert all(low <= n <= high for (low, high), n in zip(bounds, actual, strict=True))

    present = rows["Annual Revenue"] != ""
    parsed = rows.loc[present, "Annual Revenue"].map(_money)
    relative_error = (parsed / truth.loc[present, "annual_revenue"] - 1).abs()
    assert relative_error.max() < 0.05

    present = rows["Web Technologies"] != ""
    stacks = rows.loc[present, "Web Technologies"].map(
        lambda text: [tool.strip() for tool in text.split(";") if tool.strip()]
    )
    assert (stacks == truth.loc[present, "technologies"]).all()


def test_messy_deals_look_like_a_salesforce_data_loader_export(
    crm: SimulatedCRM, messy_files: dict
) -> None:
    deals = pd.read_csv(messy_files["deals"], dtype=str, keep_default_na=False)
    assert list(deals.columns) == list(messy_module.DEAL_HEADERS.values())
    assert (
        deals["CreatedDate"].str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000").all()
    )
    outcome = crm.deals["outcome"]
    assert (deals["IsWon"] == "true").sum() == (outcome == "won").sum()
    assert (deals["IsClosed"] == "false").sum() == (outcome == "open").sum()
    assert set(deals["StageName"]) > {"Closed Won", "Closed Lost", "Contract Signed"}
    assert (deals["CloseDate"] != "").all()
    assert set(deals["AccountId"]) == set(crm.deals["account_id"])
    assert (
        deals["CreatedDate"].str[:10].tolist()
        == crm.deals["created_at"].dt.strftime("%Y-%m-%d").tolist()
    )
