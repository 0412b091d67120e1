"""Reading CSV and Parquet files as they really arrive, and writing canonical Parquet.

A CSV is read whole, every cell as text (pandas never guesses a type here): UTF-8 with or
without BOM, else Windows-1252, or UTF-16 with or without BOM; ``,`` ``;`` tab or ``|``
sniffed; CRLF; quoted fields holding new lines; gzip-compressed (``.csv.gz``) as well. An Excel
workbook (``.xlsx``) is read from its first sheet, every cell as the text it shows. Each record
keeps the physical line (or sheet row) it starts on (the header is line 1), so a rejected row
can be found in the file. Anything else that is not text (an old ``.xls``, a PDF, a ZIP) is
refused with a one-line :class:`IcpkitError`, never a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from icpkit.errors import IcpkitError
from icpkit.ingest.arrowtext import STR_DTYPE, to_arrow
from icpkit.ingest.containers import container_of, gunzip, workbook_rows

csv.field_size_limit(2**31 - 1)

DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# Leading bytes of files people save with a .csv name by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "it is a ZIP archive; unzip it, or save the sheet as CSV or .xlsx"),
    (b"\xd0\xcf\x11\xe0", "it looks like an old Excel .xls workbook; save it as CSV"),
    (b"\x1f\x8b", "it is gzip-compressed and could not be read as a .csv.gz"),
    (b"%PDF", "it is a PDF document"),
    (b"BZh", "it is bzip2-compressed; decompress it first"),
    (b"\x89PNG", "it is a PNG image"),
    (b"\xff\xd8\xff", "it is a JPEG image"),
)


@dataclass
class RawTable:
    """One file as read: every record, the line it starts on, and how the file was read.

    ``frame`` has one column per header (names made unique); for a CSV every value is the
    cell's text (``str``, never missing), for Parquet the stored values. ``row_errors`` holds,
    per record, why the reader already rejects it (e.g. too many fields) or None.
    """

    label: str
    frame: pd.DataFrame
    lines: np.ndarray
    row_errors: list[str | None]
    kind: str  # "csv" or "parquet"
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    # what the user should act on (a header that appears twice): printed, and in ingest.json
    warnings: list[str] = field(default_factory=list)
    source: dict | None = None  # for a database: {"table": ...} or {"query": ...}
    _text_lines: Sequence[str] | None = None
    _end_lines: np.ndarray | None = None
    _file: Path | None = None  # read by Arrow: records are found again by line
    _line_ends: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.frame)

    def raw_text(self, position: int) -> str:
        """The record at ``position`` (0-based) as it appears in the file."""
        if self._text_lines is not None and self._end_lines is not None:
            start, end = int(self.lines[position]), int(self._end_lines[position])
            return "".join(self._text_lines[start - 1 : end]).rstrip("\r\n")
        if self._file is not None:
            return self._line_of_file(self._file, position)
        row = self.frame.iloc[position]
        return json.dumps({str(k): _jsonable(v) for k, v in row.items()}, default=str)

    def _line_of_file(self, file: Path, position: int) -> str:
        """A record of ``file``, read by Arrow, where record i is on line i + 2."""
        if self._line_ends is None:
            data = np.fromfile(file, dtype=np.uint8)
            self._line_ends = np.flatnonzero(data == ord("\n"))
            del data
        line = int(self.lines[position])
        start = int(self._line_ends[line - 2]) + 1
        end = int(self._line_ends[line - 1]) if line - 1 < len(self._line_ends) else None
        with open(file, "rb") as handle:
            handle.seek(start)
            record = handle.read(None if end is None else end - start)
        return record.decode("utf-8", errors="replace").rstrip("\r\n")

    def describe(self) -> dict:
        """How the file was read, for ``ingest.json``."""
        out: dict = {"format": self.kind}
        if self.encoding:
            out["encoding"] = self.encoding
        if self.delimiter:
            out["delimiter"] = _DELIMITER_NAMES.get(self.delimiter, self.delimiter)
        if self.source:
            out.update(self.source)
        return out


def _jsonable(value: object) -> object:
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


# Files at least this big are read by Arrow's multi-threaded CSV reader when they are regular
# (UTF-8, one record per line, every row as wide as the header); anything else, and smaller
# files, by the careful reader below. Both give the same table.
ARROW_MIN_BYTES = 1024 * 1024
_HEAD_BYTES = 1 << 20

# progress(what, done, total): how far reading a big file has got (rows).
Progress = Callable[[str, int, int], None]


def read_table(path: Path | str, *, progress: Progress | None = None) -> RawTable:
    """Read a CSV, JSON or Parquet file (chosen by content, then by extension).

    Raises :class:`IcpkitError` for a missing, empty, binary, undecodable or header-only file.
    """
    label = str(path)
    file = Path(path)
    if not file.exists():
        raise IcpkitError("file not found", file=label)
    if file.is_dir():
        raise IcpkitError("is a folder, not a file", file=label)
    try:
        size = file.stat().st_size
        with file.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as error:
        raise IcpkitError(f"cannot read the file ({error.strerror})", file=label) from None
    if head[:4] == b"PAR1" or file.suffix.lower() in (".parquet", ".pq"):
        return _read_parquet(file, label)
    container = container_of(head, file)
    if container == "xlsx":
        return _read_workbook(file, label)
    data: bytes | None = None
    if container == "gzip":
        data = gunzip(file, label)
        size, head = len(data), data[:_HEAD_BYTES]
    if (
        size >= ARROW_MIN_BYTES
        and data is None
        and file.suffix.lower() not in JSON_SUFFIXES
        and _utf16_without_bom(head) is None
    ):
        _refuse_binary(head, label)
        table = _read_csv_arrow(file, label, head, size, progress)
        if table is not None:
            return table
    if data is None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise IcpkitError(f"cannot read the file ({error.strerror})", file=label) from None
    if not data.strip():
        raise IcpkitError("file is empty (no data rows)", file=label)
    _refuse_binary(data, label)
    text, encoding = _decode(data, label)
    if file.suffix.lower() in JSON_SUFFIXES or text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{"):
        return read_json_text(text, label)
    return _read_csv_text(text, label, encoding)


def _read_workbook(file: Path, label: str) -> RawTable:
    """The first sheet with values, read as a CSV of it would be: every cell as text, each
    record's line its row in the sheet."""
    rows, numbers, sheet = workbook_rows(file, label)
    if len(rows) == 1:
        raise IcpkitError("no data rows (only a header)", file=label)
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    while width > 1 and not any(r[width - 1].strip() for r in rows):
        width -= 1  # formatted but empty columns at the right of the sheet
    header, notes = _unique_headers(rows[0][:width], label)
    frame = pd.DataFrame(
        {name: pd.Series([r[i] for r in rows[1:]], dtype=object) for i, name in enumerate(header)}
    )
    return RawTable(
        label=label,
        frame=frame,
        lines=np.asarray(numbers[1:], dtype=np.int64),
        row_errors=[None] * (len(rows) - 1),
        kind="xlsx",
        notes=[*notes, f"{label}: read sheet {sheet!r}"],
        warnings=_duplicate_warnings(notes),
    )


def _read_csv_arrow(
    file: Path, label: str, head: bytes, size: int, progress: Progress | None
) -> RawTable | None:
    """A big regular CSV read by Arrow into Arrow-backed text columns; None when the file is
    not regular enough to know every record's line without reading it line by line."""
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        head_text = head.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="strict")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the end of the head
            return None
        head_text = head.removeprefix(codecs.BOM_UTF8)[: error.start].decode("utf-8")
    head_lines = io.StringIO(head_text, newline="").readlines()
    if len(head_lines) < 2 or head_lines[0].count('"') % 2 or head_text.lstrip()[:1] in "[{":
        return None
    delimiter = sniff_delimiter(head_lines)
    header_cells = next(csv.reader([head_lines[0]], delimiter=delimiter))
    header, notes = _unique_headers(header_cells, label)
    with ThreadPoolExecutor(max_workers=1) as pool:  # count lines while Arrow reads
        counting = pool.submit(_count_newlines, file)
        table = _arrow_csv(file, header, delimiter, progress, size)
        newlines, ends_with_newline = counting.result()
    expected = newlines - 1 + (0 if ends_with_newline else 1)
    if table is None or table.num_rows != expected or table.num_rows == 0:
        return None  # blank lines, ragged rows, records over several lines: read carefully
    frame = table.to_pandas(types_mapper={pa.large_string(): STR_DTYPE}.get)
    # the reader's blocks of raw bytes are free now: give them back rather than leave the
    # columns typed next to take new memory (a peak some 40 MB lower for 133 MB)
    pa.default_memory_pool().release_unused()
    return RawTable(
        label=label,
        frame=frame,
        lines=np.arange(2, table.num_rows + 2, dtype=np.int64),
        row_errors=[None] * table.num_rows,
        kind="csv",
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
        warnings=_duplicate_warnings(notes),
        _file=file,
    )


def _arrow_csv(
    file: Path, header: list[str], delimiter: str, progress: Progress | None, size: int
) -> pa.Table | None:
    """Every cell as text, or None when Arrow finds the file irregular (a row wider or
    narrower than the header, a quoted field over several lines, bytes that are not UTF-8)."""
    if progress is not None:
        progress(f"Reading {file.name}", 0, size)
    try:
        # the whole file at once: Arrow parses its 8 MB blocks on every core (a streaming
        # reader would convert them one after the other); each block stays a chunk of the
        # columns, big enough for numpy to work on without joining them
        table = pv.read_csv(
            file,
            read_options=pv.ReadOptions(
                column_names=header, skip_rows=1, block_size=8 << 20, use_threads=True
            ),
            parse_options=pv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException, OSError):
        return None
    if progress is not None:
        progress(f"Reading {file.name}", size, size)
    return table


def _count_newlines(file: Path) -> tuple[int, bool]:
    count, last = 0, b""
    with file.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            count += int(np.count_nonzero(np.frombuffer(chunk, dtype=np.uint8) == 10))
            last = chunk[-1:]
    return count, last == b"\n"


def _refuse_binary(data: bytes, label: str) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise IcpkitError(f"is not a CSV or Parquet file ({what})", file=label)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(data):
        return
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise IcpkitError(
            f"is not a CSV or Parquet file (binary content: a NUL byte on line {line})",
            file=label,
        )


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-be"`` or ``"utf-16-le"`` when the bytes are UTF-16 text saved without a byte
    order mark (what some Windows and Mac exports write): in text that is mostly ASCII, one
    byte of each pair is NUL. None otherwise."""
    sample = data[:4096]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    for zeros, others, name in ((even, odd, "utf-16-be"), (odd, even, "utf-16-le")):
        if zeros.count(0) >= 0.9 * len(zeros) and others.count(0) <= 0.1 * len(others):
            try:
                data[: len(data) - len(data) % 2].decode(name)
            except UnicodeDecodeError:
                return None
            return name
    return None


def _decode(data: bytes, label: str) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise IcpkitError("cannot decode the text as UTF-16", file=label) from None
    bare = _utf16_without_bom(data)
    if bare is not None:
        if len(data) % 2:
            raise IcpkitError(
                "cannot decode the text as UTF-16 (an odd number of bytes)", file=label
            )
        return data.decode(bare), bare
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            _undecodable(data, 3 + error.start, label)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        _undecodable(data, error.start, label)
    raise AssertionError("unreachable")


def _undecodable(data: bytes, position: int, label: str) -> None:
    line = data.count(b"\n", 0, position) + 1
    raise IcpkitError(
        f"cannot decode the text: neither UTF-8 nor Windows-1252 "
        f"(byte 0x{data[position]:02x}); save the file as UTF-8",
        file=label,
        line=line,
    )


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter that splits the first lines into the most, most consistent fields."""
    sample_lines = list(lines[:50])
    sample = "".join(sample_lines)
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [
                r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r
            ]
        except csv.Error:
            continue
        if len(lines) > len(sample_lines) and len(rows) > 2:
            rows = rows[:-1]  # the last sampled record may continue past the sample
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:] or rows
        consistent = sum(len(r) == width for r in body) / len(body)
        score = (round(consistent, 2), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv_text(text: str, label: str, encoding: str) -> RawTable:
    text = text.removeprefix("\ufeff")
    lines = io.StringIO(text, newline="").readlines()
    delimiter = sniff_delimiter(lines)
    fast = _fast_parse(text, lines, delimiter)
    if fast is not None:
        header_cells, columns, starts, short_rows = fast
        ends = starts
        row_errors: list[str | None] = [None] * len(starts)
    else:
        header_cells, columns, starts, ends, row_errors, short_rows = _careful_parse(
            lines, delimiter, label
        )
    header, notes = _unique_headers(header_cells, label)
    if short_rows:
        notes.append(
            f"{label}: {short_rows} rows have fewer fields than the header; "
            "their missing cells were read as blank"
        )
    frame = pd.DataFrame(
        {
            name: pd.Series(values, dtype=object)
            for name, values in zip(header, columns, strict=True)
        }
    )
    if encoding == "cp1252":
        notes.append(f"{label}: not valid UTF-8, read as Windows-1252")
    return RawTable(
        label=label,
        frame=frame,
        lines=np.asarray(starts, dtype=np.int64),
        row_errors=row_errors,
        kind="csv",
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
        warnings=_duplicate_warnings(notes),
        _text_lines=lines,
        _end_lines=np.asarray(ends, dtype=np.int64),
    )


def _fast_parse(
    text: str, lines: Sequence[str], delimiter: str
) -> tuple[list[str], list[Sequence[str]], list[int], int] | None:
    """pandas' C parser, when every record is one line (then line numbers are known).

    Returns None (use the careful parser) when any record may span lines, a line is only
    spaces, or a row has more fields than the header.
    """
    starts: list[int] = []
    for number, line in enumerate(lines, start=1):
        content = line.rstrip("\r\n")
        if content:
            if not content.strip():
                return None
            starts.append(number)
    if len(starts) < 2:
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=object,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=True,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError, csv.Error):
        return None
    if len(frame) != len(starts):
        return None  # some record spans several lines
    missing = frame.isna()
    short_rows = int(missing.iloc[1:].any(axis=1).sum())
    frame = frame.fillna("")
    header = [str(v) for v in frame.iloc[0].to_list()]
    columns = [frame[c].to_numpy(dtype=object)[1:] for c in frame.columns]
    return header, columns, starts[1:], short_rows


def _careful_parse(
    lines: Sequence[str], delimiter: str, label: str
) -> tuple[list[str], list[Sequence[str]], list[int], list[int], list[str | None], int]:
    """Python's csv module, record by record, tracking the lines each record spans."""
    reader = csv.reader(lines, delimiter=delimiter)
    records: list[list[str]] = []
    starts: list[int] = []
    ends: list[int] = []
    previous = 0
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            records.append(record)
            starts.append(start)
            ends.append(previous)
    except csv.Error as error:
        raise IcpkitError(f"cannot read CSV: {error}", file=label, line=previous + 1) from None
    if records and ends[-1] > starts[-1]:
        last = "".join(lines[starts[-1] - 1 : ends[-1]])
        if last.count('"') % 2:
            raise IcpkitError(
                'a quoted field is never closed (a missing ")', file=label, line=starts[-1]
            )
    if not records:
        raise IcpkitError("file is empty (no data rows)", file=label)
    if len(records) == 1:
        raise IcpkitError("no data rows (only a header)", file=label)
    width = len(records[0])
    row_errors: list[str | None] = []
    short_rows = 0
    body = records[1:]
    for i, record in enumerate(body):
        problem = None
        if len(record) > width:
            if any(cell.strip() for cell in record[width:]):
                problem = f"row has {len(record)} fields, the header has {width}"
            body[i] = record[:width]
        elif len(record) < width:
            short_rows += 1
            body[i] = record + [""] * (width - len(record))
        row_errors.append(problem)
    columns: list[Sequence[str]] = list(zip(*body, strict=True))
    return records[0], columns, starts[1:], ends[1:], row_errors, short_rows


def _unique_headers(cells: Sequence[str], label: str) -> tuple[list[str], list[str]]:
    headers: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells):
        name = cell.strip().removeprefix("\ufeff").strip() or f"column_{i + 1}"
        if name in seen:
            k = 2
            while f"{name} ({k})" in seen:
                k += 1
            notes.append(f'{label}: header "{name}" appears twice; the second is "{name} ({k})"')
            name = f"{name} ({k})"
        seen.add(name)
        headers.append(name)
    return headers, notes


def _duplicate_warnings(notes: list[str]) -> list[str]:
    """The notes that say a header appears twice: a second column of the same name is read
    under a new name, which the user should know before trusting either."""
    return [note for note in notes if "appears twice" in note]


def _nullable_dtype(arrow_type: pa.DataType) -> object:
    """Integers and booleans with missing values stay integers and booleans."""
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    return None


def _read_parquet(file: Path, label: str) -> RawTable:
    try:
        table = pq.read_table(file)
    except (pa.ArrowException, OSError) as error:
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise IcpkitError(f"is not a CSV or Parquet file ({reason})", file=label) from None
    return raw_from_arrow(table, label, "parquet")


def raw_from_arrow(table: pa.Table, label: str, kind: str) -> RawTable:
    """A typed table (Parquet, a database query) as read: integers and booleans nullable,
    decimals as floats, text as Python strings with None for missing. A row's "line" is its
    number plus one, as if a header were line 1."""
    if table.num_rows == 0:
        raise IcpkitError("no data rows", file=label)
    names, notes = _unique_headers([str(n) for n in table.column_names], label)
    table = table.rename_columns(names)
    for i, column in enumerate(table.schema):
        if pa.types.is_decimal(column.type):
            table = table.set_column(i, column.name, table.column(i).cast(pa.float64()))
    frame = table.to_pandas(date_as_object=False, types_mapper=_nullable_dtype)
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        if pd.api.types.is_string_dtype(column.dtype) and not isinstance(column.dtype, np.dtype):
            column = column.astype(object)
        if column.dtype == object:
            frame[name] = column.where(column.notna(), None)
    frame.columns = [str(c) for c in frame.columns]
    return RawTable(
        label=label,
        frame=frame,
        lines=np.arange(2, len(frame) + 2, dtype=np.int64),
        row_errors=[None] * len(frame),
        kind=kind,
        notes=notes,
        warnings=_duplicate_warnings(notes),
    )


# ---------------------------------------------------------------------------------------------
# JSON: API responses and JSON lines

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
# Keys under which APIs return their list of records: HubSpot "results", Pipedrive "data",
# Salesforce REST "records".
RECORD_KEYS = ("results", "data", "records", "items", "rows")


def read_json_text(text: str, label: str) -> RawTable:
    """Records from a JSON array, an API response (``{"results": [...]}``, ``{"data": [...]}``,
    ``{"records": [...]}``) or JSON lines. Nested objects flatten to dotted names
    (``properties.amount``, ``org_id.value``); a list of objects to one column per key with
    the values joined by ``;``. Every value becomes text as a CSV cell would be (``true``,
    ``1200``, blank for null), so the same normalisers apply. A record's line is the line it
    starts on.
    """
    text = text.removeprefix("\ufeff")
    records, lines = _json_records(text, label)
    if not records:
        raise IcpkitError("no records in this JSON file", file=label)
    rows = []
    for number, record in zip(lines, records, strict=True):
        if not isinstance(record, dict):
            raise IcpkitError("a record is not a JSON object", file=label, line=number)
        flat: dict[str, str] = {}
        _flatten(record, "", flat)
        rows.append(flat)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    header, notes = _unique_headers(columns, label)
    frame = pd.DataFrame(
        {
            name: pd.Series([row.get(key, "") for row in rows], dtype=object)
            for name, key in zip(header, columns, strict=True)
        }
    )
    return RawTable(
        label=label,
        frame=frame,
        lines=np.asarray(lines, dtype=np.int64),
        row_errors=[None] * len(frame),
        kind="json",
        encoding="utf-8",
        notes=notes,
        warnings=_duplicate_warnings(notes),
    )


def _json_records(text: str, label: str) -> tuple[list, list[int]]:
    decoder = json.JSONDecoder()
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as error:
        if text.lstrip().startswith("{") and "\n" in text.strip():
            return _json_lines(text, decoder, label)
        raise IcpkitError(f"not valid JSON: {error.msg}", file=label, line=error.lineno) from None
    if isinstance(whole, list):
        return whole, _element_lines(text, text.index("["), decoder)
    if isinstance(whole, dict):
        for key in RECORD_KEYS:
            if isinstance(whole.get(key), list):
                start = _value_start(text, key, decoder)
                return whole[key], _element_lines(text, start, decoder)
        return [whole], [text.count("\n", 0, text.index("{")) + 1]
    raise IcpkitError("JSON holds neither records nor a list of records", file=label)


def _json_lines(text: str, decoder: json.JSONDecoder, label: str) -> tuple[list, list[int]]:
    records, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(decoder.decode(line))
        except json.JSONDecodeError as error:
            raise IcpkitError(f"not valid JSON: {error.msg}", file=label, line=number) from None
        lines.append(number)
    return records, lines


def _skip(text: str, position: int, chars: str = " \t\r\n") -> int:
    while position < len(text) and text[position] in chars:
        position += 1
    return position


def _value_start(text: str, wanted: str, decoder: json.JSONDecoder) -> int:
    """Where the value of a top-level key starts (the text is known to be valid JSON)."""
    position = _skip(text, text.index("{") + 1)
    while text[position] != "}":
        key, position = decoder.raw_decode(text, position)
        position = _skip(text, _skip(text, position) + 1)  # past ":"
        if key == wanted:
            return position
        _, position = decoder.raw_decode(text, position)
        position = _skip(text, _skip(text, position), " \t\r\n,")
    raise AssertionError("key not found in valid JSON")


def _element_lines(text: str, start: int, decoder: json.JSONDecoder) -> list[int]:
    """The line each element of the array opening at ``start`` starts on."""
    lines: list[int] = []
    line, counted = 1, 0
    position = _skip(text, start + 1)
    while position < len(text) and text[position] != "]":
        line += text.count("\n", counted, position)
        counted = position
        lines.append(line)
        _, position = decoder.raw_decode(text, position)
        position = _skip(text, position, " \t\r\n,")
    return lines


def _flatten(value: object, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        parts: dict[str, list[str]] = {}
        for item in value:
            flat: dict[str, str] = {}
            _flatten(item, prefix, flat)
            for key, text in flat.items():
                parts.setdefault(key, []).append(text)
        for key, texts in parts.items():
            out[key] = ";".join(t for t in texts if t)
    elif isinstance(value, list):
        out[prefix] = ";".join(_json_text(v) for v in value if v is not None)
    else:
        out[prefix] = _json_text(value)


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# ---------------------------------------------------------------------------------------------
# Writing


def _arrow_column(series: pd.Series) -> pa.Array:
    dtype = series.dtype
    missing = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(dtype):
        days = series.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        return pa.array(days, type=pa.date32(), mask=missing)
    if isinstance(dtype, pd.BooleanDtype):
        return pa.array(series.to_numpy(dtype=object, na_value=None), type=pa.bool_())
    if isinstance(dtype, pd.Int64Dtype):
        return pa.array(series.to_numpy(dtype=object, na_value=None), type=pa.int64())
    if pd.api.types.is_float_dtype(dtype):
        return pa.array(series.to_numpy(dtype="float64", na_value=np.nan), type=pa.float64())
    if isinstance(dtype, pd.StringDtype):
        return to_arrow(series).cast(pa.string()).combine_chunks()
    values = series.to_list()
    if any(isinstance(v, list) for v in values):
        return pa.array(
            [v if isinstance(v, list) else None for v in values], type=pa.list_(pa.string())
        )
    return pa.array([None if v is None or v is pd.NA else str(v) for v in values], pa.string())


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a canonical table: strings, int64, float64, bool, date32, list<string>."""
    arrays = [_arrow_column(frame[name]) for name in frame.columns]
    table = pa.Table.from_arrays(arrays, names=[str(c) for c in frame.columns])
    pq.write_table(table, path)
