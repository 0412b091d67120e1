"""`icpkit serve`, `icpkit keys ...` and `icpkit versions ...`: the service and its workspace."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Annotated

import typer

from icpkit.cli.app import app, console, errors
from icpkit.errors import IcpkitError

WorkspaceOption = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        help="The workspace database: a DuckDB file, or a postgresql:// URL. "
        "Default: $ICPKIT_WORKSPACE, else icpkit-workspace.duckdb here.",
    ),
]

keys_app = typer.Typer(
    help="API keys for `icpkit serve`: create (shown once), list, revoke.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
versions_app = typer.Typer(
    help="Scorecard versions in the workspace: list, add, activate, roll back, diff.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.add_typer(keys_app, name="keys")
app.add_typer(versions_app, name="versions")


def _open(workspace: str | None):
    from icpkit.workspace import Workspace

    return Workspace.open(workspace)


@app.command()
def serve(
    scorecard: Annotated[
        Path | None,
        typer.Option(
            help="A scorecard file to serve. Saved as a new version and made live unless it "
            "is already the live version. Default: the workspace's live version."
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 to accept other machines).")
    ] = "127.0.0.1",
    workspace: WorkspaceOption = None,
    build: Annotated[
        Path | None,
        typer.Option(
            help="An `icpkit build` folder: its ICP document is shown, and the editor "
            "replays changes on its closed deals."
        ),
    ] = None,
    rate_limit: Annotated[
        float, typer.Option(help="Requests per second per key (a key may have its own).", min=0.01)
    ] = 50.0,
    burst: Annotated[
        float | None, typer.Option(help="Requests a key may send at once (default 2x rate).")
    ] = None,
    max_body: Annotated[
        int, typer.Option(help="Largest JSON request in bytes.", min=1024)
    ] = 2_000_000,
    max_upload: Annotated[
        int, typer.Option(help="Largest CSV upload in bytes.", min=1024)
    ] = 20_000_000,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(help="A web origin allowed to call the API from a browser (repeatable)."),
    ] = None,
    secure_cookies: Annotated[
        bool, typer.Option(help="Mark the sign-in cookie Secure (when served over HTTPS).")
    ] = False,
    audit_journal: Annotated[
        Path | None,
        typer.Option(
            help="The file each scoring call's audit entry is fsync-ed to before it is "
            "answered. Default: beside a DuckDB workspace; for PostgreSQL, in this folder."
        ),
    ] = None,
) -> None:
    """Serve the scoring API and the web app: the ICP document, a form to score one company,
    CSV in and scored CSV out, and the scorecard editor.

    API: `POST /v1/score`, `GET /v1/scorecard`, `GET /v1/icp` with `Authorization: Bearer KEY`;
    `GET /healthz` and `GET /metrics` need no key. Docs at `/api` and `/openapi.json`.

    Examples:

    - `icpkit serve --scorecard icp-out/scorecard.toml --build icp-out`
    - `icpkit serve --workspace postgresql://icp@db/icp --port 8080`
    """
    from pydantic import SecretStr

    from icpkit.serve import Settings
    from icpkit.serve import serve as run

    ws = _open(workspace)
    if scorecard is not None:
        _make_live(ws, scorecard)
    version, _card = ws.active()
    if build is not None and not build.is_dir():
        raise IcpkitError("the build folder does not exist", file=build)
    if not ws.key_ring():
        console.print("No API key yet: create one with `icpkit keys create --name NAME`.")
    console.print(
        f"Serving scorecard version {version} from {ws.location} on http://{host}:{port}/ "
        "(Ctrl-C to stop)"
    )
    settings = Settings(
        workspace=None if workspace is None else SecretStr(workspace),
        build_dir=build,
        rate_per_second=rate_limit,
        burst=burst,
        max_body_bytes=max_body,
        max_upload_bytes=max_upload,
        cors_origins=tuple(cors_origin or ()),
        secure_cookies=secure_cookies,
        audit_journal=audit_journal,
    )
    run(settings, host=host, port=port)


def _make_live(ws, path: Path) -> None:
    """Save the file as a new version unless the live version already says the same."""
    from dataclasses import replace

    from icpkit.scorecard.io import dump_scorecard, load_scorecard

    card = load_scorecard(path)
    live = ws.active_version()
    if live is not None and dump_scorecard(replace(ws.get(live), version=1)) == dump_scorecard(
        replace(card, version=1)
    ):
        return
    version = ws.save_version(
        card, author="icpkit serve", reason=f"served from {path}", activate=True
    )
    console.print(f"Saved {path} as scorecard version {version} and made it live.")


# ---- keys ----------------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what uses the key: 'website-form', 'ana'.")],
    rate_limit: Annotated[
        float | None,
        typer.Option(help="This key's requests per second (default: the server's).", min=0.01),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Create an API key and print it. It is shown only this once: store it in your secret
    manager. Only a salted hash is kept.

    Example: `icpkit keys create --name website-form`
    """
    token = _open(workspace).create_key(name, rate_per_second=rate_limit)
    sys.stdout.write(token + "\n")
    # The note goes to stderr, so `KEY=$(icpkit keys create --name x)` captures the key alone.
    errors.print(f"Key {name!r} created. Copy it now: it cannot be shown again.", style="dim")


@keys_app.command("revoke")
def keys_revoke(
    name: Annotated[str, typer.Option(help="The name the key was created with.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Revoke a key: running servers refuse it within a few seconds.

    Example: `icpkit keys revoke --name website-form`
    """
    _open(workspace).revoke_key(name)
    console.print(f"Key {name!r} revoked.")


@keys_app.command("list")
def keys_list(workspace: WorkspaceOption = None) -> None:
    """List keys: name, id, created, revoked, rate limit (never the key itself).

    Example: `icpkit keys list`
    """
    from rich.table import Table

    table = Table("Name", "Key id", "Created (UTC)", "Revoked (UTC)", "Rate limit")
    for key in _open(workspace).api_keys():
        table.add_row(
            key.name,
            key.key_id,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
            f"{key.rate_per_second:g}/s" if key.rate_per_second else "server default",
        )
    console.print(table)


# ---- versions ------------------------------------------------------------------------------


@versions_app.command("list")
def versions_list(workspace: WorkspaceOption = None) -> None:
    """List scorecard versions: who saved each, why, on which data, and which is live.

    Example: `icpkit versions list`
    """
    from rich.table import Table

    table = Table("Version", "Live", "Name", "Saved (UTC)", "By", "Why", "Data fingerprint")
    for v in _open(workspace).versions():
        table.add_row(
            str(v.version),
            "live" if v.active else "",
            v.name,
            f"{v.created_at:%Y-%m-%d %H:%M}",
            v.author,
            v.reason,
            v.data_fingerprint or "",
        )
    console.print(table)


@versions_app.command("add")
def versions_add(
    scorecard: Annotated[Path, typer.Option(help="The scorecard file (TOML).")],
    author: Annotated[str, typer.Option(help="Who makes the change.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    activate: Annotated[bool, typer.Option(help="Make it live at once.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Save a scorecard file as the next version.

    Example: `icpkit versions add --scorecard new.toml --author ana --reason "Q3" --activate`
    """
    from icpkit.scorecard.io import load_scorecard

    version = _open(workspace).save_version(
        load_scorecard(scorecard), author=author, reason=reason, activate=activate
    )
    console.print(f"Saved as version {version}" + (" and made it live." if activate else "."))


@versions_app.command("activate")
def versions_activate(
    version: Annotated[int, typer.Argument(help="The version to make live.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Make a version live; running servers switch within a second or two, finishing requests
    already in flight on the old one.

    Example: `icpkit versions activate 3`
    """
    _open(workspace).activate(version, author="icpkit versions activate")
    console.print(f"Version {version} is live.")


@versions_app.command("rollback")
def versions_rollback(workspace: WorkspaceOption = None) -> None:
    """Go back to the version that was live before this one (again to step further back).

    Example: `icpkit versions rollback`
    """
    version = _open(workspace).rollback(author="icpkit versions rollback")
    console.print(f"Rolled back: version {version} is live.")


@versions_app.command("diff")
def versions_diff(
    old: Annotated[int, typer.Argument(help="The earlier version.")],
    new: Annotated[int, typer.Argument(help="The later version.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Show what changed between two versions, line by line (points, bins, tiers).

    Example: `icpkit versions diff 2 3`
    """
    ws = _open(workspace)
    lines = difflib.unified_diff(
        ws.text(old).splitlines(keepends=True),
        ws.text(new).splitlines(keepends=True),
        f"version {old}",
        f"version {new}",
    )
    sys.stdout.writelines(lines)
