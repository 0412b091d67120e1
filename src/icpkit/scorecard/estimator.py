"""The scorecard learner as a scikit-learn classifier.

``ScorecardClassifier(max_attributes=6).fit(X, y).scorecard_`` is a :class:`Scorecard`, a
plain value that can be saved, diffed, loaded and applied; the estimator around it follows
scikit-learn's contract, so ``clone``, ``cross_val_score``, ``GridSearchCV`` and ``Pipeline``
work on it::

    from sklearn.model_selection import cross_val_score
    cross_val_score(icpkit.ScorecardClassifier(), X, y, cv=5, scoring="roc_auc")

The learning itself is :class:`~icpkit.scorecard.learn.ScorecardLearner`'s, unchanged: this
module only translates. ``X`` is a DataFrame (any mix of numbers, categories, yes/no and
``;``-joined lists, blanks allowed, as a CRM export has them) or a 2-D array (its columns are
named ``x0``, ``x1``, ...). ``y`` holds two classes; the second of ``classes_`` (in sorted
order: ``1`` of 0/1, ``True``, ``"Won"`` of Lost/Won) is the one the card scores for.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from icpkit.scorecard.learn import NoUsableAttribute, ScorecardLearner
from icpkit.scorecard.model import Calibration, Scorecard, ScoredFrame, Tiers


# scikit-learn ships no type hints, so its base classes are Any to mypy.
class ScorecardClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A points scorecard, learned and used as a scikit-learn binary classifier.

    Parameters
    ----------
    max_attributes : int or None, default=None
        Most attributes (rows) the card may use. ``None`` lets cross-validated AUC decide, up
        to 12; a small number such as 4 forces a compact card.
    min_bin_share : float or None, default=None
        Smallest share of rows a bin may hold, e.g. 0.05. ``None``: enough for about 40 rows,
        between 2% (large data) and 5% (small data).
    max_bins : int, default=8
        Most bins per attribute.
    points_to_double_odds : float, default=10.0
        How many points double the odds of the positive class.
    tier_shares : tuple of three floats, default=(0.15, 0.25, 0.30)
        Shares of the training rows that land in tiers A, B and C (D takes the rest).
    tiers : Tiers or None, default=None
        Fixed tier bounds instead of ``tier_shares``.
    seed : int, default=0
        Seed of the learner's cross-validation folds: the same data and seed give the same
        card.

    Attributes
    ----------
    scorecard_ : Scorecard
        The learned card: attributes, bins and points, disqualifiers, tiers and the
        calibration from score to probability.
    classes_ : ndarray of shape (2,)
        The two classes of ``y``; ``classes_[1]`` is the one the card scores for (won).
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit``, when ``X`` was a DataFrame with text column names.

    ``predict_proba`` is the card's calibrated win probability of each row's score;
    ``decision_function`` the 0-100 fit score itself (higher is better, not centred on 0);
    ``predict`` the positive class where the probability is at least one half.
    """

    def __init__(
        self,
        max_attributes: int | None = None,
        min_bin_share: float | None = None,
        max_bins: int = 8,
        points_to_double_odds: float = 10.0,
        tier_shares: tuple[float, float, float] = (0.15, 0.25, 0.30),
        tiers: Tiers | None = None,
        seed: int = 0,
    ) -> None:
        self.max_attributes = max_attributes
        self.min_bin_share = min_bin_share
        self.max_bins = max_bins
        self.points_to_double_odds = points_to_double_odds
        self.tier_shares = tier_shares
        self.tiers = tiers
        self.seed = seed

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> ScorecardClassifier:
        """Learn the card from rows ``X`` and their outcomes ``y`` (two classes).

        ``sample_weight`` (optional, one non-negative number per row) makes some rows count
        more in the bins, points, attribute choice and calibration; the counts shown on each
        bin stay plain rows.
        """
        frame = self._frame(X, reset=True)
        y = column_or_1d(y, warn=True)
        if len(y) != len(frame):
            raise ValueError(f"X has {len(frame)} rows but y has {len(y)} values")
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(
                "Only binary classification is supported. ScorecardClassifier tells two "
                f"classes apart (won and lost): y has {len(classes)} "
                f"class{'' if len(classes) == 1 else 'es'}"
            )
        self.classes_: np.ndarray = classes
        won = (y == classes[1]).astype(int)
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if weight is not None and weight.shape == won.shape and (weight > 0).any():
            weighted = {int(c) for c in np.unique(won[weight > 0])}
            if len(weighted) < 2:
                raise ValueError(
                    "sample_weight leaves one class only: give both classes a positive weight"
                )
        learner = ScorecardLearner(
            max_attributes=self.max_attributes,
            min_bin_share=self.min_bin_share,
            max_bins=self.max_bins,
            points_to_double_odds=self.points_to_double_odds,
            tier_shares=self.tier_shares,
            tiers=self.tiers,
            seed=self.seed,
        )
        try:
            self.scorecard_: Scorecard = learner.fit(frame, won, sample_weight=weight)
        except NoUsableAttribute as error:
            self.scorecard_ = _base_rate_card(won, weight, str(error))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class per row, from the card's score-to-probability
        calibration: column 1 is ``classes_[1]`` (won)."""
        positive = self._calibrated(self._apply(X))
        return np.column_stack([1.0 - positive, positive])

    def decision_function(self, X: Any) -> np.ndarray:
        """The card's 0-100 fit score per row (higher: more like the won rows)."""
        return self._apply(X).score.astype(float)

    def predict(self, X: Any) -> np.ndarray:
        """``classes_[1]`` where the calibrated probability is at least 0.5, else
        ``classes_[0]``."""
        positive = self.predict_proba(X)[:, 1]
        labels: np.ndarray = self.classes_[(positive >= 0.5).astype(int)]
        return labels

    def score_frame(self, X: Any) -> ScoredFrame:
        """Everything the card says of each row: points per attribute, score, tier,
        disqualifier and reasons (``.to_frame()`` gives the ``icp_`` columns)."""
        return self._apply(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.allow_nan = True  # a blank is a bin of its own
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags

    # ---- input ---------------------------------------------------------------------------

    def _apply(self, X: Any) -> ScoredFrame:
        check_is_fitted(self, "scorecard_")
        return self.scorecard_.apply(self._frame(X, reset=False))

    def _calibrated(self, scored: ScoredFrame) -> np.ndarray:
        probability = scored.probability()
        if probability is None:  # the learner always calibrates; a card set by hand may not
            raise ValueError("this scorecard has no calibration, so no probabilities")
        return probability

    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        """``X`` as the DataFrame the learner reads: a DataFrame keeps its columns and their
        types; an array becomes columns ``x0``, ``x1``, ... (numbers stay numbers)."""
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=reset, skip_check_array=True)
            if len(X) == 0:
                raise ValueError("X has no rows (0 samples): a minimum of 1 is required")
            frame = X.reset_index(drop=True)
            frame.columns = [str(c) for c in frame.columns]
            return frame
        array = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite="allow-nan")
        frame = pd.DataFrame(array, columns=[f"x{j}" for j in range(array.shape[1])])
        return frame.infer_objects() if array.dtype == object else frame


def _base_rate_card(won: np.ndarray, weight: np.ndarray | None, why: str) -> Scorecard:
    """The card for data where no column tells the classes apart: no attributes, every row
    scores 0 (tier D) with the training base rate as its probability, and a warning, as a
    dummy classifier would answer; ``cross_val_score`` on noise then says 0.5 AUC, not fail."""
    rate = float(np.average(won, weights=weight))
    warnings.warn(
        f"{why}: the card has no attributes and gives every row the base rate ({rate:.1%})",
        UserWarning,
        stacklevel=3,
    )
    return Scorecard(
        name="ICP scorecard",
        attributes=(),
        tiers=Tiers(70, 50, 30),
        calibration=Calibration(math.log(rate / (1 - rate)), 0.0),
        description=why,
    )
