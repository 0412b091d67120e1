"""Attribute profiles for every outcome the data supports, not only the win rate.

A company that signs fast but churns in a year is not an ideal customer. Each outcome is
measured on the rows that carry it:

- **win**: closed deals, won or lost;
- **cycle**: won deals with a creation and a close date, days from one to the other (shorter is
  better);
- **deal size**: won deals with an amount (larger is better);
- **retention**: customers observed for at least a year (or who churned before), stayed or not;
- **expansion**: the same customers, whose revenue now is more than 110% of their starting
  revenue (net revenue retention above 110%; a churned customer did not expand);
- **lifetime value**: the same customers, revenue to date (the mean of starting and current
  revenue, times the years as a customer).

Every attribute is binned against each outcome on its own (a size band that wins need not be
the one that stays), every rate comes with a Wilson interval and a rate shrunk toward the
overall rate, every median with the exact order-statistic interval, and each bin is tested
against the rest: a yes/no outcome (win, retention, expansion) as the segment search tests a
condition (one test per column, then its bins: see
:class:`icpkit.discover.single_conditions.SingleConditions`), a number with a weighted Holm
correction over every bin the binning could have produced for that outcome (the bins were
placed by looking at it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from icpkit.conditions import Condition, matches, read_column, to_text_column
from icpkit.discover.binning import AttributeBinner, Candidate
from icpkit.discover.single_conditions import bin_verdicts, bin_weights
from icpkit.stats import (
    median_interval,
    proportion_test,
    shrunk_rate,
    weighted_holm,
    wilson_interval,
)

ALPHA = 0.05
MIN_ROWS = 20  # fewer rows than this and an outcome is not profiled
MIN_EACH = 5  # a yes/no outcome needs at least this many of each
EXPANSION_NRR = 1.10
OBSERVED_DAYS = 365  # a customer needs a year to have had the chance to churn or expand


@dataclass
class Outcome:
    """One outcome measured on its rows: the company attributes of each row and its value."""

    name: str  # win, cycle, deal_size, retention, expansion, lifetime_value
    label: str
    kind: str  # "rate" (values 1/0) or "median" (values are numbers)
    better: str  # "higher" or "lower"
    population: str  # the rows, in words
    frame: pd.DataFrame = field(repr=False)
    values: np.ndarray = field(repr=False)
    unit: str = ""
    _columns: dict = field(default_factory=dict, repr=False)

    @property
    def rows(self) -> int:
        return len(self.values)

    def mask(self, column: str, kind: str, condition: Condition) -> np.ndarray:
        """The rows a condition holds for, as :func:`icpkit.conditions.matches` reads it.

        Columns are read once and kept (many conditions share one); a list of values is
        looked up on category codes, or per listed item, rather than row by row."""
        key = (column, kind)
        if condition.values is None or condition.missing or condition.other or kind == "boolean":
            return matches(self._read(key), kind, condition)
        wanted = {str(v).strip().casefold() for v in condition.values}
        if kind == "list":
            return np.logical_or.reduce(
                [self._has_item(key, item) for item in sorted(wanted)]
                + [np.zeros(self.rows, dtype=bool)]
            )
        if kind != "category" or column not in self.frame.columns:
            return matches(self._read(key), kind, condition)
        codes_key = (*key, "codes")
        if codes_key not in self._columns:
            text = to_text_column(self.frame[column])
            self._columns[codes_key] = pd.factorize(text, use_na_sentinel=True)
        codes, uniques = self._columns[codes_key]
        hits = [i for i, value in enumerate(uniques) if value in wanted]
        return np.isin(codes, hits)

    def _read(self, key: tuple) -> pd.Series:
        if key not in self._columns:
            self._columns[key] = read_column(self.frame, *key)
        return self._columns[key]

    def _has_item(self, key: tuple, item: str) -> np.ndarray:
        """Rows whose list holds ``item``: every list is exploded once per column."""
        exploded_key = (*key, "exploded")
        if exploded_key not in self._columns:
            lists = self._read(key).reset_index(drop=True).explode()
            self._columns[exploded_key] = (
                lists.index.to_numpy(),
                lists.to_numpy(dtype=object),
            )
        rows, items = self._columns[exploded_key]
        has = np.zeros(self.rows, dtype=bool)
        has[rows[items == item]] = True
        return has

    def overall(self) -> dict:
        if self.kind == "rate":
            k, n = int(self.values.sum()), self.rows
            return {"rows": n, "count": k, "rate": k / n, "ci": list(wilson_interval(k, n))}
        low, high = median_interval(self.values)
        return {"rows": self.rows, "median": float(np.median(self.values)), "ci": [low, high]}

    def effect(self, inside: np.ndarray) -> dict:
        """The rows inside against the rest: the outcome in each, the test, which way it goes."""
        inside = np.asarray(inside, dtype=bool)
        n_in, n_out = int(inside.sum()), int((~inside).sum())
        if self.kind == "rate":
            return self._rate_effect(inside, n_in, n_out)
        return self._median_effect(inside, n_in, n_out)

    def _rate_effect(self, inside: np.ndarray, n_in: int, n_out: int) -> dict:
        y = self.values
        k_in, k_out = int(y[inside].sum()), int(y[~inside].sum())
        rate_in = k_in / n_in if n_in else math.nan
        rate_out = k_out / n_out if n_out else math.nan
        overall = (k_in + k_out) / self.rows
        p = proportion_test(k_in, n_in, k_out, n_out) if n_in and n_out else 1.0
        return {
            "rows": n_in,
            "count": k_in,
            "rate": rate_in,
            "ci": list(wilson_interval(k_in, n_in)),
            "shrunk_rate": float(shrunk_rate(k_in, n_in, overall)),
            "rest_rows": n_out,
            "rest_count": k_out,
            "rest_rate": rate_out,
            "lift": rate_in / overall if overall else None,
            "p_value": p,
            "direction": self._direction(rate_in, rate_out),
        }

    def _median_effect(self, inside: np.ndarray, n_in: int, n_out: int) -> dict:
        x = self.values
        typical = float(np.median(x))
        better = x < typical if self.better == "lower" else x > typical
        share = int(better[inside].sum())
        median_in = float(np.median(x[inside])) if n_in else math.nan
        median_out = float(np.median(x[~inside])) if n_out else math.nan
        p = self._mann_whitney(inside, n_in, n_out) if n_in and n_out else 1.0
        low, high = median_interval(x[inside])
        return {
            "rows": n_in,
            "median": median_in,
            "ci": [low, high],
            "rest_rows": n_out,
            "rest_median": median_out,
            "ratio": median_in / typical if typical else None,
            # The share of rows better than the overall median: a rate, so small groups can be
            # shown with an interval and shrunk toward the half of all rows that are.
            "share_better": share / n_in if n_in else math.nan,
            "share_better_ci": list(wilson_interval(share, n_in)),
            "shrunk_share_better": float(shrunk_rate(share, n_in, float(better.mean()))),
            "p_value": p,
            "direction": self._direction(median_in, median_out),
        }

    def _mann_whitney(self, inside: np.ndarray, n_in: int, n_out: int) -> float:
        """Two-sided Mann-Whitney p-value, as scipy's (normal approximation with tie and
        continuity corrections; exact for tiny groups), on ranks computed once per outcome:
        the cross-check runs it hundreds of times on the same values."""
        if min(n_in, n_out) <= 8:
            x = self.values
            return float(sps.mannwhitneyu(x[inside], x[~inside], alternative="two-sided").pvalue)
        if "ranks" not in self._columns:
            ranks = sps.rankdata(self.values)
            _, ties = np.unique(self.values, return_counts=True)
            n = self.rows
            self._columns["ranks"] = (ranks, float((ties**3 - ties).sum()) / (n * (n - 1)))
        ranks, tie_term = self._columns["ranks"]
        u = float(ranks[inside].sum()) - n_in * (n_in + 1) / 2
        mean = n_in * n_out / 2
        sd = math.sqrt(n_in * n_out / 12 * ((self.rows + 1) - tie_term))
        if sd == 0:
            return 1.0
        z = (abs(u - mean) - 0.5) / sd
        return float(min(1.0, 2 * sps.norm.sf(max(z, 0.0))))

    def _direction(self, inside: float, rest: float) -> str:
        if not (math.isfinite(inside) and math.isfinite(rest)) or inside == rest:
            return "same"
        higher = inside > rest
        return "better" if higher == (self.better == "higher") else "worse"


# ---- the rows each outcome is measured on -----------------------------------------------------


def outcome_tables(
    labelled: pd.DataFrame,
    attribute_columns: list[str],
    customers: pd.DataFrame | None = None,
) -> tuple[list[Outcome], list[dict]]:
    """The outcomes the data supports, and the ones it does not, with the reason.

    ``labelled`` has one row per closed deal with ``won``, ``cycle_days``, ``amount`` and the
    company attributes named in ``attribute_columns`` (build_icp's join); ``customers`` is the
    canonical customers table (account_id, start, end, churned, arr_start, arr), optional.
    """
    outcomes: list[Outcome] = []
    skipped: list[dict] = []
    columns = [c for c in attribute_columns if c in labelled.columns]
    won = labelled["won"].to_numpy(dtype=int)
    _add(
        outcomes,
        skipped,
        "win",
        "Win rate",
        "rate",
        "higher",
        "closed deals",
        labelled[columns],
        won,
    )
    won_rows = labelled[won == 1]
    if "cycle_days" in won_rows.columns:
        cycle = pd.to_numeric(won_rows["cycle_days"], errors="coerce")
        ok = (cycle.notna() & (cycle >= 0)).to_numpy()
        _add(
            outcomes,
            skipped,
            "cycle",
            "Sales cycle",
            "median",
            "lower",
            "won deals with both dates",
            won_rows.loc[ok, columns],
            cycle[ok].to_numpy(float),
            unit="days",
        )
    if "amount" in won_rows.columns:
        amount = pd.to_numeric(won_rows["amount"], errors="coerce")
        ok = (amount.notna() & (amount > 0)).to_numpy()
        _add(
            outcomes,
            skipped,
            "deal_size",
            "Deal size",
            "median",
            "higher",
            "won deals with an amount",
            won_rows.loc[ok, columns],
            amount[ok].to_numpy(float),
            unit="USD",
        )
    if customers is None or customers.empty:
        for name in ("retention", "expansion", "lifetime_value"):
            skipped.append({"outcome": name, "reason": "no customers table"})
        return outcomes, skipped
    accounts = labelled.drop_duplicates("account_id").set_index("account_id")[columns]
    _customer_outcomes(outcomes, skipped, customers, accounts, labelled)
    return outcomes, skipped


def _add(outcomes, skipped, name, label, kind, better, population, frame, values, unit=""):
    values = np.asarray(values)
    reason = _too_little(kind, values)
    if reason:
        skipped.append({"outcome": name, "reason": f"{reason} ({population})"})
        return
    outcomes.append(
        Outcome(name, label, kind, better, population, frame.reset_index(drop=True), values, unit)
    )


def _too_little(kind: str, values: np.ndarray) -> str:
    if len(values) < MIN_ROWS:
        return f"only {len(values)} rows; {MIN_ROWS} needed"
    if kind == "rate":
        yes = int(values.sum())
        if min(yes, len(values) - yes) < MIN_EACH:
            return f"{yes} yes and {len(values) - yes} no; {MIN_EACH} of each needed"
    elif np.ptp(values) == 0:
        return "every row has the same value"
    return ""


def _one_row_per_customer(customers: pd.DataFrame) -> pd.DataFrame:
    """Several rows for one account (renewals) become one: first start, last end and revenue,
    churned if the latest row says so."""
    frame = customers.copy()
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame.get(column), errors="coerce")
    if "churned" in frame.columns:
        churned = frame["churned"].map(_as_bool)
        frame["churned"] = churned.where(churned.notna(), frame["end"].notna())
    else:
        frame["churned"] = frame["end"].notna()
    for column in ("arr_start", "arr"):
        frame[column] = pd.to_numeric(frame.get(column), errors="coerce")
    frame = frame.sort_values(["account_id", "start"], kind="stable")
    return frame.groupby("account_id", sort=False).agg(
        start=("start", "min"),
        end=("end", "last"),
        churned=("churned", "last"),
        arr_start=("arr_start", "first"),
        arr=("arr", "last"),
    )


def _as_bool(value) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().casefold()
    if text in {"true", "yes", "y", "1", "1.0", "t"}:
        return True
    if text in {"false", "no", "n", "0", "0.0", "f"}:
        return False
    return None


def customer_table(customers: pd.DataFrame, labelled: pd.DataFrame) -> pd.DataFrame:
    """One row per customer account (index account_id) with ``start``, ``end``, ``churned``,
    ``arr_start``, ``arr``, ``years`` (as a customer, to churn or to the latest date in the
    data) and ``observed``: churned, or a customer for at least a year, long enough to have
    had the chance to churn or expand. Without start dates every customer counts as observed."""
    table = _one_row_per_customer(customers)
    dates = [table["start"].max(), table["end"].max()]
    if "decided_at" in labelled.columns:
        dates.append(pd.to_datetime(labelled["decided_at"], errors="coerce").max())
    as_of = max((d for d in dates if pd.notna(d)), default=pd.NaT)
    churned = table["churned"].astype(bool)
    table["churned"] = churned
    end = table["end"].where(churned, as_of)
    table["years"] = (end - table["start"]).dt.days / 365.25
    if pd.isna(as_of) or table["start"].isna().all():
        table["observed"] = True
    else:
        table["observed"] = churned | ((as_of - table["start"]).dt.days >= OBSERVED_DAYS)
    return table


def _customer_outcomes(outcomes, skipped, customers, accounts, labelled) -> None:
    table = customer_table(customers, labelled)
    table = table[table.index.isin(accounts.index)]
    observed = table[table["observed"]]
    population = "customers of at least a year (or churned)"
    if table["observed"].all():
        population = "customers"
    frame = accounts.loc[observed.index]
    churned = observed["churned"].to_numpy()
    _add(
        outcomes,
        skipped,
        "retention",
        "Retention",
        "rate",
        "higher",
        population,
        frame,
        (~churned).astype(int),
    )
    nrr = (observed["arr"] / observed["arr_start"]).to_numpy(dtype=float)
    has = np.isfinite(nrr) & (observed["arr_start"].to_numpy(dtype=float) > 0)
    expanded = (nrr > EXPANSION_NRR) & ~churned
    _add(
        outcomes,
        skipped,
        "expansion",
        "Expansion (NRR above 110%)",
        "rate",
        "higher",
        f"{population} with revenue at start and now",
        frame[has],
        expanded[has].astype(int),
    )
    value = lifetime_value(observed)
    has = np.isfinite(value) & (value >= 0)
    _add(
        outcomes,
        skipped,
        "lifetime_value",
        "Lifetime value to date",
        "median",
        "higher",
        f"{population} with dates and revenue",
        frame[has],
        value[has],
        unit="USD",
    )


def lifetime_value(table: pd.DataFrame) -> np.ndarray:
    """Revenue to date: the mean of starting and current revenue times the years as customer."""
    return ((table["arr_start"] + table["arr"]) / 2 * table["years"]).to_numpy(dtype=float)


# ---- profiles -------------------------------------------------------------------------------


@dataclass
class Finding:
    """A bin that differs from the rest on one outcome beyond chance (after Holm)."""

    outcome: str
    attribute: str
    column: str
    kind: str
    condition: Condition
    label: str
    direction: str  # "better" or "worse"
    p_adjusted: float


@dataclass
class OutcomeProfiles:
    outcomes: list[Outcome]
    skipped: list[dict]
    profiles: dict[str, list[dict]]  # outcome name -> attributes, each with its bins
    findings: list[Finding]

    def to_json(self) -> dict:
        return {
            "outcomes": [
                {
                    "outcome": o.name,
                    "label": o.label,
                    "kind": o.kind,
                    "better": o.better,
                    "unit": o.unit,
                    "population": o.population,
                    "overall": o.overall(),
                    "attributes": self.profiles[o.name],
                }
                for o in self.outcomes
            ],
            "skipped": self.skipped,
        }

    def outcome(self, name: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.name == name), None)


def profile_outcomes(
    outcomes: list[Outcome],
    skipped: list[dict] | None = None,
    win_candidates: list[Candidate] | None = None,
) -> OutcomeProfiles:
    """Bin every attribute against every outcome and measure each bin against the rest.

    ``win_candidates`` (optional) are bins already fitted on the win outcome's rows (the
    scorecard learner's), reused rather than binned again.
    """
    profiles: dict[str, list[dict]] = {}
    findings: list[Finding] = []
    for outcome in outcomes:
        candidates = win_candidates if outcome.name == "win" and win_candidates else None
        if candidates is None:
            candidates = AttributeBinner().fit(outcome.frame, _binning_target(outcome))
        profiles[outcome.name], found = _profile(outcome, candidates)
        findings += found
    return OutcomeProfiles(outcomes, list(skipped or []), profiles, findings)


def _binning_target(outcome: Outcome) -> np.ndarray:
    """Bins are placed where a yes/no target changes: the outcome itself, or for numbers,
    whether a row beats the overall median."""
    if outcome.kind == "rate":
        return outcome.values.astype(int)
    typical = np.median(outcome.values)
    better = outcome.values < typical if outcome.better == "lower" else outcome.values > typical
    return better.astype(int)


def _profile(outcome: Outcome, candidates: list[Candidate]) -> tuple[list[dict], list[Finding]]:
    attributes, rows, weights = [], [], []
    paired = zip(candidates, bin_weights(candidates, outcome.frame), strict=True)
    for cand, bin_weight in sorted(paired, key=lambda c: -c[0].iv):
        bins = []
        for j, label in enumerate(cand.labels):
            inside = cand.index == j
            if not inside.any():
                continue
            entry: dict[str, Any] = {
                "label": label,
                "condition": condition_json(cand.column, cand.conditions[j]),
            }
            entry |= outcome.effect(inside)
            bins.append(entry)
            rows.append((cand, j, entry))
            weights.append(bin_weight[j])
        attributes.append(
            {"attribute": cand.name, "column": cand.column, "kind": cand.kind, "bins": bins}
        )
    p_values = np.array([entry["p_value"] for _, _, entry in rows])
    findings = []
    adjusted: np.ndarray | list[float] = weighted_holm(p_values, np.array(weights)) if rows else []
    if rows and outcome.kind == "rate":
        # A yes/no outcome is corrected as the segment search corrects a condition (one test
        # per column, then its bins), so the win profile reads as segments.json does.
        verdicts = bin_verdicts(candidates, outcome.values.astype(int))
        position = {id(cand): i for i, cand in enumerate(candidates)}
        adjusted = [
            max(float(verdicts[position[id(cand)]][j]), entry["p_value"]) for cand, j, entry in rows
        ]
    for (cand, j, entry), p in zip(rows, adjusted, strict=True):
        entry["p_adjusted"] = float(p)
        entry["significant"] = bool(p < ALPHA and entry["direction"] != "same")
        condition = cand.conditions[j]
        if entry["significant"] and not condition.other:
            findings.append(
                Finding(
                    outcome.name,
                    cand.name,
                    cand.column,
                    cand.kind,
                    condition,
                    cand.labels[j],
                    entry["direction"],
                    float(p),
                )
            )
    return attributes, findings


def condition_json(column: str, condition: Condition) -> dict:
    """A condition as segments.json writes one: values, or min and max (inclusive)."""
    out: dict = {"attribute": column}
    if condition.missing:
        return out | {"missing": True}
    if condition.other:
        return out | {"other": True}
    if condition.values is not None:
        return out | {"values": list(condition.values)}
    if condition.min is not None:
        out["min"] = condition.min
    if condition.max is not None:
        out["max"] = condition.max
    if condition.less_than is not None:
        integral = all(
            x is None or float(x).is_integer() for x in (condition.min, condition.less_than)
        )
        if integral:
            out["max"] = condition.less_than - 1
        else:
            out["max"] = condition.less_than
            out["max_exclusive"] = True
    return out
