"""`icpkit size`: how many companies of a universe fit the ICP, and what they are worth."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from icpkit.cli.app import UnitsOption, app, console, errors, print_findings, progress_bar
from icpkit.jsonsafe import dumps


@app.command()
def size(
    scorecard: Annotated[Path, typer.Option(help="The scorecard file (TOML).")],
    universe: Annotated[
        Path, typer.Option(help="Companies to size on: CSV, Parquet or a folder of Parquet.")
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(help="Ingest-style TOML mapping: [accounts] headers, [accounts.scale]."),
    ] = None,
    deals: Annotated[
        Path | None,
        typer.Option(help="Won/lost deals with amounts (deals.parquet or a build folder)."),
    ] = None,
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="A build or ingest folder: its deals.parquet is used."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Also write the scored universe (.csv or .parquet).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    units: UnitsOption = None,
) -> None:
    """Count a company universe per tier and check it against the playbooks' rule of thumb
    (a primary ICP is roughly 1,000-5,000 named accounts; over 50,000 is a market segment;
    under 200 may be too narrow). With won deals: TAM (every company x the average won deal),
    SAM (tiers A-B x the average deal) and SOM (SAM x the win rate), with intervals.

    Examples:

    - `icpkit size --scorecard icp-out/scorecard.toml --universe companies.parquet --from icp-out`
    - `icpkit size --scorecard seed.toml --universe yc_companies.csv --json`
    - `icpkit size --scorecard card.toml --universe Fortune_1000.csv --mapping fortune.toml`
    """
    from icpkit.errors import IcpkitError
    from icpkit.ingest.formats import parse_units
    from icpkit.scorecard.io import load_scorecard
    from icpkit.size import size_target_list

    if deals is not None and from_dir is not None:
        raise IcpkitError("give either --deals FILE or --from DIR, not both")
    factors = parse_units(units).get("accounts", {})
    card = load_scorecard(scorecard)
    with progress_bar() as progress:
        task = progress.add_task(f"Sizing {universe.name}", total=1.0)
        result = size_target_list(
            card,
            universe,
            mapping=mapping,
            deals=deals or from_dir,
            out=out,
            progress=lambda done: progress.update(task, completed=done),
            units=factors,
        )
    if as_json:
        for warning in result["warnings"]:  # beside the JSON, never inside stdout
            errors.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
        sys.stdout.write(dumps(result))
        return
    _print(result)


def _money(value: float) -> str:
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.3g}{suffix}"
    return f"{value:,.0f}"


def _print(result: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table("Tier", "Companies", "Share")
    for tier, count in result["tiers"].items():
        table.add_row(tier, f"{count:,}", f"{result['tier_shares'][tier]:.1%}")
    console.print(f"[bold]{result['companies']:,} companies[/bold] in {result['universe']}")
    console.print(table)
    if "market" in result:
        m = result["market"]
        d = m["deals"]
        low, high = d["average_deal_ci"]
        console.print(
            f"Average won deal {_money(d['average_deal'])} (95% interval {_money(low)}-"
            f"{_money(high)}, median {_money(d['median_deal'])}, {d['won']:,} won); win rate "
            f"{d['win_rate']:.1%} ({d['win_rate_ci'][0]:.1%}-{d['win_rate_ci'][1]:.1%}, "
            f"{d['won'] + d['lost']:,} closed). Amounts {d['currency_note']}."
        )
        market = Table("Market", "Accounts", "Value", "Range")
        for key, name in (("tam", "TAM (all)"), ("sam", "SAM (tiers A-B)"), ("som", "SOM")):
            row = m[key]
            market.add_row(
                name,
                f"{row['accounts']:,.0f}",
                _money(row["value"]),
                f"{_money(row['range'][0])}-{_money(row['range'][1])}",
            )
        console.print(market)
    console.print(result["advice"])
    print_findings(result["notes"], result["warnings"])
    if result["columns_missing"]:
        errors.print(
            "warning: not in the universe, scored as unknown: "
            + ", ".join(result["columns_missing"]),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for column, rows in result["unreadable"].items():
        errors.print(
            f"warning: {column}: {rows:,} value(s) of the wrong type scored as unknown",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
