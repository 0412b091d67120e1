"""`icpkit report`: re-render the ICP document from a build folder, and print it to PDF; and the
per-motion builds behind `icpkit build --motion COLUMN`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from icpkit.cli.app import app, console, progress_bar
from icpkit.errors import IcpkitError

if TYPE_CHECKING:
    import pandas as pd

    from icpkit.results import BuildResult

MOTIONS_FOLDER = "motions"


@app.command()
def report(
    from_dir: Annotated[
        Path, typer.Option("--from", help="The folder an `icpkit build --out` wrote.")
    ],
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print report.pdf with headless Chromium.")
    ] = False,
    crm: Annotated[
        Path | None,
        typer.Option(
            help="A newer CRM folder (from ingest or simulate): count the deals closed since "
            "the build, to know when to re-validate."
        ),
    ] = None,
) -> None:
    """Re-render the ICP document (report.html and icp.md) from a build folder's files, and
    optionally print it to PDF.

    Examples:

    - `icpkit report --from icp-out`
    - `icpkit report --from icp-out --pdf`
    - `icpkit report --from icp-out --crm crm-this-month`
    """
    from icpkit.report import print_pdf, render_folder

    with progress_bar() as progress:
        task = progress.add_task("Rendering the ICP document", total=2 if pdf else 1)
        new_deals = _deals_since_build(from_dir, crm) if crm is not None else None
        files = render_folder(from_dir, new_deals=new_deals)
        progress.update(task, advance=1, description="Printing to PDF")
        if pdf:
            files["report_pdf"] = print_pdf(files["report_html"], from_dir / "report.pdf")
            progress.update(task, advance=1)
    for name, path in files.items():
        console.print(f"  {name}: {path}")


def _deals_since_build(build_dir: Path, crm: Path) -> dict[str, Any]:
    """Closed deals in ``crm`` decided after the last decision the build learned from."""
    import pandas as pd

    from icpkit.ingest import load_dir
    from icpkit.outcomes import closed_deals
    from icpkit.results import read_build

    last = read_build(build_dir).profiles.facts.last_decision
    tables = load_dir(crm).tables
    if "deals" not in tables or tables["deals"].empty:
        # counting the deals of a folder with none would say "0 closed since the build"
        raise IcpkitError(
            "no deals in this folder (deals.csv or deals.parquet): nothing closed since the "
            "build can be counted",
            file=crm,
        )
    closed = closed_deals(tables["deals"])
    decided = pd.to_datetime(closed["decided_at"], errors="coerce")
    since = closed[decided > pd.Timestamp(last)] if last else closed.iloc[0:0]
    return {
        "closed_since": len(since),
        "won_since": int(since["won"].sum()),
        "after": last,
        "crm": str(crm),
    }


def build_motions(
    accounts: pd.DataFrame,
    deals: pd.DataFrame,
    column: str,
    out: Path,
    build: Callable[..., BuildResult],
    write: Callable[[BuildResult, Path], dict[str, Path]],
    **options: Any,
) -> dict[str, Path]:
    """Build one ICP per value of the deal column ``column`` (a sales motion such as lead
    source), each into ``out/motions/<value>/``, and write the document comparing them.

    The build on every deal must already be in ``out``: the document opens with it. A motion
    with too few won or lost deals gets no build of its own; the document says so and why.
    """
    motions = check_motion(deals, column)
    values = deals[column].astype("string").str.strip()
    entries = []
    folders: set[str] = set()
    with progress_bar() as progress:
        task = progress.add_task("Building one ICP per motion", total=len(motions))
        for value in motions:
            progress.update(task, description=f"{column} = {value}")
            folder = _folder(value, folders)
            subset = deals[(values == value).fillna(False).to_numpy()]
            entries.append(
                _build_motion(value, folder, subset, accounts, out, build, write, **options)
            )
            progress.advance(task)
    (out / "motions.json").write_text(
        json.dumps({"column": column, "motions": entries}, indent=2) + "\n", encoding="utf-8"
    )
    from icpkit.report import render_folder

    return render_folder(out)


def check_motion(deals: pd.DataFrame, column: str) -> list[str]:
    """The motions (distinct values) of the deal column ``column``, or a clear error."""
    if column not in deals.columns:
        known = ", ".join(c for c in deals.columns if not c.endswith(("_id", "_raw")))
        raise IcpkitError(f"--motion {column}: deals have no such column (they have: {known})")
    values = deals[column].dropna().astype(str).str.strip()
    motions = sorted(v for v in values.unique() if v)
    if len(motions) < 2:
        raise IcpkitError(f"--motion {column}: needs at least two values, found {len(motions)}")
    return motions


def _build_motion(
    value: str,
    folder: str,
    deals: pd.DataFrame,
    accounts: pd.DataFrame,
    out: Path,
    build: Callable[..., BuildResult],
    write: Callable[[BuildResult, Path], dict[str, Path]],
    **options: Any,
) -> dict[str, Any]:
    closed = deals[deals["outcome"].isin(["won", "lost"])]
    entry: dict[str, Any] = {
        "value": value,
        "folder": folder,
        "closed_deals": len(closed),
        "won": int((closed["outcome"] == "won").sum()),
        "note": "",
    }
    try:
        result = build(accounts, deals, **options)
    except IcpkitError as error:
        entry.update(folder="", note=f"not built: {error.message}")
        return entry
    write(result, out / folder)
    return entry


def _folder(value: str, taken: set[str]) -> str:
    """A folder for a motion value: 'Partner / Channel' -> 'motions/partner-channel'."""
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "blank"
    folder, n = f"{MOTIONS_FOLDER}/{slug}", 1
    while folder in taken:
        n += 1
        folder = f"{MOTIONS_FOLDER}/{slug}-{n}"
    taken.add(folder)
    return folder
