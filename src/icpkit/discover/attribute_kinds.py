"""Which columns describe the company, which describe a deal, and which describe engagement.

The ICP is a description of companies: who they are (size, industry, stack, relationship).
How a particular deal went (lead source, competitor present, RFP, budget confirmed) is a
qualification insight, reported apart; engagement and timing (web visits, intent, last activity)
belong to the timing score, never to the fit score. Names decide, with user overrides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from icpkit.schema import ACCOUNTS

DEAL_WORDS = (
    "rfi",
    "rfp",
    "rfq",
    "tender",
    "competitor",
    "competitors",
    "competition",
    "source",
    "leadsource",
    "stage",
    "budget",
    "budgt",
    "authority",
    "need",
    "needs",
    "scope",
    "upsale",
    "upsell",
    "up",
    "cross",
    "crosssale",
    "deal",
    "product",
    "seller",
    "owner",
    "rep",
    "agent",
    "purch",
    "purchasing",
    "posit",
    "statm",
    "strat",
    "discount",
    "forecast",
    "campaign",
    "channel",
    "utm",
    "sdr",
    "bdr",
    "pipeline",
    "opportunity",
    "opp",
    "quote",
    "proposal",
    "champion",
    "decision",
    "timeline",
    "pilot",
    "poc",
    "trial",
    "demo",
)
ENGAGEMENT_WORDS = (
    "visit",
    "visits",
    "engagement",
    "engaged",
    "open",
    "opens",
    "click",
    "clicks",
    "activity",
    "intent",
    "pageviews",
    "page",
    "views",
    "meetings",
    "calls",
    "emails",
    "score",
    "mql",
    "timing",
    "signal",
    "signals",
    "touch",
    "touches",
    "session",
    "sessions",
)


@dataclass
class AttributeKinds:
    company: list[str] = field(default_factory=list)
    deal: list[str] = field(default_factory=list)
    engagement: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, list[str]]:
        return {"company": self.company, "deal": self.deal, "engagement": self.engagement}


def _words(name: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]
    joined = {"".join(parts[i : i + 2]) for i in range(len(parts) - 1)}
    return set(parts) | joined


def kind_of(column: str) -> str:
    """'company', 'deal' or 'engagement', judged from the column name alone; the canonical
    account columns (funding_stage, employees, ...) are always company attributes."""
    if column in ACCOUNTS:
        return "company"
    words = _words(column)
    if words & set(ENGAGEMENT_WORDS):
        return "engagement"
    if words & set(DEAL_WORDS):
        return "deal"
    return "company"


def classify_columns(
    columns: Iterable[str],
    *,
    company: Iterable[str] = (),
    deal: Iterable[str] = (),
) -> AttributeKinds:
    """Sort attribute columns; names listed in ``company`` or ``deal`` override the guess."""
    forced_company, forced_deal = set(company), set(deal)
    kinds = AttributeKinds()
    for column in columns:
        if column in forced_company:
            kinds.company.append(column)
        elif column in forced_deal:
            kinds.deal.append(column)
        else:
            getattr(kinds, kind_of(column)).append(column)
    return kinds
