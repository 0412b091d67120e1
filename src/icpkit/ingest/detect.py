"""``--format auto``: which CRM wrote a file, from its headers (and a report's footer).

Each file is recognised on its own, so a HubSpot companies export and Salesforce opportunities
can be read together. A file is credited to a CRM when at least two of its headers are ones
only that CRM writes (``IsWon`` and ``StageName``; ``hs_object_id`` and ``dealstage``;
``Deal - Status`` and ``Deal - Value``), or when it ends with a Salesforce report footer. The
CRM with the most such headers wins; a file nobody claims is read as generic. The evidence goes
into ``ingest.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

from icpkit.ingest import generic, hubspot, pipedrive, salesforce
from icpkit.ingest.mapping import Conventions
from icpkit.ingest.readers import RawTable

ADAPTERS: dict[str, Conventions] = {
    "generic": generic.CONVENTIONS,
    "salesforce": salesforce.CONVENTIONS,
    "hubspot": hubspot.CONVENTIONS,
    "pipedrive": pipedrive.CONVENTIONS,
}
FORMATS = ("auto", *ADAPTERS)

MIN_EVIDENCE = 2


@dataclass(frozen=True)
class Detection:
    """The CRM a file looks like (``generic`` when none) and the headers that say so."""

    format: str
    evidence: tuple[str, ...] = ()

    def describe(self) -> dict:
        return {"detected": self.format, "evidence": list(self.evidence)}


def recognise(headers: list[str]) -> dict[str, list[str]]:
    """For each CRM, the headers only it writes, compared ignoring case only: Salesforce's
    ``CloseDate`` is evidence, a spreadsheet's ``close_date`` is not."""
    return {
        "salesforce": salesforce.recognise(headers),
        "hubspot": hubspot.recognise(headers),
        "pipedrive": pipedrive.recognise(headers),
    }


def detect(raw: RawTable) -> Detection:
    """The CRM whose headers this file carries, or ``generic``."""
    headers = [str(h) for h in raw.frame.columns]
    found = recognise(headers)
    if salesforce.mark_report_footer(raw) is not raw:
        return Detection("salesforce", (*found["salesforce"], "a Salesforce report footer"))
    best = max(found, key=lambda name: len(set(found[name])))
    evidence = tuple(dict.fromkeys(found[best]))
    if len(found[best]) < MIN_EVIDENCE:
        return Detection("generic")
    return Detection(best, evidence)
