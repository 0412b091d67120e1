"""What a CRM destination tells the push engine, and the engine tells it back.

A destination (HubSpot, Salesforce) turns a batch of changes into one HTTP request, reads the
reply into per-record outcomes, reads current values back when a reply was lost, and says what
its rate-limit signals mean. Everything here is plain data, so the engine can be tested without
a network and a new CRM is one new module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

Values = dict[str, Any]
"""Field name -> value, in the CRM's own names and value formats."""


@dataclass(frozen=True)
class Change:
    """One record to write: its key in the CRM and only the fields whose values changed."""

    key: str
    values: Values


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    json: Any = None
    params: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, headers (lower-cased names) and the body parsed as JSON when it
    is JSON (else the text)."""

    status: int
    headers: Mapping[str, str]
    body: Any


@dataclass
class BatchOutcome:
    """What a write reply says about each record of the batch.

    ``rejected`` is set when the CRM refused the whole batch for a reason that lies in some
    record (a value it does not accept): the engine then splits the batch to find which.
    """

    done: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    rejected: str | None = None


@dataclass(frozen=True)
class Wait:
    """Rate-limited: try the same request again after ``seconds``."""

    seconds: float
    reason: str


@dataclass(frozen=True)
class Stop:
    """Nothing more can be sent in this run (bad token, daily quota spent): every record not yet
    written fails with ``reason`` and a later run picks them up."""

    reason: str


class Destination(Protocol):
    """A CRM object to write scores to (see :mod:`icpkit.export.hubspot` for an example)."""

    crm: str
    batch_limit: int
    base_url: str

    def key_header(self) -> str:
        """The key's name in the CRM and in files ("Record ID", "Id", an External ID field)."""
        ...

    def key_columns(self) -> tuple[str, ...]:
        """Input columns that may hold the key, most likely first."""
        ...

    def normalise_key(self, text: str) -> str:
        """The key as the CRM reads it; raises ValueError saying why a cell cannot be one."""
        ...

    def values(self, score: int, tier: str, reasons: str) -> Values:
        """The CRM's field names and value formats for one record's score, tier and reasons."""
        ...

    def target(self) -> str:
        """Names the place written to (CRM, object, key field, account URL) in the state file,
        so pushes to different places never mix their history."""
        ...

    def write_request(self, changes: list[Change]) -> ApiRequest: ...

    def read_write_reply(self, reply: Reply, changes: list[Change]) -> BatchOutcome: ...

    def readback_request(self, keys: list[str], fields: list[str]) -> ApiRequest: ...

    def read_readback_reply(self, reply: Reply, keys: list[str]) -> dict[str, Values]:
        """Current values of the records found, by key (records not found are left out)."""
        ...

    def throttle(self, reply: Reply) -> Wait | Stop | None:
        """What a reply says about rate limits and access: wait and retry, stop, or go on."""
        ...

    def pause_after(self, reply: Reply) -> float:
        """Seconds to wait before the next request so as not to hit a limit (0 if none)."""
        ...


def same_value(wanted: Any, current: Any) -> bool:
    """Whether a CRM holds ``wanted``: CRMs return numbers as text ("87") or floats (87.0) and
    a cleared field as null or "", so compare by meaning, not by type."""
    if _blank(wanted) or _blank(current):
        return _blank(wanted) and _blank(current)
    try:
        a, b = float(wanted), float(current)
    except (TypeError, ValueError):
        return str(wanted) == str(current)
    return math.isclose(a, b)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def error_text(body: Any, limit: int = 300) -> str:
    """A short, single-line reason from an error body (HubSpot object or Salesforce list)."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        parts = [_one_error(item) for item in body]
        text = "; ".join(p for p in parts if p)
    elif isinstance(body, dict):
        text = _one_error(body)
    else:
        text = str(body or "")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_error(item: Mapping[str, Any]) -> str:
    code = item.get("category") or item.get("errorCode") or item.get("statusCode") or ""
    message = item.get("message") or ""
    return f"{code}: {message}" if code and message else str(code or message)
