"""Write a simulated CRM to CSV files: clean and canonical, or the way real exports arrive.

The clean files are what ``icpkit ingest`` produces in spirit: canonical headers, ISO dates,
``true``/``false``, technologies joined by ``;``. The messy files carry the same facts dressed
the way HubSpot and Salesforce exports dress them (see CRM_FORMATS.md): label headers, employee
bands, "$2.5M" revenue, country aliases, vendor industry labels, full URLs for domains,
duplicate and near-duplicate rows, blanks and byte-order marks. Ingest is tested against them.

Every alias table below maps each messy value back to exactly one canonical value, so a test can
decode a messy file and check it states what the clean one does; ``truth.json`` gains a
``messy`` section listing the duplicates and blanks that were added.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from icpkit import schema
from icpkit.simulate import world
from icpkit.simulate.generator import SimulatedCRM
from icpkit.simulate.numeric import compact_usd

TABLE_NAMES = ("accounts", "deals", "contacts", "signals", "customers")

# --- How the exports name things ---------------------------------------------------------------

# HubSpot company export: property labels as headers. The canonical region has no HubSpot field.
ACCOUNT_HEADERS: dict[str, str] = {
    "account_id": "Record ID",
    "name": "Company name",
    "domain": "Company Domain Name",
    "industry": "Industry",
    "employees": "Number of Employees",
    "annual_revenue": "Annual Revenue",
    "country": "Country/Region",
    "founded_year": "Year Founded",
    "funding_stage": "Funding Stage",
    "total_funding": "Total Money Raised",
    "technologies": "Web Technologies",
    "crm_segment_code": "CRM Segment Code",
}

# Salesforce Data Loader opportunity export: API names as headers.
DEAL_HEADERS: dict[str, str] = {
    "deal_id": "Id",
    "account_id": "AccountId",
    "stage": "StageName",
    "is_closed": "IsClosed",
    "is_won": "IsWon",
    "amount": "Amount",
    "closed_at": "CloseDate",
    "created_at": "CreatedDate",
    "source": "LeadSource",
    "lost_reason": "Loss_Reason__c",
}

# Salesforce contacts joined to their opportunity contact roles (a custom seniority field).
CONTACT_HEADERS: dict[str, str] = {
    "contact_id": "Id",
    "account_id": "AccountId",
    "deal_id": "OpportunityId",
    "title": "Title",
    "department": "Department",
    "seniority": "Seniority__c",
    "buying_role": "Role",
}

COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": ("US", "USA", "United States", "U.S.", "United States of America"),
    "GB": ("GB", "UK", "United Kingdom", "Great Britain", "England"),
    "DE": ("DE", "Germany", "Deutschland"),
    "FR": ("FR", "France"),
    "NL": ("NL", "Netherlands", "The Netherlands", "Holland"),
    "ES": ("ES", "Spain", "España"),
    "CH": ("CH", "Switzerland", "Schweiz"),
    "AE": ("AE", "UAE", "United Arab Emirates"),
    "KR": ("KR", "South Korea", "Korea, Republic of"),
    "BR": ("BR", "Brazil", "Brasil"),
    "MX": ("MX", "Mexico", "México"),
    **{
        code: (code, english_name)
        for code, (_, _, english_name) in world.COUNTRIES.items()
        if code not in {"US", "GB", "DE", "FR", "NL", "ES", "CH", "AE", "KR", "BR", "MX"}
    },
}

# Vendor industry labels (HubSpot labels and internal values, Salesforce picklist, LinkedIn).
INDUSTRY_LABELS: dict[str, tuple[str, ...]] = {
    "Software": ("Computer Software", "COMPUTER_SOFTWARE", "Software", "Internet",
                 "Information Technology and Services"),
    "Financial Services": ("Financial Services", "Financial services", "FINANCIAL_SERVICES",
                           "Banking", "Finance", "Insurance"),
    "Healthcare": ("Hospital & Health Care", "HOSPITAL_HEALTH_CARE", "Healthcare",
                   "Medical Devices"),
    "Manufacturing": ("Manufacturing", "Machinery", "MACHINERY", "Industrial Automation"),
    "Retail & E-commerce": ("Retail", "RETAIL", "Consumer Goods", "E-Commerce"),
    "Professional Services": ("Management Consulting", "Consulting", "Accounting",
                              "Legal Services"),
    "Media & Entertainment": ("Media", "Entertainment", "Marketing and Advertising",
                              "MEDIA_PRODUCTION"),
    "Telecommunications": ("Telecommunications", "TELECOMMUNICATIONS", "Communications"),
    "Education": ("Education", "Education Management", "Higher Education", "E-Learning"),
    "Government": ("Government", "Government Administration", "GOVERNMENT_ADMINISTRATION",
                   "Public Sector"),
    "Energy & Utilities": ("Energy", "Utilities", "Oil & Energy", "Renewables & Environment"),
    "Transportation & Logistics": ("Transportation", "Logistics and Supply Chain", "Shipping",
                                   "Transportation/Trucking/Railroad"),
    "Real Estate & Construction": ("Real Estate", "REAL_ESTATE", "Construction",
                                   "Commercial Real Estate"),
    "Hospitality": ("Hospitality", "Restaurants", "Leisure, Travel & Tourism"),
    "Nonprofit": ("Not For Profit", "Non-Profit Organization Management",
                  "NONPROFIT_ORGANIZATION_MANAGEMENT"),
    "Other": ("Other", "Agriculture", "Chemicals"),
}  # fmt: skip

FUNDING_STAGE_LABELS: dict[str, tuple[str, ...]] = {
    "bootstrapped": ("Bootstrapped", "bootstrapped", "Self-funded"),
    "pre_seed": ("Pre-Seed", "pre_seed", "Angel"),
    "seed": ("Seed", "seed"),
    "series_a": ("Series A", "series_a"),
    "series_b": ("Series B", "series_b"),
    "series_c": ("Series C", "series_c"),
    "series_d_plus": ("Series D", "Series E", "Series D+", "series_d"),
    "private_equity": ("Private Equity", "private_equity", "PE-backed"),
    "public": ("Public", "IPO", "post_ipo_equity"),
}

# LinkedIn / People Data Labs headcount bands: (lowest, label). The last band is open-ended.
EMPLOYEE_BANDS: tuple[tuple[int, str], ...] = (
    (1, "1-10"),
    (11, "11-50"),
    (51, "51-200"),
    (201, "201-500"),
    (501, "501-1,000"),
    (1_001, "1,001-5,000"),
    (5_001, "5,001-10,000"),
    (10_001, "10,001+"),
)

BLANK_SHARE = 0.03
EXACT_DUPLICATE_SHARE = 0.02
NEAR_DUPLICATE_SHARE = 0.005
FILES_WITH_BOM = ("accounts", "contacts")
# Stage names this org renamed: only the IsClosed/IsWon flags say what happened.
RENAMED_STAGES: dict[str, str] = {"Closed Won": "Contract Signed", "Closed Lost": "Disqualified"}
RENAMED_STAGE_SHARE = 0.05


def write_crm(
    crm: SimulatedCRM, out_dir: Path | str, *, messy: bool = False, seed: int = 0
) -> dict[str, Path]:
    """Write ``accounts.csv``, ``deals.csv``, ``contacts.csv``, ``signals.csv``,
    ``customers.csv``, ``notes.csv`` (when the CRM has notes) and ``truth.json`` into
    ``out_dir`` (created if needed). Clean deals carry ``competitor`` and
    ``lost_reason_detail`` beyond the canonical columns.

    ``messy=False`` writes canonical CSVs. ``messy=True`` writes the same facts as real exports
    look, drawing the disorder from ``seed`` (the same seed gives the same bytes). Returns the
    path of each file by table name, plus ``"truth"``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    truth = dict(crm.truth)
    if messy:
        tables, truth["messy"] = _messy_tables(crm, np.random.default_rng(seed))
    else:
        tables = {name: _canonical_csv_frame(getattr(crm, name)) for name in TABLE_NAMES}
        tables["deals"] = _with_deal_details(tables["deals"], crm.deal_details)

    paths: dict[str, Path] = {}
    names = list(TABLE_NAMES)
    if not crm.notes.empty:
        tables["notes"] = _canonical_csv_frame(crm.notes)
        names.append("notes")
    for name in names:
        path = out / f"{name}.csv"
        encoding = "utf-8-sig" if messy and name in FILES_WITH_BOM else "utf-8"
        tables[name].to_csv(path, index=False, encoding=encoding, lineterminator="\n")
        paths[name] = path
    truth_path = out / "truth.json"
    truth_path.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["truth"] = truth_path
    return paths


# --- Clean files -------------------------------------------------------------------------------


def _with_deal_details(deals: pd.DataFrame, details: pd.DataFrame) -> pd.DataFrame:
    """The clean deals file carries two CRM fields beyond the canonical columns, as a
    Salesforce org's Competitor__c and Loss_Reason_Detail__c would: ``competitor`` and
    ``lost_reason_detail`` (blank where none)."""
    if details.empty:
        return deals
    extra = _canonical_csv_frame(details.drop(columns="deal_id"))
    return pd.concat([deals, extra.reset_index(drop=True)], axis=1)


def _canonical_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as the text the canonical CSV holds; missing values become blank."""
    return pd.DataFrame({column: _as_text(frame[column]) for column in frame.columns})


def _as_text(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_bool_dtype(column):
        return column.map({True: "true", False: "false"})
    if pd.api.types.is_float_dtype(column):
        return _number_text(column.to_numpy(dtype=float))
    if pd.api.types.is_integer_dtype(column):
        return column.astype("str")
    if column.dtype == object and column.map(lambda v: isinstance(v, list)).all():
        return column.map(lambda values: schema.LIST_SEPARATOR.join(values) if values else "")
    return column.astype("str").fillna("")


def _number_text(values: np.ndarray) -> pd.Series:
    """Whole amounts without a trailing ".0", blanks for missing."""
    return pd.Series(
        [
            "" if np.isnan(v) else (str(int(v)) if v.is_integer() else repr(float(v)))
            for v in values
        ],
        dtype="str",
    )


# --- Messy files -------------------------------------------------------------------------------


def _messy_tables(
    crm: SimulatedCRM, rng: np.random.Generator
) -> tuple[dict[str, pd.DataFrame], dict]:
    accounts, account_record = _messy_accounts(crm.accounts, rng)
    tables = {
        "accounts": accounts,
        "deals": _messy_deals(crm.deals, rng),
        "contacts": _messy_contacts(crm.contacts, rng),
        "signals": _messy_signals(crm.signals, rng),
        "customers": _messy_customers(crm.customers),
    }
    record = {
        **account_record,
        "blank_share": BLANK_SHARE,
        "files_with_bom": [f"{name}.csv" for name in FILES_WITH_BOM],
        "headers": {
            "accounts": ACCOUNT_HEADERS,
            "deals": DEAL_HEADERS,
            "contacts": CONTACT_HEADERS,
        },
        "notes": [
            "accounts.csv is a HubSpot company export: labels as headers, no region column, "
            "employees as numbers or bands, money as '$2.5M' or 'USD 20,000,000', country "
            "aliases, vendor industry labels, domains as URLs",
            "deals.csv is a Salesforce Data Loader export: decide won/closed from IsWon/IsClosed; "
            f"{RENAMED_STAGE_SHARE:.0%} of closed deals carry a renamed stage "
            f"({', '.join(RENAMED_STAGES.values())}); open deals carry an expected CloseDate",
            "contacts.csv is a Salesforce contact export with opportunity contact roles",
            "signals.csv has canonical headers and occurred_at as 'YYYY-MM-DD HH:MM'",
            "customers.csv has canonical headers and churned as yes/no",
        ],
    }
    return tables, record


def _messy_accounts(accounts: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    n = len(accounts)
    stage = accounts["funding_stage"].to_numpy(dtype=object)
    messy = pd.DataFrame(
        {
            "Record ID": accounts["account_id"].to_numpy(dtype=object),
            "Company name": accounts["name"].to_numpy(dtype=object),
            "Company Domain Name": _messy_domains(accounts["domain"].to_numpy(dtype=object), rng),
            "Industry": _pick_alias(
                accounts["industry"].to_numpy(dtype=object), INDUSTRY_LABELS, rng
            ),
            "Number of Employees": _messy_employees(accounts["employees"].to_numpy(), rng),
            "Annual Revenue": _messy_money(accounts["annual_revenue"].to_numpy(dtype=float), rng),
            "Country/Region": _pick_alias(
                accounts["country"].to_numpy(dtype=object), COUNTRY_ALIASES, rng
            ),
            "Year Founded": accounts["founded_year"].astype("str").to_numpy(dtype=object),
            "Funding Stage": _pick_alias(stage, FUNDING_STAGE_LABELS, rng),
            "Total Money Raised": _messy_money(
                accounts["total_funding"].to_numpy(dtype=float), rng
            ),
            "Web Technologies": _messy_lists(accounts["technologies"].to_list(), rng),
            "CRM Segment Code": accounts["crm_segment_code"].to_numpy(dtype=object),
        },
        dtype=object,
    )
    blankable = [
        c for c in messy.columns if c not in ("Record ID", "Company name", "Company Domain Name")
    ]
    for column in blankable:
        messy.loc[rng.random(n) < BLANK_SHARE, column] = ""

    # Near-duplicates: the same company entered twice (same domain, new record, sparser fields).
    n_near = max(1, round(NEAR_DUPLICATE_SHARE * n))
    originals = np.sort(rng.choice(n, size=min(n_near, n), replace=False))
    near = messy.iloc[originals].copy()
    width = len(accounts["account_id"].iloc[0]) - len("ACC-")
    near_ids = [f"ACC-{n + i:0{width}d}" for i in range(1, len(originals) + 1)]
    near["Record ID"] = near_ids
    near["Company Domain Name"] = _messy_domains(
        accounts["domain"].to_numpy(dtype=object)[originals], rng
    )
    near["Company name"] = [
        _name_variant(name, pick)
        for name, pick in zip(near["Company name"], rng.random(len(near)), strict=True)
    ]
    for column in blankable:
        near.loc[rng.random(len(near)) < 0.3, column] = ""

    with_near = pd.concat([messy, near], ignore_index=True)
    n_exact = round(EXACT_DUPLICATE_SHARE * n)
    copies = with_near.iloc[np.sort(rng.choice(len(with_near), size=n_exact, replace=False))]
    rows = pd.concat([with_near, copies], ignore_index=True)
    rows = rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)
    record = {
        "accounts_rows": len(rows),
        "exact_duplicate_rows": int(n_exact),
        "near_duplicates": dict(
            zip(near_ids, accounts["account_id"].to_numpy(dtype=object)[originals], strict=True)
        ),
    }
    return rows, record


def _name_variant(name: str, pick: float) -> str:
    """How the same company gets typed a second time: shouting, or with/without "Inc."."""
    if pick < 0.4:
        return name.upper()
    suffixes = {suffix for options in world.LEGAL_SUFFIXES.values() for suffix in options}
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.endswith(f" {suffix}"):
            return name.removesuffix(f" {suffix}")
    return f"{name} Inc."


def _pick_alias(
    values: np.ndarray, aliases: dict[str, tuple[str, ...]], rng: np.random.Generator
) -> np.ndarray:
    """Replace each canonical value by one of its aliases, chosen at random; missing -> blank."""
    out = np.full(len(values), "", dtype=object)
    draw = rng.integers(0, 1_000_000, len(values))
    for canonical, options in aliases.items():
        rows = np.flatnonzero(values == canonical)
        out[rows] = np.array(options, dtype=object)[draw[rows] % len(options)]
    return out


def _messy_domains(domains: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Domains as people paste them: bare, with www, or as a full URL."""
    styles = ("{}", "www.{}", "https://www.{}/", "http://{}", "https://{}")
    pick = rng.choice(len(styles), len(domains), p=[0.5, 0.15, 0.15, 0.1, 0.1])
    return np.array([styles[p].format(d) for d, p in zip(domains, pick, strict=True)], dtype=object)


def _messy_employees(employees: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A headcount as a number ("1234", "1,234") or as the band containing it ("1,001-5,000")."""
    lows = np.array([low for low, _ in EMPLOYEE_BANDS])
    labels = np.array([label for _, label in EMPLOYEE_BANDS], dtype=object)
    band = labels[np.searchsorted(lows, employees, side="right") - 1]
    style = rng.choice(4, len(employees), p=[0.5, 0.12, 0.28, 0.10])
    with_word = rng.random(len(employees)) < 0.2
    out = []
    for count, label, how, word in zip(employees, band, style, with_word, strict=True):
        if how == 0:
            out.append(str(count))
        elif how == 1:
            out.append(f"{count:,}")
        else:
            text = label if how == 2 else label.replace("-", "–")
            out.append(f"{text} employees" if word else text)
    return np.array(out, dtype=object)


def _messy_money(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """USD amounts as typed or exported: "2500000", "$2.5M", "2.5M", "USD 2,500,000"."""
    style = rng.choice(5, len(values), p=[0.4, 0.3, 0.1, 0.12, 0.08])
    out = []
    for value, how in zip(values, style, strict=True):
        if np.isnan(value):
            out.append("")
        elif how == 0:
            out.append(str(int(value)))
        elif how == 1:
            out.append(compact_usd(value))
        elif how == 2:
            out.append(compact_usd(value).removeprefix("$"))
        elif how == 3:
            out.append(f"USD {int(value):,}")
        else:
            out.append(f"${int(value):,}")
    return np.array(out, dtype=object)


def _messy_lists(lists: list[list[str]], rng: np.random.Generator) -> np.ndarray:
    """Multi-checkbox values joined by ";" with whatever spacing the source used."""
    separators = (";", "; ", " ;", " ; ")
    pick = rng.integers(0, len(separators), len(lists))
    return np.array(
        [separators[p].join(values) for values, p in zip(lists, pick, strict=True)], dtype=object
    )


def _blank_some(
    values: np.ndarray, rng: np.random.Generator, share: float = BLANK_SHARE
) -> np.ndarray:
    values = values.copy()
    values[rng.random(len(values)) < share] = ""
    return values


def _messy_deals(deals: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Salesforce Data Loader opportunities: flags say what happened, stage names may not."""
    n = len(deals)
    outcome = deals["outcome"].to_numpy(dtype=object)
    is_closed = outcome != "open"
    is_won = outcome == "won"

    stage = deals["stage"].to_numpy(dtype=object).copy()
    renamed = is_closed & (rng.random(n) < RENAMED_STAGE_SHARE)
    stage[renamed] = [RENAMED_STAGES[s] for s in stage[renamed]]

    # Salesforce requires a close date on open opportunities too: the rep's expected date.
    created = deals["created_at"]
    expected_close = created + pd.to_timedelta(rng.integers(30, 151, n), unit="D")
    close_date = deals["closed_at"].where(pd.Series(is_closed), expected_close)

    seconds = rng.integers(7 * 3600, 20 * 3600, n)
    created_text = [
        f"{day}T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000+0000"
        for day, s in zip(created.dt.strftime("%Y-%m-%d"), seconds, strict=True)
    ]
    return pd.DataFrame(
        {
            "Id": deals["deal_id"].to_numpy(dtype=object),
            "AccountId": deals["account_id"].to_numpy(dtype=object),
            "StageName": stage,
            "IsClosed": np.where(is_closed, "true", "false"),
            "IsWon": np.where(is_won, "true", "false"),
            "Amount": _blank_some(
                _number_text(deals["amount"].to_numpy(dtype=float)).to_numpy(dtype=object), rng
            ),
            "CloseDate": close_date.dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
            "CreatedDate": created_text,
            "LeadSource": _blank_some(deals["source"].to_numpy(dtype=object), rng),
            "Loss_Reason__c": _blank_some(
                deals["lost_reason"].fillna("").to_numpy(dtype=object), rng
            ),
        },
        dtype=object,
    )


def _messy_contacts(contacts: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Salesforce contacts with their opportunity role; titles typed with stray spaces."""
    pads = ("{}", " {}", "{} ", "  {}  ")
    pick = rng.choice(len(pads), len(contacts), p=[0.92, 0.03, 0.03, 0.02])
    titles = [pads[p].format(t) for t, p in zip(contacts["title"], pick, strict=True)]
    return pd.DataFrame(
        {
            "Id": contacts["contact_id"].to_numpy(dtype=object),
            "AccountId": contacts["account_id"].to_numpy(dtype=object),
            "OpportunityId": contacts["deal_id"].to_numpy(dtype=object),
            "Title": titles,
            "Department": _blank_some(contacts["department"].to_numpy(dtype=object), rng),
            "Seniority__c": contacts["seniority"].to_numpy(dtype=object),
            "Role": contacts["buying_role"].to_numpy(dtype=object),
        },
        dtype=object,
    )


def _messy_signals(signals: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Canonical headers, timestamps to the minute as marketing tools log them."""
    minutes = rng.integers(0, 24 * 60, len(signals))
    stamps = [
        f"{day} {m // 60:02d}:{m % 60:02d}"
        for day, m in zip(signals["occurred_at"].dt.strftime("%Y-%m-%d"), minutes, strict=True)
    ]
    messy = _canonical_csv_frame(signals)
    messy["occurred_at"] = stamps
    return messy


def _messy_customers(customers: pd.DataFrame) -> pd.DataFrame:
    messy = _canonical_csv_frame(customers)
    messy["churned"] = customers["churned"].map({True: "yes", False: "no"})
    return messy
