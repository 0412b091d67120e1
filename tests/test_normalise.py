"""The value normalisers on strings as CRMs and spreadsheets really write them."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icpkit import schema
from icpkit.ingest import normalise as nz


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500", 500),
        ("1,200", 1200),
        ("12.0", 12),
        ("51-200", 101),  # geometric mean of the band: round(sqrt(51 * 200))
        ("51–200", 101),  # en dash
        ("51 - 200 employees", 101),
        ("51 to 200", 101),
        ("1-10", 3),
        ("11-50", 23),
        ("201-500", 317),
        ("1,001-5,000", 2237),
        ("5001-10,000", 7072),
        ("1,000+", 1500),  # open top: 1.5 x the lower bound
        ("10,001+", 15002),
        ("More than 500", 750),
        ("over 1000", 1500),
        ("<10", 5),  # open bottom: half the upper bound
        ("less than 50", 25),
        ("1.2k", 1200),
        ("1.2K employees", 1200),
        ("5k-10k", 7071),
        ("approx. 300", 300),
        ("0", 0),
        ("self-employed", 1),
    ],
)
def test_employees(text: str, expected: int) -> None:
    assert nz.parse_employees(text) == expected


@pytest.mark.parametrize("text", ["fifty", "lots", "-5", "1-2-3", "n/a employees"])
def test_employees_unreadable(text: str) -> None:
    with pytest.raises(nz.ParseError, match=r"number of employees|is not a number"):
        nz.parse_employees(text)


def test_band_value_always_inside_the_band() -> None:
    for low, high in [(1, 10), (51, 200), (1001, 5000), (10_000, 50_000)]:
        assert low <= nz.band_value(low, high) <= high
    assert nz.band_value(0, 10) == 5


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("20000000", 20_000_000.0, "USD"),
        ("20,000,000", 20_000_000.0, "USD"),
        ("$2.5M", 2_500_000.0, "USD"),
        ("USD 20,000,000", 20_000_000.0, "USD"),
        ("1.2B", 1_200_000_000.0, "USD"),
        ("$40K", 40_000.0, "USD"),
        ("$1B", 1_000_000_000.0, "USD"),
        ("$2K", 2_000.0, "USD"),
        ("€3,5 Mio", 3_500_000.0, "EUR"),
        ("£1.2m", 1_200_000.0, "GBP"),
        ("2.5M USD", 2_500_000.0, "USD"),
        ("1.234.567,89 €", 1_234_567.89, "EUR"),
        ("CHF 3'000", 3_000.0, "CHF"),
        ("1.5 million", 1_500_000.0, "USD"),
        ("(1,000)", -1_000.0, "USD"),
        ("<$1M", 500_000.0, "USD"),
        ("$10B+", 15_000_000_000.0, "USD"),
        ("$500M-1B", pytest.approx(707_106_781.19), "USD"),
        ("$10-50M", pytest.approx(22_360_679.77), "USD"),
    ],
)
def test_money(text: str, amount: float, currency: str) -> None:
    assert nz.parse_money(text) == (amount, currency)


@pytest.mark.parametrize("text", ["abc", "$", "USD", "1M-2 EUR-3", "12 apples"])
def test_money_unreadable(text: str) -> None:
    with pytest.raises(nz.ParseError, match="amount of money"):
        nz.parse_money(text)


def test_money_refuses_mixed_currencies() -> None:
    with pytest.raises(nz.ParseError):
        nz.parse_money("$1M-€2M")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("USA", "US"),
        ("U.S.", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("us", "US"),
        ("UK", "GB"),
        ("Great Britain", "GB"),
        ("United Kingdom", "GB"),
        ("England", "GB"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("DE", "DE"),
        ("DEU", "DE"),
        ("Holland", "NL"),
        ("The Netherlands", "NL"),
        ("España", "ES"),
        ("Côte d'Ivoire", "CI"),
        ("Korea, Republic of", "KR"),
        ("South Korea", "KR"),
        ("Bolivia", "BO"),
        ("UAE", "AE"),
        ("Philipines", "PH"),  # misspelt: one country is close
    ],
)
def test_country(text: str, code: str) -> None:
    assert nz.parse_country(text) == code


def test_country_unknown_and_typo_tell_apart() -> None:
    with pytest.raises(nz.ParseError, match='cannot read "Narnia" as a country'):
        nz.parse_country("Narnia")
    assert nz.country_exact("Philipines") is None
    assert nz.country_guess("Philipines") == "PH"


def test_country_table_is_complete() -> None:
    lookup = nz.country_lookup()
    assert len({code for code in lookup.values()}) == 249
    assert nz.country_name("DE") == "Germany"


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("US", "North America"),
        ("CA", "North America"),
        ("MX", "Latin America"),
        ("BR", "Latin America"),
        ("DE", "Europe"),
        ("GB", "Europe"),
        ("AE", "Middle East & Africa"),
        ("ZA", "Middle East & Africa"),
        ("JP", "Asia Pacific"),
        ("AU", "Asia Pacific"),
        ("AQ", None),
    ],
)
def test_region_of(code: str, region: str | None) -> None:
    assert nz.region_of(code) == region


def test_every_region_is_canonical() -> None:
    regions = {nz.region_of(code) for code in set(nz.country_lookup().values())}
    assert regions - {None} == set(schema.REGIONS)


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("APAC", "Asia Pacific"),
        ("LATAM", "Latin America"),
        ("NA", "North America"),
        ("europe", "Europe"),
        ("ME&A", "Middle East & Africa"),
        ("Middle East & Africa", "Middle East & Africa"),
    ],
)
def test_region_labels(text: str, region: str) -> None:
    assert nz.parse_region(text) == region


def test_region_emea_is_ambiguous() -> None:
    with pytest.raises(nz.ParseError):
        nz.parse_region("EMEA")


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("https://www.acme.co.uk/about", "acme.co.uk"),
        ("acme.com", "acme.com"),
        ("WWW.ACME.IO", "acme.io"),
        ("http://shop.acme.com.au:8080/x?y=1", "acme.com.au"),
        ("https://acme.co.jp", "acme.co.jp"),
        ("www.loja.com.br/", "loja.com.br"),
        ("jane@sales.acme.com", "acme.com"),
        ("acme.com.", "acme.com"),
        ("sub.domain.example.org", "example.org"),
        ("münchen.de", "münchen.de"),
        ("xn--mnchen-3ya.de", "münchen.de"),
    ],
)
def test_domain(text: str, domain: str) -> None:
    assert nz.parse_domain(text) == domain


@pytest.mark.parametrize("text", ["localhost", "192.168.1.1", "co.uk", "not a url", "a..b"])
def test_domain_unreadable(text: str) -> None:
    with pytest.raises(nz.ParseError):
        nz.parse_domain(text)


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("https://acme.github.io/docs", "acme.github.io"),  # a platform's subdomain: the company's
        ("x.blogspot.com", "x.blogspot.com"),
        ("github.io", "github.io"),  # the platform's own domain
        ("www.blogspot.com", "www.blogspot.com"),
        ("a.b.k12.ca.us", "b.k12.ca.us"),  # suffixes of three labels and more
    ],
)
def test_domain_under_a_platform_or_a_deep_suffix(text: str, domain: str) -> None:
    assert nz.parse_domain(text) == domain


# A company's own label (ASCII, or with letters an IDN domain may have) under a common public
# suffix, one label (com, de) or two (co.uk, com.au), as CRMs store websites. "acme" first: a
# random label may be a platform's suffix of the list's private section ("x0.com").
COMPANY_LABELS = st.from_regex(r"(?:[a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True).filter(
    lambda label: "--" not in label
) | st.from_regex(r"[a-zäöüé]{0,6}[äöüé][a-z]{0,6}", fullmatch=True)
SUFFIXES = st.sampled_from(["com", "de", "io", "co.uk", "com.au", "co.jp", "com.br", "org", "fr"])
SUBDOMAINS = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True), max_size=3)


@settings(max_examples=300, deadline=None)
@given(
    company=COMPANY_LABELS,
    suffix=SUFFIXES,
    subdomains=SUBDOMAINS,
    scheme=st.sampled_from(["", "http://", "https://", "HTTPS://"]),
    port=st.sampled_from(["", ":8080"]),
    path=st.sampled_from(["", "/", "/about?x=1", "#top"]),
    punycode=st.booleans(),
    upper=st.booleans(),
)
def test_domain_is_the_registrable_domain_however_the_website_is_written(
    company: str,
    suffix: str,
    subdomains: list[str],
    scheme: str,
    port: str,
    path: str,
    punycode: bool,
    upper: bool,
) -> None:
    registrable = f"acme{company}.{suffix}"
    host = ".".join([*subdomains, registrable])
    if punycode:
        host = host.encode("idna").decode("ascii")
    url = f"{scheme}{host}{port}{path}"
    url = url.upper() if upper else url
    assert nz.parse_domain(url) == registrable
    assert nz.parse_domain(f"jane.doe@{host}") == registrable
    assert nz.parse_domain(f"{host}.") == registrable  # a fully qualified name's final dot
    assert nz.parse_domain(registrable) == registrable


@given(suffix=SUFFIXES)
def test_a_public_suffix_alone_is_no_company_domain(suffix: str) -> None:
    if "." in suffix:
        with pytest.raises(nz.ParseError, match="is a public suffix"):
            nz.parse_domain(suffix)
    else:  # one label: no domain at all
        with pytest.raises(nz.ParseError, match="cannot read"):
            nz.parse_domain(suffix)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2024-03-01", dt.date(2024, 3, 1)),
        ("2024-03-01T17:05:00.000+0000", dt.date(2024, 3, 1)),
        ("2024-03-01T23:30:00Z", dt.date(2024, 3, 1)),
        ("2024-02-01 09:30", dt.date(2024, 2, 1)),
        ("2024/02/01", dt.date(2024, 2, 1)),
        ("3/1/2024", dt.date(2024, 3, 1)),  # US month first
        ("1/10/2026 21:52", dt.date(2026, 1, 10)),
        ("3/1/24 5:00 PM", dt.date(2024, 3, 1)),
        ("31/12/2024", dt.date(2024, 12, 31)),  # first number above 12: day first
        ("01.03.2024", dt.date(2024, 3, 1)),  # dots: day first
        ("1 Mar 2024", dt.date(2024, 3, 1)),
        ("01-Mar-2024", dt.date(2024, 3, 1)),
        ("March 1, 2024", dt.date(2024, 3, 1)),
        ("20240301", dt.date(2024, 3, 1)),
        ("1709312700000", dt.date(2024, 3, 1)),  # epoch milliseconds (HubSpot API)
    ],
)
def test_dates(text: str, date: dt.date) -> None:
    assert nz.parse_date(text) == date


def test_dates_day_first_option() -> None:
    assert nz.parse_date("3/1/2024", day_first=True) == dt.date(2024, 1, 3)


@pytest.mark.parametrize("text", ["2024-02-30", "13/13/2024", "yesterday", "0001-01-01"])
def test_dates_unreadable(text: str) -> None:
    with pytest.raises(nz.ParseError):
        nz.parse_date(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("False", False),
        ("yes", True),
        ("no", False),
        ("1", True),
        ("0", False),
        ("Y", True),
        ("n", False),
    ],
)
def test_bool(text: str, value: bool) -> None:
    assert nz.parse_bool(text) is value


def test_bool_unreadable() -> None:
    with pytest.raises(nz.ParseError, match='"maybe" as true/false'):
        nz.parse_bool("maybe")


def test_lists() -> None:
    assert nz.parse_list(" Salesforce; HubSpot , salesforce;; Slack ") == [
        "Salesforce",
        "HubSpot",
        "Slack",
    ]
    assert nz.parse_list("['React', 'AWS']") == ["React", "AWS"]
    assert nz.parse_list(";") == []


@pytest.mark.parametrize(
    ("label", "industry"),
    [
        ("Computer Software", "Software"),
        ("COMPUTER_SOFTWARE", "Software"),
        ("SaaS", "Software"),
        ("Information Technology and Services", "Software"),
        ("Information Technology & Services", "Software"),
        ("INFORMATION_TECHNOLOGY_AND_SERVICES", "Software"),
        ("Technology", "Software"),
        ("technolgy", "Software"),  # Maven's typo
        ("Cloud security software", "Software"),
        ("Banking", "Financial Services"),
        ("Financial services", "Financial Services"),
        ("Insurance", "Financial Services"),
        ("Fintech", "Financial Services"),
        ("Hospital & Health Care", "Healthcare"),
        ("Medical technology", "Healthcare"),
        ("Biotechnology", "Healthcare"),
        ("Machinery", "Manufacturing"),
        ("Retail", "Retail & E-commerce"),
        ("Management Consulting", "Professional Services"),
        ("Telecommunications", "Telecommunications"),
        ("Higher Education", "Education"),
        ("Government Administration", "Government"),
        ("Oil & Energy", "Energy & Utilities"),
        ("Logistics and Supply Chain", "Transportation & Logistics"),
        ("Real Estate", "Real Estate & Construction"),
        ("Hospitality", "Hospitality"),
        ("Not For Profit", "Nonprofit"),
        ("Entertainment", "Media & Entertainment"),
        ("Other", "Other"),
    ],
)
def test_industry(label: str, industry: str) -> None:
    assert nz.match_industry(label) == industry
    assert industry in schema.INDUSTRIES


def test_industry_unknown_is_other() -> None:
    assert nz.match_industry("Widgets") is None
    assert nz.parse_industry("Widgets") == "Other"


def test_salesforce_industry_picklist_all_mapped() -> None:
    text = (
        "Agriculture, Apparel, Banking, Biotechnology, Chemicals, Communications, Construction, "
        "Consulting, Education, Electronics, Energy, Engineering, Entertainment, Environmental, "
        "Finance, Food & Beverage, Government, Healthcare, Hospitality, Insurance, Machinery, "
        "Manufacturing, Media, Not For Profit, Recreation, Retail, Shipping, Technology, "
        "Telecommunications, Transportation, Utilities, Other"
    )
    picklist = [label.strip() for label in text.split(",")]
    assert len(picklist) == 32
    assert all(nz.match_industry(label) in schema.INDUSTRIES for label in picklist)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Series A", "series_a"),
        ("series_a", "series_a"),
        ("Series B funding round", "series_b"),
        ("Seed", "seed"),
        ("Pre-Seed", "pre_seed"),
        ("Angel", "pre_seed"),
        ("IPO", "public"),
        ("Public", "public"),
        ("post_ipo_equity", "public"),
        ("Series D", "series_d_plus"),
        ("Series E", "series_d_plus"),
        ("series_j", "series_d_plus"),
        ("Bootstrapped", "bootstrapped"),
        ("Private Equity", "private_equity"),
        ("series_d_plus", "series_d_plus"),
    ],
)
def test_funding_stage(text: str, stage: str) -> None:
    assert nz.parse_funding_stage(text) == stage
    assert stage in schema.FUNDING_STAGES


@pytest.mark.parametrize("text", ["Debt Financing", "series_unknown", "Grant"])
def test_funding_stage_unknown(text: str) -> None:
    with pytest.raises(nz.ParseError, match="not a known funding stage"):
        nz.parse_funding_stage(text)


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("Closed Won", "won"),
        ("closedwon", "won"),
        ("CLOSED_WON", "won"),
        ("Won", "won"),
        ("Closed Lost", "lost"),
        ("closedlost", "lost"),
        ("Lost", "lost"),
        ("Prospecting", "open"),
        ("Negotiation/Review", "open"),
    ],
)
def test_outcome_from_stage(text: str, outcome: str) -> None:
    assert nz.parse_outcome(text) == outcome


def test_outcome_with_the_organisations_own_stage_names() -> None:
    extra = {"won": ["Signed"], "lost": ["Dead", "No decision"]}
    assert nz.parse_outcome("signed", extra) == "won"
    assert nz.parse_outcome("No Decision", extra) == "lost"
    assert nz.parse_outcome("Demo", extra) == "open"


def test_names() -> None:
    assert nz.header_key("Number of Employees") == nz.header_key("number_of_employees")
    assert nz.header_key("Country/Region") == "countryregion"
    assert nz.snake_case("Headcount (LinkedIn)") == "headcount_linkedin"
    assert nz.snake_case("NumberOfEmployees") == "number_of_employees"
    assert nz.snake_case("2024 Revenue") == "col_2024_revenue"
    assert nz.snake_case("Société Générale") == "societe_generale"
    assert nz.company_name_key("ACME, Inc.") == "acme"
    assert nz.company_name_key("The Acme Company") == "acme"
    assert nz.company_name_key("The Company") == "the company"


def test_plain_numbers() -> None:
    assert nz.is_plain_integer("1,200") and nz.is_plain_integer("12.0")
    assert not nz.is_plain_integer("51-200") and not nz.is_plain_integer("1.5")
    assert nz.is_plain_number("-3.5") and not nz.is_plain_number("$3")
    assert nz.parse_decimal("3,5") == 3.5
    assert nz.parse_decimal("20,000") == 20000
    assert nz.parse_year("2015.0") == 2015
    assert nz.parse_year("2015-06-01") == 2015
