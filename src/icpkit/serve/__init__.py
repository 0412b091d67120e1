"""`icpkit serve`: the scoring API for inbound leads and the web app for the ICP.

One FastAPI application serves both. Scoring goes through the same code as `icpkit score`;
scorecard versions, API keys and the audit log live in the workspace database
(:mod:`icpkit.workspace`). Start it with :func:`serve` or build the app with :func:`create_app`.
"""

from icpkit.serve.app import create_app
from icpkit.serve.service import Service, Settings

__all__ = ["Service", "Settings", "create_app", "serve"]


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the server until interrupted (Ctrl-C finishes requests in flight, then stops)."""
    import logging

    import uvicorn

    # Version swaps and refresh problems are worth seeing next to uvicorn's own lines.
    log = logging.getLogger("icpkit.serve")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
