"""The data tables ingest reads (src/icpkit/data/): every file loads, says what users rely on,
takes an added entry, and a malformed entry stops the run with one line naming file and entry."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib import resources
from pathlib import Path

import pytest

import icpkit
from icpkit import schema
from icpkit.errors import IcpkitError
from icpkit.ingest import data_tables
from icpkit.ingest import normalise as nz
from icpkit.ingest.mapping import Conventions, plan_columns

SRC = Path(icpkit.__file__).resolve().parents[1]
DATA = resources.files("icpkit").joinpath("data")
FILES = sorted(p.name for p in DATA.iterdir() if p.name.endswith((".toml", ".csv")))


def test_every_data_file_is_read_by_one_table() -> None:
    assert FILES == [
        "column_aliases.toml",
        "company_names.toml",
        "countries.csv",
        "country_aliases.csv",
        "funding_stages.toml",
        "industries.toml",
        "money.toml",
        "regions.toml",
    ]
    aliases = data_tables.column_aliases()
    assert set(aliases) == set(schema.TABLES)
    industries = data_tables.industries()
    assert set(industries.labels.values()) <= set(schema.INDUSTRIES)
    assert [industry for industry, _ in industries.keywords][:2] == ["Software", "Nonprofit"]
    assert set(data_tables.funding_stages().values()) <= set(schema.FUNDING_STAGES)
    assert set(data_tables.region_aliases().values()) == set(schema.REGIONS)
    countries = data_tables.countries()
    assert len(countries) == 249  # ISO 3166-1
    assert {c.region for c in countries} == {*schema.REGIONS, None}  # None: AQ, BV
    assert data_tables.country_aliases()["holland"] == "NL"
    money = data_tables.money_words()
    assert money.multipliers["mio"] == 1e6 and money.currency_symbols["€"] == "EUR"
    assert "gmbh" in data_tables.legal_suffixes()


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (nz.parse_country, "USA", "US"),
        (nz.parse_country, "U.S.", "US"),
        (nz.parse_country, "Deutschland", "DE"),
        (nz.parse_country, "Korea, Republic of", "KR"),
        (nz.parse_country, "Republic of Korea", "KR"),
        (nz.region_of, "BR", "Latin America"),
        (nz.parse_region, "APAC", "Asia Pacific"),
        (nz.match_industry, "Computer Software", "Software"),
        (nz.match_industry, "Hospital & Health Care", "Healthcare"),
        (nz.match_industry, "COMPUTER_SOFTWARE", "Software"),
        (nz.match_industry, "Medical technology", "Healthcare"),  # a keyword, not a label
        (nz.parse_funding_stage, "Angel", "pre_seed"),
        (nz.parse_funding_stage, "Post-IPO Equity", "public"),
        (nz.parse_money, "€3,5 Mio", (3.5e6, "EUR")),
        (nz.parse_money, "R$ 2.5M", (2.5e6, "BRL")),
        (nz.company_name_key, "ACME, Inc.", "acme"),
    ],
)
def test_the_values_users_rely_on(parse, text: str, expected: object) -> None:
    assert parse(text) == expected


def test_a_column_alias_maps_a_header() -> None:
    assert "number of employees" in data_tables.column_aliases()["accounts"]["employees"]
    headers = ["Account Name", "Number_of_Employees", "Billing Country", "Sector"]
    plan = plan_columns(headers, "accounts", Conventions())
    assert plan.canonical["employees"] == "Number_of_Employees"
    assert plan.canonical["country"] == "Billing Country"
    assert plan.canonical["industry"] == "Sector"


# ---------------------------------------------------------------------------------------------
# An edited copy, through ICPKIT_DATA_DIR


def edited_copy(folder: Path, name: str, old: str, new: str) -> Path:
    """``folder/name``: the shipped file with ``old`` replaced by ``new`` (which must be there)."""
    text = DATA.joinpath(name).read_text(encoding="utf-8")
    assert old in text
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def run_python(code: str, data_dir: Path | None) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter (the tables are read once per process)."""
    env = {k: v for k, v in os.environ.items() if k != data_tables.DATA_DIR_VARIABLE}
    env["PYTHONPATH"] = str(SRC)
    if data_dir is not None:
        env[data_tables.DATA_DIR_VARIABLE] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_an_entry_added_to_a_copy_is_picked_up(tmp_path: Path) -> None:
    folder = tmp_path / "tables"
    edited_copy(
        folder, "industries.toml", "Manufacturing = [\n", 'Manufacturing = [\n    "widgetry",'
    )
    edited_copy(folder, "country_aliases.csv", "alias,country\n", "alias,country\nbavaria,DE\n")
    edited_copy(folder, "column_aliases.toml", "employees = [\n", 'employees = [\n    "fte total",')
    code = """
        from icpkit.ingest import normalise as nz
        from icpkit.ingest.mapping import Conventions, plan_columns
        plan = plan_columns(["FTE Total"], "accounts", Conventions())
        print(nz.match_industry("Widgetry"), nz.parse_country("Bavaria"), plan.canonical)
    """
    shipped = run_python(code.replace('nz.parse_country("Bavaria")', '"-"'), None)
    assert shipped.returncode == 0, shipped.stderr
    assert shipped.stdout.split(maxsplit=1) == ["None", "- {}\n"]
    copied = run_python(code, folder)
    assert copied.returncode == 0, copied.stderr
    assert copied.stdout.strip() == "Manufacturing DE {'employees': 'FTE Total'}"
    # the files not copied are read as shipped
    assert run_python("from icpkit.ingest import normalise as nz; print(nz.parse_country('USA'))",
                      folder).stdout.strip() == "US"  # fmt: skip


@pytest.mark.parametrize(
    ("name", "old", "new", "entry"),
    [
        ("industries.toml", "Healthcare = [", "Helthcare = [", 'labels."Helthcare" is not one of'),
        (
            "industries.toml",
            '"wellness",',
            '"wellness", "software",',
            '[labels] "software" is listed under Software and Healthcare',
        ),
        (
            "industries.toml",
            'industry = "Nonprofit"',
            'industry = "Charity"',
            "[[keywords]] number 2: 'Charity' is not an industry",
        ),
        ("column_aliases.toml", "headcount", 'head count", 3, "x', "accounts.employees: 3 is not"),
        (
            "column_aliases.toml",
            "founded_year = [",
            "founded = [",
            "accounts.founded is not a column",
        ),
        (
            "regions.toml",
            '"eur",',
            '"eur", "latam",',
            '[aliases] "latam" is listed under Europe and Latin America',
        ),
        ("funding_stages.toml", "\nseed = [", "\nsead = [", 'labels."sead" is not one of'),
        ("money.toml", "tsd = 1e3", "tsd = -1e3", "multipliers.tsd must be a positive number"),
        ("money.toml", "mil = 1e6", '"mil." = 1e6', 'multipliers "mil." must be lower-case'),
        ("money.toml", '"€" = "EUR"', '"€" = "Euro"', "currency_symbols.€ must be an ISO 4217"),
        ("company_names.toml", '"gmbh",', '"g.m.b.h.",', 'legal_suffixes "g.m.b.h." must be one'),
        ("countries.csv", "DE,DEU,Europe", "DE,DEU,Eurasia", 'line 58: region "Eurasia" is not'),
        ("countries.csv", "FR,FRA,Europe", "DE,FRA,Europe", "line 76: DE is already on line 58"),
        ("countries.csv", "AD,AND,Europe,", "AD,AND,", "line 2: 3 cells where 4 are expected"),
        ("country_aliases.csv", "holland,NL", "holland,XN", 'line 25: "XN" is not an alpha2 code'),
        ("country_aliases.csv", "alias,country", "alias,code", "line 1: the first line must be"),
        ("regions.toml", "[aliases]", "[aliases", "not valid TOML"),
    ],
)
def test_a_malformed_entry_is_one_line_naming_file_and_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, old: str, new: str, entry: str
) -> None:
    folder = edited_copy(tmp_path, name, old, new)
    monkeypatch.setenv(data_tables.DATA_DIR_VARIABLE, str(folder))
    table = {
        "industries.toml": data_tables.industries,
        "column_aliases.toml": data_tables.column_aliases,
        "regions.toml": data_tables.region_aliases,
        "funding_stages.toml": data_tables.funding_stages,
        "money.toml": data_tables.money_words,
        "company_names.toml": data_tables.legal_suffixes,
        "countries.csv": data_tables.countries,
        "country_aliases.csv": data_tables.country_aliases,
    }[name]
    with pytest.raises(IcpkitError) as raised:
        table.__wrapped__()  # past the cache: the shipped file is already read in this process
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{folder / name}")
    assert entry in message


def test_a_malformed_copy_stops_the_command_with_one_line(tmp_path: Path) -> None:
    folder = edited_copy(tmp_path / "tables", "industries.toml", "Healthcare = [", "Helthcare = [")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,name,industry\n1,Acme,Hospital & Health Care\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(SRC), data_tables.DATA_DIR_VARIABLE: str(folder)}
    run = subprocess.run(
        [sys.executable, "-m", "icpkit", "ingest", "--accounts", accounts, "--out", tmp_path / "o"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f'{folder / "industries.toml"}: labels."Helthcare" is not one of' in lines[0]


def test_a_data_folder_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    run = run_python(
        "from icpkit.ingest import normalise as nz; nz.parse_country('USA')", tmp_path / "none"
    )
    assert run.returncode != 0
    assert f"ICPKIT_DATA_DIR={tmp_path / 'none'} is not a folder" in run.stderr


def test_the_shipped_files_are_what_the_wheel_carries() -> None:
    """pyproject.toml's package data names every data file (the wheel is built from it)."""
    import tomllib

    pyproject = tomllib.loads((SRC.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["icpkit"]
    assert {"data/*.toml", "data/*.csv"} <= set(patterns)
    assert {Path(f).suffix for f in FILES} == {".toml", ".csv"}
