"""Bin every attribute of the accounts and measure how each bin wins.

The bins are found by optimal binning (optbinning) against won/lost: numeric ranges where the
data says the win rate changes, groups of categories that win alike, and one yes/no split per
common technology. Discovery profiles and segment search read these bins, and the scorecard
learner turns them into points.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from icpkit.conditions import Condition, describe_range, to_list, to_text
from icpkit.discover.ordinal import ordinal_order
from icpkit.schema import NOT_ATTRIBUTES

# cvxpy, pulled in by optbinning, logs a scary line when an optional solver it never needs here
# fails to load; users should not see it. (cvxpy resets the level on import, not `disabled`.)
logging.getLogger("__cvxpy__").disabled = True

PRIOR_ACCOUNTS = 10.0

UNITS = {"employees": "employees"}
NICE_NAMES = {
    "employees": "Employees",
    "annual_revenue": "Annual revenue",
    "industry": "Industry",
    "country": "Country",
    "region": "Region",
    "founded_year": "Founded",
    "funding_stage": "Funding stage",
    "total_funding": "Total funding",
}


@dataclass
class Candidate:
    """An attribute the learner may use, with its bins and how much they separate outcomes."""

    name: str
    column: str
    kind: str
    conditions: list[Condition]
    labels: list[str]
    unit: str = ""
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    wins: np.ndarray = field(default_factory=lambda: np.zeros(0))
    woe: np.ndarray = field(default_factory=lambda: np.zeros(0))
    iv: float = 0.0
    index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # bin of each row
    # The finest partition the bins are unions of, drawn without looking at the outcome: the
    # pre-bin (numbers, in order) or the value (categories) of each row, or None (a technology).
    # Segment search measures its multiplicity on it (see discover.segments).
    levels: np.ndarray | None = None
    ordered: bool = False  # levels are ranges in order (numbers; -1 unknown): bins are runs
    # Each row's place in the column's own order (pre-bin of a number, rank of an ordered
    # label; NaN unknown), for a test of a trend in the win rate; None for an unordered column.
    order: np.ndarray | None = None
    # A pair row reads a second column: each bin is one of the first column's bins AND one of
    # the second's (``conditions2``), so the row can say what the two do together.
    column2: str = ""
    kind2: str = ""
    conditions2: list[Condition] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, self.column2) if self.column2 else (self.column,)


class AttributeBinner:
    """Builds a :class:`Candidate` (bins + counts) for every usable account attribute.

    ``min_bin_share`` is the smallest share of accounts a bin may hold (default 0.05);
    ``max_bins`` the most bins a number or a category column may get (default 6).
    """

    def __init__(
        self, min_bin_share: float = 0.05, max_bins: int = 6, max_pvalue: float | None = 0.05
    ) -> None:
        self.min_bin_share = min_bin_share
        self.max_bins = max_bins
        self.max_pvalue = max_pvalue

    def fit(
        self, accounts: pd.DataFrame, won: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> list[Candidate]:
        """Bin every usable column. ``sample_weight`` (optional, one non-negative number per
        row, e.g. more for recent deals) makes a row count that much where bins are placed and
        in the weight of evidence; a candidate's ``counts`` and ``wins`` stay plain row counts."""
        y = np.asarray(won, dtype=int)
        self._weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        return [c for c in self._candidates(accounts, y) if len(c.labels) > 1]

    def _weight_of(self, rows: np.ndarray | None = None) -> np.ndarray | None:
        if self._weight is None or rows is None:
            return self._weight
        return self._weight[rows]

    def _candidates(self, accounts: pd.DataFrame, y: np.ndarray) -> list[Candidate]:
        out: list[Candidate] = []
        n = len(accounts)
        for column in accounts.columns:
            if column in NOT_ATTRIBUTES or column.endswith(("_raw", "_currency", "_id")):
                continue
            series = accounts[column]
            if series.isna().mean() > 0.95:
                continue
            if _is_list_column(series):
                out += self._technology_candidates(column, series, y)
            elif pd.api.types.is_bool_dtype(series):
                out.append(self._category_candidate(column, series.map(to_text), y, "boolean"))
            elif pd.api.types.is_numeric_dtype(series):
                if series.nunique() > 1:
                    out.append(self._numeric_candidate(column, series.astype(float), y))
            else:
                text = series.map(_to_display)
                if not 1 < text.nunique() <= max(60, n // 50):
                    continue
                ranks = ordinal_order(list(text.dropna().unique()))
                if ranks is not None:
                    out.append(self._ordinal_candidate(column, text, ranks, y))
                else:
                    out.append(self._category_candidate(column, text, y, "category"))
        return [c for c in out if c is not None]

    def _numeric_candidate(self, column: str, x: pd.Series, y: np.ndarray) -> Candidate:
        from optbinning import OptimalBinning

        values = x.to_numpy(dtype=float)
        present = ~np.isnan(values)
        prebins = quantile_prebins(values[present], prebin_count(len(values)))
        binning = OptimalBinning(
            name=column,
            dtype="numerical",
            solver="cp",
            monotonic_trend="auto",
            min_bin_size=self.min_bin_share,
            max_n_bins=self.max_bins,
            max_pvalue=self.max_pvalue,
            user_splits=prebins,
        )
        splits = _fit_splits(binning, values[present], y[present], self._weight_of(present))
        levels = np.where(present, np.searchsorted(prebins, values, side="right"), -1)
        if not splits:
            return self._known_or_not(column, present, levels, y)
        if np.allclose(values[present], np.round(values[present])):
            splits = sorted({math.ceil(s) for s in splits})
        edges = [None, *splits, None]
        unit = UNITS.get(column, "")
        conditions, labels = [], []
        for low, high in itertools.pairwise(edges):
            conditions.append(Condition(min=low, less_than=high))
            labels.append(describe_range(low, None, high, ""))
        index = np.full(len(values), -1)
        index[present] = np.searchsorted(
            np.asarray(splits, dtype=float), values[present], side="right"
        )
        # Blanks get a bin of their own; with only a few, its weight of evidence shrinks to
        # about zero (see PRIOR_ACCOUNTS), so an unknown size scores as neutral.
        conditions.append(Condition(missing=True))
        labels.append("unknown")
        index[~present] = len(conditions) - 1
        cand = Candidate(
            NICE_NAMES.get(column, _title(column)), column, "numeric", conditions, labels, unit
        )
        cand.levels, cand.ordered = levels, True
        cand.order = np.where(levels >= 0, levels, np.nan).astype(float)
        return self._finish(cand, index, y)

    def _known_or_not(
        self, column: str, present: np.ndarray, levels: np.ndarray, y: np.ndarray
    ) -> Candidate:
        """A number with no range worth a split: all that is left to say is whether it is
        known. (A range bin with no bounds would be a condition no card file can hold.)"""
        cand = Candidate(
            NICE_NAMES.get(column, _title(column)),
            column,
            "numeric",
            [Condition(missing=True), Condition(other=True)],
            ["unknown", "any known value"],
            UNITS.get(column, ""),
        )
        cand.levels, cand.ordered = levels, True
        return self._finish(cand, np.where(present, 1, 0), y)

    def _ordinal_candidate(
        self, column: str, text: pd.Series, ranks: dict[str, float], y: np.ndarray
    ) -> Candidate:
        """Ordered labels binned as ordered: each bin is a run of neighbouring values."""
        rank = text.map(ranks).astype(float).to_numpy()
        ranked = ~np.isnan(rank)
        splits = self._optimal_splits(
            column, rank[ranked], y[ranked], "auto_asc_desc", self._weight_of(ranked)
        )
        edges = [-np.inf, *splits, np.inf]
        by_rank = sorted(ranks, key=lambda v: (ranks[v], v))
        conditions, labels = [], []
        index = np.full(len(rank), -1)
        for low, high in itertools.pairwise(edges):
            names = [v for v in by_rank if low <= ranks[v] < high]
            if not names:
                continue
            conditions.append(Condition(values=tuple(names)))
            first, last = names[0], names[-1]
            labels.append(first if first == last else f"{first} to {last}")
            index[ranked & (rank >= low) & (rank < high)] = len(conditions) - 1
        unknown = text[~ranked].dropna().unique().tolist()
        if unknown and (~ranked).sum() >= max(10, self.min_bin_share * len(rank) / 2):
            conditions.append(Condition(values=tuple(sorted(unknown))))
            labels.append(" or ".join(sorted(unknown)))
            index[~ranked & text.notna().to_numpy()] = len(conditions) - 1
        conditions.append(Condition(other=True))
        labels.append("anything else")
        index[index < 0] = len(conditions) - 1
        cand = Candidate(
            NICE_NAMES.get(column, _title(column)), column, "category", conditions, labels
        )
        cand.levels = _codes(text.fillna("\x00missing").astype(str).to_numpy())
        cand.order = rank
        return self._finish(cand, index, y)

    def _optimal_splits(
        self,
        column: str,
        values: np.ndarray,
        y: np.ndarray,
        trend: str = "auto",
        sample_weight: np.ndarray | None = None,
    ) -> list[float]:
        from optbinning import OptimalBinning

        binning = OptimalBinning(
            name=column,
            dtype="numerical",
            solver="cp",
            monotonic_trend=trend,
            min_bin_size=self.min_bin_share,
            max_n_bins=self.max_bins,
            max_pvalue=self.max_pvalue,
        )
        return _fit_splits(binning, values, y, sample_weight)

    def _category_candidate(
        self, column: str, text: pd.Series, y: np.ndarray, kind: str
    ) -> Candidate:
        from optbinning import OptimalBinning

        values = text.fillna("\x00missing").astype(str).to_numpy()
        counts = pd.Series(values).value_counts()
        rare_limit = max(10, 0.02 * len(values))
        common = [v for v in counts.index if counts[v] >= rare_limit and v != "\x00missing"]
        grouped = np.where(np.isin(values, common), values, "\x00other")
        binning = OptimalBinning(
            name=column,
            dtype="categorical",
            solver="cp",
            min_bin_size=self.min_bin_share,
            max_n_bins=self.max_bins,
            max_pvalue=self.max_pvalue,
            cat_cutoff=None,
        )
        groups = [list(g) for g in _fit_splits(binning, grouped, y, self._weight_of())]
        conditions, labels, index = [], [], np.full(len(values), -1)
        for group in groups:
            named = sorted(v for v in group if not v.startswith("\x00"))
            if not named:
                continue
            conditions.append(Condition(values=tuple(named)))
            labels.append(_group_label(named))
            # Only the named values: rare, blank and unseen ones fall in the catch-all on the
            # card, so they are counted there too and every bin's counts match the card.
            index[np.isin(grouped, named)] = len(conditions) - 1
        conditions.append(Condition(other=True))
        labels.append("anything else")
        index[index < 0] = len(conditions) - 1
        cand = Candidate(NICE_NAMES.get(column, _title(column)), column, kind, conditions, labels)
        cand.levels = _codes(grouped)
        return self._finish(cand, index, y)

    def _technology_candidates(
        self, column: str, series: pd.Series, y: np.ndarray
    ) -> list[Candidate]:
        lists = series.map(to_list)
        display: dict[str, str] = {}
        for raw in series.dropna():
            for item in raw if isinstance(raw, (list, tuple, np.ndarray)) else str(raw).split(";"):
                display.setdefault(str(item).strip().casefold(), str(item).strip())
        exploded = lists.explode().dropna()
        frequency = exploded.value_counts()
        floor = max(10, 0.03 * len(series))
        out = []
        for tech in frequency[frequency >= floor].index[:30]:
            has = lists.map(lambda items, t=tech: bool(items) and t in items).to_numpy()
            if has.all():
                continue
            label = display.get(tech, tech)
            cand = Candidate(
                f"Uses {label}",
                column,
                "list",
                [Condition(values=(label,)), Condition(other=True)],
                [f"uses {label}", f"no {label}"],
            )
            out.append(self._finish(cand, np.where(has, 0, 1), y))
        return out

    def _finish(self, cand: Candidate, index: np.ndarray, y: np.ndarray) -> Candidate:
        k = len(cand.conditions)
        cand.index = index
        cand.counts = np.bincount(index, minlength=k)
        cand.wins = np.bincount(index, weights=y, minlength=k)
        counts, wins = cand.counts, cand.wins
        won_total, lost_total = y.sum(), len(y) - y.sum()
        weight = self._weight_of()
        if weight is not None:  # the evidence is weighed; the counts shown stay plain
            counts = np.bincount(index, weights=weight, minlength=k)
            wins = np.bincount(index, weights=weight * y, minlength=k)
            won_total, lost_total = wins.sum(), counts.sum() - wins.sum()
        cand.woe = smoothed_woe(counts, wins, won_total, lost_total)
        share_won = wins / won_total
        share_lost = (counts - wins) / lost_total
        cand.iv = float(np.sum((share_won - share_lost) * cand.woe))
        return cand


def pair_candidate(
    first: Candidate, second: Candidate, y: np.ndarray, weight: np.ndarray | None = None
) -> Candidate:
    """The two columns' bins crossed: one bin per combination that holds accounts.

    Bins are listed first column major, so that, read top down with first match winning, a
    row lands in the combination of its own bin of each column (each column's bins are in
    their own first-match order). Combinations no account holds are left out."""
    k2 = len(second.conditions)
    cell = first.index * k2 + second.index
    present = np.unique(cell)
    index = np.searchsorted(present, cell)
    cand = Candidate(
        f"{first.name} × {second.name}",
        first.column,
        first.kind,
        [first.conditions[c // k2] for c in present],
        [f"{first.labels[c // k2]} & {second.labels[c % k2]}" for c in present],
        first.unit,
        column2=second.column,
        kind2=second.kind,
        conditions2=[second.conditions[c % k2] for c in present],
    )
    k = len(present)
    cand.index = index
    cand.counts = np.bincount(index, minlength=k)
    cand.wins = np.bincount(index, weights=y, minlength=k)
    counts, wins = cand.counts, cand.wins
    if weight is not None:
        counts = np.bincount(index, weights=weight, minlength=k)
        wins = np.bincount(index, weights=weight * y, minlength=k)
    won_total, lost_total = wins.sum(), counts.sum() - wins.sum()
    cand.woe = smoothed_woe(counts, wins, won_total, lost_total)
    cand.iv = float(np.sum((wins / won_total - (counts - wins) / lost_total) * cand.woe))
    return cand


def smoothed_woe(counts, wins, won_total: float, lost_total: float) -> np.ndarray:
    """Weight of evidence of each bin (``counts`` accounts, ``wins`` won), positive where
    accounts win more than average. Smoothed toward zero by PRIOR_ACCOUNTS pseudo-accounts at
    the base rate, so a bin of a handful of accounts (or an empty catch-all for unseen
    values) scores near 0."""
    prior_won = PRIOR_ACCOUNTS * won_total / (won_total + lost_total)
    prior_lost = PRIOR_ACCOUNTS - prior_won
    return np.log((wins + prior_won) / won_total) - np.log(
        (counts - wins + prior_lost) / lost_total
    )


PREBINS = 20  # at most, as optbinning's default max_n_prebins
DEALS_PER_PREBIN = 50


def prebin_count(rows: int) -> int:
    """How many pre-bins a number of ``rows`` values gets: one per 50 deals, 5 to 20. A
    finer cut of little data could only find ranges too small to prove anything, and every
    range it could offer is one more chance the correction must pay for."""
    return int(min(PREBINS, max(5, rows // DEALS_PER_PREBIN)))


def quantile_prebins(values: np.ndarray, bins: int = PREBINS) -> np.ndarray:
    """Where optimal binning may cut a number: ``bins`` - 1 quantiles of its values at most,
    or between every two neighbouring values when there are no more than ``bins`` of them.
    Chosen without the outcome (optbinning's default pre-binning is a decision tree on it), so
    the choices the search had are known in advance and its multiplicity can be measured."""
    known = values[~np.isnan(values)]
    distinct = np.unique(known)
    if len(distinct) <= 1:
        return np.zeros(0)
    if len(distinct) <= bins:
        return (distinct[:-1] + distinct[1:]) / 2
    cuts = np.unique(np.quantile(known, np.linspace(0, 1, bins + 1)[1:-1]))
    cuts = cuts[(cuts > distinct[0]) & (cuts <= distinct[-1])]
    if len(cuts) == 0:  # one value holds nearly every row: split it from the rest
        mode = distinct[np.argmax(np.unique(known, return_counts=True)[1])]
        above = distinct[distinct > mode]
        cuts = np.array([(mode + above[0]) / 2]) if len(above) else np.array([mode])
    return cuts


def _fit_splits(binning, values: np.ndarray, y: np.ndarray, weight: np.ndarray | None) -> list:
    """optbinning's splits, or none (one bin) where its solver finds no feasible binning: it
    can fail on a column that is one value in nearly every row (``bin_info`` meets an empty
    pre-bin), and such a column has nothing to offer a card anyway."""
    if len(np.unique(y)) < 2:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            binning.fit(values, y, sample_weight=weight)
        except (TypeError, ValueError, IndexError):
            return []
    return list(binning.splits)


def _codes(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_inverse=True)[1].reshape(-1)


def _group_label(names: list[str]) -> str:
    if len(names) <= 4:
        return " or ".join(names)
    return f"{', '.join(names[:3])} and {len(names) - 3} more"


def _is_list_column(series: pd.Series) -> bool:
    sample = series.dropna().head(50)
    if sample.empty:
        return False
    if sample.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).all():
        return True
    return series.name == "technologies"


def _to_display(value) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _title(column: str) -> str:
    """'annual_revenue' -> 'Annual revenue', 'JobRole' -> 'Job role', 'Att_t_client' kept."""
    spaced = re.sub(r"(?<=[A-Za-z0-9])(?=[A-Z][a-z])", " ", column.replace("_", " "))
    return re.sub(r"\s+", " ", spaced).strip().capitalize()
