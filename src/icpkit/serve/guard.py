"""One authentication step in front of every route, before any request body is read.

For each request the guard decides, from the headers alone:

- ``/healthz`` and ``/metrics`` pass untouched (probes and scrapers, no credential), and so
  do reads of ``/static/`` (the style sheet and htmx, public files every page needs, the
  sign-in page included: a whole office behind one address must not share a budget for them);
- ``/v1/...`` needs ``Authorization: Bearer KEY``; without a valid key the answer is 401 and
  the body is never read;
- every web page needs a session cookie, except the sign-in page, ``/logout`` and the API
  reference; without one a browser is sent to ``/login`` and the body is never read;
- a form post (``POST`` to a page, sign-in and sign-out included) from another site's page
  (its ``Origin`` is not this server) is refused before its body is read;
- a caller with a valid key or session spends one token of the key's bucket; a caller without
  one spends a token of its network address's bucket (sign-in guesses and anonymous floods are
  limited too). An empty bucket answers 429 with ``Retry-After``.

Routes find the caller's key in ``request.scope[KEY]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from icpkit.serve import sessions
from icpkit.serve.limits import retry_after_header, send_json

if TYPE_CHECKING:
    from icpkit.serve.service import Service
    from icpkit.workspace import ApiKey

KEY = "icpkit.key"
UNGUARDED = ("/healthz", "/metrics")
STATIC_PREFIX = "/static/"
OPEN_PAGES = ("/login", "/logout", "/api", "/openapi.json")
API_PREFIX = "/v1/"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _static_read(scope: Scope) -> bool:
    return scope["path"].startswith(STATIC_PREFIX) and scope["method"] in ("GET", "HEAD")


class Guard:
    """ASGI middleware: authenticate, check the origin of form posts, and rate limit."""

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNGUARDED or _static_read(scope):
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(API_PREFIX):
            await self._api(scope, receive, send)
        else:
            await self._web(scope, receive, send)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        service = self.service
        scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
        key = None
        if scheme.lower() == "bearer" and token.strip():
            key = service.state.keys.check(token.strip())
        if key is None:
            wait = self._anonymous(scope)
            if wait:
                await self._too_many_json(send, "too many requests without a valid key", wait)
                return
            if scheme.lower() != "bearer" or not token.strip():
                service.metrics.refused.labels("no key").inc()
                message = (
                    "missing API key: send the header 'Authorization: Bearer KEY' "
                    "(create one with `icpkit keys create --name NAME`)"
                )
            else:
                service.metrics.refused.labels("bad key").inc()
                message = "unknown or revoked API key"
            await send_json(send, 401, {"error": message}, {"WWW-Authenticate": "Bearer"})
            return
        wait = service.limiter.take(key.name, rate=key.rate_per_second)
        if wait:
            service.metrics.refused.labels("rate limit").inc()
            await self._too_many_json(send, rate_message(key, wait), wait)
            return
        scope[KEY] = key
        await self.app(scope, receive, send)

    async def _web(self, scope: Scope, receive: Receive, send: Send) -> None:
        from icpkit.serve import web

        service = self.service
        request = Request(scope)
        key_id = service.sessions.key_id(request.cookies.get(sessions.COOKIE))
        key = service.state.keys.by_id(key_id) if key_id else None
        if key is None:
            wait = self._anonymous(scope)
        else:
            wait = service.limiter.take(key.name, rate=key.rate_per_second)
        if wait:
            service.metrics.refused.labels("rate limit").inc()
            message = rate_message(key, wait) if key else "too many requests; slow down"
            headers = {"Retry-After": retry_after_header(wait)}
            await web.error_page(request, 429, message, headers)(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and not same_origin(request):
            message = "this form was posted from another site"
            await web.error_page(request, 400, message)(scope, receive, send)
            return
        if key is None and scope["path"] not in OPEN_PAGES:
            await sign_in_redirect(request)(scope, receive, send)
            return
        if key is not None:
            scope[KEY] = key
        await self.app(scope, receive, send)

    def _anonymous(self, scope: Scope) -> float:
        client = scope.get("client")
        address = client[0] if client else "unknown"
        return self.service.anonymous_limiter.take(f"address {address}")

    async def _too_many_json(self, send: Send, message: str, wait: float) -> None:
        headers = {"Retry-After": retry_after_header(wait)}
        await send_json(send, 429, {"error": message}, headers)


def rate_message(key: ApiKey, wait: float) -> str:
    return f"rate limit of key {key.name!r} exceeded; retry in {wait:.2f} s"


def same_origin(request: Request) -> bool:
    """False when a browser says the form comes from a page of another site.

    SameSite=Strict already keeps the session cookie off cross-site posts; this also covers
    sign-in and sign-out, which have no session yet or any more."""
    # Browsers that send Sec-Fetch-Site say where the form came from outright.
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    # "null": our pages send no referrer, so some browsers post our own forms with no origin.
    if not origin or origin == "null":
        return True
    return urlsplit(origin).netloc == request.headers.get("host")


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
