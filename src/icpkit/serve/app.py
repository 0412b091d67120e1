"""The FastAPI application: API and web pages in one app, with the guards every route shares.

- Errors are JSON ``{"error": "...", "fields": [...]}`` for the API (HTML pages for the web app),
  with a message a person can act on; an unexpected failure answers 500 "internal error" and
  its traceback goes to the server log only.
- Bodies over the size limit get 413 before they are read whole.
- CORS is off unless origins are listed: a page on another site cannot call the API.
- The interactive docs that load scripts from a CDN are off; the OpenAPI schema is at
  ``/openapi.json`` and a self-contained reference at ``/api``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from icpkit import __version__
from icpkit.errors import IcpkitError
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

    app.add_middleware(MetricsMiddleware, metrics=service.metrics)
    app.add_middleware(
        BodySizeLimit,
        default=settings.max_body_bytes,
        limits={"/upload": settings.max_upload_bytes},
    )
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
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        fields = [_field_error(e) for e in error.errors()]
        message = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
        if len(fields) > 5:
            message += f"; and {len(fields) - 5} more"
        return JSONResponse({"error": message, "fields": fields}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Any:
        if web.wants_html(request):
            return web.error_page(request, error.status_code, str(error.detail), error.headers)
        message = str(error.detail)
        if message == "There was an error parsing the body":  # FastAPI's words for non-UTF-8
            message = "body: cannot be read as UTF-8 JSON text"
        return JSONResponse(
            {"error": message}, status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(web.SignInRequired)
    async def sign_in(request: Request, error: web.SignInRequired) -> Any:
        return web.error_page(request, 401, "sign in first")

    @app.exception_handler(IcpkitError)
    async def refused(request: Request, error: IcpkitError) -> Any:
        if web.wants_html(request):
            return web.error_page(request, 400, str(error))
        return JSONResponse({"error": str(error)}, status_code=400)

    @app.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error; the server log has the details"}, 500)


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    """``{"field": "accounts.3.employees", "message": "..."}`` from a pydantic error."""
    location = [str(part) for part in error.get("loc", ()) if part != "body"]
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
    return {"field": ".".join(location) or "body", "message": message}
