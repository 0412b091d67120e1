"""`icpkit push` against a contract server on 127.0.0.1 that plays HubSpot and Salesforce.

The server enforces the request shapes and batch limits the two CRMs document, answers the way
they do (HubSpot 207 multi-status and 400 VALIDATION_ERROR, Salesforce per-record results and
403 REQUEST_LIMIT_EXCEEDED), keeps a rolling rate-limit window with HubSpot's headers, and can
be scripted to answer a given write request with a 429 burst, a 503, or a dropped connection
(before or after applying the write). It counts how many times each record is written: every
record must end up written exactly once, or be listed in push-failures.csv with its reason.
No traffic leaves the loopback interface.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from typer.testing import CliRunner

from icpkit.cli import app
from icpkit.export.credentials import Secret
from icpkit.export.hubspot import HubSpot
from icpkit.export.push import push
from icpkit.export.salesforce import Salesforce, salesforce_id_18
from icpkit.export.scores import score_accounts
from icpkit.export.transport import Transport

ROOT = Path(__file__).resolve().parents[1]
SEED_CARD = ROOT / "examples" / "seed-scorecard.toml"
TOKEN = "pat-na1-7f3c0ffee-contract-token"
HUBSPOT_TIERS = {"", "tier_1", "tier_2", "tier_3"}
SF_VERSION = "v62.0"

# ---------------------------------------------------------------------------------------------
# The contract server


class ContractCRM:
    """Shared state of the loopback CRM: records, write counts, the fault script."""

    def __init__(
        self,
        *,
        hubspot_ids=(),
        salesforce_ids=(),
        reject_ids=(),
        window=(1000, 10_000),
        script=None,
    ):
        self.records: dict[str, dict] = {key: {} for key in [*hubspot_ids, *salesforce_ids]}
        self.unique: dict[str, str] = {}  # HubSpot unique property value -> record id
        self.reject_ids = set(reject_ids)
        self.window_max, self.window_ms = window
        self.script = dict(script or {})
        self.writes: Counter[str] = Counter()
        self.write_requests = 0
        self.bodies: list[tuple[str, dict]] = []
        self.requests = 0
        self.hits: list[float] = []
        self.lock = threading.Lock()
        self.held = threading.Event()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def rate_headers(self) -> dict[str, str]:
        now = time.monotonic()
        self.hits = [t for t in self.hits if now - t < self.window_ms / 1000]
        return {
            "X-HubSpot-RateLimit-Max": str(self.window_max),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.window_max - len(self.hits))),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(self.window_ms),
        }


def _handler_for(crm: ContractCRM):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            self._serve()

        def do_PATCH(self):
            self._serve()

        def do_GET(self):
            self._serve()

        # -- plumbing ------------------------------------------------------------------

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            with crm.lock:
                crm.requests += 1
                salesforce = path.startswith("/services/")
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._auth_failure(salesforce)
                if not salesforce:
                    limited = self._hubspot_window()
                    if limited:
                        return limited
                is_write = (self.command == "PATCH") or path.endswith(("/update", "/upsert"))
                fault = None
                if is_write:
                    crm.write_requests += 1
                    fault = crm.script.get(crm.write_requests)
                if fault in ("429", "429-daily", "sf-concurrent", "sf-total", "503"):
                    return self._fault(fault, salesforce)
                if fault == "drop-before":
                    return self._drop()
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    return self._send(400, {"message": "not JSON"})
                if body is not None and self.headers.get("Content-Type") != "application/json":
                    return self._send(415, {"message": "Content-Type must be application/json"})
                if is_write:
                    crm.bodies.append((path, body))
                status, answer = route(crm, self.command, self.path, body)
            if fault == "drop-after":
                return self._drop()
            if fault == "hold-after":
                crm.held.set()
                crm.release.wait(60)
                return self._drop()
            headers = {} if salesforce else crm.rate_headers()
            if salesforce:
                headers["Sforce-Limit-Info"] = f"api-usage={crm.requests}/15000"
            return self._send(status, answer, headers)

        def _hubspot_window(self):
            headers = crm.rate_headers()
            if len(crm.hits) >= crm.window_max:
                body = {
                    "status": "error",
                    "message": "You have reached your ten_secondly_rolling limit.",
                    "errorType": "RATE_LIMIT",
                    "correlationId": "c0ffee",
                    "policyName": "TEN_SECONDLY_ROLLING",
                }
                return self._send(429, body, headers)
            crm.hits.append(time.monotonic())
            return None

        def _auth_failure(self, salesforce):
            if salesforce:
                body = [
                    {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
                ]
            else:
                body = {
                    "status": "error",
                    "message": "Authentication credentials not found.",
                    "category": "INVALID_AUTHENTICATION",
                }
            return self._send(401, body)

        def _fault(self, fault, salesforce):
            if fault == "503":
                return self._send(503, {"message": "Service Unavailable"})
            if fault == "sf-concurrent":
                message = "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
                return self._send(
                    403, [{"message": message, "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
                )
            if fault == "sf-total":
                message = "TotalRequests Limit exceeded."
                return self._send(
                    403, [{"message": message, "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
                )
            policy = "DAILY" if fault == "429-daily" else "SECONDLY"
            body = {
                "status": "error",
                "message": f"You have reached your {policy.lower()} limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": "c0ffee",
                "policyName": policy,
            }
            headers = {"Retry-After": "2"} if fault == "429" else {}
            return self._send(429, body, headers)

        def _drop(self):
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def _send(self, status, body, headers=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def route(crm: ContractCRM, method: str, target: str, body):
    path = urlsplit(target).path
    hubspot = re.fullmatch(r"/crm/v3/objects/companies/batch/(update|upsert|read)", path)
    if method == "POST" and hubspot:
        return {"update": hubspot_update, "upsert": hubspot_upsert, "read": hubspot_read}[
            hubspot.group(1)
        ](crm, body)
    root = f"/services/data/{SF_VERSION}"
    if method == "PATCH" and path == f"{root}/composite/sobjects":
        return salesforce_write(crm, body, external=None)
    upsert = re.fullmatch(rf"{root}/composite/sobjects/Account/(\w+)", path)
    if method == "PATCH" and upsert:
        return salesforce_write(crm, body, external=upsert.group(1))
    if method == "GET" and path == f"{root}/query":
        return salesforce_query(crm, parse_qs(urlsplit(target).query)["q"][0])
    return 404, {"message": f"no route {method} {path}"}


# -- HubSpot ----------------------------------------------------------------------------------


def _hubspot_invalid(message):
    return 400, {
        "status": "error",
        "message": message,
        "correlationId": "c0ffee",
        "category": "VALIDATION_ERROR",
    }


def _check_hubspot_inputs(body, allowed_keys):
    if not isinstance(body, dict) or set(body) != {"inputs"}:
        return 'Invalid input JSON: the body must be {"inputs": [...]}'
    inputs = body["inputs"]
    if not isinstance(inputs, list) or not 1 <= len(inputs) <= 100:
        return "Batch input must contain between 1 and 100 inputs"
    ids = [item.get("id") for item in inputs]
    if len(set(ids)) != len(ids):
        return "Duplicate IDs found in batch input"
    for item in inputs:
        if not set(item) <= allowed_keys or not isinstance(item.get("id"), str):
            return f"Invalid input: {item}"
        properties = item.get("properties")
        if not isinstance(properties, dict) or not properties:
            return "Each input needs properties"
        problem = _check_properties(properties)
        if problem:
            return problem
    return None


def _check_properties(properties):
    for name, value in properties.items():
        if not isinstance(value, str):
            return f"Property values were not valid: {name} must be sent as text"
        if name == "icp_score":
            if not value.isdigit() or not 0 <= int(value) <= 100:
                return f'Property values were not valid: "{value}" is not a number 0-100'
        elif name == "hs_ideal_customer_profile":
            if value not in HUBSPOT_TIERS:
                return f'Property values were not valid: "{value}" is not an allowed option'
        elif name != "icp_reasons":
            detail = {
                "isValid": False,
                "message": f'Property "{name}" does not exist',
                "error": "PROPERTY_DOESNT_EXIST",
                "name": name,
            }
            return f"Property values were not valid: {json.dumps([detail])}"
    return None


def _hubspot_result(key, record, new=None):
    result = {
        "id": key,
        "properties": dict(record),
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-06-01T00:00:00Z",
        "archived": False,
    }
    if new is not None:
        result["new"] = new
    return result


def hubspot_update(crm, body):
    problem = _check_hubspot_inputs(body, {"id", "properties", "objectWriteTraceId"})
    if problem:
        return _hubspot_invalid(problem)
    if any(item["id"] in crm.reject_ids for item in body["inputs"]):
        bad = next(item["id"] for item in body["inputs"] if item["id"] in crm.reject_ids)
        return _hubspot_invalid(
            f"Property values were not valid: icp_score rejected by a validation rule ({bad})"
        )
    results, missing = [], []
    for item in body["inputs"]:
        key = item["id"]
        if key not in crm.records:
            missing.append(key)
            continue
        crm.records[key].update(item["properties"])
        crm.writes[key] += 1
        results.append(_hubspot_result(key, crm.records[key]))
    answer = {"status": "COMPLETE", "results": results, "startedAt": "t", "completedAt": "t"}
    if not missing:
        return 200, answer
    answer["numErrors"] = 1
    answer["errors"] = [
        {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": "Could not get some COMPANY objects, they may be deleted or not exist. "
            "Check that ids are valid.",
            "context": {"ids": missing},
        }
    ]
    return 207, answer


def hubspot_upsert(crm, body):
    problem = _check_hubspot_inputs(body, {"id", "properties", "idProperty", "objectWriteTraceId"})
    if problem:
        return _hubspot_invalid(problem)
    if any(item.get("idProperty") != "icp_account_key" for item in body["inputs"]):
        return _hubspot_invalid("idProperty must name a unique-value property")
    results = []
    for item in body["inputs"]:
        value = item["id"]
        new = value not in crm.unique
        if new:
            crm.unique[value] = str(900_000 + len(crm.unique))
            crm.records[value] = {"icp_account_key": value}
        crm.records[value].update(item["properties"])
        crm.writes[value] += 1
        results.append(_hubspot_result(crm.unique[value], crm.records[value], new=new))
    return 200, {"status": "COMPLETE", "results": results, "startedAt": "t", "completedAt": "t"}


def hubspot_read(crm, body):
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        return _hubspot_invalid("Invalid input JSON")
    if not set(body) <= {"inputs", "properties", "propertiesWithHistory", "idProperty"}:
        return _hubspot_invalid(f"Unknown fields {sorted(body)}")
    if not 1 <= len(body["inputs"]) <= 100:
        return _hubspot_invalid("Batch input must contain between 1 and 100 inputs")
    results, missing = [], []
    for item in body["inputs"]:
        key = item["id"]
        if key not in crm.records:
            missing.append(key)
            continue
        record = crm.records[key]
        properties = {name: record.get(name) for name in body.get("properties", [])}
        record_id = crm.unique.get(key, key) if body.get("idProperty") else key
        results.append(_hubspot_result(record_id, properties))
    answer = {"status": "COMPLETE", "results": results, "startedAt": "t", "completedAt": "t"}
    if missing:
        answer["numErrors"] = 1
        answer["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "not found",
                "context": {"ids": missing},
            }
        ]
        return 207, answer
    return 200, answer


# -- Salesforce -------------------------------------------------------------------------------

SF_FIELDS = {"ICP_Score__c", "ICP_Tier__c", "ICP_Reasons__c"}


def _sf_error(code, message, status=400):
    return status, [{"message": message, "errorCode": code}]


def salesforce_write(crm, body, external):
    if not isinstance(body, dict) or set(body) - {"allOrNone", "records"}:
        return _sf_error("JSON_PARSER_ERROR", "body must be {allOrNone, records}")
    records = body.get("records")
    if not isinstance(body.get("allOrNone"), bool):
        return _sf_error("JSON_PARSER_ERROR", "allOrNone must be a boolean")
    if not isinstance(records, list) or not 1 <= len(records) <= 200:
        return _sf_error("EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200")
    key_field = external or "id"
    for record in records:
        if record.get("attributes") != {"type": "Account"}:
            return _sf_error("INVALID_TYPE", "Each record needs attributes.type Account")
        unknown = set(record) - {"attributes", key_field} - SF_FIELDS
        if unknown:
            name = sorted(unknown)[0]
            return _sf_error("INVALID_FIELD", f"No such column '{name}' on sobject of type Account")
        if external and "id" in record:
            return _sf_error("INVALID_FIELD", "Don't set the id field on an upsert")
    results, rolled_back = [], False
    for record in records:
        key = record[key_field]
        error = _sf_record_error(crm, record, key, external)
        if error:
            results.append({"success": False, "errors": [error]})
            rolled_back = body["allOrNone"]
            continue
        created = key not in crm.records
        crm.records.setdefault(key, {})
        crm.records[key].update({k: v for k, v in record.items() if k in SF_FIELDS})
        crm.writes[key] += 1
        result = {
            "id": key if not external else f"001XX{abs(hash(key)) % 10**10:010d}AAA",
            "success": True,
            "errors": [],
        }
        if external:
            result["created"] = created
        results.append(result)
    if rolled_back:
        raise AssertionError("icpkit must send allOrNone false: one bad record must not sink 199")
    return 200, results


def _sf_record_error(crm, record, key, external):
    if not external:
        if not isinstance(key, str) or len(key) != 18 or salesforce_checksum(key[:15]) != key[15:]:
            return {
                "statusCode": "MALFORMED_ID",
                "message": f"malformed id {key}",
                "fields": ["Id"],
            }
        if key not in crm.records:
            return {"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}
    score = record.get("ICP_Score__c")
    if "ICP_Score__c" in record and (not isinstance(score, int) or not 0 <= score <= 100):
        return {
            "statusCode": "INVALID_TYPE_ON_FIELD_IN_RECORD",
            "message": "Score: bad value",
            "fields": ["ICP_Score__c"],
        }
    if record.get("ICP_Tier__c", "A") not in ("A", "B", "C", "D"):
        return {
            "statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "message": "Tier",
            "fields": ["ICP_Tier__c"],
        }
    reasons = record.get("ICP_Reasons__c")
    if reasons is not None and (not isinstance(reasons, str) or len(reasons) > 255):
        return {
            "statusCode": "STRING_TOO_LONG",
            "message": "Reasons: data value too large",
            "fields": ["ICP_Reasons__c"],
        }
    return None


def salesforce_checksum(id15):
    """Independent of icpkit's: for each 5-character chunk, a bit per upper-case letter."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    out = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        value = sum(2**i for i, c in enumerate(chunk) if c.isupper())
        out += alphabet[value]
    return out


def salesforce_query(crm, soql):
    match = re.fullmatch(r"SELECT (.+) FROM Account WHERE (\w+) IN \((.+)\)", soql)
    if not match:
        return _sf_error("MALFORMED_QUERY", f"unexpected SOQL: {soql}")
    columns = [c.strip() for c in match.group(1).split(",")]
    key_field = match.group(2)
    keys = re.findall(r"'((?:[^'\\]|\\.)*)'", match.group(3))
    records = []
    for key in keys:
        if key not in crm.records:
            continue
        stored = crm.records[key]
        row = {"attributes": {"type": "Account", "url": f"/services/data/{SF_VERSION}/x"}}
        for column in columns:
            if column in ("Id", key_field):
                row[column] = key
            elif column == "ICP_Score__c":
                value = stored.get(column)
                row[column] = float(value) if value is not None else None  # numbers come as 87.0
            else:
                row[column] = stored.get(column)
        records.append(row)
    return 200, {"totalSize": len(records), "done": True, "records": records}


# ---------------------------------------------------------------------------------------------
# Inputs and helpers


@pytest.fixture(scope="module")
def accounts():
    from icpkit.simulate import simulate

    frame = simulate(500, seed=11).accounts
    columns = ["account_id", "domain", "employees", "funding_stage", "technologies", "country"]
    frame = frame[columns].copy()
    frame["technologies"] = frame["technologies"].map(lambda v: ";".join(v) if v else "")
    return frame.reset_index(drop=True)


def write_input(accounts, tmp_path, rows, *, ids=None, name="companies.csv"):
    frame = accounts.head(rows).copy()
    if ids is not None:
        frame.insert(0, ids[0], ids[1])
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def hubspot_ids(n):
    return [str(5_000 + i) for i in range(n)]


def salesforce_15(n):
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    ids = []
    for i in range(n):
        tail, value = "", i * 7919 + 12345
        for _ in range(9):
            tail = alphabet[value % 62] + tail
            value //= 62
        ids.append("001Dn0" + tail[1:] + "Q")
    return ids


class Sleeper:
    """Records each wait asked for; really sleeps at most half a second of it."""

    def __init__(self, interrupt_at=None):
        self.waits: list[float] = []
        self.interrupt_at = interrupt_at

    def __call__(self, seconds):
        self.waits.append(seconds)
        if self.interrupt_at is not None and len(self.waits) == self.interrupt_at:
            raise KeyboardInterrupt
        time.sleep(min(seconds, 0.5))


def run_push(destination, input_path, out, crm, *, sleep=None, token=TOKEN, **options):
    destination.base_url = crm.url
    scored = score_accounts(SEED_CARD, input_path)
    with Transport(destination, Secret(token), sleep=sleep or Sleeper()) as transport:
        return push(destination, scored, out, transport=transport, **options)


def expected_values(destination, input_path, key_column):
    """What each record should hold, from the same scores the export writes."""
    scored = score_accounts(SEED_CARD, input_path)
    values = {}
    for position, key in enumerate(scored.inputs[key_column].astype(str)):
        row = scored.scores.iloc[position]
        key = destination.normalise_key(key)
        values[key] = destination.values(
            int(row["icp_score"]), str(row["icp_tier"]), str(row["icp_reasons"] or "")
        )
    return values


def failures(out):
    with open(out / "push-failures.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def assert_exactly_once(crm, keys, failed_keys):
    """The promise: every record written exactly once, or reported failed (and not written)."""
    twice = {k: n for k, n in crm.writes.items() if n > 1}
    assert not twice, f"records written more than once: {twice}"
    written = {k for k in keys if crm.writes[k] == 1}
    assert written.isdisjoint(failed_keys)
    assert written | set(failed_keys) == set(keys)


# ---------------------------------------------------------------------------------------------
# HubSpot


def test_hubspot_batches_of_100_then_only_changes(accounts, tmp_path):
    ids = hubspot_ids(250)
    input_path = write_input(accounts, tmp_path, 250, ids=("hs_object_id", ids))
    out = tmp_path / "push"
    with ContractCRM(hubspot_ids=ids) as crm:
        summary = run_push(HubSpot(), input_path, out, crm)
        assert [len(body["inputs"]) for _, body in crm.bodies] == [100, 100, 50]
        first = crm.bodies[0][1]["inputs"][0]
        assert set(first) == {"id", "properties", "objectWriteTraceId"}
        assert set(first["properties"]) == {"icp_score", "hs_ideal_customer_profile", "icp_reasons"}
        assert (summary.sent, summary.unchanged, summary.failed) == (250, 0, 0)
        assert_exactly_once(crm, ids, [])
        wanted = expected_values(HubSpot(), input_path, "hs_object_id")
        for key in ids:
            for name, value in wanted[key].items():
                assert crm.records[key][name] == value
        tiers = {crm.records[k]["hs_ideal_customer_profile"] for k in ids}
        assert tiers <= HUBSPOT_TIERS and len(tiers) > 2

        # The same scores again: nothing to send, not one request.
        before = crm.requests
        again = run_push(HubSpot(), input_path, out, crm)
        assert (again.sent, again.unchanged, again.failed) == (0, 250, 0)
        assert crm.requests == before

        # A record whose employees moved to another band: only its changed fields go out.
        changed = pd.read_csv(input_path, dtype=str)
        row = changed.index[changed["employees"].astype(float) < 50][0]
        changed.loc[row, "employees"] = "120"
        changed.to_csv(input_path, index=False)
        third = run_push(HubSpot(), input_path, out, crm)
        assert (third.sent, third.unchanged) == (1, 249)
        sent = crm.bodies[-1][1]["inputs"]
        assert [item["id"] for item in sent] == [changed.loc[row, "hs_object_id"]]
        assert "icp_score" in sent[0]["properties"]
        assert crm.writes[changed.loc[row, "hs_object_id"]] == 2  # one write per real change
        summary_file = json.loads((out / "push-summary.json").read_text())
        assert summary_file["sent"] == 1 and summary_file["unchanged"] == 249


def test_hubspot_rate_limits_bursts_and_lost_replies(accounts, tmp_path):
    ids = hubspot_ids(450)
    input_path = write_input(accounts, tmp_path, 450, ids=("hs_object_id", ids))
    out = tmp_path / "push"
    script = {
        1: "429",  # a burst of three 429s with Retry-After: 2
        2: "429",
        3: "429",
        5: "drop-after",  # applied, then the connection drops: must not be written twice
        7: "drop-before",  # dropped before applying: must be written once, later
        9: "503",
    }
    sleeper = Sleeper()
    with ContractCRM(hubspot_ids=ids, window=(3, 400), script=script) as crm:
        summary = run_push(HubSpot(), input_path, out, crm, sleep=sleeper)
        assert summary.failed == 0, failures(out)
        assert_exactly_once(crm, ids, [])
        assert summary.sent == 450
        assert summary.verified_after_lost_reply == 100  # the batch applied before the drop
        assert sleeper.waits.count(2.0) >= 3  # Retry-After honoured on each 429 of the burst
        assert 0.4 in sleeper.waits  # X-HubSpot-RateLimit-Interval-Milliseconds honoured
        assert summary.rate_limited >= 3


def test_hubspot_failed_records_are_reported_with_reasons(accounts, tmp_path):
    ids = hubspot_ids(200)
    known = ids[:190]  # ten companies were deleted in HubSpot since the export
    rejected = ids[42]  # a validation rule refuses this one's value: HubSpot 400s its batch
    input_path = write_input(accounts, tmp_path, 200, ids=("hs_object_id", ids))
    out = tmp_path / "push"
    with ContractCRM(hubspot_ids=known, reject_ids=[rejected]) as crm:
        summary = run_push(HubSpot(), input_path, out, crm)
    reported = {row["Record ID"]: row for row in failures(out)}
    assert set(reported) == {*ids[190:], rejected}
    assert all("OBJECT_NOT_FOUND" in reported[k]["reason"] for k in ids[190:])
    assert "VALIDATION_ERROR" in reported[rejected]["reason"]
    assert reported[rejected]["line"] == "44"  # header is line 1, ids[42] is on line 44
    assert reported[ids[195]]["fields"] == "icp_score;hs_ideal_customer_profile;icp_reasons"
    assert (summary.sent, summary.failed) == (189, 11)
    assert_exactly_once(crm, ids, set(reported))


def test_hubspot_daily_limit_stops_and_the_next_run_resumes(accounts, tmp_path):
    ids = hubspot_ids(300)
    input_path = write_input(accounts, tmp_path, 300, ids=("hs_object_id", ids))
    out = tmp_path / "push"
    with ContractCRM(hubspot_ids=ids, script={2: "429-daily"}) as crm:
        first = run_push(HubSpot(), input_path, out, crm)
        assert "daily" in first.stopped
        assert (first.sent, first.failed) == (100, 200)
        assert all("not sent" in row["reason"] for row in failures(out))
        second = run_push(HubSpot(), input_path, out, crm)
        assert (second.sent, second.unchanged, second.failed) == (200, 100, 0)
        assert_exactly_once(crm, ids, [])
        assert failures(out) == []


def test_hubspot_upsert_on_a_unique_property(accounts, tmp_path):
    keys = [f"acct-{i}" for i in range(120)]
    input_path = write_input(accounts, tmp_path, 120, ids=("icp_account_key", keys))
    out = tmp_path / "push"
    destination = HubSpot(key="property", id_property="icp_account_key")
    with ContractCRM(script={2: "drop-after"}) as crm:
        summary = run_push(destination, input_path, out, crm, key_column="icp_account_key")
        assert all(item["idProperty"] == "icp_account_key" for item in crm.bodies[0][1]["inputs"])
        assert (summary.sent, summary.failed) == (120, 0)
        assert summary.verified_after_lost_reply == 20
        assert_exactly_once(crm, keys, [])


def test_hubspot_interrupt_during_backoff_then_resume(accounts, tmp_path):
    ids = hubspot_ids(250)
    input_path = write_input(accounts, tmp_path, 250, ids=("hs_object_id", ids))
    out = tmp_path / "push"
    with ContractCRM(hubspot_ids=ids, script={2: "429"}) as crm:
        with pytest.raises(KeyboardInterrupt):
            run_push(HubSpot(), input_path, out, crm, sleep=Sleeper(interrupt_at=1))
        assert json.loads((out / "push-summary.json").read_text())["interrupted"] is True
        resumed = run_push(HubSpot(), input_path, out, crm)
        assert (resumed.sent, resumed.unchanged, resumed.failed) == (150, 100, 0)
        assert_exactly_once(crm, ids, [])


def test_killed_mid_batch_then_resumed_by_the_cli(accounts, tmp_path):
    """A hard kill (no cleanup) after the CRM applied a batch but before the reply was read:
    the journal makes the next run read those records back instead of writing them again."""
    ids = hubspot_ids(300)
    input_path = write_input(accounts, tmp_path, 300, ids=("hs_object_id", ids))
    out = tmp_path / "push"
    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": TOKEN}
    with ContractCRM(hubspot_ids=ids, script={2: "hold-after"}) as crm:
        command = [
            sys.executable,
            "-m",
            "icpkit",
            "push",
            "--to",
            "hubspot",
            "--scorecard",
            str(SEED_CARD),
            "--input",
            str(input_path),
            "--out",
            str(out),
            "--base-url",
            crm.url,
        ]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert crm.held.wait(90), process.communicate(timeout=5)
        process.kill()
        process.wait(timeout=30)
        crm.release.set()
        assert crm.writes[ids[150]] == 1  # the held batch did land
        resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr
        summary = json.loads((out / "push-summary.json").read_text())
        assert summary["recovered_from_interrupted_run"] == 100
        assert (summary["sent"], summary["unchanged"], summary["failed"]) == (100, 200, 0)
        assert_exactly_once(crm, ids, [])


def test_dry_run_sends_nothing_and_shows_the_plan(accounts, tmp_path):
    ids = hubspot_ids(150)
    input_path = write_input(accounts, tmp_path, 150, ids=("hs_object_id", ids))
    out = tmp_path / "push"
    with ContractCRM(hubspot_ids=ids) as crm:
        result = CliRunner().invoke(
            app,
            [
                "push",
                "--to",
                "hubspot",
                "--scorecard",
                str(SEED_CARD),
                "--input",
                str(input_path),
                "--out",
                str(out),
                "--dry-run",
                "--base-url",
                crm.url,
            ],
            env={"HUBSPOT_ACCESS_TOKEN": ""},
        )
        assert result.exit_code == 0, result.output
        assert crm.requests == 0
    assert "Would send 150 records" in result.output
    plan = pd.read_csv(out / "push-plan.csv", dtype=str, keep_default_na=False)
    assert plan["Record ID"].tolist() == ids
    assert set(plan["hs_ideal_customer_profile"]) <= HUBSPOT_TIERS
    assert not (out / "push-state.sqlite").exists()


def test_the_token_never_shows(accounts, tmp_path):
    ids = hubspot_ids(30)
    input_path = write_input(accounts, tmp_path, 30, ids=("hs_object_id", ids))
    out = tmp_path / "push"
    wrong = "pat-na1-SECRET-that-must-never-be-printed"
    token_file = tmp_path / "token.txt"
    token_file.write_text(wrong + "\n")
    token_file.chmod(0o600)
    with ContractCRM(hubspot_ids=ids) as crm:
        result = CliRunner().invoke(
            app,
            [
                "push",
                "--to",
                "hubspot",
                "--scorecard",
                str(SEED_CARD),
                "--input",
                str(input_path),
                "--out",
                str(out),
                "--token-file",
                str(token_file),
                "--base-url",
                crm.url,
            ],
        )
    assert result.exit_code == 1
    assert "refused the access token" in result.output
    assert wrong not in result.output
    for path in out.iterdir():
        assert wrong.encode() not in path.read_bytes(), path
    assert len(failures(out)) == 30
    assert crm.writes == Counter()


def test_push_refuses_plain_http_to_a_remote_host_and_missing_tokens(accounts, tmp_path):
    input_path = write_input(accounts, tmp_path, 5, ids=("hs_object_id", hubspot_ids(5)))
    base = [
        "push",
        "--to",
        "hubspot",
        "--scorecard",
        str(SEED_CARD),
        "--input",
        str(input_path),
        "--out",
        str(tmp_path / "o"),
    ]
    remote = CliRunner().invoke(
        app, [*base, "--base-url", "http://crm.example.com"], env={"HUBSPOT_ACCESS_TOKEN": TOKEN}
    )
    assert remote.exit_code != 0
    assert "unencrypted" in str(remote.exception)
    missing = CliRunner().invoke(app, base, env={"HUBSPOT_ACCESS_TOKEN": ""})
    assert "HUBSPOT_ACCESS_TOKEN" in str(missing.exception)


# ---------------------------------------------------------------------------------------------
# Salesforce


def test_salesforce_collections_of_200_with_limits_and_lost_replies(accounts, tmp_path):
    ids15 = salesforce_15(450)
    ids18 = [i + salesforce_checksum(i) for i in ids15]
    deleted = ids18[300:305]
    known = [i for i in ids18 if i not in deleted]
    input_path = write_input(accounts, tmp_path, 450, ids=("Id", ids15))  # report-style ids
    out = tmp_path / "push"
    script = {1: "sf-concurrent", 3: "drop-after", 5: "503"}
    base = Salesforce(base_url="")
    with ContractCRM(salesforce_ids=known, script=script) as crm:
        summary = run_push(base, input_path, out, crm)
        sizes = [len(body["records"]) for _, body in crm.bodies]
        assert max(sizes) == 200 and sum(sizes) >= 450
        first = crm.bodies[0][1]
        assert first["allOrNone"] is False
        record = first["records"][0]
        assert record["attributes"] == {"type": "Account"}
        assert record["id"] == ids18[0]  # sent as the 18-character case-safe id
        assert isinstance(record["ICP_Score__c"], int)
        # The batch applied before its connection dropped: 195 read back as written; its 5
        # deleted accounts were not, so they went again and failed for their own reason.
        assert summary.verified_after_lost_reply == 195
        assert summary.rate_limited == 1
    reported = {row["Id"]: row["reason"] for row in failures(out)}
    assert set(reported) == set(deleted)
    assert all(reason.startswith("ENTITY_IS_DELETED") for reason in reported.values())
    assert_exactly_once(crm, ids18, deleted)
    wanted = expected_values(Salesforce(), input_path, "Id")
    assert all(crm.records[k]["ICP_Tier__c"] == wanted[k]["ICP_Tier__c"] for k in known)


def test_salesforce_daily_allocation_stops_then_external_id_upsert_resumes(accounts, tmp_path):
    keys = [f"ACME-{i:05d}" for i in range(420)]
    input_path = write_input(accounts, tmp_path, 420, ids=("Ext_Id__c", keys))
    out = tmp_path / "push"
    with ContractCRM(script={2: "sf-total"}) as crm:
        first = run_push(Salesforce(external_id="Ext_Id__c"), input_path, out, crm)
        assert "allocation" in first.stopped
        assert (first.sent, first.failed) == (200, 220)
        path = crm.bodies[0][0]
        assert path == f"/services/data/{SF_VERSION}/composite/sobjects/Account/Ext_Id__c"
        assert "id" not in crm.bodies[0][1]["records"][0]
        second = run_push(Salesforce(external_id="Ext_Id__c"), input_path, out, crm)
        assert (second.sent, second.unchanged, second.failed) == (220, 200, 0)
        assert_exactly_once(crm, keys, [])


def test_salesforce_ids_are_made_case_safe():
    # Pairs from Salesforce's documented checksum, as published converters compute them.
    assert salesforce_id_18("003D0000001aH2A") == "003D0000001aH2AIAU"
    assert salesforce_id_18("0A3D0000001aH2A") == "0A3D0000001aH2AKAU"
    assert salesforce_id_18("00D000000000062") == "00D000000000062EAA"
    assert salesforce_id_18("0A3D0000001aH2AKAU") == "0A3D0000001aH2AKAU"
    for bad in ("001", "001D0000001aH2A!", "003D0000001aH2AI!U", ""):
        with pytest.raises(ValueError):
            salesforce_id_18(bad)


def test_an_unreachable_crm_stops_the_run_after_one_batch(accounts, tmp_path):
    ids = hubspot_ids(250)
    input_path = write_input(accounts, tmp_path, 250, ids=("hs_object_id", ids))
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # a port nothing listens on
    port = closed.getsockname()[1]
    closed.close()
    destination = HubSpot(base_url=f"http://127.0.0.1:{port}")
    scored = score_accounts(SEED_CARD, input_path)
    sleeper = Sleeper()
    with Transport(destination, Secret(TOKEN), sleep=sleeper, max_attempts=4) as transport:
        summary = push(destination, scored, tmp_path / "push", transport=transport)
    assert "cannot reach" in summary.stopped
    assert (summary.sent, summary.failed, summary.requests) == (0, 250, 4)
    assert len(sleeper.waits) == 4  # backed off between attempts, then stopped
    assert {row["reason"] for row in failures(tmp_path / "push")} == {
        f"not sent: {summary.stopped}"
    }


def test_a_missing_property_stops_at_once_and_says_what_to_create(accounts, tmp_path):
    ids = hubspot_ids(250)
    input_path = write_input(accounts, tmp_path, 250, ids=("hs_object_id", ids))
    fields = {"score": "fit_score", "tier": "hs_ideal_customer_profile", "reasons": "icp_reasons"}
    with ContractCRM(hubspot_ids=ids) as crm:
        summary = run_push(HubSpot(fields=fields), input_path, tmp_path / "push", crm)
    assert "create fit_score, icp_reasons on companies first" in summary.stopped
    assert (summary.requests, summary.failed) == (1, 250)


@pytest.mark.slow
def test_a_batch_refused_record_by_record_stops_the_run(accounts, tmp_path):
    ids = hubspot_ids(250)
    input_path = write_input(accounts, tmp_path, 250, ids=("hs_object_id", ids))
    with ContractCRM(hubspot_ids=ids, reject_ids=ids) as crm:
        summary = run_push(HubSpot(), input_path, tmp_path / "push", crm)
    assert "refused every record of a batch" in summary.stopped
    assert summary.requests == 199  # 100 records halved down to each one, then no more
    assert (summary.sent, summary.failed) == (0, 250)
    reasons = [row["reason"] for row in failures(tmp_path / "push")]
    assert sum(r.startswith("HTTP 400: VALIDATION_ERROR") for r in reasons) == 100
    assert sum(r.startswith("not sent:") for r in reasons) == 150
