"""HTTP for the push: explicit timeouts, rate limits honoured, and lost replies told apart.

A request either got an answer (:class:`Reply`), was surely never processed (then it is retried
here, after backing off), or *may* have been processed without us hearing back: the connection
dropped after the request went out, or the server failed with a 5xx. That last case raises
:class:`Unconfirmed`, and the push engine reads the records back before deciding whether to
send them again, so no record is written twice.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from icpkit.export.credentials import Secret
from icpkit.export.destination import ApiRequest, Destination, Reply, Stop, Wait

TIMEOUT = httpx.Timeout(60.0, connect=10.0)
MAX_ATTEMPTS = 8
MAX_WAIT = 600.0
USER_AGENT = "icpkit-push"

# Errors raised before a byte of the request reached the server: safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Errors after the request may have reached the server: it may have been applied.
_MAYBE_SENT = (
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.ReadTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.NetworkError,
)


class Unconfirmed(Exception):
    """The request may or may not have been applied; read the records back to know."""


class StopRun(Exception):
    """Nothing more can be sent in this run (see :class:`icpkit.export.destination.Stop`)."""


class GaveUp(Exception):
    """Records could not be read back after every attempt."""


class Transport:
    """Sends one destination's requests, pacing them by its rate-limit signals.

    ``sleep`` is how waiting is done (tests pass one that records the waits); ``counts`` keeps
    the number of requests, rate-limited replies and retries for the run summary.
    """

    def __init__(
        self,
        destination: Destination,
        token: Secret,
        *,
        timeout: httpx.Timeout = TIMEOUT,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.destination = destination
        self.max_attempts = max_attempts
        self.sleep = sleep
        self.counts = {"requests": 0, "rate_limited": 0, "retries": 0, "waited_seconds": 0.0}
        self._pause = 0.0
        self._client = httpx.Client(
            base_url=destination.base_url,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token.reveal()}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, request: ApiRequest) -> Reply:
        """The reply to ``request``. Raises Unconfirmed (see above), or StopRun when the CRM says
        stop or is still unreachable or rate-limiting after every attempt."""
        last_reason = ""
        for attempt in range(self.max_attempts):
            self._wait_pause()
            try:
                reply = self._send(request)
            except _NOT_SENT as error:
                last_reason = f"cannot reach {self.destination.base_url} ({type(error).__name__})"
                self._backoff(attempt)
                continue
            except _MAYBE_SENT as error:
                reason = f"connection lost before the reply ({_describe(error)})"
                raise Unconfirmed(reason) from None
            self._pause = self.destination.pause_after(reply)
            verdict = self.destination.throttle(reply)
            if isinstance(verdict, Stop):
                raise StopRun(verdict.reason)
            if isinstance(verdict, Wait):
                self.counts["rate_limited"] += 1
                last_reason = verdict.reason
                self.wait_before_retry(verdict.seconds)
                continue
            if reply.status >= 500:
                raise Unconfirmed(f"HTTP {reply.status} from the server")
            return reply
        # The next batch would meet the same wall: stop, and let a later run send the rest.
        raise StopRun(f"{last_reason}; gave up after {self.max_attempts} attempts")

    def _send(self, request: ApiRequest) -> Reply:
        self.counts["requests"] += 1
        response = self._client.request(
            request.method, request.path, json=request.json, params=request.params
        )
        return Reply(
            response.status_code,
            {k.lower(): v for k, v in response.headers.items()},
            _body(response),
        )

    def _wait_pause(self) -> None:
        if self._pause > 0:
            self._do_sleep(self._pause)
            self._pause = 0.0

    def wait_before_retry(self, seconds: float) -> None:
        """Sleep before trying again (capped at 10 minutes), counted in the run summary."""
        self.counts["retries"] += 1
        self._do_sleep(min(max(seconds, 0.0), MAX_WAIT))

    def _backoff(self, attempt: int) -> None:
        # Exponential with jitter, so many clients retrying do not all come back at once.
        self.wait_before_retry(random.uniform(0.5, 1.0) * min(30.0, 0.5 * 2**attempt))

    def _do_sleep(self, seconds: float) -> None:
        self.counts["waited_seconds"] += seconds
        self.sleep(seconds)


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _body(response: httpx.Response) -> object:
    if "json" in response.headers.get("content-type", ""):
        try:
            return response.json()
        except ValueError:
            pass
    return response.text


def _describe(error: Exception) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
