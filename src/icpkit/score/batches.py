"""Scoring Arrow record batches by distinct keys (see :mod:`icpkit.score`): each column the
card reads is reduced to its distinct values, each distinct value is read and binned once, and
one row per distinct key goes through :meth:`Scorecard.apply`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from icpkit import inputs
from icpkit.conditions import first_match_coded, out_of_range, read_column
from icpkit.ingest import formats
from icpkit.score.plain_numbers import PLAIN, is_text, read_distinct
from icpkit.score.values import prepare_columns
from icpkit.scorecard.model import Scorecard

_LIST_JOIN = "\x1f"  # ASCII unit separator: joins list items, never part of a real value


@dataclass
class _Column:
    """One column of a batch as its distinct values: ``prepared.iloc[codes[i]]`` is row i's."""

    codes: np.ndarray
    prepared: pd.DataFrame  # the distinct values after ``prepare`` (canonical parsing)
    counts: np.ndarray  # rows per distinct value
    # per distinct value, whether it holds text to read (is not blank); None when the values
    # are typed numbers, which always read
    present: np.ndarray | None


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
        present: np.ndarray | None
        if array is not None and column in PLAIN and is_text(array) and self._numbers_only(column):
            codes, numbers, present = read_distinct(array, column, self.number_formats)
            prepared = pd.DataFrame({column: numbers})
        else:
            codes, distinct = _distinct(array, n)
            frame = pd.DataFrame({column: distinct})
            prepared = prepare_columns(frame, [column], self.number_formats)
            present = _present(distinct)
        if column in self.scale and column in prepared.columns:  # revenue given in millions
            prepared[column] = pd.to_numeric(prepared[column], errors="coerce") * self.scale[column]
        counts = np.bincount(codes, minlength=len(prepared))
        return _Column(codes, prepared, counts, present)

    def _numbers_only(self, column: str) -> bool:
        """Whether the card compares ``column`` as a number alone, so its values may be held
        as floats (read as a category, 500 and 500.0 would be different texts)."""
        return all(kind == "numeric" for c, kind in self.card.column_kinds() if c == column)

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
        return _Column(codes.astype(np.int64), prepared, counts, _present(frame[reads[0]]))

    def _count_unreadable(self, column: str, kind: str, col: _Column, values: pd.Series) -> None:
        """Rows with a value that reads as missing: text in a numeric column, say."""
        if column not in self.sources or col.present is None:
            return
        lost = col.present & values.isna().to_numpy(dtype=bool)
        if lost.any():
            self.unreadable[column] += int(col.counts[lost].sum())


def _present(distinct: pd.Series) -> np.ndarray | None:
    """Whether each distinct value holds text (None for typed numbers: they always read)."""
    if pd.api.types.is_numeric_dtype(distinct):
        return None
    return distinct.map(lambda v: v is not None and str(v).strip() != "").to_numpy(dtype=bool)
