"""The audit journal: every scoring call is on disk before its answer is sent.

Writing each call straight into the workspace database would cost tens of milliseconds a
request (a DuckDB file is opened per transaction, so other commands can take turns with the
server). Instead each entry is appended to a journal file beside the workspace as one line of
JSON, and the request waits until the line is written, flushed and ``fdatasync``-ed. Requests that
arrive together share one ``fsync`` (group commit), so the cost under load is one disk sync per
batch, not per request.

Every few seconds the server closes the journal as a numbered segment, starts a new one, copies
the segments into the workspace's audit log and deletes them. A server killed with ``kill -9``
leaves its segments behind; the next start copies them in. Entries already copied (the server
died after the copy, before the delete) are recognised and not written twice.

A journal is owned by one server at a time (an exclusive lock on ``<journal>.lock``): a second
server on the same journal is refused with a one-line error naming it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import queue
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from icpkit.errors import IcpkitError
from icpkit.workspace import AuditEntry

log = logging.getLogger("icpkit.serve")
# fdatasync writes the data and the file's size, skipping times nobody needs back.
_SYNC = getattr(os, "fdatasync", os.fsync)


class AuditJournal:
    """An append-only, fsync-ed file of audit entries, plus the closed segments not yet copied
    into the workspace."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise IcpkitError("the folder for the audit journal does not exist", file=self.path)
        self._lock_file = open(self.path.with_name(self.path.name + ".lock"), "a")  # noqa: SIM115
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            raise IcpkitError(
                "another server is using this audit journal; give each server its own",
                file=self.path,
            ) from None
        self._file_lock = threading.Lock()
        # What a previous run left (it was killed): closed as a segment like any other.
        if self.path.exists() and self.path.stat().st_size:
            self._close_segment()
        self._file = open(self.path, "ab")  # noqa: SIM115
        self._jobs: queue.SimpleQueue[
            tuple[bytes, asyncio.AbstractEventLoop, asyncio.Future] | None
        ] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="icpkit-audit", daemon=True)
        self._thread.start()

    # ---- writing ----------------------------------------------------------------------------

    async def append(self, entry: AuditEntry) -> None:
        """Return once ``entry`` is on disk (written, flushed and synced)."""
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._jobs.put((encode(entry), loop, waiter))
        await waiter

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            batch = [job]
            while True:  # everything already waiting goes out with the same sync
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._jobs.put(None)
                    break
                batch.append(more)
            error: Exception | None = None
            try:
                self._write(b"".join(line for line, _, _ in batch))
            except Exception as problem:  # the disk refused: the requests fail, none unaudited
                log.exception("could not write the audit journal %s", self.path)
                error = problem
            # One wake-up of the event loop for the whole batch.
            by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
            for _, loop, waiter in batch:
                by_loop.setdefault(loop, []).append(waiter)
            for loop, waiters in by_loop.items():
                # A closed loop (RuntimeError) has nobody waiting any more.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, waiters, error)

    def _write(self, data: bytes) -> None:
        with self._file_lock:
            start = self._file.tell()
            try:
                self._file.write(data)
                self._file.flush()
                _SYNC(self._file.fileno())
            except OSError:
                # No half line may stay behind to spoil the next one.
                self._file.truncate(start)
                raise

    # ---- handing over to the workspace --------------------------------------------------------

    def rotate(self) -> list[Path]:
        """Close what was written so far as a segment; return every segment waiting, oldest
        first."""
        with self._file_lock:
            if self._file.tell():
                self._file.close()
                self._close_segment()
                self._file = open(self.path, "ab")  # noqa: SIM115
        return self.segments()

    def segments(self) -> list[Path]:
        prefix = self.path.name + "."
        found = [
            p
            for p in self.path.parent.glob(self.path.name + ".*")
            if p.name[len(prefix) :].isdigit()
        ]
        return sorted(found, key=lambda p: int(p.name[len(prefix) :]))

    def _close_segment(self) -> None:
        existing = self.segments()
        prefix = len(self.path.name) + 1
        number = int(existing[-1].name[prefix:]) + 1 if existing else 1
        os.replace(self.path, self.path.with_name(f"{self.path.name}.{number}"))
        _sync_folder(self.path.parent)

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=10)
        with self._file_lock:
            self._file.close()
        self._lock_file.close()  # releases the lock


def _settle(waiters: list[asyncio.Future], error: Exception | None) -> None:
    for waiter in waiters:
        if waiter.done():  # the request was cancelled (client gone)
            continue
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(error)


def read_segment(path: Path) -> Iterator[AuditEntry]:
    """The entries of a segment; a line cut short by a crash (never answered) is skipped."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                yield decode(line)
            except (ValueError, KeyError, TypeError):
                log.warning("%s, line %d: not a whole audit entry, skipped", path.name, number)


def encode(entry: AuditEntry) -> bytes:
    record = {
        "at": entry.at.isoformat(timespec="microseconds"),
        "key": entry.key_name,
        "version": entry.scorecard_version,
        "route": entry.route,
        "accounts": entry.accounts,
        "hash": entry.identifiers_hash,
    }
    return json.dumps(record, ensure_ascii=True).encode("ascii") + b"\n"


def decode(line: bytes) -> AuditEntry:
    if not line.endswith(b"\n"):
        raise ValueError("cut short")
    record = json.loads(line)
    return AuditEntry(
        datetime.fromisoformat(record["at"]),
        str(record["key"]),
        int(record["version"]),
        str(record["route"]),
        int(record["accounts"]),
        str(record["hash"]),
    )


def default_path(workspace_location: str) -> Path:
    """Beside a DuckDB workspace; for PostgreSQL, in the current folder, named after the
    database (each server machine keeps its own)."""
    if "://" not in workspace_location:
        db = Path(workspace_location)
        return db.with_name(db.name + ".audit-journal")
    import hashlib

    digest = hashlib.sha256(workspace_location.encode()).hexdigest()[:12]
    return Path.cwd() / f"icpkit-audit-{digest}.journal"


def _sync_folder(folder: Path) -> None:
    """Make a rename durable: fsync the folder that holds it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
