"""Learn a points scorecard from won and lost accounts.

The recipe a credit-risk modeller would recognise, tuned for ICP work: optimal binning of each
attribute (optbinning), weight of evidence per bin, forward selection of a few attributes by
cross-validated AUC, a regularised logistic regression, and points scaled so that every
``points_to_double_odds`` points double the odds of winning. Bins that lose far below the base
rate, beyond chance after correcting for every bin tried, become hard disqualifiers.
"""

from __future__ import annotations

import itertools
import logging
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from icpkit.schema import NOT_ATTRIBUTES
from icpkit.scorecard.model import (
    Attribute,
    Bin,
    BinStats,
    Calibration,
    Condition,
    Disqualifier,
    Scorecard,
    Tiers,
    _to_list,
    _to_text,
    describe_range,
)
from icpkit.stats import holm_adjust, proportion_test, shrunk_rate, wilson_interval

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


class ScorecardLearner:
    """Learns a :class:`Scorecard` from accounts and whether each was won.

    Parameters
    ----------
    max_attributes:
        Most attributes the card may use. ``None`` (default) lets cross-validated AUC decide,
        up to 8; a small number such as 4 forces a compact card.
    min_bin_share:
        Smallest share of accounts a bin may hold (default 0.05): smaller bins make noisy points.
    points_to_double_odds:
        How many points double the odds of winning (default 10).
    tier_shares:
        Shares of training accounts that land in tiers A, B and C (D takes the rest);
        default (0.15, 0.25, 0.30).
    seed:
        Seed for the cross-validation folds, so a build is reproducible.
    """

    def __init__(
        self,
        max_attributes: int | None = None,
        min_bin_share: float = 0.05,
        points_to_double_odds: float = 10.0,
        tier_shares: tuple[float, float, float] = (0.15, 0.25, 0.30),
        seed: int = 0,
    ) -> None:
        self.max_attributes = max_attributes
        self.min_bin_share = min_bin_share
        self.points_to_double_odds = points_to_double_odds
        self.tier_shares = tier_shares
        self.seed = seed

    def fit(
        self,
        accounts: pd.DataFrame,
        won: np.ndarray,
        *,
        name: str = "ICP scorecard",
        trained_on: dict | None = None,
    ) -> Scorecard:
        y = np.asarray(won, dtype=int)
        if len(y) != len(accounts):
            raise ValueError("accounts and outcomes differ in length")
        if y.sum() == 0 or y.sum() == len(y):
            raise ValueError("need both won and lost accounts to learn a scorecard")
        self.base_rate_ = float(y.mean())
        self.candidates_ = [c for c in self._candidates(accounts, y) if len(c.labels) > 1]
        if not self.candidates_:
            raise ValueError("no usable attribute: every column is blank, constant or an id")
        self.selected_, self.selection_auc_ = self._select(y)
        model = LogisticRegression(C=1.0, max_iter=1000)
        features = self._features(self.selected_)
        model.fit(features, y)
        scale = self.points_to_double_odds / math.log(2)
        attributes = []
        for cand, coef in zip(self.selected_, model.coef_[0], strict=True):
            attributes.append(self._attribute(cand, coef * scale))
        card = Scorecard(
            name=name,
            attributes=tuple(attributes),
            tiers=Tiers(70, 50, 30),
            disqualifiers=tuple(self._disqualifiers(y)),
            trained_on=dict(trained_on or {}),
        )
        scores = card.apply(accounts).score
        card = card.with_tiers(self._tiers(scores))
        calibration = LogisticRegression(C=1e6, max_iter=1000).fit(scores.reshape(-1, 1), y)
        return Scorecard(
            name=card.name,
            attributes=card.attributes,
            tiers=card.tiers,
            disqualifiers=card.disqualifiers,
            trained_on=card.trained_on,
            calibration=Calibration(
                float(calibration.intercept_[0]), float(calibration.coef_[0][0])
            ),
        )

    # ---- candidates and their bins ---------------------------------------------------------

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
                out.append(self._category_candidate(column, series.map(_to_text), y, "boolean"))
            elif pd.api.types.is_numeric_dtype(series):
                if series.nunique() > 1:
                    out.append(self._numeric_candidate(column, series.astype(float), y))
            else:
                text = series.map(_to_display)
                if 1 < text.nunique() <= max(60, n // 50):
                    out.append(self._category_candidate(column, text, y, "category"))
        return [c for c in out if c is not None]

    def _numeric_candidate(self, column: str, x: pd.Series, y: np.ndarray) -> Candidate:
        from optbinning import OptimalBinning

        values = x.to_numpy(dtype=float)
        present = ~np.isnan(values)
        binning = OptimalBinning(
            name=column,
            dtype="numerical",
            solver="cp",
            monotonic_trend="auto",
            min_bin_size=self.min_bin_share,
            max_n_bins=6,
            max_pvalue=0.05,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            binning.fit(values[present], y[present])
        splits = list(binning.splits)
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
        if (~present).sum() >= max(10, self.min_bin_share * len(values) / 2):
            conditions.append(Condition(missing=True))
            labels.append("unknown")
            index[~present] = len(conditions) - 1
        else:
            # Too few blanks to learn from: they score like the most common bin.
            common = np.bincount(index[present]).argmax() if present.any() else 0
            index[~present] = common
        return self._finish(
            Candidate(
                NICE_NAMES.get(column, _title(column)), column, "numeric", conditions, labels, unit
            ),
            index,
            y,
        )

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
            max_n_bins=6,
            max_pvalue=0.05,
            cat_cutoff=None,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            binning.fit(grouped, y)
        groups = [list(g) for g in binning.splits]
        conditions, labels, index = [], [], np.full(len(values), -1)
        for group in groups:
            named = sorted(v for v in group if not v.startswith("\x00"))
            rows = np.isin(grouped, group)
            if not named:
                continue
            conditions.append(Condition(values=tuple(named)))
            labels.append(
                " or ".join(named)
                if len(named) <= 4
                else f"{', '.join(named[:3])} and {len(named) - 3} more"
            )
            index[rows] = len(conditions) - 1
        conditions.append(Condition(other=True))
        labels.append("anything else")
        index[index < 0] = len(conditions) - 1
        return self._finish(
            Candidate(NICE_NAMES.get(column, _title(column)), column, kind, conditions, labels),
            index,
            y,
        )

    def _technology_candidates(
        self, column: str, series: pd.Series, y: np.ndarray
    ) -> list[Candidate]:
        lists = series.map(_to_list)
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
        won_total, lost_total = y.sum(), len(y) - y.sum()
        losses = cand.counts - cand.wins
        # Weight of evidence, positive where accounts win more than average.
        # Smoothed toward zero by PRIOR_ACCOUNTS pseudo-accounts at the base rate, so a bin of
        # a handful of accounts (or an empty catch-all for unseen values) scores near 0.
        prior_won = PRIOR_ACCOUNTS * won_total / len(y)
        prior_lost = PRIOR_ACCOUNTS - prior_won
        cand.woe = np.log((cand.wins + prior_won) / won_total) - np.log(
            (losses + prior_lost) / lost_total
        )
        share_won = cand.wins / won_total
        share_lost = losses / lost_total
        cand.iv = float(np.sum((share_won - share_lost) * cand.woe))
        return cand

    # ---- selection -------------------------------------------------------------------------

    def _features(self, candidates: list[Candidate]) -> np.ndarray:
        return np.column_stack([c.woe[c.index] for c in candidates])

    def _select(self, y: np.ndarray) -> tuple[list[Candidate], dict[int, float]]:
        limit = self.max_attributes or 8
        pool = sorted((c for c in self.candidates_ if c.iv >= 0.02), key=lambda c: -c.iv)[:25]
        if not pool:
            pool = sorted(self.candidates_, key=lambda c: -c.iv)[:1]
        folds = (
            list(
                StratifiedKFold(5, shuffle=True, random_state=self.seed).split(np.zeros(len(y)), y)
            )
            if min(y.sum(), len(y) - y.sum()) >= 5
            else None
        )
        chosen: list[Candidate] = []
        history: dict[int, float] = {}
        best = 0.5
        columns_used: set[str] = set()
        while pool and len(chosen) < limit:
            scored = []
            for cand in pool:
                if cand.kind != "list" and cand.column in columns_used:
                    continue
                scored.append((self._cv_auc([*chosen, cand], y, folds), cand))
            if not scored:
                break
            auc, cand = max(scored, key=lambda t: t[0])
            forced = self.max_attributes is not None and not chosen
            if auc < best + 0.002 and not forced and chosen:
                break
            chosen.append(cand)
            columns_used.add(cand.column)
            pool.remove(cand)
            best = max(best, auc)
            history[len(chosen)] = round(auc, 4)
        return chosen, history

    def _cv_auc(self, candidates: list[Candidate], y: np.ndarray, folds) -> float:
        x = self._features(candidates)
        if folds is None:
            return float(roc_auc_score(y, x.sum(axis=1)))
        aucs = []
        for train, test in folds:
            model = LogisticRegression(C=1.0, max_iter=500).fit(x[train], y[train])
            aucs.append(roc_auc_score(y[test], model.decision_function(x[test])))
        return float(np.mean(aucs))

    # ---- turning the model into a card -----------------------------------------------------

    def _attribute(self, cand: Candidate, points_per_woe: float) -> Attribute:
        bins = []
        for j, (condition, label) in enumerate(zip(cand.conditions, cand.labels, strict=True)):
            bins.append(
                Bin(
                    label,
                    round(points_per_woe * cand.woe[j]),
                    condition,
                    _bin_stats(cand.wins[j], cand.counts[j]),
                )
            )
        return Attribute(cand.name, cand.column, cand.kind, tuple(bins), cand.unit)

    def _disqualifiers(self, y: np.ndarray) -> list[Disqualifier]:
        tested = []
        total_won, total = y.sum(), len(y)
        for cand in self.candidates_:
            for j, condition in enumerate(cand.conditions):
                if condition.other or condition.missing:
                    continue
                n, k = int(cand.counts[j]), int(cand.wins[j])
                p = proportion_test(k, n, int(total_won - k), int(total - n))
                tested.append((p, cand, j, n, k))
        if not tested:
            return []
        adjusted = holm_adjust(np.array([t[0] for t in tested]))
        rules = []
        for (_, cand, j, n, k), p_adj in zip(tested, adjusted, strict=True):
            _low, high = wilson_interval(k, n)
            clear_loser = (
                high < 0.5 * self.base_rate_
                and shrunk_rate(k, n, self.base_rate_) < 0.4 * self.base_rate_
            )
            if p_adj < 0.05 and n >= 20 and clear_loser:
                subject = cand.name if cand.kind != "numeric" else f"{cand.name}"
                rules.append(
                    Disqualifier(
                        attribute=cand.name,
                        column=cand.column,
                        kind=cand.kind,
                        condition=cand.conditions[j],
                        reason=f"{subject}: {cand.labels[j]} (won {k} of {n})",
                        stats=_bin_stats(k, n),
                    )
                )
        return _drop_overlapping(rules)

    def _tiers(self, scores: np.ndarray) -> Tiers:
        a_share, b_share, c_share = self.tier_shares
        cuts = np.quantile(
            scores, [1 - a_share, 1 - a_share - b_share, 1 - a_share - b_share - c_share]
        )
        a, b, c = (float(math.ceil(x)) for x in cuts)
        b = min(b, a)
        c = min(c, b)
        return Tiers(a, b, c)


def _bin_stats(won: float, accounts: float) -> BinStats:
    k, n = int(won), int(accounts)
    low, high = wilson_interval(k, n)
    return BinStats(n, k, k / n if n else float("nan"), low, high)


def _drop_overlapping(rules: list[Disqualifier]) -> list[Disqualifier]:
    """One rule per column is enough for a reader; keep the one covering most accounts."""
    best: dict[str, Disqualifier] = {}
    for rule in rules:
        kept = best.get(rule.column + rule.attribute)
        if kept is None or (
            rule.stats and kept.stats and rule.stats.accounts > kept.stats.accounts
        ):
            best[rule.column + rule.attribute] = rule
    return list(best.values())


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
    return column.replace("_", " ").strip().capitalize()
