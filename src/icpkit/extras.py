"""Optional parts of icpkit and the pip extra that installs each.

``pip install icpkit`` reads CRMs, learns, scores and compiles SQL. The server, PostgreSQL,
Excel and Spark come with extras (``pip install 'icpkit[serve]'``), and their libraries are
imported only where used. When one is missing, the user is told which extra to install, in one
line, instead of a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

from icpkit.errors import IcpkitError

# Top-level module -> the extra that installs it (see [project.optional-dependencies]).
EXTRAS = {
    "fastapi": "serve",
    "starlette": "serve",
    "uvicorn": "serve",
    "httptools": "serve",
    "uvloop": "serve",
    "pydantic": "serve",
    "multipart": "serve",
    "python_multipart": "serve",
    "prometheus_client": "serve",
    "psycopg": "postgres",
    "psycopg_binary": "postgres",
    "openpyxl": "excel",
    "pyspark": "spark",
}


def missing_extra(error: ModuleNotFoundError) -> IcpkitError | None:
    """The one-line error for a module an extra would have installed; None for any other
    missing module (a bug or a broken install, which deserves its traceback)."""
    module = (error.name or "").split(".")[0]
    extra = EXTRAS.get(module)
    if extra is None:
        return None
    return IcpkitError(
        f"this needs {module}, which comes with icpkit's {extra!r} extra: "
        f"pip install 'icpkit[{extra}]'"
    )
