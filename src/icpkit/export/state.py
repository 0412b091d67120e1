"""The push state file: what was last written to each record, and what was in flight.

One SQLite file in the push's output folder. ``sent`` holds, per place written to and record,
the field values the CRM confirmed; a later push sends only fields whose values differ. Before
a batch goes out its records are journalled in ``in_flight``; the journal entry is cleared when
the reply is read. An entry still there when a run starts means the run before stopped between
sending and hearing back (killed, power cut): those records are read back from the CRM before
anything is sent again, so a write that did land is not made twice.

Every change is committed at once, so a run can stop at any moment without losing what the
CRM confirmed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from icpkit.errors import IcpkitError
from icpkit.export.destination import Values

FILE_NAME = "push-state.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (
    target TEXT NOT NULL, key TEXT NOT NULL, fields TEXT NOT NULL, confirmed_at TEXT NOT NULL,
    PRIMARY KEY (target, key));
CREATE TABLE IF NOT EXISTS in_flight (
    target TEXT NOT NULL, key TEXT NOT NULL, fields TEXT NOT NULL, started_at TEXT NOT NULL,
    PRIMARY KEY (target, key));
"""


class PushState:
    """The state of pushes to one ``target`` (see :meth:`Destination.target`)."""

    def __init__(self, path: Path, target: str) -> None:
        self.path = path
        self.target = target
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise IcpkitError(f"not a usable push state file ({error})", file=path) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PushState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def last_sent(self) -> dict[str, Values]:
        """Every record's confirmed field values, by key."""
        rows = self._db.execute("SELECT key, fields FROM sent WHERE target = ?", (self.target,))
        return {key: json.loads(fields) for key, fields in rows}

    def in_flight(self) -> dict[str, Values]:
        """Records sent by a run that stopped before hearing back, with the values sent."""
        rows = self._db.execute(
            "SELECT key, fields FROM in_flight WHERE target = ?", (self.target,)
        )
        return {key: json.loads(fields) for key, fields in rows}

    def begin(self, changes: Iterable[tuple[str, Values]]) -> None:
        now = _now()
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO in_flight VALUES (?, ?, ?, ?)",
                [(self.target, key, _dump(values), now) for key, values in changes],
            )

    def confirm(self, confirmed: Iterable[tuple[str, Values]]) -> None:
        """The CRM holds these values: merge them into ``sent`` and end their journal entry."""
        now = _now()
        with self._transaction():
            for key, values in confirmed:
                row = self._db.execute(
                    "SELECT fields FROM sent WHERE target = ? AND key = ?", (self.target, key)
                ).fetchone()
                merged = {**(json.loads(row[0]) if row else {}), **values}
                self._db.execute(
                    "INSERT OR REPLACE INTO sent VALUES (?, ?, ?, ?)",
                    (self.target, key, _dump(merged), now),
                )
                self._forget(key)

    def settle(self, keys: Iterable[str]) -> None:
        """End the journal entries of records known not to have been written."""
        with self._transaction():
            for key in keys:
                self._forget(key)

    def _forget(self, key: str) -> None:
        self._db.execute("DELETE FROM in_flight WHERE target = ? AND key = ?", (self.target, key))

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")


def _dump(values: Values) -> str:
    return json.dumps(values, sort_keys=True, ensure_ascii=False)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
