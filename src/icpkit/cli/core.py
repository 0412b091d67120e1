"""The core commands: simulate, ingest, build, score, inspect."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from icpkit.cli.app import UnitsOption, app, console, errors, print_findings, progress_bar
from icpkit.errors import IcpkitError
from icpkit.jsonsafe import dumps
from icpkit.scorecard.model import Tiers

InputFile = Annotated[Path | None, typer.Option(help="CSV or Parquet file.")]
# ingest and build also read JSON and database tables: a table name or a query is not a path
InputSource = Annotated[
    str | None,
    typer.Option(help="CSV, Parquet or JSON file; with --db, a table name or a SELECT query."),
]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help="Which CRM wrote the files: auto (recognised from the headers of each file), "
        "salesforce, hubspot, pipedrive or generic.",
    ),
]
MappingOption = Annotated[
    Path | None,
    typer.Option(help="TOML or YAML file mapping your columns, stage names, values and units."),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Read from a database: postgresql://user@host/db or a DuckDB file "
        "(duckdb:///path/crm.duckdb); --accounts, --deals, ... then name tables or queries.",
    ),
]


@app.command()
def simulate(
    accounts: Annotated[int, typer.Option(help="How many accounts to simulate.", min=10)] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same CRM.")] = 0,
    out: Annotated[Path, typer.Option(help="Folder to write the CSV files and truth.json to.")] = (
        Path("sample-crm")
    ),
    messy: Annotated[
        bool, typer.Option(help="Write the data the way real CRM exports look.")
    ] = False,
) -> None:
    """Write a realistic sample CRM (accounts, deals, contacts, signals, customers) with a
    planted ICP, described in truth.json.

    Example: `icpkit simulate --accounts 3000 --seed 7 --out sample-crm`
    """
    from icpkit.simulate import simulate as run_simulation
    from icpkit.simulate import write_crm

    crm = run_simulation(accounts, seed=seed)
    files = write_crm(crm, out, messy=messy, seed=seed)
    console.print(f"Wrote {len(crm.accounts):,} accounts and {len(crm.deals):,} deals to {out}/")
    for name, path in files.items():
        console.print(f"  {name}: {path}")


@app.command()
def ingest(
    out: Annotated[Path, typer.Option(help="Folder for the canonical tables and reports.")],
    accounts: InputSource = None,
    deals: InputSource = None,
    contacts: InputSource = None,
    signals: InputSource = None,
    customers: InputSource = None,
    mapping: MappingOption = None,
    format: FormatOption = "auto",
    db: DatabaseOption = None,
    outcome: Annotated[
        str | None,
        typer.Option(help="Flat mode: the column of --accounts that says which are good."),
    ] = None,
    positive: Annotated[
        str | None, typer.Option(help="Flat mode: the --outcome value that means good.")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Flat mode: the column that identifies a row.")
    ] = None,
    units: UnitsOption = None,
) -> None:
    """Read CRM exports, normalise them onto the canonical tables, and quarantine what cannot be
    used (every row read is either accepted or in quarantine.csv with its reason).

    Examples:

    - `icpkit ingest --accounts accounts.csv --deals deals.csv --out crm`
    - `icpkit ingest --format salesforce --accounts Account.csv --deals Opportunity.csv --out crm`
    - `icpkit ingest --accounts orgs.csv --deals deals.csv --mapping fields.toml --out crm`
    - `icpkit ingest --db crm.duckdb --accounts accounts --deals "SELECT * FROM deals" --out crm`
    - `icpkit ingest --accounts deals.csv --outcome Status --positive Won --out crm`
    """
    if (outcome is None) != (positive is None):
        raise IcpkitError("flat mode needs both --outcome COLUMN and --positive VALUE")
    from icpkit.ingest import write_ingest

    with progress_bar() as bar:
        report = _progress_to(bar, bar.add_task("Reading", total=None))
        result = _load(
            accounts,
            deals,
            contacts,
            signals,
            customers,
            mapping,
            format,
            None,
            outcome=outcome,
            positive=positive,
            id_column=id_column,
            db=db,
            progress=report,
            units=units,
        )
        write_ingest(result, out, progress=report)
    _print_ingest(result)
    console.print(f"Canonical tables, quarantine.csv and ingest.json are in {out}/")


@app.command()
def build(
    out: Annotated[Path, typer.Option(help="Folder for the scorecard, report and proof.")] = Path(
        "icp-out"
    ),
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="A folder of canonical tables (from ingest or simulate)."),
    ] = None,
    accounts: InputSource = None,
    deals: InputSource = None,
    contacts: InputSource = None,
    signals: InputSource = None,
    customers: InputSource = None,
    mapping: MappingOption = None,
    format: FormatOption = "auto",
    db: DatabaseOption = None,
    outcome: Annotated[
        str | None,
        typer.Option(help="Flat mode: the column of --accounts that says which are good."),
    ] = None,
    positive: Annotated[
        str | None, typer.Option(help="Flat mode: the --outcome value that means good.")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Flat mode: the column that identifies a row.")
    ] = None,
    max_attributes: Annotated[
        int | None, typer.Option(help="Most attributes on the scorecard (default: by AUC).", min=1)
    ] = None,
    tiers: Annotated[
        str | None,
        typer.Option(
            help="Your own tier cut-offs on the 0-100 score, e.g. `A=75,B=50,C=25` "
            "(default: from the data: top 15%, next 25%, next 30%)."
        ),
    ] = None,
    half_life: Annotated[
        float | None,
        typer.Option(
            help="Weigh recent deals more: a deal this many days older than the newest counts "
            "half as much (default: all deals alike).",
            min=1,
        ),
    ] = None,
    universe: Annotated[
        Path | None, typer.Option(help="Companies to size the target list on (CSV or Parquet).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the hold-out split and folds.")] = 0,
    motion: Annotated[
        str | None,
        typer.Option(help="Deal column of sales motions (e.g. source): also one ICP per value."),
    ] = None,
    units: UnitsOption = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            help="Say what a column is, overruling icpkit's guess: `COLUMN=ROLE`, ROLE one of "
            "company, deal, engagement, id, constant, leak, text (repeatable; a [roles] table "
            "in --mapping does the same).",
        ),
    ] = None,
    notes: Annotated[
        Path | None,
        typer.Option(
            help="Call notes, win/loss notes or interview write-ups: a folder of .txt/.md files "
            "named by deal id, account id or domain, or a CSV with a text column and deal_id, "
            "account_id or domain. Fills use case, pain and trigger from their themes.",
        ),
    ] = None,
) -> None:
    """Find the ICP and anti-ICP, learn the scorecard, prove it on held-out deals and write the
    ICP document.

    Examples:

    - `icpkit build --from crm --out icp-out`
    - `icpkit build --accounts deals.csv --outcome Status --positive Won --out icp-out`
    - `icpkit build --from crm --half-life 180 --out icp-recent`
    - `icpkit build --accounts leads.csv --outcome won --positive yes --role lead_no=id`
    - `icpkit build --from crm --notes interviews/ --out icp-out`

    Before learning, every column gets a role, shown with its reason: only company attributes
    enter the card; deal attributes become qualification insights; engagement, ids, constants,
    free text and suspected leaks (known only after the outcome) are left out.
    """
    if (outcome is None) != (positive is None):
        raise IcpkitError("flat mode needs both --outcome COLUMN and --positive VALUE")
    read_notes_files, loss_reasons = _notes_and_loss_reasons(notes, mapping)
    with progress_bar() as bar:
        result = _load(
            accounts,
            deals,
            contacts,
            signals,
            customers,
            mapping,
            format,
            from_dir,
            outcome=outcome,
            positive=positive,
            id_column=id_column,
            db=db,
            progress=_progress_to(bar, bar.add_task("Reading", total=None)),
            units=units,
        )
    _print_ingest(result)
    if "deals" not in result.tables:
        raise IcpkitError(
            "no outcomes to learn from: give --deals, or --outcome and --positive for a flat "
            "table of accounts"
        )
    # Imported only now: the learner's libraries take seconds to load, and a mistake in the
    # input should be reported at once.
    from icpkit.api import build as build_icp
    from icpkit.build import column_roles

    if motion is not None:
        from icpkit.motions import check_motion

        check_motion(result.tables["deals"], motion)
    source = str(from_dir or accounts or "")
    roles = _role_overrides(role or [], mapping)
    _print_roles(
        column_roles(result.tables["accounts"], result.tables["deals"], roles=roles, source=source)
    )
    with progress_bar() as bar:
        built = build_icp(
            result,
            out=out,
            max_attributes=max_attributes,
            tiers=parse_tiers(tiers) if tiers else None,
            half_life_days=half_life,
            roles=roles,
            universe=universe,
            motion=motion,
            notes=read_notes_files,
            loss_reasons=loss_reasons,
            seed=seed,
            source=source,
            progress=_progress_to(bar, bar.add_task("Building the ICP", total=None)),
        )
    files = built.files
    console.print()
    console.print(built.validation.signal.text)
    engaged = built.validation.engagement
    if engaged:
        auc = engaged.held_out_auc
        console.print(
            f"Engagement, scored apart from fit ({', '.join(engaged.attributes)}): held-out "
            f"AUC {'n/a' if auc is None else f'{auc:.2f}'}; fit x engagement in validation.json."
        )
    console.print(files["icp_md"].read_text(encoding="utf-8").split("\n\n")[1], soft_wrap=True)
    console.print()
    for name, path in files.items():
        console.print(f"  {name}: {path}")


@app.command()
def score(
    scorecard: Annotated[Path, typer.Option(help="The scorecard file (TOML).")],
    input: Annotated[Path, typer.Option("--input", help="Companies to score (CSV or Parquet).")],
    out: Annotated[Path, typer.Option(help="Where to write scores (.csv or .parquet).")],
    id_column: Annotated[
        str | None, typer.Option("--id", help="Column that identifies a row (default: account_id).")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="TOML mapping of your headers to the scorecard's columns (as ingest)."),
    ] = None,
    signals: Annotated[
        Path | None,
        typer.Option(help="Trigger events (account_id, type, occurred_at): adds timing columns."),
    ] = None,
    timing: Annotated[
        Path | None,
        typer.Option(help="Timing model (default: timing.toml beside the scorecard)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date signal ages count to (default: newest).")
    ] = None,
    units: UnitsOption = None,
) -> None:
    """Score every row of a file: icp_score (0-100), icp_tier (A-D), icp_disqualified and
    icp_reasons, in input order. With `--signals`, also timing_score (0-100), timing_bucket
    (1 = a trigger now, 3 = none), timing_reason and priority (fit tier x timing: "A1").

    Examples:

    - `icpkit score --scorecard icp-out/scorecard.toml --input accounts.csv --out scored.csv`
    - `icpkit score --scorecard icp/scorecard.toml --input a.csv --signals signals.csv --out s.csv`
    """
    from icpkit.ingest.formats import parse_units
    from icpkit.score import score_file
    from icpkit.timing import add_timing, model_for, read_signals

    factors = parse_units(units).get("accounts", {})
    # a mistake in the signals or timing file stops before anything is written
    events = read_signals(signals) if signals is not None else None
    timing_model = model_for(scorecard, timing) if signals is not None else None
    with progress_bar() as progress:
        task = progress.add_task(f"Scoring {input.name}", total=1.0)
        summary = score_file(
            scorecard,
            input,
            out,
            id_column=id_column,
            mapping=mapping,
            progress=lambda done: progress.update(task, completed=done),
            units=factors,
        )
    _print_score_summary(summary, out)
    if events is not None and timing_model is not None:
        added = add_timing(out, events, timing_model, as_of=as_of)
        cells = ", ".join(f"{k} {v:,}" for k, v in added["priority"].items() if v)
        console.print(f"Timing as of {added['as_of']} ({added['model']}): {cells}.")


def _print_score_summary(summary: dict, out: Path) -> None:
    tiers = ", ".join(f"{k} {v:,}" for k, v in summary["tiers"].items())
    console.print(f"Scored {summary['rows']:,} rows into {out} (tiers: {tiers}).")
    if summary["columns_missing"]:
        missing = ", ".join(summary["columns_missing"])
        errors.print(
            f"warning: {len(summary['columns_missing'])} scorecard column(s) not in the input, "
            f"scored as unknown: {missing}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for column, rows in summary["unreadable"].items():
        errors.print(
            f"warning: {column}: {rows:,} value(s) of the wrong type scored as unknown",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    print_findings(summary["notes"], summary["warnings"])


@app.command()
def inspect(
    scorecard: Annotated[Path, typer.Argument(help="The scorecard file (TOML).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a scorecard: attributes, points, disqualifiers, tiers and the data behind it, and
    the raw columns it reads with how each is normalised (`inputs` in the JSON: a card with
    `region` also reads `country`, to fill in a blank region).

    Example: `icpkit inspect icp-out/scorecard.toml --json`
    """
    from icpkit.inputs import card_inputs, raw_columns
    from icpkit.scorecard.io import load_scorecard, scorecard_to_dict

    card = load_scorecard(scorecard)
    data = scorecard_to_dict(card)
    data["inputs"] = card_inputs(card)
    data["raw_columns"] = raw_columns(card.columns)
    if as_json:
        sys.stdout.write(dumps(data))
        return
    from rich.table import Table

    console.print(f"[bold]{card.name}[/bold] (version {card.version})")
    table = Table("Attribute", "Bin", "Points", "Accounts", "Win rate")
    for attribute in card.attributes:
        for b in attribute.bins:
            rate = f"{b.stats.win_rate:.0%}" if b.stats and b.stats.accounts else ""
            table.add_row(
                attribute.name,
                b.label,
                f"{b.points:+d}",
                f"{b.stats.accounts:,}" if b.stats else "",
                rate,
            )
    console.print(table)
    for rule in card.disqualifiers:
        console.print(f"Disqualifier: {rule.reason}")
    t = card.tiers
    console.print(f"Tiers on the {t.unit}: A {t.a:g}+, B {t.b:g}+, C {t.c:g}+, D below")
    for item in data["inputs"]:
        reads = " or ".join(item["reads"])
        console.print(f"Reads {reads} for {item['attribute']}: {item['normalisation']}")


def parse_tiers(text: str) -> Tiers:
    """'A=75,B=50,C=25' -> Tiers; a clear error for anything else."""
    bounds: dict[str, float] = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        try:
            bounds[name.strip().upper()] = float(value)
        except ValueError:
            raise IcpkitError(f"--tiers {text!r}: write it like A=75,B=50,C=25") from None
    if set(bounds) != {"A", "B", "C"} or not bounds["A"] >= bounds["B"] >= bounds["C"]:
        raise IcpkitError(
            f"--tiers {text!r}: give A, B and C with A >= B >= C, e.g. A=75,B=50,C=25"
        )
    return Tiers(bounds["A"], bounds["B"], bounds["C"])


def _load(
    accounts,
    deals,
    contacts,
    signals,
    customers,
    mapping,
    format,
    from_dir,
    *,
    outcome=None,
    positive=None,
    id_column=None,
    db=None,
    progress=None,
    units=None,
):
    from icpkit import ingest as ingest_module
    from icpkit.ingest.formats import parse_units

    factors = parse_units(units)

    if format not in ingest_module.FORMATS:
        raise IcpkitError(f"--format {format}: expected one of {', '.join(ingest_module.FORMATS)}")
    if from_dir is not None:
        if accounts is not None or db is not None:
            raise IcpkitError(
                "give either --from DIR or --accounts (with or without --db), not both"
            )
        return ingest_module.load_dir(from_dir, units=factors)
    if accounts is None:
        raise IcpkitError("no input: give --from DIR or --accounts FILE")
    if id_column is not None and outcome is None:
        raise IcpkitError(
            f"--id {id_column} applies to a flat table (with --outcome and --positive); "
            "otherwise rows are matched by account_id: name that column in --mapping"
        )
    sources = {
        "accounts": accounts,
        "deals": deals,
        "contacts": contacts,
        "signals": signals,
        "customers": customers,
    }
    if db is not None:
        from icpkit.ingest.database import read_database

        sources = {t: read_database(db, str(s)) if s else None for t, s in sources.items()}
    if outcome is not None:
        return ingest_module.load_flat(
            sources["accounts"],
            outcome=outcome,
            positive=positive,
            id_column=id_column,
            progress=progress,
            units=factors,
        )
    try:
        return ingest_module.load_tables(
            **sources, mapping=mapping, format=format, progress=progress, units=factors
        )
    except IcpkitError as error:
        hint = _flat_hint(error, Path(error.file) if db is None and error.file else None)
        if hint is None:
            raise
        raise IcpkitError(error.message + hint, file=error.file, column=error.column) from None


def _flat_hint(error: IcpkitError, accounts: Path | None) -> str | None:
    """When the file without account_id (``accounts``) holds a won/lost column, the user most
    likely has one row per account with its outcome: say how to build from it (flat mode)."""
    if error.column != "account_id" or accounts is None or "missing" not in error.message:
        return None
    from icpkit.ingest.normalise import parse_outcome
    from icpkit.ingest.readers import read_table

    try:
        frame = read_table(accounts).frame
    except IcpkitError:
        return None
    for column in frame.columns:
        values = frame[column].dropna().astype(str).str.strip()
        values = values[values != ""]
        distinct = values.unique()
        if not 2 <= len(distinct) <= 10:
            continue
        outcomes = {value: parse_outcome(value) for value in distinct}
        won = [v for v, o in outcomes.items() if o == "won"]
        if won and any(o == "lost" for o in outcomes.values()):
            return (
                f"; for one row per account with its outcome, use flat mode: "
                f"--outcome {column!r} --positive {won[0]!r}"
            )
    return None


def _notes_and_loss_reasons(notes: Path | None, mapping: Path | None):
    """--notes read and the mapping's [loss_reasons] checked before the long build starts."""
    from icpkit.discover.losses import load_reason_map
    from icpkit.discover.notes import read_notes

    extra = None
    if mapping is not None:
        from icpkit.ingest.generic import mapping_loss_reasons

        extra = mapping_loss_reasons(mapping)
        load_reason_map(extra, str(mapping))
    read = read_notes(notes) if notes is not None else None
    if read is not None:
        console.print(
            f"Notes: {read.read:,} read from {notes}, {len(read.quarantined):,} quarantined"
        )
    return read, extra


def _role_overrides(options: list[str], mapping: Path | None) -> dict[str, str]:
    """Column roles the user set: the mapping file's [roles], then --role (which wins)."""
    from icpkit.discover.roles import check_role, parse_role_options

    roles = {}
    if mapping is not None:
        from icpkit.ingest.generic import mapping_roles

        for column, name in mapping_roles(mapping).items():
            roles[column] = check_role(name, f"{mapping}: [roles] {column}")
    return roles | parse_role_options(options)


def _print_roles(roles) -> None:
    """The roles table (columns with the same role and reason share a row), then one warning
    per suspected leak icpkit found."""
    from rich.table import Table
    from rich.text import Text

    from icpkit.discover.roles import ROLES

    rows: dict[tuple[str, str], list[str]] = {}
    for item in roles.columns:
        reason = item.reason
        if item.role in ("company", "deal", "engagement") and not item.overridden:
            # "named like a deal attribute (rfp)" and "(rfi)" share a row; profiles.json
            # keeps each column's own word
            reason = re.sub(r" \([^)]*\)", "", reason)
        rows.setdefault((item.role, reason), []).append(str(item.column))
    table = Table("Role", "Column", "Why", title="What each column is", title_justify="left")
    for (role, reason), columns in sorted(rows.items(), key=lambda row: ROLES.index(row[0][0])):
        table.add_row(role, Text(", ".join(columns)), Text(reason))
    console.print(table)
    for leak in roles.leaks:
        if leak.overridden:  # the user said so: nothing to warn of
            continue
        errors.print(
            f"warning: suspected leak, left out of the ICP: {leak.column}: {leak.reason}. If it "
            f"is known before a deal closes, keep it with --role {leak.column}=company (or =deal)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _progress_to(bar, task):
    """A ``progress(what, done, total)`` callback that moves one task of a progress bar."""

    def report(what: str, done: int, total: int) -> None:
        bar.update(task, description=what, completed=done, total=total)

    return report


def _print_ingest(result) -> None:
    for name, info in result.report.get("files", {}).items():
        line = (
            f"{name}: read {info['rows_read']:,} rows, accepted {info['accepted']:,}, "
            f"quarantined {info['quarantined']:,}"
        )
        console.print(line)
    print_findings(_format_lines(result.report), result.report.get("warnings", []))


def _format_lines(report: dict) -> list[str]:
    """How each file's dates and numbers were read, when there was a choice: one line a file."""
    lines = []
    for info in report.get("files", {}).values():
        said = []
        for column, written in info.get("formats", {}).items():
            how = written.get("dates") or written.get("numbers")
            because = f' ("{written["because"]}")' if written.get("because") else " (assumed)"
            said.append(f"{column} as {how}{because}")
        if said:
            lines.append(f"{info['path']}: read {'; '.join(said)}")
    return lines
