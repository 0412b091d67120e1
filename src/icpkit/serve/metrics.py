"""Prometheus metrics for `GET /metrics`: requests, latency, companies scored, refusals.

Labels are route templates (``/v1/score``), never raw paths or key names, so the number of
series stays small and the page names no customer of the API.
"""

from __future__ import annotations

import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = CONTENT_TYPE_LATEST
# The *_created series double the page for nothing a dashboard uses.
disable_created_metrics()


class Metrics:
    """One registry per app, so two servers in one process (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "icpkit_http_requests",
            "HTTP requests answered, by route, method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "icpkit_http_request_duration_seconds",
            "Time from request to complete answer, by route.",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
            registry=self.registry,
        )
        self.scored = Counter(
            "icpkit_accounts_scored",
            "Companies scored, by channel (api, web form, csv upload).",
            ["channel"],
            registry=self.registry,
        )
        self.refused = Counter(
            "icpkit_requests_refused",
            "Requests refused before any work, by reason (no key, bad key, rate limit).",
            ["reason"],
            registry=self.registry,
        )
        self.version = Gauge(
            "icpkit_scorecard_version",
            "The scorecard version being served.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(name, scope["method"], str(status)).inc()
            self.metrics.latency.labels(name).observe(time.perf_counter() - started)
