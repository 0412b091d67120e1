"""`icpkit score`: every row of a file in, every row out with its score, tier and reasons.

A file of any size is read in Arrow record batches (Parquet row groups, CSV blocks) and written
batch by batch, so memory stays flat whatever the row count, and rows come out once each, in
input order.

A batch is scored by what its rows *are*, not row by row: each column the card reads is
reduced to its distinct values (Arrow's dictionary encoding, in C++), each distinct value is
read and binned by the very code of the in-memory path (``prepare``, then
``icpkit.conditions``), and each row gets the key "which bin of every attribute, which
disqualifier". Only one row per distinct key goes through :meth:`Scorecard.apply`; its score,
tier and reasons are then copied to every row with that key. A universe of ten million
companies has a few hundred distinct keys, so the Python work does not grow with the rows.
Numbers written plainly in a CSV ("5000000", "1,200") are cast by Arrow in bulk, and only the
column's other text goes through the parsers, with the same result
(:mod:`icpkit.score.plain_numbers`).

Columns: a card column is found by its exact name first, then the way ``icpkit ingest`` finds
it (a ``--mapping`` file, then known aliases such as "Number of Employees" for ``employees``).
A card column the input lacks is derived from the raw ones it has, as :mod:`icpkit.inputs`
states (``region`` from ``country``, also where the region is blank or unreadable), exactly as
``icpkit sql``, Spark and the API derive it. When none of the card's columns is there, scoring
stops at once with the list of what it reads; when only some are, the rest score as missing
("unknown") and the summary names them. A number out of its column's range
(:mod:`icpkit.bounds`) is unknown too, and ``icp_reasons`` says so. A value
that cannot be read as its attribute's kind (text in a numeric column, "maybe" in a boolean
one) also scores as missing, and is counted per column in ``unreadable``.

The parts: :mod:`~icpkit.score.values` reads a column's values as the card compares them,
:mod:`~icpkit.score.batches` scores a batch, :mod:`~icpkit.score.reading` and
:mod:`~icpkit.score.writing` read and write files, :mod:`~icpkit.score.overlap` runs them side
by side, :mod:`~icpkit.score.columns` finds the card's columns among the input's headers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from icpkit import inputs
from icpkit.errors import IcpkitError
from icpkit.score.batches import BatchScorer
from icpkit.score.columns import (
    ID_CANDIDATES,
    _id_column,
    _missing,
    _unit_columns,
    find_columns,
    mapping_scale,
)
from icpkit.score.overlap import _ahead, _BackgroundWriter
from icpkit.score.reading import (
    BATCH_ROWS,
    CAREFUL_MAX_BYTES,
    CSV_BLOCK_BYTES,
    _Input,
    _open_careful,
    open_input,
)
from icpkit.score.values import NUMBER_PARSERS, PARSERS, prepare, prepare_columns
from icpkit.score.writing import _Writer
from icpkit.scorecard.io import load_scorecard
from icpkit.scorecard.model import TIER_NAMES, Scorecard

__all__ = [
    "BATCH_ROWS",
    "CAREFUL_MAX_BYTES",
    "CSV_BLOCK_BYTES",
    "ID_CANDIDATES",
    "NUMBER_PARSERS",
    "PARSERS",
    "SCORE_COLUMNS",
    "BatchScorer",
    "Progress",
    "_Writer",  # the web upload's writer (icpkit.serve.uploads)
    "find_columns",
    "mapping_scale",
    "open_input",
    "prepare",
    "prepare_columns",
    "score_file",
    "score_frame",
]

SCORE_COLUMNS = ("icp_score", "icp_tier", "icp_disqualified", "icp_reasons")

# progress(fraction): how much of the input has been scored, 0.0 to 1.0.
Progress = Callable[[float], None]


def score_frame(card: Scorecard, frame: pd.DataFrame, id_column: str | None) -> pd.DataFrame:
    """Score a DataFrame in memory: the id (when given) and the four icp_ columns."""
    scored = card.apply(prepare(frame, card))
    ids = frame[id_column] if id_column else None
    return scored.to_frame(ids=ids, id_name=id_column or "account_id")


def score_file(
    scorecard: Path | Scorecard,
    input_path: Path,
    out: Path | None,
    *,
    id_column: str | None = None,
    mapping: Path | None = None,
    progress: Progress | None = None,
    units: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Score ``input_path`` (CSV, Parquet file or folder) and write ``out`` (.csv/.parquet;
    None only counts, as sizing a universe does).

    ``units``: column -> factor, applied as values are read (``--units
    annual_revenue=millions`` gives ``{"annual_revenue": 1e6}``), over the mapping's scale.

    Returns a summary: ``rows``, ``tiers`` (rows per tier), ``columns_used`` (card column ->
    input header), ``columns_missing``, ``unreadable`` (card column -> rows whose value
    could not be read and so scored as missing), ``formats`` (how numeric columns write
    their decimals, when it mattered), ``notes`` and ``warnings`` (implausible units, numbers
    written two ways).
    """
    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise IcpkitError("output must end in .csv or .parquet", file=out)
    if out is not None and out.exists() and out.resolve() == Path(input_path).resolve():
        raise IcpkitError("the output would overwrite the input; choose another --out", file=out)
    card = scorecard if isinstance(scorecard, Scorecard) else load_scorecard(scorecard)
    source = open_input(Path(input_path))
    label = str(input_path)
    sources = find_columns(source.headers, inputs.raw_columns(card.columns), mapping)
    if not sources:
        raise IcpkitError(
            "none of the columns the scorecard reads are here (it reads "
            + ", ".join(card.columns)
            + ")",
            file=label,
        )
    ident = _id_column(source.headers, id_column, label, mapping)
    checked = _unit_columns(source.headers, card, sources, mapping)
    wanted = list(
        dict.fromkeys([*([ident] if ident else []), *sources.values(), *checked.values()])
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    scale = {**mapping_scale(mapping), **(units or {})}
    scorer = BatchScorer(card, sources, scale, checked=checked)
    try:
        rows = _score_batches(scorer, source, wanted, ident, out, progress)
    except pa.ArrowInvalid as error:
        if source.kind != "csv":
            raise IcpkitError(f"cannot read the file: {_first_line(error)}", file=label) from None
        # Ragged rows or bytes Arrow refuses: the careful reader pads, decodes and names lines.
        source = _open_careful(Path(input_path), label)
        scorer = BatchScorer(card, sources, scorer.scale, checked=checked)
        rows = _score_batches(scorer, source, wanted, ident, out, progress)
    if rows == 0:
        raise IcpkitError("no data rows", file=label)
    stated, notes, warnings = scorer.findings()
    return {
        "rows": rows,
        "tiers": {t: scorer.tiers.get(t, 0) for t in TIER_NAMES},
        "columns_used": sources,
        "columns_missing": _missing(card, sources),
        "unreadable": dict(scorer.unreadable),
        "formats": stated,
        "notes": notes,
        "warnings": source.warnings + warnings,
    }


def _score_batches(
    scorer: BatchScorer,
    source: _Input,
    wanted: list[str],
    ident: str | None,
    out: Path | None,
    progress: Progress | None,
) -> int:
    writer = _BackgroundWriter(_Writer(out)) if out is not None else None
    rows = 0
    try:
        for batch, done, lines in _ahead(source.batches(wanted)):
            scores = scorer.score(batch)
            if ident is not None:
                first = {ident: batch.column(ident)}
            else:  # no id: the row's line, counting the header as line 1
                if lines is None:
                    lines = np.arange(rows + 2, rows + 2 + batch.num_rows)
                first = {"row": pa.array(lines, pa.int64())}
            if writer is not None:
                writer.write(pa.table({**first, **scores}))
            rows += batch.num_rows
            if progress is not None:
                progress(done)
    finally:
        if writer is not None:
            writer.close()
    return rows


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
