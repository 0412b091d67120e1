"""Salesforce: the Data Loader CSV, and sObject Collections.

Scores land in three custom fields you create once on the object (Account by default):
``ICP_Score__c`` (Number), ``ICP_Tier__c`` (Text or Picklist A/B/C/D) and ``ICP_Reasons__c``
(Text Area, 255 characters: longer reasons are cut with "…").

Records are found by their Id (15-character ids from reports are turned into the 18-character
case-safe ids the API and Data Loader use) through ``PATCH /services/data/vXX.X/composite/
sobjects``, or by an External ID field through ``PATCH .../composite/sobjects/{Object}/{Field}``
(an upsert: a value no record has creates a record).

API shapes, as Salesforce documents them: the body is ``{"allOrNone": false, "records": [...]}``
with up to 200 records, each with ``"attributes": {"type": "Account"}``; the reply is a list of
results in request order, ``{"id", "success", "errors": [{"statusCode", "message",
"fields"}]}``. A malformed request (an unknown field) gets 400 with ``[{"errorCode",
"message"}]``. An org over its
API allocation gets 403 ``REQUEST_LIMIT_EXCEEDED`` (``TotalRequests``: stop for today;
``ConcurrentRequests``: wait and retry). Current values are read back with a SOQL query,
``GET .../query?q=SELECT ... WHERE Id IN (...)``.
"""

from __future__ import annotations

import re
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

API_VERSION = "v62.0"
BATCH_LIMIT = 200
REASONS_LIMIT = 255
ID_COLUMNS = ("Id", "ID", "Account ID", "AccountId", "Account Id", "id")
DEFAULT_FIELDS = {"score": "ICP_Score__c", "tier": "ICP_Tier__c", "reasons": "ICP_Reasons__c"}

_ID_CHARS = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Wait this long when Salesforce says too many long requests run at once (it gives no hint).
_CONCURRENCY_WAIT = 5.0


def salesforce_id_18(text: str) -> str:
    """The 18-character case-safe form of a Salesforce record id.

    A 15-character id is case-sensitive; the 3 characters appended encode which of its letters
    are upper case, 5 characters at a time. An 18-character id is returned as it is.
    ``"003D0000001aH2A"`` -> ``"003D0000001aH2AIAU"``.
    """
    text = text.strip()
    if not _ID_CHARS.fullmatch(text):
        raise ValueError(f'"{text}" is not a Salesforce record id (15 or 18 letters and digits)')
    if len(text) == 18:
        if any(c not in _SUFFIX_ALPHABET for c in text[15:].upper()):
            raise ValueError(f'"{text}" is not a Salesforce record id (bad last 3 characters)')
        return text
    suffix = ""
    for start in range(0, 15, 5):
        chunk = text[start : start + 5]
        bits = sum(1 << i for i, c in enumerate(chunk) if "A" <= c <= "Z")
        suffix += _SUFFIX_ALPHABET[bits]
    return text + suffix


def cut_reasons(reasons: str, limit: int = REASONS_LIMIT) -> str:
    return reasons if len(reasons) <= limit else reasons[: limit - 1] + "…"


@dataclass
class Salesforce:
    """One Salesforce object to write scores to, keyed by Id or by ``external_id``."""

    object_name: str = "Account"
    external_id: str | None = None
    fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    base_url: str = ""
    api_version: str = API_VERSION
    crm: str = "salesforce"
    batch_limit: int = BATCH_LIMIT

    def __post_init__(self) -> None:
        for name in (self.object_name, self.external_id, *self.fields.values()):
            if name is not None and not _API_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a Salesforce API name")

    # -- records ---------------------------------------------------------------------------

    def key_header(self) -> str:
        return self.external_id or "Id"

    def key_columns(self) -> tuple[str, ...]:
        return (self.external_id, "account_id") if self.external_id else ID_COLUMNS

    def normalise_key(self, text: str) -> str:
        if not text:
            raise ValueError(f"no {self.key_header()}")
        return text if self.external_id else salesforce_id_18(text)

    def values(self, score: int, tier: str, reasons: str) -> Values:
        """Field values as the API takes them: a number, a letter, text (null when empty)."""
        return {
            self.fields["score"]: int(score),
            self.fields["tier"]: tier,
            self.fields["reasons"]: cut_reasons(reasons) if reasons else None,
        }

    # -- API -------------------------------------------------------------------------------

    def _root(self) -> str:
        return f"/services/data/{self.api_version}"

    def target(self) -> str:
        return f"salesforce {self.object_name} by {self.key_header()} at {self.base_url}"

    def write_request(self, changes: list[Change]) -> ApiRequest:
        records = []
        for change in changes:
            record: dict[str, Any] = {"attributes": {"type": self.object_name}}
            record[self.external_id or "id"] = change.key
            record.update(change.values)
            records.append(record)
        path = f"{self._root()}/composite/sobjects"
        if self.external_id:
            path += f"/{self.object_name}/{self.external_id}"
        return ApiRequest("PATCH", path, json={"allOrNone": False, "records": records})

    def read_write_reply(self, reply: Reply, changes: list[Change]) -> BatchOutcome:
        keys = [c.key for c in changes]
        if reply.status != 200 or not isinstance(reply.body, list):
            reason = f"HTTP {reply.status}: {error_text(reply.body)}"
            return BatchOutcome(failed=dict.fromkeys(keys, reason))
        if len(reply.body) != len(keys):
            reason = f"Salesforce answered {len(reply.body)} results for {len(keys)} records"
            return BatchOutcome(failed=dict.fromkeys(keys, reason))
        outcome = BatchOutcome()
        # Results come back in the order the records were sent.
        for key, result in zip(keys, reply.body, strict=True):
            if isinstance(result, dict) and result.get("success") is True:
                outcome.done.add(key)
            else:
                errors = result.get("errors") if isinstance(result, dict) else None
                outcome.failed[key] = error_text(errors) or "Salesforce did not save it"
        return outcome

    def readback_request(self, keys: list[str], fields: list[str]) -> ApiRequest:
        key_field = self.external_id or "Id"
        columns = ", ".join(dict.fromkeys(["Id", key_field, *fields]))
        listed = ", ".join(_soql_string(key) for key in keys)
        soql = f"SELECT {columns} FROM {self.object_name} WHERE {key_field} IN ({listed})"
        return ApiRequest("GET", f"{self._root()}/query", params={"q": soql})

    def read_readback_reply(self, reply: Reply, keys: list[str]) -> dict[str, Values]:
        if reply.status != 200 or not isinstance(reply.body, dict):
            raise ValueError(f"HTTP {reply.status}: {error_text(reply.body)}")
        key_field = self.external_id or "Id"
        found: dict[str, Values] = {}
        for record in reply.body.get("records") or []:
            key = record.get(key_field)
            if key is not None:
                found[_comparable_key(str(key), bool(self.external_id))] = record
        return {
            key: found[_comparable_key(key, bool(self.external_id))]
            for key in keys
            if _comparable_key(key, bool(self.external_id)) in found
        }

    def throttle(self, reply: Reply) -> Wait | Stop | None:
        codes = _error_codes(reply.body)
        if reply.status == 401:
            return Stop(f"Salesforce refused the access token (HTTP 401: {error_text(reply.body)})")
        if reply.status == 403 and "REQUEST_LIMIT_EXCEEDED" in codes:
            text = error_text(reply.body)
            if "concurrent" in text.lower():
                return Wait(
                    retry_after(reply.headers.get("retry-after")) or _CONCURRENCY_WAIT,
                    "Salesforce concurrent request limit",
                )
            return Stop(
                f"Salesforce API request allocation is spent ({text}); run again when "
                "the 24-hour allocation allows"
            )
        if reply.status == 403:
            return Stop(f"Salesforce refused access (HTTP 403: {error_text(reply.body)})")
        if reply.status == 400:
            # Salesforce reports a bad value per record; a 400 means the request itself is
            # wrong (a field or object that does not exist), the same for every batch.
            return Stop(
                f"Salesforce refused the request ({error_text(reply.body)}): check that "
                + ", ".join(self.fields.values())
                + f" exist on {self.object_name}"
            )
        if reply.status == 429:
            seconds = retry_after(reply.headers.get("retry-after"))
            return Wait(seconds if seconds is not None else _CONCURRENCY_WAIT, "HTTP 429")
        return None

    def pause_after(self, reply: Reply) -> float:
        # Salesforce limits are per 24 hours (Sforce-Limit-Info), nothing to pace per second.
        return 0.0


def _soql_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _comparable_key(key: str, external: bool) -> str:
    # Record ids compare on their 18-character form, which is case-insensitive by design.
    if external:
        return key
    try:
        return salesforce_id_18(key).upper()
    except ValueError:
        return key


def _error_codes(body: Any) -> set[str]:
    if isinstance(body, list):
        return {str(item.get("errorCode")) for item in body if isinstance(item, dict)}
    if isinstance(body, dict):
        return {str(body.get("errorCode"))}
    return set()
