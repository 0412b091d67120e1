"""Best customers against worst: the attributes most of the best share and few of the worst.

The playbook exercise is to list the ten best customers and look for the 3-5 attributes that
appear in seven or more of them. Ten rows cannot tell a pattern from luck, so this does the same
with statistics: every customer gets a composite success score, the top fifth is compared with
the bottom fifth, and each attribute bin is tested (Fisher's exact test, weighted Holm over
every bin the binning could have produced) for being more common among the best than among
the worst.

The success score is the mean of percentile ranks of what the data holds about each customer:
retention (stayed rather than churned), expansion (net revenue retention), sales cycle (shorter
ranks higher) and value (lifetime revenue to date, else the deal amount). Without a customers
table it is computed on won deals from cycle and deal size alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from icpkit.discover.binning import AttributeBinner
from icpkit.discover.outcomes import ALPHA, condition_json, customer_table
from icpkit.discover.single_conditions import bin_weights
from icpkit.stats import proportion_test, weighted_holm, wilson_interval

SHARE = 0.2  # the best and the worst fifth
MIN_GROUP = 10
TOP = 10  # "appears in N of the 10 best", as the playbook counts


def best_vs_worst(success: pd.DataFrame, attributes: pd.DataFrame) -> dict | None:
    """Compare the best and worst customers attribute by attribute.

    ``success`` has one row per customer (or won deal) and any of the columns ``stayed``
    (1/0), ``nrr`` (revenue now / at start), ``cycle_days`` and ``value``; ``attributes`` holds
    the company attributes of the same rows in the same order. None when fewer than
    2 x ``MIN_GROUP`` rows have a score.
    """
    score, components = success_score(success)
    has = score.notna().to_numpy()
    if has.sum() < 2 * MIN_GROUP:
        return None
    score = score[has].to_numpy()
    frame = attributes.iloc[np.flatnonzero(has)].reset_index(drop=True)
    group = max(MIN_GROUP, int(round(SHARE * len(score))))
    order = np.argsort(-score, kind="stable")
    best, worst = order[:group], order[-group:]
    rows = np.concatenate([best, worst])
    is_best = np.r_[np.ones(group, dtype=int), np.zeros(group, dtype=int)]
    compared = frame.iloc[rows].reset_index(drop=True)
    candidates = AttributeBinner().fit(compared, is_best)
    top = order[:TOP]
    bins: list[dict[str, Any]] = []
    weights: list[float] = []
    for cand, bin_weight in zip(candidates, bin_weights(candidates, compared), strict=True):
        for j, condition in enumerate(cand.conditions):
            if condition.other:
                continue
            weights.append(bin_weight[j])
            inside = cand.index == j
            in_best, in_worst = int(inside[:group].sum()), int(inside[group:].sum())
            bins.append(
                {
                    "attribute": cand.name,
                    "label": cand.labels[j],
                    "condition": condition_json(cand.column, condition),
                    "best_with": in_best,
                    "best_share": in_best / group,
                    "best_ci": list(wilson_interval(in_best, group)),
                    "worst_with": in_worst,
                    "worst_share": in_worst / group,
                    "worst_ci": list(wilson_interval(in_worst, group)),
                    "top10_with": int(np.isin(rows[inside], top).sum()),
                    "p_value": proportion_test(in_best, group, in_worst, group),
                }
            )
    _correct(bins, np.array(weights))
    bins.sort(key=lambda b: (not b["significant"], -(b["best_share"] - b["worst_share"])))
    return {
        "rows": int(has.sum()),
        "score_components": components,
        "group_size": group,
        "top": min(TOP, group),
        "attributes": bins,
        "shared_by_best": [
            b for b in bins if b["significant"] and b["best_share"] > b["worst_share"]
        ],
        "shared_by_worst": [
            b for b in bins if b["significant"] and b["best_share"] < b["worst_share"]
        ],
    }


def success_table(
    labelled: pd.DataFrame, attribute_columns: list[str], customers: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows to rank and their attributes: one per customer when a customers table exists
    (retention and expansion only once observed for a year, see
    :func:`~icpkit.discover.outcomes.customer_table`), else one per won deal."""
    columns = [c for c in attribute_columns if c in labelled.columns]
    won = labelled[labelled["won"] == 1]
    if customers is None or customers.empty:
        success = pd.DataFrame(
            {
                "cycle_days": pd.to_numeric(won.get("cycle_days"), errors="coerce"),
                "value": pd.to_numeric(won.get("amount"), errors="coerce"),
            }
        )
        return success.reset_index(drop=True), won[columns].reset_index(drop=True)
    table = customer_table(customers, labelled)
    accounts = labelled.drop_duplicates("account_id").set_index("account_id")[columns]
    table = table[table.index.isin(accounts.index)]
    cycle = pd.to_numeric(won["cycle_days"], errors="coerce").groupby(won["account_id"]).median()
    observed = table["observed"]
    nrr = (table["arr"] / table["arr_start"]).where(~table["churned"], 0.0)
    success = pd.DataFrame(
        {
            "stayed": (~table["churned"]).astype(float).where(observed),
            "nrr": nrr.where(observed),
            "cycle_days": cycle.reindex(table.index),
            "value": table["arr_start"],
        }
    )
    return success.reset_index(drop=True), accounts.loc[table.index].reset_index(drop=True)


def success_score(success: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """Mean percentile rank of the available components (NaN where fewer than two are known),
    and the components used."""
    ranks = {}
    for column, higher_is_better in (
        ("stayed", True),
        ("nrr", True),
        ("cycle_days", False),
        ("value", True),
    ):
        if column not in success.columns:
            continue
        values = pd.to_numeric(success[column], errors="coerce")
        if values.notna().sum() < 2 * MIN_GROUP or values.nunique() < 2:
            continue
        ranks[column] = values.rank(pct=True, ascending=higher_is_better)
    if not ranks:
        return pd.Series(np.nan, index=success.index), []
    table = pd.DataFrame(ranks)
    known = table.notna().sum(axis=1)
    needed = min(2, table.shape[1])
    return table.mean(axis=1).where(known >= needed), list(ranks)


def _correct(bins: list[dict], weights: np.ndarray) -> None:
    """Weighted Holm over every bin the binning could have produced (the bins were placed by
    looking at best against worst: see :func:`icpkit.discover.single_conditions.bin_weights`)."""
    if not bins:
        return
    p = np.array([b["p_value"] for b in bins])
    for b, adjusted in zip(bins, weighted_holm(p, weights), strict=True):
        b["p_adjusted"] = float(adjusted)
        b["significant"] = bool(adjusted < ALPHA)
