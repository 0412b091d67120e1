"""Browser sign-in: an API key typed once, then a signed session cookie.

The cookie holds only the key's public id and an expiry, signed with HMAC-SHA256 by a secret
that lives in the server's memory. It never holds the key itself, it is ``HttpOnly`` (page
scripts cannot read it) and ``SameSite=Strict`` (another site cannot make the browser send it
with a form post). Revoking the key ends its sessions at the next refresh; restarting the
server ends every session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

COOKIE = "icpkit_session"


def sign(secret: bytes, key_id: str, *, hours: float) -> str:
    payload = json.dumps({"k": key_id, "e": int(time.time() + hours * 3600)}).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_mac(secret, body)}"


def verify(secret: bytes, cookie: str | None) -> str | None:
    """The key id a valid, unexpired cookie was signed for, else None."""
    if not cookie or "." not in cookie:
        return None
    body, _, mac = cookie.rpartition(".")
    if not hmac.compare_digest(mac, _mac(secret, body)):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        key_id, expires = str(payload["k"]), float(payload["e"])
    except (ValueError, KeyError, TypeError):
        return None
    return key_id if expires > time.time() else None


def _mac(secret: bytes, body: str) -> str:
    return hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
