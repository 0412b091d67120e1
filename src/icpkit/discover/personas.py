"""Who buys: the people on won deals compared with the people on lost ones.

The ICP says which companies to pursue; personas say whom to talk to inside them. From the
contacts table, each person gets a function and a seniority (the CRM's department and seniority
columns where they hold a value icpkit recognises, else read from the job title by
:mod:`icpkit.discover.titles`) and, where the CRM records one, a buying role (Salesforce
OpportunityContactRole ``Role``, HubSpot ``hs_buying_role``), mapped onto :data:`ROLES`.

A *persona* is a (role, function, seniority) combination, or (function, seniority) when the CRM
records no roles. For each persona present on enough closed deals we report:

* ``share_won`` / ``share_lost``: the share of won (lost) deals that had one, with Wilson
  intervals; this is "how often is there one" in plain words;
* ``win_rate_with`` / ``win_rate_without`` and ``lift`` (their ratio), with a bootstrap interval;
* ``significant``: Fisher's exact or chi-square test of win rate with vs without, after Holm's
  correction for every persona tried (and every segment, when personas are found per segment).

The *decision-making unit* is the set of people on one deal: how many, how senior, how many
functions, and how those differ between won and lost deals.

Contacts are tied to deals by ``deal_id`` where the CRM has it (OpportunityContactRole, HubSpot
deal associations); a contact with no deal is counted on every closed deal of its account, which
blurs won and lost at accounts that had both, so the result says how each link was made.
A persona's lift mixes who the person is with the kind of company that has such people on its
deals (small companies put founders on every call); the per-segment figures hold the company
kind fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from icpkit.discover.titles import (
    FUNCTIONS,
    SENIORITIES,
    normalise_function,
    normalise_seniority,
    normalise_titles,
)
from icpkit.outcomes import closed_deals
from icpkit.stats import (
    bootstrap_ratio_interval,
    holm_adjust,
    proportion_test,
    stratified_lift,
    wilson_interval,
)

ALPHA = 0.05
MIN_DEALS = 10  # a persona must be on (and absent from) at least this many closed deals
MIN_CLOSED_WITH_CONTACTS = 20
ROLES = ("Champion", "Economic Buyer", "Technical Evaluator", "Influencer", "Blocker", "End User")
OTHER_ROLE = "Other"

# CRM role values -> ROLES. Salesforce OpportunityContactRole.Role and HubSpot hs_buying_role
# (internal values and labels), plus words sales teams use for the same people.
_ROLE_NAMES: dict[str, str] = {
    "champion": "Champion",
    "coach": "Champion",
    "sponsor": "Champion",
    # the senior person who backs the purchase inside the buyer: a champion with a budget's ear
    "executive sponsor": "Champion",
    "economic buyer": "Economic Buyer",
    "economic decision maker": "Economic Buyer",
    "decision maker": "Economic Buyer",
    "budget holder": "Economic Buyer",
    "approver": "Economic Buyer",
    "signatory": "Economic Buyer",
    "technical evaluator": "Technical Evaluator",
    "technical buyer": "Technical Evaluator",
    "evaluator": "Technical Evaluator",
    "technical decision maker": "Technical Evaluator",
    "influencer": "Influencer",
    "blocker": "Blocker",
    "detractor": "Blocker",
    "gatekeeper": "Blocker",
    "end user": "End User",
    "business user": "End User",
    "user": "End User",
    # legal and compliance review contracts; they are neither buyers nor, by default, blockers
    "legal and compliance": OTHER_ROLE,
    "other": OTHER_ROLE,
}

NO_CONTACTS_MESSAGE = (
    "No contacts were given, so there are no buyer personas. Add a contacts file "
    "(--contacts, or contacts.csv in the --from folder) with account_id, title and, if the CRM "
    "has them, deal_id (Salesforce OpportunityContactRole.OpportunityId or HubSpot deal "
    "associations), department, seniority and buying_role (OpportunityContactRole.Role or "
    "hs_buying_role). icpkit will then show which roles, functions and seniorities appear on "
    "won deals more than on lost ones, and the typical buying committee."
)


def no_contacts() -> dict[str, Any]:
    """What ``personas.json`` says when there is no contacts table."""
    return {
        "status": "no_data",
        "message": NO_CONTACTS_MESSAGE,
        "personas": [],
        "decision_making_unit": None,
        "by_segment": None,
    }


def icp_segment_per_deal(deal_ids: pd.Series, primary: Any) -> pd.Series | None:
    """ "ICP" or "outside the ICP" per deal id, from the primary ICP segment (whose atoms hold
    a mask over the same rows as ``deal_ids``); ``None`` when there is no primary segment."""
    if primary is None or not getattr(primary, "atoms", None):
        return None
    inside = np.logical_and.reduce([np.asarray(atom.mask, dtype=bool) for atom in primary.atoms])
    labels = np.where(inside, "ICP", "outside the ICP")
    return pd.Series(labels, index=deal_ids.astype(str).to_numpy())


def normalise_role(value: object) -> str | None:
    """A CRM buying-role value as one of :data:`ROLES`, ``"Other"`` for a role icpkit does not
    know, or ``None`` when blank. ``"DECISION_MAKER"``, ``"Decision Maker"`` -> Economic Buyer."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = " ".join(str(value).replace("_", " ").replace("-", " ").replace("&", "and").split())
    if not text:
        return None
    return _ROLE_NAMES.get(text.lower(), OTHER_ROLE)


def describe_people(contacts: pd.DataFrame) -> pd.DataFrame:
    """Each contact's ``function``, ``seniority`` and ``role``, and where the first two came from
    (``function_from``/``seniority_from``: "department", "seniority", "title" or None)."""
    n = len(contacts)
    from_title = normalise_titles(_column(contacts, "title"))
    department = _per_value(_column(contacts, "department"), normalise_function)
    level = _per_value(_column(contacts, "seniority"), normalise_seniority)
    department = department.astype(object).where(department.notna(), None)
    level = level.astype(object).where(level.notna(), None)
    function = department.where(department.notna(), from_title["function"].to_numpy())
    seniority = level.where(level.notna(), from_title["seniority"].to_numpy())
    role = _per_value(_column(contacts, "buying_role"), normalise_role)
    return pd.DataFrame(
        {
            "function": function.to_numpy(dtype=object),
            "seniority": seniority.to_numpy(dtype=object),
            "role": role.astype(object).where(role.notna(), None).to_numpy(dtype=object),
            # None makes an object array; numpy's stubs accept no None in np.where.
            "function_from": np.where(
                department.notna(),
                "department",
                np.where(from_title["function"].notna(), "title", None),  # type: ignore[call-overload]
            ),
            "seniority_from": np.where(
                level.notna(),
                "seniority",
                np.where(from_title["seniority"].notna(), "title", None),  # type: ignore[call-overload]
            ),
        },
        index=pd.RangeIndex(n),
    )


def find_personas(
    deals: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    segments: Mapping[str, Any] | pd.Series | None = None,
    strata: Mapping[str, Any] | pd.Series | None = None,
    min_deals: int = MIN_DEALS,
    alpha: float = ALPHA,
    seed: int = 0,
) -> dict[str, Any]:
    """Personas and decision-making units of won vs lost deals, as a JSON-ready dict.

    ``deals``/``contacts``: canonical tables. ``segments``: optional segment name per
    ``deal_id`` (e.g. "ICP" / "outside the ICP"); personas are then also found within each.
    ``strata``: optional company kind per ``deal_id`` (e.g. the account's fit tier); a
    persona's lift and test then compare deals *of the same kind* (Mantel-Haenszel), so a
    persona common at companies that win anyway is not mistaken for one that helps win.
    ``min_deals``: a persona is tested only when it is on at least this many closed deals and
    missing from as many (default 10). ``alpha``: family-wise error rate for ``significant``.

    The result always has ``status`` ("ok", or "insufficient" with a ``message`` that says
    what is missing), ``data`` (counts and how contacts were linked) and ``personas``.
    """
    closed = closed_deals(deals)
    people = describe_people(contacts)
    links = _link(closed, contacts, people)
    data = _data_summary(closed, contacts, people, links)
    if data["closed_deals_with_contacts"] < MIN_CLOSED_WITH_CONTACTS or not (
        0 < data["won_with_contacts"] < data["closed_deals_with_contacts"]
    ):
        return {
            "status": "insufficient",
            "message": _too_few_message(data),
            "data": data,
            "personas": [],
            "tried": 0,
            "decision_making_unit": None,
            "by_segment": None,
        }
    use_roles = data["contacts_with_role"] > 0
    groups: dict[str | None, np.ndarray] = {None: np.arange(len(closed))}
    stratum = _strata_codes(closed, strata)
    labels = _segment_labels(closed, segments)
    if labels is not None:
        for name in sorted(pd.unique(labels[labels.notna()])):
            groups[str(name)] = np.flatnonzero((labels == name).to_numpy())
    found = {
        name: _test_personas(closed, links, rows, use_roles, min_deals, stratum, seed)
        for name, rows in groups.items()
    }
    # Two families: the headline personas, and the per-segment breakdown (all segments
    # together), so looking inside segments never costs the headline its power.
    overall = found.pop(None)
    _correct(overall, alpha)
    _correct([p for personas in found.values() for p in personas], alpha)
    overall = _rank(overall)
    in_segments = sum(len(v) for v in found.values())
    result: dict[str, Any] = {
        "status": "ok",
        "message": _summary(overall, data, use_roles),
        "data": data,
        "method": (
            "A persona is a buying role, function and seniority seen together on a closed deal"
            if use_roles
            else "A persona is a function and seniority seen together on a closed deal "
            "(the CRM records no buying roles)"
        )
        + (
            "; lift and test compare deals of the same company kind (Mantel-Haenszel over "
            f"{len(np.unique(stratum))} strata)"
            if stratum is not None
            else ""
        )
        + f"; tested when on at least {min_deals} closed deals; significant after Holm's "
        f"correction for all {len(overall)} personas tried at a family-wise error of {alpha:g}"
        + (
            f" (and, per segment, for all {in_segments} tried across the segments)."
            if found
            else "."
        ),
        "personas": overall,
        "tried": len(overall),
        "decision_making_unit": decision_making_unit(closed, links, np.arange(len(closed))),
        "by_segment": None,
    }
    if found:
        result["by_segment"] = [
            {
                "segment": name,
                "closed_deals": int(len(groups[name])),
                "won": int(closed["won"].to_numpy()[groups[name]].sum()),
                "personas": _rank(personas),
                "decision_making_unit": decision_making_unit(closed, links, groups[name]),
            }
            for name, personas in found.items()
        ]
    return result


# --- Linking contacts to deals -----------------------------------------------------------------


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].reset_index(drop=True).astype(object)
    return pd.Series([None] * len(frame), dtype=object)


def _per_value(values: pd.Series, read) -> pd.Series:
    """``read`` once per distinct value: a million contacts hold a few hundred titles."""
    known = values.notna()
    mapping = {value: read(value) for value in pd.unique(values[known])}
    out = pd.Series([None] * len(values), index=values.index, dtype=object)
    out[known] = values[known].map(mapping).to_numpy(dtype=object)
    return out


def _link(closed: pd.DataFrame, contacts: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """One row per (closed deal position, contact position), with how the link was made."""
    deal_position = pd.Series(np.arange(len(closed)), index=closed["deal_id"].astype(str))
    deal_position = deal_position[~deal_position.index.duplicated()]
    contact_deal = _column(contacts, "deal_id")
    has_deal = contact_deal.notna().to_numpy()
    by_deal = contact_deal[has_deal].astype(str).map(deal_position)
    direct = pd.DataFrame(
        {"deal": by_deal.to_numpy(), "contact": np.flatnonzero(has_deal), "linked_by": "deal_id"}
    ).dropna()
    # A contact with no deal belongs to its account's deals; with a deal id that names no
    # closed deal (an open deal) it belongs to none.
    loose = np.flatnonzero(~has_deal)
    accounts = pd.DataFrame(
        {
            "account_id": _column(contacts, "account_id").to_numpy()[loose].astype(str),
            "contact": loose,
        }
    )
    account_deals = pd.DataFrame(
        {"account_id": closed["account_id"].astype(str).to_numpy(), "deal": np.arange(len(closed))}
    )
    indirect = accounts.merge(account_deals, on="account_id")[["deal", "contact"]]
    indirect["linked_by"] = "account_id"
    links = pd.concat([direct, indirect], ignore_index=True)
    links["deal"] = links["deal"].astype(np.int64)
    links["contact"] = links["contact"].astype(np.int64)
    for column in ("function", "seniority", "role"):
        links[column] = people[column].to_numpy()[links["contact"].to_numpy()]
    return links


def _data_summary(
    closed: pd.DataFrame, contacts: pd.DataFrame, people: pd.DataFrame, links: pd.DataFrame
) -> dict[str, Any]:
    with_contacts = np.unique(links["deal"].to_numpy())
    won = closed["won"].to_numpy()
    return {
        "contacts": len(contacts),
        "contacts_on_closed_deals": int(links["contact"].nunique()),
        "linked_by": {
            way: int((links["linked_by"] == way).sum()) for way in ("deal_id", "account_id")
        },
        "closed_deals": len(closed),
        "closed_deals_with_contacts": len(with_contacts),
        "won_with_contacts": int(won[with_contacts].sum()),
        "lost_with_contacts": int(len(with_contacts) - won[with_contacts].sum()),
        "contacts_with_role": int(people["role"].notna().sum()),
        "function_from": _counts(people["function_from"]),
        "seniority_from": _counts(people["seniority_from"]),
    }


def _counts(source: pd.Series) -> dict[str, int]:
    values = source.astype(object).where(source.notna(), "unknown")
    return {str(k): int(v) for k, v in values.value_counts().items()}


def _strata_codes(
    closed: pd.DataFrame, strata: Mapping[str, Any] | pd.Series | None
) -> np.ndarray | None:
    labels = _segment_labels(closed, strata)
    if labels is None:
        return None
    return pd.factorize(labels.astype(object).where(labels.notna(), "unknown"))[0]


def _segment_labels(
    closed: pd.DataFrame, segments: Mapping[str, Any] | pd.Series | None
) -> pd.Series | None:
    if segments is None:
        return None
    mapping = segments if isinstance(segments, pd.Series) else pd.Series(dict(segments))
    mapping.index = mapping.index.astype(str)
    return closed["deal_id"].astype(str).map(mapping).reset_index(drop=True)


# --- Personas ----------------------------------------------------------------------------------


def _persona_keys(links: pd.DataFrame, use_roles: bool) -> pd.DataFrame:
    """(deal, role, function, seniority) once per deal that has such a person."""
    known = links["function"].notna() & links["seniority"].notna()
    if use_roles:
        known &= links["role"].notna()
    columns = (
        ["deal", "role", "function", "seniority"]
        if use_roles
        else ["deal", "function", "seniority"]
    )
    keyed = links.loc[known, columns].drop_duplicates()
    if not use_roles:
        keyed.insert(1, "role", None)
    return keyed


def _test_personas(
    closed: pd.DataFrame,
    links: pd.DataFrame,
    rows: np.ndarray,
    use_roles: bool,
    min_deals: int,
    stratum: np.ndarray | None,
    seed: int,
) -> list[dict[str, Any]]:
    """Every persona on at least ``min_deals`` of the closed deals ``rows`` that have contacts."""
    in_group = np.zeros(len(closed), dtype=bool)
    in_group[rows] = True
    covered = np.zeros(len(closed), dtype=bool)
    covered[links["deal"].to_numpy()] = True
    universe = in_group & covered
    won = closed["won"].to_numpy().astype(bool)
    n_won, n_lost = int(won[universe].sum()), int((universe & ~won).sum())
    if n_won == 0 or n_lost == 0:
        return []
    keyed = _persona_keys(links[universe[links["deal"].to_numpy()]], use_roles)
    keyed = keyed.assign(won=won[keyed["deal"].to_numpy()])
    codes = np.zeros(len(closed), dtype=np.int64) if stratum is None else stratum
    keyed["stratum"] = codes[keyed["deal"].to_numpy()]
    n_strata = int(codes.max()) + 1 if len(codes) else 1
    deals_all = np.bincount(codes[universe], minlength=n_strata)
    won_all = np.bincount(codes[universe & won], minlength=n_strata)
    by_stratum = (
        keyed.groupby(["role", "function", "seniority", "stratum"], dropna=False)["won"]
        .agg(["size", "sum"])
        .reset_index(level="stratum")
    )
    grouped = keyed.groupby(["role", "function", "seniority"], dropna=False)["won"].agg(
        ["size", "sum"]
    )
    personas = []
    for key, (deals_with, won_with) in grouped.iterrows():
        role, function, seniority = key
        deals_with, won_with = int(deals_with), int(won_with)
        lost_with = deals_with - won_with
        if deals_with < min_deals or n_won + n_lost - deals_with < min_deals:
            continue
        persona = _persona(
            role if isinstance(role, str) else None,
            function,
            seniority,
            won_with,
            lost_with,
            n_won,
            n_lost,
            seed,
        )
        if stratum is not None:
            rows_of = by_stratum.loc[[key]]
            per_deals = np.zeros(n_strata, dtype=np.int64)
            per_won = np.zeros(n_strata, dtype=np.int64)
            per_deals[rows_of["stratum"].to_numpy()] = rows_of["size"].to_numpy()
            per_won[rows_of["stratum"].to_numpy()] = rows_of["sum"].to_numpy()
            persona |= _stratified(per_won, per_deals, won_all, deals_all, persona)
        personas.append(persona)
    return personas


def _stratified(won_with, deals_with, won_all, deals_all, crude: dict) -> dict[str, Any]:
    lift, ci, p = stratified_lift(won_with, deals_with, won_all, deals_all)
    return {
        "lift_crude": crude["lift"],
        "ci_crude": crude["ci"],
        "lift": lift,
        "ci": ci,
        "p_value": p,
        "direction": "wins more" if lift >= 1 else "loses more",
    }


def _persona(
    role: str | None,
    function: str,
    seniority: str,
    won_with: int,
    lost_with: int,
    n_won: int,
    n_lost: int,
    seed: int,
) -> dict[str, Any]:
    deals_with = won_with + lost_with
    won_without, deals_without = n_won - won_with, n_won + n_lost - deals_with
    rate_with = won_with / deals_with
    rate_without = won_without / deals_without
    lift = rate_with / rate_without if rate_without > 0 else float("inf")
    ci = bootstrap_ratio_interval(
        np.repeat([1, 0], [won_with, lost_with]),
        np.repeat([1, 0], [won_without, deals_without - won_without]),
        seed=seed,
    )
    return {
        "role": role,
        "function": function,
        "seniority": seniority,
        "name": _name(role, function, seniority),
        "deals_with": deals_with,
        "won_with": won_with,
        "share_won": won_with / n_won,
        "share_won_ci": list(wilson_interval(won_with, n_won)),
        "share_lost": lost_with / n_lost,
        "share_lost_ci": list(wilson_interval(lost_with, n_lost)),
        "win_rate_with": rate_with,
        "win_rate_with_ci": list(wilson_interval(won_with, deals_with)),
        "win_rate_without": rate_without,
        "lift": lift,
        "ci": list(ci),
        "p_value": proportion_test(won_with, deals_with, won_without, deals_without),
        "p_adjusted": 1.0,
        "significant": False,
        "direction": "wins more" if lift >= 1 else "loses more",
    }


def _name(role: str | None, function: str, seniority: str) -> str:
    who = f"{seniority} in {function}" if seniority != "C-level" else f"C-level ({function})"
    return f"{role}: {who}" if role else who


def _correct(personas: list[dict[str, Any]], alpha: float) -> None:
    adjusted = holm_adjust(np.array([p["p_value"] for p in personas], dtype=float))
    for persona, p in zip(personas, adjusted, strict=True):
        persona["p_adjusted"] = float(p)
        persona["significant"] = bool(p < alpha)


def _rank(personas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Significant first; then the personas that win most, then those that lose most."""
    return sorted(
        personas,
        key=lambda p: (not p["significant"], p["lift"] < 1, -abs(np.log(max(p["lift"], 1e-9)))),
    )


# --- The decision-making unit ------------------------------------------------------------------


def decision_making_unit(
    closed: pd.DataFrame, links: pd.DataFrame, rows: np.ndarray
) -> dict[str, Any] | None:
    """Size, seniority mix and breadth of the buying committee on won vs lost deals."""
    selected = np.zeros(len(closed), dtype=bool)
    selected[rows] = True
    mine = links[selected[links["deal"].to_numpy()]]
    if mine.empty:
        return None
    won = closed["won"].to_numpy().astype(bool)
    per_deal = mine.groupby("deal").agg(
        people=("contact", "nunique"), functions=("function", "nunique")
    )
    deal_won = won[per_deal.index.to_numpy()]
    levels = _level_flags(mine, per_deal.index)
    return {
        "deals": len(per_deal),
        "size": _compare(per_deal["people"].to_numpy(), deal_won),
        "functions": _compare(per_deal["functions"].to_numpy(), deal_won),
        "win_rate_by_size": _win_rate_by_size(per_deal["people"].to_numpy(), deal_won),
        "seniority_mix": _seniority_mix(mine, won),
        "deals_with_level": {level: _share_pair(levels[level], deal_won) for level in SENIORITIES},
        "typical_won_committee": _typical(mine, won, int(np.median(per_deal["people"][deal_won])))
        if deal_won.any()
        else [],
    }


def _compare(values: np.ndarray, won: np.ndarray) -> dict[str, Any]:
    from scipy.stats import mannwhitneyu

    a, b = values[won], values[~won]
    p = float(mannwhitneyu(a, b).pvalue) if len(a) and len(b) else 1.0
    return {
        "median_won": float(np.median(a)) if len(a) else None,
        "median_lost": float(np.median(b)) if len(b) else None,
        "mean_won": float(a.mean()) if len(a) else None,
        "mean_won_ci": _mean_interval(a),
        "mean_lost": float(b.mean()) if len(b) else None,
        "mean_lost_ci": _mean_interval(b),
        "p_value": p,
    }


def _mean_interval(values: np.ndarray) -> list[float] | None:
    if len(values) < 2:
        return None
    half = 1.96 * values.std(ddof=1) / np.sqrt(len(values))
    return [float(values.mean() - half), float(values.mean() + half)]


def _win_rate_by_size(people: np.ndarray, won: np.ndarray) -> list[dict[str, Any]]:
    bands = [(1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 5, "4-5"), (6, None, "6+")]
    out = []
    for low, high, label in bands:
        inside = (people >= low) & (people <= (high if high is not None else np.inf))
        n, k = int(inside.sum()), int(won[inside].sum())
        if n == 0:
            continue
        out.append(
            {
                "people": label,
                "deals": n,
                "won": k,
                "win_rate": k / n,
                "ci": list(wilson_interval(k, n)),
            }
        )
    return out


def _seniority_mix(mine: pd.DataFrame, won: np.ndarray) -> list[dict[str, Any]]:
    """Share of the people on won (lost) deals at each seniority, unknown ones left out."""
    known = mine[mine["seniority"].notna()]
    on_won = won[known["deal"].to_numpy()]
    n_won, n_lost = int(on_won.sum()), int((~on_won).sum())
    out = []
    for level in SENIORITIES:
        at = (known["seniority"] == level).to_numpy()
        k_won, k_lost = int((at & on_won).sum()), int((at & ~on_won).sum())
        out.append(
            {
                "seniority": level,
                "share_won": k_won / n_won if n_won else None,
                "share_won_ci": list(wilson_interval(k_won, n_won)),
                "share_lost": k_lost / n_lost if n_lost else None,
                "share_lost_ci": list(wilson_interval(k_lost, n_lost)),
            }
        )
    return out


def _level_flags(mine: pd.DataFrame, deals: pd.Index) -> dict[str, np.ndarray]:
    flags = {}
    for level in SENIORITIES:
        having = mine.loc[mine["seniority"] == level, "deal"].unique()
        flags[level] = deals.isin(having)
    return flags


def _share_pair(flag: np.ndarray, won: np.ndarray) -> dict[str, Any]:
    k_won, n_won = int((flag & won).sum()), int(won.sum())
    k_lost, n_lost = int((flag & ~won).sum()), int((~won).sum())
    return {
        "share_won": k_won / n_won if n_won else None,
        "share_won_ci": list(wilson_interval(k_won, n_won)),
        "share_lost": k_lost / n_lost if n_lost else None,
        "share_lost_ci": list(wilson_interval(k_lost, n_lost)),
        "p_value": proportion_test(
            k_won, k_won + k_lost, n_won - k_won, n_won + n_lost - k_won - k_lost
        )
        if 0 < k_won + k_lost < n_won + n_lost
        else 1.0,
    }


def _typical(mine: pd.DataFrame, won: np.ndarray, size: int) -> list[dict[str, Any]]:
    """The ``size`` kinds of person most often on won deals: the committee to expect."""
    on_won = mine[won[mine["deal"].to_numpy()]]
    on_won = on_won[on_won["function"].notna() & on_won["seniority"].notna()]
    n_won = int(won[np.unique(mine["deal"].to_numpy())].sum())
    seen = on_won.drop_duplicates(["deal", "function", "seniority"])
    counts = seen.groupby(["function", "seniority"]).size().sort_values(ascending=False)
    return [
        {"function": f, "seniority": s, "share_won": int(k) / n_won}
        for (f, s), k in counts.head(max(size, 1)).items()
    ]


# --- Words -------------------------------------------------------------------------------------


def _too_few_message(data: dict[str, Any]) -> str:
    return (
        f"Only {data['closed_deals_with_contacts']} closed deals ({data['won_with_contacts']} won, "
        f"{data['lost_with_contacts']} lost) have contacts linked to them; personas need at least "
        f"{MIN_CLOSED_WITH_CONTACTS} with both won and lost among them. Add contacts with a "
        "deal_id (or an account_id that has closed deals) and a title."
    )


def _summary(personas: list[dict[str, Any]], data: dict[str, Any], use_roles: bool) -> str:
    winners = [p for p in personas if p["significant"] and p["lift"] > 1]
    losers = [p for p in personas if p["significant"] and p["lift"] < 1]
    if not winners and not losers:
        text = (
            f"No reliable persona signal: none of the {len(personas)} personas seen on at least "
            "a few closed deals wins or loses more often than chance would explain."
        )
    else:
        parts = [
            f"{p['name']} (on {p['share_won']:.0%} of won vs {p['share_lost']:.0%} of lost "
            f"deals; win rate x{p['lift']:.1f})"
            for p in winners[:3]
        ]
        text = "Deals win more often with " + "; ".join(parts) + "." if parts else ""
        if losers:
            text += (
                (" " if text else "")
                + "Deals lose more often with "
                + "; ".join(f"{p['name']} (win rate x{p['lift']:.2f})" for p in losers[:3])
                + "."
            )
    if not use_roles:
        text += (
            " The CRM records no buying roles; add buying_role (OpportunityContactRole.Role or "
            "hs_buying_role) to tell champions from economic buyers and blockers."
        )
    if data["linked_by"]["account_id"] and not data["linked_by"]["deal_id"]:
        text += (
            " Contacts are linked to deals through their account only; a deal_id per contact "
            "would make this sharper."
        )
    return text


__all__ = [
    "FUNCTIONS",
    "NO_CONTACTS_MESSAGE",
    "ROLES",
    "decision_making_unit",
    "describe_people",
    "find_personas",
    "icp_segment_per_deal",
    "no_contacts",
    "normalise_role",
]
