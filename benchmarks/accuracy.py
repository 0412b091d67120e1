"""Held-out accuracy of icpkit's scorecard against the models a data team would reach for.

Same data, same splits, one run: icpkit's points scorecard, logistic regression on one-hot
features, LightGBM, optbinning's Scorecard (binning process + logistic regression) and a
naive-Bayes baseline in the style of Odoo's predictive lead scoring (per-field win frequencies
multiplied together). Company attributes only, as icpkit uses them.

Data: the simulator (several seeds; clean and `--messy` exports read back through ingest), each
with an out-of-time split (the latest 25% of closed deals held out), and the real Salvirt B2B
deals (repeated stratified 5-fold cross-validation: it is small).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/accuracy.py [--seeds 3] [--accounts 3000]
"""

from __future__ import annotations

import argparse
import logging
import math
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from icpkit.conditions import to_list
from icpkit.discover.roles import classify_columns
from icpkit.ingest import load_dir
from icpkit.outcomes import closed_deals
from icpkit.schema import NOT_ATTRIBUTES
from icpkit.scorecard.learn import ScorecardLearner
from icpkit.simulate import simulate, write_crm
from icpkit.validate.holdout import split_holdout

logging.getLogger("__cvxpy__").disabled = True
warnings.filterwarnings("ignore")
SALVIRT = (
    Path(__file__).resolve().parents[2]
    / "shared/data/salvirt_b2b_sales/Salvirt_B2B_ML_dataset_HF.csv"
)


# ---- data ----------------------------------------------------------------------------------


def labelled_frame(
    accounts: pd.DataFrame, deals: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    closed = closed_deals(deals)[["account_id", "won", "decided_at"]]
    rows = closed.merge(accounts, on="account_id", how="inner")
    kinds = classify_columns([c for c in accounts.columns if c not in NOT_ATTRIBUTES])
    columns = [c for c in kinds.company if not c.endswith(("_raw", "_currency", "_id"))]
    return rows[columns].reset_index(drop=True), rows["won"].to_numpy(int), rows["decided_at"]


def simulator_data(seed: int, n: int, messy: bool) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    crm = simulate(n, seed=seed)
    if not messy:
        return labelled_frame(crm.accounts, crm.deals)
    with tempfile.TemporaryDirectory() as folder:
        write_crm(crm, folder, messy=True, seed=seed)
        tables = load_dir(folder).tables
    return labelled_frame(tables["accounts"], tables["deals"])


def salvirt_data() -> tuple[pd.DataFrame, np.ndarray]:
    table = pd.read_csv(SALVIRT, sep=";")
    won = (table.pop("Status") == "Won").to_numpy(int)
    kinds = classify_columns(table.columns)
    return table[kinds.company], won


# ---- the models ----------------------------------------------------------------------------


def sklearn_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Numbers stay numbers, text is categorical, lists become one yes/no column per value."""
    out, numeric, categorical = {}, [], []
    for column in frame.columns:
        series = frame[column]
        sample = series.dropna().head(20)
        if len(sample) and sample.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).all():
            lists = series.map(to_list)
            top = lists.explode().dropna().value_counts().index[:30]
            for value in top:
                name = f"{column}={value}"
                out[name] = lists.map(lambda items, v=value: float(bool(items) and v in items))
                numeric.append(name)
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            out[column] = series.astype(float)
            numeric.append(column)
        else:
            out[column] = series.astype(object).where(series.notna(), "missing").astype(str)
            categorical.append(column)
    return pd.DataFrame(out), numeric, categorical


def fit_icpkit(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame) -> np.ndarray:
    card = ScorecardLearner(max_attributes=8).fit(train, y)
    return card.apply(test).raw_points.astype(float)


def fit_logistic_one_hot(train, y, test) -> np.ndarray:
    x_train, numeric, categorical = sklearn_frame(train)
    x_test, _, _ = sklearn_frame(test)
    x_test = x_test.reindex(columns=x_train.columns, fill_value=0.0)
    prep = ColumnTransformer(
        [
            (
                "num",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
                ),
                numeric,
            ),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5), categorical),
        ]
    )
    model = make_pipeline(prep, LogisticRegression(C=1.0, max_iter=2000))
    model.fit(x_train, y)
    return model.predict_proba(x_test)[:, 1]


def fit_lightgbm(train, y, test) -> np.ndarray:
    import lightgbm

    x_train, _, categorical = sklearn_frame(train)
    x_test, _, _ = sklearn_frame(test)
    x_test = x_test.reindex(columns=x_train.columns, fill_value=0.0)
    for column in categorical:
        categories = pd.CategoricalDtype(sorted(x_train[column].unique()))
        x_train[column] = x_train[column].astype(categories)
        x_test[column] = x_test[column].astype(categories)
    model = lightgbm.LGBMClassifier(
        n_estimators=300,
        learning_rate=0.03,
        num_leaves=15,
        min_child_samples=20,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        verbose=-1,
        random_state=0,
    )
    model.fit(x_train, y)
    return model.predict_proba(x_test)[:, 1]


def fit_optbinning_scorecard(train, y, test) -> np.ndarray:
    from optbinning import BinningProcess, Scorecard

    x_train, _, categorical = sklearn_frame(train)
    x_test, _, _ = sklearn_frame(test)
    x_test = x_test.reindex(columns=x_train.columns, fill_value=0.0)
    process = BinningProcess(
        list(x_train.columns),
        categorical_variables=categorical,
        selection_criteria={"iv": {"min": 0.02}},
    )
    card = Scorecard(
        binning_process=process,
        estimator=LogisticRegression(max_iter=2000),
        scaling_method="min_max",
        scaling_method_params={"min": 0, "max": 100},
    )
    card.fit(x_train, y)
    return card.predict_proba(x_test)[:, 1]


def fit_naive_bayes(train, y, test) -> np.ndarray:
    """Odoo-style: per field, the win frequency of the value (Laplace-smoothed), combined as
    independent evidence. Numbers are cut into quintiles first."""
    x_train, numeric, _ = sklearn_frame(train)
    x_test, _, _ = sklearn_frame(test)
    x_test = x_test.reindex(columns=x_train.columns, fill_value=0.0)
    prior = y.mean()
    log_odds = np.full(len(x_test), math.log(prior / (1 - prior)))
    for column in x_train.columns:
        a, b = x_train[column], x_test[column]
        if column in numeric and a.nunique() > 5:
            edges = np.unique(np.nanquantile(a, [0.2, 0.4, 0.6, 0.8]))
            a = pd.Series(np.digitize(a.fillna(-1e18), edges)).astype(str)
            b = pd.Series(np.digitize(b.fillna(-1e18), edges)).astype(str)
        table = pd.DataFrame({"value": a.astype(str).to_numpy(), "won": y})
        stats = table.groupby("value")["won"].agg(["sum", "count"])
        rate_won = (stats["sum"] + 1) / (y.sum() + len(stats))
        rate_lost = (stats["count"] - stats["sum"] + 1) / ((1 - y).sum() + len(stats))
        evidence = np.log(rate_won / rate_lost)
        log_odds += b.astype(str).map(evidence).fillna(0.0).to_numpy()
    return log_odds


MODELS = {
    "icpkit scorecard": fit_icpkit,
    "logistic one-hot": fit_logistic_one_hot,
    "LightGBM": fit_lightgbm,
    "optbinning Scorecard": fit_optbinning_scorecard,
    "naive Bayes (Odoo-style)": fit_naive_bayes,
}


def evaluate_split(frame, y, train, test) -> dict[str, tuple[float, float]]:
    out = {}
    for name, fit in MODELS.items():
        started = time.perf_counter()
        score = fit(
            frame.iloc[train].reset_index(drop=True),
            y[train],
            frame.iloc[test].reset_index(drop=True),
        )
        out[name] = (roc_auc_score(y[test], score), time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3, help="Salvirt CV repeats")
    args = parser.parse_args()

    results: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for messy in (False, True):
        label = (
            f"simulator {'messy' if messy else 'clean'} ({args.accounts:,} accounts, out-of-time)"
        )
        for seed in range(args.seeds):
            frame, y, decided = simulator_data(seed, args.accounts, messy)
            split = split_holdout(decided, y, seed=seed)
            for name, value in evaluate_split(frame, y, split.train, split.test).items():
                results.setdefault(label, {}).setdefault(name, []).append(value)
    if SALVIRT.is_file():
        frame, y = salvirt_data()
        folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=args.repeats, random_state=0)
        label = f"Salvirt B2B ({len(y)} deals, 5-fold CV x {args.repeats})"
        for train, test in folds.split(frame, y):
            for name, value in evaluate_split(frame, y, train, test).items():
                results.setdefault(label, {}).setdefault(name, []).append(value)

    lines = [
        "| data | model | held-out AUC (mean ± sd) | vs best | seconds per fit |",
        "|---|---|---:|---:|---:|",
    ]
    for label, by_model in results.items():
        means = {m: np.mean([a for a, _ in v]) for m, v in by_model.items()}
        best = max(means.values())
        for model, values in by_model.items():
            aucs = [a for a, _ in values]
            seconds = np.mean([s for _, s in values])
            lines.append(
                f"| {label} | {model} | {np.mean(aucs):.3f} ± {np.std(aucs):.3f} | "
                f"{means[model] / best:.3f} | {seconds:.2f} |"
            )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
