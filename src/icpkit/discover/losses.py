"""Why deals are lost: the CRM's loss reasons, normalised, and where each dominates.

A CRM holds a loss-reason picklist (Salesforce ``Loss_Reason__c``, HubSpot
``closed_lost_reason``, Pipedrive ``lost_reason``) and often a free-text detail. Both are read
into a small set of reasons (price, no decision, competitor, timing, missing feature, no
budget, bad fit, procurement, no follow-up) by ``loss_reasons.toml``, a data file users extend
from their ``--mapping`` file. The free-text detail wins when it says something (it is what the
rep actually wrote); the picklist is read otherwise. Each reason is "structural" (the company
does not fit), "execution" (how the deal was run) or "competitive".

Per group of deals (each anti-ICP segment, each ICP tier) the share of its losses per reason
comes with a Wilson interval and a Fisher test against the losses outside the group, Holm-
corrected over every group x reason tried; a group is called *structural* when its losses are
structural significantly more often than elsewhere, *execution* when significantly less often,
and *mixed* otherwise (Holm over the groups).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from icpkit.errors import IcpkitError
from icpkit.stats import holm_adjust, proportion_test, wilson_interval

ALPHA = 0.05
MIN_LOSSES = 10  # a group needs this many lost deals with a known reason to be compared
KINDS = ("structural", "execution", "competitive")
DETAIL_COLUMNS = (
    "lost_reason_detail",
    "lost_reason_details",
    "loss_reason_detail",
    "loss_reason_details",
    "closed_lost_reason_detail",
    "lost_reason_text",
)


@dataclass(frozen=True)
class Reason:
    name: str
    kind: str
    labels: frozenset[str]
    pattern: re.Pattern


@dataclass(frozen=True)
class ReasonMap:
    """The loss-reason mapping: reasons in the order free text is tried, and competitor cues."""

    reasons: tuple[Reason, ...]
    competitor_cues: re.Pattern

    def kind_of(self, name: str) -> str:
        return next((r.kind for r in self.reasons if r.name == name), "unknown")

    def normalise(self, picklist: Any, detail: Any = None) -> str:
        """One lost deal's reason: from the detail text when it maps, else the picklist value;
        ``other`` when something was written that maps to nothing, ``unknown`` when blank."""
        written = False
        for text, whole in ((detail, False), (picklist, True)):
            text = _text(text)
            if not text:
                continue
            written = True
            if self.competitor_cues.search(text) and competitor_in_text(text, self):
                return "competitor"
            key = " ".join(text.casefold().split())
            if whole:
                for reason in self.reasons:
                    if key in reason.labels:
                        return reason.name
            for reason in self.reasons:
                if reason.pattern.search(text):
                    return reason.name
        return "other" if written else "unknown"


def load_reason_map(override: dict | None = None, source: str = "") -> ReasonMap:
    """``loss_reasons.toml`` with the ``[loss_reasons]`` table of a mapping file laid over it:
    a reason with a known name replaces it, a new one is tried first."""
    text = resources.files("icpkit.discover").joinpath("loss_reasons.toml").read_text()
    data = tomllib.loads(text)
    reasons = [_reason(item, "loss_reasons.toml") for item in data["reason"]]
    cues = list(data.get("competitor_cues", []))
    if override:
        if not isinstance(override, dict):
            raise IcpkitError("[loss_reasons] must be a table", file=source or None)
        extra = [_reason(item, source) for item in override.get("reason", [])]
        names = {r.name for r in extra}
        reasons = extra + [r for r in reasons if r.name not in names]
        cues = [str(c) for c in override.get("competitor_cues", [])] + cues
    cue_pattern = re.compile(
        r"\b(?:" + "|".join(re.escape(c) for c in cues) + r")\b", re.IGNORECASE
    )
    return ReasonMap(tuple(reasons), cue_pattern)


def _reason(item: Any, source: str) -> Reason:
    if not isinstance(item, dict) or not str(item.get("name", "")).strip():
        raise IcpkitError("a loss reason needs a name", file=source or None)
    kind = str(item.get("kind", "execution"))
    if kind not in KINDS:
        raise IcpkitError(
            f"loss reason {item['name']}: kind {kind!r}, expected one of {', '.join(KINDS)}",
            file=source or None,
        )
    words = [str(p).strip().casefold() for p in item.get("patterns", []) if str(p).strip()]
    parts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    pattern = re.compile(r"\b(?:" + "|".join(parts) + r")\b" if parts else r"(?!x)x", re.I)
    labels = frozenset(" ".join(str(v).casefold().split()) for v in item.get("labels", []))
    return Reason(str(item["name"]).strip(), kind, labels, pattern)


def competitor_in_text(text: Any, reason_map: ReasonMap) -> str | None:
    """The capitalised name after a competitor cue: "Lost to Fabrikam Cloud." -> "Fabrikam
    Cloud"; None when no cue is followed by a name."""
    text = _text(text)
    for cue in reason_map.competitor_cues.finditer(text):
        rest = text[cue.end() :]
        found = re.match(r"\s+((?:[A-Z][\w&'.-]*)(?:\s+[A-Z][\w&'.-]*){0,2})", rest)
        if found:
            name = found.group(1).rstrip(".,;:'")
            if name.casefold() not in {"the", "a", "an", "our", "their", "them", "us"}:
                return name
    return None


def detail_column(deals: pd.DataFrame) -> str | None:
    return next((c for c in DETAIL_COLUMNS if c in deals.columns), None)


def normalised_reasons(lost: pd.DataFrame, reason_map: ReasonMap) -> pd.Series:
    """Each lost deal's normalised reason (index kept)."""
    picklist = lost["lost_reason"] if "lost_reason" in lost.columns else pd.Series(None, lost.index)
    column = detail_column(lost)
    detail = lost[column] if column else pd.Series(None, index=lost.index)
    return pd.Series(
        [reason_map.normalise(p, d) for p, d in zip(picklist, detail, strict=True)],
        index=lost.index,
        dtype=object,
    )


def reason_summary(reasons: pd.Series, reason_map: ReasonMap) -> list[dict]:
    """Share of the losses with a known reason, per reason, with its interval."""
    known = reasons[reasons != "unknown"]
    rows = []
    for name, count in known.value_counts().items():
        low, high = wilson_interval(int(count), len(known))
        rows.append(
            {
                "reason": str(name),
                "kind": reason_map.kind_of(str(name)),
                "lost": int(count),
                "share": round(count / len(known), 4),
                "ci": [round(low, 4), round(high, 4)],
            }
        )
    return rows


def reasons_by_group(
    reasons: pd.Series, groups: dict[str, np.ndarray], reason_map: ReasonMap
) -> dict[str, dict]:
    """Per group (a boolean mask over ``reasons``' rows): reasons that dominate its losses
    beyond the losses elsewhere, the structural share, and whether it is structural."""
    known = (reasons != "unknown").to_numpy()
    values = reasons.to_numpy(dtype=object)
    kinds = np.array([reason_map.kind_of(str(r)) for r in values], dtype=object)
    structural = kinds == "structural"
    names = sorted({str(v) for v in values[known]})
    tests, results = [], {}
    for group, mask in groups.items():
        inside, outside = mask & known, ~mask & known
        n_in, n_out = int(inside.sum()), int(outside.sum())
        entry: dict[str, Any] = {"lost_with_reason": n_in, "reasons": [], "verdict": "unknown"}
        results[group] = entry
        if n_in < MIN_LOSSES or n_out < MIN_LOSSES:
            entry["note"] = f"too few losses with a known reason ({n_in})"
            continue
        for name in names:
            k_in = int((values[inside] == name).sum())
            k_out = int((values[outside] == name).sum())
            low, high = wilson_interval(k_in, n_in)
            row: dict[str, Any] = {
                "reason": name,
                "kind": reason_map.kind_of(name),
                "lost": k_in,
                "share": round(k_in / n_in, 4),
                "ci": [round(low, 4), round(high, 4)],
                "share_elsewhere": round(k_out / n_out, 4),
                "dominant": False,
            }
            entry["reasons"].append(row)
            tests.append((row, proportion_test(k_in, n_in, k_out, n_out)))
        entry["reasons"].sort(key=lambda r: -r["lost"])
        k_in, k_out = int(structural[inside].sum()), int(structural[outside].sum())
        low, high = wilson_interval(k_in, n_in)
        entry["structural_share"] = round(k_in / n_in, 4)
        entry["structural_ci"] = [round(low, 4), round(high, 4)]
        entry["structural_share_elsewhere"] = round(k_out / n_out, 4)
        entry["_p"] = proportion_test(k_in, n_in, k_out, n_out)
    if tests:
        adjusted = holm_adjust(np.array([p for _, p in tests]))
        for (row, _), p in zip(tests, adjusted, strict=True):
            row["p_adjusted"] = round(float(p), 6)
            row["dominant"] = bool(p < ALPHA and row["share"] > row["share_elsewhere"])
    verdicts = [e for e in results.values() if "_p" in e]
    if verdicts:
        adjusted = holm_adjust(np.array([e.pop("_p") for e in verdicts]))
        for entry, p in zip(verdicts, adjusted, strict=True):
            more = entry["structural_share"] > entry["structural_share_elsewhere"]
            significant = bool(p < ALPHA)
            entry["structural_p_adjusted"] = round(float(p), 6)
            entry["verdict"] = ("structural" if more else "execution") if significant else "mixed"
    return results


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip()
    return "" if text.casefold() in {"nan", "none", "<na>", "null"} else text
