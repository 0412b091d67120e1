"""The scored accounts every export and push starts from.

The input file is scored with the scorecard (:func:`icpkit.score.score_frame`), and each row
keeps its line in the file and its original columns, so a CRM key can be taken from whichever
column holds it and a record that cannot be written can be traced back to its line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from icpkit.errors import IcpkitError
from icpkit.ingest.readers import read_table
from icpkit.score import score_frame
from icpkit.scorecard.io import load_scorecard


@dataclass(frozen=True)
class ScoredAccounts:
    """``inputs`` (the file's columns), ``scores`` (icp_score, icp_tier, icp_disqualified,
    icp_reasons) and ``lines`` (line of each row in the file), all in input order."""

    source: str
    inputs: pd.DataFrame
    scores: pd.DataFrame
    lines: np.ndarray
    scorecard_name: str
    scorecard_version: int
    scorecard_fingerprint: str

    def __len__(self) -> int:
        return len(self.scores)

    def fit(self, position: int) -> tuple[int, str, str]:
        """Score, tier and reasons ("" when none) of the row at ``position``."""
        return self._fits[position]

    @cached_property
    def _fits(self) -> list[tuple[int, str, str]]:
        # Plain lists: looking rows up one by one in a DataFrame is slow on big files.
        scores = self.scores["icp_score"].astype("int64").tolist()
        tiers = self.scores["icp_tier"].astype(str).tolist()
        reasons = [str(r) if isinstance(r, str) else "" for r in self.scores["icp_reasons"]]
        return list(zip(scores, tiers, reasons, strict=True))

    def pick_column(self, given: str | None, candidates: Sequence[str], purpose: str) -> str:
        """The column named ``given``, else the first of ``candidates`` present."""
        if given is not None:
            if given not in self.inputs.columns:
                raise IcpkitError(f"no column {given!r} ({purpose})", file=self.source)
            return given
        for name in candidates:
            if name in self.inputs.columns:
                return name
        raise IcpkitError(
            f"no column for {purpose}: name one with --id (looked for "
            + ", ".join(repr(c) for c in candidates)
            + ")",
            file=self.source,
        )


def score_accounts(scorecard: Path, input_path: Path) -> ScoredAccounts:
    """Score every row of ``input_path`` (CSV or Parquet) with the scorecard file."""
    card = load_scorecard(scorecard)
    table = read_table(input_path)
    frame = table.frame
    if not any(column in frame.columns for column in card.columns):
        raise IcpkitError(
            "none of the columns the scorecard reads are here (it reads "
            + ", ".join(card.columns)
            + ")",
            file=input_path,
        )
    scores = score_frame(card, frame, None).reset_index(drop=True)
    return ScoredAccounts(
        source=str(input_path),
        inputs=frame.reset_index(drop=True),
        scores=scores,
        lines=np.asarray(table.lines),
        scorecard_name=card.name,
        scorecard_version=card.version,
        scorecard_fingerprint=hashlib.sha256(Path(scorecard).read_bytes()).hexdigest()[:12],
    )


def cell_text(value: object) -> str:
    """A key cell as text: blank for missing, ``512`` (not ``512.0``) for whole numbers."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()
