"""`icpkit report`: re-render the ICP document from a build folder, and print it to PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from icpkit.cli.app import app, console, progress_bar


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
    from icpkit.report import deals_since_build, print_pdf, render_folder

    with progress_bar() as progress:
        task = progress.add_task("Rendering the ICP document", total=2 if pdf else 1)
        new_deals = deals_since_build(from_dir, crm) if crm is not None else None
        files = render_folder(from_dir, new_deals=new_deals)
        progress.update(task, advance=1, description="Printing to PDF")
        if pdf:
            files["report_pdf"] = print_pdf(files["report_html"], from_dir / "report.pdf")
            progress.update(task, advance=1)
    for name, path in files.items():
        console.print(f"  {name}: {path}")
