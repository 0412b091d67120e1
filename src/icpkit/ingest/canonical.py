"""From raw files to the canonical tables: map columns, type values, validate, quarantine.

The pipeline for one file (:func:`build_table`): match headers onto canonical columns
(:mod:`~icpkit.ingest.mapping`), type each column with its normaliser, once per distinct value
(:mod:`~icpkit.ingest.columns`), reject rows that cannot be used (blank key, unreadable outcome
(:mod:`~icpkit.ingest.deals`), duplicate id (:mod:`~icpkit.ingest.duplicates`)) with a reason,
and keep every other column. Then :func:`ingest` checks references across tables (a deal's
account must exist) and assembles an :class:`IngestResult` in which every row read is either
accepted or quarantined.

Source-specific knowledge (a CRM's column names, flag columns, stage names, id fixes) lives in
a :class:`~icpkit.ingest.mapping.Conventions` value, so a Salesforce or HubSpot adapter is one
module that builds a ``Conventions`` and calls :func:`ingest`; nothing here knows any vendor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from icpkit import schema
from icpkit.errors import IcpkitError
from icpkit.ingest import arrowtext, deals, duplicates, formats
from icpkit.ingest import normalise as nz
from icpkit.ingest.columns import (
    ColumnResult,
    clean_text,
    empty_column,
    empty_table,
    kind_of,
    raw_where,
    to_text,
    type_column,
    type_custom,
)
from icpkit.ingest.mapping import (
    ColumnPlan,
    Conventions,
    Rewrite,
    missing_column_error,
    plan_columns,
)
from icpkit.ingest.readers import Progress, RawTable, read_table

STR_DTYPE = arrowtext.STR_DTYPE

MAX_LISTED_CELL_ISSUES = 1000

ID_COLUMNS = {"accounts": "account_id", "deals": "deal_id", "contacts": "contact_id"}


def one_line(error: Exception) -> str:
    """An exception's message on one line (for :class:`IcpkitError`)."""
    return " ".join(str(error).split())


# ---------------------------------------------------------------------------------------------
# Result


@dataclass
class IngestResult:
    """Canonical tables, the rows that were refused, and an account of what happened.

    ``tables``: ``accounts`` and ``deals`` always (``deals`` empty when no deals were given),
    ``contacts``, ``signals``, ``customers`` when given. ``quarantine``: one row per refused
    record with ``source_file``, ``line``, ``column``, ``reason`` and ``raw`` (the record as
    text). ``report``: per file rows read / accepted / quarantined / cell issues, duplicates,
    cell issues listed, and notes; it is what ``ingest.json`` holds.
    """

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    report: dict


QUARANTINE_COLUMNS = ("source_file", "line", "column", "reason", "raw")


# ---------------------------------------------------------------------------------------------
# One table


@dataclass
class TableBuild:
    """One file on its way to a canonical table: typed rows, and why some are refused."""

    table: str
    raw: RawTable
    plan: ColumnPlan
    frame: pd.DataFrame
    reasons: np.ndarray  # object: None = accepted so far
    reason_columns: np.ndarray  # object: header at fault, or ""
    cell_issues: list[tuple[str, np.ndarray, pd.Series]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # how each column writes its values, as decided (see formats.py), and what to look at
    formats: dict[str, dict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    duplicates: dict = field(default_factory=dict)
    derived: list[str] = field(default_factory=list)  # e.g. employees_raw, in output order
    adapter: str = "generic"  # the conventions the file was read with
    # rows with a reason, kept beside ``reasons`` (reject() changes both) so that asking who
    # is accepted is a boolean array, not a comparison of a million Python objects
    refused: np.ndarray = field(init=False)
    # whether each row's account_id is an accepted account, when looked up while typing
    account_found: Future[np.ndarray] | None = None
    # whether the id column has a value on every row and no value twice, when checked while
    # typing (most files: then no row is refused as a duplicate, with nothing more to look at)
    ids_distinct: Future[bool] | None = None

    def __post_init__(self) -> None:
        self.refused = self.reasons != None  # noqa: E711

    def reject(
        self, mask: np.ndarray, reasons: np.ndarray | str, column: np.ndarray | str = ""
    ) -> None:
        """Quarantine rows in ``mask`` not already quarantined (the first reason stands)."""
        mask = np.asarray(mask, dtype=bool) & ~self.refused
        if not mask.any():
            return
        self.reasons[mask] = reasons[mask] if isinstance(reasons, np.ndarray) else reasons
        self.reason_columns[mask] = column[mask] if isinstance(column, np.ndarray) else column
        self.refused |= mask

    @property
    def accepted(self) -> np.ndarray:
        return ~self.refused

    def note(self, text: str) -> None:
        self.notes.append(f"{self.raw.label}: {text}")

    def warn(self, text: str) -> None:
        """A note the user should act on: also listed in ``warnings`` and printed."""
        self.note(text)
        self.warnings.append(f"{self.raw.label}: {text}")


def build_table(
    raw: RawTable,
    table: str,
    conventions: Conventions,
    *,
    forced: Mapping[str, str] | None = None,
    exclude: Sequence[str] = (),
    drop: Sequence[str] = (),
    row_ids: bool = False,
    known_accounts: pd.Series | None = None,
) -> TableBuild:
    """Map, type and validate one file as ``table``. ``row_ids``: the account_id of each row
    is ``row-<line>`` (flat files without an id column). ``known_accounts``: the accepted
    account ids, to look each row's account_id up in while other columns are typed (the rows
    are refused later, by :func:`check_accounts_exist`)."""
    headers = list(raw.frame.columns)
    plan = plan_columns(headers, table, conventions, forced=forced, exclude=exclude, drop=drop)
    _require_columns(raw, table, plan, headers, row_ids=row_ids)
    n = len(raw)
    index = pd.RangeIndex(n)
    build = TableBuild(
        table=table,
        raw=raw,
        plan=plan,
        frame=pd.DataFrame(index=index),
        reasons=_row_errors(raw),
        reason_columns=np.full(n, "", dtype=object),
        notes=list(raw.notes),
        warnings=list(raw.warnings),
        adapter=conventions.name,
    )
    header_keys = {nz.header_key(h) for h in headers}
    for source in conventions.columns.get(table, {}):
        if nz.header_key(source) not in header_keys:
            build.note(f'the mapping names a column "{source}" that this file does not have')
    transforms = conventions.transforms.get(table, {})
    scale = conventions.scale.get(table, {})
    replacements = conventions.values.get(table, {})
    columns: dict[str, pd.Series] = {}
    extras: dict[str, pd.Series] = {}
    required = set(schema.REQUIRED[table]) - {"outcome"}
    jobs: list[tuple[str, str, str]] = []  # (column, logical type, header)
    for column, logical_type in schema.TABLES[table].items():
        header = plan.canonical.get(column)
        if header is None and column == "region" and "country" in plan.canonical:
            jobs.append((column, logical_type, ""))
        elif header is None:
            columns[column] = empty_column(logical_type, n)
        else:
            jobs.append((column, logical_type, header))

    # Every column is cleaned, then typed, side by side on every core for a big file: a
    # column's typing starts as soon as its cleaning is done (after all of them when a
    # mapping file replaces values first), beside the reading of a deal's won/closed flags
    # and its distinct stages. Region may be filled in from country: typed after the others.
    with arrowtext.column_pool(n) as pool:
        cleaning = {
            h: pool.submit(clean_text, raw.frame[h].reset_index(drop=True)) for h in headers
        }
        replaced: dict[str, tuple[pd.Series, np.ndarray]] = {}
        if replacements:
            cleaned = {h: future.result() for h, future in cleaning.items()}
            replaced = _replace_values(build, cleaned, replacements)
            cleaning = {h: arrowtext.done(text) for h, text in cleaned.items()}

        def text_of(header: str) -> pd.Series:
            if not header:  # region, to be filled in from country
                return pd.Series(np.full(n, None, dtype=object), dtype=object)
            return cleaning[header].result()

        def type_job(
            job: tuple[str, str, str],
            country: pd.Series | None = None,
            date_order: formats.DateOrder | None = None,
        ) -> _Typed:
            column, logical_type, header = job
            return _type_one(
                column,
                logical_type,
                header,
                text_of(header),
                transforms.get(column),
                scale.get(column),
                country,
                date_order,
            )

        region = [job for job in jobs if job[0] == "region"]
        dated = [job for job in jobs if kind_of(job[0], job[1]) == "date"]
        typing = {
            job[0]: pool.submit(type_job, job)
            for job in jobs
            if job[0] != "region" and job not in dated
        }
        # the date columns of a file share one order (a close date is written like its create
        # date): decided from all of them before any is typed
        orders = formats.decide_date_orders(
            {job[0]: formats.date_evidence(text_of(job[2])) for job in dated}
        )
        date_notes, date_warnings = formats.date_order_notes(orders)
        for text in date_notes:
            build.note(text)
        for text in date_warnings:
            build.warn(text)
        for job in dated:
            typing[job[0]] = pool.submit(type_job, job, None, orders.get(job[0]))
        id_column = ID_COLUMNS.get(table, "")
        pairs = table == "contacts" and "deal_id" in plan.canonical  # see _reject_duplicate_ids
        if id_column in typing and not pairs and not row_ids:
            ids = typing[id_column]
            build.ids_distinct = pool.submit(
                lambda: duplicates.distinct_and_complete(ids.result().values)
            )
        if known_accounts is not None and "account_id" in typing and not row_ids:
            account_ids = typing["account_id"]
            build.account_found = pool.submit(
                lambda: arrowtext.isin(account_ids.result().values, known_accounts)
            )
        flag_headers: dict[str, str] = {
            name: plan.flags[name] for name in ("won", "closed", "lost") if name in plan.flags
        }
        label_headers = [plan.canonical[c] for c in ("outcome", "stage") if c in plan.canonical]
        if table != "deals":
            flag_headers, label_headers = {}, []
        flag_tasks = {
            name: pool.submit(lambda h: deals.flag_codes(text_of(h), h), header)
            for name, header in flag_headers.items()
        }
        label_tasks = {
            header: pool.submit(lambda h: arrowtext.factorize(text_of(h)), header)
            for header in label_headers
        }
        typed: list[_Typed] = [future.result() for future in typing.values()]
        flags = {name: future.result() for name, future in flag_tasks.items()}
        labels = {header: future.result() for header, future in label_tasks.items()}
        cleaned = {h: future.result() for h, future in cleaning.items()}
    country = next((t.values for t in typed if t.column == "country"), None)
    typed += [type_job(job, country) for job in region]
    order = list(schema.TABLES[table])
    for item in sorted(typed, key=lambda t: order.index(t.column)):
        column, header, text, result = item.column, item.header, item.text, item.result
        columns[column] = item.values
        for note in item.notes:
            build.note(note)
        if result is None:
            continue
        if result.format is not None:
            build.formats[column] = result.format
        for warning in result.warnings:
            build.warn(warning)
        for name, series in result.extras.items():
            extras[name] = _merge_existing(series, plan, cleaned, name)
        if header in replaced:  # the raw value is the file's, not the mapping's correction
            original, changed = replaced[header]
            raw_name = f"{column}_raw"
            kept = extras.get(raw_name, pd.Series([None] * n, dtype=object))
            extras[raw_name] = kept.astype(object).where(~changed, original).astype(STR_DTYPE)
        if result.reasons is None:
            continue
        if column in required:
            failed = result.reasons != None  # noqa: E711
            reasons = np.array([None if r is None else f"{column}: {r}" for r in result.reasons])
            build.reject(failed, reasons, header)
        else:
            build.cell_issues.append((header, result.reasons, text))
    columns = {column: columns[column] for column in schema.TABLES[table]}
    for name, header in plan.derived.items():
        if name not in extras:
            extras[name] = cleaned[header].astype(STR_DTYPE)
    # typed in assemble(), from the accepted rows only (a refused row must not make a
    # true/false column text)
    custom = {plan.custom[h]: cleaned[h] for h in plan.custom}
    # copy=False: the typed columns become the frame as they are (no stacking into blocks)
    build.frame = pd.DataFrame({**columns, **extras, **custom}, index=index, copy=False)
    build.derived = list(extras)
    if row_ids:
        build.frame["account_id"] = pd.Series(
            [f"row-{line}" for line in raw.lines], dtype=STR_DTYPE
        )
    for column in sorted(required, key=list(schema.TABLES[table]).index):
        header = plan.canonical.get(column, "")
        blank = build.frame[column].isna().to_numpy()
        build.reject(blank, f"{column} is blank", header)
    if table == "deals":
        deals.decide_outcomes(build, conventions, cleaned, flags, labels)
        deals.note_deals_without_account(build)
        deals.note_amount_set_at_closing(build)
    id_column = ID_COLUMNS.get(table, "")
    if id_column and table != "accounts":
        _fill_missing_ids(build, id_column)
    if id_column:
        duplicates.reject_duplicate_ids(build, id_column)
    return build


def _replace_values(
    build: TableBuild, cleaned: dict[str, pd.Series], replacements: Mapping[str, Mapping[str, str]]
) -> dict[str, tuple[pd.Series, np.ndarray]]:
    """Apply a mapping file's ``[<table>.values.<column>]`` to the cleaned text, in place.

    A key names a source header or the column it becomes (``"sector"`` or ``"industry"``).
    Returns, per header changed, its text before and which rows changed.
    """
    done: dict[str, tuple[pd.Series, np.ndarray]] = {}
    if not replacements:
        return done
    plan = build.plan
    output_name = {header: column for column, header in plan.canonical.items()}
    output_name.update(plan.custom)
    by_key = {nz.header_key(k): (k, v) for k, v in replacements.items()}
    for header, text in cleaned.items():
        found = by_key.get(nz.header_key(header)) or by_key.get(
            nz.header_key(output_name.get(header, ""))
        )
        if found is None:
            continue
        name, mapping = found
        changed = text.isin(list(mapping)).to_numpy()
        if not changed.any():
            build.note(f'[values."{name}"]: none of its values occur in "{header}"')
            continue
        cleaned[header] = text.where(~changed, text.map(mapping))
        done[header] = (text, changed)
        counts = pd.Series(text[changed]).value_counts()
        shown = ", ".join(
            f'"{nz.show(k)}" → "{nz.show(mapping[k])}" ({n})' for k, n in counts.head(5).items()
        )
        build.note(f'"{header}": {int(changed.sum())} values replaced by the mapping: {shown}')
    return done


@dataclass
class _Typed:
    """One canonical column typed: its values, what typing found, and notes to add."""

    column: str
    header: str
    text: pd.Series
    values: pd.Series
    result: ColumnResult | None
    notes: list[str]


def _type_one(
    column: str,
    logical_type: str,
    header: str,
    text: pd.Series,
    rewrite: Rewrite | None,
    factor: float | None,
    country: pd.Series | None,
    date_order: formats.DateOrder | None = None,
) -> _Typed:
    """Rewrite, type and scale one column (no shared state: columns run side by side)."""
    notes: list[str] = []
    if rewrite is not None:
        text = _rewrite(column, text, rewrite, notes)
    kind = kind_of(column, logical_type)
    if kind == "outcome":  # decided by _decide_outcomes
        return _Typed(column, header, text, type_column("text", text, column).values, None, notes)
    result = type_column(kind, text, column, country=country, date_order=date_order)
    if column in formats.NON_NEGATIVE:
        _refuse_negative(column, text, result)
    values = result.values.reset_index(drop=True)
    if factor is not None:
        values = _scaled(column, values, factor, notes)
    return _Typed(column, header, text, values, result, notes + result.notes)


def _refuse_negative(column: str, text: pd.Series, result: ColumnResult) -> None:
    """A negative size is no company's: the cell is left blank with the reason (a cell
    issue), as an unreadable one is."""
    values = result.values
    numbers = pd.to_numeric(values, errors="coerce").to_numpy("float64", na_value=np.nan)
    negative = numbers < 0
    if not negative.any():
        return
    reasons = result.reasons
    if reasons is None:
        reasons = np.full(len(values), None, dtype=object)
    shown = to_text(text).to_numpy(dtype=object)
    reasons[negative] = [formats.negative_reason(column, v) for v in shown[negative]]
    result.reasons = reasons
    result.values = values.where(~negative)
    raw_name = f"{column}_raw"
    raw = raw_where(text, negative)
    if raw_name in result.extras:
        raw = result.extras[raw_name].where(result.extras[raw_name].notna(), raw)
    result.extras[raw_name] = raw


def _rewrite(column: str, text: pd.Series, rewrite: Rewrite, notes: list[str]) -> pd.Series:
    """A source's fix of one column, with a note saying how many values it changed."""
    rewritten = rewrite(text)
    if rewritten is text:
        return text
    before = text.astype(STR_DTYPE)
    after = rewritten.astype(STR_DTYPE)
    changed = (before.notna() & (before != after).fillna(True)).to_numpy(dtype=bool)
    if changed.any():
        first = int(np.flatnonzero(changed)[0])
        notes.append(
            f"{column}: {int(changed.sum())} values changed ({rewrite.description}), e.g. "
            f'"{nz.show(before.iloc[first])}" → "{nz.show(after.iloc[first])}"'
        )
    return rewritten


def _scaled(column: str, values: pd.Series, factor: float, notes: list[str]) -> pd.Series:
    shown = f"{factor:,.0f}" if float(factor).is_integer() else f"{factor:g}"
    notes.append(f"{column}: multiplied by {shown} (its unit, given by --units or the mapping)")
    scaled = values.astype("float64") * factor
    if isinstance(values.dtype, pd.Int64Dtype):
        return scaled.round().astype("Int64")
    return scaled


def _row_errors(raw: RawTable) -> np.ndarray:
    """Why the reader already refuses each record (None for most)."""
    errors = np.full(len(raw), None, dtype=object)
    if raw.row_errors.count(None) == len(raw.row_errors):
        return errors
    refused = [i for i, error in enumerate(raw.row_errors) if error is not None]
    errors[refused] = [raw.row_errors[i] for i in refused]
    return errors


def _merge_existing(
    series: pd.Series, plan: ColumnPlan, cleaned: Mapping[str, pd.Series], name: str
) -> pd.Series:
    """A derived column that the source already had (re-reading our own output) wins."""
    series = series.reset_index(drop=True)
    header = plan.derived.get(name)
    if header is None:
        return series
    existing = cleaned[header].astype(STR_DTYPE)
    return existing.where(existing.notna(), series)


def _require_columns(
    raw: RawTable, table: str, plan: ColumnPlan, headers: list[str], *, row_ids: bool
) -> None:
    for column in schema.REQUIRED[table]:
        if column in plan.canonical or (row_ids and column == "account_id"):
            continue
        if table == "deals" and column == "outcome" and (plan.flags or "stage" in plan.canonical):
            continue
        hint = ""
        if table == "deals" and column == "outcome":
            hint = "a deal's outcome comes from an outcome, IsWon/IsClosed, status or stage column"
        raise missing_column_error(raw.label, column, headers, hint)


def _fill_missing_ids(build: TableBuild, id_column: str) -> None:
    ids = build.frame[id_column]
    blank = ids.isna()
    if not blank.any():
        return
    generated = pd.Series([f"row-{line}" for line in build.raw.lines], dtype=STR_DTYPE)
    build.frame[id_column] = ids.where(~blank, generated)
    if id_column in build.plan.canonical:
        build.note(f"{int(blank.sum())} rows have no {id_column}; they get row-<line> ids")
    else:
        build.note(f"no {id_column} column; rows get ids row-<line>")


# ---------------------------------------------------------------------------------------------
# Several files → one result


Source = Path | str | RawTable


def ingest(
    files: Mapping[str, Source | None],
    conventions: Conventions | Mapping[str, Conventions] | None = None,
    *,
    empty_tables: Mapping[str, pd.DataFrame] | None = None,
    notes: Sequence[str] = (),
    source_format: str | None = None,
    reader: Callable[..., RawTable] = read_table,
    progress: Progress | None = None,
) -> IngestResult:
    """Read, map, type and validate a set of files (``{"accounts": path, "deals": path, ...}``).

    A file may also be given already read (a :class:`RawTable`, e.g. from a database).
    ``conventions``: one for every file, or one per table (when each file comes from a
    different CRM). ``accounts`` is required; every other table's ``account_id`` must exist in
    the accepted accounts, or the row is quarantined. ``empty_tables``: tables known to have no
    rows (passed through as they are). ``source_format``: the name ``ingest.json`` gives the
    input format (default: the conventions' name). ``progress(what, done, total)`` is told
    how far reading (bytes) and checking (tables) have got.
    """
    per_table = _conventions_per_table(conventions)
    unknown = set(files) - set(schema.TABLES)
    if unknown:
        raise ValueError(f"unknown tables: {sorted(unknown)}")
    if files.get("accounts") is None:
        raise IcpkitError("an accounts file is required")
    builds: dict[str, TableBuild] = {}
    read: dict[str, RawTable] = {}
    given = [t for t in schema.TABLES if files.get(t) is not None]
    # the accounts' likely duplicates are looked for while the other files are read
    with ThreadPoolExecutor(max_workers=1) as background:
        account_duplicates: Future[dict] | None = None
        known: pd.Series | None = None  # accepted account ids (accounts come first)
        for step, table in enumerate(given):
            source = files[table]
            raw = source if isinstance(source, RawTable) else reader(source, progress=progress)
            if progress is not None:
                progress(f"Checking {table} ({len(raw):,} rows)", step, len(given))
            table_conventions = per_table[table]
            prepare = table_conventions.prepare.get(table)
            if prepare is not None:
                raw = prepare(raw, read, table_conventions)
            read[table] = raw
            builds[table] = build_table(raw, table, table_conventions, known_accounts=known)
            if table == "accounts":
                accounts = builds["accounts"]
                known = accounts.frame["account_id"].astype(STR_DTYPE)[accounts.accepted]
                if len(given) > 1:
                    account_duplicates = background.submit(_likely_duplicates_of, accounts)
        for table, build in builds.items():
            if table != "accounts" and known is not None:
                check_accounts_exist(build, known)
        if source_format is None:
            names = {build.adapter for build in builds.values()}
            source_format = names.pop() if len(names) == 1 else "mixed"
        return assemble(
            builds,
            source_format,
            extra_tables=empty_tables,
            notes=notes,
            account_duplicates=None if account_duplicates is None else account_duplicates.result(),
        )


def _likely_duplicates_of(accounts: TableBuild) -> dict:
    """:func:`likely_duplicate_accounts` of the accepted rows (final once the accounts file
    is built: no other file refuses an account)."""
    frame = accounts.frame.reset_index(drop=True)
    accepted = accounts.accepted
    if not accepted.all():
        frame = frame.loc[accepted].reset_index(drop=True)
    return duplicates.likely_duplicate_accounts(frame) if not frame.empty else {}


def _conventions_per_table(
    conventions: Conventions | Mapping[str, Conventions] | None,
) -> dict[str, Conventions]:
    if conventions is None or isinstance(conventions, Conventions):
        return dict.fromkeys(schema.TABLES, conventions or Conventions())
    return {table: conventions.get(table) or Conventions() for table in schema.TABLES}


def check_accounts_exist(build: TableBuild, known: pd.Series) -> None:
    """Quarantine rows whose account_id is not an accepted account."""
    ids = build.frame["account_id"].astype(STR_DTYPE)
    found = build.account_found.result() if build.account_found else arrowtext.isin(ids, known)
    missing = ~found & ids.notna().to_numpy()
    reasons = np.full(len(ids), None, dtype=object)
    reasons[missing] = [f"account_id {v} not found in accounts" for v in ids[missing]]
    build.reject(missing, reasons, build.plan.canonical.get("account_id", ""))


def assemble(
    builds: Mapping[str, TableBuild],
    source_format: str,
    *,
    extra_tables: Mapping[str, pd.DataFrame] | None = None,
    notes: Sequence[str] = (),
    account_duplicates: dict | None = None,
) -> IngestResult:
    """Accepted rows into tables, refused rows into the quarantine, counts into the report.

    ``account_duplicates``: :func:`likely_duplicate_accounts` of the accepted accounts, when
    already found."""
    tables: dict[str, pd.DataFrame] = {}
    quarantine_parts: list[pd.DataFrame] = []
    files: dict[str, dict] = {}
    listed: list[dict] = []
    total_issues = 0
    all_notes: list[str] = []
    all_warnings: list[str] = []
    duplicates_found: dict[str, dict] = {}
    for table, build in builds.items():
        accepted = build.accepted
        frame = build.frame.reset_index(drop=True)
        if not accepted.all():
            frame = frame.loc[accepted].reset_index(drop=True)
        for name in build.plan.custom.values():
            frame[name] = type_custom(frame[name])
        tables[table] = frame
        refused = np.flatnonzero(~accepted)
        raw = build.raw
        quarantine_parts.append(
            pd.DataFrame(
                {
                    "source_file": [raw.label] * len(refused),
                    "line": raw.lines[refused],
                    "column": build.reason_columns[refused],
                    "reason": build.reasons[refused],
                    "raw": [raw.raw_text(int(i)) for i in refused],
                }
            )
        )
        issues = 0
        for header, reasons, text in build.cell_issues:
            bad = np.flatnonzero((reasons != None) & accepted)  # noqa: E711
            issues += len(bad)
            for i in bad[: max(0, MAX_LISTED_CELL_ISSUES - len(listed))]:
                listed.append(
                    {
                        "file": raw.label,
                        "line": int(raw.lines[i]),
                        "column": header,
                        "value": text.iloc[i],
                        "reason": reasons[i],
                    }
                )
        total_issues += issues
        rows_read = len(raw)
        report = {
            "path": raw.label,
            "rows_read": rows_read,
            "accepted": int(accepted.sum()),
            "quarantined": len(refused),
            "cell_issues": issues,
            "adapter": build.adapter,
            **raw.describe(),
            "columns": build.plan.describe(),
            "derived_columns": list(build.derived),
            "custom_columns": list(build.plan.custom.values()),
            "formats": dict(build.formats),
        }
        assert report["rows_read"] == report["accepted"] + report["quarantined"]
        files[table] = report
        all_notes.extend(build.notes)
        all_warnings.extend(build.warnings)
        if table == "accounts":
            units = formats.UnitCheck()
            units.add_frame(frame)
            for warning in units.warnings():
                all_notes.append(f"{raw.label}: {warning}")
                all_warnings.append(f"{raw.label}: {warning}")
        table_duplicates = dict(build.duplicates)
        if table == "accounts" and not frame.empty:
            if account_duplicates is None:
                account_duplicates = duplicates.likely_duplicate_accounts(frame)
            table_duplicates.update(account_duplicates)
        names = [
            name
            for name in (*build.plan.custom.values(), "stage", "source", "lost_reason")
            if name in frame.columns
        ]
        found = arrowtext.map_columns(
            duplicates.similar_spellings, [frame[name] for name in names], rows=len(frame)
        )
        spellings = {name: groups for name, groups in zip(names, found, strict=True) if groups}
        if spellings:
            table_duplicates["similar_values"] = spellings
            for name, groups in spellings.items():
                shown = "; ".join(" / ".join(f'"{nz.show(v)}"' for v in g) for g in groups[:3])
                all_notes.append(
                    f"{raw.label}: {name} spells the same value in different ways: {shown} "
                    f"(merge them with [{table}.values.{name}] in a mapping file)"
                )
        if table_duplicates:
            duplicates_found[table] = table_duplicates
    for table, frame in (extra_tables or {}).items():
        tables[table] = frame
    tables.setdefault("deals", empty_table("deals"))
    if "deals" not in builds and "deals" not in (extra_tables or {}):
        all_notes.append("no deals file: the deals table is empty")
    all_notes.extend(notes)
    quarantine = pd.concat(quarantine_parts, ignore_index=True) if quarantine_parts else None
    if quarantine is None or quarantine.empty:
        quarantine = pd.DataFrame({c: pd.Series(dtype=object) for c in QUARANTINE_COLUMNS})
    quarantine["line"] = quarantine["line"].astype("int64")
    for column in ("source_file", "column", "reason", "raw"):
        quarantine[column] = quarantine[column].astype(STR_DTYPE)
    report = {
        "format": source_format,
        "files": files,
        "tables": {name: len(frame) for name, frame in tables.items()},
        "duplicates": duplicates_found,
        "cell_issues": {
            "total": total_issues,
            "listed": listed,
            "truncated": total_issues > len(listed),
        },
        "notes": all_notes,
        "warnings": all_warnings,
    }
    return IngestResult(tables=tables, quarantine=quarantine, report=report)
