"""When to buy: which events (funding, an executive hire, ...) come shortly before deals that win.

For each signal type, a deal "has" the signal when one of that type occurred at its account
within N days before the deal was created (never after: a signal after creation cannot have
caused it). Conversion (won / closed) of deals with the signal is compared with deals without.

N is picked from a grid (:data:`WINDOWS`), and picking the best of several windows flatters the
winner. So the closed deals are split at random into two halves, balanced on outcome: the window
is chosen on the *selection* half (largest lift, with each window's win rates shrunk toward the
base rate so a window holding three lucky deals cannot win), and the lift, its interval and the
p-value are measured on the *held-out* half alone. A trigger is ``significant`` when the held-out
test passes after Holm's correction for the number of signal types tested and the held-out
effect points the same way as on the selection half.

The timing model (:class:`icpkit.timing.TimingModel`) is then learned: weights from the held-out
lift of the significant triggers (the strongest weighs 1), a horizon at the widest of their
windows, and a half-life chosen on the selection half (or set by the user). Its buckets are
checked on the held-out deals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from icpkit.stats import (
    bootstrap_ratio_interval,
    fit_logistic,
    holm_adjust,
    proportion_test,
    shrunk_rate,
    wilson_interval,
)
from icpkit.timing import TimingModel, priority, signal_ages, signal_key, timing_from_dict

ALPHA = 0.05
WINDOWS = (7, 14, 30, 45, 60, 90, 120, 180, 365)
HALF_LIVES = (7, 14, 30, 45, 60, 90, 180, 365)
MIN_DEALS = 10  # with the signal, on the selection half, for a window to be considered
MIN_CLOSED = 20
SHRINK_DEALS = 50  # window choice: rates shrunk as if each side had 50 more deals at the base rate
TIERS = ("A", "B", "C", "D")
BUCKETS = (1, 2, 3)

NO_SIGNALS_MESSAGE = (
    "No signals were given, so there are no triggers and no timing score. Add a signals file "
    "(--signals, or signals.csv in the --from folder) with account_id, type (funding, "
    "executive_hire, job_post, web_visit, ...) and occurred_at, covering at least the months "
    "before each deal was created. icpkit will then show which events come shortly before "
    "deals that win, over which window, and rank accounts by fit tier x timing (A1 ... D3)."
)


def find_triggers(
    deals: pd.DataFrame,
    signals: pd.DataFrame,
    *,
    windows: tuple[int, ...] = WINDOWS,
    half_life_days: float | None = None,
    alpha: float = ALPHA,
    min_deals: int = MIN_DEALS,
    seed: int = 0,
) -> dict[str, Any]:
    """Triggers per signal type and a learned timing model, as a JSON-ready dict.

    ``windows``: candidate "days before the deal was created" (default 7 to 365).
    ``half_life_days``: fix the timing score's half-life instead of learning it. ``alpha``:
    family-wise error rate over the signal types. ``min_deals``: deals with the signal needed on
    the selection half for a window to be tried. ``seed``: the random split.

    Keys: ``status`` ("ok" or "insufficient"), ``message``, ``data``, ``method``, ``triggers``
    (one entry per signal type: ``type``, ``window_days``, ``lift``, ``ci``, ``significant`` and
    the counts behind them), ``timing_model`` (a :class:`TimingModel` as a dict) and
    ``timing_check`` (held-out win rate per timing bucket).
    """
    closed = _closed_with_dates(deals)
    clean = _signals(signals)
    types = sorted(clean["type"].unique())
    data = {
        "signals": len(clean),
        "signal_types": {t: int((clean["type"] == t).sum()) for t in types},
        "closed_deals_with_created_at": len(closed),
        "won": int(closed["won"].sum()),
        "first_signal": _day(clean["occurred_at"].min()),
        "last_signal": _day(clean["occurred_at"].max()),
    }
    if len(closed) < MIN_CLOSED or not 0 < closed["won"].sum() < len(closed) or not types:
        return _insufficient(data, min_closed=MIN_CLOSED)

    ages = signal_ages(clean, closed["account_id"], closed["created_at"])
    won = closed["won"].to_numpy(dtype=bool)
    selection = _split(won, seed)
    triggers = [_trigger(t, ages[t], won, selection, windows, min_deals, seed) for t in types]
    _correct(triggers, alpha)
    model = _timing_model(triggers, ages, won, selection, half_life_days, data)
    check = _timing_check(model, ages, won, ~selection)
    found = [t for t in triggers if t["significant"]]
    return {
        "status": "ok",
        "message": _summary(triggers, model),
        "data": data,
        "method": (
            f"Closed deals split at random in two halves (seed {seed}); for each signal type the "
            f"window (one of {', '.join(map(str, windows))} days before the deal was created) "
            "with the largest shrunk lift on the selection half is measured on the held-out "
            f"half; significant after Holm's correction over {sum(t['tested'] for t in triggers)}"
            f" signal types at a family-wise error of {alpha:g}, with the held-out effect in "
            "the direction the selection half found."
        ),
        "triggers": sorted(
            triggers, key=lambda t: (not t["significant"], not t["tested"], -(t["lift"] or 0))
        ),
        "significant": [t["type"] for t in found],
        "timing_model": model.to_dict(),
        "timing_check": check,
    }


def no_signals() -> dict[str, Any]:
    """What ``triggers.json`` says when there is no signals table."""
    return {
        "status": "no_data",
        "message": NO_SIGNALS_MESSAGE,
        "triggers": [],
        "significant": [],
        "timing_model": None,
    }


# --- Inputs ------------------------------------------------------------------------------------


def _closed_with_dates(deals: pd.DataFrame) -> pd.DataFrame:
    closed = deals[deals["outcome"].isin(["won", "lost"])]
    created = pd.to_datetime(closed.get("created_at"), errors="coerce")
    frame = pd.DataFrame(
        {
            "account_id": closed["account_id"].astype(str).to_numpy(),
            "created_at": np.asarray(created, dtype="datetime64[ns]"),
            "won": (closed["outcome"] == "won").to_numpy(),
        }
    )
    return frame[frame["created_at"].notna()].reset_index(drop=True)


def _signals(signals: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "account_id": signals["account_id"].astype(str).to_numpy(),
            "type": signals["type"].map(signal_key).to_numpy(),
            "occurred_at": np.asarray(
                pd.to_datetime(signals["occurred_at"], errors="coerce"), dtype="datetime64[ns]"
            ),
        }
    )
    keep = signals["account_id"].notna().to_numpy() & signals["type"].notna().to_numpy()
    keep &= frame["occurred_at"].notna().to_numpy() & (frame["type"] != "").to_numpy()
    return frame[keep].reset_index(drop=True)


def _split(won: np.ndarray, seed: int) -> np.ndarray:
    """True for the selection half: half of the won and half of the lost deals, at random."""
    rng = np.random.default_rng(seed)
    selection = np.zeros(len(won), dtype=bool)
    for outcome in (True, False):
        rows = rng.permutation(np.flatnonzero(won == outcome))
        selection[rows[: (len(rows) + 1) // 2]] = True
    return selection


# --- One signal type ---------------------------------------------------------------------------


def _trigger(
    signal_type: str,
    age: np.ndarray,
    won: np.ndarray,
    selection: np.ndarray,
    windows: tuple[int, ...],
    min_deals: int,
    seed: int,
) -> dict[str, Any]:
    curve = _window_curve(age[selection], won[selection], windows)
    eligible = [c for c in curve if c["deals_with"] >= min_deals and c["deals_without"] > 0]
    entry: dict[str, Any] = {
        "type": signal_type,
        "window_days": None,
        "tested": False,
        "lift": None,
        "ci": [None, None],
        "p_value": None,
        "p_adjusted": None,
        "significant": False,
        "direction": None,
        "selection_curve": curve,
    }
    if not eligible:
        entry["note"] = (
            f"too few deals with a {signal_type} signal before creation (fewer than {min_deals} "
            "on the selection half in every window)"
        )
        return entry
    best = max(eligible, key=lambda c: (abs(c["shrunk_log_lift"]), -c["window_days"]))
    window = best["window_days"]
    held = ~selection
    has = (age <= window)[held]
    y = won[held]
    k_with, n_with = int(y[has].sum()), int(has.sum())
    k_without, n_without = int(y[~has].sum()), int((~has).sum())
    entry["window_days"] = window
    entry |= _held_out_stats(k_with, n_with, k_without, n_without, seed)
    entry["tested"] = n_with > 0 and n_without > 0
    entry["selection_direction"] = "more" if best["shrunk_log_lift"] >= 0 else "fewer"
    return entry


def _window_curve(age: np.ndarray, won: np.ndarray, windows: tuple[int, ...]) -> list[dict]:
    base = float(won.mean()) if len(won) else 0.0
    curve = []
    for window in windows:
        has = age <= window  # NaN (no signal) compares False
        n_with, k_with = int(has.sum()), int(won[has].sum())
        n_without, k_without = int((~has).sum()), int(won[~has].sum())
        with_rate = shrunk_rate(k_with, n_with, base, SHRINK_DEALS)
        without_rate = shrunk_rate(k_without, n_without, base, SHRINK_DEALS)
        curve.append(
            {
                "window_days": int(window),
                "deals_with": n_with,
                "deals_without": n_without,
                "win_rate_with": k_with / n_with if n_with else None,
                "win_rate_without": k_without / n_without if n_without else None,
                "shrunk_log_lift": float(np.log(max(with_rate, 1e-9) / max(without_rate, 1e-9))),
            }
        )
    return curve


def _held_out_stats(
    k_with: int, n_with: int, k_without: int, n_without: int, seed: int
) -> dict[str, Any]:
    rate_with = k_with / n_with if n_with else None
    rate_without = k_without / n_without if n_without else None
    lift = None
    if rate_with is not None and rate_without:
        lift = rate_with / rate_without
    ci: tuple[float, float] = (float("nan"), float("nan"))
    if n_with and n_without:
        ci = bootstrap_ratio_interval(
            np.repeat([1, 0], [k_with, n_with - k_with]),
            np.repeat([1, 0], [k_without, n_without - k_without]),
            seed=seed,
        )
    return {
        "deals_with": n_with,
        "won_with": k_with,
        "win_rate_with": rate_with,
        "win_rate_with_ci": list(wilson_interval(k_with, n_with)),
        "deals_without": n_without,
        "won_without": k_without,
        "win_rate_without": rate_without,
        "win_rate_without_ci": list(wilson_interval(k_without, n_without)),
        "lift": lift,
        "ci": [None if np.isnan(x) else x for x in ci],
        "p_value": proportion_test(k_with, n_with, k_without, n_without),
        "direction": None if lift is None else ("more" if lift >= 1 else "fewer"),
    }


def _correct(triggers: list[dict[str, Any]], alpha: float) -> None:
    tested = [t for t in triggers if t["tested"]]
    adjusted = holm_adjust(np.array([t["p_value"] for t in tested], dtype=float))
    for trigger, p in zip(tested, adjusted, strict=True):
        trigger["p_adjusted"] = float(p)
        agrees = trigger["direction"] == trigger["selection_direction"]
        trigger["significant"] = bool(p < alpha and agrees)


# --- The timing model --------------------------------------------------------------------------


def _timing_model(
    triggers: list[dict[str, Any]],
    ages: pd.DataFrame,
    won: np.ndarray,
    selection: np.ndarray,
    half_life_days: float | None,
    data: dict[str, Any],
) -> TimingModel:
    positive = [t for t in triggers if t["significant"] and t["lift"] > 1]
    trained_on = {
        "closed_deals": int(len(won)),
        "selection_deals": int(selection.sum()),
        "held_out_deals": int((~selection).sum()),
        "first_signal": data["first_signal"],
        "last_signal": data["last_signal"],
    }
    if not positive:
        trained_on["note"] = "no signal type was a reliable trigger: every weight is 0"
        return TimingModel(
            weights={},
            half_life_days=half_life_days or 30.0,
            trained_on=trained_on,
        )
    strongest = max(np.log(t["lift"]) for t in positive)
    weights = {t["type"]: float(np.log(t["lift"]) / strongest) for t in positive}
    horizon = max(t["window_days"] for t in positive)
    if half_life_days is None:
        half_life_days, fit = _learn_half_life(weights, horizon, ages, won, selection)
        trained_on["half_life"] = f"learned on the selection half (log-likelihood {fit:.1f})"
    else:
        trained_on["half_life"] = "set by the user"
    return TimingModel(
        weights=weights,
        half_life_days=float(half_life_days),
        horizon_days=int(horizon),
        trained_on=trained_on,
    )


def _scores(weights: dict[str, float], half_life: float, horizon: int, ages: pd.DataFrame):
    model = TimingModel(weights=weights, half_life_days=half_life, horizon_days=horizon)
    return model.score_ages(ages)


def _learn_half_life(
    weights: dict[str, float],
    horizon: int,
    ages: pd.DataFrame,
    won: np.ndarray,
    selection: np.ndarray,
) -> tuple[float, float]:
    """The half-life whose timing score best predicts winning on the selection half (a one-
    variable logistic regression's log-likelihood)."""
    best = (HALF_LIVES[0], -np.inf)
    y = won[selection].astype(float)
    for half_life in HALF_LIVES:
        score = _scores(weights, half_life, horizon, ages)[selection] / 100
        intercept, slope = fit_logistic(score[:, None], y, l2=1e-6)
        p = 1 / (1 + np.exp(-(intercept + slope[0] * score)))
        p = np.clip(p, 1e-12, 1 - 1e-12)
        log_likelihood = float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
        if log_likelihood > best[1] + 1e-9:
            best = (half_life, log_likelihood)
    return float(best[0]), best[1]


def _timing_check(
    model: TimingModel, ages: pd.DataFrame, won: np.ndarray, held: np.ndarray
) -> list[dict[str, Any]]:
    """Win rate per timing bucket at deal creation, on the held-out half."""
    score = np.rint(model.score_ages(ages))[held]
    bucket = model.bucket(score)
    y = won[held]
    out = []
    for b in BUCKETS:
        inside = bucket == b
        n, k = int(inside.sum()), int(y[inside].sum())
        out.append(
            {
                "timing_bucket": b,
                "deals": n,
                "won": k,
                "win_rate": k / n if n else None,
                "ci": list(wilson_interval(k, n)),
            }
        )
    return out


# --- Fit x timing ------------------------------------------------------------------------------


def add_priority_matrix(
    found: dict[str, Any], tiers: pd.Series, signals: pd.DataFrame, as_of: Any = None
) -> dict[str, Any]:
    """``found`` (from :func:`find_triggers`) with ``priority_matrix``: every account by fit
    tier x timing bucket on ``as_of`` (default: the newest signal)."""
    if found.get("timing_model") is None:
        return found
    model = timing_from_dict(found["timing_model"])
    timing = model.score(signals, as_of=as_of)
    reference = as_of if as_of is not None else found["data"]["last_signal"]
    matrix = priority_matrix(tiers, timing) | {"as_of": _day(reference)}
    return found | {"priority_matrix": matrix}


def priority_matrix(tiers: pd.Series, timing: pd.DataFrame) -> dict[str, Any]:
    """Accounts per cell of fit tier (rows A-D) x timing bucket (columns 1-3).

    ``tiers``: fit tier per account (index ``account_id``); ``timing``: the output of
    :meth:`TimingModel.score` (accounts with no signal are in bucket 3).
    """
    bucket = pd.Series(timing["timing_bucket"].to_numpy(), index=timing["account_id"].astype(str))
    bucket = bucket[~bucket.index.duplicated()]
    per_account = tiers.index.astype(str).map(bucket).fillna(3).astype(int)
    cells = {priority(t, b): 0 for t in TIERS for b in BUCKETS}
    for tier, b in zip(tiers.astype(str).to_numpy(), per_account, strict=True):
        key = priority(tier, b)
        if key in cells:
            cells[key] += 1
    return {
        "rows": list(TIERS),
        "columns": list(BUCKETS),
        "cells": cells,
        "accounts": int(len(tiers)),
        "note": "fit tier (A best) x timing bucket (1 = a trigger now); never blended",
    }


# --- Words -------------------------------------------------------------------------------------


def _insufficient(data: dict[str, Any], *, min_closed: int) -> dict[str, Any]:
    if not data["signal_types"]:
        message = "The signals table has no usable rows (account_id, type and occurred_at)."
    else:
        message = (
            f"Only {data['closed_deals_with_created_at']} closed deals have a creation date "
            f"({data['won']} won); triggers need at least {min_closed}, with both won and lost. "
            "Add created_at to the deals."
        )
    return {
        "status": "insufficient",
        "message": message,
        "data": data,
        "triggers": [],
        "significant": [],
        "timing_model": None,
    }


def _summary(triggers: list[dict[str, Any]], model: TimingModel) -> str:
    found = [t for t in triggers if t["significant"]]
    if not found:
        tested = sum(t["tested"] for t in triggers)
        return (
            f"No reliable trigger: none of the {tested} signal types tested is followed by "
            "deals that win more (or less) often than chance would explain on held-out deals. "
            "The timing score is 0 everywhere until one is."
        )
    parts = [
        f"{t['type']} within {t['window_days']} days before a deal (win rate "
        f"x{t['lift']:.1f}, 95% CI {t['ci'][0]:.1f}-{t['ci'][1]:.1f})"
        for t in found
    ]
    quiet = [t["type"] for t in triggers if t["tested"] and not t["significant"]]
    text = "Triggers: " + "; ".join(parts) + "."
    if quiet:
        text += " No reliable effect: " + ", ".join(quiet) + "."
    if model.weights:
        text += f" Timing score half-life: {model.half_life_days:g} days."
    return text


def _day(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()
