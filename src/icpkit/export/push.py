"""``icpkit push``: scores into the CRM through its batch API, each record written once.

The run, step by step:

1. Records left *in flight* by an interrupted run (sent, reply never read) are read back from
   the CRM; those that hold what was sent are confirmed, the others will be sent again.
2. Each scored row is compared with what the state file says the CRM last confirmed; only the
   fields whose values differ are sent, and records with no difference count as unchanged.
3. Changes go out in batches of the CRM's size (100 for HubSpot, 200 for Salesforce), each
   journalled before it is sent. Rate limits are waited out (see :mod:`.transport`). A batch
   the CRM refuses whole, for a value in some record, is split in halves until the record at
   fault is found, so the others still get written. A reply lost to a dropped connection or a
   server error is settled by reading the records back and sending only those that lack the
   values, so no record is written twice.
4. Every record ends as sent, unchanged or failed; each failure is written with its reason to
   ``push-failures.csv``, and the counts to ``push-summary.json``. Failed records are not in the
   state file, so the next run tries them again.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from icpkit.csvsafe import write_safe_csv
from icpkit.export.destination import Change, Destination, Values, same_value
from icpkit.export.hubspot import HubSpot
from icpkit.export.keys import Skipped, keyed_rows
from icpkit.export.salesforce import Salesforce
from icpkit.export.scores import ScoredAccounts
from icpkit.export.state import FILE_NAME, PushState
from icpkit.export.transport import GaveUp, StopRun, Transport, Unconfirmed

FAILURES_FILE = "push-failures.csv"
SUMMARY_FILE = "push-summary.json"
PLAN_FILE = "push-plan.csv"
# How many times a batch whose reply was lost is read back and re-sent before giving up.
MAX_RECOVERIES = 5


@dataclass(frozen=True)
class Failure:
    key: str
    line: int | None
    fields: tuple[str, ...]
    reason: str


@dataclass
class PushPlan:
    """What a push will do: the changes to send, in input order, and what needs nothing."""

    records: int
    changes: list[Change]
    unchanged: int
    failures: list[Failure]
    lines: dict[str, int]
    key_column: str


@dataclass
class PushSummary:
    records: int
    sent: int = 0
    unchanged: int = 0
    failed: int = 0
    verified_after_lost_reply: int = 0
    recovered_from_interrupted_run: int = 0
    requests: int = 0
    rate_limited: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    dry_run: bool = False
    stopped: str | None = None
    interrupted: bool = False
    files: dict[str, str] = field(default_factory=dict)


def plan_push(
    destination: Destination | HubSpot | Salesforce,
    scored: ScoredAccounts,
    last_sent: dict[str, Values],
    *,
    key_column: str | None = None,
) -> PushPlan:
    """Compare each scored row with what the CRM last confirmed (``last_sent``)."""
    column = scored.pick_column(
        key_column, destination.key_columns(), f"the {destination.key_header()} of each record"
    )
    skipped: list[Skipped] = []
    changes, lines, unchanged = [], {}, 0
    rows = keyed_rows(scored, column, destination.normalise_key, skipped)
    for row in rows:
        wanted = destination.values(*scored.fit(row.position))
        previous = last_sent.get(row.key, {})
        changed = {
            name: value
            for name, value in wanted.items()
            if name not in previous or not same_value(value, previous[name])
        }
        lines[row.key] = row.line
        if changed:
            changes.append(Change(row.key, changed))
        else:
            unchanged += 1
    failures = [Failure(s.value, s.line, (), s.reason) for s in skipped]
    return PushPlan(len(scored), changes, unchanged, failures, lines, column)


class Pusher:
    """Sends a plan's changes through ``transport`` and records every outcome in ``state``."""

    def __init__(
        self,
        destination: Destination,
        transport: Transport,
        state: PushState,
        *,
        progress: Callable[[int], None] = lambda n: None,
    ) -> None:
        self.destination = destination
        self.transport = transport
        self.state = state
        self.progress = progress
        self.sent_keys: set[str] = set()
        self.verified = 0
        self.failures: dict[str, Failure] = {}
        self._rejected: set[str] = set()
        self._lines: dict[str, int] = {}

    # -- an interrupted run's journal ------------------------------------------------------

    def recover_in_flight(self) -> int:
        """Confirm the journalled records the CRM holds; forget the others. Returns how many
        were confirmed."""
        journal = self.state.in_flight()
        keys = list(journal)
        confirmed = 0
        for start in range(0, len(keys), self.destination.batch_limit):
            chunk = keys[start : start + self.destination.batch_limit]
            fields = sorted({name for key in chunk for name in journal[key]})
            current = self._read_back(chunk, fields)
            landed = [(k, journal[k]) for k in chunk if _holds(current.get(k), journal[k])]
            self.state.confirm(landed)
            self.state.settle(k for k in chunk if not _holds(current.get(k), journal[k]))
            confirmed += len(landed)
        return confirmed

    # -- sending ---------------------------------------------------------------------------

    def send(self, plan: PushPlan) -> str | None:
        """Send every change; returns why the run stopped early, or None."""
        self._lines = plan.lines
        limit = self.destination.batch_limit
        try:
            for start in range(0, len(plan.changes), limit):
                batch = plan.changes[start : start + limit]
                self._write(batch, recoveries=0)
                self.progress(len(batch))
                self._stop_if_all_rejected(batch)
        except StopRun as stop:
            self.fail_unsent(plan, f"not sent: {stop}")
            return str(stop)
        return None

    def _stop_if_all_rejected(self, batch: list[Change]) -> None:
        # Every record refused one by one points at the setup (a field's type, a validation
        # rule), not at the records: splitting every later batch would only waste requests.
        if len(batch) > 1 and all(c.key in self._rejected for c in batch):
            reason = self.failures[batch[0].key].reason
            raise StopRun(f"the CRM refused every record of a batch, one by one ({reason})")

    def fail_unsent(self, plan: PushPlan, reason: str) -> None:
        """Every change of ``plan`` with no outcome yet fails with ``reason``."""
        self._lines = plan.lines
        for change in plan.changes:
            if change.key not in self.sent_keys and change.key not in self.failures:
                self._fail(change, reason)

    def _write(self, changes: list[Change], recoveries: int) -> None:
        self.state.begin((c.key, c.values) for c in changes)
        try:
            reply = self.transport.call(self.destination.write_request(changes))
        except Unconfirmed as lost:
            self._recover(changes, str(lost), recoveries)
            return
        except StopRun:
            self.state.settle(c.key for c in changes)
            raise
        outcome = self.destination.read_write_reply(reply, changes)
        if outcome.rejected is not None:
            self.state.settle(c.key for c in changes)
            self._split(changes, outcome.rejected, recoveries)
            return
        self._confirm([c for c in changes if c.key in outcome.done])
        self.state.settle(c.key for c in changes if c.key not in outcome.done)
        for change in changes:
            if change.key not in outcome.done:
                self._fail(change, outcome.failed.get(change.key, "no outcome in the reply"))

    def _split(self, changes: list[Change], reason: str, recoveries: int) -> None:
        """The CRM refused the whole batch for some record's value: halve until it is found."""
        if len(changes) == 1:
            self._fail(changes[0], reason)
            self._rejected.add(changes[0].key)
            return
        middle = len(changes) // 2
        self._write(changes[:middle], recoveries)
        self._write(changes[middle:], recoveries)

    def _recover(self, changes: list[Change], lost: str, recoveries: int) -> None:
        """A reply was lost: the CRM may hold the values. Read back, re-send only what lacks."""
        fields = sorted({name for c in changes for name in c.values})
        try:
            current = self._read_back([c.key for c in changes], fields)
        except (GaveUp, StopRun) as error:
            # The journal keeps these records, so the next run reads them back first.
            for change in changes:
                self._fail(change, f"sent but not confirmed ({lost}); reading back failed: {error}")
            if isinstance(error, StopRun):
                raise
            return
        landed = [c for c in changes if _holds(current.get(c.key), c.values)]
        self._confirm(landed)
        self.verified += len(landed)
        missing = [c for c in changes if not _holds(current.get(c.key), c.values)]
        self.state.settle(c.key for c in missing)
        if not missing:
            return
        if recoveries >= MAX_RECOVERIES:
            for change in missing:
                self._fail(change, f"not written: {lost} (tried {recoveries + 1} times)")
            return
        self._write(missing, recoveries + 1)

    def _read_back(self, keys: list[str], fields: list[str]) -> dict[str, Values]:
        """Current values of ``keys``, retrying while the read itself is lost."""
        request = self.destination.readback_request(keys, fields)
        last = ""
        for attempt in range(MAX_RECOVERIES):
            try:
                reply = self.transport.call(request)
                return self.destination.read_readback_reply(reply, keys)
            except (Unconfirmed, ValueError) as error:  # a read changes nothing: just retry
                last = str(error)
                self.transport.wait_before_retry(random.uniform(0.5, 1.0) * min(30.0, 2.0**attempt))
        raise GaveUp(f"cannot read the records back ({last})")

    def _confirm(self, changes: list[Change]) -> None:
        self.state.confirm((c.key, c.values) for c in changes)
        self.sent_keys.update(c.key for c in changes)

    def _fail(self, change: Change, reason: str) -> None:
        self.failures[change.key] = Failure(
            change.key, self._lines.get(change.key), tuple(change.values), reason
        )


def _holds(current: Values | None, wanted: Values) -> bool:
    if current is None:
        return False
    return all(same_value(value, current.get(name)) for name, value in wanted.items())


# -- reports ----------------------------------------------------------------------------------


def write_failures(failures: list[Failure], out_dir: Path, key_header: str) -> Path:
    """Every record not written, with its line in the input and the reason (header only when
    there is none, so an old list never lingers)."""
    path = out_dir / FAILURES_FILE
    rows = [
        {
            key_header: f.key,
            "line": f.line,
            "fields": ";".join(f.fields),
            "reason": f.reason,
        }
        for f in failures
    ]
    frame = pd.DataFrame(rows, columns=[key_header, "line", "fields", "reason"])
    frame["line"] = frame["line"].astype("Int64")
    write_safe_csv(frame, path)
    return path


def write_plan(plan: PushPlan, out_dir: Path, key_header: str) -> Path:
    """``--dry-run``: each record that would be sent, with the new value of each changed field."""
    path = out_dir / PLAN_FILE
    names = list(dict.fromkeys(name for c in plan.changes for name in c.values))
    rows = [{key_header: c.key, "line": plan.lines.get(c.key), **c.values} for c in plan.changes]
    write_safe_csv(pd.DataFrame(rows, columns=[key_header, "line", *names]), path)
    return path


def write_summary(summary: PushSummary, out_dir: Path) -> Path:
    path = out_dir / SUMMARY_FILE
    path.write_text(json.dumps(asdict(summary), indent=2) + "\n", encoding="utf-8")
    return path


# -- the whole run ----------------------------------------------------------------------------


def push(
    destination: HubSpot | Salesforce,
    scored: ScoredAccounts,
    out_dir: Path,
    *,
    transport: Transport | None,
    key_column: str | None = None,
    dry_run: bool = False,
    resend_all: bool = False,
    progress: Callable[[int], None] = lambda n: None,
    on_plan: Callable[[PushPlan], None] = lambda plan: None,
) -> PushSummary:
    """Push ``scored`` to ``destination``; state and reports go to ``out_dir``.

    ``transport`` may be None only for a dry run, which reads the state file but sends and
    changes nothing.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    state_path = out_dir / FILE_NAME
    summary = PushSummary(records=len(scored), dry_run=dry_run)
    if dry_run:
        return _dry_run(destination, scored, state_path, summary, key_column, resend_all)
    if transport is None:
        raise ValueError("a push that is not a dry run needs a transport")
    with PushState(state_path, destination.target()) as state:
        pusher = Pusher(destination, transport, state, progress=progress)
        plan = None
        try:
            try:
                summary.recovered_from_interrupted_run = pusher.recover_in_flight()
            except (StopRun, GaveUp) as error:
                summary.stopped = f"records an interrupted run left in flight: {error}"
            last = {} if resend_all else state.last_sent()
            plan = plan_push(destination, scored, last, key_column=key_column)
            on_plan(plan)
            if summary.stopped:
                pusher.fail_unsent(plan, f"not sent: {summary.stopped}")
            else:
                summary.stopped = pusher.send(plan)
        except KeyboardInterrupt:
            summary.interrupted = True
            raise
        finally:
            _finish(summary, plan, pusher, transport, out_dir, destination, state_path)
    return summary


def _finish(
    summary: PushSummary,
    plan: PushPlan | None,
    pusher: Pusher,
    transport: Transport,
    out_dir: Path,
    destination: HubSpot | Salesforce,
    state_path: Path,
) -> None:
    failures = [*(plan.failures if plan else []), *pusher.failures.values()]
    summary.unchanged = plan.unchanged if plan else 0
    summary.sent = len(pusher.sent_keys)
    summary.verified_after_lost_reply = pusher.verified
    summary.failed = len(failures)
    for name in ("requests", "rate_limited", "retries"):
        setattr(summary, name, int(transport.counts[name]))
    summary.waited_seconds = round(float(transport.counts["waited_seconds"]), 3)
    failures_file = write_failures(failures, out_dir, destination.key_header())
    summary.files = {
        "failures": str(failures_file),
        "state": str(state_path),
        "summary": str(out_dir / SUMMARY_FILE),
    }
    write_summary(summary, out_dir)


def _dry_run(
    destination: HubSpot | Salesforce,
    scored: ScoredAccounts,
    state_path: Path,
    summary: PushSummary,
    key_column: str | None,
    resend_all: bool,
) -> PushSummary:
    last: dict[str, Values] = {}
    journal: dict[str, Values] = {}
    if state_path.exists() and not resend_all:
        with PushState(state_path, destination.target()) as state:
            last, journal = state.last_sent(), state.in_flight()
    plan = plan_push(destination, scored, last, key_column=key_column)
    out_dir = state_path.parent
    summary.sent = len(plan.changes)  # would be sent
    summary.unchanged = plan.unchanged
    summary.failed = len(plan.failures)
    summary.recovered_from_interrupted_run = len(journal)  # would be read back first
    summary.files = {
        "plan": str(write_plan(plan, out_dir, destination.key_header())),
        "failures": str(write_failures(plan.failures, out_dir, destination.key_header())),
        "summary": str(out_dir / SUMMARY_FILE),
    }
    write_summary(summary, out_dir)
    return summary
