"""CSV scoring in the web app as a job a person can watch: read, score in batches, write.

A big file takes tens of seconds, so the upload answers at once with a page that follows the
job (rows read, rows scored) and ends on a summary: rows per tier, the rows set aside with
their reasons, and the downloads. Scoring is :class:`icpkit.score.BatchScorer`, the code path
of `icpkit score`, batch by batch, so the web file and the CLI's agree row for row.

**Quarantine.** Every row of the file is either in the scored file or in the quarantine file
with its reason: the reader already refuses a record (too many fields, say), or a column the
card reads holds text it cannot read ("fifty" employees). Scoring such a row would count the
value as unknown and give a confident-looking wrong score, so it is set aside to fix instead.
A blank, or a word that means blank ("n/a", "null", "-"), is unknown, not unreadable.

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
from icpkit.scorecard.model import TIER_NAMES, Scorecard

SCORE_COLUMNS = ("icp_score", "icp_tier", "icp_disqualified", "icp_reasons")
BATCH_ROWS = 20_000
KEPT = 20
KEEP_SECONDS = 3600.0
SHOWN_QUARANTINE = 50  # rows listed on the summary page; the file has them all
# The share of the progress bar each step takes (reading, scoring; writing is the rest).
READ_SHARE, SCORE_SHARE = 0.25, 0.65


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
    try:
        identifiers = score_upload(job, card)
    except IcpkitError as error:
        job.error, job.phase = str(error), "failed"
        return
    except Exception:  # a bug: the page says so, the server log has the traceback
        import logging

        logging.getLogger("icpkit.serve").exception("upload %s failed", job.id)
        job.error, job.phase = "internal error; the server log has the details", "failed"
        return
    if on_done is not None:
        on_done(job, identifiers)
    job.phase = "done"


def score_upload(job: UploadJob, card: Scorecard) -> list[dict[str, Any]]:
    """Read, quarantine, score and write ``job``'s file; returns the scored rows' identifier
    columns (for the audit log)."""
    from icpkit.ingest.readers import read_table

    job.phase = "reading"

    def reading(_stage: str, done: int, total: int) -> None:
        job.fraction = READ_SHARE * done / max(total, 1)

    table = read_table(job.path(job.filename), progress=reading)
    frame = table.frame
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
    scores, reasons = _score(job, card, frame, sources, table.row_errors)
    job.phase = "writing"
    job.fraction = READ_SHARE + SCORE_SHARE
    lines = np.asarray(table.lines, dtype=np.int64)
    kept = np.array([r is None for r in reasons], dtype=bool)
    out = frame.drop(columns=[c for c in SCORE_COLUMNS if c in frame.columns])
    out = pd.concat([out.reset_index(drop=True), scores], axis=1)
    write_safe_csv(out[kept], job.path(job.scored_name))
    set_aside = [Quarantined(int(lines[i]), reasons[i]) for i in np.flatnonzero(~kept)]
    quarantine = frame[~kept].copy()
    quarantine.insert(0, "icp_quarantine_reason", [q.reason for q in set_aside])
    quarantine.insert(0, "line", [q.line for q in set_aside])
    write_safe_csv(quarantine, job.path(job.quarantine_name))
    tiers = Counter(scores["icp_tier"][kept])
    grouped = Counter(re.sub(r'"[^"]*"', "a value", q.reason) for q in set_aside)
    job.scored = int(kept.sum())
    job.summary = Summary(
        rows=job.rows,
        scored=job.scored,
        tiers={t: int(tiers.get(t, 0)) for t in TIER_NAMES},
        disqualified=int(scores["icp_disqualified"][kept].sum()),
        quarantined=set_aside[:SHOWN_QUARANTINE],
        quarantined_rows=len(set_aside),
        reasons=grouped.most_common(),
        seconds=time.monotonic() - started,
    )
    from icpkit.serve.scoring import IDENTIFIER_COLUMNS

    named = [c for c in IDENTIFIER_COLUMNS if c in frame.columns]
    return frame.loc[kept, named].to_dict("records")


def _score(
    job: UploadJob,
    card: Scorecard,
    frame: pd.DataFrame,
    sources: dict[str, str],
    row_errors: list[str | None],
) -> tuple[pd.DataFrame, list[str | None]]:
    """The four score columns for every row, and each row's quarantine reason (or None)."""
    from icpkit.score import BatchScorer

    scorer = BatchScorer(card, sources)
    parts: list[pd.DataFrame] = []
    reasons: list[str | None] = list(row_errors) if row_errors else [None] * len(frame)
    columns = list(dict.fromkeys(sources.values()))
    for start in range(0, len(frame), BATCH_ROWS):
        chunk = frame.iloc[start : start + BATCH_ROWS][columns]
        batch = pa.RecordBatch.from_pandas(chunk, preserve_index=False)
        arrays = scorer.score(batch)
        parts.append(pd.DataFrame({c: _plain(arrays[c]) for c in SCORE_COLUMNS}))
        for offset, why in _unreadable(card, chunk, scorer.number_formats).items():
            i = start + offset
            reasons[i] = why if reasons[i] is None else f"{reasons[i]}; {why}"
        job.scored = min(start + BATCH_ROWS, len(frame))
        job.fraction = READ_SHARE + SCORE_SHARE * job.scored / len(frame)
    scores = pd.concat(parts, ignore_index=True)
    scores["icp_tier"] = scores["icp_tier"].astype(str)
    scores["icp_reasons"] = scores["icp_reasons"].astype(str)
    return scores, reasons


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
    for item in (*card.attributes, *card.disqualifiers):
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
