"""Clusters of closed-won accounts: which kinds of customer there are, and what each brings.

The playbook says "cluster the closed-won deals". Accounts mix numbers (employees, revenue),
categories (industry, country) and lists (technologies), so distances are Gower's (1971): each
attribute contributes a dissimilarity between 0 and 1 (numbers by the gap between their
percentile ranks, so one giant company does not squash everyone else together; categories by
whether they differ; technology lists by Jaccard distance) and an attribute missing on either
side is left out of that pair's average. Average-linkage hierarchical clustering (scipy) groups
the accounts; the number of clusters (2 to 6) is the one with the best silhouette whose smallest
cluster still holds 5% of the accounts.

Each cluster is described by its defining attributes (values over-represented in it against
the other won accounts, tested, with Holm's correction) and by what it brings: its share of won
deals and of revenue, its median sales cycle and its churn, each with an interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.metrics import silhouette_score

from icpkit.conditions import to_list
from icpkit.discover.outcomes import ALPHA
from icpkit.stats import holm_adjust, median_interval, proportion_test, wilson_interval

MAX_ROWS = 2000  # clustered directly; the rest join the cluster of their nearest medoid
MIN_ROWS = 30
CLUSTER_COUNTS = range(2, 7)
MIN_CLUSTER_SHARE = 0.05
MAX_CATEGORIES = 60
DEFINING = 5  # attributes listed per cluster


def cluster_won_accounts(
    won: pd.DataFrame,
    attribute_columns: list[str],
    *,
    churned: pd.Series | None = None,
    weights: dict[str, float] | None = None,
    seed: int = 0,
) -> dict | None:
    """Cluster won deals' accounts on their company attributes and describe each cluster.

    ``weights`` (optional) weighs each column in the distance, e.g. by its information value
    for winning, so that clusters form on what matters to the business rather than on, say,
    country; columns weighted 0 are left out.

    ``won`` has one row per won deal with the attribute columns and, when known,
    ``cycle_days`` and ``amount``; ``churned`` (optional) maps account_id to True/False for
    customers observed long enough to tell. None when there are fewer than ``MIN_ROWS`` won
    deals or no clustering holds together (no silhouette above zero).
    """
    columns = [c for c in attribute_columns if c in won.columns]
    if weights is not None:
        columns = [c for c in columns if weights.get(c, 0.0) > 0]
    won = won.reset_index(drop=True)
    if len(won) < MIN_ROWS or not columns:
        return None
    variables = _variables(won, columns)
    for v in variables:
        v["weight"] = 1.0 if weights is None else float(weights[v["column"]])
    if not variables:
        return None
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(len(won), min(MAX_ROWS, len(won)), replace=False))
    distance = gower_distance(variables, sample, sample)
    labels, silhouette = _best_clustering(distance)
    if labels is None:
        return None
    medoids = _medoids(distance, labels)
    label_of = np.full(len(won), -1)
    label_of[sample] = labels
    rest = np.setdiff1d(np.arange(len(won)), sample)
    if len(rest):
        to_medoids = gower_distance(variables, rest, sample[medoids])
        label_of[rest] = np.argmin(to_medoids, axis=1)
    clusters = [_describe(won, variables, label_of == c, churned, c) for c in range(len(medoids))]
    clusters.sort(key=lambda c: -c["won_deals"])
    return {
        "won_deals": len(won),
        "clustered_directly": len(sample),
        "attributes": {v["column"]: round(v["weight"], 4) for v in variables},
        "silhouette": silhouette,
        "clusters": clusters,
    }


# ---- Gower distance ---------------------------------------------------------------------------


def _variables(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Each usable column as numbers (percentile ranks), category codes or item sets."""
    out = []
    for column in columns:
        series = frame[column]
        if series.isna().mean() > 0.95:
            continue
        sample = series.dropna().head(50)
        if column == "technologies" or sample.map(lambda v: isinstance(v, (list, tuple))).all():
            out.append(_list_variable(column, series))
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            if series.nunique() > 1:
                ranks = series.rank(pct=True).to_numpy(dtype=float)
                out.append({"column": column, "type": "number", "values": ranks, "raw": series})
        else:
            text = series.astype("string").str.strip()
            if 1 < text.nunique() <= MAX_CATEGORIES:
                codes, names = pd.factorize(text, use_na_sentinel=True)
                out.append({"column": column, "type": "category", "codes": codes, "names": names})
    return [v for v in out if v is not None]


def _list_variable(column: str, series: pd.Series) -> dict | None:
    lists = series.map(to_list)
    items = lists.explode().dropna()
    common = items.value_counts()
    common = common[common >= max(3, 0.02 * len(series))].index[:50]
    if len(common) == 0:
        return None
    index = {item: i for i, item in enumerate(common)}
    matrix = np.zeros((len(series), len(common)), dtype=np.float32)
    for row, values in enumerate(lists):
        for item in values or ():
            if item in index:
                matrix[row, index[item]] = 1.0
    known = lists.notna().to_numpy()
    return {"column": column, "type": "list", "matrix": matrix, "known": known, "items": common}


def gower_distance(variables: list[dict], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Gower's dissimilarity between ``rows`` and ``cols`` (positions), in [0, 1]."""
    total = np.zeros((len(rows), len(cols)), dtype=np.float32)
    weight = np.zeros((len(rows), len(cols)), dtype=np.float32)
    for v in variables:
        if v["type"] == "number":
            a, b = v["values"][rows], v["values"][cols]
            d = np.abs(a[:, None] - b[None, :])
            known = ~np.isnan(d)
            d = np.where(known, d, 0.0)
        elif v["type"] == "category":
            a, b = v["codes"][rows], v["codes"][cols]
            known = (a[:, None] >= 0) & (b[None, :] >= 0)
            d = (a[:, None] != b[None, :]).astype(np.float32)
        else:
            a, b = v["matrix"][rows], v["matrix"][cols]
            shared = a @ b.T
            union = a.sum(1)[:, None] + b.sum(1)[None, :] - shared
            d = np.where(union > 0, 1.0 - shared / np.maximum(union, 1), 0.0)
            known = v["known"][rows][:, None] & v["known"][cols][None, :]
        total += v.get("weight", 1.0) * np.where(known, d, 0.0).astype(np.float32)
        weight += v.get("weight", 1.0) * known
    return np.where(weight > 0, total / np.maximum(weight, 1), 0.0)


# ---- clustering -------------------------------------------------------------------------------


def _best_clustering(distance: np.ndarray) -> tuple[np.ndarray | None, float | None]:
    n = len(distance)
    square = (distance + distance.T) / 2
    np.fill_diagonal(square, 0.0)
    tree = linkage(squareform(square, checks=False), method="average")
    best, best_score = None, 0.0
    for k in CLUSTER_COUNTS:
        labels = fcluster(tree, k, criterion="maxclust") - 1
        sizes = np.bincount(labels)
        if len(sizes) < 2 or sizes.min() < max(3, MIN_CLUSTER_SHARE * n):
            continue
        score = float(silhouette_score(square, labels, metric="precomputed"))
        if score > best_score:
            best, best_score = labels, score
    return best, (round(best_score, 4) if best is not None else None)


def _medoids(distance: np.ndarray, labels: np.ndarray) -> np.ndarray:
    out = []
    for c in range(labels.max() + 1):
        members = np.flatnonzero(labels == c)
        within = distance[np.ix_(members, members)].sum(axis=1)
        out.append(members[np.argmin(within)])
    return np.array(out)


# ---- description ------------------------------------------------------------------------------


def _describe(
    won: pd.DataFrame, variables: list[dict], inside: np.ndarray, churned, number: int
) -> dict:
    n, n_in = len(won), int(inside.sum())
    amount = pd.to_numeric(won.get("amount"), errors="coerce") if "amount" in won else None
    cycle = pd.to_numeric(won.get("cycle_days"), errors="coerce") if "cycle_days" in won else None
    out: dict = {
        "cluster": number + 1,
        "won_deals": n_in,
        "share_of_won": n_in / n,
        "share_of_won_ci": list(wilson_interval(n_in, n)),
        "defining": _defining(won, variables, inside),
    }
    if amount is not None and amount.notna().any():
        revenue = amount.fillna(0.0).to_numpy(dtype=float)
        out["share_of_revenue"] = (
            float(revenue[inside].sum() / revenue.sum()) if revenue.sum() else None
        )
        out["median_deal_size"] = _median(amount[inside])
    if cycle is not None and cycle.notna().any():
        out["median_cycle_days"] = _median(cycle[inside])
    if churned is not None and "account_id" in won:
        known = won.loc[inside, "account_id"].map(churned).dropna().astype(bool)
        if len(known):
            k = int(known.sum())
            out["churn"] = {
                "customers": len(known),
                "churned": k,
                "rate": k / len(known),
                "ci": list(wilson_interval(k, len(known))),
            }
    return out


def _median(values: pd.Series) -> dict | None:
    x = values.dropna().to_numpy(dtype=float)
    if not len(x):
        return None
    low, high = median_interval(x)
    return {"median": float(np.median(x)), "ci": [low, high], "rows": len(x)}


def _defining(won: pd.DataFrame, variables: list[dict], inside: np.ndarray) -> list[dict]:
    """Values over-represented in the cluster against the other won accounts, strongest first,
    significant after Holm over every value tested for this cluster."""
    found = []
    for v in variables:
        found += _differences(won, v, inside)
    if not found:
        return []
    adjusted = holm_adjust(np.array([f["p_value"] for f in found]))
    for f, p in zip(found, adjusted, strict=True):
        f["p_adjusted"] = float(p)
    kept = [f for f in found if f["p_adjusted"] < ALPHA]
    kept.sort(key=lambda f: -f["effect"])
    return [{k: v for k, v in f.items() if k != "effect"} for f in kept[:DEFINING]]


def _differences(won: pd.DataFrame, v: dict, inside: np.ndarray) -> list[dict]:
    column = v["column"]
    if v["type"] == "number":
        raw = pd.to_numeric(v["raw"], errors="coerce").to_numpy(dtype=float)
        a, b = raw[inside & ~np.isnan(raw)], raw[~inside & ~np.isnan(raw)]
        if len(a) < 3 or len(b) < 3:
            return []
        test = sps.mannwhitneyu(a, b, alternative="two-sided")
        low, high = np.quantile(a, [0.25, 0.75])
        return [
            {
                "attribute": column,
                "median": float(np.median(a)),
                "middle_half": [float(low), float(high)],
                "others_median": float(np.median(b)),
                "p_value": float(test.pvalue),
                # Rank-biserial correlation: on the same 0-1 scale as a difference in shares.
                "effect": abs(2 * test.statistic / (len(a) * len(b)) - 1),
            }
        ]
    if v["type"] == "category":
        flags = [(str(name), v["codes"] == i) for i, name in enumerate(v["names"])]
    else:
        flags = [(str(item), v["matrix"][:, i] > 0) for i, item in enumerate(v["items"])]
    out = []
    n_in, n_out = int(inside.sum()), int((~inside).sum())
    for value, has in flags:
        k_in, k_out = int((has & inside).sum()), int((has & ~inside).sum())
        share_in, share_out = k_in / n_in, k_out / max(n_out, 1)
        if share_in <= share_out:
            continue
        out.append(
            {
                "attribute": column,
                "value": value,
                "share": share_in,
                "share_ci": list(wilson_interval(k_in, n_in)),
                "others_share": share_out,
                "p_value": proportion_test(k_in, n_in, k_out, n_out),
                "effect": share_in - share_out,
            }
        )
    return out
