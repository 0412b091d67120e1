"""Value normalisers: one messy CRM string in, one canonical value out.

Every parser is a pure function of one non-blank, stripped string. It returns the parsed value
or raises :class:`ParseError` whose message is the reason, written for the user
(``cannot read "fifty" as a number of employees``). Blank handling, caching per unique value
and typing whole columns live in :mod:`icpkit.ingest.columns`; these functions never see pandas.
The vocabularies they read (industry labels, countries, currencies, ...) are data files, see
:mod:`icpkit.ingest.data_tables`.

One module per kind of value: :mod:`~.text` (blanks, headers, labels, booleans, lists),
:mod:`~.numbers` (numbers, bands, headcounts), :mod:`~.money`, :mod:`~.dates`,
:mod:`~.places` (countries, regions), :mod:`~.domains`, :mod:`~.labels` (industries, funding
stages, outcomes). The parsers are imported from here.

Choices worth knowing:

* **Bands → one integer.** A closed band ``lo-hi`` becomes the geometric mean
  ``round(sqrt(lo * hi))`` (``51-200`` → 101, ``1,001-5,000`` → 2,237): company sizes and
  revenues are spread on a log scale, so the geometric mean sits where a typical member of the
  band is, and it always lies inside the band. An open top ``N+`` / ``more than N`` becomes
  ``round(1.5 * N)`` (``1,000+`` → 1,500; ``10,001+`` → 15,002); an open bottom ``under N`` /
  ``<N`` becomes ``round(N / 2)``. The same rule serves employees and money.
* **Money** keeps its currency: nothing is converted (no exchange rates offline). ``$`` means
  USD. European decimal commas (``3,5 Mio``) are read when unambiguous; ``12.800`` alone is
  not, so a column decides (``decimal_comma=True``, see :mod:`icpkit.ingest.formats`).
* **Dates** are dates: a time and an offset are dropped (the date as written is kept, not
  shifted to UTC). ``3/1/2024`` is read in the order its column or file decided
  (``day_first``); alone it is US month-first unless its first number is above 12.
"""

from icpkit.ingest.normalise.dates import PLAUSIBLE_YEARS, parse_date
from icpkit.ingest.normalise.domains import parse_domain
from icpkit.ingest.normalise.labels import (
    LOST_VALUES,
    OPEN_VALUES,
    WON_VALUES,
    industry_keywords,
    industry_lookup,
    match_industry,
    outcome_key,
    parse_funding_stage,
    parse_industry,
    parse_outcome,
)
from icpkit.ingest.normalise.money import Money, parse_money
from icpkit.ingest.normalise.numbers import (
    DECIMAL_COMMA_HINT,
    MAX_AMOUNT,
    MAX_EMPLOYEES,
    Band,
    band_value,
    bounded,
    decimal_mark_evidence,
    is_plain_integer,
    is_plain_number,
    parse_band,
    parse_decimal,
    parse_employees,
    parse_int,
    parse_number,
    parse_year,
)
from icpkit.ingest.normalise.places import (
    country_exact,
    country_guess,
    country_lookup,
    country_name,
    parse_country,
    parse_region,
    place_key,
    region_of,
)
from icpkit.ingest.normalise.text import (
    BLANK_TOKENS,
    OutOfRange,
    ParseError,
    ascii_fold,
    company_name_key,
    header_key,
    is_blank,
    label_key,
    parse_bool,
    parse_list,
    show,
    snake_case,
)

__all__ = [
    "BLANK_TOKENS",
    "DECIMAL_COMMA_HINT",
    "LOST_VALUES",
    "MAX_AMOUNT",
    "MAX_EMPLOYEES",
    "OPEN_VALUES",
    "PLAUSIBLE_YEARS",
    "WON_VALUES",
    "Band",
    "Money",
    "OutOfRange",
    "ParseError",
    "ascii_fold",
    "band_value",
    "bounded",
    "company_name_key",
    "country_exact",
    "country_guess",
    "country_lookup",
    "country_name",
    "decimal_mark_evidence",
    "header_key",
    "industry_keywords",
    "industry_lookup",
    "is_blank",
    "is_plain_integer",
    "is_plain_number",
    "label_key",
    "match_industry",
    "outcome_key",
    "parse_band",
    "parse_bool",
    "parse_country",
    "parse_date",
    "parse_decimal",
    "parse_domain",
    "parse_employees",
    "parse_funding_stage",
    "parse_industry",
    "parse_int",
    "parse_list",
    "parse_money",
    "parse_number",
    "parse_outcome",
    "parse_region",
    "parse_year",
    "place_key",
    "region_of",
    "show",
    "snake_case",
]
