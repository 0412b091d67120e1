"""Keeping the ICP true: `icpkit monitor`, `icpkit diff` and `icpkit explain`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from icpkit.cli.app import app, console, errors, progress_bar
from icpkit.errors import IcpkitError
from icpkit.jsonsafe import dumps, write_json

InputFile = Annotated[Path | None, typer.Option(help="CSV or Parquet file.")]
WorkspaceOption = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        help="The workspace database holding numbered scorecard versions (a DuckDB file or a "
        "postgresql:// URL). Default: $ICPKIT_WORKSPACE, else icpkit-workspace.duckdb here.",
    ),
]


@app.command()
def monitor(
    scorecard: Annotated[Path, typer.Option(help="The scorecard in use (a build's TOML file).")],
    deals: Annotated[
        Path | None,
        typer.Option(
            help="Deals, old and new (CSV or Parquet): the ones closed since the build are checked."
        ),
    ] = None,
    accounts: Annotated[
        Path | None,
        typer.Option(
            help="The accounts of those deals (default: accounts.parquet of the build folder "
            "the scorecard is in)."
        ),
    ] = None,
    customers: Annotated[
        Path | None, typer.Option(help="Customers with start, end or churned: checks churn.")
    ] = None,
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="A folder of canonical tables instead of the files above."),
    ] = None,
    segments: Annotated[
        Path | None,
        typer.Option(
            help="profiles.json (or segments.json) with the primary ICP segment (default: the "
            "one next to the scorecard)."
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Check deals closed after this date (default: the card's last deal)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write the result.")] = Path("monitor.json"),
    alpha: Annotated[
        float, typer.Option(help="Chance of a false alarm per run.", min=0.0001, max=0.5)
    ] = 0.05,
    min_drop: Annotated[
        float,
        typer.Option(
            help="Smallest fall in close rate that counts, in percentage points.", min=0, max=100
        ),
    ] = 10.0,
) -> None:
    """Check that the ICP still holds: deals closed since the build, win rate per tier now vs
    at build time, tier separation, churn and the mix of new leads. Exits 0 when the ICP
    holds, 1 on an alarm (for cron and CI); the reasons are printed and written to
    monitor.json.

    Examples:

    - `icpkit monitor --scorecard icp-out/scorecard.toml --deals crm/deals.csv`
    - `icpkit monitor --scorecard icp-out/scorecard.toml --from new-crm --out checks/monitor.json`
    """
    from icpkit.results import read_primary_segment
    from icpkit.scorecard.io import load_scorecard
    from icpkit.validate.monitor import MonitorSettings, beside, monitor_tables
    from icpkit.validate.monitor import monitor as run_monitor

    card = load_scorecard(scorecard)
    read = monitor_tables(
        scorecard, deals=deals, accounts=accounts, customers=customers, from_dir=from_dir
    )
    _print_unused_rows(read.report)
    tables = read.tables
    segment_file = segments or beside(scorecard, "profiles.json")
    primary = read_primary_segment(segment_file) if segment_file else None
    settings = MonitorSettings(alpha=alpha, min_drop=min_drop / 100)
    with progress_bar() as progress:
        progress.add_task("Checking the ICP against new deals", total=None)
        report = run_monitor(
            card,
            tables["deals"],
            tables["accounts"],
            customers=tables.get("customers"),
            primary_segment=primary.to_json() if primary else None,
            since=since,
            settings=settings,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, report.to_json())
    console.print(report.text(), markup=False, highlight=False, soft_wrap=True, end="")
    console.print(f"Written to {out}", markup=False, soft_wrap=True)
    if report.alarms:
        raise typer.Exit(1)


@app.command()
def diff(
    old: Annotated[
        str, typer.Argument(help="The earlier card: a TOML file, a build folder or a version.")
    ],
    new: Annotated[
        str, typer.Argument(help="The later card: a TOML file, a build folder or a version.")
    ],
    accounts: Annotated[
        Path | None,
        typer.Option(
            help="Companies to count tier changes on (default: the accounts of the later build "
            "folder, if it is one)."
        ),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Column that names an account (account_id).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    out: Annotated[Path | None, typer.Option(help="Also write the JSON to this file.")] = None,
) -> None:
    """Show what changed between two scorecards: points and bins, attributes added or removed,
    disqualifiers, tier cut-offs, the data each was trained on, which ICP segments appeared or
    went, and how many accounts change tier.

    Examples:

    - `icpkit diff icp-2024 icp-2025`
    - `icpkit diff old.toml new.toml --accounts crm/accounts.csv`
    - `icpkit diff 3 4 --workspace icpkit-workspace.duckdb`
    """
    from icpkit.history import load_version
    from icpkit.validate.diff import diff_scorecards

    before = load_version(old, workspace=workspace)
    after = load_version(new, workspace=workspace)
    frame, source = _accounts_frame(accounts, after.accounts_file)
    if frame is not None and id_column is None:
        id_column = "account_id" if "account_id" in frame.columns else None
    if frame is not None and id_column and id_column not in frame.columns:
        raise IcpkitError(f"no column {id_column!r} to name the accounts by", file=source)
    result = diff_scorecards(
        before.card,
        after.card,
        accounts=frame,
        id_column=id_column,
        old_label=before.label,
        new_label=after.label,
        old_segments=before.segments(),
        new_segments=after.segments(),
    )
    if frame is not None and accounts is None:
        result.notes.append(f"tier changes counted on {source}")
    data = result.to_json()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_json(out, data)
    if as_json:
        sys.stdout.write(dumps(data))
        return
    console.print(result.text(), markup=False, highlight=False, soft_wrap=True, end="")


@app.command()
def explain(
    account: Annotated[str, typer.Option(help="The account's id.")],
    versions: Annotated[
        list[str] | None,
        typer.Argument(
            help="Scorecard files, build folders or workspace version numbers, oldest first "
            "(default: every version in the workspace)."
        ),
    ] = None,
    accounts: Annotated[
        Path | None,
        typer.Option(
            help="The file with the account's data (default: each build folder's own "
            "accounts, so changes in the account's data show too)."
        ),
    ] = None,
    id_column: Annotated[
        str, typer.Option("--id", help="Column that holds the id.")
    ] = "account_id",
    workspace: WorkspaceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Show an account's score and tier under each scorecard version, and why it moved between
    versions: its own data changed, bins were redrawn or re-weighed, attributes joined or left,
    a disqualifier, the 0-100 scale, or the tier cut-offs.

    Examples:

    - `icpkit explain --account ACC-000042 icp-2024 icp-2025`
    - `icpkit explain --account 0015g00000XyZab --accounts accounts.csv --workspace ws.duckdb`
    """
    from icpkit.history import explain_account, load_version, workspace_versions

    if versions:
        loaded = [load_version(v, workspace=workspace) for v in versions]
    else:
        loaded = workspace_versions(workspace)
        if not loaded:
            raise IcpkitError("the workspace holds no scorecard version yet")
    frame, _ = _accounts_frame(accounts, None)
    history = explain_account(account, loaded, frame, id_column=id_column)
    if as_json:
        sys.stdout.write(dumps(history.to_json()))
        return
    console.print(history.text(), markup=False, highlight=False, soft_wrap=True, end="")


# ---- helpers -----------------------------------------------------------------------------------


def _print_unused_rows(report: dict[str, Any]) -> None:
    for name, info in report.get("files", {}).items():
        if info.get("quarantined"):
            errors.print(
                f"{name}: {info['quarantined']:,} of {info['rows_read']:,} rows could not be "
                "used and were left out (`icpkit ingest` writes each one with its reason).",
                markup=False,
                soft_wrap=True,
            )


def _accounts_frame(given: Path | None, default: Path | None):
    from icpkit.ingest.readers import read_table

    path = given or default
    if path is None:
        return None, None
    return read_table(path).frame, str(path)
