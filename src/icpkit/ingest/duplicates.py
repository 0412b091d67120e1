"""Duplicates: repeated ids and identical rows (quarantined), and accounts that are likely
the same company under different ids (reported, never merged)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from icpkit.ingest import arrowtext, data_tables
from icpkit.ingest import normalise as nz
from icpkit.ingest.readers import RawTable

if TYPE_CHECKING:
    from icpkit.ingest.canonical import TableBuild

STR_DTYPE = arrowtext.STR_DTYPE


# ---------------------------------------------------------------------------------------------
# Ids and rows: quarantined


def distinct_and_complete(ids: pd.Series) -> bool:
    """Whether every row has an id and no id is there twice."""
    return bool(ids.notna().all()) and not arrowtext.any_duplicate(ids.astype(STR_DTYPE))


def reject_duplicate_ids(build: TableBuild, id_column: str) -> None:
    """Quarantine a repeated id. A contact is one person on one deal: the same contact_id
    on two deals (two opportunity contact roles) is not a duplicate."""
    if build.ids_distinct is not None and build.ids_distinct.result():
        return
    live = build.accepted
    ids = build.frame[id_column].astype(STR_DTYPE)
    keys = ids
    if build.table == "contacts" and "deal_id" in build.plan.canonical:
        deals = build.frame["deal_id"].astype(STR_DTYPE).fillna("")
        keys = ids + "\x1f" + deals
    if not arrowtext.any_duplicate(keys):  # no id twice in the file, so none among live rows
        return
    candidates = keys.where(live)
    if not arrowtext.any_duplicate(candidates):
        return
    dup = arrowtext.duplicated(candidates)
    lines = build.raw.lines
    first = arrowtext.first_position(candidates)
    first_line = lines[first]
    row_hash = row_hashes(build.raw)
    identical = dup & (row_hash == row_hash[first])
    reasons = np.full(len(ids), None, dtype=object)
    for i in np.flatnonzero(dup):
        if identical[i]:
            reasons[i] = f"duplicate of line {int(first_line[i])}"
        else:
            reasons[i] = f"duplicate {id_column} {ids.iloc[i]} (first on line {int(first_line[i])})"
    build.reject(dup, reasons, build.plan.canonical.get(id_column, ""))
    examples = []
    for first_row in pd.unique(first[dup])[:5]:
        rows = np.flatnonzero(first == first_row)
        examples.append(
            {id_column: ids.iloc[first_row], "lines": [int(lines[r]) for r in rows[:5]]}
        )
    build.duplicates["duplicate_ids"] = {
        "rows_quarantined": int(dup.sum()),
        "identical_rows": int(identical.sum()),
        "ids": len(pd.unique(first[dup])),
        "examples": examples,
    }


def row_hashes(raw: RawTable) -> np.ndarray:
    frame = raw.frame.reset_index(drop=True)
    if raw.kind != "csv":
        frame = frame.astype(str)
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def exact_duplicate_rows(raw: RawTable) -> tuple[np.ndarray, np.ndarray]:
    """(is a copy of an earlier row, line of that earlier row) for every record."""
    hashes = pd.Series(row_hashes(raw))
    dup = hashes.duplicated(keep="first").to_numpy()
    first_line = pd.Series(raw.lines).groupby(hashes).transform("first").to_numpy()
    return dup, first_line


# ---------------------------------------------------------------------------------------------
# Accounts: likely duplicates that are not rejected


def likely_duplicate_accounts(accounts: pd.DataFrame) -> dict:
    """Different account ids sharing a registrable domain or a normalised company name.

    Reported, never merged: a subsidiary may share its parent's domain on purpose.
    """
    out: dict = {}
    names = company_name_keys(accounts["name"])
    id_codes, id_values = arrowtext.factorize(accounts["account_id"])
    ids = np.array(id_values, dtype=object)
    for label, key in (("same_domain", accounts["domain"]), ("same_name", names)):
        key_codes, key_values = arrowtext.factorize(key)
        present = (key_codes >= 0) & (id_codes >= 0)
        if not present.any():
            continue
        # distinct account ids per key, from the distinct (key, id) pairs
        pairs = np.unique(key_codes[present].astype(np.int64) * len(ids) + id_codes[present])
        per_key = np.bincount(pairs // len(ids), minlength=len(key_values))
        codes = np.flatnonzero(per_key > 1)
        if not codes.size:
            continue
        shared = pd.Series(per_key[codes], index=pd.Index([key_values[c] for c in codes]))
        shared = shared.sort_index()  # as a groupby orders its keys
        code_of = {key_values[c]: c for c in codes}
        examples = []
        for value in shared.sort_values(ascending=False).index[:5]:
            rows = np.flatnonzero(present & (key_codes == code_of[value]))
            examples.append(
                {
                    label.removeprefix("same_"): value,
                    "account_ids": list(pd.unique(ids[id_codes[rows]])[:5]),
                }
            )
        out[label] = {
            "groups": len(shared),
            "accounts": int(shared.sum()),
            "examples": examples,
        }
    return out


MAX_LABELS_COMPARED = 1000


def similar_spellings(values: pd.Series) -> list[list[str]]:
    """Groups of distinct labels that differ only in case, spaces or punctuation
    (``"GTX Pro"`` / ``"GTXPro"``), most frequent spelling first; a column with more than
    :data:`MAX_LABELS_COMPARED` distinct values is free text and is not compared."""
    if not pd.api.types.is_string_dtype(values.dtype):
        return []
    counts = values.value_counts()
    if len(counts) > MAX_LABELS_COMPARED or len(counts) < 2:
        return []
    groups: dict[str, list[str]] = {}
    for label in counts.index:
        key = nz.header_key(str(label))
        if key:
            groups.setdefault(key, []).append(str(label))
    return [group for group in groups.values() if len(group) > 1]


def company_name_keys(names: pd.Series) -> pd.Series:
    """:func:`normalise.company_name_key` for a whole column, vectorised with Arrow."""
    values = names.astype(object).where(names.notna(), None).to_numpy(dtype=object)
    array = pa.array(values, type=pa.string(), from_pandas=True)
    is_ascii = pc.fill_null(pc.string_is_ascii(array), True)
    non_ascii = np.flatnonzero(~is_ascii.to_numpy(zero_copy_only=False))
    if len(non_ascii):
        values = values.copy()
        values[non_ascii] = [nz.company_name_key(v) for v in values[non_ascii]]
        array = pa.array(values, type=pa.string(), from_pandas=True)
    words = pc.replace_substring_regex(pc.utf8_lower(array), r"[^0-9a-z]+", " ")
    suffixes = "|".join(sorted(data_tables.legal_suffixes()))
    kept = pc.replace_substring_regex(words, rf"\b(?:{suffixes})\b", " ")
    kept = pc.utf8_trim_whitespace(pc.replace_substring_regex(kept, r" {2,}", " "))
    words = pc.utf8_trim_whitespace(pc.replace_substring_regex(words, r" {2,}", " "))
    keys = pc.if_else(pc.equal(kept, ""), words, kept)
    keys = pc.if_else(pc.equal(keys, ""), pa.scalar(None, pa.string()), keys)
    return pd.Series(keys.to_numpy(zero_copy_only=False), index=names.index, dtype=object)
