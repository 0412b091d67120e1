"""Reading an input in Arrow record batches: Parquet row groups, CSV blocks, or (for the odd
files Arrow cannot stream) the ingest reader's whole table cut into batches.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from icpkit.errors import IcpkitError
from icpkit.ingest.containers import container_of
from icpkit.ingest.readers import (  # the ingest reader's own rules for CSV files
    _refuse_binary,
    _unique_headers,
    read_table,
    sniff_delimiter,
)

BATCH_ROWS = 1 << 18  # rows per batch: ~256k rows keep memory flat and numpy busy
# Arrow's CSV reader reads up to 32 blocks ahead of the batch being scored, held as raw bytes:
# small blocks keep that small (128 MB), and they are joined into batches of BATCH_ROWS.
CSV_BLOCK_BYTES = 1 << 22
# A CSV that Arrow cannot stream (ragged rows, odd encodings) is read whole by the careful
# ingest reader instead, up to this size; beyond it the error is reported.
CAREFUL_MAX_BYTES = 512 * 1024 * 1024
_HEAD_BYTES = 1 << 20

# (batch, fraction of the input done, each row's line or None when unknown)
Batch = tuple[pa.RecordBatch, float, "np.ndarray | None"]


@dataclass
class _Input:
    """An input file opened for streaming: its headers and a batch iterator with progress."""

    headers: list[str]
    # batches(columns) -> (batch, fraction done, each row's line or None when unknown)
    batches: Callable[[list[str]], Iterator[tuple[pa.RecordBatch, float, np.ndarray | None]]]
    kind: str
    warnings: list[str] = field(default_factory=list)  # a header that appears twice


def open_input(path: Path) -> _Input:
    """Open a CSV or Parquet file (or folder of Parquet files) for batch reading."""
    label = str(path)
    if not path.exists():
        raise IcpkitError("file not found", file=label)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.parquet") if p.is_file())
        if not files:
            raise IcpkitError("is a folder with no .parquet files", file=label)
        return _open_parquet(files, label)
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if not head.strip():
        raise IcpkitError("file is empty (no data rows)", file=label)
    if head[:4] == b"PAR1" or path.suffix.lower() in (".parquet", ".pq"):
        return _open_parquet([path], label)
    if container_of(head, path) is not None:  # .xlsx, .csv.gz: the ingest reader opens them
        return _open_careful(path, label)
    return _open_csv(path, head, label)


def _open_parquet(files: list[Path], label: str) -> _Input:
    try:
        opened = [pq.ParquetFile(f) for f in files]
    except (pa.ArrowException, OSError) as error:
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise IcpkitError(f"is not a CSV or Parquet file ({reason})", file=label) from None
    headers = [str(n) for n in opened[0].schema_arrow.names]
    total = sum(f.metadata.num_rows for f in opened) or 1

    def batches(columns: list[str]) -> Iterator[Batch]:
        done = 0
        for file in opened:
            present = [c for c in columns if c in file.schema_arrow.names]
            for batch in file.iter_batches(batch_size=BATCH_ROWS, columns=present):
                done += batch.num_rows
                yield batch, done / total, None

    return _Input(headers, batches, "parquet")


def _open_csv(path: Path, head: bytes, label: str) -> _Input:
    _refuse_binary(head, label)  # an Excel workbook or a PDF saved as .csv
    encoding, text = _head_encoding(head)
    if encoding is None:
        return _open_careful(path, label)
    lines = io.StringIO(text, newline="").readlines()
    if len(lines) < 1 or lines[0].count('"') % 2:
        return _open_careful(path, label)
    delimiter = sniff_delimiter(lines)
    header_cells = next(csv.reader([lines[0]], delimiter=delimiter))
    headers, notes = _unique_headers(header_cells, label)
    size = max(path.stat().st_size, 1)

    def batches(columns: list[str]) -> Iterator[Batch]:
        with path.open("rb") as handle:
            reader = pv.open_csv(
                handle,
                read_options=pv.ReadOptions(
                    column_names=headers,
                    skip_rows=1,
                    block_size=CSV_BLOCK_BYTES,
                    encoding=encoding,
                ),
                parse_options=pv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pv.ConvertOptions(
                    include_columns=columns,
                    column_types=dict.fromkeys(columns, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            blocks: list[pa.RecordBatch] = []
            for block in reader:
                blocks.append(block)
                if sum(b.num_rows for b in blocks) >= BATCH_ROWS:
                    yield pa.concat_batches(blocks), min(handle.tell() / size, 1.0), None
                    blocks = []
            if blocks:
                yield pa.concat_batches(blocks), 1.0, None

    return _Input(headers, batches, "csv", [n for n in notes if "appears twice" in n])


def _head_encoding(head: bytes) -> tuple[str | None, str]:
    """utf8 or cp1252 when Arrow can stream the file, with the head decoded; None when the
    careful reader must look (UTF-16, binary content, undecodable bytes)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        return None, ""
    body = head.removeprefix(codecs.BOM_UTF8)
    try:
        return "utf8", codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return "cp1252", body.decode("cp1252", errors="replace")


def _open_careful(path: Path, label: str) -> _Input:
    """The ingest reader, whole file in memory: for the odd files Arrow cannot stream."""
    if path.stat().st_size > CAREFUL_MAX_BYTES:
        raise IcpkitError(
            "this CSV is too irregular to stream (ragged rows or an unusual encoding) and too "
            "big to read whole; save it as UTF-8 CSV or Parquet",
            file=label,
        )
    table = read_table(path)
    frame = table.frame
    headers = [str(c) for c in frame.columns]

    def batches(columns: list[str]) -> Iterator[Batch]:
        n = len(frame)
        for start in range(0, n, BATCH_ROWS):
            part = frame.iloc[start : start + BATCH_ROWS][columns]
            arrays = [_text_array(part[c]) for c in columns]
            batch = pa.RecordBatch.from_arrays(arrays, names=columns)
            yield batch, min(start + BATCH_ROWS, n) / n, table.lines[start : start + BATCH_ROWS]

    return _Input(headers, batches, "careful", table.warnings)


def _text_array(values: pd.Series) -> pa.Array:
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return pa.array(values, from_pandas=True)
    return pa.array([None if v is None or v is pd.NA else str(v) for v in values], pa.string())
