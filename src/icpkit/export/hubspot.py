"""HubSpot: the import CSV, and the CRM v3 batch API.

Scores land in three company properties: a number property for the 0-100 score (``icp_score``
by default, a custom property you create once), HubSpot's own ICP tier property
``hs_ideal_customer_profile`` (internal values ``tier_1``, ``tier_2``, ``tier_3``; icpkit's tiers
A, B and C map onto them and tier D clears it, since HubSpot has no fourth tier), and a text
property for the reasons (``icp_reasons``).

Records are found by their Record ID (``hs_object_id``) through ``batch/update``, or by a
property with unique values through ``batch/upsert`` (which creates the record when no company
has that value). A HubSpot import can also match companies by domain; the API cannot, because
``domain`` is not a unique property.

API shapes, as HubSpot documents them: ``POST /crm/v3/objects/{object}/batch/update`` with
``{"inputs": [{"id": "512", "properties": {...}, "objectWriteTraceId": "512"}]}``, 100 inputs
per call; a 200 reply lists the updated records in ``results``; a 207 reply adds ``errors``,
each naming the records it concerns in ``context.ids``; a 400 ``VALIDATION_ERROR`` refuses the
whole batch. ``batch/read`` takes ``{"inputs": [{"id": ...}], "properties": [...],
"idProperty": ...}``. Rate limits answer 429 with ``policyName`` (``DAILY``,
``TEN_SECONDLY_ROLLING``, ``SECONDLY``) and every reply carries ``X-HubSpot-RateLimit-Max``,
``-Remaining`` and ``-Interval-Milliseconds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from icpkit.export.destination import (
    ApiRequest,
    BatchOutcome,
    Change,
    Reply,
    Stop,
    Values,
    Wait,
    error_text,
)
from icpkit.export.transport import retry_after
from icpkit.ingest.normalise import ParseError, parse_domain

API_URL = "https://api.hubapi.com"
BATCH_LIMIT = 100
TIER_PROPERTY = "hs_ideal_customer_profile"
TIERS = {"A": "tier_1", "B": "tier_2", "C": "tier_3", "D": ""}
RECORD_ID_HEADER = "Record ID"
DOMAIN_HEADER = "Company Domain Name"
RECORD_ID_COLUMNS = ("hs_object_id", "Record ID", "record_id", "hubspot_id", "Company ID")
DOMAIN_COLUMNS = ("domain", "Company Domain Name", "Website", "website")
DEFAULT_FIELDS = {"score": "icp_score", "tier": TIER_PROPERTY, "reasons": "icp_reasons"}

# A window spent to this many requests or fewer makes us wait for the next window first.
_LOW_WATER = 1


def hubspot_tier(tier: str) -> str:
    """icpkit tier -> value of ``hs_ideal_customer_profile`` ("" clears it, for tier D)."""
    return TIERS[tier]


@dataclass
class HubSpot:
    """One HubSpot object to write scores to.

    ``key`` is how records are found: ``record_id`` (``hs_object_id``), ``domain`` (import files
    only) or ``property`` (a unique property named by ``id_property``, API upsert).
    """

    object_type: str = "companies"
    key: str = "record_id"
    id_property: str | None = None
    fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    base_url: str = API_URL
    crm: str = "hubspot"
    batch_limit: int = BATCH_LIMIT

    # -- records ---------------------------------------------------------------------------

    def key_header(self) -> str:
        if self.key == "domain":
            return DOMAIN_HEADER
        if self.key == "property":
            return str(self.id_property)
        return RECORD_ID_HEADER

    def key_columns(self) -> tuple[str, ...]:
        if self.key == "domain":
            return DOMAIN_COLUMNS
        if self.key == "property":
            return (str(self.id_property),)
        return RECORD_ID_COLUMNS

    def normalise_key(self, text: str) -> str:
        """The record key as HubSpot reads it; ValueError says why a cell cannot be one."""
        if not text:
            raise ValueError(f"no {self.key_header()}")
        if self.key == "domain":
            try:
                return parse_domain(text)
            except ParseError as error:
                raise ValueError(str(error)) from None
        if self.key == "record_id" and not text.isdigit():
            raise ValueError(f'"{text}" is not a HubSpot Record ID (a whole number)')
        return text

    def values(self, score: int, tier: str, reasons: str) -> Values:
        """Property values as the API and the importer take them: text."""
        return {
            self.fields["score"]: str(int(score)),
            self.fields["tier"]: hubspot_tier(tier),
            self.fields["reasons"]: reasons,
        }

    # -- API -------------------------------------------------------------------------------

    def target(self) -> str:
        by = self.id_property if self.key == "property" else "hs_object_id"
        return f"hubspot {self.object_type} by {by} at {self.base_url}"

    def _path(self, action: str) -> str:
        return f"/crm/v3/objects/{self.object_type}/batch/{action}"

    def write_request(self, changes: list[Change]) -> ApiRequest:
        inputs = []
        for change in changes:
            item: dict[str, Any] = {
                "id": change.key,
                "properties": change.values,
                # Echoed back in errors, so a failure can be tied to its record.
                "objectWriteTraceId": change.key,
            }
            if self.key == "property":
                item["idProperty"] = self.id_property
            inputs.append(item)
        action = "upsert" if self.key == "property" else "update"
        return ApiRequest("POST", self._path(action), json={"inputs": inputs})

    def read_write_reply(self, reply: Reply, changes: list[Change]) -> BatchOutcome:
        keys = [c.key for c in changes]
        body = reply.body if isinstance(reply.body, dict) else {}
        if reply.status in (200, 201, 207):
            return self._batch_results(body, keys)
        reason = f"HTTP {reply.status}: {error_text(reply.body)}"
        if reply.status == 400:
            return BatchOutcome(rejected=reason)
        return BatchOutcome(failed=dict.fromkeys(keys, reason))

    def _batch_results(self, body: dict[str, Any], keys: list[str]) -> BatchOutcome:
        outcome = BatchOutcome()
        wanted = set(keys)
        for error in body.get("errors") or []:
            context = error.get("context") or {}
            named = [*context.get("ids", []), *context.get("objectWriteTraceId", [])]
            for key in named:
                if key in wanted:
                    outcome.failed[key] = error_text(error)
        for result in body.get("results") or []:
            key = self._result_key(result)
            if key in wanted and key not in outcome.failed:
                outcome.done.add(key)
        for key in keys:
            if key not in outcome.done and key not in outcome.failed:
                outcome.failed[key] = "HubSpot left this record out of its reply"
        return outcome

    def _result_key(self, result: dict[str, Any]) -> str | None:
        if self.key == "property":
            trace = result.get("objectWriteTraceId")
            value = (result.get("properties") or {}).get(str(self.id_property))
            return str(trace or value) if (trace or value) else None
        return str(result.get("id")) if result.get("id") is not None else None

    def readback_request(self, keys: list[str], fields: list[str]) -> ApiRequest:
        properties = list(dict.fromkeys([*fields, *self._key_property()]))
        body: dict[str, Any] = {
            "inputs": [{"id": key} for key in keys],
            "properties": properties,
            "propertiesWithHistory": [],
        }
        if self.key == "property":
            body["idProperty"] = self.id_property
        return ApiRequest("POST", self._path("read"), json=body)

    def _key_property(self) -> list[str]:
        return [str(self.id_property)] if self.key == "property" else []

    def read_readback_reply(self, reply: Reply, keys: list[str]) -> dict[str, Values]:
        if reply.status not in (200, 207) or not isinstance(reply.body, dict):
            raise ValueError(f"HTTP {reply.status}: {error_text(reply.body)}")
        found = {}
        for result in reply.body.get("results") or []:
            properties = result.get("properties") or {}
            if self.key == "property":
                key = properties.get(str(self.id_property))
            else:
                key = result.get("id")
            if key is not None:
                found[str(key)] = properties
        return {key: found[key] for key in keys if key in found}

    def throttle(self, reply: Reply) -> Wait | Stop | None:
        if reply.status in (401, 403):
            return Stop(
                f"HubSpot refused the access token (HTTP {reply.status}: {error_text(reply.body)})"
            )
        if reply.status == 400 and "PROPERTY_DOESNT_EXIST" in str(reply.body):
            return Stop(
                f"HubSpot has no such property ({error_text(reply.body)}): create "
                + ", ".join(name for name in self.fields.values() if name != TIER_PROPERTY)
                + f" on {self.object_type} first, or name yours with --field"
            )
        if reply.status == 404 and not isinstance(reply.body, dict):
            return Stop(f"no HubSpot API at {self.base_url} (HTTP 404)")
        if reply.status != 429:
            return None
        body = reply.body if isinstance(reply.body, dict) else {}
        policy = str(body.get("policyName", ""))
        if policy == "DAILY":
            return Stop(
                "HubSpot's daily API limit is spent; run again after midnight "
                "(the account's time zone) to send the rest"
            )
        seconds = retry_after(reply.headers.get("retry-after"))
        if seconds is None:
            seconds = _window_seconds(reply) or 1.0
        return Wait(seconds, f"HubSpot rate limit ({policy or 'HTTP 429'})")

    def pause_after(self, reply: Reply) -> float:
        remaining = _int_header(reply, "x-hubspot-ratelimit-remaining")
        if remaining is None or remaining > _LOW_WATER or reply.status == 429:
            return 0.0
        return _window_seconds(reply) or 0.0


def _window_seconds(reply: Reply) -> float | None:
    interval = _int_header(reply, "x-hubspot-ratelimit-interval-milliseconds")
    return interval / 1000 if interval else None


def _int_header(reply: Reply, name: str) -> int | None:
    try:
        return int(reply.headers.get(name, ""))
    except ValueError:
        return None
