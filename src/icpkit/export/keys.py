"""Record keys: each scored row's key in the CRM, and the rows that cannot have one.

A row whose key cell is blank or malformed, or repeats a key already seen, cannot be written
(the second would overwrite the first); it is set aside with its line and the reason, never
dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from icpkit.export.scores import ScoredAccounts, cell_text


@dataclass(frozen=True)
class Skipped:
    line: int
    value: str
    reason: str


@dataclass(frozen=True)
class KeyedRow:
    position: int
    line: int
    key: str


def keyed_rows(
    scored: ScoredAccounts, column: str, normalise: Callable[[str], str], skipped: list[Skipped]
) -> Iterator[KeyedRow]:
    """Rows with a usable, first-seen key; the others are appended to ``skipped``."""
    first_line: dict[str, int] = {}
    cells = scored.inputs[column].tolist()
    for position, (cell, line) in enumerate(zip(cells, scored.lines.tolist(), strict=True)):
        text = cell_text(cell)
        try:
            key = normalise(text)
        except ValueError as error:
            skipped.append(Skipped(line, text, str(error)))
            continue
        if key in first_line:
            skipped.append(Skipped(line, text, f"same key as line {first_line[key]}"))
            continue
        first_line[key] = line
        yield KeyedRow(position, line, key)


def skipped_frame_rows(skipped: list[Skipped], column: str) -> list[dict[str, object]]:
    return [{"line": s.line, column: s.value, "reason": s.reason} for s in skipped]
