"""Learn a points scorecard from won and lost accounts.

The recipe a credit-risk modeller would recognise, tuned for ICP work: optimal binning of each
attribute (optbinning), weight of evidence per bin, forward selection of attributes by
cross-validated AUC, a regularised logistic regression, and points scaled so that every
``points_to_double_odds`` points double the odds of winning. Bins that lose far below the base
rate, beyond chance after correcting for every bin tried, become hard disqualifiers.

Selection is honest about data it has not seen: in each cross-validation fold, a bin's weight
of evidence is counted on the training rows only, so a column that merely memorised the
outcome (noise binned to fit it) cannot raise the held-out AUC, and does not enter the card.
An attribute that says again what a chosen one says (call charges that are minutes times a
rate, revenue that follows headcount bin for bin) is passed over, and a column may be chosen
at all only if one omnibus test finds it related to winning, after Holm's correction over
every column, as discovery corrects its columns (on the simulator, no noise column reached any
of 20 cards at 2,000 deals, against 7 of 20 before; see BENCHMARKS.md).
"""

from __future__ import annotations

import itertools
import math
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from icpkit.discover.binning import AttributeBinner, Candidate, pair_candidate, smoothed_woe
from icpkit.discover.segments import redundant_attributes
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
    independence_test,
    proportion_test,
    shrunk_rate,
    wilson_interval,
    with_trend,
)

SMALL_DATA = 300  # closed deals below which the card prefers fewer attributes
MAX_ATTRIBUTES = 12  # rows a card may have when cross-validated AUC keeps asking for more
REDUNDANT = 0.9  # |correlation| of two attributes' weight of evidence: the second adds nothing
PER_BIN_L2 = 10.0  # ridge penalty on a bin's departure from its classic points
COLUMN_ALPHA = 0.05  # Holm-corrected level a column's omnibus test must pass
ROWS_PER_BIN = 40  # accounts a card's bin should hold, so its points rest on evidence
PAIR_COLUMNS = 12  # the columns most related to winning, whose pairs may become pair rows
PAIR_BINS = 6  # bins of each column in a pair row (so at most 6 x 6 combinations, + unknown)
PAIR_MARGIN = 0.003  # cross-validated AUC a pair row must add beyond what a single row would

# (training rows, held-out rows) of each cross-validation fold; None when there are too few
# wins or losses to fold.
Folds: TypeAlias = list[tuple[np.ndarray, np.ndarray]] | None


class NoUsableAttribute(ValueError):
    """No column can enter a card: every one is blank, constant or an id, or none tells won
    from lost. A ValueError, so callers that catch those keep working."""


class ScorecardLearner:
    """Learns a :class:`Scorecard` from accounts and whether each was won.

    Parameters
    ----------
    max_attributes:
        Most attributes the card may use. ``None`` (default) lets cross-validated AUC decide,
        up to 12; a small number such as 4 forces a compact card.
    min_bin_share:
        Smallest share of accounts a bin of the card may hold. ``None`` (default): enough for
        about 40 accounts, between 2% (large data) and 5% (small data); smaller bins make
        noisy points.
    max_bins:
        Most bins per attribute on the card (default 8).
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
        min_bin_share: float | None = None,
        max_bins: int = 8,
        points_to_double_odds: float = 10.0,
        tier_shares: tuple[float, float, float] = (0.15, 0.25, 0.30),
        tiers: Tiers | None = None,
        seed: int = 0,
    ) -> None:
        self.max_attributes = max_attributes
        self.min_bin_share = min_bin_share
        self.max_bins = max_bins
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
        trained_on: dict[str, Any] | None = None,
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
        # Discovery's bins (segments, profiles, disqualifiers) and the card's own, finer where
        # the data is large enough to hold more bins of ROWS_PER_BIN accounts.
        self.candidates_ = AttributeBinner().fit(accounts, y, weight)
        if not self.candidates_:
            raise NoUsableAttribute("no usable attribute: every column is blank, constant or an id")
        share = self.min_bin_share or float(np.clip(ROWS_PER_BIN / len(y), 0.02, 0.05))
        self.card_candidates_ = AttributeBinner(share, self.max_bins, max_pvalue=None).fit(
            accounts, y, weight
        )
        self.selected_, self.selection_auc_ = self._select(accounts, y, weight, share)
        scale = self.points_to_double_odds / math.log(2)
        log_odds = self._bin_log_odds(y, weight)
        attributes = [
            self._attribute(cand, scale * odds)
            for cand, odds in zip(self.selected_, log_odds, strict=True)
        ]
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
        self,
        accounts: pd.DataFrame,
        y: np.ndarray,
        weight: np.ndarray | None = None,
        share: float = 0.05,
    ) -> tuple[list[Candidate], dict[int, float]]:
        limit = self.max_attributes or MAX_ATTRIBUTES
        ranked = sorted(self.card_candidates_, key=lambda c: -c.iv)
        self.association_ = _association(ranked, y)
        related = [c for c in ranked if self.association_[id(c)] < COLUMN_ALPHA]
        # A column that adds nothing beyond the others (revenue, once size and industry are
        # known) stays off the card as it stays out of the headline: measured as discovery
        # measures it (see icpkit.discover.segments.redundant_attributes).
        self.redundant_ = redundant_attributes(
            self.candidates_, y, sorted({c.column for c in related})
        )
        pool = [c for c in related if c.iv >= 0.02 and c.column not in self.redundant_][:40]
        pool = pool or [c for c in ranked[:1] if c.iv > 0]
        if not pool:
            raise NoUsableAttribute("no usable attribute: no column tells won from lost at all")
        singles: dict[str, Candidate] = {}
        for cand in pool:
            if cand.kind != "list":
                singles.setdefault(cand.column, cand)
        pool += self._pairs(accounts, y, weight, pool, share)
        folds = (
            list(
                StratifiedKFold(5, shuffle=True, random_state=self.seed).split(np.zeros(len(y)), y)
            )
            if min(y.sum(), len(y) - y.sum()) >= 5
            else None
        )
        held_out = {id(c): _fold_woe(c, y, folds, weight) for c in pool}
        chosen: list[Candidate] = []
        path: list[tuple[float, float]] = []  # (mean, standard error) of CV AUC per size
        best = 0.5
        columns_used: set[tuple[str, ...]] = set()
        while pool and len(chosen) < limit:
            scored = []
            apart_aucs: dict[tuple[int, ...], np.ndarray] = {}  # this step's cards without pairs
            for cand in pool:
                if cand.kind != "list" and tuple(sorted(cand.columns)) in columns_used:
                    continue
                if any(_redundant(cand, other) for other in chosen):
                    continue
                mean, se = self._cv_auc([*chosen, cand], y, folds, held_out, weight)
                if cand.column2 and not self._pays_as_pair(
                    cand, chosen, singles, y, folds, held_out, weight, apart_aucs
                ):
                    continue
                scored.append((mean, se, cand))
            if not scored:
                break
            mean, se, cand = max(scored, key=lambda t: t[0])
            if chosen and mean <= best:
                break
            chosen.append(cand)
            columns_used.add(tuple(sorted(cand.columns)))
            pool.remove(cand)
            best = max(best, mean)
            path.append((mean, se))
        size = _one_standard_error_size(path, len(y))
        history = {k + 1: round(m, 4) for k, (m, _) in enumerate(path)}
        return chosen[:size], history

    def _pairs(
        self,
        accounts: pd.DataFrame,
        y: np.ndarray,
        weight: np.ndarray | None,
        pool: list[Candidate],
        share: float,
    ) -> list[Candidate]:
        """Pair rows the selection may choose: every pair of the columns most related to
        winning, each column in a few coarse bins, crossed (see
        :func:`icpkit.discover.binning.pair_candidate`). A pair row enters the card only where
        it raises the cross-validated AUC beyond what the single rows give, as any row does."""
        columns = list(dict.fromkeys(c.column for c in pool if c.kind != "list"))[:PAIR_COLUMNS]
        if len(columns) < 2:
            return []
        binner = AttributeBinner(max(share, 0.05), PAIR_BINS, max_pvalue=None)
        coarse = {c.column: c for c in binner.fit(accounts[columns], y, weight)}
        return [
            pair_candidate(coarse[a], coarse[b], y, weight)
            for a, b in itertools.combinations([c for c in columns if c in coarse], 2)
        ]

    def _pays_as_pair(
        self,
        pair: Candidate,
        chosen: list[Candidate],
        singles: dict[str, Candidate],
        y: np.ndarray,
        folds: Folds,
        held_out: dict[int, list[tuple[np.ndarray, np.ndarray]]],
        weight: np.ndarray | None,
        apart_aucs: dict[tuple[int, ...], np.ndarray],
    ) -> bool:
        """Whether a pair row says what its two columns do together, beyond what they say
        apart: added to the card and to both columns as single rows, it must raise the
        cross-validated AUC by PAIR_MARGIN and by twice the fold-to-fold standard error of
        that gain. Else it is two main effects squeezed into one row, or a lucky draw among
        the many pairs tried. ``apart_aucs`` keeps the fold AUCs of each card without the
        pair, which the pairs sharing a column share."""
        if folds is None:
            return False
        apart = [singles[c] for c in pair.columns if c in singles and singles[c] not in chosen]
        base = [*chosen, *apart]
        together = self._fold_aucs([*base, pair], y, folds, held_out, weight)
        key = tuple(id(c) for c in base)
        if key not in apart_aucs:
            apart_aucs[key] = (
                self._fold_aucs(base, y, folds, held_out, weight)
                if base
                else np.full(len(folds), 0.5)
            )
        alone = apart_aucs[key]
        gain = together - alone
        se = float(np.std(gain, ddof=1) / np.sqrt(len(gain)))
        return float(gain.mean()) > max(PAIR_MARGIN, 2 * se)

    def _cv_auc(
        self,
        candidates: list[Candidate],
        y: np.ndarray,
        folds: Folds,
        held_out: dict[int, list[tuple[np.ndarray, np.ndarray]]],
        weight: np.ndarray | None = None,
    ) -> tuple[float, float]:
        """Mean cross-validated AUC and its standard error across folds, each fold's weight
        of evidence counted on its training rows only."""
        if folds is None:
            return auc(y, self._features(candidates).sum(axis=1)), 0.0
        aucs = self._fold_aucs(candidates, y, folds, held_out, weight)
        return float(np.mean(aucs)), float(np.std(aucs, ddof=1) / np.sqrt(len(aucs)))

    def _fold_aucs(
        self,
        candidates: list[Candidate],
        y: np.ndarray,
        folds: list[tuple[np.ndarray, np.ndarray]],
        held_out: dict[int, list[tuple[np.ndarray, np.ndarray]]],
        weight: np.ndarray | None = None,
    ) -> np.ndarray:
        """The AUC on each fold's held-out rows (see :meth:`_cv_auc`)."""
        aucs = []
        for f, (train, test) in enumerate(folds):
            x_train = np.column_stack([held_out[id(c)][f][0] for c in candidates])
            x_test = np.column_stack([held_out[id(c)][f][1] for c in candidates])
            w_train = None if weight is None else weight[train]
            intercept, coef = fit_logistic(x_train, y[train], sample_weight=w_train)
            score = intercept + x_test @ coef
            aucs.append(auc(y[test], score, None if weight is None else weight[test]))
        return np.asarray(aucs)

    # ---- turning the model into a card -----------------------------------------------------

    def _bin_log_odds(self, y: np.ndarray, weight: np.ndarray | None) -> list[np.ndarray]:
        """Each chosen attribute's bins in log-odds of winning, given the other attributes.

        A ridge logistic regression on one yes/no column per bin, shrunk toward each
        attribute's own weight of evidence times one slope (the classic scorecard, fitted
        first): where attributes overlap (tenure and age, size and revenue), a bin's points say
        what it adds beyond the others, and a bin with little data keeps its classic points."""
        woe_model = LogisticRegression(C=1.0, max_iter=1000)
        woe_model.fit(self._features(self.selected_), y, sample_weight=weight)
        classic = [c.woe * k for c, k in zip(self.selected_, woe_model.coef_[0], strict=True)]
        offsets = np.cumsum([0] + [len(c.conditions) for c in self.selected_])
        design = np.zeros((len(y), offsets[-1]))
        for cand, start in zip(self.selected_, offsets, strict=False):
            design[np.arange(len(y)), start + cand.index] = 1.0
        prior = np.concatenate(classic)
        base = design @ prior
        # Ridge on the departure from the classic points: fit an offset model.
        _, delta = fit_logistic(design, y, l2=PER_BIN_L2, sample_weight=weight, offset=base)
        values = prior + delta
        return [values[a:b] for a, b in itertools.pairwise(offsets)]

    def _attribute(self, cand: Candidate, log_odds: np.ndarray) -> Attribute:
        bins = []
        for j, (condition, label) in enumerate(zip(cand.conditions, cand.labels, strict=True)):
            bins.append(
                Bin(
                    label,
                    round(float(log_odds[j])),
                    condition,
                    _bin_stats(cand.wins[j], cand.counts[j]),
                    None if cand.conditions2 is None else cand.conditions2[j],
                )
            )
        return Attribute(
            cand.name, cand.column, cand.kind, tuple(bins), cand.unit, cand.column2, cand.kind2
        )

    def _disqualifiers(self, y: np.ndarray) -> list[Disqualifier]:
        tested = []
        total_won, total = y.sum(), len(y)
        for cand in self.candidates_:
            if cand.column in self.redundant_:  # revenue that only restates size and industry
                continue
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


def _association(candidates: list[Candidate], y: np.ndarray) -> dict[int, float]:
    """Holm-adjusted p-value of each candidate's omnibus test against the outcome (see
    :func:`icpkit.stats.independence_test`), on the levels it was binned from. Only a column
    related to winning beyond chance, after paying for every column tried, may enter the card:
    this is what keeps noise (a CRM code, a country) off it."""
    raw = np.array([_column_test(c, y) for c in candidates])
    if not len(raw):
        return {}
    adjusted = holm_adjust(raw)
    return {id(c): float(p) for c, p in zip(candidates, adjusted, strict=True)}


def _column_test(cand: Candidate, y: np.ndarray) -> float:
    """One p-value per column: the omnibus test of its levels, with the trend test beside it
    for an ordered column (:func:`icpkit.stats.with_trend`)."""
    omnibus = independence_test(cand.levels if cand.levels is not None else cand.index, y)
    return with_trend(omnibus, cand.order, y)


def _fold_woe(
    cand: Candidate, y: np.ndarray, folds: Folds, weight: np.ndarray | None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per fold, the candidate's weight of evidence for the training and the test rows,
    counted on the training rows alone (:func:`smoothed_woe`, as the binner counts them)."""
    if folds is None:
        return []
    k = len(cand.conditions)
    out = []
    for train, test in folds:
        index = cand.index[train]
        w = np.ones(len(train)) if weight is None else weight[train]
        counts = np.bincount(index, weights=w, minlength=k)
        wins = np.bincount(index, weights=w * y[train], minlength=k)
        woe = smoothed_woe(counts, wins, wins.sum(), counts.sum() - wins.sum())
        out.append((woe[index], woe[cand.index[test]]))
    return out


def _redundant(cand: Candidate, other: Candidate) -> bool:
    """Whether ``cand`` ranks accounts as ``other`` already does (|r| of their weights of
    evidence at least REDUNDANT): two columns that carry one signal would split its points."""
    a, b = cand.woe[cand.index], other.woe[other.index]
    if a.std() == 0 or b.std() == 0:
        return False
    return abs(float(np.corrcoef(a, b)[0, 1])) >= REDUNDANT


def _mean_one(sample_weight: np.ndarray | None, rows: int) -> np.ndarray | None:
    """Weights rescaled to average 1, so smoothing and penalties keep their meaning in rows."""
    if sample_weight is None:
        return None
    weight = np.asarray(sample_weight, dtype=float)
    if weight.shape != (rows,):
        raise ValueError(f"sample_weight has {weight.size} values for {rows} rows")
    if not np.isfinite(weight).all() or (weight < 0).any() or weight.sum() <= 0:
        raise ValueError("sample_weight must be finite, non-negative and not all zero")
    return weight * (rows / float(weight.sum()))


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
