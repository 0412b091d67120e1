"""The correction of single conditions, which the segment search tries most of: one omnibus
test per column (does it matter at all?), then the conditions of the columns that pass against
the best one the column could have offered by chance (:class:`SingleConditions`).

The attribute profiles read the same verdicts (:func:`bin_verdicts`), so a bin in
``profiles.json`` and the same condition in ``segments.json`` read the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from icpkit.discover.binning import Candidate
from icpkit.discover.segment_conditions import (
    ALPHA,
    ALPHA_BY_DEPTH,
    Atom,
    atom_floor,
    category_levels,
    make_atom,
    search_space,
)
from icpkit.stats import ProportionTests, holm_adjust, pearson_chi_square, with_trend

PERMUTATIONS = 2000  # shuffles of the outcome that measure each attribute's multiplicity


class SingleConditions:
    """The correction of single conditions, which the search tries most of: one test per
    column, then the conditions of the columns that pass.

    1. **Does the column matter at all?** One omnibus test per column of its finest levels,
       drawn without the outcome (a number's pre-bins, a category's values, blanks as a level
       of their own), against won/lost: the score test of a random effect per level, whose
       statistic is the sum over levels of (wins - wins expected at the base rate)^2, its
       p-value read from ``PERMUTATIONS`` shuffles of the outcome (a multivariate
       hypergeometric draw of the wins over the levels is exactly such a shuffle). It weighs a
       level by its deals, so a column whose large values differ is found with far less data
       than a test that pays a degree of freedom for every rare value. Technologies are one
       column: the smallest of their own tests times their number (Bonferroni). Holm's
       step-down across the columns (single conditions' share of alpha, ``ALPHA_BY_DEPTH[1]``)
       keeps the chance that any column of noise passes below it, however many columns
       there are.
    2. **Which of its conditions?** Within the R columns that pass (of m), a condition is
       called when it beats what the best condition of its column could do by chance: the
       max-statistic permutation test of Westfall and Young over every run of the pre-bins
       (a number) or every single value and, apart, every group of values (a category, half
       the level each), each scored by Pearson's chi-square of its 2x2 table, at level alpha
       x R / m (Benjamini and Bogomolov 2014: selected families tested at the share of
       families selected, so the error averaged over the selected columns stays below alpha).

    ``adjust`` gives each condition one number, significant below ``ALPHA``: the larger of its
    column's Holm-adjusted p-value and its own within-column p-value scaled by m / R, both
    scaled from the single conditions' share of alpha to ALPHA. The column's clearest
    condition (largest chi-square among those asked about) carries the column's verdict: a
    column that matters differs somewhere, and that is where (one omnibus test per column,
    then a description of where it differs).
    """

    def __init__(
        self,
        candidates: list[Candidate],
        won: np.ndarray,
        space: dict[str, int],
        tests: ProportionTests,
    ) -> None:
        """``candidates``: the binned attributes; ``won``: 1/0 per deal; ``space``:
        :func:`search_space`; ``tests``: the search's (memoised) tests against the rest."""
        self.y = np.asarray(won, dtype=float)
        n, k = len(self.y), int(self.y.sum())
        self.n, self.k = n, k
        self.floor = atom_floor(n)
        self.space, self.tests = space, tests
        self.by_name = {c.name: c for c in candidates}
        self.listed: dict[str, int] = {}
        for cand in candidates:
            if cand.kind == "list":
                self.listed[cand.column] = self.listed.get(cand.column, 0) + 1
        self.columns = sorted({c.column for c in candidates})
        self.column_p: dict[str, float] = {}
        self.column_adjusted: dict[str, float] = dict.fromkeys(self.columns, 1.0)
        self.selected: list[str] = []
        self._nulls: dict[tuple[str, str], tuple[np.ndarray, int]] = {}
        self._alphas: list[float] = []
        if not self.columns or k in (0, n):
            return
        by_column: dict[str, list[Candidate]] = {}
        for cand in candidates:
            by_column.setdefault(cand.column, []).append(cand)
        raw = np.array([self._omnibus(by_column[c]) for c in self.columns])
        alpha = ALPHA_BY_DEPTH[1]
        adjusted = np.minimum(holm_adjust(raw) * ALPHA / alpha, 1.0)
        self.column_p = dict(zip(self.columns, raw.tolist(), strict=True))
        self.column_adjusted = dict(zip(self.columns, adjusted.tolist(), strict=True))
        self.selected = [c for c in self.columns if self.column_adjusted[c] < ALPHA]

    @property
    def share(self) -> float:
        """R / m: the share of columns that passed (at least one column's worth)."""
        return max(len(self.selected), 1) / max(len(self.columns), 1)

    def adjust(self, atoms: list[Atom], deals: np.ndarray, wins: np.ndarray) -> np.ndarray:
        """Each atom's p-value after both steps (see the class docstring)."""
        out = np.ones(len(atoms))
        if not atoms or self.k in (0, self.n):
            return out
        deals, wins = np.asarray(deals), np.asarray(wins)
        keys = [self._family(a, self.by_name.get(a.attribute)) for a in atoms]
        scale = ALPHA / ALPHA_BY_DEPTH[1] / self.share
        for key in sorted(set(keys)):
            rows = np.array([r for r, other in enumerate(keys) if other == key])
            within = self._within(key, atoms[rows[0]], deals[rows], wins[rows])
            column = self.column_adjusted.get(key[0], 1.0)
            out[rows] = np.minimum(np.maximum(column, within * scale), 1.0)
        # A column that matters differs somewhere, and its clearest condition (the largest
        # chi-square) is where: that condition carries the column's own verdict.
        score = pearson_chi_square(self.n, self.k, deals, wins)
        columns = np.array([a.column for a in atoms], dtype=object)
        for column in set(columns):
            rows = np.flatnonzero(columns == column)
            best = rows[np.argmax(score[rows])]
            out[best] = min(out[best], self.column_adjusted.get(column, 1.0))
        # Never surer of a condition than its own test against the rest is.
        return np.maximum(out, self.tests.against_rest(deals, wins))

    def typical_alpha(self) -> float:
        """The bar a single condition's own p-value must pass in a typical column: the
        single conditions' alpha shared by the columns, divided by the conditions it has."""
        if not self.columns:
            return 0.0
        alpha = ALPHA_BY_DEPTH[1] / len(self.columns)
        sizes = [max(self.space.get(name, 1), 1) for name in self.by_name]
        return float(alpha / np.median(sizes)) if sizes else alpha

    def _omnibus(self, cands: list[Candidate]) -> float:
        """The column's p-value: does its win rate vary over its levels at all?"""
        first = cands[0]
        if first.kind == "list":
            uses = np.array([np.asarray(c.index) == 0 for c in cands])
            won = (uses & (self.y == 1)).sum(axis=1)
            p = self.tests.against_rest(uses.sum(axis=1), won).min()
            return float(min(p * len(cands), 1.0))
        if first.levels is None:  # bins of unknown origin: Bonferroni over what they offer
            return self._best_condition_bound(first)
        levels = np.asarray(first.levels)
        codes = np.unique(np.where(levels >= 0, levels, levels.max() + 1), return_inverse=True)[1]
        counts = np.bincount(codes.reshape(-1))
        wins = np.bincount(codes.reshape(-1), weights=self.y, minlength=len(counts))
        rng = np.random.default_rng(20261122)
        shuffled = rng.multivariate_hypergeometric(counts, self.k, size=PERMUTATIONS)
        expected = counts * self.k / self.n
        observed = float(((wins - expected) ** 2).sum())
        null = ((shuffled - expected) ** 2).sum(axis=1)
        beaten = int((null >= observed - 1e-9).sum())
        p = (1 + beaten) / (PERMUTATIONS + 1)
        if not beaten:
            # No shuffle did as well: the best condition's analytic bound takes over from the
            # shuffles' resolution (a valid p-value of its own, so the smaller stays valid).
            p = min(p, self._best_condition_bound(first))
        # An ordered column (a number) also gets the trend test, as the learner's columns do.
        return with_trend(p, first.order, self.y)

    def _best_condition_bound(self, cand: Candidate) -> float:
        """Bonferroni over every condition the column could offer, at its best bin."""
        index = np.asarray(cand.index)
        deals = np.bincount(index, minlength=len(cand.conditions))
        wins = np.bincount(index, weights=self.y, minlength=len(cand.conditions))
        best = float(self.tests.against_rest(deals, wins.astype(np.int64)).min())
        return min(best * (max(self.space.get(cand.name, 1), 1) + 1), 1.0)

    def _within(self, key: tuple[str, str], atom: Atom, deals, wins) -> np.ndarray:
        """Conditions' p-values within their column: Bonferroni over a list's technologies
        (or bins of unknown origin), else the max-statistic permutation test."""
        column, kind = key
        if kind in ("list", "other"):
            m = self.listed.get(column, 0) if kind == "list" else self.space.get(atom.attribute, 1)
            p = self.tests.against_rest(deals, wins)
            return np.minimum(p * max(m, len(deals), 1), 1.0)
        cand = self.by_name[atom.attribute]
        observed = pearson_chi_square(self.n, self.k, deals, wins)
        null, conditions = self._null(cand, kind)
        beaten = (null[None, :] >= observed[:, None] - 1e-9).sum(axis=1)
        p = (1 + beaten) / (len(null) + 1)
        if kind == "group":
            bound = sps.chi2.sf(observed, max(conditions - 1, 1))
        else:
            bound = np.minimum(sps.chi2.sf(observed, 1) * max(conditions, 1), 1.0)
        p = np.where(beaten == 0, np.minimum(p, bound), p)
        if (
            kind in ("value", "group")
            and cand.levels is not None
            and len(np.unique(cand.levels)) > 2
        ):
            p = np.minimum(2 * p, 1.0)  # a category's values and its groups share its level
        return p

    @staticmethod
    def _family(atom: Atom, cand: Candidate | None) -> tuple[str, str]:
        if atom.kind == "list":
            return atom.column, "list"
        if cand is None or cand.levels is None or atom.condition.missing:
            return atom.column, "other"
        if cand.ordered:
            return atom.column, "range"
        values = atom.condition.values or ()
        return atom.column, "value" if len(values) == 1 else "group"

    def _null(self, cand: Candidate, kind: str) -> tuple[np.ndarray, int]:
        """The best score the family offers in each of ``PERMUTATIONS`` shuffles of the
        outcome (seeded: the same data always gives the same answer), and how many
        conditions it offers (a range's runs, a category's values; for groups, its values,
        whose chi-square with one degree of freedom fewer bounds any group's)."""
        key = (cand.column, kind)
        if key not in self._nulls:
            self._nulls[key] = self._shuffled_best(cand, kind)
        return self._nulls[key]

    def _shuffled_best(self, cand: Candidate, kind: str) -> tuple[np.ndarray, int]:
        rng = np.random.default_rng(20261122)
        levels = np.asarray(cand.levels)
        known = levels >= 0
        counts = np.bincount(levels[known])
        colours = np.append(counts, np.count_nonzero(~known))
        wins = rng.multivariate_hypergeometric(colours, self.k, size=PERMUTATIONS)
        wins, counts = wins[:, :-1].astype(float), counts.astype(float)
        nothing = np.zeros(PERMUTATIONS)
        if kind == "range":
            # Every run of neighbouring pre-bins but the whole range, as large as an atom.
            start, stop = np.triu_indices(len(counts) + 1, k=1)
            keep = ~((start == 0) & (stop == len(counts)))
            total = np.concatenate([[0.0], np.cumsum(counts)])
            size = (total[stop] - total[start])[keep]
            start, stop = start[keep], stop[keep]
            keep = (size >= self.floor) & (size <= self.n - self.floor)
            start, stop, size = start[keep], stop[keep], size[keep]
            if not len(size):
                return nothing, 1
            cum = np.concatenate([np.zeros((PERMUTATIONS, 1)), np.cumsum(wins, axis=1)], axis=1)
            scores = pearson_chi_square(self.n, self.k, size[None, :], cum[:, stop] - cum[:, start])
            return scores.max(axis=1), len(size)
        present = counts > 0
        wins, counts = wins[:, present], counts[present]
        if kind == "value":
            sized = (counts >= self.floor) & (counts <= self.n - self.floor)
            if not sized.any():
                return nothing, 1
            best = pearson_chi_square(self.n, self.k, counts[sized], wins[:, sized]).max(axis=1)
            return best, int(sized.sum())
        # The best group is among the values sorted by win rate, first ones together.
        order = np.argsort(wins / counts, axis=1, kind="stable")
        size = np.cumsum(counts[order], axis=1)[:, :-1]
        won = np.cumsum(np.take_along_axis(wins, order, axis=1), axis=1)[:, :-1]
        if not size.shape[1]:
            return nothing, len(counts)
        return pearson_chi_square(self.n, self.k, size, won).max(axis=1), len(counts)


def bin_verdicts(candidates: list[Candidate], won: np.ndarray) -> list[np.ndarray]:
    """Per candidate, each bin's p-value against the rest after the correction the search
    gives a single condition (:class:`SingleConditions`), so that a bin in the attribute
    profiles and the same condition among the segments read the same."""
    y = np.asarray(won, dtype=int)
    singles = SingleConditions(
        candidates, y, search_space(candidates, None), ProportionTests(len(y), int(y.sum()))
    )
    out = []
    for cand in candidates:
        atoms = [
            make_atom(cand, condition, cand.labels[j], cand.index == j)
            for j, condition in enumerate(cand.conditions)
        ]
        out.append(singles.adjust(atoms, cand.counts, cand.wins))
    return out


def bin_weights(
    candidates: list[Candidate], accounts: pd.DataFrame | None = None
) -> list[np.ndarray]:
    """Per candidate, each bin's share of alpha for a weighted Holm correction of bins tested
    against the rest (profiles of a number outcome, best against worst): counting every bin
    the binning could have produced, plus one for its missing or catch-all bin."""
    space = search_space(candidates, accounts)
    columns = {c.column for c in candidates}
    names_per_column: dict[str, set[str]] = {}
    for cand in candidates:
        names_per_column.setdefault(cand.column, set()).add(cand.name)
    out = []
    for cand in candidates:
        share = 1.0 / len(columns) / len(names_per_column[cand.column])
        weights = np.full(len(cand.conditions), share / (space[cand.name] + 1))
        if cand.kind not in ("numeric", "list"):
            levels = category_levels(cand)
            groups = 2**levels - 2 - levels
            for j, condition in enumerate(cand.conditions):
                single = condition.values is not None and len(condition.values) == 1
                if groups <= 0:
                    weights[j] = share / (levels + 1)
                else:
                    weights[j] = share / 2 / (levels if single else groups + 1)
        out.append(weights)
    return out
