"""Learn a points scorecard from won and lost accounts.

The recipe a credit-risk modeller would recognise, tuned for ICP work: optimal binning of each
attribute (optbinning), weight of evidence per bin, forward selection of a few attributes by
cross-validated AUC, a regularised logistic regression, and points scaled so that every
``points_to_double_odds`` points double the odds of winning. Bins that lose far below the base
rate, beyond chance after correcting for every bin tried, become hard disqualifiers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from icpkit.discover.binning import AttributeBinner, Candidate
from icpkit.scorecard.model import (
    Attribute,
    Bin,
    BinStats,
    Calibration,
    Disqualifier,
    Scorecard,
    Tiers,
)
from icpkit.stats import (
    auc,
    fit_logistic,
    holm_adjust,
    proportion_test,
    shrunk_rate,
    wilson_interval,
)

SMALL_DATA = 300  # closed deals below which the card prefers fewer attributes


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
    tiers:
        Fixed tier bounds to use instead of ``tier_shares`` (e.g. a sales team's own cut-offs).
    seed:
        Seed for the cross-validation folds, so a build is reproducible.
    """

    def __init__(
        self,
        max_attributes: int | None = None,
        min_bin_share: float = 0.05,
        points_to_double_odds: float = 10.0,
        tier_shares: tuple[float, float, float] = (0.15, 0.25, 0.30),
        tiers: Tiers | None = None,
        seed: int = 0,
    ) -> None:
        self.max_attributes = max_attributes
        self.min_bin_share = min_bin_share
        self.points_to_double_odds = points_to_double_odds
        self.tier_shares = tier_shares
        self.tiers = tiers
        self.seed = seed

    def fit(
        self,
        accounts: pd.DataFrame,
        won: np.ndarray,
        *,
        name: str = "ICP scorecard",
        trained_on: dict | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> Scorecard:
        """Learn the card. ``sample_weight`` (optional, one non-negative number per row) lets
        some deals count more, e.g. recent ones under a half-life; bins, points, attribute
        choice and calibration follow the weights, while the counts on each bin, the
        disqualifier tests and the tier shares stay on plain rows."""
        y = np.asarray(won, dtype=int)
        if len(y) != len(accounts):
            raise ValueError("accounts and outcomes differ in length")
        if y.sum() == 0 or y.sum() == len(y):
            raise ValueError("need both won and lost accounts to learn a scorecard")
        weight = _mean_one(sample_weight, len(y))
        self.base_rate_ = float(y.mean())
        self.candidates_ = AttributeBinner(self.min_bin_share).fit(accounts, y, weight)
        if not self.candidates_:
            raise ValueError("no usable attribute: every column is blank, constant or an id")
        self.selected_, self.selection_auc_ = self._select(y, weight)
        model = LogisticRegression(C=1.0, max_iter=1000)
        features = self._features(self.selected_)
        model.fit(features, y, sample_weight=weight)
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
        card = card.with_tiers(self.tiers or self._tiers(scores))
        calibration = LogisticRegression(C=1e6, max_iter=1000).fit(
            scores.reshape(-1, 1), y, sample_weight=weight
        )
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

    # ---- selection -------------------------------------------------------------------------

    def _features(self, candidates: list[Candidate]) -> np.ndarray:
        return np.column_stack([c.woe[c.index] for c in candidates])

    def _select(
        self, y: np.ndarray, weight: np.ndarray | None = None
    ) -> tuple[list[Candidate], dict[int, float]]:
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
        path: list[tuple[float, float]] = []  # (mean, standard error) of CV AUC per size
        best = 0.5
        columns_used: set[str] = set()
        while pool and len(chosen) < limit:
            scored = []
            for cand in pool:
                if cand.kind != "list" and cand.column in columns_used:
                    continue
                scored.append((*self._cv_auc([*chosen, cand], y, folds, weight), cand))
            if not scored:
                break
            mean, se, cand = max(scored, key=lambda t: t[0])
            if chosen and mean <= best:
                break
            chosen.append(cand)
            columns_used.add(cand.column)
            pool.remove(cand)
            best = max(best, mean)
            path.append((mean, se))
        size = _one_standard_error_size(path, len(y))
        history = {k + 1: round(m, 4) for k, (m, _) in enumerate(path)}
        return chosen[:size], history

    def _cv_auc(
        self, candidates: list[Candidate], y: np.ndarray, folds, weight: np.ndarray | None = None
    ) -> tuple[float, float]:
        """Mean cross-validated AUC and its standard error across folds."""
        x = self._features(candidates)
        if folds is None:
            return auc(y, x.sum(axis=1)), 0.0
        aucs = []
        for train, test in folds:
            if weight is None:
                intercept, coef = fit_logistic(x[train], y[train])
                aucs.append(auc(y[test], intercept + x[test] @ coef))
                continue
            intercept, coef = fit_logistic(x[train], y[train], sample_weight=weight[train])
            score = intercept + x[test] @ coef
            aucs.append(auc(y[test], score, sample_weight=weight[test]))
        return float(np.mean(aucs)), float(np.std(aucs, ddof=1) / np.sqrt(len(aucs)))

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


def _mean_one(sample_weight: np.ndarray | None, rows: int) -> np.ndarray | None:
    """Weights rescaled to average 1, so smoothing and penalties keep their meaning in rows."""
    if sample_weight is None:
        return None
    weight = np.asarray(sample_weight, dtype=float)
    if weight.shape != (rows,):
        raise ValueError(f"sample_weight has {weight.size} values for {rows} rows")
    if not np.isfinite(weight).all() or (weight < 0).any() or weight.sum() <= 0:
        raise ValueError("sample_weight must be finite, non-negative and not all zero")
    return weight * (rows / weight.sum())


def _one_standard_error_size(path: list[tuple[float, float]], deals: int) -> int:
    """How many of the forward-selected attributes to keep.

    With fewer than ``SMALL_DATA`` closed deals, the fewest attributes whose CV AUC is within
    half a standard error of the best (Breiman's one-standard-error rule at half strength): an
    attribute stays only if it adds more than fold-to-fold noise, so 40 deals give a short card.
    With more data, every attribute that raised the CV AUC stays.
    """
    if not path:
        return 0
    best = max(range(len(path)), key=lambda k: path[k][0])
    if deals >= SMALL_DATA:
        return best + 1
    bar = path[best][0] - 0.5 * path[best][1]
    return next(k for k in range(len(path)) if path[k][0] >= bar) + 1


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
