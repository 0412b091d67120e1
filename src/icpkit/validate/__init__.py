"""Proof on deals the scorecard never saw: held-out and out-of-time validation."""

from icpkit.validate.holdout import Split, evaluate, split_holdout

__all__ = ["Split", "evaluate", "split_holdout"]
