"""Segment discovery: conjunctions of attribute conditions that win (ICP) or lose (anti-ICP).

The search enumerates single conditions (every contiguous range of a numeric attribute's bins,
each category group and common single category, each technology) and pairs of conditions on
different attributes, scores each by weighted relative accuracy (coverage x gain over the base
rate, which trades lift against size), and tests each against the rest of the accounts. A segment
is called significant only after Holm's correction for every segment tried.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from icpkit.conditions import Condition, describe_range
from icpkit.discover.binning import Candidate
from icpkit.stats import holm_adjust, proportion_test, wilson_interval

ALPHA = 0.05
MAX_PAIR_ATOMS = 60


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

    @property
    def description(self) -> str:
        return " and ".join(f"{a.attribute}: {a.label}" for a in self.atoms)

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
        }


@dataclass
class SegmentSearch:
    """What the search found, and how many segments it tried (the correction's denominator)."""

    icp: list[Segment]
    anti: list[Segment]
    tried: int
    base_rate: float
    primary: Segment | None  # the ICP in one conjunction, for the one-paragraph summary

    def to_json(self) -> list[dict]:
        return [s.to_json() for s in [*self.icp, *self.anti]]


def find_segments(candidates: list[Candidate], won: np.ndarray, top: int = 10) -> SegmentSearch:
    y = np.asarray(won, dtype=int)
    n, base = len(y), float(y.mean())
    atoms = _atoms(candidates, n)
    singles = [_segment((a,), y, base) for a in atoms]
    ranked = sorted(range(len(atoms)), key=lambda i: -abs(singles[i].quality))[:MAX_PAIR_ATOMS]
    pairs = []
    for i, j in itertools.combinations(sorted(ranked), 2):
        if atoms[i].attribute == atoms[j].attribute:
            continue
        pairs.append(_segment((atoms[i], atoms[j]), y, base))
    every = [s for s in singles + pairs if s.accounts > 0]
    adjusted = holm_adjust(np.array([s.p_value for s in every]))
    for s, p in zip(every, adjusted, strict=True):
        s.p_adjusted = float(p)
        s.significant = bool(p < ALPHA)
    by_atoms = {tuple(id(a) for a in s.atoms): s for s in every}
    useful = [s for s in every if _adds_to_parts(s, by_atoms)]
    icp = _shortlist([s for s in useful if s.kind == "icp"], top)
    anti = _shortlist([s for s in useful if s.kind == "anti"], top)
    primary = _primary(atoms, singles, y, base, len(every))
    return SegmentSearch(icp, anti, len(every), base, primary)


def _shortlist(segments: list[Segment], top: int) -> list[Segment]:
    """The best ``top`` by quality, plus every significant one-condition segment: a reader
    looks for each attribute's verdict, and the paragraph quotes the clearest ones."""
    ranked = sorted(segments, key=_rank)
    chosen = ranked[:top]
    chosen += [s for s in ranked[top:] if s.significant and len(s.atoms) == 1]
    return chosen


def _rank(s: Segment) -> tuple:
    return (not s.significant, -abs(s.quality))


def _adds_to_parts(s: Segment, by_atoms: dict) -> bool:
    """A pair earns its place only if it is sharper than each condition alone."""
    if len(s.atoms) == 1:
        return True
    for atom in s.atoms:
        part = by_atoms.get((id(atom),))
        if part is None:
            continue
        if s.kind == "icp" and s.win_rate <= part.win_rate * 1.1:
            return False
        if s.kind == "anti" and s.win_rate >= part.win_rate * 0.9:
            return False
    return True


def _segment(atoms: tuple[Atom, ...], y: np.ndarray, base: float) -> Segment:
    mask = np.logical_and.reduce([a.mask for a in atoms])
    n_in, k_in = int(mask.sum()), int(y[mask].sum())
    n, k = len(y), int(y.sum())
    rate = k_in / n_in if n_in else 0.0
    low, high = wilson_interval(k_in, n_in)
    quality = (n_in / n) * (rate - base)
    p = proportion_test(k_in, n_in, k - k_in, n - n_in) if 0 < n_in < n else 1.0
    return Segment(
        kind="icp" if rate >= base else "anti",
        atoms=atoms,
        accounts=n_in,
        won=k_in,
        win_rate=rate,
        ci=(low, high),
        lift=rate / base if base else math.nan,
        quality=quality,
        p_value=p,
    )


def _primary(
    atoms: list[Atom], singles: list[Segment], y: np.ndarray, base: float, tried: int
) -> Segment | None:
    """Grow the best single condition into the sharpest conjunction that still holds up:
    each added condition must raise the win rate by a tenth, keep at least 5% of accounts (and
    30), and stay significant against a Bonferroni bar for everything tried."""
    n = len(y)
    floor = max(30, int(0.05 * n))
    bar = ALPHA / max(tried, 1)
    best = [s for s in singles if s.kind == "icp" and s.p_value < bar and s.accounts >= floor]
    if not best:
        return None
    current = max(best, key=lambda s: s.quality)
    while len(current.atoms) < 4:
        used = {a.attribute for a in current.atoms}
        options = []
        for atom in atoms:
            if atom.attribute in used:
                continue
            grown = _segment((*current.atoms, atom), y, base)
            if (
                grown.win_rate >= current.win_rate * 1.1
                and grown.accounts >= floor
                and grown.p_value < bar
            ):
                options.append(grown)
        if not options:
            break
        current = max(options, key=lambda s: s.quality)
    current.p_adjusted = min(1.0, current.p_value * tried)
    current.significant = current.p_adjusted < ALPHA
    return current


def _atoms(candidates: list[Candidate], n: int) -> list[Atom]:
    out: list[Atom] = []
    floor = max(10, int(0.03 * n))
    for cand in candidates:
        if cand.kind == "numeric":
            out += _range_atoms(cand)
        elif cand.kind == "list":
            out.append(_atom(cand, cand.conditions[0], cand.labels[0], cand.index == 0))
        else:
            for j, condition in enumerate(cand.conditions):
                if condition.other or condition.missing or condition.values is None:
                    continue
                out.append(_atom(cand, condition, cand.labels[j], cand.index == j))
        out = [a for a in out if floor <= a.mask.sum() <= n - floor]
    return _unique(out)


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
