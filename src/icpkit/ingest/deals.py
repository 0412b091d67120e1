"""What ingest decides about deals: each deal's outcome, and what to tell about the file.

The outcome comes from won/closed flags first, then a status, an outcome column, and stage
names last (every org renames them); a note says when stage names were used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from icpkit.errors import IcpkitError
from icpkit.ingest import arrowtext
from icpkit.ingest import normalise as nz
from icpkit.ingest.columns import to_text
from icpkit.ingest.mapping import ColumnPlan, Conventions

if TYPE_CHECKING:
    from icpkit.ingest.canonical import TableBuild

# Outcomes as small integer codes while they are decided (a million deals, a few comparisons).
_NO_OUTCOME, _WON, _LOST, _OPEN = 0, 1, 2, 3
_OUTCOME_CODES = {"won": _WON, "lost": _LOST, "open": _OPEN}
_OUTCOME_LABELS = pa.array([None, "won", "lost", "open"], type=pa.large_string())


def parse_codes(
    series: pd.Series,
    parse: Callable[[str], Any],
    factorized: tuple[np.ndarray, list] | None = None,
) -> tuple[np.ndarray, list, np.ndarray | None]:
    """``parse`` once per distinct value: (codes, parsed value per distinct value, reasons).

    ``codes[i]`` indexes row i's distinct value (-1 when blank, whose parsed value is the
    last, None); ``reasons`` is None when every value was read, else a per-row object array.
    ``factorized``: :func:`arrowtext.factorize` of ``series``, when already known.
    """
    codes, uniques = arrowtext.factorize(series) if factorized is None else factorized
    parsed: list = []
    problems: list = []
    for value in uniques:
        try:
            parsed.append(parse(value))
            problems.append(None)
        except nz.ParseError as error:
            parsed.append(None)
            problems.append(str(error))
    parsed.append(None)
    problems.append(None)
    if not any(problems):
        return codes, parsed, None
    return codes, parsed, np.array(problems, dtype=object)[codes]


def flag_codes(column: pd.Series, header: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A boolean flag column as int8 (1 true, 0 false, -1 blank) and why cells are unreadable."""
    if pd.api.types.is_bool_dtype(column.dtype):
        values = column.astype("boolean")
        codes = np.where(values.isna(), -1, values.fillna(False).astype(bool)).astype(np.int8)
        return codes, None
    codes, parsed, reasons = parse_codes(to_text(column), nz.parse_bool)
    table = np.array([-1 if v is None else int(v) for v in parsed], dtype=np.int8)
    if reasons is not None:
        failed = reasons != None  # noqa: E711
        reasons[failed] = [f"{header}: {r}" for r in reasons[failed]]
    return table[codes], reasons


def _outcome_codes(parsed: list, codes: np.ndarray) -> np.ndarray:
    table = np.array([_OUTCOME_CODES.get(v, _NO_OUTCOME) for v in parsed], dtype=np.int8)
    return table[codes]


def decide_outcomes(
    build: TableBuild,
    conventions: Conventions,
    cleaned: Mapping[str, pd.Series],
    flags: Mapping[str, tuple[np.ndarray, np.ndarray | None]],
    labels: Mapping[str, tuple[np.ndarray, list]],
) -> None:
    """Outcome per deal: won/closed flags first, then a status, an outcome column, stage names.

    ``flags``: :func:`flag_codes` of the won, closed and lost columns the file has;
    ``labels``: :func:`arrowtext.factorize` of its outcome and stage columns.
    Stage names are the last resort (every org renames them); a note says when they were used.
    """
    n = len(build.raw)
    plan = build.plan
    outcome = np.zeros(n, dtype=np.int8)
    # why a row's outcome could not be read, and in which column: made when a reason comes
    first_reason: np.ndarray | None = None
    first_column: np.ndarray | None = None
    hard_reject = np.zeros(n, dtype=bool)
    unreadable = np.zeros(n, dtype=bool)
    used: dict[str, int] = {}

    def offer(values: np.ndarray, reasons: np.ndarray | None, header: str, source: str) -> None:
        """Fill outcomes still unknown; an unreadable flag is not overruled by a stage name."""
        fill = (outcome == _NO_OUTCOME) & (values != _NO_OUTCOME) & ~unreadable
        outcome[fill] = values[fill]
        if fill.any():
            used[source] = used.get(source, 0) + int(fill.sum())
        nonlocal first_reason, first_column
        if reasons is not None:
            bad = reasons != None  # noqa: E711
            if first_reason is None or first_column is None:
                first_reason = np.full(n, None, dtype=object)
                first_column = np.full(n, "", dtype=object)
            unset = (first_reason == None) & bad  # noqa: E711
            first_reason[unset] = reasons[unset]
            first_column[unset] = header
            unreadable[bad] = True

    won_false_only = np.zeros(n, dtype=bool)
    if "won" in flags:
        won, won_reasons = flags["won"]
        values = np.where(won == 1, _WON, _NO_OUTCOME).astype(np.int8)
        is_false = won == 0
        decider = flags.get("closed") or flags.get("lost")
        if decider is not None:  # not won, and closed (or lost): lost; not closed: open
            values[is_false & (decider[0] == 1)] = _LOST
            values[is_false & (decider[0] == 0)] = _OPEN
        else:
            won_false_only = is_false
        reasons = won_reasons
        if "closed" in flags:
            reasons = _first_of(won_reasons, flags["closed"][1])
        offer(values, reasons, plan.flags["won"], "flags")
    elif flags:
        values = np.zeros(n, dtype=np.int8)
        if "closed" in flags:
            values[flags["closed"][0] == 0] = _OPEN
        if "lost" in flags:
            values[flags["lost"][0] == 1] = _LOST
        header = plan.flags.get("closed") or plan.flags["lost"]
        reasons = _first_of(
            flags.get("closed", (None, None))[1], flags.get("lost", (None, None))[1]
        )
        offer(values, reasons, header, "flags")
    status_header = plan.flags.get("status")
    if status_header is not None:
        codes, uniques = arrowtext.factorize(cleaned[status_header])
        keys = [str(v).strip().lower() for v in uniques]
        if keys and set(keys) <= {"won", "lost", "open", "deleted"}:
            hard_reject = np.array([k == "deleted" for k in keys] + [False])[codes]
            offer(_outcome_codes([*keys, None], codes), None, status_header, "status")
        elif not set(plan.flags) - {"status"} and not {"outcome", "stage"} & set(plan.canonical):
            shown = ", ".join(f'"{nz.show(k)}"' for k in sorted(set(keys))[:5])
            raise IcpkitError(
                f'missing required column "outcome" (column "{status_header}" holds {shown}, '
                "not won/lost/open)",
                file=build.raw.label,
                column="outcome",
            )
    extra = conventions.outcome_values or None
    for column, source in (("outcome", "outcome"), ("stage", "stage")):
        label_header = plan.canonical.get(column)
        if label_header is None:
            continue
        codes, parsed, _ = parse_codes(
            cleaned[label_header], lambda s: nz.parse_outcome(s, extra), labels.get(label_header)
        )
        offer(_outcome_codes(parsed, codes), None, label_header, source)
    if won_false_only.any():
        fill = won_false_only & (outcome == _NO_OUTCOME)
        outcome[fill] = _LOST
        if fill.any():
            build.note(
                f"{int(fill.sum())} deals with {plan.flags['won']} false and no IsClosed "
                "column or stage were read as lost"
            )
    build.reject(hard_reject, "deal status is deleted", status_header or "")
    unknown = outcome == _NO_OUTCOME
    if unknown.any():
        if first_reason is None or first_column is None:
            build.reject(unknown, "outcome is blank", _outcome_header(plan))
        else:
            reasons = np.where(first_reason == None, "outcome is blank", first_reason)  # noqa: E711
            columns = np.where(first_column == "", _outcome_header(plan), first_column)
            build.reject(unknown, reasons.astype(object), columns.astype(object))
    labels = pc.take(_OUTCOME_LABELS, pa.array(outcome.astype(np.int64)))
    build.frame["outcome"] = arrowtext.to_series(labels, build.frame.index)
    if used.get("stage"):
        stage = plan.canonical["stage"]
        has_flags = bool(set(plan.flags) & {"won", "closed", "lost"})
        why = "won/closed flags blank" if has_flags else "no won/closed flag column"
        build.note(
            f'{why}: outcome read from stage names in "{stage}" for {used["stage"]} deals '
            "(Closed Won/Won → won, Closed Lost/Lost → lost, any other stage → open)"
        )


def _first_of(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    return np.where(a == None, b, a)  # noqa: E711


def _outcome_header(plan: ColumnPlan) -> str:
    for source in ("won", "closed", "lost", "status"):
        if source in plan.flags:
            return plan.flags[source]
    return plan.canonical.get("outcome") or plan.canonical.get("stage") or ""


# ---------------------------------------------------------------------------------------------
# Notes on a deals file


def note_amount_set_at_closing(build: TableBuild) -> None:
    """Warn when the amount is zero or blank on every lost deal but not on won ones: it is
    filled in when a deal closes, so it tells the outcome (Maven's ``close_value``)."""
    accepted = build.accepted
    outcome = build.frame["outcome"]
    amount = build.frame["amount"].to_numpy(dtype="float64", na_value=np.nan)
    empty = np.isnan(amount) | (amount == 0)
    labels = arrowtext.to_arrow(outcome)
    lost = accepted & pc.fill_null(pc.equal(labels, "lost"), False).to_numpy()
    won = accepted & pc.fill_null(pc.equal(labels, "won"), False).to_numpy()
    if lost.sum() < 10 or won.sum() < 10 or not empty[lost].all() or empty[won].mean() > 0.5:
        return
    header = build.plan.canonical.get("amount", "amount")
    build.note(
        f'"{header}" is 0 or blank on all {int(lost.sum()):,} lost deals and set on '
        f"{int((~empty[won]).sum()):,} of {int(won.sum()):,} won ones: it is filled in when a "
        "deal is won, so it says the outcome (fine as a deal size, never as a predictor)"
    )


def note_deals_without_account(build: TableBuild) -> None:
    """Say which deals lost their account (CRMs often leave it blank on open deals)."""
    blank = build.frame["account_id"].isna().to_numpy()
    if not blank.any():
        return
    blank = blank & (build.reasons == "account_id is blank")
    if not blank.any():
        return
    outcomes = build.frame["outcome"].astype(object).to_numpy()[blank]
    counts = pd.Series(outcomes).fillna("no outcome").value_counts()
    shown = ", ".join(f"{n:,} {outcome}" for outcome, n in counts.items())
    build.note(f"{int(blank.sum()):,} deals have no account and are quarantined ({shown})")
