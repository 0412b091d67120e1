"""What a running server knows and how it keeps it fresh: the live scorecard, the live keys,
the audit entries waiting to be written, and the scoring queue.

**Hot swap.** The live scorecard is one immutable :class:`LiveCard` held in one attribute.
Replacing it is a single assignment, so a request that already took the old one finishes with
it (and says so in its answer), the next request takes the new one, and none is dropped.
A background thread polls the workspace about once a second, so a version activated with
``icpkit versions activate`` in another terminal, or saved in the web editor, goes live within
a second or two. The same poll refreshes the keys (a revoked key stops working) and copies the
audit journal into the workspace every few seconds, off the request path.

**Audit.** A scoring call is answered only once its audit entry is on disk, in the journal
(:mod:`icpkit.serve.audit`): a server killed at any moment has lost no entry of a call it
answered; the next start copies what the journal holds into the workspace.

**Where scoring runs.** A lead takes about a tenth of a millisecond (see
:class:`~icpkit.serve.scoring.CardScorer`), so it is scored on the event loop. Batches go to one
scoring thread, and the requests that arrive while it works are scored together next.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from icpkit.scorecard.model import Scorecard
from icpkit.serve.audit import AuditJournal, read_segment
from icpkit.serve.scoring import CardScorer, ScoredAccount
from icpkit.workspace import AuditEntry, KeyRing, Workspace

log = logging.getLogger("icpkit.serve")


@dataclass(frozen=True)
class LiveCard:
    """A scorecard version as served: its number, the card and its scorer."""

    version: int
    card: Scorecard
    scorer: CardScorer = field(compare=False)

    @classmethod
    def of(cls, version: int, card: Scorecard) -> LiveCard:
        return cls(version, card, CardScorer(card))


@dataclass
class _Job:
    live: LiveCard
    accounts: Sequence[Mapping[str, Any]]
    future: Future


# Requests of at most this many companies are scored on the event loop itself.
INLINE_ROWS = 20


class ScoringQueue:
    """Big jobs go to one scoring thread, so a batch of 1,000 never stalls the server; jobs
    that queue up meanwhile are scored as one batch. Small ones are scored at once."""

    def __init__(self, *, max_batch_rows: int = 2000) -> None:
        self.max_batch_rows = max_batch_rows
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="icpkit-scoring", daemon=True)
        self._thread.start()

    async def score(
        self, live: LiveCard, accounts: Sequence[Mapping[str, Any]]
    ) -> list[ScoredAccount]:
        if len(accounts) <= INLINE_ROWS:
            # A lead or a handful take ~0.1 ms: scoring them here costs less than a thread
            # hop, unless the scorer is busy with a big batch (then they queue behind it).
            results = live.scorer.try_score(accounts)
            if results is not None:
                return results
        future: Future = Future()
        self._jobs.put(_Job(live, accounts, future))
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        pending: _Job | None = None
        while True:
            job = pending or self._jobs.get()
            pending = None
            if job is None:
                return
            batch, rows = [job], len(job.accounts)
            # Take whatever else is already waiting for the same card, without waiting.
            while rows < self.max_batch_rows:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None or more.live is not job.live:
                    pending = more
                    break
                batch.append(more)
                rows += len(more.accounts)
            self._score(batch)

    @staticmethod
    def _score(batch: list[_Job]) -> None:
        accounts = [a for job in batch for a in job.accounts]
        try:
            results = batch[0].live.scorer.score(accounts)
        except Exception as error:  # a bug, not a user mistake: every waiting request learns
            for job in batch:
                job.future.set_exception(error)
            return
        start = 0
        for job in batch:
            job.future.set_result(results[start : start + len(job.accounts)])
            start += len(job.accounts)


class LiveState:
    """The server's view of the workspace, refreshed in the background."""

    def __init__(
        self,
        workspace: Workspace,
        journal: AuditJournal,
        *,
        refresh_seconds: float = 1.0,
        full_poll_seconds: float = 15.0,
        audit_seconds: float = 10.0,
        on_swap: Callable[[LiveCard], None] = lambda _: None,
    ) -> None:
        self.workspace = workspace
        self.refresh_seconds = refresh_seconds
        self.full_poll_seconds = full_poll_seconds
        self.audit_seconds = audit_seconds
        self.on_swap = on_swap
        version, card = workspace.active()
        self.live = LiveCard.of(version, card)
        self.keys: KeyRing = workspace.key_ring()
        self.journal = journal
        self._stamp_lock = threading.Lock()
        self._last_stamp: datetime | None = None
        self._stop = threading.Event()
        self._revision = workspace.revision()
        self._last_poll = self._last_audit = time.monotonic()
        self._thread: threading.Thread | None = None
        on_swap(self.live)

    # ---- the live scorecard ---------------------------------------------------------------

    def swap(self, version: int, card: Scorecard | None = None) -> LiveCard:
        """Serve ``version`` from now on (loading it from the workspace unless given)."""
        if card is None:
            card = self.workspace.get(version)
        live = LiveCard.of(version, card)
        self.live = live  # one assignment: requests in flight keep the card they took
        self.on_swap(live)
        log.info("now serving scorecard version %d", version)
        return live

    # ---- audit ------------------------------------------------------------------------------

    async def audit(
        self, key_name: str, version: int, identifiers: Sequence[str], route: str
    ) -> None:
        """Record a scoring call; returns once the entry is on disk (the journal)."""
        entry = self.workspace.audit_entry(key_name, version, identifiers, route=route)
        with self._stamp_lock:
            # Stamps strictly increase, so an entry copied twice is recognised as one.
            if self._last_stamp is not None and entry.at <= self._last_stamp:
                entry = replace(entry, at=self._last_stamp + timedelta(microseconds=1))
            self._last_stamp = entry.at
        await self.journal.append(entry)

    def _take_audit(self) -> tuple[list[Path], list[AuditEntry]]:
        """The journal's closed segments and their entries, to copy into the workspace."""
        segments = self.journal.rotate()
        return segments, [e for segment in segments for e in read_segment(segment)]

    # ---- refreshing -------------------------------------------------------------------------

    def start(self) -> None:
        # What a server killed earlier left in the journal goes into the workspace first.
        if self.journal.segments():
            self.refresh(force=True)
        self._thread = threading.Thread(target=self._loop, name="icpkit-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.refresh(force=True)  # copy the last audit entries into the workspace
        self.journal.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            try:
                self.refresh()
            except Exception:  # keep serving what we have; the next poll tries again
                log.exception("could not refresh from the workspace")

    def refresh(self, *, force: bool = False) -> None:
        """Copy the audit journal into the workspace and pick up a new active version or
        changed keys.

        An idle DuckDB workspace is only opened when its file changed, or every
        ``full_poll_seconds`` in any case. Audit entries are written every ``audit_seconds``:
        opening a DuckDB file costs tens of milliseconds of CPU that requests would feel."""
        now = time.monotonic()
        segments: list[Path] = []
        entries: list[AuditEntry] = []
        if force or now - self._last_audit >= self.audit_seconds:
            (segments, entries), self._last_audit = self._take_audit(), now
        revision = self.workspace.revision()
        due = time.monotonic() - self._last_poll >= self.full_poll_seconds
        if not (force or segments or due or revision is None or revision != self._revision):
            return
        snapshot = self.workspace.sync(entries)  # on failure the segments wait for next time
        for segment in segments:
            segment.unlink(missing_ok=True)
        self._last_poll = time.monotonic()
        self._revision = self.workspace.revision()
        self.keys = snapshot.key_ring
        if snapshot.active_version is not None and snapshot.active_version != self.live.version:
            self.swap(snapshot.active_version)
