"""The `icpkit` Typer application and what every command shares."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

app = typer.Typer(
    name="icpkit",
    help="Find your Ideal Customer Profile in CRM history, score any company, prove it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
console = Console()
errors = Console(stderr=True)

UnitsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--units",
        metavar="COLUMN=UNIT",
        help="A numeric column given in ones, thousands, millions or billions, "
        "scaled as it is read (e.g. --units annual_revenue=millions). Repeatable.",
    ),
]


def print_findings(notes: list[str], warnings: list[str]) -> None:
    """How the input's columns were read (decimal marks, date orders) and what looks wrong
    (implausible units): notes on the console, warnings as ``warning:`` lines."""
    for note in notes:
        console.print(note, markup=False, highlight=False, soft_wrap=True)
    for warning in warnings:
        errors.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def progress_bar() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


def _print_version(value: bool) -> None:
    if value:
        from icpkit import __version__

        console.print(f"icpkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_print_version,
        is_eager=True,
    ),
) -> None:
    """Find your Ideal Customer Profile in CRM history, score any company, prove it."""
