"""When to buy: which events (funding, an executive hire, ...) come shortly before deals that win.

For each signal type, a deal "has" the signal when one of that type occurred at its account
within N days before the deal was created (never after: a signal after creation cannot have
caused it). Conversion (won / closed) of deals with the signal is compared with deals without.

N is picked from a grid (:data:`WINDOWS`): the largest lift the deals can vouch for, i.e. the
window whose 95% interval of the lift stays furthest from 1 (so three lucky deals in a 7-day
window do not win, an effect as strong at 60 days as at 14 takes the window with more deals, and
with enough deals it is simply the window of largest lift). Looking at nine windows flatters the
best, so the test of a signal type asks whether *any* window shows an effect: the largest of the
nine correlated z statistics is referred to its own null distribution (a max-T test; the windows
are nested, so their statistics are strongly correlated and the price of looking at nine is
small). Types are then corrected for each other with Holm.
With ``strata`` (the fit tier of each deal's account), deals are compared within a tier
(Cochran-Mantel-Haenszel), so an event that is merely common at companies that win anyway is not
taken for a trigger.

The timing model (:class:`icpkit.timing.TimingModel`) is then learned: weights from the lift of
the significant triggers (the strongest weighs 1), a horizon at the widest of their windows, and
a half-life chosen on a random half of the deals (or set by the user) and checked on the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from icpkit.stats import (
    Z95,
    bootstrap_ratio_interval,
    fit_logistic,
    holm_adjust,
    stratified_lift,
    wilson_interval,
)
from icpkit.timing import TimingModel, priority, signal_ages, signal_key, timing_from_dict

ALPHA = 0.05
WINDOWS = (7, 14, 30, 45, 60, 90, 120, 180, 365)
HALF_LIVES = (7, 14, 30, 45, 60, 90, 180, 365)
MIN_DEALS = 10  # with and without the signal, for a window to be tried
NULL_DRAWS = 200_000  # draws of the max-T null distribution (p-values to about +-0.0005)
MIN_CLOSED = 20
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
    strata: pd.Series | None = None,
    alpha: float = ALPHA,
    min_deals: int = MIN_DEALS,
    seed: int = 0,
) -> dict[str, Any]:
    """Triggers per signal type and a learned timing model, as a JSON-ready dict.

    ``windows``: candidate "days before the deal was created" (default 7 to 365).
    ``half_life_days``: fix the timing score's half-life instead of learning it. ``strata``:
    optional company kind per ``deal_id`` (e.g. fit tier): deals are then compared within a
    kind (Mantel-Haenszel). ``alpha``: family-wise error rate over the signal types.
    ``min_deals``: a window is tried only with at least this many deals with and without the
    signal (default 10). ``seed``: the random draws of the test and of the timing check.

    Keys: ``status`` ("ok" or "insufficient"), ``message``, ``data``, ``method``, ``triggers``
    (one entry per signal type: ``type``, ``window_days``, ``lift``, ``ci``, ``significant`` and
    the counts behind them), ``timing_model`` (a :class:`TimingModel` as a dict) and
    ``timing_check`` (win rate per timing bucket on deals the half-life was not chosen on).
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
    stratum = _strata_codes(closed, strata)
    codes = np.zeros(len(closed), dtype=np.int64) if stratum is None else stratum
    null_draws = np.random.default_rng(seed).standard_normal((NULL_DRAWS, len(windows)))
    triggers = [
        _trigger(t, ages[t].to_numpy(), won, codes, windows, min_deals, null_draws, seed)
        for t in types
    ]
    if stratum is None:
        for trigger in triggers:  # one stratum: the crude figures are the stratified ones
            trigger.pop("lift_crude", None)
            trigger.pop("ci_crude", None)
    _correct(triggers, alpha)
    selection = _split(won, seed)
    model = _timing_model(triggers, ages, won, selection, half_life_days, data)
    check = _timing_check(model, ages, won, ~selection)
    found = [t for t in triggers if t["significant"]]
    return {
        "status": "ok",
        "message": _summary(triggers, model),
        "data": data,
        "method": (
            f"For each signal type, the window (one of {', '.join(map(str, windows))} days "
            "before the deal was created) with the largest lift its deals can vouch for (lower "
            "end of the 95% interval); a type is tested on whether any window shows an effect, "
            "corrected for the windows tried (max-T over the nested windows), then with Holm's "
            "correction over the "
            f"{sum(t['tested'] for t in triggers)} signal types tested, at a family-wise error "
            f"of {alpha:g}"
            + (
                "; deals are compared within fit tiers (Cochran-Mantel-Haenszel) and the lift "
                "is the Mantel-Haenszel ratio"
                if stratum is not None
                else ""
            )
            + ". The interval of the lift is for the chosen window (it does not widen for the "
            "choice; the p-value does)."
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
    if "created_at" in closed.columns:
        created = pd.to_datetime(closed["created_at"], errors="coerce")
    else:
        created = pd.Series(pd.NaT, index=closed.index, dtype="datetime64[ns]")
    ids = closed["deal_id"] if "deal_id" in closed else pd.Series(closed.index, index=closed.index)
    frame = pd.DataFrame(
        {
            "deal_id": ids.astype(str).to_numpy(),
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


def _strata_codes(closed: pd.DataFrame, strata: pd.Series | None) -> np.ndarray | None:
    if strata is None:
        return None
    mapping = pd.Series(strata)
    mapping.index = mapping.index.astype(str)
    mapping = mapping[~mapping.index.duplicated()]
    labels = closed["deal_id"].map(mapping).astype(object)
    return pd.factorize(labels.where(labels.notna(), "unknown"))[0]


def _split(won: np.ndarray, seed: int) -> np.ndarray:
    """True for the half the half-life is chosen on: half of the won and half of the lost
    deals, at random; the other half checks the timing buckets."""
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
    stratum: np.ndarray,
    windows: tuple[int, ...],
    min_deals: int,
    null_draws: np.ndarray,
    seed: int,
) -> dict[str, Any]:
    flags = age[:, None] <= np.asarray(windows)[None, :]  # NaN (no signal) compares False
    z, covariance = _window_statistics(flags, won, stratum)
    n_with = flags.sum(axis=0)
    eligible = (n_with >= min_deals) & (len(won) - n_with >= min_deals) & (np.diag(covariance) > 0)
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
        "window_curve": _window_curve(flags, won, windows, z, eligible),
    }
    if not eligible.any():
        entry["note"] = (
            f"too few deals with (or without) a {signal_type} signal before creation: fewer "
            f"than {min_deals} in every window"
        )
        return entry
    curve = entry["window_curve"]
    evidence = np.array([c["evidence"] if c["tried"] else -np.inf for c in curve])
    chosen = int(np.argmax(evidence))  # the first (smallest) window among equals
    has = flags[:, chosen]
    entry["window_days"] = int(windows[chosen])
    entry["tested"] = True
    entry |= _window_stats(has, won, stratum, seed)
    entry["z"] = float(z[chosen])
    entry["p_single_window"] = float(2 * norm.sf(abs(z[chosen])))
    # The test asks whether any window shows an effect, corrected for all windows tried.
    entry["p_value"] = _max_t_p_value(
        float(np.abs(z[eligible]).max()),
        covariance[np.ix_(eligible, eligible)],
        null_draws[:, : int(eligible.sum())],
    )
    entry["windows_tried"] = int(eligible.sum())
    return entry


def _window_statistics(
    flags: np.ndarray, won: np.ndarray, stratum: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per window, the (Cochran-Mantel-Haenszel) z statistic of wins among deals with the
    signal, and the null covariance of the wins counts across windows: within each stratum the
    winners are a random draw of the stratum's deals when the signal has no effect
    (hypergeometric), and the covariance of two windows follows from their overlap."""
    n_windows = flags.shape[1]
    expected = np.zeros(n_windows)
    covariance = np.zeros((n_windows, n_windows))
    for code in np.unique(stratum):
        rows = stratum == code
        total, winners = float(rows.sum()), float(won[rows].sum())
        if total < 2:
            continue
        inside = flags[rows].astype(float)
        n_with = inside.sum(axis=0)
        overlap = inside.T @ inside
        expected += n_with * winners / total
        scale = winners * (total - winners) / (total**2 * (total - 1))
        covariance += scale * (total * overlap - np.outer(n_with, n_with))
    observed = flags[won].sum(axis=0).astype(float)
    spread = np.sqrt(np.clip(np.diag(covariance), 0, None))
    difference = observed - expected
    # half a deal of continuity correction, as Yates and Cochran-Mantel-Haenszel use
    corrected = np.sign(difference) * np.maximum(np.abs(difference) - 0.5, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(spread > 0, corrected / np.where(spread > 0, spread, 1), 0.0)
    return z, covariance


def _max_t_p_value(observed: float, covariance: np.ndarray, draws: np.ndarray) -> float:
    """Chance that the largest |z| over the windows tried reaches ``observed`` when no window
    has an effect: the z statistics are jointly normal with the correlation of ``covariance``,
    so the maximum is drawn from that distribution (fixed draws: the same data, the same p)."""
    spread = np.sqrt(np.diag(covariance))
    correlation = covariance / np.outer(spread, spread)
    values, vectors = np.linalg.eigh((correlation + correlation.T) / 2)
    root = vectors * np.sqrt(np.clip(values, 0, None))
    simulated = np.abs(draws @ root.T).max(axis=1)
    return float((1 + np.count_nonzero(simulated >= observed)) / (1 + len(simulated)))


def _window_curve(
    flags: np.ndarray, won: np.ndarray, windows: tuple[int, ...], z: np.ndarray, eligible
) -> list[dict]:
    curve = []
    for j, window in enumerate(windows):
        has = flags[:, j]
        n_with, k_with = int(has.sum()), int(won[has].sum())
        n_without, k_without = len(won) - n_with, int(won.sum()) - k_with
        rate_with = k_with / n_with if n_with else None
        rate_without = k_without / n_without if n_without else None
        curve.append(
            {
                "window_days": int(window),
                "deals_with": n_with,
                "deals_without": n_without,
                "win_rate_with": rate_with,
                "win_rate_without": rate_without,
                "lift": rate_with / rate_without
                if rate_with is not None and rate_without
                else None,
                "z": float(z[j]),
                "evidence": _evidence(k_with, n_with, k_without, n_without),
                "tried": bool(eligible[j]),
            }
        )
    return curve


def _evidence(k_with: int, n_with: int, k_without: int, n_without: int) -> float:
    """How far the lift's 95% interval stays from 1 at its nearer end (log scale; negative
    when it holds 1). The window with the most is the largest lift the deals can vouch for: as
    deals accumulate it becomes the window of largest lift, and on few deals a window of three
    lucky deals cannot win."""
    # half a deal added to each side keeps a 0% or 100% window finite
    rate_with = (k_with + 0.5) / (n_with + 1)
    rate_without = (k_without + 0.5) / (n_without + 1)
    log_lift = np.log(rate_with / rate_without)
    se = np.sqrt(
        (1 - rate_with) / (rate_with * (n_with + 1))
        + (1 - rate_without) / (rate_without * (n_without + 1))
    )
    return float(max(log_lift - Z95 * se, -(log_lift + Z95 * se)))


def _window_stats(has: np.ndarray, won: np.ndarray, stratum: np.ndarray, seed: int) -> dict:
    """Counts, win rates with Wilson intervals, and the lift with its interval at one window."""
    k_with, n_with = int(won[has].sum()), int(has.sum())
    k_without, n_without = int(won[~has].sum()), int((~has).sum())
    rate_with, rate_without = k_with / n_with, k_without / n_without
    crude_lift = rate_with / rate_without if rate_without else float("inf")
    crude_ci = bootstrap_ratio_interval(
        np.repeat([1, 0], [k_with, n_with - k_with]),
        np.repeat([1, 0], [k_without, n_without - k_without]),
        seed=seed,
    )
    size = int(stratum.max()) + 1
    lift, ci, _ = stratified_lift(
        np.bincount(stratum[has & won], minlength=size),
        np.bincount(stratum[has], minlength=size),
        np.bincount(stratum[won], minlength=size),
        np.bincount(stratum, minlength=size),
    )
    if size == 1 or any(np.isnan(ci)):
        lift, ci = crude_lift, list(crude_ci)
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
        "ci": [None if np.isnan(x) else float(x) for x in ci],
        "lift_crude": crude_lift,
        "ci_crude": [None if np.isnan(x) else float(x) for x in crude_ci],
        "direction": "more" if lift >= 1 else "fewer",
    }


def _correct(triggers: list[dict[str, Any]], alpha: float) -> None:
    tested = [t for t in triggers if t["tested"]]
    adjusted = holm_adjust(np.array([t["p_value"] for t in tested], dtype=float))
    for trigger, p in zip(tested, adjusted, strict=True):
        trigger["p_adjusted"] = float(p)
        trigger["significant"] = bool(p < alpha)


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
        "half_life_chosen_on_deals": int(selection.sum()),
        "buckets_checked_on_deals": int((~selection).sum()),
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
        trained_on["half_life"] = (
            f"learned on a random half of the deals (log-likelihood {fit:.1f})"
        )
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
    """The half-life whose timing score best predicts winning on the chosen half (a one-
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
    """Win rate per timing bucket at deal creation, on the half of the deals the half-life was
    not chosen on (which trigger types count was decided on all deals)."""
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
            "deals that win more (or less) often than chance would explain, in any window. "
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
