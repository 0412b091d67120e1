"""Whole text columns at once, with Arrow: what keeps a million-row ingest fast and small.

Ingest holds text columns as pandas strings backed by Arrow (one buffer per column, not one
Python object per cell). The operations here run in Arrow's C++ kernels; Python code only ever
sees the *distinct* values of a column (a stage name, a date, a currency string), never every
cell. Every function accepts any text series (Arrow-backed or plain ``object``) and gives the
same answer for both.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from icpkit.ingest import normalise as nz

try:  # pandas >= 2.3: the default string dtype of pandas 3 (missing values are NaN)
    STR_DTYPE: pd.StringDtype = pd.StringDtype(storage="pyarrow", na_value=np.nan)
except TypeError:  # pragma: no cover - older pandas
    STR_DTYPE = pd.StringDtype(storage="pyarrow")

# Below this many rows, columns are handled one after the other (threads would cost more).
PARALLEL_MIN_ROWS = 100_000

Item = TypeVar("Item")
Result = TypeVar("Result")

# Cells that mean "no value" (compared lower-case, after trimming).
_BLANKS = pa.array(sorted(nz.BLANK_TOKENS), type=pa.large_string())


def to_arrow(series: pd.Series) -> pa.ChunkedArray:
    """The column as an Arrow large_string array (no copy when it is already Arrow-backed)."""
    array = getattr(series.array, "_pa_array", None)
    if array is None:
        values = series.to_numpy(dtype=object, na_value=None)
        values = np.where(pd.isna(values), None, values) if values.size else values
        array = pa.chunked_array([pa.array(values, type=pa.large_string(), from_pandas=True)])
    elif not isinstance(array, pa.ChunkedArray):
        array = pa.chunked_array([array])
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    return array


def to_series(array: pa.ChunkedArray | pa.Array, index: pd.Index | None = None) -> pd.Series:
    """An Arrow text array as a pandas string column (missing values are NaN)."""
    if isinstance(array, pa.Array):
        array = pa.chunked_array([array])
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    series = pd.Series(pd.array(array, dtype=STR_DTYPE))
    if index is not None:
        series.index = index
    return series


def is_text(series: pd.Series) -> bool:
    """Text cells only (or nothing but missing values)."""
    if isinstance(series.dtype, pd.StringDtype):
        return True
    if series.dtype != object:
        return False
    return pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty")


def clean(series: pd.Series) -> pd.Series:
    """Cells trimmed; blank cells and tokens like ``NULL``, ``N/A``, ``-`` become missing.

    A column with nothing to clean (the usual case) comes back as it is, sharing the
    reader's buffers: a million-row column is not copied to learn that."""
    array = to_arrow(series)
    if not any(_needs_cleaning(block) for _, block in blocks(array)):
        return _unchanged(series, array)
    if len(array) >= PARALLEL_MIN_ROWS and _few_distinct(array):
        # a column of a few labels (a stage, a flag): clean each label once
        encoded = pc.dictionary_encode(array).combine_chunks()
        labels, _ = _clean_array(encoded.dictionary)
        return to_series(pc.take(labels, encoded.indices), series.index)
    parts = [_clean_array(block)[0] for _, block in blocks(array)]
    return to_series(pa.chunked_array(parts, type=pa.large_string()), series.index)


def _unchanged(series: pd.Series, array: pa.ChunkedArray) -> pd.Series:
    """``series`` itself when it already is Arrow-backed text, else ``array`` as such."""
    if series.dtype == STR_DTYPE and getattr(series.array, "_pa_array", None) is array:
        return series
    return to_series(array, series.index)


BLOCK_ROWS = 131_072


def blocks(array: pa.ChunkedArray, rows: int | None = None) -> Iterator[tuple[int, pa.Array]]:
    """The column in runs of at most ``rows`` rows (:data:`BLOCK_ROWS`), as (first row,
    large_string array), so numpy works on long runs while temporary matrices stay small. A
    chunk of a quarter of that or more (Arrow's reader gives one per 8 MB) is used as it is,
    sliced when longer; smaller ones are joined."""
    rows = rows or BLOCK_ROWS
    first, size = 0, 0
    group: list[pa.Array] = []
    for chunk in array.chunks:
        if len(chunk) >= rows // 4:
            if group:
                yield first, _joined(group)
                first, group, size = first + size, [], 0
            for start in range(0, len(chunk), rows):
                part = chunk.slice(start, rows)
                yield (
                    first,
                    part if part.type == pa.large_string() else part.cast(pa.large_string()),
                )
                first += len(part)
            continue
        if len(chunk):
            group.append(chunk)
            size += len(chunk)
        if size >= rows:
            yield first, _joined(group)
            first, group, size = first + size, [], 0
    if group:
        yield first, _joined(group)


def _joined(chunks: list[pa.Array]) -> pa.Array:
    joined = chunks[0] if len(chunks) == 1 else pa.concat_arrays(chunks)
    return joined if joined.type == pa.large_string() else joined.cast(pa.large_string())


def _few_distinct(array: pa.ChunkedArray, sample: int = 10_000, most: int = 1_000) -> bool:
    return pc.count_distinct(array.slice(0, sample)).as_py() <= most


# The ASCII bytes str.strip() removes at the edge of a cell, and the first bytes of the tokens
# that mean blank ("null", "N/A", "#N/A", "-", "—", "(blank)", ...).
_SPACE_BYTES = np.frombuffer(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", dtype=np.uint8)
_IS_SPACE = np.zeros(256, dtype=bool)
_IS_SPACE[_SPACE_BYTES] = True
_IS_SPACE[0x80:] = True  # the lead and last bytes of a multi-byte character: ask Arrow
_MAY_BE_BLANK = np.zeros(256, dtype=bool)
_MAY_BE_BLANK[[v.encode()[0] for t in nz.BLANK_TOKENS if t for v in (t, t.upper())]] = True
_MAX_BLANK_BYTES = max(len(t.encode()) for t in nz.BLANK_TOKENS)


def _needs_cleaning(array: pa.Array) -> bool:
    """Whether a cell may have a space at an edge or be a token meaning blank (numpy on
    each cell's first and last byte; Arrow only for the few short cells)."""
    _, lengths, first, last = _edges(array)
    # a byte below "!" or above "~" (uint8 arithmetic wraps), else no space at any edge: the
    # usual answer without looking bytes up in a table
    outside = np.uint8(ord("~") - ord("!") + 1)
    near = ((first - np.uint8(ord("!"))) >= outside) | ((last - np.uint8(ord("!"))) >= outside)
    if near.any() and (_IS_SPACE[first] | _IS_SPACE[last]).any():
        return True
    short = np.flatnonzero(lengths <= _MAX_BLANK_BYTES)
    if not short.size:  # ids, dates, amounts: no cell short enough to be a token
        return False
    candidates = (lengths[short] == 0) | _MAY_BE_BLANK[first[short]]
    if array.null_count:
        candidates &= _valid(array)[short]
    rows = short[candidates]
    if not rows.size:
        return False
    found = pc.is_in(pc.utf8_lower(array.take(pa.array(rows))), value_set=_BLANKS)
    return bool(pc.any(found).as_py())


def _clean_array(array: pa.Array) -> tuple[pa.Array, bool]:
    """Trim and blank out tokens, looking at each cell's first and last byte in numpy first:
    a column with no space at any edge and no short cell that could be a token is returned
    as it is, without a pass of Arrow's string kernels. Also says whether anything changed."""
    array = array.cast(pa.large_string())
    _, lengths, first, last = _edges(array)
    trimmed = False
    if (_IS_SPACE[first] | _IS_SPACE[last]).any():
        before = array
        array = pc.utf8_trim_whitespace(array)  # as str.strip(): Unicode spaces too
        trimmed = not array.equals(before)
        _, lengths, first, last = _edges(array)
    candidates = (lengths <= _MAX_BLANK_BYTES) & ((lengths == 0) | _MAY_BE_BLANK[first])
    if array.null_count:
        candidates &= _valid(array)
    rows = np.flatnonzero(candidates)
    if not rows.size:
        return array, trimmed
    found = pc.is_in(pc.utf8_lower(array.take(pa.array(rows))), value_set=_BLANKS)
    blank = np.zeros(len(array), dtype=bool)
    blank[rows] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    if not blank.any():
        return array, trimmed
    return _without(array, blank), True


def _without(array: pa.Array, blank: np.ndarray) -> pa.Array:
    """The cells in ``blank`` made missing: a new validity bitmap over the same text."""
    valid = np.zeros(array.offset + len(array), dtype=bool)
    valid[array.offset :] = _valid(array) & ~blank
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    buffers = array.buffers()
    return pa.Array.from_buffers(
        pa.large_string(),
        len(array),
        [bitmap, buffers[1], buffers[2]],
        null_count=len(array) - int(valid.sum()),
        offset=array.offset,
    )


def _edges(array: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: where it starts, its length in bytes, its first and last byte (0 when
    empty or missing)."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data_buffer = array.buffers()[2]
    starts, ends = offsets[:-1], offsets[1:]
    lengths = ends - starts
    if data_buffer is None or not data_buffer.size:
        empty = np.zeros(len(array), dtype=np.uint8)
        return starts, lengths, empty, empty.copy()
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    filled = lengths > 0
    if filled.all():  # offsets only grow: every index is inside the data
        return starts, lengths, data[starts], data[ends - 1]
    first = np.where(filled, data[np.minimum(starts, len(data) - 1)], 0).astype(np.uint8)
    last = np.where(filled, data[np.maximum(ends - 1, 0)], 0).astype(np.uint8)
    return starts, lengths, first, last


def byte_view(array: pa.Array) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """A text array's bytes as numpy (None when it holds none), and where each cell starts
    in them and how many bytes it has (0 when missing)."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data_buffer = array.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer else None
    return data, offsets[:-1], offsets[1:] - offsets[:-1]


def present(array: pa.Array) -> np.ndarray:
    """Whether each cell holds a value (is not missing)."""
    return _valid(array)


def _valid(array: pa.Array) -> np.ndarray:
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    return array.is_valid().to_numpy(zero_copy_only=False)


def factorize(series: pd.Series) -> tuple[np.ndarray, list]:
    """(codes, distinct values): ``codes[i]`` is the position of row i's value among the
    distinct values, -1 where it is missing. Like :func:`pandas.factorize`, but Arrow-backed
    text is encoded by Arrow."""
    if isinstance(series.dtype, pd.StringDtype):
        codes, dictionary = _encode(series)
        return codes, dictionary.to_pylist()
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, list(uniques)


def full_match(series: pd.Series, pattern: str) -> np.ndarray:
    """Whether each cell matches ``pattern`` as a whole (missing cells: False)."""
    found = pc.match_substring_regex(to_arrow(series), f"^(?:{pattern})$")
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def duplicated(series: pd.Series) -> np.ndarray:
    """True for each non-missing value seen on an earlier row."""
    codes, _ = _codes(series)
    seen = np.zeros(len(codes), dtype=bool)
    present = np.flatnonzero(codes >= 0)
    if present.size:
        _, first = np.unique(codes[present], return_index=True)
        seen[present] = True
        seen[present[first]] = False
    return seen


def any_duplicate(series: pd.Series) -> bool:
    """Whether a non-missing value appears twice: for ids of one width (as CRM ids are) by a
    64-bit hash of their bytes, checked exactly only when two hashes meet."""
    array = to_arrow(series)
    if array.null_count == 0 and len(array) > 1:
        width = fixed_width(array)
        if width is not None:
            hashes = np.concatenate(
                [_fixed_width_hashes(block, width) for _, block in blocks(array)]
            )
            hashes.sort()
            if not (hashes[1:] == hashes[:-1]).any():
                return False
    return bool(duplicated(series).any())


def _fixed_width_hashes(array: pa.Array, width: int) -> np.ndarray:
    """FNV-1a over the bytes of each value (all ``width`` long), as 64-bit words."""
    words = -(-width // 8)  # the bytes as 64-bit words, zero-padded
    padded = np.zeros((len(array), words * 8), dtype=np.uint8)
    padded[:, :width] = fixed_width_bytes(array, width)
    packed = padded.view(np.uint64)
    hashes = np.full(len(array), 14695981039346656037, dtype=np.uint64)
    for word in range(words):
        hashes ^= packed[:, word]
        hashes *= np.uint64(1099511628211)
    return hashes


def fixed_width(array: pa.Array) -> int | None:
    """The byte length every value of an ASCII array shares, or None."""
    lengths = pc.binary_length(array)
    low, high = pc.min_max(lengths).values()
    if low.as_py() is None or low.as_py() != high.as_py():
        return None
    return int(low.as_py())


def fixed_width_bytes(array: pa.Array, width: int) -> np.ndarray:
    """A text array whose values are all ``width`` bytes long, as a (rows, width) matrix."""
    array = array.cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    return data[offsets[0] : offsets[-1]].reshape(len(array), width)


def first_position(series: pd.Series) -> np.ndarray:
    """For each row, the row where its value first appears (itself when missing)."""
    codes, count = _codes(series)
    positions = np.arange(len(codes))
    first = np.full(count, len(codes), dtype=np.int64)
    present = codes >= 0
    np.minimum.at(first, codes[present], positions[present])
    return np.where(present, first[np.where(present, codes, 0)], positions)


def _codes(series: pd.Series) -> tuple[np.ndarray, int]:
    codes, dictionary = _encode(series)
    return codes, len(dictionary)


def _encode(series: pd.Series) -> tuple[np.ndarray, pa.Array]:
    encoded = pc.dictionary_encode(to_arrow(series)).combine_chunks()
    indices = pc.fill_null(encoded.indices.cast(pa.int64()), -1)
    return indices.to_numpy(zero_copy_only=False), encoded.dictionary


def isin(series: pd.Series, values: pd.Series) -> np.ndarray:
    """Whether each cell is one of ``values`` (missing cells: False)."""
    found = pc.is_in(to_arrow(series), value_set=pc.unique(to_arrow(values).combine_chunks()))
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def map_columns(fn: Callable[[Item], Result], items: Sequence[Item], *, rows: int) -> list[Result]:
    """``fn`` for every column, side by side on every core when the table is big (Arrow's
    and numpy's kernels release the GIL), in order; results in the order of ``items``."""
    workers = min(len(items), os.cpu_count() or 1)
    if rows < PARALLEL_MIN_ROWS or workers < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


class _Inline(Executor):
    """Runs each task as it is submitted (a small table: threads would cost more)."""

    def submit(self, fn: Callable[..., Result], /, *args: Any, **kwargs: Any) -> Future[Result]:
        future: Future[Result] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # re-raised by result(), as a thread pool would
            future.set_exception(error)
        return future


def column_pool(rows: int) -> Executor:
    """Where a table's column work runs: a pool of a thread per core when the table is big
    (Arrow's and numpy's kernels release the GIL), else right away in the caller. Tasks start
    in the order they are submitted, so a task may wait for one submitted before it."""
    workers = os.cpu_count() or 1
    if rows < PARALLEL_MIN_ROWS or workers < 2:
        return _Inline()
    return ThreadPoolExecutor(max_workers=workers)


def done(value: Result) -> Future[Result]:
    """A future that already holds ``value``."""
    future: Future[Result] = Future()
    future.set_result(value)
    return future


def iso_dates(
    series: pd.Series, valid_text: Callable[[str], bool], *, years: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(days, read): the calendar day of every cell that starts ``YYYY-MM-DD`` with a real
    date whose year is within ``years``, when the whole cell is ``valid_text`` (a time after
    the day, say); ``read`` is False for every other cell, to be parsed one by one.

    The cells are looked at as bytes by numpy; ``valid_text`` is asked once per *shape* of
    what follows the day (``T99:99:99.999+9999``), never once per cell.
    """
    n = len(series)
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    read = np.zeros(n, dtype=bool)
    verdicts: dict[bytes, bool] = {}  # shape of what follows the day -> valid_text
    for first, block in blocks(to_arrow(series)):  # bounded temporary matrices
        data, starts, lengths = byte_view(block)
        candidates = np.flatnonzero((lengths >= 10) & (lengths <= 48) & _valid(block))
        if not candidates.size or data is None:
            continue
        width = int(lengths[candidates[0]])
        if len(candidates) == len(block) and (lengths == width).all():
            # one width, no blank (timestamps from one system): a zero-copy matrix, and
            # the block's rows are a run of the column's
            begin = int(starts[0])
            cells = data[begin : begin + width * len(block)].reshape(-1, width)
            found, ok = _iso_days(cells[:, :10], years)
            ok &= _tails_valid_where(ok, cells[:, 10:], block, candidates, valid_text, verdicts)
            days[first : first + len(block)] = np.where(ok, found, np.datetime64("NaT"))
            read[first : first + len(block)] = ok
            continue
        head = data[starts[candidates, None] + np.arange(10)]
        tail = _padded_tails(data, starts[candidates], lengths[candidates])
        found, ok = _iso_days(head, years)
        ok &= _tails_valid_where(ok, tail, block, candidates, valid_text, verdicts)
        days[first + candidates[ok]] = found[ok]
        read[first + candidates[ok]] = True
    return days, read


def _tails_valid_where(
    days_ok: np.ndarray,
    tail: np.ndarray,
    array: pa.Array,
    rows: np.ndarray,
    valid_text: Callable[[str], bool],
    verdicts: dict[bytes, bool],
) -> np.ndarray:
    """:func:`_tails_valid` asked only of the rows whose day is a real date: a shape's
    verdict is learned from a whole cell, so a cell whose day is not a date (1699-00-00)
    must not decide it for the cells after it."""
    out = np.zeros(len(days_ok), dtype=bool)
    if days_ok.any():
        out[days_ok] = _tails_valid(tail[days_ok], array, rows[days_ok], valid_text, verdicts)
    return out


def _iso_days(head: np.ndarray, years: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The day in each row of 10 bytes, and whether they are YYYY-MM-DD (a real date, its
    year within ``years``). Worked a byte position at a time: long runs for numpy."""
    digits = [head[:, i] - np.uint8(48) for i in (0, 1, 2, 3, 5, 6, 8, 9)]  # bytes below "0"
    ok = (head[:, 4] == ord("-")) & (head[:, 7] == ord("-"))  # wrap above 9 as uint8
    for digit in digits:
        ok &= digit < 10

    def number(*positions: int) -> np.ndarray:
        value = digits[positions[0]].astype(np.int32)
        for position in positions[1:]:
            value *= 10
            value += digits[position]
        return value

    year, month, day = number(0, 1, 2, 3), number(4, 5), number(6, 7)
    ok &= (year >= years[0]) & (year <= years[1]) & (month >= 1) & (month <= 12) & (day >= 1)
    year = np.clip(year, _FIRST_YEAR, _LAST_YEAR) - _FIRST_YEAR
    month = np.clip(month, 1, 12) - 1
    leap = _LEAP[year]
    ok &= day <= _MONTH_DAYS[leap, month]
    since_epoch = _YEAR_START[year] + _MONTH_START[leap, month] + day - 1
    return since_epoch.astype("datetime64[D]"), ok


# Calendar tables for the years a date may have (see normalise.PLAUSIBLE_YEARS).
_FIRST_YEAR, _LAST_YEAR = nz.PLAUSIBLE_YEARS
_YEARS = np.arange(_FIRST_YEAR, _LAST_YEAR + 1)
_LEAP = (((_YEARS % 4 == 0) & (_YEARS % 100 != 0)) | (_YEARS % 400 == 0)).astype(np.intp)
_YEAR_START = (_YEARS - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
_MONTH_DAYS = np.array(
    [
        [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
        [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
    ]
)
_MONTH_START = np.concatenate(
    [np.zeros((2, 1), dtype=np.int64), np.cumsum(_MONTH_DAYS, axis=1)[:, :-1]], axis=1
)


def _padded_tails(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The bytes after the tenth of each cell, as rows padded with zero bytes."""
    width = int(lengths.max()) - 10
    if width <= 0:
        return np.zeros((len(starts), 0), dtype=np.uint8)
    positions = starts[:, None] + 10 + np.arange(width)
    inside = np.arange(width) < (lengths - 10)[:, None]
    return np.where(inside, data[np.minimum(positions, len(data) - 1)], 0).astype(np.uint8)


def _all_of_shape(tail: np.ndarray, shape: np.ndarray) -> bool:
    """Whether every row of ``tail`` has ``shape`` (a digit where it has "9", else the same
    byte), checked a byte position at a time."""
    for position, expected in enumerate(shape.tolist()):
        column = tail[:, position]
        same = (column - np.uint8(48)) < 10 if expected == ord("9") else column == expected
        if not same.all():
            return False
    return True


def _tails_valid(
    tail: np.ndarray,
    array: pa.Array,
    rows: np.ndarray,
    valid_text: Callable[[str], bool],
    verdicts: dict[bytes, bool],
) -> np.ndarray:
    """Whether each cell is ``valid_text``, decided once per shape of its bytes after the
    tenth (``tail``; a digit is any digit, every other byte is itself). ``verdicts``
    remembers shapes across blocks."""
    if not tail.shape[1]:
        return np.ones(len(rows), dtype=bool)
    first = np.where((tail[0] - 48) < 10, ord("9"), tail[0]).astype(np.uint8)
    if _all_of_shape(tail, first):  # the usual column: one way of writing the time
        key = first.tobytes().rstrip(b"\x00")
        if key not in verdicts:
            verdicts[key] = bool(valid_text(array[int(rows[0])].as_py()))
        return np.full(len(rows), verdicts[key], dtype=bool)
    shape = np.where((tail - 48) < 10, ord("9"), tail).astype(np.uint8)
    width = shape.shape[1]
    shapes, first_of_shape, inverse = np.unique(
        np.ascontiguousarray(shape).view(f"S{width}").ravel(),
        return_index=True,
        return_inverse=True,
    )
    for key, i in zip(shapes.tolist(), first_of_shape.tolist(), strict=True):
        if key not in verdicts:
            verdicts[key] = bool(valid_text(array[int(rows[i])].as_py()))
    return np.array([verdicts[key] for key in shapes.tolist()], dtype=bool)[inverse.ravel()]
