"""The `icpkit` command line: a thin layer over the library, one module per group of commands.

Every command exits non-zero with one line naming the file, line and column at fault when the
input is wrong; tracebacks are only for bugs in icpkit itself.
"""

from __future__ import annotations

import sys

from icpkit.cli import (
    core,  # noqa: F401  (importing registers the commands)
    export,  # noqa: F401
    monitor,  # noqa: F401
    report,  # noqa: F401
    serve,  # noqa: F401
    size,  # noqa: F401
    sql,  # noqa: F401
    validate,  # noqa: F401
)
from icpkit.cli.app import app, errors
from icpkit.errors import IcpkitError
from icpkit.extras import missing_extra


def main() -> None:
    try:
        app()
    except IcpkitError as error:
        errors.print(f"error: {error}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except ModuleNotFoundError as error:
        problem = missing_extra(error)
        if problem is None:
            raise
        errors.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        errors.print("interrupted")
        sys.exit(130)
