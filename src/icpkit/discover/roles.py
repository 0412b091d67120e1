"""What each column is, decided from the labelled deals before anything is learned.

Every column gets one role, with a one-line reason a person can check:

- ``company``: who the company is (size, industry, growth). Only these may enter the
  scorecard, the segment search and the profiles of the ICP.
- ``deal``: how one deal went or the relationship behind it (lead source, competitor present,
  RFP, new or existing client). Profiled apart as qualification insights, never a disqualifier.
- ``engagement``: how the company behaved towards you (visits, page views, opens, activities).
  It belongs to the timing score, never to fit.
- ``id``: tells rows apart and nothing else (unique per row, a row number, named like one).
- ``constant``: one value, or one value in more than 99.5% of rows.
- ``leak``: known only once the outcome is: filled for one outcome and blank for the other,
  separating won from lost almost perfectly on its own, or dated after the decision.
- ``text``: free text (mostly different, long values).

The last four never reach the learner. Names decide between company, deal and engagement (the
words are in ``column_words.toml``, a data file to extend); the data decide the rest. A user
can overrule any role (``icpkit build --role COLUMN=ROLE`` or ``[roles]`` in the mapping file).
"""

from __future__ import annotations

import re
import tomllib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from icpkit.errors import IcpkitError
from icpkit.ingest.normalise import header_key
from icpkit.schema import ACCOUNTS
from icpkit.stats import auc, proportion_test

# What the ICP may be made of first, then what is left out of it.
ROLES = ("company", "deal", "engagement", "leak", "id", "constant", "text")

CONSTANT_SHARE = 0.995  # one value in more than this share of rows: a constant
LEAK_BLANK_SHARE = 0.98  # blank for at least this share of one outcome...
LEAK_FILLED_SHARE = 0.5  # ...and filled for at least this share of the other: a leak
LEAK_ONLY_FILLED = 30  # or filled for this many of the other, 20x as often, and nearly never
LEAK_ONLY_RATIO = 20  # for the first
LEAK_P_VALUE = 1e-6  # the fill pattern must be this far beyond chance
LEAK_AUC = 0.97  # one column alone separating won from lost this well: a leak
LEAK_MIN_DEALS = 30  # ... judged only with this many deals of the rarer outcome
LEAK_MIN_SHARE = 0.01  # ... and when the rarer outcome is at least this share of deals
LEAK_DATE_SHARE = 0.9  # dated on or after the close for this share of deals: a leak
AUC_BINS = 20  # numbers are cut into this many equal-count bins to judge their separation
ID_UNIQUE_SHARE = 0.99  # a different value in at least this share of filled rows
ID_NUMBER_UNIQUE_SHARE = 0.9  # the same, for a column named like a number (lead_number)
MIN_ROWS = 20  # fewer filled rows than this: too few to judge an id from the values
TEXT_UNIQUE_SHARE = 0.5  # free text: at least this share of values differ...
TEXT_LENGTH = 30  # ...and they are this many characters long (median)...
TEXT_WORDS = 4  # ...or this many words long (median)


@dataclass(frozen=True)
class ColumnRole:
    """One column's role and why; ``overridden`` when the user set it."""

    column: str
    role: str
    reason: str
    overridden: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "role": self.role,
            "reason": self.reason,
            "overridden": self.overridden,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ColumnRole:
        return cls(
            str(data["column"]),
            str(data["role"]),
            str(data.get("reason", "")),
            bool(data.get("overridden", False)),
        )


@dataclass
class ColumnRoles:
    """The role of every column of one build, in the columns' order."""

    columns: list[ColumnRole] = field(default_factory=list)

    def of(self, *roles: str) -> list[str]:
        """The columns with any of ``roles``, in column order."""
        return [c.column for c in self.columns if c.role in roles]

    def __getitem__(self, column: str) -> ColumnRole:
        for item in self.columns:
            if item.column == column:
                return item
        raise KeyError(column)

    @property
    def leaks(self) -> list[ColumnRole]:
        return [c for c in self.columns if c.role == "leak"]

    def by_role(self) -> dict[str, list[str]]:
        """``{role: [columns]}`` for every role (empty lists included)."""
        return {role: self.of(role) for role in ROLES}

    def to_json(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in self.columns]

    @classmethod
    def from_json(cls, data: Iterable[Mapping[str, Any]]) -> ColumnRoles:
        return cls([ColumnRole.from_json(item) for item in data])


def decide_roles(
    frame: pd.DataFrame,
    won: np.ndarray,
    *,
    decided_at: pd.Series | None = None,
    deal: Iterable[str] = (),
    account_ids: pd.Series | None = None,
    overrides: Mapping[str, str] | None = None,
) -> ColumnRoles:
    """The role of every column of ``frame`` (one row per closed deal, ``won`` 1 or 0).

    ``decided_at`` (optional, one close date per row) lets a date recorded after the decision
    be caught; columns named in ``deal`` come from the deals table (deal attributes unless the
    data say otherwise). ``account_ids`` (optional, the account of each row): an account with
    several deals repeats its attributes, so whether a column tells accounts apart (an id) is
    judged on one row per account. ``overrides`` maps a column (its name, or a header that
    matches it ignoring case and punctuation) to the role the user wants; a name that matches
    no column or a role that does not exist is an :class:`IcpkitError`.
    """
    y = np.asarray(won, dtype=int)
    if len(y) != len(frame):
        raise ValueError("frame and outcomes differ in length")
    from_deals = set(deal)
    dates = None
    if decided_at is not None:
        dates = _naive_dates(pd.Series(decided_at).reset_index(drop=True))
        dates = dates if dates.notna().any() else None
    accounts = _Accounts.of(account_ids, y)
    wanted = _resolve(overrides or {}, list(frame.columns))
    roles = []
    for column in frame.columns:
        series = frame[column].reset_index(drop=True)
        own = None if column in from_deals else accounts
        role, reason = _guess(str(column), series, y, dates, column in from_deals, own)
        if column in wanted:
            roles.append(_overridden(column, wanted[column], role, reason, column in from_deals))
        else:
            roles.append(ColumnRole(column, role, reason))
    return ColumnRoles(roles)


def parse_role_options(options: Sequence[str]) -> dict[str, str]:
    """``["lead_no=id", "Client=company"]`` -> ``{"lead_no": "id", "Client": "company"}``."""
    out = {}
    for option in options:
        column, sep, role = option.rpartition("=")
        if not sep or not column.strip():
            raise IcpkitError(f"--role {option!r}: write it as COLUMN=ROLE, e.g. lead_no=id")
        out[column.strip()] = check_role(role, f"--role {option}")
    return out


def check_role(role: Any, where: str) -> str:
    """``role`` in lower case if it is one of :data:`ROLES`, else a one-line error."""
    text = str(role).strip().lower()
    if text not in ROLES:
        raise IcpkitError(f"{where}: {role!r} is not a role (one of {', '.join(ROLES)})")
    return text


# ---- the guess for one column ------------------------------------------------------------


def _guess(
    column: str,
    series: pd.Series,
    y: np.ndarray,
    dates: pd.Series | None,
    from_deals: bool,
    accounts: _Accounts | None,
) -> tuple[str, str]:
    listed = _is_list_column(series)
    codes, uniques, numbers = _encode(series.map(_joined) if listed else series)
    filled = codes >= 0
    n = len(codes)
    if not filled.any():
        return "constant", "blank in every row"
    if column in FIXED_ROLES and not from_deals:
        return FIXED_ROLES[column]
    leak = _fill_leak(filled, y) or _date_leak(series, filled, dates, column)
    if leak:
        return "leak", leak
    if not listed:  # a set of values per row (technologies) is neither text nor an id
        found = _identity(column, series, codes, uniques, numbers, accounts)
        if found:
            return found
    leak = _separation_leak(codes, numbers, y, accounts)
    if leak:
        return "leak", leak
    constant = _constant(codes, uniques, n, listed=listed)
    return ("constant", constant) if constant else _kind(column, from_deals)


def _identity(
    column: str,
    series: pd.Series,
    codes: np.ndarray,
    uniques: np.ndarray,
    numbers: np.ndarray | None,
    accounts: _Accounts | None,
) -> tuple[str, str] | None:
    """An id or free text, judged on one row per account when accounts have several deals
    (an account repeats its attributes on each of its deals)."""
    unit = "row"
    if accounts is not None:
        series, unit = series[accounts.first].reset_index(drop=True), "account"
        codes, uniques, numbers = _encode(series)
    n_filled = int((codes >= 0).sum())
    for role, reason in (
        ("id", _identifier(column, codes, uniques, numbers, n_filled, unit)),
        ("text", _free_text(series, uniques, numbers, n_filled, unit)),
        ("id", _unique_labels(uniques, numbers, n_filled, unit)),
    ):
        if reason:
            return role, reason
    return None


def _encode(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Codes per row (-1 = blank), the distinct values, and the values as numbers when the
    column holds numbers. Empty or blank text is blank."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        codes, uniques = pd.factorize(numbers, use_na_sentinel=True)
        return codes, np.asarray(uniques), numbers
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    if len(uniques) and isinstance(uniques[0], str):
        keep = ~pd.Series(uniques, dtype=object).str.strip().eq("").to_numpy()
        if not keep.all():
            remap = np.append(np.where(keep, np.cumsum(keep) - 1, -1), -1)  # code -1 stays -1
            codes, uniques = remap[codes], uniques[keep]
    return codes, uniques, None


def _fill_leak(filled: np.ndarray, y: np.ndarray) -> str | None:
    """Blank for (nearly) every deal of one outcome and filled for most of the other, or for
    many of the other and hardly ever the first: the field is filled in once the outcome is
    known (a won date, a lost reason, a field only customers get)."""
    won = y == 1
    count = {"won": int(won.sum()), "lost": int((~won).sum())}
    have = {"won": int(filled[won].sum()), "lost": int(filled[~won].sum())}
    for blank_side, filled_side in (("lost", "won"), ("won", "lost")):
        n_a, f_a = count[blank_side], have[blank_side]
        n_b, f_b = count[filled_side], have[filled_side]
        if n_a == 0 or n_b == 0 or f_a > (1 - LEAK_BLANK_SHARE) * n_a:
            continue
        mostly = f_b >= LEAK_FILLED_SHARE * n_b
        only = f_b >= LEAK_ONLY_FILLED and f_b / n_b >= LEAK_ONLY_RATIO * f_a / n_a
        if (mostly or only) and proportion_test(f_b, n_b, f_a, n_a) < LEAK_P_VALUE:
            return (
                f"filled for {f_b:,} of {n_b:,} {filled_side}, {f_a:,} of {n_a:,} {blank_side}: "
                "known only after the outcome"
            )
    return None


def _date_leak(
    series: pd.Series, filled: np.ndarray, dates: pd.Series | None, column: str
) -> str | None:
    """A date on or after the deal's close for nearly every deal: recorded after the decision."""
    if dates is None:
        return None
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series
    elif _DATE_WORDS & _words(column) and not pd.api.types.is_numeric_dtype(series):
        values = _as_dates(series)
        if values is None:
            return None
    else:
        return None
    values = _naive_dates(values)
    both = (values.notna() & dates.notna()).to_numpy() & filled
    if both.sum() < MIN_ROWS:
        return None
    after = (values.dt.normalize() >= dates.dt.normalize()).to_numpy()[both]
    if after.mean() < LEAK_DATE_SHARE:
        return None
    return (
        f"dated on or after the close for {int(after.sum()):,} of {len(after):,} deals: "
        "recorded after the decision"
    )


def _separation_leak(
    codes: np.ndarray, numbers: np.ndarray | None, y: np.ndarray, accounts: _Accounts | None
) -> str | None:
    """Separates won from lost almost perfectly on its own. Each row is scored by the win rate
    of its value among the *other* rows (leave-one-out; leaving out the row's whole account
    when accounts have several deals), so a value seen once, an id, cannot look perfect;
    numbers are cut into equal-count bins first."""
    n_won = int(y.sum())
    n_lost = len(y) - n_won
    rarer = min(n_won, n_lost)
    if rarer < LEAK_MIN_DEALS or rarer < LEAK_MIN_SHARE * len(y):
        return None
    groups = _bins(numbers) if numbers is not None else codes
    groups = np.where(groups < 0, groups.max() + 1, groups)  # blank is a value of its own
    rows = np.bincount(groups)
    wins = np.bincount(groups, weights=y)
    base = n_won / len(y)
    own_rows, own_wins = (1, y) if accounts is None else (accounts.rows, accounts.wins)
    score = (wins[groups] - own_wins + base) / (rows[groups] - own_rows + 1)  # +1 at the base
    separation = auc(y, score)
    if not separation >= LEAK_AUC:
        return None
    return (
        f"tells won from lost almost perfectly on its own (AUC {separation:.2f} over "
        f"{n_won:,} won and {n_lost:,} lost): likely recorded once the outcome was known"
    )


def _naive_dates(values: pd.Series) -> pd.Series:
    """Dates without a time zone (in UTC when they had one), comparable with any other."""
    values = pd.to_datetime(values, errors="coerce", utc=True)
    return values.dt.tz_localize(None)


def _as_dates(series: pd.Series) -> pd.Series | None:
    """Text that reads as dates (nine in ten of a sample do), as dates; else None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "could not infer format": parsed one by one, fine
        sample = series.dropna().head(200)
        if pd.to_datetime(sample, errors="coerce").notna().mean() < LEAK_DATE_SHARE:
            return None
        return pd.to_datetime(series, errors="coerce")


def _bins(numbers: np.ndarray) -> np.ndarray:
    present = ~np.isnan(numbers)
    if not present.any():
        return np.full(len(numbers), -1)
    edges = np.unique(np.quantile(numbers[present], np.linspace(0, 1, AUC_BINS + 1)[1:-1]))
    return np.where(present, np.searchsorted(edges, numbers, side="right"), -1)


def _identifier(
    column: str,
    codes: np.ndarray,
    uniques: np.ndarray,
    numbers: np.ndarray | None,
    n_filled: int,
    unit: str,
) -> str | None:
    """Named like an identifier, or whole numbers that number the rows (or accounts)."""
    words = _name_parts(column)
    lexicon = _lexicon()["id"]
    distinct = len(uniques)
    every = f", a different value for each of its {n_filled:,} filled {unit}s"
    if header_key(column) in lexicon["names"] or (words and words[-1] in lexicon["last"]):
        return "named like an identifier" + (every if distinct == n_filled else "")
    if n_filled < MIN_ROWS:
        return None
    if words and words[-1] in lexicon["numbers"] and distinct >= ID_NUMBER_UNIQUE_SHARE * n_filled:
        return f"named like a number, with {distinct:,} different values in {n_filled:,} {unit}s"
    if numbers is None or distinct < ID_UNIQUE_SHARE * n_filled:
        return None
    values = numbers[codes >= 0]
    if not np.array_equal(values, np.round(values)):
        return None
    low, high = values.min(), values.max()
    density = distinct / (high - low + 1)
    # A row number fills most of its range; n values drawn from a range n/0.2 wide would all
    # differ by chance only when n is small, hence the row counts.
    if density >= 0.9 or (density >= 0.2 and n_filled >= 50):
        return (
            f"whole numbers from {low:,.0f} to {high:,.0f}, a different one for each {unit}: "
            "a row or record number"
        )
    steps = np.diff(values)
    rising, falling = (steps > 0).mean(), (steps < 0).mean()
    if density >= 0.01 and n_filled >= 50 and max(rising, falling) >= 0.98:
        direction = "rising" if rising > falling else "falling"
        return (
            f"a different whole number for each {unit}, {direction} with the row order: "
            "a record number"
        )
    return None


def _free_text(
    series: pd.Series, uniques: np.ndarray, numbers: np.ndarray | None, n_filled: int, unit: str
) -> str | None:
    if numbers is not None or pd.api.types.is_bool_dtype(series) or len(uniques) < 5:
        return None
    if len(uniques) < TEXT_UNIQUE_SHARE * n_filled:
        return None
    sample = pd.Series(uniques[:2000], dtype=object).astype(str)
    length = sample.str.len()
    words = sample.str.split().str.len()
    if length.median() < TEXT_LENGTH and words.median() < TEXT_WORDS:
        return None
    return (
        f"free text: {len(uniques):,} different values in {n_filled:,} {unit}s, "
        f"{length.mean():.0f} characters long on average"
    )


def _unique_labels(
    uniques: np.ndarray, numbers: np.ndarray | None, n_filled: int, unit: str
) -> str | None:
    if numbers is not None or n_filled < MIN_ROWS or len(uniques) < ID_UNIQUE_SHARE * n_filled:
        return None
    return f"a different value for {len(uniques):,} of {n_filled:,} filled {unit}s: an identifier"


def _constant(codes: np.ndarray, uniques: np.ndarray, n: int, listed: bool = False) -> str | None:
    counts = np.bincount(codes + 1, minlength=len(uniques) + 1)  # 0 = blank
    top = int(counts.argmax())
    share = counts[top] / n
    what = "blank" if top == 0 else f'"{_show(uniques[top - 1])}"'
    if share > CONSTANT_SHARE:
        if counts[top] == n:
            return f"{what} in every row"
        return f"{what} in {counts[top]:,} of {n:,} rows ({share:.1%})"
    if len(uniques) == 1 and not listed:
        # The learner needs two values to compare: one value and blanks is no attribute.
        return f'"{_show(uniques[0])}" in every filled row, blank in {counts[0]:,} of {n:,}'
    return None


# ---- company, deal or engagement: from the name -------------------------------------------


def _kind(column: str, from_deals: bool = False) -> tuple[str, str]:
    """'company', 'deal' or 'engagement' from the column's name, with the reason."""
    if column in ACCOUNTS and not from_deals:
        return "company", "a canonical company attribute"
    base, _, suffix = column.rpartition("_")
    if base in ACCOUNTS and suffix in ("raw", "currency") and not from_deals:
        what = "text" if suffix == "raw" else "currency"
        return "company", f"the file's own {what} of {base}, kept beside it (the card reads {base})"
    words = _words(column)
    lexicon = _lexicon()
    hit = words & lexicon["engagement"]
    if hit:
        return "engagement", f"named like engagement ({_word(hit)}): timing, not fit"
    hit = words & lexicon["deal"]
    if hit:
        return "deal", f"named like a deal attribute ({_word(hit)}): a qualification insight"
    if from_deals:
        return "deal", "a column of the deals table: a qualification insight"
    hit, company = words & lexicon["relationship"], words & lexicon["company"]
    if hit and not company:
        return (
            "deal",
            f"the relationship with you ({_word(hit)}), not who the company is: "
            "a qualification insight",
        )
    if company:
        return "company", f"describes the company ({_word(company)})"
    return "company", "describes the company (no deal or engagement word in its name)"


def _overridden(column: str, role: str, guess: str, reason: str, from_deals: bool) -> ColumnRole:
    if role == "company" and from_deals:
        raise IcpkitError(
            f'role for "{column}": a column of the deals table cannot be a company attribute '
            "(the scorecard scores companies); make it deal, engagement or leave it out"
        )
    if role == guess:
        return ColumnRole(column, role, f"set by you (icpkit agrees: {reason})", True)
    return ColumnRole(column, role, f"set by you (icpkit guessed {guess}: {reason})", True)


def _resolve(overrides: Mapping[str, str], columns: list[str]) -> dict[str, str]:
    """Overrides keyed by the frame's own column names; a header that matches a column ignoring
    case and punctuation (``Client`` for ``client``) counts."""
    by_key: dict[str, str] = {}
    for header in columns:
        by_key.setdefault(header_key(str(header)), header)
    out = {}
    for name, role in overrides.items():
        column = name if name in columns else by_key.get(header_key(name))
        if column is None:
            shown = ", ".join(str(c) for c in columns[:30])
            raise IcpkitError(f'role for "{name}": no such column (columns: {shown})')
        out[column] = check_role(role, f'role for "{name}"')
    return out


# ---- the name-only view, for callers without outcomes ------------------------------------


@dataclass
class AttributeKinds:
    company: list[str] = field(default_factory=list)
    deal: list[str] = field(default_factory=list)
    engagement: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, list[str]]:
        return {"company": self.company, "deal": self.deal, "engagement": self.engagement}


def kind_of(column: str) -> str:
    """'company', 'deal' or 'engagement', judged from the column name alone; the canonical
    account columns (funding_stage, employees, ...) are always company attributes."""
    return _kind(column)[0]


def classify_columns(
    columns: Iterable[str],
    *,
    company: Iterable[str] = (),
    deal: Iterable[str] = (),
) -> AttributeKinds:
    """Sort attribute columns by name alone (no outcomes needed; :func:`decide_roles` is the
    full judgement); names listed in ``company`` or ``deal`` override the guess."""
    forced_company, forced_deal = set(company), set(deal)
    kinds = AttributeKinds()
    for column in columns:
        if column in forced_company:
            kinds.company.append(column)
        elif column in forced_deal:
            kinds.deal.append(column)
        else:
            getattr(kinds, kind_of(column)).append(column)
    return kinds


# ---- helpers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Accounts:
    """Per row: whether it is its account's first, and its account's deals and wins."""

    first: np.ndarray
    rows: np.ndarray
    wins: np.ndarray

    @classmethod
    def of(cls, account_ids: pd.Series | None, y: np.ndarray) -> _Accounts | None:
        """None when every row is its own account (nothing to group)."""
        if account_ids is None:
            return None
        ids = pd.Series(account_ids).reset_index(drop=True)
        account, _ = pd.factorize(ids, use_na_sentinel=False)
        if len(np.unique(account)) == len(account):
            return None
        first = np.zeros(len(account), dtype=bool)
        first[np.unique(account, return_index=True)[1]] = True
        rows = np.bincount(account)[account]
        return cls(first, rows, np.bincount(account, weights=y)[account])


# The canonical columns that are never attributes (schema.NOT_ATTRIBUTES), with their reasons.
FIXED_ROLES = {
    "account_id": ("id", "the account's identifier"),
    "name": ("id", "the company's name: it tells companies apart, not which kind wins"),
    "domain": ("id", "the company's web domain: it tells companies apart, not which kind wins"),
    "website": ("id", "the company's website: it tells companies apart, not which kind wins"),
    "description": ("text", "free text describing the company"),
}
_DATE_WORDS = {"date", "at", "time", "day", "when", "timestamp"}


@cache
def _lexicon() -> dict[str, Any]:
    data = tomllib.loads(Path(__file__).with_name("column_words.toml").read_text("utf-8"))
    out: dict[str, Any] = {k: frozenset(data[k]["words"]) for k in data if "words" in data[k]}
    out["id"] = {k: frozenset(v) for k, v in data["id"].items()}
    return out


def _name_parts(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]


def _words(name: str) -> set[str]:
    """The words of a name, and runs of two and three of them joined ("time_on_site" gives
    time, on, site, timeon, onsite and timeonsite)."""
    parts = _name_parts(name)
    joined = {"".join(parts[i : i + k]) for k in (2, 3) for i in range(len(parts) - k + 1)}
    return set(parts) | joined


def _word(hit: set[str]) -> str:
    return max(sorted(hit), key=len)


def _is_list_column(series: pd.Series) -> bool:
    if series.dtype != object:
        return False
    sample = series.dropna().head(20)
    return bool(len(sample)) and bool(sample.map(_is_list).all())


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple | np.ndarray)


def _joined(value: Any) -> Any:
    if _is_list(value):
        return ";".join(sorted(str(v) for v in value)) or None
    return value


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"
