"""Segment discovery: conjunctions of attribute conditions that win (ICP) or lose (anti-ICP).

The search works on *conditions*: every contiguous range of a numeric attribute's bins (the
search, not a fixed grid, decides where a range starts and ends), each category group and each
common single category, each technology ("uses X"). It scores every condition alone, every pair
of conditions on different attributes among the strongest ones, and extends the best pairs to
triples (a beam search), each by weighted relative accuracy: coverage x gain over the base rate,
which trades lift against size.

A skeptic's two questions decide whether a segment is called significant:

- does it win (or lose) more than the rest of the deals, beyond chance? and
- does *each* of its conditions add to the others, beyond chance? ("Software and Germany" is
  not a finding when Germany adds nothing to Software.)

The segment's p-value is the larger of these tests (an intersection-union test, valid without
further adjustment). The 5% chance of any false "significant" is shared between depths: 4% for
single conditions, 0.75% for pairs, 0.25% for triples. For pairs and triples Holm's step-down
correction counts every conjunction the search *could* have formed, not only the ones it looked
at, since choosing the promising ones to look at is itself a use of the data. Single
conditions are corrected in two steps (:class:`SingleConditions`): one omnibus test per column
(does it matter at all?, Holm across columns), then its conditions against the best one the
column could have offered by chance.

What is quoted as the ICP or the anti-ICP is stricter than what is significant: a group of
category values only when each value holds on its own (:func:`_values_hold`), and never an
attribute that adds nothing beyond the others (:func:`redundant_attributes`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.special import gammaln

from icpkit.conditions import Condition, describe_range
from icpkit.discover.binning import PREBINS, Candidate
from icpkit.stats import fit_logistic, holm_adjust, wilson_interval, with_trend

ALPHA = 0.05
ALPHA_BY_DEPTH = {1: 0.04, 2: 0.0075, 3: 0.0025}
MAX_PAIR_ATOMS = 60  # the strongest conditions alone are paired with each other
BEAM_WIDTH = 30  # pairs of each kind extended to triples
SAME_SEGMENT_OVERLAP = 0.9  # a shortlisted segment this alike to a better one is left out
DETECTABLE_SHARES = (0.1, 0.25, 0.5)
PERMUTATIONS = 2000  # shuffles of the outcome that measure each attribute's multiplicity
MAX_REDUNDANCY_COLUMNS = 8  # the strongest columns weighed for what each adds to the others


@dataclass(frozen=True)
class Atom:
    """One condition on one attribute, with the accounts it covers."""

    attribute: str  # display name; two atoms on one attribute never pair up
    column: str
    kind: str
    condition: Condition
    label: str
    integral: bool
    mask: np.ndarray = field(repr=False, compare=False)

    def to_json(self) -> dict:
        c = self.condition
        if c.values is not None:
            return {"attribute": self.column, "values": list(c.values)}
        out: dict = {"attribute": self.column}
        if c.min is not None:
            out["min"] = c.min
        if c.less_than is not None:
            if self.integral:
                out["max"] = c.less_than - 1
            else:
                out["max"] = c.less_than
                out["max_exclusive"] = True
        return out


@dataclass
class Segment:
    kind: str  # "icp" or "anti"
    atoms: tuple[Atom, ...]
    accounts: int
    won: int
    win_rate: float
    ci: tuple[float, float]
    lift: float
    quality: float
    p_value: float
    p_adjusted: float = 1.0
    significant: bool = False
    # Every group of values in it is made of values that each differ the same way beyond
    # chance (see _values_hold): only such segments are quoted as the ICP or the anti-ICP.
    values_hold: bool = True

    @property
    def description(self) -> str:
        return " and ".join(f"{a.attribute}: {a.label}" for a in self.atoms)

    @property
    def mask(self) -> np.ndarray:
        return np.logical_and.reduce([a.mask for a in self.atoms])

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "description": self.description,
            "conditions": [a.to_json() for a in self.atoms],
            "accounts": self.accounts,
            "won": self.won,
            "win_rate": self.win_rate,
            "ci": list(self.ci),
            "lift": self.lift,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "significant": self.significant,
            "values_hold": self.values_hold,
        }


@dataclass
class SegmentSearch:
    """What the search found, and how many segments it tried (the correction's denominator)."""

    icp: list[Segment]
    anti: list[Segment]
    tried: int
    base_rate: float
    primary: Segment | None  # the ICP in one conjunction, for the one-paragraph summary
    # Per depth (1, 2, 3): conjunctions looked at, and all it could have formed (Holm's m).
    looked_at: dict[int, int] = field(default_factory=dict)
    could_form: dict[int, int] = field(default_factory=dict)
    # The smallest effect the data could have shown: see minimum_detectable_effect().
    detectable: list[dict] = field(default_factory=list)
    evaluated: list[Segment] = field(default_factory=list)  # all, when asked (keep_all)
    # Per column, its omnibus test (does it matter at all?) before and after Holm.
    columns: dict[str, dict] = field(default_factory=dict)
    # Columns that add nothing beyond the others: see redundant_attributes().
    redundant: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> list[dict]:
        return [s.to_json() for s in [*self.icp, *self.anti]]

    def summary(self) -> dict:
        """How the search was run and corrected, for profiles.json and the report."""
        return {
            "alpha_by_depth": {str(d): a for d, a in ALPHA_BY_DEPTH.items()},
            "looked_at": {str(d): n for d, n in self.looked_at.items()},
            "could_form": {str(d): n for d, n in self.could_form.items()},
            "significant_icp": sum(s.significant for s in self.icp),
            "significant_anti": sum(s.significant for s in self.anti),
            "minimum_detectable_effect": self.detectable,
            "columns": self.columns,
            "redundant_attributes": self.redundant,
        }


def find_segments(
    candidates: list[Candidate],
    won: np.ndarray,
    top: int = 10,
    accounts: pd.DataFrame | None = None,
    keep_all: bool = False,
) -> SegmentSearch:
    """Search conjunctions of up to three conditions; the ``top`` ICP and anti-ICP segments by
    quality (significant ones first), plus every significant single condition.

    ``candidates`` are the binned attributes (:class:`AttributeBinner`), ``won`` 1/0 per row.
    ``accounts`` (optional, the rows the candidates were binned on) adds single categories
    inside the binning's groups to the conditions searched. ``keep_all`` keeps every segment
    looked at in ``evaluated`` (for benchmarks against other search tools).
    """
    y = np.asarray(won, dtype=int)
    n, base = len(y), float(y.mean())
    space = _search_space(candidates, accounts)
    tests = _TestCache(n, int(y.sum()))
    singles = SingleConditions(candidates, y, space, tests)
    atoms = _atoms(candidates, n, accounts)
    atoms = _unique(atoms + _significant_values_together(atoms, singles, y))
    table = _Counts(atoms, y)
    single_adjusted = singles.adjust(atoms, table.deals, table.wins)
    holds = _values_hold(atoms, single_adjusted, table)
    found = _Found(table, tests)
    found.add_singles()
    strongest = table.strongest(MAX_PAIR_ATOMS)
    found.add_pairs(strongest)
    found.add_triples(strongest)
    could_form = _conjunctions_possible(atoms, space)
    found.correct(could_form, single_adjusted)
    segments = found.segments()
    for s in segments:
        s.values_hold = all(holds[id(a)] for a in s.atoms)
    by_key = {tuple(sorted(id(a) for a in s.atoms)): s for s in segments}
    useful = [s for s in segments if _adds_to_parts(s, by_key)]
    icp = _shortlist([s for s in useful if s.kind == "icp"], top)
    anti = _shortlist([s for s in useful if s.kind == "anti"], top)
    redundant = redundant_attributes(candidates, y, singles.selected)
    eligible = [holds[id(a)] and a.column not in redundant for a in atoms]
    primary = _primary(atoms, table, could_form, single_adjusted, np.array(eligible, dtype=bool))
    return SegmentSearch(
        icp,
        anti,
        tried=sum(found.looked_at.values()),
        base_rate=base,
        primary=primary,
        looked_at=dict(found.looked_at),
        could_form=could_form,
        detectable=minimum_detectable_effect(n, base, singles.typical_alpha()),
        evaluated=segments if keep_all else [],
        columns={
            c: {"p_value": singles.column_p.get(c, 1.0), "p_adjusted": singles.column_adjusted[c]}
            for c in singles.columns
        },
        redundant=redundant,
    )


# ---- counting -------------------------------------------------------------------------------


class _Counts:
    """Deals and wins of every atom, and of atoms taken together, by matrix products: the
    search never loops over rows in Python."""

    def __init__(self, atoms: list[Atom], y: np.ndarray) -> None:
        self.atoms, self.y = atoms, y
        self.n, self.k = len(y), int(y.sum())
        self.base = self.k / self.n if self.n else 0.0
        self.matrix = np.array([a.mask for a in atoms], dtype=bool).reshape(len(atoms), len(y))
        self.deals = np.count_nonzero(self.matrix, axis=1).astype(np.int64)
        self.wins = np.count_nonzero(self.matrix & (y == 1), axis=1).astype(np.int64)
        self.attribute = np.array([a.attribute for a in atoms], dtype=object)

    def quality(self, deals: np.ndarray, wins: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(deals > 0, wins / np.maximum(deals, 1), self.base)
        return deals / self.n * (rate - self.base)

    def strongest(self, limit: int) -> np.ndarray:
        order = np.argsort(-np.abs(self.quality(self.deals, self.wins)), kind="stable")
        return np.sort(order[:limit])

    def within(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Deals and wins of every atom among the rows of ``mask``."""
        inside = self.matrix & mask
        return (
            np.count_nonzero(inside, axis=1).astype(np.int64),
            np.count_nonzero(inside & (self.y == 1), axis=1).astype(np.int64),
        )

    def pair_counts(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = self.matrix[rows].astype(np.float64)
        deals = np.rint(m @ m.T).astype(np.int64)
        wins = np.rint((m * self.y.astype(np.float64)) @ m.T).astype(np.int64)
        return deals, wins


class _Found:
    """Every conjunction looked at: its atoms, counts and the p-value of the skeptic's tests."""

    def __init__(self, table: _Counts, tests: _TestCache) -> None:
        self.table = table
        self.keys: list[tuple[int, ...]] = []
        self.deals: list[np.ndarray] = []
        self.wins: list[np.ndarray] = []
        self.p_values: list[np.ndarray] = []
        self.depths: list[np.ndarray] = []
        self.looked_at: dict[int, int] = {1: 0, 2: 0, 3: 0}
        self.tests = tests

    def _add(self, keys, deals, wins, p) -> None:
        depth = len(keys[0]) if keys else 1
        self.keys += keys
        self.deals.append(np.asarray(deals, dtype=np.int64))
        self.wins.append(np.asarray(wins, dtype=np.int64))
        self.p_values.append(np.asarray(p, dtype=float))
        self.depths.append(np.full(len(keys), depth))
        self.looked_at[depth] += len(keys)

    def add_singles(self) -> None:
        t = self.table
        keep = (t.deals > 0) & (t.deals < t.n)
        rows = np.flatnonzero(keep)
        p = self.tests.against_rest(t.deals[rows], t.wins[rows])
        self._add([(int(i),) for i in rows], t.deals[rows], t.wins[rows], p)

    def add_pairs(self, strongest: np.ndarray) -> None:
        t = self.table
        self.pair_deals, self.pair_wins = t.pair_counts(strongest)
        self.strongest = strongest
        i, j = np.triu_indices(len(strongest), k=1)
        different = t.attribute[strongest[i]] != t.attribute[strongest[j]]
        i, j = i[different], j[different]
        deals, wins = self.pair_deals[i, j], self.pair_wins[i, j]
        keep = (deals > 0) & (deals < t.n)
        i, j, deals, wins = i[keep], j[keep], deals[keep], wins[keep]
        a, b = strongest[i], strongest[j]
        p = np.maximum.reduce(
            [
                self.tests.against_rest(deals, wins),
                self.tests.adds(deals, wins, t.deals[b], t.wins[b]),  # a, given b
                self.tests.adds(deals, wins, t.deals[a], t.wins[a]),  # b, given a
            ]
        )
        keys = [(int(x), int(z)) for x, z in zip(a, b, strict=True)]
        self._add(keys, deals, wins, p)
        self._pair_index = {key: n for n, key in enumerate(keys)}
        self._pair_rows = (i, j)

    def add_triples(self, strongest: np.ndarray) -> None:
        """Extend the best pairs of each kind by a third condition (beam search)."""
        t = self.table
        if not self._pair_index:
            return
        deals, wins = self.deals[-1], self.wins[-1]
        quality = t.quality(deals, wins)
        beam = [
            *np.argsort(-quality, kind="stable")[:BEAM_WIDTH],
            *np.argsort(quality, kind="stable")[:BEAM_WIDTH],
        ]
        beam = sorted({int(b) for b in beam if deals[b] > 0})
        if not beam:
            return
        i, j = self._pair_rows[0][beam], self._pair_rows[1][beam]
        masks = (t.matrix[strongest[i]] & t.matrix[strongest[j]]).astype(np.float64)
        m = t.matrix[strongest].astype(np.float64)
        triple_deals = np.rint(masks @ m.T).astype(np.int64)
        triple_wins = np.rint((masks * t.y.astype(np.float64)) @ m.T).astype(np.int64)
        seen: set[tuple[int, int, int]] = set()
        rows: list[tuple[int, int, int]] = []
        for b_pos, (pi, pj) in enumerate(zip(i, j, strict=True)):
            used = {t.attribute[strongest[pi]], t.attribute[strongest[pj]]}
            for c in range(len(strongest)):
                if t.attribute[strongest[c]] in used:
                    continue
                key = tuple(sorted((int(pi), int(pj), c)))
                if key not in seen:
                    seen.add(key)
                    rows.append((b_pos, *key))
        if not rows:
            return
        spot = np.array(rows)
        b_pos, x, z, w = spot.T
        extra = np.where(x == i[b_pos], np.where(z == j[b_pos], w, z), x)
        deals3 = triple_deals[b_pos, extra]
        wins3 = triple_wins[b_pos, extra]
        keep = (deals3 > 0) & (deals3 < t.n)
        x, z, w, deals3, wins3 = x[keep], z[keep], w[keep], deals3[keep], wins3[keep]
        pd_, pw = self.pair_deals, self.pair_wins
        p = np.maximum.reduce(
            [
                self.tests.against_rest(deals3, wins3),
                self.tests.adds(deals3, wins3, pd_[z, w], pw[z, w]),  # x, given z and w
                self.tests.adds(deals3, wins3, pd_[x, w], pw[x, w]),
                self.tests.adds(deals3, wins3, pd_[x, z], pw[x, z]),
            ]
        )
        keys = [
            (int(strongest[a]), int(strongest[b]), int(strongest[c]))
            for a, b, c in zip(x, z, w, strict=True)
        ]
        self._add(keys, deals3, wins3, p)

    def correct(self, could_form: dict[int, int], single_adjusted: np.ndarray) -> None:
        p = np.concatenate(self.p_values) if self.p_values else np.zeros(0)
        depth = np.concatenate(self.depths) if self.depths else np.zeros(0, int)
        self.p = p
        self.p_adjusted = np.ones(len(p))
        for d, alpha in ALPHA_BY_DEPTH.items():
            rows = np.flatnonzero(depth == d)
            if not len(rows):
                continue
            if d == 1:  # already on the ALPHA scale (SingleConditions.adjust)
                atom = np.array([self.keys[r][0] for r in rows], dtype=int)
                self.p_adjusted[rows] = single_adjusted[atom]
                continue
            adjusted = holm_with_unseen(p[rows], max(could_form[d], len(rows)))
            # Scaled so that "significant" always reads p_adjusted < 5%.
            self.p_adjusted[rows] = np.minimum(adjusted * ALPHA / alpha, 1.0)

    def segments(self) -> list[Segment]:
        t = self.table
        deals = np.concatenate(self.deals) if self.deals else np.zeros(0, np.int64)
        wins = np.concatenate(self.wins) if self.wins else np.zeros(0, np.int64)
        low, high = wilson_interval(wins, deals)
        low, high = np.atleast_1d(low), np.atleast_1d(high)
        quality = t.quality(deals, wins)
        out = []
        for r, key in enumerate(self.keys):
            rate = wins[r] / deals[r]
            out.append(
                Segment(
                    kind="icp" if rate >= t.base else "anti",
                    atoms=tuple(t.atoms[a] for a in key),
                    accounts=int(deals[r]),
                    won=int(wins[r]),
                    win_rate=float(rate),
                    ci=(float(low[r]), float(high[r])),
                    lift=float(rate / t.base) if t.base else math.nan,
                    quality=float(quality[r]),
                    p_value=float(self.p[r]),
                    p_adjusted=float(self.p_adjusted[r]),
                    significant=bool(self.p_adjusted[r] < ALPHA),
                )
            )
        return out


class _TestCache:
    """Two-sided tests of one group's win rate against another's: Fisher's exact test for
    small tables, the chi-square test with Yates' correction once counts are large (the same
    rule as :func:`icpkit.stats.proportion_test`), vectorised, small tables memoised."""

    def __init__(self, n: int, k: int) -> None:
        self.n, self.k = n, k
        self._fisher: dict[tuple[int, int, int, int], float] = {}
        self._lf = gammaln(np.arange(n + 2, dtype=float))  # log((i - 1)!) at i: see below

    def against_rest(self, deals: np.ndarray, wins: np.ndarray) -> np.ndarray:
        return self.compare(deals, wins, self.n - deals, self.k - wins)

    def adds(self, deals, wins, within_deals, within_wins) -> np.ndarray:
        """Does a condition add, within the deals the other conditions already select? The
        segment against the deals of the others that lack this condition."""
        return self.compare(deals, wins, within_deals - deals, within_wins - wins)

    def compare(self, n1, k1, n2, k2) -> np.ndarray:
        n1, k1, n2, k2 = (np.asarray(v, dtype=np.int64) for v in (n1, k1, n2, k2))
        p = np.ones(len(n1))
        cells = np.stack([k1, n1 - k1, k2, n2 - k2])
        valid = (n1 > 0) & (n2 > 0) & (cells.min(axis=0) >= 0)
        large = valid & (np.minimum(n1, n2) >= 200) & (cells.min(axis=0) >= 10)
        if large.any():
            p[large] = _chi_square_yates(n1[large], k1[large], n2[large], k2[large])
        for r in np.flatnonzero(valid & ~large):
            key = (int(k1[r]), int(n1[r]), int(k2[r]), int(n2[r]))
            if key not in self._fisher:
                self._fisher[key] = fisher_exact_two_sided(*key, log_factorial=self._lf)
            p[r] = self._fisher[key]
        return p


def fisher_exact_two_sided(
    k1: int, n1: int, k2: int, n2: int, log_factorial: np.ndarray | None = None
) -> float:
    """Fisher's exact test of k1/n1 against k2/n2, two-sided as in scipy (tables no more
    likely than the one observed, with the same 1e-7 relative tolerance), but written on log
    factorials: scipy's general version costs a millisecond a table, and the search tests
    thousands. ``log_factorial[i]`` = log((i - 1)!) for i up to n1 + n2 + 1 (optional)."""
    won, n = k1 + k2, n1 + n2
    lf = log_factorial if log_factorial is not None else gammaln(np.arange(n + 2, dtype=float))
    low, high = max(0, won - n2), min(won, n1)
    x = np.arange(low, high + 1)
    log_pmf = (
        _log_choose(lf, n1, x) + _log_choose(lf, n2, won - x) - _log_choose(lf, n, np.int64(won))
    )
    observed = log_pmf[k1 - low]
    p = np.exp(log_pmf[log_pmf <= observed + np.log1p(1e-7)]).sum()
    return float(min(p, 1.0))


def _log_choose(lf: np.ndarray, n, k):
    return lf[n + 1] - lf[k + 1] - lf[n - k + 1]


def holm_with_unseen(p_values: np.ndarray, m: int) -> np.ndarray:
    """Holm's step-down adjustment of ``p_values`` among ``m`` hypotheses, the others never
    tested (counted as p = 1, so they sort last): the same numbers as
    :func:`icpkit.stats.holm_adjust` on the padded list, without building it."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    # m can exceed any machine integer (every group of 60 categories): count it as a float.
    steps = np.maximum.accumulate((float(m) - np.arange(len(p))) * p[order])
    adjusted = np.empty(len(p))
    adjusted[order] = np.minimum(steps, 1.0)
    return adjusted


def _chi_square_yates(n1, k1, n2, k2) -> np.ndarray:
    n = (n1 + n2).astype(float)
    won, lost = (k1 + k2).astype(float), (n1 + n2 - k1 - k2).astype(float)
    diff = np.abs(k1 * (n2 - k2) - k2 * (n1 - k1)).astype(float)
    diff = np.maximum(diff - n / 2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = n * diff**2 / (n1 * n2 * won * lost)
    chi2 = np.nan_to_num(chi2, nan=0.0)
    return sps.chi2.sf(chi2, 1)


def _conjunctions_possible(
    atoms: list[Atom], space: dict[str, int] | None = None
) -> dict[int, int]:
    """How many conjunctions of 1, 2 and 3 conditions on different attributes the search
    could have formed: the elementary symmetric sums of the number of conditions per attribute
    (``space``, see :func:`_search_space`; by default the atoms each attribute has)."""
    per_attribute: dict[str, int] = {}
    for atom in atoms:
        per_attribute[atom.attribute] = per_attribute.get(atom.attribute, 0) + 1
    for attribute, size in (space or {}).items():
        if attribute in per_attribute:
            per_attribute[attribute] = max(per_attribute[attribute], size)
    e = [1, 0, 0, 0]
    for count in per_attribute.values():
        for d in (3, 2, 1):
            e[d] += e[d - 1] * count
    return {1: e[1], 2: e[2], 3: e[3]}


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
        tests: _TestCache,
    ) -> None:
        """``candidates``: the binned attributes; ``won``: 1/0 per deal; ``space``:
        :func:`_search_space`; ``tests``: the search's (memoised) tests against the rest."""
        self.y = np.asarray(won, dtype=float)
        n, k = len(self.y), int(self.y.sum())
        self.n, self.k = n, k
        self.floor = _atom_floor(n)
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
        if kind in ("value", "group") and len(np.unique(cand.levels)) > 2:
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


def pearson_chi_square(n: int, k: int, deals, wins) -> np.ndarray:
    """Pearson's chi-square (no continuity correction) of ``wins`` of ``deals`` against the
    rest of ``n`` deals with ``k`` wins in all; 0 where a side is empty."""
    deals, wins = np.asarray(deals, dtype=float), np.asarray(wins, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = n * (wins * n - deals * k) ** 2 / (deals * (n - deals) * k * (n - k))
    return np.nan_to_num(score, nan=0.0, posinf=0.0)


def _atom_floor(n: int) -> int:
    """The fewest deals a condition must hold (and leave out) to be searched: 10, or 2% of
    the deals, the share below which the binning calls a category rare."""
    return max(10, int(0.02 * n))


def bin_verdicts(candidates: list[Candidate], won: np.ndarray) -> list[np.ndarray]:
    """Per candidate, each bin's p-value against the rest after the correction the search
    gives a single condition (:class:`SingleConditions`), so that a bin in the attribute
    profiles and the same condition among the segments read the same."""
    y = np.asarray(won, dtype=int)
    singles = SingleConditions(
        candidates, y, _search_space(candidates, None), _TestCache(len(y), int(y.sum()))
    )
    out = []
    for cand in candidates:
        atoms = [
            _atom(cand, condition, cand.labels[j], cand.index == j)
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
    space = _search_space(candidates, accounts)
    columns = {c.column for c in candidates}
    names_per_column: dict[str, set[str]] = {}
    for cand in candidates:
        names_per_column.setdefault(cand.column, set()).add(cand.name)
    out = []
    for cand in candidates:
        share = 1.0 / len(columns) / len(names_per_column[cand.column])
        weights = np.full(len(cand.conditions), share / (space[cand.name] + 1))
        if cand.kind not in ("numeric", "list"):
            levels = _category_levels(cand)
            groups = 2**levels - 2 - levels
            for j, condition in enumerate(cand.conditions):
                single = condition.values is not None and len(condition.values) == 1
                if groups <= 0:
                    weights[j] = share / (levels + 1)
                else:
                    weights[j] = share / 2 / (levels if single else groups + 1)
        out.append(weights)
    return out


def _category_levels(cand: Candidate) -> int:
    named = {v for cond in cand.conditions if cond.values for v in cond.values}
    return max(len(named), 2)


def _search_space(candidates: list[Candidate], accounts: pd.DataFrame | None) -> dict[str, int]:
    """Per attribute, how many conditions the binning and the search could have chosen from.

    The bins themselves were placed by looking at the outcome, so the conditions actually
    formed understate what was tried. Optimal binning cuts a number into runs of its pre-bins
    (:func:`icpkit.discover.binning.quantile_prebins`, at most ``PREBINS``); the search then
    takes contiguous runs of bins, so every contiguous run of pre-bins could have come out:
    c(c + 1)/2 - 1 of them for c pre-bins (the run of all of them is no condition). Categories
    are grouped in the order of their win rates, itself read from the data, so any group of the
    c categories could have come out: 2^c - 2 of them. A technology is one yes/no."""
    space: dict[str, int] = {}
    for cand in candidates:
        if cand.kind == "list":
            c = 1
        elif cand.kind == "numeric" and cand.ordered and cand.levels is not None:
            levels = max(int(np.max(cand.levels, initial=0)) + 1, 2)
            c = levels * (levels + 1) // 2 - 1
        elif cand.kind == "numeric":
            distinct = PREBINS
            if accounts is not None and cand.column in accounts.columns:
                distinct = int(pd.to_numeric(accounts[cand.column], errors="coerce").nunique())
            levels = min(PREBINS, max(distinct, 2))
            c = levels * (levels + 1) // 2 - 1
        else:
            c = 2 ** _category_levels(cand) - 2  # any group of the categories against the rest
        space[cand.name] = max(space.get(cand.name, 0), c)
    return space


# ---- choosing what to show ------------------------------------------------------------------


def _shortlist(segments: list[Segment], top: int) -> list[Segment]:
    """The best ``top`` by quality, leaving out near-copies of a better one (a segment that
    covers nearly the same deals says nothing new), plus the best significant one-condition
    segment of every attribute not on the list yet: a reader looks for each attribute's
    verdict, and the paragraph quotes them. On large data every correlate of size is
    significant; one per attribute keeps the list readable."""
    chosen: list[Segment] = []
    masks: list[np.ndarray] = []
    ranked = sorted(segments, key=_rank)
    for s in ranked:
        if len(chosen) >= top:
            break
        mask = s.mask
        if any(_overlap(mask, m) >= SAME_SEGMENT_OVERLAP for m in masks):
            continue
        chosen.append(s)
        masks.append(mask)
    covered = {s.atoms[0].attribute for s in chosen if len(s.atoms) == 1}
    for s in ranked:
        if s.significant and len(s.atoms) == 1 and s.atoms[0].attribute not in covered:
            chosen.append(s)
            covered.add(s.atoms[0].attribute)
    return chosen


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 1.0


def _rank(s: Segment) -> tuple:
    return (not s.significant, not s.values_hold, -abs(s.quality))


def _adds_to_parts(s: Segment, by_key: dict) -> bool:
    """A conjunction earns a place on the list only if it is sharper than each of its parts
    (the significance test asks the same beyond chance; this also filters what is shown)."""
    if len(s.atoms) == 1:
        return True
    for part_atoms in itertools.combinations(s.atoms, len(s.atoms) - 1):
        part = by_key.get(tuple(sorted(id(a) for a in part_atoms)))
        if part is None:
            continue
        if s.kind == "icp" and s.win_rate <= part.win_rate * 1.1:
            return False
        if s.kind == "anti" and s.win_rate >= part.win_rate * 0.9:
            return False
    return True


def _primary(
    atoms: list[Atom],
    table: _Counts,
    could_form: dict[int, int],
    single_adjusted: np.ndarray,
    eligible: np.ndarray,
) -> Segment | None:
    """Grow the best significant single condition into the sharpest conjunction that still
    holds up: each added condition (the one that gains most wins where it applies) must
    raise the win rate by a tenth, keep at least 5% of the
    deals (and 30), add to the others beyond chance, and the whole must stay significant
    (a single condition as corrected by :class:`SingleConditions`, deeper ones against a
    Bonferroni bar for every conjunction of their depth). Only ``eligible`` conditions are
    used: groups of values each of which wins beyond chance, on attributes that add something
    beyond the others (see :func:`_values_hold` and :func:`redundant_attributes`)."""
    n = table.n
    floor = max(30, int(0.05 * n))
    tests = _TestCache(table.n, table.k)
    current: Segment | None = None
    current_mask = np.ones(n, dtype=bool)
    while current is None or len(current.atoms) < 3:
        depth = 1 if current is None else len(current.atoms) + 1
        used = set() if current is None else {a.attribute for a in current.atoms}
        rows = [r for r, a in enumerate(atoms) if a.attribute not in used and eligible[r]]
        if not rows:
            break
        share = np.full(len(rows), 1 / max(could_form[depth], 1))
        deals, wins = table.within(current_mask)
        deals, wins = deals[rows], wins[rows]
        p = tests.against_rest(deals, wins)
        if current is not None:
            p = np.maximum(p, tests.adds(deals, wins, current.accounts, current.won))
            for part in current.atoms:  # every earlier condition must still add
                others = np.logical_and.reduce(
                    [np.ones(n, dtype=bool)] + [a.mask for a in current.atoms if a is not part]
                )
                other_deals, other_wins = table.within(others)
                p = np.maximum(p, tests.adds(deals, wins, other_deals[rows], other_wins[rows]))
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(deals > 0, wins / np.maximum(deals, 1), 0.0)
        if depth == 1:
            adjusted = single_adjusted[rows]
        else:
            adjusted = np.minimum(p / share * ALPHA / ALPHA_BY_DEPTH[depth], 1.0)
        ok = (deals >= floor) & (adjusted < ALPHA) & (rate > table.base)
        if current is not None:
            ok &= rate >= current.win_rate * 1.1
        if not ok.any():
            break
        quality = table.quality(deals, wins)
        # A condition added is judged where it applies: the wins it gains over the segment so
        # far (its deals times the rise in win rate), not over everyone, which would favour
        # a condition that keeps nearly all of the segment and sharpens it little.
        gain = quality if current is None else deals * (rate - current.win_rate)
        best = int(np.flatnonzero(ok)[np.argmax(gain[ok])])
        chosen = (*(current.atoms if current else ()), atoms[rows[best]])
        current_mask = table.matrix[rows[best]] & current_mask
        low, high = wilson_interval(int(wins[best]), int(deals[best]))
        current = Segment(
            kind="icp",
            atoms=chosen,
            accounts=int(deals[best]),
            won=int(wins[best]),
            win_rate=float(rate[best]),
            ci=(low, high),
            lift=float(rate[best] / table.base),
            quality=float(quality[best]),
            p_value=float(p[best]),
        )
        current.p_adjusted = float(adjusted[best])
        current.significant = current.p_adjusted < ALPHA
    return current


# ---- what a group of values, and an attribute, can be quoted for ------------------------------


def _value_verdicts(
    atoms: list[Atom], adjusted: np.ndarray, deals: np.ndarray, wins: np.ndarray, base: float
) -> dict[tuple[str, str], str]:
    """(column, value) -> "icp" or "anti" for every single category value that wins or loses
    beyond chance on its own (``adjusted`` from :meth:`SingleConditions.adjust`)."""
    verdicts = {}
    for r, atom in enumerate(atoms):
        values = atom.condition.values
        if atom.kind == "list" or values is None or len(values) != 1 or adjusted[r] >= ALPHA:
            continue
        kind = "icp" if wins[r] >= base * deals[r] else "anti"
        verdicts[(atom.column, str(values[0]))] = kind
    return verdicts


def _significant_values_together(
    atoms: list[Atom], singles: SingleConditions, y: np.ndarray
) -> list[Atom]:
    """Per category, the values that each win beyond chance as one condition, and those that
    each lose ("Government or Education"): what the ICP and the anti-ICP say about the
    column. A group of values is among those the correction already counts (any group is)."""
    single = [a for a in atoms if a.kind != "list" and a.condition.values is not None]
    single = [a for a in single if len(a.condition.values) == 1]
    if not single:
        return []
    masks = np.array([a.mask for a in single], dtype=bool)
    deals = masks.sum(axis=1)
    wins = (masks & (y == 1)).sum(axis=1)
    verdicts = _value_verdicts(single, singles.adjust(single, deals, wins), deals, wins, y.mean())
    out = []
    for column in sorted({a.column for a in single}):
        for kind in ("icp", "anti"):
            chosen = [a for a in single if verdicts.get((a.column, a.condition.values[0])) == kind]
            chosen = [a for a in chosen if a.column == column]
            if len(chosen) < 2:
                continue
            values = tuple(sorted(str(a.condition.values[0]) for a in chosen))
            mask = np.logical_or.reduce([a.mask for a in chosen])
            label = " or ".join(values)
            first = chosen[0]
            condition = Condition(values=values)
            out.append(Atom(first.attribute, column, first.kind, condition, label, True, mask))
    return out


def _values_hold(atoms: list[Atom], adjusted: np.ndarray, table: _Counts) -> dict[int, bool]:
    """Per atom (by id): can it be quoted as it reads? A range, a technology or one value
    always; a group of values only when each of its values wins (or loses, as the group does)
    beyond chance on its own. A group the binning formed may carry a value that merely sits
    on the right side of the average ("Transportation & Logistics", 26% against 23%): true
    of the group, not of that value."""
    verdicts = _value_verdicts(atoms, adjusted, table.deals, table.wins, table.base)
    out = {}
    for r, atom in enumerate(atoms):
        values = atom.condition.values
        if atom.kind == "list" or values is None or len(values) < 2:
            out[id(atom)] = True
            continue
        kind = "icp" if table.wins[r] >= table.base * table.deals[r] else "anti"
        out[id(atom)] = all(verdicts.get((atom.column, str(v))) == kind for v in values)
    return out


def redundant_attributes(
    candidates: list[Candidate], won: np.ndarray, columns: list[str]
) -> dict[str, list[str]]:
    """Columns (of ``columns``, those that matter) that add nothing beyond the others, each
    with the columns it is explained by: annual revenue, once employees and industry are
    known, when revenue is mostly size and industry.

    Measured, not assumed: each column's bins are tested for what they add to a logistic
    regression on the bins of all the others (a likelihood-ratio test); the columns are then
    taken in order of that independent evidence, strongest first, and a column is kept only
    if it adds, beyond chance, to the ones kept before it. Of two columns carrying the same
    signal, the one that still adds when the other is known is kept. Technologies stay out
    (each is one yes/no); at most ``MAX_REDUNDANCY_COLUMNS`` of the strongest columns are
    weighed, so the fits stay small on wide data."""
    y = np.asarray(won, dtype=float)
    by_column = {c.column: c for c in candidates if c.kind != "list" and c.column in set(columns)}
    if len(by_column) < 2 or y.min() == y.max():
        return {}
    strength = {c: -by_column[c].iv for c in by_column}
    names = sorted(by_column, key=lambda c: strength[c])[:MAX_REDUNDANCY_COLUMNS]
    # Deals that fall in the same bin of every column weighed are one binomial row: the fits
    # see thousands of rows however many deals there are, with the same likelihood.
    bins = np.column_stack([np.asarray(by_column[c].index) for c in names])
    patterns, inverse = np.unique(bins, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    deals = np.bincount(inverse).astype(float)
    rate = np.bincount(inverse, weights=y) / deals
    design = {c: _bin_dummies(patterns[:, i], deals) for i, c in enumerate(names)}
    deviances: dict[frozenset, float] = {}

    def deviance(columns: list[str]) -> float:
        key = frozenset(columns)
        if key not in deviances:
            x = [design[c] for c in names if c in key]
            deviances[key] = _deviance(
                np.column_stack(x) if x else np.zeros((len(deals), 0)), rate, deals
            )
        return deviances[key]

    def added(column: str, given: list[str]) -> float:
        """p-value of the likelihood-ratio test of ``column``'s bins beyond ``given``'s."""
        extra = design[column].shape[1]
        drop = deviance(given) - deviance([*given, column])
        return float(sps.chi2.sf(max(drop, 0.0), extra)) if extra else 1.0

    alone = {c: added(c, [o for o in names if o != c]) for c in names}
    kept: list[str] = []
    redundant: dict[str, list[str]] = {}
    for column in sorted(names, key=lambda c: (alone[c], strength[c])):
        if not kept or added(column, kept) < ALPHA:
            kept.append(column)
        else:
            redundant[column] = list(kept)
    return redundant


def _bin_dummies(index: np.ndarray, deals: np.ndarray) -> np.ndarray:
    """One 0/1 column per bin but the one with most deals (the reference)."""
    bins = np.bincount(index, weights=deals)
    reference = int(np.argmax(bins))
    used = [j for j in range(len(bins)) if bins[j] > 0 and j != reference]
    if not used:
        return np.zeros((len(index), 0))
    return np.column_stack([index == j for j in used]).astype(float)


def _deviance(x: np.ndarray, rate: np.ndarray, deals: np.ndarray) -> float:
    """-2 log-likelihood of a logistic fit to ``rate`` of ``deals`` per row (binomial rows)."""
    intercept, coef = fit_logistic(x, rate, l2=1e-4, sample_weight=deals)
    p = np.clip(1 / (1 + np.exp(-(intercept + x @ coef))), 1e-12, 1 - 1e-12)
    return float(-2 * np.sum(deals * (rate * np.log(p) + (1 - rate) * np.log(1 - p))))


# ---- power ----------------------------------------------------------------------------------


def minimum_detectable_effect(n: int, base: float, alpha: float, power: float = 0.8) -> list:
    """For segments holding 10%, 25% and 50% of the deals: the lowest win rate inside that the
    search would call significant (against the single-condition bar ``alpha``) four times in
    five, and the highest a losing segment could have and still be caught. Small data says
    plainly how large an effect must be to show."""
    out = []
    if not 0 < base < 1 or n < 4:
        return out
    z_alpha, z_power = sps.norm.isf(alpha / 2), sps.norm.ppf(power)
    for share in DETECTABLE_SHARES:
        n_in, n_out = share * n, (1 - share) * n
        if n_in < 2 or n_out < 2:
            continue

        def detects(rate: float, n_in: float = n_in, n_out: float = n_out) -> bool:
            pooled = (rate * n_in + base * n_out) / (n_in + n_out)
            null_sd = math.sqrt(pooled * (1 - pooled) * (1 / n_in + 1 / n_out))
            sd = math.sqrt(rate * (1 - rate) / n_in + base * (1 - base) / n_out)
            return abs(rate - base) - z_alpha * null_sd >= z_power * sd

        high = _bisect(detects, base, 1.0)
        low = _bisect(detects, base, 0.0)
        out.append(
            {
                "share_of_deals": share,
                "deals": int(round(n_in)),
                "win_rate_needed_above": high,
                "lift_needed_above": high / base if high is not None else None,
                "win_rate_needed_below": low,
                "lift_needed_below": low / base if low is not None else None,
            }
        )
    return out


def _bisect(detects, start: float, end: float) -> float | None:
    """The rate closest to ``start`` on the way to ``end`` that ``detects`` accepts."""
    if not detects(end * 0.999999 + start * 0.000001):
        return None
    near, far = start, end
    for _ in range(50):
        middle = (near + far) / 2
        if detects(middle):
            far = middle
        else:
            near = middle
    return round(far, 4)


# ---- conditions -----------------------------------------------------------------------------


def _atoms(candidates: list[Candidate], n: int, accounts: pd.DataFrame | None) -> list[Atom]:
    out: list[Atom] = []
    floor = _atom_floor(n)
    for cand in candidates:
        if cand.kind == "numeric":
            out += _range_atoms(cand)
        elif cand.kind == "list":
            out.append(_atom(cand, cand.conditions[0], cand.labels[0], cand.index == 0))
        else:
            out += _category_atoms(cand, accounts)
    out = [a for a in out if floor <= np.count_nonzero(a.mask) <= n - floor]
    return _unique(out)


def _category_atoms(cand: Candidate, accounts: pd.DataFrame | None) -> list[Atom]:
    """Each group of categories the binning formed, and (given the accounts) each single
    category inside a group of several: a search over single values finds what grouping may
    have blurred."""
    atoms = []
    values = None
    if accounts is not None and cand.column in accounts.columns:
        values = _as_text(accounts[cand.column])
    for j, condition in enumerate(cand.conditions):
        if condition.other or condition.missing or condition.values is None:
            continue
        group = cand.index == j
        atoms.append(_atom(cand, condition, cand.labels[j], group))
        if values is None or len(condition.values) < 2:
            continue
        for value in condition.values:
            single = (values == str(value).strip().casefold()).fillna(False).to_numpy(dtype=bool)
            atoms.append(_atom(cand, Condition(values=(value,)), value, group & single))
    return atoms


def _as_text(series: pd.Series) -> pd.Series:
    """Values as the scorecard compares them (trimmed, case-folded, blank is missing), like
    :func:`icpkit.conditions.to_text` but vectorised: a million rows in a blink."""
    text = series.astype("string").str.strip().str.casefold()
    return text.where(text != "", None)


def _range_atoms(cand: Candidate) -> list[Atom]:
    """Every contiguous run of bins: the search, not a fixed grid, decides where ranges end."""
    ranged = [j for j, c in enumerate(cand.conditions) if not (c.missing or c.other)]
    atoms = []
    for start, stop in itertools.combinations_with_replacement(range(len(ranged)), 2):
        if start == 0 and stop == len(ranged) - 1:
            continue  # the whole range is no condition at all
        first, last = cand.conditions[ranged[start]], cand.conditions[ranged[stop]]
        condition = Condition(min=first.min, less_than=last.less_than)
        mask = np.isin(cand.index, ranged[start : stop + 1])
        label = describe_range(condition.min, None, condition.less_than, cand.unit)
        atoms.append(_atom(cand, condition, label, mask))
    return atoms


def _atom(cand: Candidate, condition: Condition, label: str, mask: np.ndarray) -> Atom:
    integral = all(x is None or float(x).is_integer() for x in (condition.min, condition.less_than))
    return Atom(cand.name, cand.column, cand.kind, condition, label, integral, mask)


def _unique(atoms: list[Atom]) -> list[Atom]:
    seen: set[bytes] = set()
    out = []
    for atom in atoms:
        key = np.packbits(atom.mask).tobytes() + atom.attribute.encode()
        if key not in seen:
            seen.add(key)
            out.append(atom)
    return out
