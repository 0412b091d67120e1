"""The web app: the ICP document, a form to score one company, CSV in and scored CSV out, the
scorecard editor with its backtest, and the list of versions.

Pages are server-rendered HTML with no script and nothing loaded from another site. A person
signs in once with an API key (see :mod:`icpkit.serve.sessions`); every page after that uses
the key's name in the audit log and its rate limit for scoring.
"""

from __future__ import annotations

import difflib
import io
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import jinja2
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from icpkit.csvsafe import write_safe_csv
from icpkit.errors import IcpkitError
from icpkit.serve import editor, sessions
from icpkit.serve.api import ACCOUNTS_PER_TOKEN, icp_summary, proof_for, service_of, spend
from icpkit.serve.app import public_message
from icpkit.serve.guard import KEY, sign_in_redirect
from icpkit.serve.scoring import IDENTIFIER_COLUMNS, identifier
from icpkit.workspace import ApiKey

TEMPLATES = Path(__file__).with_name("templates")
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
)
SCORE_COLUMNS = ("icp_score", "icp_tier", "icp_disqualified", "icp_reasons")
API_PREFIXES = ("/v1/", "/healthz", "/metrics", "/openapi.json")
# Our pages run no script and load nothing from elsewhere; say so to the browser.
PAGE_SECURITY = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


class SignInRequired(Exception):
    """Raised by pages when the browser has no valid session; answered with a redirect."""


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


async def web_user(request: Request) -> ApiKey:
    """The key the browser signed in with (the guard checked the session, the origin of a
    form post and the rate limit before the body was read), or a redirect to sign in."""
    key = request.scope.get(KEY)
    if key is None:
        raise SignInRequired
    return key


User = Annotated[ApiKey, Depends(web_user)]


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    service = service_of(request)
    live = service.state.live
    context.setdefault("user", None)
    response = templates.TemplateResponse(
        request,
        name,
        {"live": live, "has_build": service.build is not None, **context},
        status_code=status,
    )
    response.headers.update(PAGE_SECURITY)
    return response


def error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if status == 401:
        return _to_sign_in(request)
    response = page(request, "error.html.j2", status, status_code=status, message=message)
    response.headers.update(headers or {})
    return response


def _to_sign_in(request: Request) -> RedirectResponse:
    return sign_in_redirect(request)


# ---- sign in -----------------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html.j2", next=_local(next), message=None)


@router.post("/login")
async def login(
    request: Request, key: Annotated[str, Form(max_length=200)] = "", next: str = "/"
) -> Response:
    service = service_of(request)
    found = service.state.keys.check(key.strip())
    if found is None:
        service.metrics.refused.labels("bad key").inc()
        return page(
            request, "login.html.j2", 401, next=_local(next), message="Unknown or revoked key."
        )
    response = RedirectResponse(_local(next), status_code=303)
    service.sessions.end(request.cookies.get(sessions.COOKIE))  # no session outlives a new one
    response.set_cookie(
        sessions.COOKIE,
        service.sessions.start(found.key_id),
        max_age=int(service.settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=service.settings.secure_cookies,
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Sign out: the session ends on the server, so the cookie opens nothing any more even
    where it was copied. (A post from another site's page never gets here: see the guard.)"""
    service_of(request).sessions.end(request.cookies.get(sessions.COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, httponly=True, samesite="strict")
    return response


def _local(target: str) -> str:
    """Only redirect within this site after sign-in (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


# ---- the ICP -------------------------------------------------------------------------------


@router.get("/")
async def home(request: Request, user: User) -> HTMLResponse:
    service = service_of(request)
    live = service.state.live
    build = service.build
    proof, proof_note = proof_for(service, live)
    return page(
        request,
        "home.html.j2",
        user=user,
        icp=icp_summary(live.card),
        summary=build.summary if build else None,
        proof=proof,
        proof_note=proof_note,
    )


@router.get("/icp")
async def icp_document(request: Request, user: User) -> Response:
    """The ICP document of the build, as `icpkit build` wrote it."""
    service = service_of(request)
    report = service.build.report_html if service.build else None
    if report is None:
        return page(request, "icp.html.j2", user=user, icp=icp_summary(service.state.live.card))
    response = HTMLResponse(report.read_text(encoding="utf-8"))
    response.headers.update(PAGE_SECURITY)
    return response


# ---- score one company ---------------------------------------------------------------------


def _form_columns(request: Request) -> list[dict[str, Any]]:
    """One input per column the active card reads, plus the identifiers for the audit."""
    card = service_of(request).state.live.card
    kinds: dict[str, str] = {}
    examples: dict[str, list[str]] = {}
    for item in (*card.attributes, *card.disqualifiers):
        kinds.setdefault(item.column, item.kind)
        bins = getattr(item, "bins", ())
        for b in bins:
            examples.setdefault(item.column, []).extend(b.condition.values or ())
    columns = [
        {"name": c, "kind": kinds[c], "examples": sorted(set(examples.get(c, [])))[:30]}
        for c in card.columns
    ]
    extra = [c for c in ("name", "domain") if c not in card.columns]
    return [{"name": c, "kind": "identifier", "examples": []} for c in extra] + columns


@router.get("/score")
async def score_form(request: Request, user: User) -> HTMLResponse:
    return page(
        request,
        "score.html.j2",
        user=user,
        columns=_form_columns(request),
        values={},
        result=None,
        version=None,
    )


@router.post("/score")
async def score_one(request: Request, user: User) -> HTMLResponse:
    service = service_of(request)
    form = await request.form()
    columns = _form_columns(request)
    values = {c["name"]: str(form.get(f"a.{c['name']}", ""))[:2000] for c in columns}
    account = {k: v for k, v in values.items() if v.strip()}
    live = service.state.live  # one company: the guard's token paid for it
    result = (await service.queue.score(live, [account]))[0]
    await service.state.audit(user.name, live.version, [identifier(account)], "web form")
    service.metrics.scored.labels("web form").inc()
    return page(
        request,
        "score.html.j2",
        user=user,
        columns=columns,
        values=values,
        result=result,
        version=live.version,
    )


# ---- CSV in, scored CSV out ----------------------------------------------------------------


@router.get("/upload")
async def upload_form(request: Request, user: User) -> HTMLResponse:
    return page(request, "upload.html.j2", user=user, message=None)


@router.post("/upload")
async def upload(request: Request, user: User, file: Annotated[UploadFile, File()]) -> Response:
    service = service_of(request)
    live = service.state.live
    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        return page(
            request, "upload.html.j2", 400, user=user, message="Upload a .csv or .parquet file."
        )
    data = await file.read()
    # Charged as the companies it holds, before any work: a CSV row is ~100 bytes, and one
    # token buys 100 companies (as in the API). The largest upload can always pass (the
    # bucket runs into debt), but never two big ones back to back faster than the key's rate.
    spend(service, user, max(1, -(-len(data) // (100 * ACCOUNTS_PER_TOKEN))))
    try:
        scored, identifiers = await run_in_threadpool(_score_upload, live.card, data, name)
    except IcpkitError as error:
        message = public_message(error)
        return page(request, "upload.html.j2", 400, user=user, message=message)
    await service.state.audit(user.name, live.version, identifiers, "csv upload")
    service.metrics.scored.labels("csv upload").inc(len(identifiers))
    download = Path(name).stem + f"-scored-v{live.version}.csv"
    return Response(
        scored,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{_header_safe(download)}"',
            "X-Scorecard-Version": str(live.version),
        },
    )


def _score_upload(card, data: bytes, name: str) -> tuple[bytes, list[str]]:
    """Every row of the file back, with the four score columns added (CLI code path).

    A file with records the reader rejects (more fields than the header, a quote never
    closed) is refused whole, naming the first lines at fault: a scored file that silently
    lacks rows, or holds shifted cells, would be worse than none."""
    from icpkit.ingest.readers import read_table
    from icpkit.score import score_frame

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            table = read_table(path)
            bad = [
                (int(line), error)
                for line, error in zip(table.lines, table.row_errors, strict=True)
                if error
            ]
        except IcpkitError as error:  # named by the upload's name, not the server's folder
            raise IcpkitError(
                error.message, file=name, line=error.line, column=error.column
            ) from None
    if bad:
        shown = "; ".join(f"line {line}: {error}" for line, error in bad[:3])
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        raise IcpkitError(
            f"{len(bad)} of {len(table.frame)} records cannot be read, "
            f"so nothing was scored: {shown}{more}. Fix them and upload again.",
            file=name,
        )
    frame = table.frame
    if not any(c in frame.columns for c in card.columns):
        raise IcpkitError(
            "none of the columns the scorecard reads are in this file (it reads "
            + ", ".join(card.columns)
            + ")",
            file=name,
        )
    scores = score_frame(card, frame, None)
    out = frame.drop(columns=[c for c in SCORE_COLUMNS if c in frame.columns])
    for column in SCORE_COLUMNS:
        out[column] = scores[column].to_numpy()
    buffer = io.StringIO()
    write_safe_csv(out, buffer)
    records = frame[[c for c in IDENTIFIER_COLUMNS if c in frame.columns]].to_dict("records")
    return buffer.getvalue().encode("utf-8"), [identifier(r) for r in records]


def _header_safe(filename: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)[:120]


# ---- the editor ----------------------------------------------------------------------------


@router.get("/editor")
async def editor_form(request: Request, user: User) -> HTMLResponse:
    live = service_of(request).state.live
    current = await _backtest(request, live.version, live.card)
    return page(
        request,
        "editor.html.j2",
        user=user,
        card=live.card,
        form=editor.unchanged_form(live.card),
        current=current,
        proposed=None,
        message=None,
        author="",
        reason="",
        field=editor,
    )


@router.post("/editor")
async def editor_submit(request: Request, user: User) -> Response:
    service = service_of(request)
    live = service.state.live
    form = {k: str(v) for k, v in (await request.form()).items()}
    author, reason = form.get("author", "").strip(), form.get("reason", "").strip()
    context = {"user": user, "card": live.card, "form": form, "field": editor}
    context |= {"author": author, "reason": reason}
    current = await _backtest(request, live.version, live.card)
    base = form.get("base-version", "")
    if base != str(live.version):
        # Another version went live meanwhile (or the form does not say which version it
        # edits): these edits were made to a card that may be gone.
        opened = f"version {base[:20]}" if base else "a version the form does not name"
        message = (
            f"Version {live.version} went live after you opened the editor on {opened}. "
            f"Your changes were not applied; here is version {live.version} to start from."
        )
        context["form"] = editor.unchanged_form(live.card)
        return page(
            request,
            "editor.html.j2",
            409,
            current=current,
            proposed=None,
            message=message,
            **context,
        )
    try:
        edited = editor.apply_edits(live.card, form)
    except IcpkitError as error:
        return page(
            request,
            "editor.html.j2",
            400,
            current=current,
            proposed=None,
            message=str(error),
            **context,
        )
    if form.get("action") == "save":
        if not author or not reason:
            proposed = await _backtest(request, None, edited)
            message = "Say who you are and why you change it before saving."
            return page(
                request,
                "editor.html.j2",
                400,
                current=current,
                proposed=proposed,
                message=message,
                **context,
            )
        version = await run_in_threadpool(
            service.workspace.save_version,
            edited,
            author=f"{author} (key {user.name})",
            reason=reason,
            activate=True,
        )
        service.state.swap(version)
        return RedirectResponse(f"/versions?saved={version}", status_code=303)
    proposed = await _backtest(request, None, edited)
    return page(
        request,
        "editor.html.j2",
        current=current,
        proposed=proposed,
        message=None,
        **context,
    )


async def _backtest(request: Request, version: int | None, card) -> editor.Backtest | None:
    """The card replayed on the build's history; a saved version's result is kept."""
    service = service_of(request)
    history = service.build.history if service.build else None
    if history is None:
        return None
    if version is not None and version in service.backtests:
        return service.backtests[version]
    if version is None:  # a preview replays every closed deal: charged as scoring them
        spend(service, request.scope[KEY], -(-len(history[1]) // ACCOUNTS_PER_TOKEN))
    result = await run_in_threadpool(editor.backtest, card, history)
    if version is not None:
        service.backtests[version] = result
    return result


# ---- versions ------------------------------------------------------------------------------


@router.get("/versions")
async def versions(request: Request, user: User, saved: int | None = None) -> HTMLResponse:
    service = service_of(request)
    listed = await run_in_threadpool(service.workspace.versions)
    return page(
        request, "versions.html.j2", user=user, versions=listed[::-1], saved=saved, diff=None
    )


@router.post("/versions/{version}/activate")
async def activate(request: Request, user: User, version: int) -> Response:
    service = service_of(request)
    await run_in_threadpool(service.workspace.activate, version, author=f"key {user.name}")
    service.state.swap(version)
    return RedirectResponse("/versions", status_code=303)


@router.get("/versions/diff")
async def diff(request: Request, user: User, a: int, b: int) -> HTMLResponse:
    service = service_of(request)
    old = await run_in_threadpool(service.workspace.text, a)
    new = await run_in_threadpool(service.workspace.text, b)
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"version {a}", f"version {b}", lineterm=""
    )
    listed = await run_in_threadpool(service.workspace.versions)
    return page(
        request,
        "versions.html.j2",
        user=user,
        versions=listed[::-1],
        saved=None,
        diff={"a": a, "b": b, "lines": list(lines)},
    )


# ---- the API reference ---------------------------------------------------------------------


@router.get("/api")
async def api_reference(request: Request) -> HTMLResponse:
    schema = request.app.openapi()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": spec.get("summary", ""),
            "description": spec.get("description", ""),
        }
        for path, methods in schema["paths"].items()
        for method, spec in methods.items()
    ]
    return page(request, "api.html.j2", operations=operations)
