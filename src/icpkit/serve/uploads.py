"""CSV scoring in the web app as a job a person can watch: read, score in batches, write.

A big file takes tens of seconds, so the upload answers at once with a page that follows the
job (rows read, rows scored) and ends on a summary: rows per tier, the rows set aside with
their reasons, and the downloads. Scoring is :class:`icpkit.score.BatchScorer`, the code path
of `icpkit score`, batch by batch, so the web file and the CLI's agree row for row.

**Refused files.** A file with records the reader cannot split into the header's fields (more
fields than the header, a quote never closed) is refused whole, naming the first lines at
fault: its cells may be shifted, so no row of it can be trusted to score.

**Quarantine.** Otherwise every row of the file is either in the scored file or in the
quarantine file with its reason: a column the card reads holds text it cannot read ("fifty"
employees). Scoring such a row would count the value as unknown and give a confident-looking
wrong score, so it is set aside to fix instead. A blank, or a word that means blank ("n/a",
"null", "-"), is unknown, not unreadable.

Error messages name the uploaded file by its name, never the server's folder.

Jobs live in memory (the last :data:`KEPT` per server, each for :data:`KEEP_SECONDS`), are
run one at a time in one thread, and are visible only to the key that started them.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from icpkit.csvsafe import write_safe_csv
from icpkit.errors import IcpkitError
from icpkit.scorecard.model import TIER_NAMES, Attribute, Disqualifier, Scorecard

SCORE_COLUMNS = ("icp_score", "icp_tier", "icp_disqualified", "icp_reasons")
BATCH_ROWS = 20_000
KEPT = 20
KEEP_SECONDS = 3600.0
SHOWN_QUARANTINE = 50  # rows listed on the summary page; the file has them all
# The share of the progress bar each step takes: reading, then scoring and writing the rows
# kept (the quarantine file and the summary are the rest).
READ_SHARE, SCORE_SHARE = 0.25, 0.73


@dataclass
class Quarantined:
    line: int  # the record's line in the file (header = line 1); 0 when unknown
    reason: str


@dataclass
class Summary:
    rows: int
    scored: int
    tiers: dict[str, int]
    disqualified: int
    quarantined: list[Quarantined]  # the first SHOWN_QUARANTINE
    quarantined_rows: int
    reasons: list[tuple[str, int]]  # reason (without the value) -> rows, most common first
    seconds: float


@dataclass
class UploadJob:
    """One uploaded file being scored; the page reads it while the thread writes it."""

    id: str
    key_id: str
    filename: str
    version: int
    size: int
    phase: str = "waiting"  # waiting, reading, scoring, writing, done, failed
    rows: int = 0
    scored: int = 0
    fraction: float = 0.0
    error: str | None = None
    summary: Summary | None = None
    started: float = field(default_factory=time.monotonic)
    folder: Any = field(default_factory=lambda: tempfile.TemporaryDirectory(prefix="icpkit-"))

    @property
    def finished(self) -> bool:
        return self.phase in ("done", "failed")

    @property
    def percent(self) -> int:
        return 100 if self.phase == "done" else int(100 * min(self.fraction, 0.99))

    @property
    def seconds_left(self) -> int | None:
        """A straight-line guess from the time so far; None until a tenth is done."""
        if self.finished or self.fraction < 0.1:
            return None
        elapsed = time.monotonic() - self.started
        return max(1, round(elapsed * (1 - self.fraction) / self.fraction))

    @property
    def scored_name(self) -> str:
        return f"{Path(self.filename).stem}-scored-v{self.version}.csv"

    @property
    def quarantine_name(self) -> str:
        return f"{Path(self.filename).stem}-quarantine.csv"

    def path(self, name: str) -> Path:
        return Path(self.folder.name) / name


class Uploads:
    """The server's upload jobs: started, followed, downloaded, forgotten."""

    def __init__(self) -> None:
        self._jobs: dict[str, UploadJob] = {}
        self._lock = threading.Lock()
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="icpkit-upload")

    def start(
        self,
        *,
        key_id: str,
        filename: str,
        data: bytes,
        version: int,
        card: Scorecard,
        on_done: Any = None,
    ) -> UploadJob:
        """Keep ``data`` in a private folder and queue its scoring; ``on_done(job, ids)`` is
        called with the scored rows' identifiers when the job succeeds."""
        job = UploadJob(secrets.token_urlsafe(12), key_id, filename, version, len(data))
        job.path(filename).write_bytes(data)
        with self._lock:
            self._forget_old()
            self._jobs[job.id] = job
        self._runner.submit(_run, job, card, on_done)
        return job

    def get(self, job_id: str, key_id: str) -> UploadJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and secrets.compare_digest(job.key_id, key_id) else None

    def _forget_old(self) -> None:
        now = time.monotonic()
        done = [j for j in self._jobs.values() if j.finished]
        old = {j.id for j in done if now - j.started > KEEP_SECONDS}
        old |= {j.id for j in done[: max(0, len(self._jobs) - KEPT + 1)]}
        for job_id in old:
            self._jobs.pop(job_id).folder.cleanup()


def _run(job: UploadJob, card: Scorecard, on_done: Any) -> None:
    from icpkit.serve.app import public_message

    try:
        identifiers = score_upload(job, card)
        if on_done is not None:  # the audit entry: written before the files can be downloaded
            on_done(job, identifiers)
    except IcpkitError as error:
        job.error, job.phase = public_message(error), "failed"
        return
    except Exception:  # a bug: the page says so, the server log has the traceback
        import logging

        logging.getLogger("icpkit.serve").exception("upload %s failed", job.id)
        job.error, job.phase = "internal error; the server log has the details", "failed"
        return
    job.phase = "done"


def score_upload(job: UploadJob, card: Scorecard) -> list[dict[str, Any]]:
    """Read, quarantine, score and write ``job``'s file; returns the scored rows' identifier
    columns (for the audit log)."""
    from icpkit.ingest.readers import read_table

    job.phase = "reading"

    def reading(_stage: str, done: int, total: int) -> None:
        job.fraction = READ_SHARE * done / max(total, 1)

    upload = job.path(job.filename)
    try:
        table = read_table(upload, progress=reading)
    except IcpkitError as error:  # named by the upload's name, not the server's folder
        raise IcpkitError(
            error.message, file=job.filename, line=error.line, column=error.column
        ) from None
    finally:
        upload.unlink(missing_ok=True)  # read whole: the uploaded file itself is not kept
    frame = table.frame
    _refuse_unsplit(job.filename, table.lines, table.row_errors, len(frame))
    job.rows = len(frame)
    if job.rows == 0:
        raise IcpkitError("no data rows", file=job.filename)
    sources = {c: c for c in card.columns if c in frame.columns}
    if not sources:
        raise IcpkitError(
            "none of the columns the scorecard reads are in this file (it reads "
            + ", ".join(card.columns)
            + ")",
            file=job.filename,
        )
    started = job.started
    job.phase = "scoring"
    kept, reasons, tiers, disqualified = _score_and_write(job, card, frame, sources)
    job.phase = "writing"
    lines = np.asarray(table.lines, dtype=np.int64)
    set_aside = [Quarantined(int(lines[i]), reasons[i] or "") for i in np.flatnonzero(~kept)]
    quarantine = frame[~kept].copy()
    quarantine.insert(0, "icp_quarantine_reason", [q.reason for q in set_aside])
    quarantine.insert(0, "line", [q.line for q in set_aside])
    write_safe_csv(quarantine, job.path(job.quarantine_name))
    grouped = Counter(re.sub(r'"[^"]*"', "a value", q.reason) for q in set_aside)
    job.scored = int(kept.sum())
    job.summary = Summary(
        rows=job.rows,
        scored=job.scored,
        tiers={t: int(tiers.get(t, 0)) for t in TIER_NAMES},
        disqualified=disqualified,
        quarantined=set_aside[:SHOWN_QUARANTINE],
        quarantined_rows=len(set_aside),
        reasons=grouped.most_common(),
        seconds=time.monotonic() - started,
    )
    from icpkit.serve.scoring import IDENTIFIER_COLUMNS

    named = [c for c in IDENTIFIER_COLUMNS if c in frame.columns]
    return frame.loc[kept, named].to_dict("records")


def _refuse_unsplit(
    filename: str, lines: Any, row_errors: list[str | None] | None, rows: int
) -> None:
    """Refuse the file if the reader could not split some records into the header's fields
    (too many fields, an unclosed quote), naming the first three lines at fault."""
    errors = row_errors or ()
    bad = [(int(line), error) for line, error in zip(lines, errors, strict=False) if error]
    if not bad:
        return
    shown = "; ".join(f"line {line}: {error}" for line, error in bad[:3])
    more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
    raise IcpkitError(
        f"{len(bad)} of {rows} records cannot be read, "
        f"so nothing was scored: {shown}{more}. Fix them and upload again.",
        file=filename,
    )


def _score_and_write(
    job: UploadJob,
    card: Scorecard,
    frame: pd.DataFrame,
    sources: dict[str, str],
) -> tuple[np.ndarray, list[str | None], Counter, int]:
    """Score batch by batch and write the rows kept, with the four score columns, as the CLI
    writes its CSV (formula-safe, by Arrow). Returns which rows were kept, each row's
    quarantine reason (or None), rows per tier and disqualified rows among those kept."""
    from icpkit.score import BatchScorer, _Writer

    scorer = BatchScorer(card, sources)
    reasons: list[str | None] = [None] * len(frame)
    columns = list(dict.fromkeys(sources.values()))
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    writer = _Writer(job.path(job.scored_name))
    tiers: Counter = Counter()
    disqualified = 0
    try:
        for start in range(0, len(frame), BATCH_ROWS):
            chunk = frame.iloc[start : start + BATCH_ROWS]
            read = pa.Table.from_pandas(chunk[columns], preserve_index=False)
            # One record batch (a big file read by Arrow comes as chunked columns).
            arrays = scorer.score(read.combine_chunks().to_batches()[0])
            for offset, why in _unreadable(card, chunk[columns], scorer.number_formats).items():
                i = start + offset
                reasons[i] = why if reasons[i] is None else f"{reasons[i]}; {why}"
            keep = np.array([r is None for r in reasons[start : start + len(chunk)]], bool)
            rows = _text_columns(pa.Table.from_pandas(chunk, schema=schema, preserve_index=False))
            for column in SCORE_COLUMNS:
                rows = rows.append_column(column, arrays[column])
            # Filtered as one batch: a table filtered down to no row would have no chunk left.
            kept_rows = rows.combine_chunks().to_batches()[0].filter(pa.array(keep))
            writer.write(pa.Table.from_batches([kept_rows]))
            tiers.update(_plain(arrays["icp_tier"])[keep].tolist())
            disqualified += int(_plain(arrays["icp_disqualified"])[keep].sum())
            job.scored = start + len(chunk)
            job.fraction = READ_SHARE + SCORE_SHARE * job.scored / len(frame)
    finally:
        writer.close()
    kept = np.array([r is None for r in reasons], dtype=bool)
    return kept, reasons, tiers, disqualified


def _text_columns(table: pa.Table) -> pa.Table:
    """List columns (a Parquet upload's technologies) as "a;b" text, as a CSV holds them."""
    import pyarrow.compute as pc

    for i, column in enumerate(table.columns):
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            text = pc.binary_join(pc.cast(column, pa.list_(pa.string())), ";")
            table = table.set_column(i, table.column_names[i], text)
    return table


def _plain(array: pa.Array) -> Any:
    """A score column as plain values (tiers and reasons come dictionary-encoded)."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array.to_numpy(zero_copy_only=False)


def _unreadable(card: Scorecard, chunk: pd.DataFrame, number_formats: dict) -> dict[int, str]:
    """Row offset -> why, for rows with text the card cannot read in a column it scores."""
    from icpkit.conditions import read_column
    from icpkit.ingest.normalise import BLANK_TOKENS
    from icpkit.score import prepare_columns

    found: dict[int, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    items: tuple[Attribute | Disqualifier, ...] = (*card.attributes, *card.disqualifiers)
    for item in items:
        key = (item.column, item.kind)
        if key in seen or item.column not in chunk.columns:
            continue
        seen.add(key)
        values = chunk[item.column]
        if pd.api.types.is_numeric_dtype(values) or item.kind not in ("numeric", "boolean"):
            continue  # typed numbers, and category or list text, always read
        distinct = pd.Series(pd.unique(values.astype(object)), dtype=object)
        text = distinct.map(lambda v: "" if v is None else str(v).strip())
        present = ~text.str.casefold().isin(BLANK_TOKENS).to_numpy()
        # Numbers read as the scorer read them: with the decimal mark this file was found to use.
        prepared = prepare_columns(
            pd.DataFrame({item.column: distinct}), [item.column], dict(number_formats)
        )
        lost = present & read_column(prepared, item.column, item.kind).isna().to_numpy()
        if not lost.any():
            continue
        bad = dict(zip(distinct[lost], text[lost], strict=True))
        wanted = "a number" if item.kind == "numeric" else "yes or no"
        for offset in np.flatnonzero(values.isin(list(bad)).to_numpy()):
            value = bad[values.iloc[offset]]
            found.setdefault(int(offset), []).append(
                f'{item.column}: cannot read "{value[:60]}" as {wanted}'
            )
    return {offset: "; ".join(reasons) for offset, reasons in found.items()}
