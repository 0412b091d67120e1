"""`icpkit sql`: the scorecard as one SELECT, to score a whole table inside the warehouse."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from icpkit.cli.app import app, console


@app.command()
def sql(
    scorecard: Annotated[Path, typer.Option(help="The scorecard file (TOML).")],
    dialect: Annotated[
        str,
        typer.Option(
            help="duckdb, postgres, sqlite, snowflake, bigquery, spark, redshift or tsql."
        ),
    ],
    table: Annotated[
        str, typer.Option(help="The table to score, e.g. accounts or analytics.accounts.")
    ],
    id_column: Annotated[
        str, typer.Option("--id", help="The column that identifies a row, returned first.")
    ] = "account_id",
    lists: Annotated[
        str,
        typer.Option(
            help="How list attributes are stored: text (joined by ';') or array "
            "(ingest's Parquet; duckdb, postgres, snowflake, bigquery, spark)."
        ),
    ] = "text",
    out: Annotated[
        Path | None, typer.Option(help="Write the SQL to this file instead of printing it.")
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            help="The table's columns, comma-separated, when they are not exactly the card's: "
            "a card column the table lacks is derived from the ones it has (region from "
            "country) or scored as unknown."
        ),
    ] = None,
    text_numbers: Annotated[
        str | None,
        typer.Option(
            help="Numeric columns the table stores as text, comma-separated, or all: read as "
            'icpkit score reads them ("51-200" is 101, "$2.5M" is 2500000, "1.234,5"). Not '
            "in sqlite or tsql, which have no regular expressions."
        ),
    ] = None,
) -> None:
    """Print one SELECT that scores every row of a table: the id, icp_score, icp_tier,
    icp_disqualified and icp_reasons, with the same numbers and reasons as `icpkit score`.
    Every identifier is quoted, so any column name is safe. Country, region, industry and
    funding stage are read from raw labels ("USA", "APAC", "Computer Software", "Series B") by
    the lookups `icpkit score` uses, and region from country where it is blank or absent
    (`icpkit inspect --json` lists what a card reads). Numeric attributes read numeric
    columns, or with --text-numbers text such as "51-200", "10,001+" or "$2.5M", read as
    `icpkit score` reads it; lists are text joined by ";" (see docs/scoring-at-scale.md).

    Examples:

    - `icpkit sql --scorecard icp-out/scorecard.toml --dialect duckdb --table accounts`
    - `icpkit sql --scorecard scorecard.toml --dialect snowflake --table crm.accounts --out s.sql`
    - `icpkit sql --scorecard scorecard.toml --dialect postgres --table accounts | psql -d crm`
    - `icpkit sql --scorecard card.toml --dialect duckdb --table accounts --lists array`
    - `icpkit sql --scorecard card.toml --dialect duckdb --table raw --columns id,country,employees`
    - `icpkit sql --scorecard card.toml --dialect postgres --table crm_export --text-numbers all`
    """
    from icpkit.scorecard.io import load_scorecard
    from icpkit.sql import to_sql

    card = load_scorecard(scorecard)
    present = None if columns is None else [c.strip() for c in columns.split(",") if c.strip()]
    as_text = (
        [] if text_numbers is None else [c.strip() for c in text_numbers.split(",") if c.strip()]
    )
    text = (
        to_sql(
            card,
            table,
            dialect,
            id_column=id_column,
            lists=lists,
            columns=present,
            text_numbers=as_text,
        )
        + ";\n"
    )
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"Wrote the {dialect} SELECT scoring {table} to {out}.")
