"""The FastAPI application: API and web pages in one app, with the guards every route shares.

- Every request passes one guard first (:mod:`icpkit.serve.guard`): key or session, origin of
  form posts, rate limit, all from the headers, before any body is read.
- Errors are JSON ``{"error": "...", "fields": [...]}`` for the API (HTML pages for the web app),
  with a message a person can act on that names no file of the server; an unexpected failure
  answers 500 "internal error" (a page for browsers) and its traceback goes to the server log
  only.
- Bodies over the size limit get 413 before they are read whole, chunked ones included.
- CORS is off unless origins are listed: a page on another site cannot call the API.
- The interactive docs that load scripts from a CDN are off; the OpenAPI schema is at
  ``/openapi.json`` and a self-contained reference at ``/api``.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from icpkit import __version__
from icpkit.errors import IcpkitError
from icpkit.serve.guard import Guard
from icpkit.serve.limits import BodySizeLimit
from icpkit.serve.metrics import MetricsMiddleware
from icpkit.serve.service import Service, Settings

log = logging.getLogger("icpkit.serve")

DESCRIPTION = """Score inbound leads against the active ICP scorecard, read the scorecard and
the ICP. Send `Authorization: Bearer KEY` (keys come from `icpkit keys create --name NAME`).
Scores, tiers and reasons are those `icpkit score` gives the same company as a CSV row."""


def create_app(settings: Settings, service: Service | None = None) -> FastAPI:
    """The app for ``settings`` (or around an existing ``service``, for tests)."""
    from icpkit.serve import api, web

    service = service or Service(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.start()
        # Everything loaded so far lives as long as the server: keep the garbage collector from
        # walking it again and again, which shows up as latency spikes under load.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            service.stop()

    app = FastAPI(
        title="icpkit",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = service
    app.include_router(api.router)
    app.include_router(web.router)
    _add_error_handlers(app)

    # Outermost last: CORS, then metrics (refusals are counted too), the guard, the size cap.
    app.add_middleware(
        BodySizeLimit,
        default=settings.max_body_bytes,
        limits={"/upload": settings.max_upload_bytes},
    )
    app.add_middleware(Guard, service=service)
    app.add_middleware(MetricsMiddleware, metrics=service.metrics)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app


def _add_error_handlers(app: FastAPI) -> None:
    from icpkit.serve import web

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        fields = [_field_error(e) for e in error.errors()]
        message = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
        if len(fields) > 5:
            message += f"; and {len(fields) - 5} more"
        if web.wants_html(request):
            return web.error_page(request, 422, message)
        return JSONResponse({"error": message, "fields": fields[:MAX_FIELDS]}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Any:
        message = public_message(str(error.detail))
        if web.wants_html(request):
            return web.error_page(request, error.status_code, message, error.headers)
        return JSONResponse(
            {"error": message}, status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(web.SignInRequired)
    async def sign_in(request: Request, error: web.SignInRequired) -> Any:
        return web.error_page(request, 401, "sign in first")

    @app.exception_handler(IcpkitError)
    async def refused(request: Request, error: IcpkitError) -> Any:
        message = public_message(error)
        if web.wants_html(request):
            return web.error_page(request, 400, message)
        return JSONResponse({"error": message}, status_code=400)

    @app.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> Any:
        log.exception("internal error on %s %s", request.method, request.url.path)
        message = "internal error; the server log has the details"
        if web.wants_html(request):
            try:
                return web.error_page(request, 500, message)
            except Exception:  # the page itself failed: plain text, still no traceback
                log.exception("the error page failed too")
                return PlainTextResponse(message, status_code=500)
        return JSONResponse({"error": message}, 500)


# Field names in a 422 are cut to this length (a client may send a 100,000-character key),
# and at most this many fields are listed.
MAX_NAME = 80
MAX_FIELDS = 50
# An absolute path: a slash, then folders, then a last part (the file name kept).
_PATH = re.compile(r"(?<![\w:/.])/(?:[^\s/:,;'\"()]+/)+([^\s/:,;'\"()]+)")


def public_message(error: IcpkitError | str) -> str:
    """An error message as a client may see it: files named without the server's folders
    (``/srv/icp/ws.duckdb`` becomes ``ws.duckdb``)."""
    if isinstance(error, IcpkitError):
        file = Path(error.file).name if error.file and "://" not in error.file else error.file
        error = str(IcpkitError(error.message, file=file, line=error.line, column=error.column))
    return _PATH.sub(r"\1", error)


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    """``{"field": "accounts.3.employees", "message": "..."}`` from a pydantic error."""
    location = [_short(str(part)) for part in error.get("loc", ()) if part != "body"]
    message = str(error.get("msg", "is not valid"))
    message = message.removeprefix("Value error, ")
    if error.get("type") == "missing":
        message = "is required"
    elif error.get("type") == "extra_forbidden":
        message = "is not a field of this request"
    elif error.get("type") == "json_invalid":
        return {
            "field": "body",
            "message": f"not valid JSON: {error.get('ctx', {}).get('error', message)}",
        }
    return {"field": ".".join(location) or "body", "message": _short(message, 300)}


def _short(text: str, limit: int = MAX_NAME) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
