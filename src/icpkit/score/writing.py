"""Writing scored rows: Parquet, or CSV that a spreadsheet opens without running formulas."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import pyarrow.parquet as pq

from icpkit.csvsafe import FORMULA_STARTS, escape_formula


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
