"""The timing score: how recently an account showed a buying trigger, kept apart from fit.

Fit (the scorecard) says *who* to pursue; timing says *when*. A :class:`TimingModel` holds, per
signal type, a weight from 0 (no bearing on buying) to 1 (the strongest trigger), a half-life
in days, a horizon beyond which a signal no longer counts, and the bounds of three timing
buckets. For an account on a reference date::

    decay(type)  = 0.5 ** (age of the freshest signal of that type / half_life_days)
    timing_score = 100 * (1 - product over types of (1 - weight(type) * decay(type)))

so the strongest trigger happening today scores 100, the same trigger one half-life ago scores
50, a second kind of trigger adds to the first without passing 100, and signals older than
``horizon_days`` (or dated after the reference date) count for nothing. Bucket 1 ("now") is a
score of at least ``bucket_1_min``, bucket 2 ("warm") at least ``bucket_2_min``, bucket 3 the
rest. ``priority`` pairs the fit tier with the bucket ("A1" ... "D3"): a matrix, never one
blended number.

``icpkit build`` learns the weights and half-life from deals (see
:mod:`icpkit.discover.triggers`) and writes ``timing.toml`` beside the scorecard; the file is
plain TOML that a person may edit, and it is read as data only.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd
import tomli_w

from icpkit.errors import IcpkitError

FORMAT = "icpkit-timing/1"
DEFAULT_HALF_LIFE_DAYS = 30.0
DEFAULT_HORIZON_DAYS = 180
TIMING_COLUMNS = ("timing_score", "timing_bucket", "timing_reason")


def signal_key(value: object) -> str:
    """One spelling per signal type: "Executive Hire", "executive-hire" -> "executive_hire"."""
    return re.sub(r"[^0-9a-z]+", "_", str(value).strip().lower()).strip("_")


@dataclass(frozen=True)
class TimingModel:
    """Weights per signal type, a half-life and bucket bounds (see the module docstring).

    ``weights``: signal type -> weight in [0, 1]; ``default_weight`` applies to types not
    listed (0 in a learned model: a type the data gave no reason to trust does not count).
    ``half_life_days`` > 0; ``horizon_days`` >= 0; ``bucket_1_min`` >= ``bucket_2_min``, both
    in 0-100. ``trained_on``: what the model was learned from, for the reader.
    """

    weights: Mapping[str, float] = field(default_factory=dict)
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    horizon_days: int = DEFAULT_HORIZON_DAYS
    default_weight: float = 0.0
    bucket_1_min: float = 50.0
    bucket_2_min: float = 20.0
    trained_on: Mapping[str, Any] = field(default_factory=dict)

    def weight(self, signal_type: str) -> float:
        return float(self.weights.get(signal_key(signal_type), self.default_weight))

    def bucket(self, score: np.ndarray) -> np.ndarray:
        """Timing bucket 1 (now), 2 (warm) or 3 (no recent trigger) for each score."""
        score = np.asarray(score, dtype=float)
        return np.where(score >= self.bucket_1_min, 1, np.where(score >= self.bucket_2_min, 2, 3))

    def score(self, signals: pd.DataFrame, as_of: Any = None) -> pd.DataFrame:
        """One row per account in ``signals``: ``account_id``, ``timing_score`` (0-100),
        ``timing_bucket`` (1-3) and ``timing_reason`` (the signals behind the score).

        ``signals``: canonical columns ``account_id``, ``type``, ``occurred_at``. ``as_of``:
        the reference date (default: the latest signal date in ``signals``).
        """
        frame = _clean_signals(signals)
        reference = _reference(frame, as_of)
        accounts = pd.Series(pd.unique(frame["account_id"]), dtype=object)
        scores, reasons = self.scores_at(
            frame, accounts, pd.Series([reference] * len(accounts), dtype="datetime64[ns]")
        )
        return pd.DataFrame(
            {
                "account_id": accounts.to_numpy(),
                "timing_score": np.rint(scores).astype(np.int64),
                "timing_bucket": self.bucket(np.rint(scores)).astype(np.int64),
                "timing_reason": reasons,
            }
        )

    def scores_at(
        self, signals: pd.DataFrame, accounts: pd.Series, references: pd.Series
    ) -> tuple[np.ndarray, list[str]]:
        """The timing score of each (account, reference date) pair, and its reason text.

        Used for scoring lists (one reference date) and for learning (each deal's creation
        date), so both read signals the same way: only signals on or before the reference.
        """
        ages = signal_ages(signals, accounts, references)
        return self.score_ages(ages), self.reasons(ages)

    def score_ages(self, ages: pd.DataFrame) -> np.ndarray:
        """Scores from :func:`signal_ages` (a column of ages in days per signal type)."""
        keep = np.ones(len(ages))  # product over types of (1 - weight * decay)
        for signal_type in ages.columns:
            keep *= 1 - self.weight(signal_type) * self._decay(ages[signal_type])
        return 100 * (1 - keep)

    def reasons(self, ages: pd.DataFrame, top: int = 3) -> list[str]:
        """The signals behind each score, strongest first: "funding 12d ago"."""
        parts: list[list[tuple[float, str]]] = [[] for _ in range(len(ages))]
        for signal_type in ages.columns:
            strength = self.weight(signal_type) * self._decay(ages[signal_type])
            age = ages[signal_type].to_numpy(dtype=float)
            for i in np.flatnonzero(strength > 0):
                parts[i].append((strength[i], f"{signal_type} {int(age[i])}d ago"))
        return ["; ".join(text for _, text in sorted(p, reverse=True)[:top]) for p in parts]

    def _decay(self, age: pd.Series) -> np.ndarray:
        days = age.to_numpy(dtype=float)
        counts = ~np.isnan(days) & (days <= self.horizon_days)
        return np.where(counts, 0.5 ** (np.where(counts, days, 0) / self.half_life_days), 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "half_life_days": float(self.half_life_days),
            "horizon_days": int(self.horizon_days),
            "default_weight": float(self.default_weight),
            "bucket_1_min": float(self.bucket_1_min),
            "bucket_2_min": float(self.bucket_2_min),
            "weights": {k: round(float(v), 4) for k, v in sorted(self.weights.items())},
            "trained_on": _toml_safe(dict(self.trained_on)),
        }


def default_timing_model() -> TimingModel:
    """No build to learn from: every signal type counts fully, half-life 30 days, 180-day
    horizon. Honest about what it is (``trained_on.source``), and meant to be replaced."""
    return TimingModel(
        default_weight=1.0,
        trained_on={"source": "default: every signal type weighs 1, half-life 30 days"},
    )


def priority(tier: Any, bucket: Any) -> str:
    """The fit x timing cell: tier "A" and bucket 1 -> "A1"."""
    return f"{tier}{int(bucket)}"


# --- Files -------------------------------------------------------------------------------------

_HEADER = """\
# icpkit timing model: when to act, kept apart from the fit score.
# timing_score = 100 x (1 - product over signal types of (1 - weight x 0.5 ^ (age / half_life)))
# using the freshest signal of each type no older than horizon_days; bucket 1 at bucket_1_min
# and above, bucket 2 at bucket_2_min and above, else 3. Weights run from 0 to 1; edit freely.
"""


def save_timing(model: TimingModel, path: str | Path) -> None:
    Path(path).write_text(_HEADER + tomli_w.dumps(model.to_dict()), encoding="utf-8")


def load_timing(path: str | Path) -> TimingModel:
    """Read a timing file, checking every value; a mistake names the file and line."""
    path = Path(path)
    if not path.is_file():
        raise IcpkitError("timing model file not found", file=path)
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise IcpkitError(
            f"not valid TOML: {re.sub(r' [(]at line.*', '', str(exc))}",
            file=path,
            line=int(line.group(1)) if line else None,
        ) from exc
    return _parse(data, text, str(path))


def timing_from_dict(data: Mapping[str, Any], source: str = "<timing model>") -> TimingModel:
    """A model from the dict :meth:`TimingModel.to_dict` gives, checked like a file."""
    return _parse(dict(data), "", source)


def _parse(data: dict[str, Any], text: str, source: str) -> TimingModel:
    def fail(key: str, message: str) -> NoReturn:
        raise IcpkitError(f"{key}: {message}", file=source, line=_line_of(text, key))

    if data.get("format") != FORMAT:
        fail("format", f'must be "{FORMAT}"')
    numbers: dict[str, float] = {}
    for key, low, high in (
        ("half_life_days", 0.0, math.inf),
        ("horizon_days", 0.0, math.inf),
        ("default_weight", 0.0, 1.0),
        ("bucket_1_min", 0.0, 100.0),
        ("bucket_2_min", 0.0, 100.0),
    ):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail(key, "must be a number")
        if not low <= value <= high or (key == "half_life_days" and value == 0):
            fail(key, f"{value} is outside {low:g} to {high:g}")
        numbers[key] = float(value)
    if numbers["bucket_2_min"] > numbers["bucket_1_min"]:
        fail("bucket_2_min", "must not exceed bucket_1_min")
    weights = data.get("weights", {})
    if not isinstance(weights, dict):
        fail("weights", "must be a table of signal type = weight")
    for name, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            fail(name, "a weight must be a number from 0 to 1")
    return TimingModel(
        weights={signal_key(k): float(v) for k, v in weights.items()},
        half_life_days=numbers["half_life_days"],
        horizon_days=int(numbers["horizon_days"]),
        default_weight=numbers["default_weight"],
        bucket_1_min=numbers["bucket_1_min"],
        bucket_2_min=numbers["bucket_2_min"],
        trained_on=data.get("trained_on", {}),
    )


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def read_signals(path: str | Path) -> pd.DataFrame:
    """A signals file (CSV or Parquet, canonical or common header names) as canonical signals.
    A row with no account, type or readable date stops with its file, line and column."""
    from icpkit.ingest.canonical import build_table
    from icpkit.ingest.mapping import Conventions
    from icpkit.ingest.readers import read_table

    raw = read_table(path)
    build = build_table(raw, "signals", Conventions())
    refused = np.flatnonzero(~build.accepted)
    if len(refused):
        first = refused[0]
        raise IcpkitError(
            str(build.reasons[first]),
            file=raw.label,
            line=int(raw.lines[first]),
            column=str(build.reason_columns[first]) or None,
        )
    return build.frame[["account_id", "type", "occurred_at"]].reset_index(drop=True)


# --- Adding timing to a scored file ------------------------------------------------------------


def model_for(scorecard: str | Path, timing: str | Path | None = None) -> TimingModel:
    """The timing model to use with a scorecard: ``timing`` if given, else ``timing.toml``
    beside the scorecard (what ``icpkit build`` writes), else :func:`default_timing_model`."""
    if timing is not None:
        return load_timing(timing)
    beside = Path(scorecard).with_name("timing.toml")
    return load_timing(beside) if beside.is_file() else default_timing_model()


def add_timing(
    scored: str | Path,
    signals: pd.DataFrame,
    model: TimingModel,
    *,
    as_of: Any = None,
    chunk_rows: int = 200_000,
) -> dict[str, Any]:
    """Add ``timing_score``, ``timing_bucket``, ``timing_reason`` and ``priority`` (fit tier x
    timing bucket, "A1") to a file ``icpkit score`` wrote, in place, a chunk at a time.

    Rows are matched to signals on the file's first column (the id ``icpkit score`` puts
    there); an account with no signal gets score 0, bucket 3.
    """
    from icpkit.csvsafe import escape_formula

    path = Path(scored)
    timing = model.score(signals, as_of=as_of).set_index("account_id")
    timing = timing[~timing.index.duplicated()]
    counts = {priority(t, b): 0 for t in "ABCD" for b in (1, 2, 3)}
    temporary = path.with_name(f".{path.name}.timing")

    def extend(chunk: pd.DataFrame) -> pd.DataFrame:
        id_column = chunk.columns[0]
        if id_column == "row" or "icp_tier" not in chunk.columns:
            raise IcpkitError(
                "--signals needs an id column matching the signals' account_id (give --id)",
                file=path,
            )
        found = timing.reindex(chunk[id_column].astype(str).to_numpy())
        chunk["timing_score"] = found["timing_score"].fillna(0).astype(np.int64).to_numpy()
        chunk["timing_bucket"] = found["timing_bucket"].fillna(3).astype(np.int64).to_numpy()
        reasons = found["timing_reason"].fillna("").astype(str)
        chunk["timing_reason"] = reasons.map(escape_formula).to_numpy()
        chunk["priority"] = [
            priority(t, b)
            for t, b in zip(chunk["icp_tier"].astype(str), chunk["timing_bucket"], strict=True)
        ]
        for cell, n in chunk["priority"].value_counts().items():
            counts[cell] = counts.get(cell, 0) + int(n)
        return chunk

    if path.suffix.lower() == ".parquet":
        _extend_parquet(path, temporary, extend, chunk_rows)
    else:
        _extend_csv(path, temporary, extend, chunk_rows)
    temporary.replace(path)
    reference = _reference(_clean_signals(signals), as_of)
    return {
        "as_of": reference.date().isoformat(),
        "accounts_with_signals": int(len(timing)),
        "priority": counts,
        "model": dict(model.trained_on).get("source", "learned by icpkit build"),
    }


def _extend_csv(path: Path, temporary: Path, extend, chunk_rows: int) -> None:
    # Read every cell as the text written (already formula-escaped), so nothing is re-read
    # as a number or a date on the way through.
    reader = pd.read_csv(
        path, dtype=str, keep_default_na=False, chunksize=chunk_rows, encoding="utf-8"
    )
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        written = False
        for chunk in reader:
            extend(chunk).to_csv(handle, index=False, header=not written)
            written = True
        if not written:  # a header and no rows: keep the header, with the new columns
            extend(pd.read_csv(path, dtype=str, nrows=0)).to_csv(handle, index=False)


def _extend_parquet(path: Path, temporary: Path, extend, chunk_rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            table = pa.Table.from_pandas(extend(batch.to_pandas()), preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(temporary, table.schema)
            writer.write_table(table)
        if writer is None:  # no rows: the schema, with the new columns
            empty = pq.read_schema(path).empty_table().to_pandas()
            pq.write_table(pa.Table.from_pandas(extend(empty), preserve_index=False), temporary)
    finally:
        if writer is not None:
            writer.close()


# --- Helpers -----------------------------------------------------------------------------------


def _clean_signals(signals: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("account_id", "type", "occurred_at") if c not in signals.columns]
    if missing:
        raise IcpkitError("the signals table lacks " + ", ".join(missing))
    frame = pd.DataFrame(
        {
            "account_id": signals["account_id"].astype(str).to_numpy(),
            "type": signals["type"].map(signal_key).to_numpy(),
            "occurred_at": pd.to_datetime(signals["occurred_at"], errors="coerce")
            .astype("datetime64[ns]")
            .to_numpy(),
        }
    )
    known = signals["account_id"].notna().to_numpy() & signals["type"].notna().to_numpy()
    return frame[known & frame["occurred_at"].notna().to_numpy()]


def _reference(frame: pd.DataFrame, as_of: Any) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of)
    if frame.empty:
        return pd.Timestamp.now().normalize()
    return pd.Timestamp(frame["occurred_at"].max())


def signal_ages(signals: pd.DataFrame, accounts: pd.Series, references: pd.Series) -> pd.DataFrame:
    """Days from the freshest signal of each type on or before each reference date.

    One row per (``accounts[i]``, ``references[i]``), one column per signal type (sorted), NaN
    where the account had no such signal by then. A signal after the reference is never seen.
    """
    frame = _clean_signals(signals)
    rows = pd.DataFrame(
        {
            "account_id": pd.Series(accounts).astype(str).to_numpy(),
            "reference": np.asarray(pd.to_datetime(references), dtype="datetime64[ns]"),
            "row": np.arange(len(accounts)),
        }
    )
    columns = {
        str(signal_type): _freshest_age(rows, of_type)
        for signal_type, of_type in frame.groupby("type", sort=True)
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def _freshest_age(rows: pd.DataFrame, of_type: pd.DataFrame) -> np.ndarray:
    """Days from the freshest signal on or before each row's reference date (NaN if none)."""
    ordered = rows.dropna(subset=["reference"]).sort_values("reference")
    events = of_type[["account_id", "occurred_at"]].sort_values("occurred_at")
    events = events.assign(seen=events["occurred_at"])
    matched = pd.merge_asof(
        ordered,
        events,
        left_on="reference",
        right_on="occurred_at",
        by="account_id",
        direction="backward",
    )
    age = np.full(len(rows), np.nan)
    days = (matched["reference"] - matched["seen"]).dt.days.to_numpy(dtype=float)
    age[matched["row"].to_numpy()] = days
    return age


def _toml_safe(value: Any) -> Any:
    """TOML has no null: drop missing values; numpy numbers become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_toml_safe(v) for v in value if v is not None]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
