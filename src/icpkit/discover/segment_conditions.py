"""The conditions a segment is built from, how many the search could have formed, and the
share of the chance of a false "significant" each depth of conjunction is given.

A condition (an :class:`Atom`) is a contiguous run of a number's bins (the search, not a fixed
grid, decides where a range starts and ends), a group of categories or one category, or a
technology ("uses X"). The bins were placed by looking at the outcome, so the correction counts
every condition the binning and the search could have chosen from (:func:`search_space`,
:func:`conjunctions_possible`), not only the ones formed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from icpkit.conditions import Condition, describe_range, to_text_column
from icpkit.discover.binning import PREBINS, Candidate

ALPHA = 0.05
ALPHA_BY_DEPTH = {1: 0.04, 2: 0.0075, 3: 0.0025}


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


def candidate_atoms(
    candidates: list[Candidate], n: int, accounts: pd.DataFrame | None
) -> list[Atom]:
    """Every condition the search tries on the binned ``candidates``, each holding (and
    leaving out) at least :func:`atom_floor` of the ``n`` deals, no two alike."""
    out: list[Atom] = []
    floor = atom_floor(n)
    for cand in candidates:
        if cand.kind == "numeric":
            out += _range_atoms(cand)
        elif cand.kind == "list":
            out.append(make_atom(cand, cand.conditions[0], cand.labels[0], cand.index == 0))
        else:
            out += _category_atoms(cand, accounts)
    out = [a for a in out if floor <= np.count_nonzero(a.mask) <= n - floor]
    return unique_atoms(out)


def _category_atoms(cand: Candidate, accounts: pd.DataFrame | None) -> list[Atom]:
    """Each group of categories the binning formed, and (given the accounts) each single
    category inside a group of several: a search over single values finds what grouping may
    have blurred."""
    atoms = []
    values = None
    if accounts is not None and cand.column in accounts.columns:
        values = to_text_column(accounts[cand.column])
    for j, condition in enumerate(cand.conditions):
        if condition.other or condition.missing or condition.values is None:
            continue
        group = cand.index == j
        atoms.append(make_atom(cand, condition, cand.labels[j], group))
        if values is None or len(condition.values) < 2:
            continue
        for value in condition.values:
            single = (values == str(value).strip().casefold()).fillna(False).to_numpy(dtype=bool)
            atoms.append(make_atom(cand, Condition(values=(value,)), value, group & single))
    return atoms


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
        atoms.append(make_atom(cand, condition, label, mask))
    return atoms


def make_atom(cand: Candidate, condition: Condition, label: str, mask: np.ndarray) -> Atom:
    integral = all(x is None or float(x).is_integer() for x in (condition.min, condition.less_than))
    return Atom(cand.name, cand.column, cand.kind, condition, label, integral, mask)


def unique_atoms(atoms: list[Atom]) -> list[Atom]:
    seen: set[bytes] = set()
    out = []
    for atom in atoms:
        key = np.packbits(atom.mask).tobytes() + atom.attribute.encode()
        if key not in seen:
            seen.add(key)
            out.append(atom)
    return out


def atom_floor(n: int) -> int:
    """The fewest deals a condition must hold (and leave out) to be searched: 10, or 2% of
    the deals, the share below which the binning calls a category rare."""
    return max(10, int(0.02 * n))


def search_space(candidates: list[Candidate], accounts: pd.DataFrame | None) -> dict[str, int]:
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
            c = 2 ** category_levels(cand) - 2  # any group of the categories against the rest
        space[cand.name] = max(space.get(cand.name, 0), c)
    return space


def category_levels(cand: Candidate) -> int:
    named = {v for cond in cand.conditions if cond.values for v in cond.values}
    return max(len(named), 2)


def conjunctions_possible(atoms: list[Atom], space: dict[str, int] | None = None) -> dict[int, int]:
    """How many conjunctions of 1, 2 and 3 conditions on different attributes the search
    could have formed: the elementary symmetric sums of the number of conditions per attribute
    (``space``, see :func:`search_space`; by default the atoms each attribute has)."""
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
