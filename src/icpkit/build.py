"""`icpkit build`: ingest -> discover -> scorecard -> validate -> report, in one call.

The application object behind the CLI: everything the command does is reachable from Python.
:func:`build_icp` returns a typed :class:`~icpkit.results.BuildResult` (what the files hold);
:func:`write_outputs` writes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from icpkit import __version__
from icpkit.discover import attribute_profiles, find_segments
from icpkit.discover.best_worst import best_vs_worst, success_table
from icpkit.discover.binning import AttributeBinner
from icpkit.discover.clusters import cluster_won_accounts
from icpkit.discover.intersection import icp_intersection
from icpkit.discover.losses import load_reason_map
from icpkit.discover.notes import Notes
from icpkit.discover.outcomes import customer_table, outcome_tables, profile_outcomes
from icpkit.discover.personas import find_personas, icp_segment_per_deal, no_contacts
from icpkit.discover.roles import ColumnRoles, decide_roles
from icpkit.discover.segments import SegmentSearch
from icpkit.discover.triggers import add_priority_matrix, find_triggers, no_signals
from icpkit.discover.winloss import why_we_win_and_lose
from icpkit.errors import IcpkitError
from icpkit.jsonsafe import finite, write_json
from icpkit.outcomes import closed_deals, deal_attribute_columns
from icpkit.results import (
    BuildResult,
    Personas,
    Profiles,
    Segments,
    TargetList,
    Triggers,
    Validation,
)
from icpkit.schema import NOT_ATTRIBUTES
from icpkit.scorecard.io import save_scorecard
from icpkit.scorecard.learn import NoUsableAttribute, ScorecardLearner
from icpkit.scorecard.model import Tiers
from icpkit.timing import save_timing
from icpkit.validate import evaluate, split_holdout
from icpkit.validate.diff import recency_report
from icpkit.validate.engagement import engagement_model
from icpkit.validate.holdout import held_out_calibration

MIN_EACH_OUTCOME = 5
# What build_icp tells its ``step`` callback, in order.
STEPS = (
    "Joining deals to accounts",
    "Validating on held-out deals",
    "Learning the scorecard on every closed deal",
    "Searching segments and the anti-ICP",
)


def build_icp(
    accounts: pd.DataFrame,
    deals: pd.DataFrame,
    *,
    max_attributes: int | None = None,
    tiers: Tiers | None = None,
    half_life_days: float | None = None,
    company_columns: Sequence[str] = (),
    deal_columns: Sequence[str] = (),
    roles: Mapping[str, str] | None = None,
    contacts: pd.DataFrame | None = None,
    signals: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    seed: int = 0,
    source: str = "",
    step: Callable[[str], None] = lambda _: None,
    notes: Notes | None = None,
    loss_reasons: dict | None = None,
) -> BuildResult:
    """Learn, validate and describe the ICP from canonical accounts and deals.

    Every column first gets a role (see :func:`column_roles`). Only company attributes enter
    the scorecard, the segment search and the profiles. Deal attributes (lead source,
    competitor, RFP, new or existing client: recognised by name, named in ``deal_columns``, and
    the deals table's own columns) are profiled apart as qualification insights; engagement
    columns are left out of fit; ids, constants, free text and suspected leaks are left out.
    ``roles`` maps a column to the role the user wants (it wins over ``company_columns`` and
    ``deal_columns``, which name company and deal attributes).
    ``half_life_days`` weighs each deal by 0.5 ** (its age / half-life), age counted back from
    the newest decision, so the card follows a market that moved. ``contacts`` and
    ``signals`` (canonical tables, optional) add buyer personas and trigger events;
    ``customers`` (optional) adds retention, expansion and lifetime value to the outcomes the
    ICP is judged on. ``notes`` (from :func:`~icpkit.discover.notes.read_notes`) adds the
    themes of call notes and interviews; ``loss_reasons`` (a mapping file's [loss_reasons]
    table) extends the loss-reason mapping.
    """
    step(STEPS[0])
    labelled, won = _labelled(accounts, deals, source)
    n_won, n_lost = int(won.sum()), int(len(won) - won.sum())
    decided_roles = _decide_roles(
        labelled, won, accounts, deals, company_columns, deal_columns, roles
    )
    company = set(decided_roles.of("company"))
    if not company:
        raise _no_company_attribute([], source)
    features = labelled[[c for c in accounts.columns if c in NOT_ATTRIBUTES or c in company]]
    deal_features = labelled[decided_roles.of("deal")]

    weight = None
    if half_life_days is not None:
        weight = recency_weights(labelled["decided_at"], half_life_days, source)

    step(STEPS[1])
    split = split_holdout(labelled["decided_at"], won, seed=seed)
    learner = ScorecardLearner(max_attributes=max_attributes, tiers=tiers, seed=seed)
    try:
        trial = learner.fit(
            features.iloc[split.train],
            won[split.train],
            sample_weight=None if weight is None else weight[split.train],
        )
    except NoUsableAttribute:
        raise _no_company_attribute(decided_roles.of("company"), source) from None
    validation = evaluate(trial, features.iloc[split.test], won[split.test], seed=seed)
    validation["split"] = {
        "method": split.method,
        "held_out_from": split.cutoff,
        "train": {"accounts": len(split.train), "won": int(won[split.train].sum())},
        "test": {"accounts": len(split.test), "won": int(won[split.test].sum())},
    }
    validation["attributes_in_trial_scorecard"] = [a.name for a in trial.attributes]

    step(STEPS[2])
    trained_on = {
        "source": source,
        "closed_deals": len(won),
        "accounts": int(labelled["account_id"].nunique()),
        "won": n_won,
        "lost": n_lost,
        "base_win_rate": round(n_won / len(won), 4),
        "first_decision": _date(labelled["decided_at"].min()),
        "last_decision": _date(labelled["decided_at"].max()),
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "icpkit_version": __version__,
        "data_fingerprint": fingerprint(features, won),
        "half_life_days": half_life_days,
        # The baseline `icpkit monitor` compares new deals with: win rate per tier, held out.
        "held_out_tiers": {
            tier: {"deals": row["accounts"], "won": row["won"]}
            for tier, row in validation["tiers"].items()
        },
    }
    final = ScorecardLearner(max_attributes=max_attributes, tiers=tiers, seed=seed)
    try:
        card = final.fit(
            features,
            won,
            trained_on={k: v for k, v in trained_on.items() if v},
            sample_weight=weight,
        )
    except NoUsableAttribute:  # the trial's rows told won from lost, all of them do not
        raise _no_company_attribute(decided_roles.of("company"), source) from None
    calibration = held_out_calibration(trial, features.iloc[split.test], won[split.test])
    if calibration is not None:
        card = replace(card, calibration=calibration)
    validation["note"] = (
        "Measured on held-out closed deals with a scorecard trained only on the others; the "
        "scorecard file is then refit on all closed deals with the same settings, and its "
        "score-to-probability calibration is fitted on the held-out deals."
        if calibration is not None
        else "Measured on held-out closed deals with a scorecard trained only on the others; "
        "the scorecard file is then refit on all closed deals with the same settings."
    )
    validation["signal"] = _signal_verdict(validation)
    if weight is not None and half_life_days is not None:
        # What the half-life changed: the same learner with every deal counted alike.
        plain = ScorecardLearner(max_attributes=max_attributes, tiers=tiers, seed=seed)
        validation["recency"] = recency_report(
            card, plain.fit(features, won), weight, features, half_life_days
        )

    engagement = engagement_model(
        labelled[decided_roles.of("engagement")],
        won,
        split.train,
        split.test,
        card.apply(features).tier,
        seed=seed,
    )
    if engagement is not None:
        validation["engagement"] = engagement.report

    step(STEPS[3])
    segments = find_segments(final.candidates_, won, accounts=features)
    attributes = attribute_profiles(final.candidates_, final.base_rate_, won)
    qualification = _qualification_insights(deal_features, won, final.base_rate_)
    validation["attribute_kinds"] = decided_roles.by_role() | {
        "deal_table": list(deal_features.columns)
    }
    facts = _facts(labelled, won, segments, accounts, deals)
    personas, triggers = no_contacts(), no_signals()
    if contacts is not None:
        # Compared within fit tiers: who helps win, beyond the kind of company that has them.
        fit = pd.Series(card.apply(features).tier, index=labelled["deal_id"].astype(str))
        in_icp = icp_segment_per_deal(labelled["deal_id"], segments.primary)
        personas = find_personas(deals, contacts, segments=in_icp, strata=fit, seed=seed)
    if signals is not None:
        # Across all deals: the tiers were learned from outcomes the triggers helped decide
        # (funded companies win more because funding rounds trigger deals), so holding the
        # tier fixed would take away part of the trigger's own effect.
        tiers = pd.Series(card.apply(accounts).tier, index=accounts["account_id"].astype(str))
        found = find_triggers(deals, signals, seed=seed)
        triggers = add_priority_matrix(found, tiers, signals)
    profiles = {
        "base_win_rate": segments.base_rate,
        "segments_tried": segments.tried,
        "primary_icp": segments.primary.to_json() if segments.primary else None,
        "attributes": attributes,
        "qualification_insights": qualification,
        "column_roles": decided_roles.to_json(),
        "facts": facts,
        "segment_search": segments.summary(),
    }
    profiles |= _beyond_win_rate(
        labelled, list(features.columns), final.candidates_, segments, customers, seed
    )
    winloss = why_we_win_and_lose(
        labelled,
        deals,
        accounts,
        segments,
        card.apply(features).tier,
        notes=notes,
        reason_map=load_reason_map(loss_reasons, source),
        seed=seed,
    )
    # What discovery and validation computed, typed as the files hold it.
    return BuildResult(
        scorecard=card,
        validation=Validation.from_json(finite(validation)),
        segments=Segments.from_json(finite(segments.to_json())),
        profiles=Profiles.from_json(finite(profiles)),
        personas=Personas.from_json(finite(personas)),
        triggers=Triggers.from_json(finite(triggers)),
        engagement=None if engagement is None else engagement.scorecard,
        winloss=None if winloss is None else finite(winloss),
    )


def with_target_list(
    result: BuildResult, universe: Path, out_dir: Path | None = None
) -> BuildResult:
    """The result with ``profiles.facts.target_list``: how many companies of ``universe`` (a
    CSV or Parquet file) fall in each tier; with ``out_dir``, the scored universe is kept there
    as ``universe-scored.parquet``."""
    from icpkit.size import size_target_list, size_universe

    card = result.scorecard
    sized = size_universe(card, universe, out_dir) if out_dir else size_target_list(card, universe)
    facts = replace(result.profiles.facts, target_list=TargetList.from_json(finite(sized)))
    return replace(result, profiles=replace(result.profiles, facts=facts))


def _beyond_win_rate(labelled, columns, win_candidates, segments, customers, seed) -> dict:
    """Which companies stay, expand and close fast, not only which win: outcome profiles,
    best vs worst, the ICP as their intersection, trade-offs and clusters of won accounts."""
    columns = [c for c in columns if c not in NOT_ATTRIBUTES]
    outcomes, skipped = outcome_tables(labelled, columns, customers)
    profiled = profile_outcomes(outcomes, skipped, win_candidates=win_candidates)
    combined = icp_intersection(profiled, redundant=segments.redundant)
    tradeoffs = combined.pop("tradeoffs")
    weights: dict[str, float] = {}
    for cand in win_candidates:  # cluster on what tells winners apart, not on, say, country
        if cand.iv >= 0.02:
            weights[cand.column] = max(weights.get(cand.column, 0.0), cand.iv)
    churned = None
    if customers is not None and not customers.empty:
        table = customer_table(customers, labelled)
        churned = table.loc[table["observed"], "churned"]
    won_rows = labelled[labelled["won"] == 1]
    return {
        "outcome_profiles": profiled.to_json(),
        "best_vs_worst": best_vs_worst(*success_table(labelled, columns, customers)),
        "intersection": combined,
        "tradeoffs": tradeoffs,
        "clusters": cluster_won_accounts(
            won_rows, columns, churned=churned, weights=weights, seed=seed
        ),
    }


def column_roles(
    accounts: pd.DataFrame,
    deals: pd.DataFrame,
    *,
    roles: Mapping[str, str] | None = None,
    company_columns: Sequence[str] = (),
    deal_columns: Sequence[str] = (),
    source: str = "",
) -> ColumnRoles:
    """The role of every account column and deal attribute, decided from the closed deals
    before anything is learned: what :func:`build_icp` will do with each column, so that
    `icpkit build` can show it (and warn of leaks) first. Same arguments as build_icp."""
    labelled, won = _labelled(accounts, deals, source)
    return _decide_roles(labelled, won, accounts, deals, company_columns, deal_columns, roles)


def _no_company_attribute(unusable: list[str], source: str) -> IcpkitError:
    """The columns left cannot make a card: say which and what to do."""
    why = (
        f"the company attributes ({', '.join(unusable)}) are blank, one value or all different, "
        "and the other columns are"
        if unusable
        else "every column is"
    )
    return IcpkitError(
        f"no company attribute to learn an ICP from: {why} deal attributes, engagement, ids, "
        "constants, free text or suspected leaks (see the roles); if a column describes the "
        "company, say so with --role COLUMN=company",
        file=source or None,
    )


def _labelled(
    accounts: pd.DataFrame, deals: pd.DataFrame, source: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per closed deal with its account's attributes, and whether it was won."""
    closed = closed_deals(deals)
    labelled = closed.merge(
        accounts, on="account_id", how="inner", validate="many_to_one", suffixes=("_deal", "")
    )
    won = labelled["won"].to_numpy(dtype=int)
    n_won, n_lost = int(won.sum()), int(len(won) - won.sum())
    if n_won < MIN_EACH_OUTCOME or n_lost < MIN_EACH_OUTCOME:
        raise IcpkitError(
            f"need at least {MIN_EACH_OUTCOME} won and {MIN_EACH_OUTCOME} lost closed deals to "
            f"find an ICP; found {n_won} won and {n_lost} lost",
            file=source or None,
        )
    return labelled, won


def _decide_roles(
    labelled: pd.DataFrame,
    won: np.ndarray,
    accounts: pd.DataFrame,
    deals: pd.DataFrame,
    company_columns: Sequence[str],
    deal_columns: Sequence[str],
    roles: Mapping[str, str] | None,
) -> ColumnRoles:
    from_deals = [_deal_name(c, accounts) for c in deal_attribute_columns(deals)]
    named = {c: "company" for c in company_columns if c in accounts.columns}
    named |= {c: "deal" for c in deal_columns if c in accounts.columns}
    return decide_roles(
        labelled[list(accounts.columns) + from_deals],
        won,
        decided_at=labelled["decided_at"],
        deal=from_deals,
        account_ids=labelled["account_id"],
        overrides=named | dict(roles or {}),
    )


def _deal_name(column: str, accounts: pd.DataFrame) -> str:
    # closed_deals() rows are merged with accounts; a name on both sides gets "_deal".
    return f"{column}_deal" if column in accounts.columns else column


def _qualification_insights(deal_features: pd.DataFrame, won: np.ndarray, base: float) -> list:
    """Win rate per value of each deal attribute, significant only after the correction for
    every bin the binning could have produced over every deal attribute (see
    :func:`~icpkit.discover.profiles.attribute_profiles`)."""
    if deal_features.shape[1] == 0:
        return []
    return attribute_profiles(AttributeBinner().fit(deal_features, won), base, won)


def recency_weights(decided_at: pd.Series, half_life_days: float, source: str = "") -> np.ndarray:
    """0.5 ** (age in days / half-life), age counted back from the newest decision: a deal
    one half-life old counts half as much as the newest. Undated deals get the median weight."""
    if not half_life_days > 0:
        raise IcpkitError("--half-life must be a positive number of days")
    dates = pd.to_datetime(decided_at, errors="coerce")
    if dates.notna().sum() == 0:
        raise IcpkitError("--half-life needs close dates on the deals; none has one", file=source)
    age = (dates.max() - dates).dt.days.to_numpy(dtype=float)
    weight = 0.5 ** (age / half_life_days)
    weight[np.isnan(weight)] = np.nanmedian(weight)
    return weight


def fingerprint(features: pd.DataFrame, won: np.ndarray) -> str:
    """A short hash of the training data, so two builds can tell whether they saw the same."""
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(features.astype(str), index=False).to_numpy())
    digest.update(np.asarray(won, dtype=np.int8).tobytes())
    return digest.hexdigest()[:16]


def write_outputs(result: BuildResult, out_dir: Path) -> dict[str, Path]:
    """Write the scorecard, the JSON results and the ICP document into ``out_dir``; returns
    the files written, by name."""
    from icpkit.report import write_reports

    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "scorecard": out_dir / "scorecard.toml",
        "validation": out_dir / "validation.json",
        "segments": out_dir / "segments.json",
        "profiles": out_dir / "profiles.json",
    }
    save_scorecard(result.scorecard, files["scorecard"])
    if result.engagement is not None:
        files["engagement"] = out_dir / "engagement.toml"
        save_scorecard(result.engagement, files["engagement"])
    write_json(files["validation"], result.validation.to_json())
    write_json(files["segments"], result.segments.to_json())
    write_json(files["profiles"], result.profiles.to_json())
    files["personas"] = out_dir / "personas.json"
    files["triggers"] = out_dir / "triggers.json"
    write_json(files["personas"], result.personas.to_json())
    write_json(files["triggers"], result.triggers.to_json())
    if result.triggers.timing_model is not None:
        files["timing"] = out_dir / "timing.toml"
        save_timing(result.triggers.timing_model, files["timing"])
    if result.winloss is not None:
        files["winloss"] = out_dir / "winloss.json"
        write_json(files["winloss"], result.winloss)
    files |= write_reports(result, out_dir)
    return files


def _signal_verdict(validation: dict) -> dict:
    """Is there an ICP at all? Only if held-out AUC beats a coin flip beyond its interval."""
    auc, ci = validation.get("auc"), validation.get("auc_ci", [None, None])
    if auc is None or ci[0] is None:
        return {"reliable": False, "text": "Cannot tell: the held-out set lacks won or lost."}
    if ci[0] > 0.5:
        return {
            "reliable": True,
            "text": (
                f"Reliable ICP signal: held-out AUC {auc:.2f} (95% CI {ci[0]:.2f}-{ci[1]:.2f})."
            ),
        }
    return {
        "reliable": False,
        "text": (
            f"No reliable ICP signal: on held-out deals the scorecard ranks winners no better than "
            f"chance (AUC {auc:.2f}, 95% CI {ci[0]:.2f}-{ci[1]:.2f})."
        ),
    }


def _facts(
    labelled: pd.DataFrame,
    won: np.ndarray,
    segments: SegmentSearch,
    accounts: pd.DataFrame,
    deals: pd.DataFrame,
) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "accounts": len(accounts),
        "closed_deals": len(labelled),
        "closed_accounts": int(labelled["account_id"].nunique()),
        "won": int(won.sum()),
        "lost": int(len(won) - won.sum()),
        "open_deals": int((deals["outcome"] == "open").sum()),
        "first_decision": _date(labelled["decided_at"].min()),
        "last_decision": _date(labelled["decided_at"].max()),
    }
    primary = segments.primary
    if primary is None:
        return facts
    inside = np.logical_and.reduce([a.mask for a in primary.atoms])
    won_rows = won == 1
    cycles = labelled["cycle_days"].to_numpy(dtype=float)
    amounts = labelled["amount"].to_numpy(dtype=float)
    facts["primary"] = {
        "median_cycle_days_inside": _median(cycles[inside & won_rows]),
        "median_cycle_days_outside": _median(cycles[~inside & won_rows]),
        "median_won_amount_inside": _median(amounts[inside & won_rows]),
        "median_won_amount_outside": _median(amounts[~inside & won_rows]),
        "win_rate_outside": float(won[~inside].mean()) if (~inside).any() else None,
        "accounts_outside": int((~inside).sum()),
        "won_outside": int(won[~inside].sum()),
    }
    return facts


def _median(values: np.ndarray) -> float | None:
    values = values[~np.isnan(values)]
    return float(np.median(values)) if len(values) else None


def _date(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date().isoformat()
