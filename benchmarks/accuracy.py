"""Held-out accuracy of icpkit's scorecard against the models a data team would reach for.

Same data, same folds, one run: icpkit's points scorecard, logistic regression on one-hot
features, LightGBM, EBM (interpret's Explainable Boosting Machine, with pairwise interactions),
optbinning's Scorecard (binning process + logistic regression) and a naive-Bayes baseline in the
style of Odoo's predictive lead scoring (per-field win frequencies multiplied together).

Data: every public set in ``../shared/data/scorecard_benchmarks/`` (telecom churn, credit,
Lending Club, HR attrition; icpkit gets the ``rownames`` row number and must find it is an id,
the peers are given the table without it), the real
Salvirt B2B deals (company attributes only, as icpkit's card uses them), and the simulator
(clean, and ``--messy`` exports read back through ingest). Every set is scored by stratified
5-fold cross-validation with one fixed seed, the same folds for every model.

    make bench-accuracy
    .venv/bin/python benchmarks/accuracy.py [--sets mlc_churn,salvirt] [--models icpkit,EBM]
"""

from __future__ import annotations

import argparse
import logging
import math
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from icpkit.conditions import to_list
from icpkit.discover.attribute_kinds import classify_columns
from icpkit.ingest import load_dir
from icpkit.outcomes import closed_deals
from icpkit.schema import NOT_ATTRIBUTES
from icpkit.scorecard.learn import ScorecardLearner
from icpkit.simulate import simulate, write_crm

logging.getLogger("__cvxpy__").disabled = True
warnings.filterwarnings("ignore")
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SALVIRT = DATA / "salvirt_b2b_sales" / "Salvirt_B2B_ML_dataset_HF.csv"
SEED = 2026
# Public sets: file -> (outcome column, the value that counts as a win).
PUBLIC_SETS = {
    "mlc_churn": ("churn", "no"),
    "attrition": ("Attrition", "No"),
    "credit_data": ("Status", "good"),
    "lending_club": ("Class", "good"),
}


# ---- data ----------------------------------------------------------------------------------


def labelled_frame(accounts: pd.DataFrame, deals: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    closed = closed_deals(deals)[["account_id", "won"]]
    rows = closed.merge(accounts, on="account_id", how="inner")
    kinds = classify_columns([c for c in accounts.columns if c not in NOT_ATTRIBUTES])
    columns = [c for c in kinds.company if not c.endswith(("_raw", "_currency", "_id"))]
    return rows[columns].reset_index(drop=True), rows["won"].to_numpy(int)


def simulator_data(seed: int, n: int, messy: bool) -> tuple[pd.DataFrame, np.ndarray]:
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


def public_data(name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The whole table, ``rownames`` included: icpkit must find that it is an id (the peers,
    which cannot, are given the table without it; see ``without_ids``)."""
    outcome, good = PUBLIC_SETS[name]
    table = pd.read_csv(DATA / "scorecard_benchmarks" / f"{name}.csv")
    won = (table.pop(outcome) == good).to_numpy(int)
    return table, won


def without_ids(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])


def data_sets(accounts: int) -> dict[str, Callable[[], tuple[pd.DataFrame, np.ndarray]]]:
    sets: dict[str, Callable[[], tuple[pd.DataFrame, np.ndarray]]] = {}
    for name in PUBLIC_SETS:
        if (DATA / "scorecard_benchmarks" / f"{name}.csv").is_file():
            sets[name] = lambda name=name: public_data(name)
    if SALVIRT.is_file():
        sets["salvirt"] = salvirt_data
    sets["simulator_clean"] = lambda: simulator_data(7, accounts, messy=False)
    sets["simulator_messy"] = lambda: simulator_data(7, accounts, messy=True)
    return sets


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


CARD_ROWS: list[int] = []  # attribute rows of each icpkit card fitted (a pair row counts once)


def fit_icpkit(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame) -> np.ndarray:
    """The learner on the columns icpkit's column roles keep: ids, constants, leaks and free
    text out (decided on the training rows). These sets are not CRMs, so the roles' reading of
    names (calls as engagement, say) is not applied: every other column may be learned from."""
    try:
        from icpkit.discover.roles import decide_roles
    except ImportError:  # an icpkit from before column roles, run for comparison
        train, test = without_ids(train), without_ids(test)
    else:
        roles = decide_roles(train, y)
        train = train[[c for c in train.columns if roles[c].role not in LEFT_OUT]]
    card = ScorecardLearner(seed=SEED).fit(train, y)
    CARD_ROWS.append(len(card.attributes))
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


def fit_ebm(train, y, test, interactions=None) -> np.ndarray:
    from interpret.glassbox import ExplainableBoostingClassifier

    x_train, _, categorical = sklearn_frame(train)
    x_test, _, _ = sklearn_frame(test)
    x_test = x_test.reindex(columns=x_train.columns, fill_value=0.0)
    types = ["nominal" if c in categorical else "continuous" for c in x_train.columns]
    pairs = {} if interactions is None else {"interactions": interactions}
    model = ExplainableBoostingClassifier(feature_types=types, random_state=SEED, n_jobs=2, **pairs)
    model.fit(x_train, y)
    return model.predict_proba(x_test)[:, 1]


def fit_ebm_additive(train, y, test) -> np.ndarray:
    """EBM with no pairwise interactions: the ceiling of a card with one attribute per row."""
    return fit_ebm(train, y, test, interactions=0)


MODELS = {
    "icpkit": fit_icpkit,
    "logistic one-hot": fit_logistic_one_hot,
    "LightGBM": fit_lightgbm,
    "EBM": fit_ebm,
    "optbinning Scorecard": fit_optbinning_scorecard,
    "naive Bayes (Odoo-style)": fit_naive_bayes,
    "EBM additive": fit_ebm_additive,
}
# Run unless --models names others; "EBM additive" only when asked for.
DEFAULT_MODELS = [m for m in MODELS if m != "EBM additive"]


LEFT_OUT = ("id", "constant", "leak", "text")


def cross_validate(frame, y, models, folds: int) -> dict[str, list[tuple[float, float]]]:
    """Held-out AUC and seconds of every model on every fold (the same folds for all)."""
    out: dict[str, list[tuple[float, float]]] = {name: [] for name in models}
    splitter = StratifiedKFold(folds, shuffle=True, random_state=SEED)
    for train, test in splitter.split(frame, y):
        for name in models:
            started = time.perf_counter()
            table = frame if name == "icpkit" else without_ids(frame)
            score = MODELS[name](
                table.iloc[train].reset_index(drop=True),
                y[train],
                table.iloc[test].reset_index(drop=True),
            )
            out[name].append((roc_auc_score(y[test], score), time.perf_counter() - started))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="", help="comma-separated subset of the data sets")
    parser.add_argument("--models", default="", help="comma-separated subset of the models")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=3000, help="simulated accounts")
    args = parser.parse_args()
    sets = data_sets(args.accounts)
    chosen_sets = [s for s in args.sets.split(",") if s] or list(sets)
    models = [m for m in args.models.split(",") if m] or DEFAULT_MODELS
    lines = [
        "| data | rows | model | AUC (mean ± sd over folds) | vs best | vs logistic | "
        "card rows | s per fit |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name in chosen_sets:
        frame, y = sets[name]()
        CARD_ROWS.clear()
        results = cross_validate(frame, y, models, args.folds)
        means = {m: float(np.mean([a for a, _ in v])) for m, v in results.items()}
        best = max(means.values())
        logistic = means.get("logistic one-hot", math.nan)
        for model, values in results.items():
            aucs = [a for a, _ in values]
            rows = f"{np.mean(CARD_ROWS):.1f}" if model == "icpkit" and CARD_ROWS else ""
            lines.append(
                f"| {name} | {len(y):,} | {model} | {np.mean(aucs):.3f} ± {np.std(aucs):.3f} | "
                f"{means[model] / best:.3f} | {means[model] / logistic:.3f} | {rows} | "
                f"{np.mean([s for _, s in values]):.2f} |"
            )
        print("\n".join(lines[-len(results) :]), flush=True)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
