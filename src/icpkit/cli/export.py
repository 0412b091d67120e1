"""The write-back commands: export (CRM import files, reverse-ETL tables) and push (CRM APIs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from icpkit.cli.app import app, console, errors, progress_bar
from icpkit.errors import IcpkitError

ScorecardOption = Annotated[Path, typer.Option(help="The scorecard file (TOML).")]
InputOption = Annotated[
    Path, typer.Option("--input", help="Companies to score (CSV or Parquet), one per record.")
]
IdOption = Annotated[
    str | None,
    typer.Option(
        "--id",
        help="Column holding each record's key (default: Record ID / hs_object_id for HubSpot, "
        "Id for Salesforce, account_id for a table).",
    ),
]
FieldOption = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        help="Rename a CRM field: score=NAME, tier=NAME or reasons=NAME (repeatable).",
    ),
]
ExternalIdOption = Annotated[
    str | None,
    typer.Option(help="Salesforce: key records on this External ID field instead of Id (upsert)."),
]


@app.command()
def export(
    to: Annotated[str, typer.Option(help="hubspot, salesforce or table.")],
    scorecard: ScorecardOption,
    input: InputOption,
    out: Annotated[Path, typer.Option(help="File to write (.csv; a table may be .parquet).")],
    id_column: IdOption = None,
    by: Annotated[
        str | None,
        typer.Option(
            help="HubSpot: match companies by record-id or domain (default: whichever "
            "column is there, Record ID first)."
        ),
    ] = None,
    external_id: ExternalIdOption = None,
    field: FieldOption = None,
) -> None:
    """Write scores as a file a CRM imports or a reverse-ETL tool syncs.

    - **hubspot**: an import CSV keyed by `Record ID` (or `Company Domain Name`) with
      `icp_score`, HubSpot's own `hs_ideal_customer_profile` (tier_1/tier_2/tier_3 from tiers
      A/B/C; blank for D) and `icp_reasons`.
    - **salesforce**: a Data Loader CSV keyed by `Id` (18 characters) or an External ID, with
      `ICP_Score__c`, `ICP_Tier__c` and `ICP_Reasons__c`.
    - **table**: one row per account with a stable `icp_key`, for Census or Hightouch.

    Rows that cannot be written are listed with the reason in `<out>-skipped.csv`.

    Examples:

    - `icpkit export --to hubspot --scorecard icp-out/scorecard.toml --input companies.csv --out hubspot-import.csv`
    - `icpkit export --to salesforce --scorecard icp-out/scorecard.toml --input accounts.csv --out data-loader.csv`
    - `icpkit export --to table --scorecard icp-out/scorecard.toml --input accounts.csv --out icp_scores.parquet`
    """  # noqa: E501
    from icpkit.export.files import export_file
    from icpkit.export.scores import score_accounts

    destination = None
    if to in ("hubspot", "salesforce"):
        destination = _destination(to, id_column, input, by, None, external_id, field, None)
    scored = score_accounts(scorecard, input)
    if to == "hubspot" and by is None:
        destination = _hubspot_for_file(scored, destination, id_column)
    summary = export_file(to, scored, out, key_column=id_column, destination=destination)
    if summary.written == 0:
        # an import file of no records would load nothing and look like success
        raise IcpkitError(
            f"wrote none of the {summary.rows:,} records: no row has a usable key in column "
            f"{summary.key_column!r} (each row's reason is in {summary.skipped_file})",
            file=input,
        )
    tiers = ", ".join(f"{k} {v:,}" for k, v in summary.tiers.items())
    console.print(
        f"Wrote {summary.written:,} of {summary.rows:,} records to {out} "
        f"(key from column {summary.key_column!r}; tiers of the records written: {tiers})."
    )
    if summary.skipped_file is not None:
        errors.print(
            f"warning: {summary.skipped:,} rows could not be written: see {summary.skipped_file}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def push(
    to: Annotated[str, typer.Option(help="hubspot or salesforce.")],
    scorecard: ScorecardOption,
    input: InputOption,
    out: Annotated[
        Path,
        typer.Option(help="Folder for the state file, push-failures.csv and push-summary.json."),
    ],
    id_column: IdOption = None,
    id_property: Annotated[
        str | None,
        typer.Option(help="HubSpot: key companies on this unique-value property (upsert)."),
    ] = None,
    external_id: ExternalIdOption = None,
    object_name: Annotated[
        str | None,
        typer.Option("--object", help="CRM object: companies (HubSpot), Account (Salesforce)."),
    ] = None,
    field: FieldOption = None,
    token_file: Annotated[
        Path | None,
        typer.Option(
            help="File holding the access token (else HUBSPOT_ACCESS_TOKEN or "
            "SALESFORCE_ACCESS_TOKEN)."
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="API address: HubSpot's by default; for Salesforce the instance URL "
            "(or SALESFORCE_INSTANCE_URL)."
        ),
    ] = None,
    api_version: Annotated[str, typer.Option(help="Salesforce REST API version.")] = "v62.0",
    dry_run: Annotated[
        bool, typer.Option(help="Show what would be sent (push-plan.csv); send nothing.")
    ] = False,
    resend_all: Annotated[
        bool, typer.Option(help="Ignore what earlier pushes sent and send every field again.")
    ] = False,
) -> None:
    """Send scores to the CRM through its batch API: only what changed since the last push,
    resuming after an interruption, every failed record listed with its reason.

    HubSpot: `batch/update` by Record ID (100 per call), or `batch/upsert` on a unique property
    with `--id-property`. Salesforce: sObject Collections (200 per call) by Id, or upsert on an
    External ID with `--external-id`. Rate limits (429, `Retry-After`, HubSpot's
    `X-HubSpot-RateLimit-*`, Salesforce's `REQUEST_LIMIT_EXCEEDED`) are waited out. The token
    comes from `HUBSPOT_ACCESS_TOKEN` / `SALESFORCE_ACCESS_TOKEN` or `--token-file`, never from
    the command line, and is never printed. Exit code 1 when any record failed.

    Examples:

    - `icpkit push --to hubspot --scorecard icp-out/scorecard.toml --input companies.csv --out push-hubspot --dry-run`
    - `icpkit push --to salesforce --scorecard icp-out/scorecard.toml --input accounts.csv --out push-sf --base-url https://acme.my.salesforce.com`
    """  # noqa: E501
    from icpkit.export.credentials import read_token
    from icpkit.export.push import push as run_push
    from icpkit.export.scores import score_accounts
    from icpkit.export.transport import Transport

    if to not in ("hubspot", "salesforce"):
        raise IcpkitError(f"--to {to}: choose hubspot or salesforce")
    destination = _destination(
        to, id_column, input, None, id_property, external_id, field, object_name
    )
    destination.base_url = _base_url(to, base_url)
    if to == "salesforce":
        destination.api_version = api_version
    scored = score_accounts(scorecard, input)
    transport = None
    if not dry_run:
        token, warnings = read_token(to, token_file)
        for warning in warnings:
            errors.print(f"warning: {warning}", markup=False, highlight=False)
        transport = Transport(destination, token)
    try:
        with progress_bar() as progress:
            task = progress.add_task(f"Pushing to {to}", total=None)
            summary = run_push(
                destination,
                scored,
                out,
                transport=transport,
                key_column=id_column,
                dry_run=dry_run,
                resend_all=resend_all,
                progress=lambda n: progress.advance(task, n),
                on_plan=lambda plan: progress.update(task, total=len(plan.changes)),
            )
    except KeyboardInterrupt:
        errors.print(f"interrupted: run the same command again to resume (state in {out}/)")
        raise typer.Exit(130) from None
    finally:
        if transport is not None:
            transport.close()
    _print_push(summary)
    if summary.failed or summary.stopped:
        raise typer.Exit(1)


def _destination(to, id_column, input, by, id_property, external_id, fields, object_name):
    from icpkit.export.hubspot import DEFAULT_FIELDS as HUBSPOT_FIELDS
    from icpkit.export.hubspot import HubSpot
    from icpkit.export.salesforce import DEFAULT_FIELDS as SALESFORCE_FIELDS
    from icpkit.export.salesforce import Salesforce

    names = _field_names(fields)
    if to == "hubspot":
        if external_id:
            raise IcpkitError("--external-id is for Salesforce; HubSpot uses --id-property")
        if by not in (None, "record-id", "domain"):
            raise IcpkitError(f"--by {by}: choose record-id or domain")
        key = "property" if id_property else ("domain" if by == "domain" else "record_id")
        return HubSpot(
            key=key,
            id_property=id_property,
            object_type=object_name or "companies",
            fields={**HUBSPOT_FIELDS, **names},
        )
    if id_property or by:
        raise IcpkitError("--id-property and --by are for HubSpot; Salesforce uses --external-id")
    try:
        return Salesforce(
            object_name=object_name or "Account",
            external_id=external_id,
            fields={**SALESFORCE_FIELDS, **names},
        )
    except ValueError as error:
        raise IcpkitError(str(error)) from None


def _hubspot_for_file(scored, destination, id_column):
    """Without --by: match by domain when --id names a domain column, or when no Record ID
    column is there but a domain column is; else by Record ID."""
    from icpkit.export.hubspot import DOMAIN_COLUMNS, RECORD_ID_COLUMNS

    columns = set(scored.inputs.columns)
    if id_column is not None:
        by_domain = id_column in DOMAIN_COLUMNS
    else:
        by_domain = not columns & set(RECORD_ID_COLUMNS) and bool(columns & set(DOMAIN_COLUMNS))
    if by_domain:
        destination.key = "domain"
    return destination


def _field_names(fields: list[str] | None) -> dict[str, str]:
    names = {}
    for item in fields or []:
        kind, _, name = item.partition("=")
        if kind not in ("score", "tier", "reasons") or not name.strip():
            raise IcpkitError(f"--field {item}: write score=NAME, tier=NAME or reasons=NAME")
        names[kind] = name.strip()
    return names


def _base_url(to: str, given: str | None) -> str:
    from icpkit.export.credentials import check_url
    from icpkit.export.hubspot import API_URL

    if to == "hubspot":
        return check_url(given or API_URL)
    url = given or os.environ.get("SALESFORCE_INSTANCE_URL", "")
    if not url:
        raise IcpkitError(
            "Salesforce needs the org's address: --base-url https://yourorg.my.salesforce.com "
            "(or SALESFORCE_INSTANCE_URL)"
        )
    return check_url(url)


def _print_push(summary) -> None:
    verb = "Would send" if summary.dry_run else "Sent"
    line = (
        f"{verb} {summary.sent:,} records, unchanged {summary.unchanged:,}, "
        f"failed {summary.failed:,} (of {summary.records:,})."
    )
    console.print(line)
    if summary.dry_run:
        console.print(f"Plan: {summary.files['plan']} (nothing was sent)")
    if summary.recovered_from_interrupted_run:
        console.print(
            f"{summary.recovered_from_interrupted_run:,} records left in flight by an "
            "interrupted run were confirmed by reading them back."
        )
    if summary.verified_after_lost_reply:
        console.print(
            f"{summary.verified_after_lost_reply:,} records whose reply was lost were confirmed "
            "by reading them back (not sent twice)."
        )
    if summary.rate_limited:
        console.print(
            f"Rate-limited {summary.rate_limited:,} times; waited {summary.waited_seconds:.1f} s."
        )
    if summary.stopped:
        console.print(f"Stopped early: {summary.stopped}", markup=False)
    if summary.failed:
        console.print(f"Every failed record and its reason: {summary.files['failures']}")
