"""How much can a card of at most 12 rows hold on one data set? Two reference points.

1. Logistic regression (one-hot, as in ``accuracy.py``) on exactly the columns icpkit's card
   chose in each fold: does the card lose on the columns it picked, or on the ones it left?
2. Forward selection of columns for logistic regression, judged on the *test* folds themselves:
   an optimistic ceiling (it looks at the answers), not an honest model. If even this stays
   below logistic regression on every column at 12 columns, no honest 12-row card can beat it.

Same folds as ``accuracy.py`` (stratified 5-fold, seed 2026).

    .venv/bin/python benchmarks/column_ceiling.py --set attrition [--columns 12]
"""

from __future__ import annotations

import argparse

import accuracy as A
import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from icpkit.discover.roles import decide_roles
from icpkit.scorecard.learn import ScorecardLearner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="attrition", choices=sorted(A.PUBLIC_SETS))
    parser.add_argument("--columns", type=int, default=12)
    args = parser.parse_args()
    frame, y = A.public_data(args.set)
    table = A.without_ids(frame)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=A.SEED).split(frame, y))

    def logistic(columns_per_fold: list[list[str]]) -> float:
        aucs = []
        for (train, test), columns in zip(folds, columns_per_fold, strict=True):
            a, b = table.iloc[train].reset_index(drop=True), table.iloc[test].reset_index(drop=True)
            aucs.append(
                roc_auc_score(y[test], A.fit_logistic_one_hot(a[columns], y[train], b[columns]))
            )
        return float(np.mean(aucs))

    chosen_by_card = []
    for train, _ in folds:
        rows = frame.iloc[train].reset_index(drop=True)
        roles = decide_roles(rows, y[train])
        rows = rows[[c for c in rows.columns if roles[c].role not in A.LEFT_OUT]]
        learner = ScorecardLearner(seed=A.SEED)
        learner.fit(rows, y[train])
        chosen_by_card.append(sorted({c.column for c in learner.selected_}))
    every = [c for c in table.columns if table[c].nunique() > 1]
    print(f"logistic regression, every column ({len(every)}): {logistic([every] * 5):.4f}")
    sizes = [len(c) for c in chosen_by_card]
    print(
        f"logistic regression, the card's columns ({min(sizes)}-{max(sizes)}): "
        f"{logistic(chosen_by_card):.4f}"
    )
    picked: list[str] = []
    pool = list(every)
    for k in range(args.columns):
        best = max(pool, key=lambda c: logistic([[*picked, c]] * 5))
        picked.append(best)
        pool.remove(best)
        print(f"  ceiling, {k + 1} columns (+{best}): {logistic([picked] * 5):.4f}", flush=True)


if __name__ == "__main__":
    main()
