"""`icpkit validate`: test any scorecard against closed deals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from icpkit.cli.app import app, console
from icpkit.cli.core import InputFile, _load, _print_ingest
from icpkit.errors import IcpkitError


@app.command()
def validate(
    scorecard: Annotated[
        Path, typer.Option(help="The scorecard to test (learned or hand-written).")
    ],
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="A folder of canonical tables (from ingest or simulate)."),
    ] = None,
    accounts: InputFile = None,
    deals: InputFile = None,
    outcome: Annotated[str | None, typer.Option(help="Flat mode: the outcome column.")] = None,
    positive: Annotated[str | None, typer.Option(help="Flat mode: the good value.")] = None,
    id_column: Annotated[str | None, typer.Option("--id", help="Flat mode: the row id.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the result as JSON to this file.")] = None,
) -> None:
    """Report what a scorecard would have achieved on past deals: AUC, lift inside vs outside
    the ICP with its interval, win rate per tier, calibration and the 3x rule.

    Example: `icpkit validate --scorecard examples/seed-scorecard.toml --from sample-crm`
    """
    from icpkit.scorecard.io import load_scorecard
    from icpkit.validate.backtest import backtest

    card = load_scorecard(scorecard)
    if (outcome is None) != (positive is None):
        raise IcpkitError("flat mode needs both --outcome COLUMN and --positive VALUE")
    result = _load(
        accounts,
        deals,
        None,
        None,
        None,
        None,
        "auto",
        from_dir,
        outcome=outcome,
        positive=positive,
        id_column=id_column,
    )
    _print_ingest(result)
    if result.tables.get("deals") is None or result.tables["deals"].empty:
        raise IcpkitError("no deals to test against: give --deals, or --outcome and --positive")
    report = backtest(card, result.tables["accounts"], result.tables["deals"])
    if out is not None:
        out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    lift = report["lift_in_vs_out"]
    console.print(f"{card.name}: tested on {report['closed_deals']:,} closed deals")
    if report["auc"] is not None:
        low, high = report["auc_ci"]
        console.print(f"  AUC {report['auc']:.2f} (95% CI {low:.2f}-{high:.2f})")
    inside, outside = lift["inside"], lift["outside"]
    console.print(
        f"  win rate in tiers A-B: {_pct(inside['win_rate'])} of {inside['accounts']:,}; "
        f"outside: {_pct(outside['win_rate'])} of {outside['accounts']:,}"
    )
    for tier, row in report["tiers"].items():
        console.print(
            f"  tier {tier}: {row['won']:,} won of {row['accounts']:,} "
            f"({_pct(row['win_rate'])}, 95% CI {_pct(row['ci'][0])}-"
            f"{_pct(row['ci'][1])})"
        )
    console.print(f"  {report['three_x_rule']['verdict']}")
    if report["columns_missing"]:
        console.print(
            f"  columns the card reads but the data lacks (scored as missing): "
            f"{', '.join(report['columns_missing'])}"
        )
    if report.get("warning"):
        console.print(f"  [yellow]{report['warning']}[/yellow]")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"
