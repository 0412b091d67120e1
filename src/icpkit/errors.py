"""User-facing errors: one line that names the file, line and column at fault."""

from __future__ import annotations

from pathlib import Path


class IcpkitError(Exception):
    """A mistake in the user's input or configuration, reported without a traceback.

    The CLI prints ``str(error)`` and exits non-zero. ``file``, ``line`` (1-based, counting the
    header as line 1) and ``column`` locate the problem when known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message
