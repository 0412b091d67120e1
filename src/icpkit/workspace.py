"""The workspace database: scorecard versions, API keys and the audit log of a team.

A workspace is one DuckDB file by default (nothing to install or run) or a PostgreSQL database
given by URL (``postgresql://user@host/db``) when several machines share it. It holds:

- **scorecard versions**: the TOML text of every card that was ever saved, numbered 1, 2, 3...,
  with the fingerprint of the data it was trained on, who saved it and why, and which one is
  active (the one ``icpkit serve`` scores with). Activations are logged, so a rollback goes
  back to the version that was live before, then the one before that.
- **API keys**: only a salted SHA-256 hash of each key is stored. A key is printed once when it
  is created and cannot be recovered; a revoked key stops working at once.
- **the audit log**: when, which key, which scorecard version, how many companies, and a keyed
  hash (HMAC) of the companies' identifiers. No raw names, domains or attributes are kept: the
  hash can confirm "was acme.com scored on that day?" for someone who holds the workspace, and
  tells nothing to someone who only sees the log.

Example::

    ws = Workspace.open("icpkit-workspace.duckdb")
    number = ws.save_version(card, author="ana", reason="first learned card", activate=True)
    token = ws.create_key("website-form")      # show it to the user once
    ws.check_key(token)                        # -> "website-form"
    version, card = ws.active()

Every call opens its own short connection: a DuckDB file can be written by one process at a
time, so the server and the ``icpkit keys`` / ``icpkit versions`` commands take turns instead
of locking each other out.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from icpkit.errors import IcpkitError
from icpkit.scorecard.io import dump_scorecard, parse_scorecard
from icpkit.scorecard.model import Scorecard

DEFAULT_PATH = "icpkit-workspace.duckdb"
ENVIRONMENT_VARIABLE = "ICPKIT_WORKSPACE"
SCHEMA_VERSION = "1"
TOKEN_PREFIX = "icpk_"
_KEY_ID_LENGTH = 12  # hex characters: public, identifies the row
_SECRET_LENGTH = 64  # hex characters: 32 random bytes, never stored
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS workspace_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS scorecard_versions (
        version INTEGER PRIMARY KEY,
        toml TEXT NOT NULL,
        name TEXT NOT NULL,
        data_fingerprint TEXT,
        author TEXT NOT NULL,
        reason TEXT NOT NULL,
        created_at TIMESTAMP NOT NULL,
        active BOOLEAN NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS scorecard_activations (
        seq INTEGER PRIMARY KEY,
        version INTEGER NOT NULL,
        author TEXT NOT NULL,
        activated_at TIMESTAMP NOT NULL,
        rolled_back BOOLEAN NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS api_keys (
        key_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        salt TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        rate_per_second DOUBLE PRECISION,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        scored_at TIMESTAMP NOT NULL,
        key_name TEXT NOT NULL,
        scorecard_version INTEGER NOT NULL,
        route TEXT NOT NULL,
        accounts INTEGER NOT NULL,
        identifiers_hash TEXT NOT NULL)""",
)


@dataclass(frozen=True)
class Version:
    """One saved scorecard: its number, who saved it, why, and whether it is live."""

    version: int
    name: str
    data_fingerprint: str | None
    author: str
    reason: str
    created_at: datetime
    active: bool


@dataclass(frozen=True)
class ApiKey:
    """What is known about a key without the key itself."""

    name: str
    key_id: str
    created_at: datetime
    revoked_at: datetime | None
    rate_per_second: float | None  # None: the server's default limit

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class AuditEntry:
    """One scoring call: no raw company data, only a keyed hash of the identifiers."""

    at: datetime
    key_name: str
    scorecard_version: int
    route: str  # "api", "web form", "csv upload"
    accounts: int
    identifiers_hash: str


@dataclass(frozen=True)
class _StoredKey:
    key: ApiKey
    salt: bytes
    secret_hash: str


class KeyRing:
    """The live (not revoked) keys at one moment, checked in memory.

    The server keeps one of these and refreshes it every second or so, so checking a key on
    each request costs a dictionary look-up and one SHA-256, not a database round trip.
    """

    def __init__(self, stored: Iterable[_StoredKey]) -> None:
        self._by_id = {s.key.key_id: s for s in stored if not s.key.revoked}

    def __len__(self) -> int:
        return len(self._by_id)

    def check(self, token: str) -> ApiKey | None:
        """The key a token belongs to, or None when it is unknown, malformed or revoked."""
        parts = _split_token(token)
        if parts is None:
            return None
        key_id, secret = parts
        stored = self._by_id.get(key_id)
        if stored is None:
            return None
        if not hmac.compare_digest(_hash_secret(stored.salt, secret), stored.secret_hash):
            return None
        return stored.key

    def by_id(self, key_id: str) -> ApiKey | None:
        """The live key with this public id (the web session cookie carries only the id)."""
        stored = self._by_id.get(key_id)
        return stored.key if stored else None


class Workspace:
    """A handle on the workspace database. Cheap to create; holds no open connection."""

    def __init__(self, backend: _Backend) -> None:
        self._backend = backend
        self._audit_secret: bytes | None = None

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, target: str | Path | None = None) -> Workspace:
        """Open (creating if needed) the workspace at a DuckDB file path or PostgreSQL URL.

        ``None`` means ``$ICPKIT_WORKSPACE``, else ``icpkit-workspace.duckdb`` in the current
        folder.
        """
        target = str(target or os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_PATH)
        backend: _Backend
        if target.startswith(("postgresql://", "postgres://")):
            backend = _Postgres(target)
        else:
            backend = _DuckDB(Path(target))
        workspace = cls(backend)
        workspace._create_schema()
        return workspace

    @property
    def location(self) -> str:
        """Where the workspace lives, with any password hidden."""
        return self._backend.label

    def _create_schema(self) -> None:
        with self._backend.transaction() as db:
            for statement in _SCHEMA:
                db.execute(statement)
            found = db.execute("SELECT value FROM workspace_meta WHERE key = 'schema'")
            if not found:
                db.execute("INSERT INTO workspace_meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                db.execute(
                    "INSERT INTO workspace_meta VALUES ('audit_secret', ?)",
                    (secrets.token_hex(32),),
                )
            elif found[0][0] != SCHEMA_VERSION:
                raise IcpkitError(
                    f"workspace schema {found[0][0]} is newer than this icpkit understands "
                    f"({SCHEMA_VERSION}); upgrade icpkit",
                    file=self.location,
                )

    # ---- scorecard versions --------------------------------------------------------------

    def save_version(
        self, card: Scorecard, *, author: str, reason: str, activate: bool = False
    ) -> int:
        """Store ``card`` as the next version and return its number.

        The stored TOML is the card written out with ``version = N``, so two versions always
        diff line by line. With ``activate`` the new version goes live in the same transaction.
        """
        author, reason = _required_text(author, "author"), _required_text(reason, "reason")
        fingerprint = card.trained_on.get("data_fingerprint")
        for _attempt in range(5):
            try:
                with self._backend.transaction() as db:
                    number = db.execute(
                        "SELECT COALESCE(MAX(version), 0) + 1 FROM scorecard_versions"
                    )[0][0]
                    text = dump_scorecard(replace(card, version=int(number)))
                    db.execute(
                        "INSERT INTO scorecard_versions VALUES (?, ?, ?, ?, ?, ?, ?, FALSE)",
                        (number, text, card.name, fingerprint, author, reason, _now()),
                    )
                    if activate:
                        self._activate_in(db, int(number), author)
                    return int(number)
            except self._backend.conflict_errors:
                time.sleep(0.05)  # another writer took the same number: take the next one
        raise IcpkitError("could not save the scorecard: the workspace is busy", file=self.location)

    def versions(self) -> list[Version]:
        """Every saved version, oldest first."""
        with self._backend.transaction() as db:
            rows = db.execute(
                "SELECT version, name, data_fingerprint, author, reason, created_at, active "
                "FROM scorecard_versions ORDER BY version"
            )
        return [Version(int(r[0]), r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]

    def text(self, version: int) -> str:
        """The TOML text of a version, exactly as stored."""
        with self._backend.transaction() as db:
            rows = db.execute("SELECT toml FROM scorecard_versions WHERE version = ?", (version,))
        if not rows:
            raise IcpkitError(f"there is no scorecard version {version}", file=self.location)
        return rows[0][0]

    def get(self, version: int) -> Scorecard:
        """The scorecard saved as ``version``."""
        return parse_scorecard(self.text(version), source=f"workspace version {version}")

    def activate(self, version: int, *, author: str = "") -> None:
        """Make ``version`` the one that is served. Running servers pick it up within about a
        second; requests already in flight finish on the version they started with."""
        with self._backend.transaction() as db:
            if not db.execute("SELECT 1 FROM scorecard_versions WHERE version = ?", (version,)):
                raise IcpkitError(f"there is no scorecard version {version}", file=self.location)
            self._activate_in(db, version, author or "unknown")

    def _activate_in(self, db: _Session, version: int, author: str) -> None:
        db.execute("UPDATE scorecard_versions SET active = (version = ?)", (version,))
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM scorecard_activations")[0][0]
        db.execute(
            "INSERT INTO scorecard_activations VALUES (?, ?, ?, ?, FALSE)",
            (seq, version, author, _now()),
        )

    def rollback(self, *, author: str = "") -> int:
        """Go back to the version that was live before the current one, and return it.

        Each rollback steps one activation further back, like an undo; activating a version
        afterwards starts a new line of history.
        """
        with self._backend.transaction() as db:
            history = db.execute(
                "SELECT seq, version FROM scorecard_activations WHERE NOT rolled_back "
                "ORDER BY seq DESC"
            )
            if not history:
                raise IcpkitError("no version has been activated yet", file=self.location)
            current = history[0][1]
            earlier = [(seq, v) for seq, v in history[1:] if v != current]
            if not earlier:
                raise IcpkitError(
                    f"nothing to roll back to: version {current} is the only one ever activated",
                    file=self.location,
                )
            undo = [seq for seq, v in history if seq > earlier[0][0]]
            for seq in undo:
                db.execute(
                    "UPDATE scorecard_activations SET rolled_back = TRUE WHERE seq = ?", (seq,)
                )
            target = int(earlier[0][1])
            db.execute("UPDATE scorecard_versions SET active = (version = ?)", (target,))
        return target

    def active_version(self) -> int | None:
        """The number of the live version (a cheap query the server polls), or None."""
        with self._backend.transaction() as db:
            rows = db.execute("SELECT version FROM scorecard_versions WHERE active")
        return int(rows[0][0]) if rows else None

    def active(self) -> tuple[int, Scorecard]:
        """The live version and its scorecard."""
        with self._backend.transaction() as db:
            rows = db.execute("SELECT version, toml FROM scorecard_versions WHERE active")
        if not rows:
            raise IcpkitError(
                "no scorecard is active in this workspace: give --scorecard FILE, or run "
                "`icpkit versions activate N`",
                file=self.location,
            )
        version, text = int(rows[0][0]), rows[0][1]
        return version, parse_scorecard(text, source=f"workspace version {version}")

    # ---- API keys ------------------------------------------------------------------------

    def create_key(self, name: str, *, rate_per_second: float | None = None) -> str:
        """Create a key called ``name`` and return it. It is shown this once: only a salted
        hash is stored. ``rate_per_second`` overrides the server's default limit for it."""
        if not _NAME.match(name or ""):
            raise IcpkitError(
                f"key name {name!r}: use 1-64 letters, digits, spaces or . _ @ - "
                "(starting with a letter or digit)"
            )
        if rate_per_second is not None and not rate_per_second > 0:
            raise IcpkitError("the rate limit must be a positive number of requests per second")
        key_id, secret = secrets.token_hex(_KEY_ID_LENGTH // 2), secrets.token_hex(32)
        salt = secrets.token_bytes(16)
        with self._backend.transaction() as db:
            taken = db.execute(
                "SELECT 1 FROM api_keys WHERE name = ? AND revoked_at IS NULL", (name,)
            )
            if taken:
                raise IcpkitError(
                    f"a live key is already called {name!r}; revoke it first or pick another name",
                    file=self.location,
                )
            db.execute(
                "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, NULL)",
                (key_id, name, salt.hex(), _hash_secret(salt, secret), rate_per_second, _now()),
            )
        return f"{TOKEN_PREFIX}{key_id}_{secret}"

    def revoke_key(self, name: str) -> None:
        """Stop the live key called ``name`` from working (servers notice within a second)."""
        with self._backend.transaction() as db:
            live = db.execute(
                "SELECT key_id FROM api_keys WHERE name = ? AND revoked_at IS NULL", (name,)
            )
            if not live:
                raise IcpkitError(f"there is no live key called {name!r}", file=self.location)
            db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (_now(), name),
            )

    def api_keys(self) -> list[ApiKey]:
        """Every key ever created, live and revoked, oldest first (never the key itself)."""
        return [s.key for s in self._stored_keys(include_revoked=True)]

    def key_ring(self) -> KeyRing:
        """A snapshot of the live keys for checking tokens in memory."""
        return KeyRing(self._stored_keys(include_revoked=False))

    def check_key(self, token: str) -> str | None:
        """The name of the live key ``token`` is, or None."""
        key = self.key_ring().check(token)
        return key.name if key else None

    def _stored_keys(self, *, include_revoked: bool) -> list[_StoredKey]:
        where = "" if include_revoked else " WHERE revoked_at IS NULL"
        with self._backend.transaction() as db:
            rows = db.execute(f"{_KEYS_QUERY}{where} ORDER BY created_at, key_id")
        return [_stored_key(r) for r in rows]

    # ---- what a server polls -------------------------------------------------------------

    def revision(self) -> object | None:
        """Something that changes whenever the workspace may have changed, or None when that
        cannot be told cheaply (PostgreSQL). For DuckDB: the size and time of the file and its
        write-ahead log, so an idle server need not open the file every second."""
        return self._backend.revision()

    def sync(self, audit_entries: Sequence[AuditEntry] = ()) -> Snapshot:
        """Write pending audit entries and read the live version and keys, in one transaction:
        the server's periodic refresh in a single round trip.

        An entry identical to one already in the log (same time to the microsecond, key,
        version, route, count and hash) is not written again: a server that died after
        writing its journal here, before deleting it, copies it again on restart."""
        with self._backend.transaction() as db:
            new = _not_yet_recorded(db, audit_entries)
            if new:
                db.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)", _audit_rows(new))
            rows = db.execute("SELECT version FROM scorecard_versions WHERE active")
            keys = db.execute(_KEYS_QUERY + " WHERE revoked_at IS NULL")
        return Snapshot(int(rows[0][0]) if rows else None, KeyRing(_stored_key(r) for r in keys))

    # ---- audit log -----------------------------------------------------------------------

    def hash_identifiers(self, identifiers: Sequence[str]) -> str:
        """A keyed hash of the companies scored in one call, in order.

        Keyed with a secret kept in the workspace, so the log alone cannot be reversed by
        hashing a list of known domains."""
        if self._audit_secret is None:
            with self._backend.transaction() as db:
                rows = db.execute("SELECT value FROM workspace_meta WHERE key = 'audit_secret'")
            self._audit_secret = bytes.fromhex(rows[0][0])
        # surrogatepass: a lone surrogate (JSON allows "\ud800") hashes like any other text.
        message = "\n".join(str(i) for i in identifiers).encode("utf-8", "surrogatepass")
        return hmac.new(self._audit_secret, message, hashlib.sha256).hexdigest()

    def audit_entry(
        self,
        key_name: str,
        scorecard_version: int,
        identifiers: Sequence[str],
        *,
        route: str = "api",
    ) -> AuditEntry:
        """An entry for one scoring call, stamped now, ready for :meth:`record_audit`."""
        return AuditEntry(
            _now(),
            key_name,
            scorecard_version,
            route,
            len(identifiers),
            self.hash_identifiers(identifiers),
        )

    def audit(
        self,
        key_name: str,
        scorecard_version: int,
        identifiers: Sequence[str],
        *,
        route: str = "api",
    ) -> None:
        """Record one scoring call now."""
        self.record_audit([self.audit_entry(key_name, scorecard_version, identifiers, route=route)])

    def record_audit(self, entries: Sequence[AuditEntry]) -> None:
        """Write entries in one transaction (the server batches them once a second)."""
        if not entries:
            return
        with self._backend.transaction() as db:
            db.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)", _audit_rows(entries))

    def audit_log(self, *, limit: int = 100) -> list[AuditEntry]:
        """The most recent entries, newest first."""
        with self._backend.transaction() as db:
            rows = db.execute(
                "SELECT scored_at, key_name, scorecard_version, route, accounts, identifiers_hash "
                "FROM audit_log ORDER BY scored_at DESC LIMIT ?",
                (int(limit),),
            )
        return [AuditEntry(r[0], r[1], int(r[2]), r[3], int(r[4]), r[5]) for r in rows]


@dataclass(frozen=True)
class Snapshot:
    """What a server needs to know each refresh: the live version and the live keys."""

    active_version: int | None
    key_ring: KeyRing


_KEYS_QUERY = (
    "SELECT key_id, name, salt, secret_hash, rate_per_second, created_at, revoked_at FROM api_keys"
)


def _stored_key(row: Sequence[Any]) -> _StoredKey:
    rate = None if row[4] is None else float(row[4])
    return _StoredKey(ApiKey(row[1], row[0], row[5], row[6], rate), bytes.fromhex(row[2]), row[3])


def _not_yet_recorded(db: _Session, entries: Sequence[AuditEntry]) -> list[AuditEntry]:
    if not entries:
        return []
    rows = db.execute(
        "SELECT scored_at, key_name, scorecard_version, route, accounts, identifiers_hash "
        "FROM audit_log WHERE scored_at BETWEEN ? AND ?",
        (min(e.at for e in entries), max(e.at for e in entries)),
    )
    seen = {(r[0], r[1], int(r[2]), r[3], int(r[4]), r[5]) for r in rows}
    return [e for e in entries if _audit_rows([e])[0] not in seen]


def _audit_rows(entries: Sequence[AuditEntry]) -> list[tuple]:
    return [
        (e.at, e.key_name, e.scorecard_version, e.route, e.accounts, e.identifiers_hash)
        for e in entries
    ]


# ---- tokens --------------------------------------------------------------------------------


def _split_token(token: str) -> tuple[str, str] | None:
    """``icpk_<12 hex key id>_<64 hex secret>`` -> (key id, secret), else None."""
    expected = len(TOKEN_PREFIX) + _KEY_ID_LENGTH + 1 + _SECRET_LENGTH
    if not isinstance(token, str) or len(token) != expected or not token.startswith(TOKEN_PREFIX):
        return None
    key_id = token[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + _KEY_ID_LENGTH]
    separator = token[len(TOKEN_PREFIX) + _KEY_ID_LENGTH]
    secret = token[len(TOKEN_PREFIX) + _KEY_ID_LENGTH + 1 :]
    if separator != "_" or not _is_hex(key_id) or not _is_hex(secret):
        return None
    return key_id, secret


def key_id_of(token: str) -> str | None:
    """The public id part of a well-formed token (safe to log or put in a cookie)."""
    parts = _split_token(token)
    return parts[0] if parts else None


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def _hash_secret(salt: bytes, secret: str) -> str:
    # The secret is 32 random bytes, so a fast salted hash is enough: there is nothing to
    # guess that a slow password hash (scrypt) would protect better, and checking stays cheap.
    return hashlib.sha256(salt + secret.encode("ascii")).hexdigest()


def _now() -> datetime:
    # Stored as UTC without a zone: both DuckDB and PostgreSQL read TIMESTAMP the same way.
    return datetime.now(UTC).replace(tzinfo=None)


def _required_text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise IcpkitError(f"a scorecard version needs a non-empty {what}")
    if len(value) > 500:
        raise IcpkitError(f"the {what} is longer than 500 characters")
    return value


# ---- database back ends --------------------------------------------------------------------


class _Session:
    """One transaction: ``?`` placeholders in, rows (tuples) out."""

    def __init__(self, cursor: Any, placeholder: str) -> None:
        self._cursor = cursor
        self._placeholder = placeholder

    def _sql(self, sql: str) -> str:
        return sql if self._placeholder == "?" else sql.replace("?", self._placeholder)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        self._cursor.execute(self._sql(sql), tuple(params))
        if self._cursor.description is None:
            return []
        return [tuple(row) for row in self._cursor.fetchall()]

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(self._sql(sql), [tuple(r) for r in rows])


class _Backend(ABC):
    """Where the workspace lives: each backend opens one transaction per call."""

    label: str
    conflict_errors: tuple[type[BaseException], ...] = ()

    def revision(self) -> object | None:
        return None

    @abstractmethod
    def transaction(self) -> AbstractContextManager[_Session]:
        """A session whose changes commit together when the block ends without error."""


class _DuckDB(_Backend):
    """A DuckDB file, opened per transaction; a lock held by another process is waited for."""

    LOCK_WAIT_SECONDS = 15.0

    def __init__(self, path: Path) -> None:
        import duckdb

        self._duckdb = duckdb
        self.path = path
        self.label = str(path)
        self.conflict_errors = (duckdb.ConstraintException, duckdb.TransactionException)
        # DuckDB shares one database instance per file inside a process; serialise our own
        # threads so a commit never races a close.
        self._lock = threading.Lock()
        if path.parent and not path.parent.exists():
            raise IcpkitError("the folder for the workspace does not exist", file=path)

    def revision(self) -> object | None:
        stamps: list[tuple[int, int] | None] = []
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                stat = path.stat()
                stamps.append((stat.st_mtime_ns, stat.st_size))
            except FileNotFoundError:
                stamps.append(None)
        return tuple(stamps)

    def _connect(self) -> Any:
        deadline = time.monotonic() + self.LOCK_WAIT_SECONDS
        while True:
            try:
                return self._duckdb.connect(str(self.path))
            except self._duckdb.IOException as error:
                if "lock" not in str(error).lower() or time.monotonic() > deadline:
                    raise IcpkitError(
                        f"cannot open the workspace: {str(error).splitlines()[0]}",
                        file=self.path,
                    ) from error
                time.sleep(0.02)  # another icpkit process is writing; it is done in ms
            except self._duckdb.Error as error:
                raise IcpkitError(
                    f"cannot open the workspace: {str(error).splitlines()[0]}", file=self.path
                ) from error

    @contextmanager
    def transaction(self) -> Iterator[_Session]:
        with self._lock:
            connection = self._connect()
            try:
                connection.execute("BEGIN TRANSACTION")
                yield _Session(connection, "?")
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            finally:
                connection.close()


class _Postgres(_Backend):
    """A PostgreSQL database reached with psycopg 3, one short connection per transaction."""

    def __init__(self, url: str) -> None:
        import psycopg

        self._psycopg = psycopg
        self.url = url
        self.label = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
        self.conflict_errors = (psycopg.errors.UniqueViolation,)

    @contextmanager
    def transaction(self) -> Iterator[_Session]:
        try:
            connection = self._psycopg.connect(self.url, connect_timeout=10)
        except self._psycopg.Error as error:
            message = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            raise IcpkitError(
                f"cannot connect to the workspace: {message}", file=self.label
            ) from error
        try:
            with connection.transaction(), connection.cursor() as cursor:
                yield _Session(cursor, "%s")
        finally:
            connection.close()
