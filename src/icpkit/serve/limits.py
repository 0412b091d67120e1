"""Per-key rate limits (token buckets) and a cap on request body size.

A key may send ``rate`` requests a second on average and up to ``burst`` at once. Every request
costs one token; a batch costs one token per 100 companies (an upload, one per 100 rows). A
request that costs more than the whole bucket is let through when the bucket is full and leaves
it in debt, so the key's average rate holds and its largest allowed request can always pass.
A refused request spends nothing, and its ``Retry-After`` is the time until the same request
would pass if nothing else is sent meanwhile.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class _Bucket:
    tokens: float
    updated: float
    capacity: float


class RateLimiter:
    """One token bucket per key name, refilled continuously at the key's rate."""

    # Past this many buckets, idle full ones are forgotten (they hold nothing worth keeping):
    # callers identified by address cannot grow the table without bound.
    MAX_BUCKETS = 10_000

    def __init__(self, *, rate: float, burst: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, 2 * rate)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def capacity(self, rate: float) -> float:
        """How many tokens a key of ``rate`` may spend at once."""
        return max(1.0, self.burst * rate / self.rate)

    def take(
        self, key: str, *, rate: float | None = None, cost: float = 1.0, refund: float = 0.0
    ) -> float:
        """Spend ``cost`` tokens of ``key``'s bucket. Returns 0 when allowed, else the seconds
        to wait before the same request would be allowed (nothing is spent then).

        ``refund`` tokens are given back first, in the same step: a request whose entry token
        was taken before its full cost was known is charged once, or not at all."""
        rate = rate or self.rate
        capacity = self.capacity(rate)
        now = time.monotonic()
        with self._lock:
            bucket = self._bucket(key, capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate + refund)
            bucket.updated = now
            # More than the bucket holds: wait for a full bucket, then run into debt.
            needed = min(cost, capacity)
            if bucket.tokens >= needed - 1e-9:
                bucket.tokens -= cost
                return 0.0
            return (needed - bucket.tokens) / rate

    def _bucket(self, key: str, capacity: float, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.capacity != capacity:
            if len(self._buckets) >= self.MAX_BUCKETS:
                self._forget_idle(now)
            tokens = capacity if bucket is None else min(capacity, bucket.tokens)
            bucket = self._buckets[key] = _Bucket(tokens, now, capacity)
        return bucket

    def _forget_idle(self, now: float) -> None:
        for name, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self.rate >= bucket.capacity:
                del self._buckets[name]
        if len(self._buckets) >= self.MAX_BUCKETS:  # all busy: drop the oldest half
            for name in sorted(self._buckets, key=lambda n: self._buckets[n].updated)[
                : self.MAX_BUCKETS // 2
            ]:
                del self._buckets[name]


def retry_after_header(wait_seconds: float) -> str:
    """Retry-After takes whole seconds; round up so a client that obeys it always passes."""
    return str(max(1, math.ceil(wait_seconds)))


class BodySizeLimit:
    """ASGI middleware refusing bodies over a byte limit with 413, before they are read whole.

    The declared Content-Length is checked first; a body sent without one (chunked) is counted
    as it arrives, and once it passes the limit whatever the app was about to answer is
    replaced by the 413. ``limits`` maps a path prefix to its own limit (CSV uploads are
    larger).
    """

    def __init__(self, app: ASGIApp, *, default: int, limits: dict[str, int] | None = None):
        self.app = app
        self.default = default
        self.limits = limits or {}

    def _limit(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        page = not scope["path"].startswith(JSON_PREFIXES)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large(send, limit, page=page)
            return
        received = 0
        over = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, over
            if over:
                raise _TooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:
                # The app caught the overflow as a body it could not parse (a 400); the
                # truth is that the body was too large.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await too_large(send, limit, page=page)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if not started:
                await too_large(send, limit, page=page)


class _TooLarge(Exception):
    pass


# Paths answered in JSON; every other path is a page of the web app, answered in HTML.
JSON_PREFIXES = ("/v1/", "/healthz", "/metrics", "/openapi.json")


async def too_large(send: Send, limit: int, *, page: bool = False) -> None:
    message = f"request body is larger than {limit:,} bytes"
    if not page:
        await send_json(send, 413, {"error": message})
        return
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Too large</title>"
        f"<h1>Too large (413)</h1><p id=message>The {message}. Score bigger files with "
        "<code>icpkit score</code>.</p><p><a href='/upload'>Back</a></p></html>"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                (b"content-security-policy", b"default-src 'none'"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(
    send: Send, status: int, body: dict, headers: dict[str, str] | None = None
) -> None:
    """Answer with a JSON body straight from ASGI middleware (the connection is closed, since
    the request body may be left unread)."""
    data = json.dumps(body).encode()
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
