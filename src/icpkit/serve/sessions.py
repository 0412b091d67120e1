"""Browser sign-in: an API key typed once, then a session held by the server.

The cookie holds a random session id (32 bytes) and nothing else: not the key, not its id. The
server keeps, per session, a hash of that id, the key's public id and an expiry, in memory.
Signing out deletes the session, so a copied cookie stops working at once; revoking the key
ends its sessions at the next refresh; restarting the server ends every session. The cookie is
``HttpOnly`` (page scripts cannot read it) and ``SameSite=Strict`` (another site cannot make
the browser send it with a form post).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "icpkit_session"


@dataclass(frozen=True)
class _Session:
    key_id: str
    expires: float


class SessionStore:
    """The live browser sessions of one server."""

    # Expired sessions are swept when this many are held; sign-in is rate limited per address,
    # so this bounds memory, not people.
    SWEEP_AT = 10_000

    def __init__(self, *, hours: float) -> None:
        self.seconds = hours * 3600
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def start(self, key_id: str) -> str:
        """A new session for ``key_id``; returns the cookie value."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            if len(self._sessions) >= self.SWEEP_AT:
                self._sessions = {h: s for h, s in self._sessions.items() if s.expires > now}
            self._sessions[_digest(token)] = _Session(key_id, now + self.seconds)
        return token

    def key_id(self, cookie: str | None) -> str | None:
        """The key id of a live session, else None."""
        if not cookie or len(cookie) > 100:
            return None
        with self._lock:
            session = self._sessions.get(_digest(cookie))
        if session is None or session.expires <= time.time():
            return None
        return session.key_id

    def end(self, cookie: str | None) -> None:
        """Sign out: the cookie no longer opens anything, wherever it was copied to."""
        if cookie:
            with self._lock:
                self._sessions.pop(_digest(cookie), None)

    def __len__(self) -> int:
        return len(self._sessions)


def _digest(token: str) -> str:
    # Kept hashed, so a memory dump of the table cannot be replayed as cookies.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
