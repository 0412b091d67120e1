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

from icpkit.conditions import Condition
from icpkit.discover.binning import Candidate
from icpkit.discover.redundancy import redundant_attributes
from icpkit.discover.segment_conditions import (
    ALPHA,
    ALPHA_BY_DEPTH,
    Atom,
    candidate_atoms,
    conjunctions_possible,
    search_space,
    unique_atoms,
)
from icpkit.discover.single_conditions import SingleConditions
from icpkit.stats import ProportionTests, holm_adjust, minimum_detectable_effect, wilson_interval

MAX_PAIR_ATOMS = 60  # the strongest conditions alone are paired with each other
BEAM_WIDTH = 30  # pairs of each kind extended to triples
SAME_SEGMENT_OVERLAP = 0.9  # a shortlisted segment this alike to a better one is left out


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
    space = search_space(candidates, accounts)
    tests = ProportionTests(n, int(y.sum()))
    singles = SingleConditions(candidates, y, space, tests)
    atoms = candidate_atoms(candidates, n, accounts)
    atoms = unique_atoms(atoms + _significant_values_together(atoms, singles, y))
    table = _Counts(atoms, y)
    single_adjusted = singles.adjust(atoms, table.deals, table.wins)
    holds = _values_hold(atoms, single_adjusted, table)
    found = _Found(table, tests)
    found.add_singles()
    strongest = table.strongest(MAX_PAIR_ATOMS)
    found.add_pairs(strongest)
    found.add_triples(strongest)
    could_form = conjunctions_possible(atoms, space)
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


# ---- counting ------------------------------------------------------------------------------


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

    def __init__(self, table: _Counts, tests: ProportionTests) -> None:
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
                self.tests.within(deals, wins, t.deals[b], t.wins[b]),  # a, given b
                self.tests.within(deals, wins, t.deals[a], t.wins[a]),  # b, given a
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
        rows: list[tuple[int, int, int, int]] = []  # (pair's place in the beam, *key)
        for b_pos, (pi, pj) in enumerate(zip(i, j, strict=True)):
            used = {t.attribute[strongest[pi]], t.attribute[strongest[pj]]}
            for c in range(len(strongest)):
                if t.attribute[strongest[c]] in used:
                    continue
                first, second, third = sorted((int(pi), int(pj), c))
                key = (first, second, third)
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
                self.tests.within(deals3, wins3, pd_[z, w], pw[z, w]),  # x, given z and w
                self.tests.within(deals3, wins3, pd_[x, w], pw[x, w]),
                self.tests.within(deals3, wins3, pd_[x, z], pw[x, z]),
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
            adjusted = holm_adjust(p[rows], max(could_form[d], len(rows)))
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


# ---- choosing what to show -----------------------------------------------------------------


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
    tests = ProportionTests(table.n, table.k)
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
            p = np.maximum(p, tests.within(deals, wins, current.accounts, current.won))
            for part in current.atoms:  # every earlier condition must still add
                others = np.logical_and.reduce(
                    [np.ones(n, dtype=bool)] + [a.mask for a in current.atoms if a is not part]
                )
                other_deals, other_wins = table.within(others)
                p = np.maximum(p, tests.within(deals, wins, other_deals[rows], other_wins[rows]))
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


# ---- what a group of values can be quoted for ----------------------------------------------


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
    value_of = {
        id(a): a.condition.values[0]
        for a in atoms
        if a.kind != "list" and a.condition.values is not None and len(a.condition.values) == 1
    }
    single = [a for a in atoms if id(a) in value_of]
    if not single:
        return []
    masks = np.array([a.mask for a in single], dtype=bool)
    deals = masks.sum(axis=1)
    wins = (masks & (y == 1)).sum(axis=1)
    verdicts = _value_verdicts(single, singles.adjust(single, deals, wins), deals, wins, y.mean())
    out = []
    for column in sorted({a.column for a in single}):
        for kind in ("icp", "anti"):
            chosen = [a for a in single if verdicts.get((a.column, value_of[id(a)])) == kind]
            chosen = [a for a in chosen if a.column == column]
            if len(chosen) < 2:
                continue
            values = tuple(sorted(str(value_of[id(a)]) for a in chosen))
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
