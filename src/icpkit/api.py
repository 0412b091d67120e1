"""The library's front door: the few calls a notebook needs, re-exported as ``icpkit.*``.

Each function is a thin wrapper over the module that does the work (ingest, build, score,
sql, validate, simulate), with keyword names a data scientist would guess and typed results.
The heavy modules are imported inside each function, so ``icpkit.load_scorecard`` does not
pay for the learner, and ``import icpkit`` pays for nothing (see ``icpkit/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icpkit.errors import IcpkitError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from icpkit.discover.notes import Notes
    from icpkit.ingest.canonical import IngestResult
    from icpkit.ingest.readers import RawTable
    from icpkit.results import BuildResult, Evaluation
    from icpkit.scorecard.model import Scorecard, Tiers
    from icpkit.simulate.generator import SimulatedCRM

TABLES = ("accounts", "deals", "contacts", "signals", "customers")

__all__ = ["build", "evaluate", "read_crm", "score", "simulate", "to_sql"]


def read_crm(
    source: str | Path | pd.DataFrame | None = None,
    *,
    accounts: str | Path | pd.DataFrame | None = None,
    deals: str | Path | pd.DataFrame | None = None,
    contacts: str | Path | pd.DataFrame | None = None,
    signals: str | Path | pd.DataFrame | None = None,
    customers: str | Path | pd.DataFrame | None = None,
    format: str = "auto",
    mapping: str | Path | None = None,
    outcome: str | None = None,
    positive: str | None = None,
    negative: str | Sequence[str] | None = None,
    id: str | None = None,
    units: Mapping[str, Mapping[str, float]] | None = None,
) -> IngestResult:
    """Read a CRM into canonical tables, as ``icpkit ingest`` does.

    Three ways in:

    * ``read_crm("crm/")``: a folder of ``accounts.csv``, ``deals.csv``, ... (or ``.parquet``),
      as ``icpkit simulate`` and ``icpkit ingest`` write them;
    * ``read_crm(accounts=..., deals=..., contacts=..., signals=..., customers=...)``: files or
      DataFrames, one per table, in any ``format`` (``auto``, ``generic``, ``salesforce``,
      ``hubspot``, ``pipedrive``), with an optional ``mapping`` file for unusual headers;
    * ``read_crm("deals.csv", outcome="Status", positive="Won")``: one row per account and a
      column that says which were won (``negative`` names the lost values when others are
      still open; ``id`` the column that identifies an account).

    Returns an :class:`~icpkit.ingest.canonical.IngestResult`: ``tables`` (canonical
    DataFrames), ``quarantine`` (every refused row, its file, line and reason) and ``report``
    (what ``ingest.json`` holds). A file icpkit cannot use raises
    :class:`~icpkit.errors.IcpkitError` naming it.
    """
    from icpkit import ingest

    given = {"accounts": accounts, "deals": deals, "contacts": contacts}
    given |= {"signals": signals, "customers": customers}
    if source is not None and accounts is not None:
        raise IcpkitError("give the accounts either as the first argument or as accounts=")
    accounts = accounts if source is None else source
    if accounts is None:
        raise IcpkitError("no input: give a folder, a file or accounts=")
    if outcome is not None or positive is not None:
        if outcome is None or positive is None:
            raise IcpkitError("a flat table needs both outcome= (a column) and positive= (a value)")
        return ingest.load_flat(
            _raw(accounts, "accounts"),
            outcome=outcome,
            positive=positive,
            negative=negative,
            id_column=id,
            units=units,
        )
    if not _is_frame(accounts) and Path(accounts).is_dir():
        others = [name for name, value in given.items() if value is not None]
        if others:
            raise IcpkitError(f"give either a folder or {'= and '.join(others)}=, not both")
        return ingest.load_dir(accounts, units=units)
    tables = {name: value for name, value in given.items() if value is not None}
    tables["accounts"] = accounts
    raw = {name: _raw(value, name) for name, value in tables.items()}
    return ingest.load_tables(
        accounts=raw["accounts"],
        deals=raw.get("deals"),
        contacts=raw.get("contacts"),
        signals=raw.get("signals"),
        customers=raw.get("customers"),
        mapping=mapping,
        format=format,
        units=units,
    )


def build(
    crm: IngestResult | SimulatedCRM | pd.DataFrame,
    deals: pd.DataFrame | None = None,
    *,
    out: str | Path | None = None,
    max_attributes: int | None = None,
    tiers: Tiers | None = None,
    half_life_days: float | None = None,
    roles: Mapping[str, str] | None = None,
    company_columns: Sequence[str] = (),
    deal_columns: Sequence[str] = (),
    universe: str | Path | None = None,
    motion: str | None = None,
    notes: Notes | str | Path | None = None,
    loss_reasons: Mapping[str, Sequence[str]] | None = None,
    seed: int = 0,
    source: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> BuildResult:
    """Find the ICP, learn its scorecard and prove it on held-out deals, as ``icpkit build``.

    ``crm`` is what :func:`read_crm` returned, a :func:`simulate` result, or a canonical
    accounts DataFrame with ``deals`` beside it. ``max_attributes`` caps the card's rows;
    ``tiers`` fixes the A/B/C bounds; ``half_life_days`` counts recent deals more; ``roles``
    overrides what a column is (``{"lead_no": "id"}``; see ``docs/discovery.md``).
    ``universe`` (a CSV or Parquet file of companies) sizes the target list on it;
    ``notes`` (a folder or CSV of call notes, or what ``read_notes`` read) adds their themes,
    ``loss_reasons`` (a mapping file's ``[loss_reasons]`` table) extends the loss-reason
    mapping. With ``out`` (a folder), the files ``icpkit build`` writes are written there too
    and listed in ``result.files``; ``motion`` (a deal column, with ``out``) also builds one ICP
    per value of it into ``out/motions/``. ``source`` names the data in the scorecard (default:
    the accounts file read). ``progress(what, done, total)`` is told of each step.

    Returns a typed :class:`~icpkit.results.BuildResult`: ``scorecard``, ``validation``
    (held-out AUC, lift and tiers), ``segments``, ``profiles``, ``personas``, ``triggers``,
    each with ``to_json()`` giving what its file holds.
    """
    from dataclasses import replace

    from icpkit.build import STEPS, build_icp, with_target_list, write_outputs
    from icpkit.discover.notes import Notes, read_notes
    from icpkit.ingest.canonical import IngestResult
    from icpkit.simulate.generator import SimulatedCRM

    ingested = crm if isinstance(crm, IngestResult) else None
    if ingested is not None:
        if deals is not None:
            raise IcpkitError("deals= is read from the CRM already: give one or the other")
        tables = dict(ingested.tables)
        label = _source_label(ingested)
    elif isinstance(crm, SimulatedCRM):
        tables = {name: getattr(crm, name) for name in TABLES}
        label = "simulated CRM"
    else:
        tables = {"accounts": crm, "deals": deals}
        label = ""
    source = label if source is None else source
    if tables.get("deals") is None or tables["deals"].empty:
        raise IcpkitError(
            "no outcomes to learn from: read the CRM with deals, or a flat table with "
            "outcome= and positive="
        )
    if motion is not None:
        from icpkit.motions import check_motion

        if out is None:
            raise IcpkitError("motion= writes one build per motion: give out= (a folder) too")
        check_motion(tables["deals"], motion)
    if notes is not None and not isinstance(notes, Notes):
        notes = read_notes(notes)
    steps = [*STEPS, "Writing the ICP document"]
    tell = progress or (lambda what, done, total: None)
    result = build_icp(
        tables["accounts"],
        tables["deals"],
        max_attributes=max_attributes,
        tiers=tiers,
        half_life_days=half_life_days,
        company_columns=company_columns,
        deal_columns=deal_columns,
        roles=roles,
        contacts=tables.get("contacts"),
        signals=tables.get("signals"),
        customers=tables.get("customers"),
        seed=seed,
        source=source,
        step=lambda name: tell(name, steps.index(name), len(steps)),
        notes=notes,
        loss_reasons=dict(loss_reasons) if loss_reasons is not None else None,
    )
    folder = None if out is None else Path(out)
    if universe is not None:
        result = with_target_list(result, Path(universe), folder)
    if folder is None:
        return result
    tell(steps[-1], len(steps) - 1, len(steps))
    if ingested is not None:
        from icpkit.ingest import write_ingest

        write_ingest(ingested, folder)
    files = write_outputs(result, folder)
    if motion is not None:
        from icpkit.motions import build_motions

        options: dict[str, Any] = {"max_attributes": max_attributes, "seed": seed, "source": source}
        options |= {"roles": roles, "company_columns": company_columns}
        options |= {"deal_columns": deal_columns}
        files |= build_motions(
            tables["accounts"], tables["deals"], motion, folder, progress=tell, **options
        )
    tell("Done", len(steps), len(steps))
    return replace(result, files=files)


def score(card: Scorecard | str | Path, frame: pd.DataFrame, id: str | None = None) -> pd.DataFrame:
    """Score every row of ``frame`` with ``card`` (a Scorecard or the path of its file).

    Returns one row per input row, in order: the ``id`` column when named, then
    ``icp_score`` (0-100), ``icp_tier`` (A-D), ``icp_disqualified`` and ``icp_reasons``, the
    same numbers and texts as ``icpkit score``. Values are read as ``icpkit score`` reads them
    ("1,200" employees, "$5M" revenue); a column the card needs but the frame lacks counts as
    missing.
    """
    from icpkit.score import score_frame

    if id is not None and id not in frame.columns:
        raise IcpkitError(f"no column {id!r} in the frame (it has {_some(frame.columns)})")
    return score_frame(_card(card), frame, id)


def to_sql(
    card: Scorecard | str | Path,
    dialect: str,
    table: str,
    *,
    id: str = "account_id",
    lists: str = "text",
) -> str:
    """One SELECT that scores every row of ``table`` inside the warehouse, as ``icpkit sql``.

    ``dialect``: duckdb, postgres, sqlite, snowflake, bigquery, spark, redshift or tsql.
    ``id`` is returned first so scores join back; ``lists`` says how list attributes are
    stored ("text" joined by ``;``, or "array"). The query returns the same numbers and reasons
    as :func:`score`, row for row.
    """
    from icpkit.sql import DIALECTS
    from icpkit.sql import to_sql as compile_sql

    if dialect not in DIALECTS and table in DIALECTS:
        raise IcpkitError(f"to_sql(card, dialect, table): {table!r} is the dialect, not the table")
    return compile_sql(_card(card), table, dialect, id_column=id, lists=lists)


def evaluate(
    card: Scorecard | str | Path,
    accounts: pd.DataFrame,
    won: str | Sequence[bool] | np.ndarray | pd.Series,
    *,
    seed: int = 0,
) -> Evaluation:
    """Measure ``card`` on accounts whose outcome is known (never the rows it learned from).

    ``won``: one yes/no per row, or the name of a boolean (or 0/1) column of ``accounts``.
    Returns a typed :class:`~icpkit.results.Evaluation`, the measures ``validation.json``
    reports: ``auc`` with ``auc_ci``, ``lift_in_vs_out`` (tiers A and B against the rest, with
    its interval), the win rate per ``tiers`` with Wilson intervals, precision in the top 10%
    and 20%, ``calibration`` and the ``gains`` curve; ``to_json()`` gives them as JSON.
    """
    import numpy as np
    import pandas as pd

    from icpkit.jsonsafe import finite
    from icpkit.results import Evaluation
    from icpkit.validate import evaluate as measure

    values = accounts[won] if isinstance(won, str) else won
    outcome = pd.Series(np.asarray(values, dtype=object))
    if len(outcome) != len(accounts):
        raise IcpkitError(f"won has {len(outcome)} values for {len(accounts)} accounts")
    if not outcome.isin([True, False]).all():
        bad = outcome[~outcome.isin([True, False])].iloc[0]
        raise IcpkitError(f"won must be yes/no (True/False or 1/0), found {bad!r}")
    measured = measure(_card(card), accounts, outcome.astype(bool).to_numpy(), seed=seed)
    return Evaluation.from_json(finite(measured))


def simulate(
    accounts: int = 3000,
    seed: int = 0,
    *,
    out: str | Path | None = None,
    messy: bool = False,
) -> SimulatedCRM:
    """A realistic CRM with a known, planted ICP, as ``icpkit simulate`` draws it.

    The same ``accounts`` and ``seed`` always give the same tables. ``truth`` tells what was
    planted, so a build can be checked against it. With ``out`` (a folder), the tables are
    also written there as CSV files (``messy=True``: as HubSpot/Salesforce-style exports).
    :mod:`icpkit.simulate` has the parts: ``make_crm`` (with a start, an end and a planted
    drift), ``write_crm`` and the planted profile.
    """
    from icpkit.simulate import make_crm, write_crm

    crm = make_crm(accounts, seed=seed)
    if out is not None:
        write_crm(crm, out, messy=messy, seed=seed)
    return crm


def _card(card: Scorecard | str | Path) -> Scorecard:
    from icpkit.scorecard.io import load_scorecard
    from icpkit.scorecard.model import Scorecard

    if isinstance(card, Scorecard):
        return card
    if isinstance(card, str | Path):
        return load_scorecard(card)
    raise IcpkitError(f"expected a Scorecard or the path of its file, not {type(card).__name__}")


def _is_frame(value: object) -> bool:
    import pandas as pd

    return isinstance(value, pd.DataFrame)


def _raw(value: str | Path | pd.DataFrame, table: str) -> str | Path | RawTable:
    """A DataFrame as a table read (typed, as a Parquet file would be); a path as it is."""
    if not _is_frame(value):
        return value
    import pyarrow as pa

    from icpkit.ingest.readers import raw_from_arrow

    try:
        arrow = pa.Table.from_pandas(value, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise IcpkitError(f"{table} DataFrame: cannot read it ({first})") from None
    return raw_from_arrow(arrow, f"{table} (DataFrame)", "parquet")


def _source_label(ingested: IngestResult) -> str:
    files = ingested.report.get("files", {})
    accounts = files.get("accounts", {}) if isinstance(files, dict) else {}
    return str(accounts.get("path", "")) if isinstance(accounts, dict) else ""


def _some(columns: Sequence[object]) -> str:
    names = [str(c) for c in list(columns)[:6]]
    return ", ".join(names) + (", ..." if len(columns) > 6 else "")
