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
"""

from __future__ import annotations

import codecs
import csv
import io
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import pyarrow.parquet as pq

from icpkit import inputs
from icpkit.conditions import first_match_coded, out_of_range, read_column
from icpkit.csvsafe import FORMULA_STARTS, escape_formula
from icpkit.errors import IcpkitError
from icpkit.ingest import formats, normalise
from icpkit.ingest.containers import container_of
from icpkit.ingest.readers import (  # the ingest reader's own rules for CSV files
    _refuse_binary,
    _unique_headers,
    read_table,
    sniff_delimiter,
)
from icpkit.scorecard.io import load_scorecard
from icpkit.scorecard.model import TIER_NAMES, Scorecard

SCORE_COLUMNS = ("icp_score", "icp_tier", "icp_disqualified", "icp_reasons")
ID_CANDIDATES = ("account_id", "id", "Id")
BATCH_ROWS = 1 << 18  # Parquet rows per batch: ~256k rows keep memory flat and numpy busy
CSV_BLOCK_BYTES = 1 << 24
# A CSV that Arrow cannot stream (ragged rows, odd encodings) is read whole by the careful
# ingest reader instead, up to this size; beyond it the error is reported.
CAREFUL_MAX_BYTES = 512 * 1024 * 1024
_HEAD_BYTES = 1 << 20
_LIST_JOIN = "\x1f"  # ASCII unit separator: joins list items, never part of a real value


def _size_amount(column: str) -> Callable[..., float]:
    """Money that measures a company (revenue, funding): a negative one is unreadable."""

    def parse(text: str, *, decimal_comma: bool = False) -> float:
        amount = normalise.parse_money(text, decimal_comma=decimal_comma).amount
        if amount < 0:
            raise normalise.ParseError(formats.negative_reason(column, text))
        return amount

    return parse


# Numeric canonical columns: their parsers take ``decimal_comma``, which a file's column
# decides ("12.800" is 12800 in a column that writes 1.234,5; see icpkit.ingest.formats).
NUMBER_PARSERS: dict[str, Callable[..., Any]] = {
    "employees": normalise.parse_employees,
    "annual_revenue": _size_amount("annual_revenue"),
    "total_funding": _size_amount("total_funding"),
}

# Canonical columns whose text needs reading before bins can compare it: "51-200" employees,
# "$2.5M" revenue, "USA" as a country, "Computer Software" as an industry. The text ones are
# the lookups of icpkit.inputs, which SQL compiles to the same tables.
PARSERS: dict[str, Callable[[str], Any]] = {
    **NUMBER_PARSERS,
    "country": inputs.country_code,
    "region": inputs.region_label,
    "industry": inputs.industry_of,
    "funding_stage": inputs.funding_stage_of,
    "founded_year": normalise.parse_year,
}

# progress(fraction): how much of the input has been scored, 0.0 to 1.0.
Progress = Callable[[float], None]
Batch = tuple[pa.RecordBatch, float, "np.ndarray | None"]


# ---- the in-memory path (the API and small frames) ----


def prepare(
    frame: pd.DataFrame,
    card: Scorecard,
    number_formats: dict[str, formats.NumberFormat] | None = None,
) -> pd.DataFrame:
    """The columns the card reads, in canonical form where the column is a canonical one.
    A value no parser can read becomes missing (it then scores as 'unknown').

    ``number_formats``: how each numeric column of a file writes its decimals, decided from
    its values the first time they tell (and remembered in the dict for the next batch);
    None reads each value on its own (one company from the API has no column to ask)."""
    return prepare_columns(frame, card.columns, number_formats)


def prepare_columns(
    frame: pd.DataFrame,
    columns: list[str],
    number_formats: dict[str, formats.NumberFormat] | None = None,
) -> pd.DataFrame:
    """:func:`prepare` for the named columns; a derived column (``region``) is filled in from
    its source (``country``) where it is blank, unreadable or absent (see icpkit.inputs)."""
    prepared = pd.DataFrame(index=frame.index)
    for column in columns:
        if column in frame.columns:
            prepared[column] = _prepared(frame, column, number_formats)
        if column == "region" and "country" in frame.columns:
            countries = frame["country"].astype(object)
            if column in prepared.columns:
                blank = prepared[column].isna().to_numpy()
                countries = countries.where(blank, None)
            derived = _parse_unique(countries, inputs.region_of_country)
            prepared[column] = (
                derived.where(derived.notna(), prepared[column])
                if column in prepared.columns
                else derived
            )
    return prepared


def _prepared(
    frame: pd.DataFrame, column: str, number_formats: dict[str, formats.NumberFormat] | None
) -> pd.Series:
    values = frame[column]
    parser = PARSERS.get(column)
    if parser is not None and (values.dtype == object or pd.api.types.is_string_dtype(values)):
        if number_formats is not None and column in NUMBER_PARSERS:
            parser = _parser_for_column(column, values, number_formats)
        values = _parse_unique(values, parser)
    return values


def _parser_for_column(
    column: str, values: pd.Series, number_formats: dict[str, formats.NumberFormat]
) -> Callable[[str], Any]:
    number = number_formats.get(column)
    if number is None:
        texts = (str(v).strip() for v in values.dropna().unique())
        number = formats.decide_decimal_mark(formats.mark_examples(texts))
        if number.because is not None or number.grouped is not None or number.conflict:
            number_formats[column] = number  # the values told: later batches read the same
    if not number.decimal_comma:
        return NUMBER_PARSERS[column]
    return lambda text: NUMBER_PARSERS[column](text, decimal_comma=True)


def _parse_unique(values: pd.Series, parser: Callable[[str], Any]) -> pd.Series:
    parsed: dict[Any, Any] = {}
    for raw in values.dropna().unique():
        text = str(raw).strip()
        if not text:
            parsed[raw] = None
            continue
        try:
            parsed[raw] = parser(text)
        except normalise.OutOfRange as error:  # kept, so the bounds say why it is unknown
            parsed[raw] = error.value
        except (normalise.ParseError, ValueError):
            parsed[raw] = None
    return values.map(parsed).astype(object)


def score_frame(card: Scorecard, frame: pd.DataFrame, id_column: str | None) -> pd.DataFrame:
    """Score a DataFrame in memory: the id (when given) and the four icp_ columns."""
    scored = card.apply(prepare(frame, card))
    ids = frame[id_column] if id_column else None
    return scored.to_frame(ids=ids, id_name=id_column or "account_id")


# ---- scoring Arrow batches by distinct keys ----


@dataclass
class _Column:
    """One column of a batch as its distinct values: ``distinct[codes[i]]`` is row i's value."""

    codes: np.ndarray
    distinct: pd.Series  # raw values, object dtype; the last may be None for nulls
    prepared: pd.DataFrame  # the distinct values after ``prepare`` (canonical parsing)
    counts: np.ndarray  # rows per distinct value


def _distinct(array: pa.Array | None, n: int) -> tuple[np.ndarray, pd.Series]:
    """Codes per row and the distinct values, computed in Arrow; numbers stay as they are."""
    if array is None:
        return np.zeros(n, dtype=np.int64), pd.Series([None], dtype=object)
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.cast(kind.value_type)
        kind = array.type
    if pa.types.is_integer(kind):  # nullable integers, as the ingest reader gives them
        numbers = array.cast(pa.int64()).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        return np.arange(n, dtype=np.int64), numbers
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        numbers = array.cast(pa.float64()).to_numpy(zero_copy_only=False)
        return np.arange(n, dtype=np.int64), pd.Series(numbers, dtype="float64")
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _distinct_lists(array)
    try:
        encoded = pc.dictionary_encode(array, null_encoding="mask")
    except pa.ArrowException:  # a type Arrow cannot dictionary-encode: take its values as they are
        return np.arange(n, dtype=np.int64), pd.Series(array.to_pylist(), dtype=object)
    values = encoded.dictionary.to_pandas(date_as_object=False).astype(object).tolist()
    codes = encoded.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
    return codes.astype(np.int64), pd.Series([*values, None], dtype=object)


def _distinct_lists(array: pa.Array) -> tuple[np.ndarray, pd.Series]:
    """Lists keyed by their items joined with a separator no value holds; a null item reads
    as the text "None", as Python's ``str(None)`` does."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    items = array.flatten().cast(pa.string()).fill_null("None")
    lengths = pc.list_value_length(array).fill_null(0).to_numpy(zero_copy_only=False)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    rebuilt = pa.ListArray.from_arrays(pa.array(offsets), items, mask=array.is_null())
    joined = pc.binary_join(rebuilt, _LIST_JOIN)
    codes, distinct = _distinct(joined, len(array))
    lists = [None if v is None else v.split(_LIST_JOIN) for v in distinct]
    return codes, pd.Series(lists, dtype=object)


def _combine(key: np.ndarray, part: np.ndarray, size: int) -> np.ndarray:
    """Mixed-radix key; renumbered densely when it grows, so it never overflows."""
    key = key * size + part
    if key.max(initial=0) > 1 << 40:
        key = pd.factorize(key)[0].astype(np.int64)
    return key


@dataclass
class BatchScorer:
    """Scores Arrow record batches with a card; ``sources`` maps a card column to the batch
    column holding it (absent: the card column is missing). Counts unreadable values."""

    card: Scorecard
    sources: dict[str, str]
    scale: dict[str, float] = field(default_factory=dict)  # column -> factor (--units, mapping)
    unreadable: Counter = field(default_factory=Counter)
    tiers: Counter = field(default_factory=Counter)
    # revenue and employees are checked for plausible units; ``checked`` names the columns
    # read for that alone (the card does not score them): column -> batch column
    checked: dict[str, str] = field(default_factory=dict)
    units: formats.UnitCheck = field(default_factory=formats.UnitCheck)
    number_formats: dict[str, formats.NumberFormat] = field(default_factory=dict)

    def findings(self) -> tuple[dict[str, dict], list[str], list[str]]:
        """(formats as ingest.json states them, notes, warnings) of what was read so far."""
        stated = {c: f for c, f in self.number_formats.items() if f.worth_stating}
        notes = [n for c, f in stated.items() if (n := f.note(c))]
        warnings = [w for c, f in stated.items() if (w := f.warning(c))]
        return {c: f.describe() for c, f in stated.items()}, notes, warnings + self.units.warnings()

    def score(self, batch: pa.RecordBatch) -> dict[str, pa.Array]:
        n = batch.num_rows
        columns = {c: self._column(batch, c, n) for c in self.card.columns}
        self._check_units(batch, columns, n)
        key = np.zeros(n, dtype=np.int64)
        items = [a.bin_conditions() for a in self.card.attributes]
        items += [[(r.column, r.kind, [r.condition])] for r in self.card.disqualifiers]
        counted: set[tuple[str, str]] = set()
        for parts in items:
            coded = []
            for column, kind, conditions in parts:
                col = columns[column]
                values = read_column(col.prepared, column, kind)
                coded.append((values, kind, conditions, col.codes))
                if (column, kind) not in counted:
                    counted.add((column, kind))
                    self._count_unreadable(column, kind, col, values)
                    if kind == "numeric":  # out of range reads as unknown, with its own reason
                        outside = out_of_range(col.prepared, column, kind)
                        key = _combine(key, outside.astype(np.int64)[col.codes], 2)
            key = _combine(key, first_match_coded(coded), len(parts[0][2]) + 1)
        codes, _ = pd.factorize(key)
        # factorize numbers keys in order of first appearance: a key's first row is where
        # the running maximum of the codes grows (one row per distinct key, in O(n)).
        seen = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
        first = np.flatnonzero(codes > seen)
        representatives = pd.DataFrame(
            {
                c: col.prepared[c].iloc[col.codes[first]].reset_index(drop=True)
                for c, col in columns.items()
                if c in col.prepared.columns
            }
        )
        result = self.card.apply(representatives).to_frame()
        tiers = result["icp_tier"].to_numpy()
        for tier, rows in zip(tiers, np.bincount(codes, minlength=len(tiers)), strict=True):
            self.tiers[tier] += int(rows)
        # Texts stay dictionary-encoded (a code per row, each text once): copying a reason
        # string into every row would cost more than all the scoring.
        indices = pa.array(codes.astype(np.int32))
        return {
            "icp_score": pa.array(result["icp_score"].to_numpy(np.int64)[codes]),
            "icp_tier": pa.DictionaryArray.from_arrays(indices, pa.array(tiers.astype(str))),
            "icp_disqualified": pa.array(result["icp_disqualified"].to_numpy(bool)[codes]),
            "icp_reasons": pa.DictionaryArray.from_arrays(
                indices, pa.array(result["icp_reasons"].tolist(), pa.string())
            ),
        }

    def _check_units(self, batch: pa.RecordBatch, columns: dict[str, _Column], n: int) -> None:
        """Feed the rows' revenue and employees (scaled as told) to the unit check."""

        def per_row(column: str) -> np.ndarray | None:
            if column in self.checked:
                col = self._column(batch, column, n, source=self.checked[column])
            elif column in self.sources:  # the card scores it: already read
                col = columns[column]
            else:
                return None
            numbers = pd.to_numeric(col.prepared[column], errors="coerce")
            return numbers.to_numpy("float64", na_value=np.nan)[col.codes]

        self.units.add(per_row("annual_revenue"), per_row("employees"))

    def _column(
        self, batch: pa.RecordBatch, column: str, n: int, source: str | None = None
    ) -> _Column:
        derived_from = [r for r in inputs.derivation(column, "").reads[1:] if r in self.sources]
        if source is None and derived_from:
            return self._derived_column(batch, column, n, derived_from)
        source = source or self.sources.get(column)
        array = batch.column(source) if source is not None else None
        codes, distinct = _distinct(array, n)
        frame = pd.DataFrame({column: distinct})
        prepared = prepare_columns(frame, [column], self.number_formats)
        if column in self.scale and column in prepared.columns:  # revenue given in millions
            prepared[column] = pd.to_numeric(prepared[column], errors="coerce") * self.scale[column]
        counts = np.bincount(codes, minlength=len(distinct))
        return _Column(codes, distinct, prepared, counts)

    def _derived_column(
        self, batch: pa.RecordBatch, column: str, n: int, derived_from: list[str]
    ) -> _Column:
        """A column filled in from others (region from country): one value per distinct
        combination of the columns it reads."""
        reads = [r for r in (column, *derived_from) if r in self.sources]
        parts = [_distinct(batch.column(self.sources[r]), n) for r in reads]
        key = np.zeros(n, dtype=np.int64)
        for codes, distinct in parts:
            key = _combine(key, codes, len(distinct))
        codes, _ = pd.factorize(key)
        first = np.flatnonzero(np.maximum.accumulate(np.concatenate([[-1], codes[:-1]])) < codes)
        frame = pd.DataFrame(
            {
                r: distinct.iloc[part_codes[first]].reset_index(drop=True)
                for r, (part_codes, distinct) in zip(reads, parts, strict=True)
            }
        )
        prepared = prepare_columns(frame, [column], self.number_formats)
        counts = np.bincount(codes, minlength=len(frame))
        return _Column(codes.astype(np.int64), frame[reads[0]], prepared, counts)

    def _count_unreadable(self, column: str, kind: str, col: _Column, values: pd.Series) -> None:
        """Rows with a value that reads as missing: text in a numeric column, say."""
        if column not in self.sources or pd.api.types.is_numeric_dtype(col.distinct):
            return
        present = col.distinct.map(lambda v: v is not None and str(v).strip() != "").to_numpy()
        lost = present & values.isna().to_numpy(dtype=bool)
        if lost.any():
            self.unreadable[column] += int(col.counts[lost].sum())


# ---- reading batches ----


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
            for batch in reader:
                yield batch, min(handle.tell() / size, 1.0), None

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


# ---- columns ----


def mapping_scale(mapping: Path | None) -> dict[str, float]:
    """The ``[accounts.scale]`` factors of an ingest mapping file (revenue in millions: 1e6)."""
    if mapping is None:
        return {}
    from icpkit.ingest.generic import read_mapping

    section = read_mapping(mapping).get("accounts", {}).get("scale", {})
    return {str(column): float(factor) for column, factor in section.items()}


def find_columns(
    headers: list[str], columns: list[str], mapping: Path | None = None
) -> dict[str, str]:
    """Column -> input header: the exact name, else as ``icpkit ingest`` maps headers (the
    mapping file's ``[accounts]`` section, then canonical names and known aliases)."""
    found = {c: c for c in columns if c in headers}
    wanted = [c for c in columns if c not in found]
    if not wanted:
        return found
    from icpkit.ingest.canonical import plan_columns
    from icpkit.ingest.generic import CONVENTIONS, apply_mapping, read_mapping

    conventions = CONVENTIONS
    if mapping is not None:
        conventions = apply_mapping(conventions, read_mapping(mapping))
    plan = plan_columns(headers, "accounts", conventions)
    by_name = {**plan.canonical, **{name: header for header, name in plan.custom.items()}}
    for column in wanted:
        header = by_name.get(column)
        if header is not None and header not in found.values():
            found[column] = header
    return found


def _id_column(
    headers: list[str], id_column: str | None, label: str, mapping: Path | None
) -> str | None:
    if id_column is None:
        named = next((c for c in ID_CANDIDATES if c in headers), None)
        return named or find_columns(headers, ["account_id"], mapping).get("account_id")
    if id_column not in headers:
        raise IcpkitError(f"no column {id_column!r} to use as the id", file=label)
    return id_column


# ---- writing ----


class _Writer:
    """Parquet or formula-safe CSV, written one batch at a time."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.csv = out.suffix.lower() == ".csv"
        self._writer: pq.ParquetWriter | pv.CSVWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self.csv:
            table = _formula_safe(table)
        if self._writer is None:
            if self.csv:
                options = pv.WriteOptions(quoting_style="needed")
                self._writer = pv.CSVWriter(str(self.out), table.schema, write_options=options)
            else:  # no stored Arrow schema: readers see the dictionary texts as plain strings
                self._writer = pq.ParquetWriter(str(self.out), table.schema, store_schema=False)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


_FORMULA_PATTERN = "^[" + "".join("\\" + c if c in "-\\]^" else c for c in FORMULA_STARTS) + "]"


def _formula_safe(table: pa.Table) -> pa.Table:
    """Text a spreadsheet would run as a formula gets a leading ' (as csvsafe does); booleans
    are written True/False."""
    columns = []
    for column in table.columns:
        if pa.types.is_boolean(column.type):  # "True"/"False", as pandas and the API write them
            column = pc.if_else(column, "True", "False")
        elif pa.types.is_dictionary(column.type):  # each distinct text is escaped once
            column = pa.chunked_array(
                [
                    pa.DictionaryArray.from_arrays(chunk.indices, _escaped(chunk.dictionary))
                    for chunk in column.chunks
                ]
            )
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = _escaped(column)
        columns.append(column)
    names = [escape_formula(n) for n in table.column_names]
    return pa.Table.from_arrays(columns, names=names)


def _escaped(texts: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        return texts
    risky = pc.match_substring_regex(texts, _FORMULA_PATTERN).fill_null(False)
    quote, empty = pa.scalar("'", texts.type), pa.scalar("", texts.type)
    return pc.if_else(risky, pc.binary_join_element_wise(quote, texts, empty), texts)


# ---- the command ----


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


def _missing(card: Scorecard, sources: dict[str, str]) -> list[str]:
    """The card's columns neither in the input nor derivable from it (region from country)."""
    return [
        c for c in card.columns if not any(r in sources for r in inputs.derivation(c, "").reads)
    ]


# Read together to check each other's unit (revenue per employee).
_UNIT_PAIR = ("annual_revenue", "employees")


def _unit_columns(
    headers: list[str], card: Scorecard, sources: dict[str, str], mapping: Path | None
) -> dict[str, str]:
    """The revenue or employees column the card does not score but the unit check needs
    (the card scores the other one): column -> input header."""
    if not set(_UNIT_PAIR) & set(sources):
        return {}
    wanted = [c for c in _UNIT_PAIR if c not in sources]
    return find_columns(headers, wanted, mapping) if wanted else {}


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


# ---- overlapping reading, scoring and writing ----
#
# Decoding Parquet, parsing CSV and encoding the output run in Arrow's C++ without the GIL, so
# one thread reads the next batch and another writes the last one while this one is scored.
# Each is a single thread fed in order, so rows keep their order; two batches in flight each
# way keep memory flat.

T = TypeVar("T")
_IN_FLIGHT = 2
_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def _put(channel: queue.Queue, item: object, stop: threading.Event) -> bool:
    """Put unless the other side has stopped listening; False when it has."""
    while not stop.is_set():
        try:
            channel.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _ahead(items: Iterator[T]) -> Iterator[T]:
    """The items of ``items``, produced by a thread a few items ahead of the consumer."""
    channel: queue.Queue = queue.Queue(maxsize=_IN_FLIGHT)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(channel, item, stop):
                    return
            _put(channel, _END, stop)
        except BaseException as error:  # handed to the consumer, raised there
            _put(channel, _Failed(error), stop)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="icpkit-read", daemon=True)
    thread.start()
    try:
        while True:
            item = channel.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


class _BackgroundWriter:
    """A :class:`_Writer` fed through a queue and run by its own thread, in order."""

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer
        self._channel: queue.Queue = queue.Queue(maxsize=_IN_FLIGHT)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="icpkit-write", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            table = self._channel.get()
            if table is _END:
                return
            if self._error is None:
                try:
                    self._writer.write(table)
                except BaseException as error:  # raised in the scoring thread
                    self._error = error

    def write(self, table: pa.Table) -> None:
        if self._error is not None:
            raise self._error
        _put(self._channel, table, self._stop)

    def close(self) -> None:
        _put(self._channel, _END, self._stop)
        self._thread.join()
        self._writer.close()
        if self._error is not None:
            raise self._error
