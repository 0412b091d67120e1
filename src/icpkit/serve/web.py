"""The web app: the ICP document, a form to score one company, CSV in and scored CSV out, the
scorecard editor with its backtest, and the list of versions.

Pages are server-rendered HTML that work without a script; with one, htmx (vendored in
``static/``, see its README) updates parts of a page in place: the score under the form, the
editor's preview as points change, an upload's progress. Nothing is loaded from another site,
and no script or style is inline, so the Content-Security-Policy allows only the app's own
files. A person signs in once with an API key (see :mod:`icpkit.serve.sessions`); every page
after that uses the key's name in the audit log and its rate limit for scoring.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import jinja2
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from icpkit.errors import IcpkitError
from icpkit.serve import editor, sessions, uploads, views
from icpkit.serve.api import ACCOUNTS_PER_TOKEN, icp_summary, proof_for, service_of, spend
from icpkit.serve.guard import KEY, sign_in_redirect
from icpkit.serve.scoring import identifier
from icpkit.workspace import ApiKey

TEMPLATES = Path(__file__).with_name("templates")
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
)
API_PREFIXES = ("/v1/", "/healthz", "/metrics", "/openapi.json")
# Our pages load scripts and styles from this app only, none inline, nothing from elsewhere.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_SECURITY = {
    "Content-Security-Policy": CSP,
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
    context.setdefault("htmx_error", None)
    response = templates.TemplateResponse(
        request,
        name,
        {"live": live, "has_build": service.build is not None, **context},
        status_code=status,
    )
    response.headers.update(PAGE_SECURITY)
    return response


def error_page(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    if status == 401:
        return _to_sign_in(request)
    htmx = request.headers.get("hx-request") == "true"
    response = page(
        request,
        "error.html.j2",
        status,
        status_code=status,
        message=message,
        htmx_error=message if htmx else None,
    )
    response.headers.update(headers or {})
    if htmx:
        # A part of a page asked and the guard or the handler refused (a rate limit, say): the
        # part htmx would have replaced stays as it was. A person's action (a preview, a
        # score) gets the message in the page's alert line; a refused poll of an upload's
        # progress changes nothing, and the next poll asks again.
        response.headers.update(HTMX_ERROR if request.method == "POST" else HTMX_QUIET)
    return response


# Response headers that send an error answer to an htmx request into #htmx-error, or nowhere.
HTMX_ERROR = {"HX-Retarget": "#htmx-error", "HX-Reselect": "#htmx-error", "HX-Reswap": "outerHTML"}
HTMX_QUIET = {"HX-Reswap": "none"}


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


# ---- static files --------------------------------------------------------------------------

STATIC = Path(__file__).with_name("static")
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@router.get("/static/{name}")
async def static_file(name: str) -> Response:
    """The app's own styles and htmx: a fixed list of files, never a path from the request."""
    path = STATIC / name
    kind = STATIC_TYPES.get(path.suffix)
    if kind is None or name not in {p.name for p in STATIC.iterdir()}:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(
        path.read_bytes(),
        media_type=kind,
        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


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
        highlights=views.highlights(icp_summary(live.card), proof),
        proof_note=proof_note,
    )


@router.get("/icp")
async def icp_document(request: Request, user: User) -> Response:
    """The ICP document of the build, as `icpkit build` wrote it, under the app's bar."""
    service = service_of(request)
    report = service.build.report_html if service.build else None
    if report is None:
        return page(request, "icp.html.j2", user=user, icp=icp_summary(service.state.live.card))
    bar = templates.get_template("_nav.html.j2").render(user=user, here="/icp")
    text, styles = views.with_app_bar(report.read_text(encoding="utf-8"), bar)
    response = HTMLResponse(text)
    response.headers.update(PAGE_SECURITY)
    # The document's own <style> blocks are allowed by their hashes, nothing else inline.
    response.headers["Content-Security-Policy"] = CSP.replace(
        "style-src 'self'", "style-src 'self' " + " ".join(styles)
    )
    return response


# ---- score one company ---------------------------------------------------------------------


@router.get("/score")
async def score_form(request: Request, user: User) -> HTMLResponse:
    card = service_of(request).state.live.card
    return page(
        request,
        "score.html.j2",
        user=user,
        fields=views.form_fields(card),
        values={},
        result=None,
        why=None,
        version=None,
    )


@router.post("/score")
async def score_one(request: Request, user: User) -> HTMLResponse:
    service = service_of(request)
    form = await request.form()
    live = service.state.live
    fields = views.form_fields(live.card)
    values = {f.column: str(form.get(f"a.{f.column}", ""))[:2000] for f in fields}
    account = {k: v for k, v in values.items() if v.strip()}
    # One company: the guard's token paid for it.
    result = (await service.queue.score(live, [account]))[0]
    await service.state.audit(user.name, live.version, [identifier(account)], "web form")
    service.metrics.scored.labels("web form").inc()
    return page(
        request,
        "score.html.j2",
        user=user,
        fields=fields,
        values=values,
        result=result,
        why=views.breakdown(live.card, account),
        version=live.version,
    )


# ---- CSV in, scored CSV out ----------------------------------------------------------------


def _uploads(request: Request) -> uploads.Uploads:
    state = request.app.state
    if getattr(state, "uploads", None) is None:
        state.uploads = uploads.Uploads()
    return state.uploads


@router.get("/upload")
async def upload_form(request: Request, user: User) -> HTMLResponse:
    card = service_of(request).state.live.card
    return page(request, "upload.html.j2", user=user, message=None, fields=views.form_fields(card))


@router.post("/upload")
async def upload(request: Request, user: User, file: Annotated[UploadFile, File()]) -> Response:
    """Keep the file and start scoring it; the browser follows the job on its own page."""
    service = service_of(request)
    live = service.state.live
    name = Path(file.filename or "upload.csv").name
    if Path(name).suffix.lower() not in (".csv", ".parquet"):
        return page(
            request,
            "upload.html.j2",
            400,
            user=user,
            message="Upload a .csv or .parquet file.",
            fields=views.form_fields(live.card),
        )
    data = await file.read()
    # Charged as the companies it holds, before any work: a CSV row is ~100 bytes, and one
    # token buys 100 companies (as in the API). The largest upload can always pass (the
    # bucket runs into debt), but never two big ones back to back faster than the key's rate.
    spend(service, user, max(1, -(-len(data) // (100 * ACCOUNTS_PER_TOKEN))))
    loop = asyncio.get_running_loop()

    def done(job: uploads.UploadJob, rows: list[dict[str, Any]]) -> None:
        # In the job's thread: the audit entry is on disk (the journal) before the job says
        # done, so no scored file can be downloaded that the audit log does not hold.
        audited = service.state.audit(
            user.name, job.version, [identifier(r) for r in rows], "csv upload"
        )
        asyncio.run_coroutine_threadsafe(audited, loop).result(timeout=AUDIT_WAIT)
        service.metrics.scored.labels("csv upload").inc(len(rows))

    job = _uploads(request).start(
        key_id=user.key_id,
        filename=_header_safe(name),
        data=data,
        version=live.version,
        card=live.card,
        on_done=done,
    )
    target = f"/uploads/{job.id}"
    if request.headers.get("hx-request") == "true":
        # htmx sent the file (showing "Uploading…" meanwhile): it moves the page itself.
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


# Seconds an upload job waits for its audit entry to be written before it fails instead.
AUDIT_WAIT = 60.0


def _job(request: Request, user: ApiKey, job_id: str) -> uploads.UploadJob:
    job = _uploads(request).get(job_id, user.key_id)
    if job is None:
        raise StarletteHTTPException(404, "no such upload (uploads are kept for an hour)")
    return job


@router.get("/uploads/{job_id}")
async def upload_job(request: Request, user: User, job_id: str) -> HTMLResponse:
    return page(request, "upload_job.html.j2", user=user, job=_job(request, user, job_id))


@router.get("/uploads/{job_id}/status")
async def upload_status(request: Request, user: User, job_id: str) -> HTMLResponse:
    """The progress and, once done, the summary: what the job page polls."""
    return page(request, "_upload_status.html.j2", user=user, job=_job(request, user, job_id))


@router.get("/uploads/{job_id}/{which}.csv")
async def upload_download(request: Request, user: User, job_id: str, which: str) -> Response:
    job = _job(request, user, job_id)
    if job.phase != "done" or which not in ("scored", "quarantine"):
        raise StarletteHTTPException(404, "that file is not ready")
    name = job.scored_name if which == "scored" else job.quarantine_name
    return Response(
        job.path(name).read_bytes(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{_header_safe(name)}"',
            "X-Scorecard-Version": str(job.version),
        },
    )


def _header_safe(filename: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)[:120]


# ---- the editor ----------------------------------------------------------------------------


def _editor_page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    live = service_of(request).state.live
    form = context["form"]
    context.setdefault("impact", None)
    context.setdefault("proposed", None)
    context.setdefault("message", None)
    context.setdefault("author", "")
    context.setdefault("reason", "")
    context.setdefault("version_name", "")
    return page(
        request,
        "editor.html.j2",
        status,
        card=live.card,
        field=editor,
        edited=editor.edited_fields(live.card, form),
        # Each preview also clears (or fills) the alert line of a refused earlier one.
        mark_ids=["#mark-" + n for n in editor.unchanged_form(live.card)] + ["#htmx-error"],
        **context,
    )


@router.get("/editor")
async def editor_form(request: Request, user: User) -> HTMLResponse:
    live = service_of(request).state.live
    current = await _backtest(request, live.version, live.card)
    return _editor_page(request, user=user, form=editor.unchanged_form(live.card), current=current)


@router.post("/editor")
async def editor_submit(request: Request, user: User) -> Response:
    service = service_of(request)
    live = service.state.live
    form = {k: str(v) for k, v in (await request.form()).items()}
    author, reason = form.get("author", "").strip(), form.get("reason", "").strip()
    version_name = form.get("version-name", "").strip()
    context: dict[str, Any] = {"user": user, "form": form, "author": author, "reason": reason}
    context |= {"version_name": version_name}
    context["current"] = await _backtest(request, live.version, live.card)
    base = form.get("base-version", "")
    if base != str(live.version):
        # Another version went live meanwhile (or the form does not say which version it
        # edits): these edits were made to a card that may be gone.
        opened = f"version {base[:20]}" if base else "a version the form does not name"
        context["message"] = (
            f"Version {live.version} went live after you opened the editor on {opened}. "
            f"Your changes were not applied; here is version {live.version} to start from."
        )
        context["form"] = editor.unchanged_form(live.card)
        return _editor_page(request, 409, **context)
    try:
        edited = editor.apply_edits(live.card, form)
    except IcpkitError as error:
        return _editor_page(request, 400, message=str(error), **context)
    saving = form.get("action") == "save"
    problem = _save_problem(author, reason, version_name) if saving else None
    if not saving or problem:
        # The preview: replayed on the closed deals (charged to the key as scoring them).
        try:
            context["proposed"] = await _backtest(request, None, edited)
        except StarletteHTTPException as error:
            if error.status_code != 429:
                raise
            # Over the rate limit: the editor stays as it is, saying when to try again.
            response = _editor_page(request, 429, message=_paused(error.detail), **context)
            response.headers.update(error.headers or {})
            return response
        context["impact"] = await run_in_threadpool(_impact, service, live.card, edited)
        return _editor_page(request, 400 if problem else 200, message=problem, **context)
    version = await run_in_threadpool(
        service.workspace.save_version,
        replace(edited, name=version_name),
        author=f"{author} (key {user.name})",
        reason=reason,
        activate=True,
    )
    service.state.swap(version)
    return RedirectResponse(f"/versions?saved={version}", status_code=303)


def _paused(detail: str) -> str:
    return f"The preview is paused: {detail}. Your edits are kept; change a field to try again."


def _save_problem(author: str, reason: str, version_name: str) -> str | None:
    if not author or not reason or not version_name:
        return "Name the version, say who you are and add a note on why before saving."
    if len(version_name) > 80:
        return "A version name is at most 80 characters."
    return None


def _impact(service, live_card, edited) -> editor.Impact:
    build = service.build
    accounts = _build_accounts(build.path) if build is not None else None
    history = build.history if build is not None else None
    return editor.impact(live_card, edited, accounts, history[0] if history else None)


@functools.lru_cache(maxsize=2)
def _build_accounts(folder: Path):
    """Every account of the build (canonical columns), to count tier moves on."""
    import pandas as pd

    path = folder / "accounts.parquet"
    return pd.read_parquet(path) if path.is_file() else None


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
async def versions(
    request: Request, user: User, saved: int | None = None, activated: int | None = None
) -> HTMLResponse:
    service = service_of(request)
    listed = await run_in_threadpool(service.workspace.versions)
    return page(
        request,
        "versions.html.j2",
        user=user,
        versions=listed[::-1],
        saved=saved,
        activated=activated,
    )


async def _callers(service) -> list[views.Caller]:
    keys = await run_in_threadpool(service.workspace.api_keys)
    audit = await run_in_threadpool(service.workspace.audit_log, limit=AUDIT_READ)
    return views.api_callers(keys, audit)


# How many recent scoring calls the make-live page reads to say who used which key.
AUDIT_READ = 5000


@router.get("/versions/{version}/activate")
async def confirm_activate(request: Request, user: User, version: int) -> HTMLResponse:
    """Before a version goes live: what changes, and every API caller it changes it for."""
    return await _confirmation(request, user, version, None)


async def _confirmation(
    request: Request, user: ApiKey, version: int, message: str | None
) -> HTMLResponse:
    service = service_of(request)
    live = service.state.live
    listed = {v.version: v for v in await run_in_threadpool(service.workspace.versions)}
    if version not in listed:
        raise StarletteHTTPException(404, f"there is no version {version}")
    card = await run_in_threadpool(service.workspace.get, version)
    return page(
        request,
        "activate.html.j2",
        user=user,
        target=listed[version],
        current=listed.get(live.version),
        diff=views.card_diff(live.card, card),
        callers=await _callers(service),
        message=message,
    )


@router.post("/versions/{version}/activate")
async def activate(request: Request, user: User, version: int) -> Response:
    """Make ``version`` live, only once the person confirmed on the page above."""
    service = service_of(request)
    form = await request.form()
    live = service.state.live
    if form.get("confirm") != "yes":
        return RedirectResponse(f"/versions/{version}/activate", status_code=303)
    if str(form.get("live-version", live.version)) != str(live.version):
        return await _confirmation(
            request,
            user,
            version,
            f"Version {live.version} went live meanwhile; check the change again.",
        )
    await run_in_threadpool(service.workspace.activate, version, author=f"key {user.name}")
    service.state.swap(version)
    return RedirectResponse(f"/versions?saved={version}&activated=1", status_code=303)


@router.get("/versions/diff")
async def diff(request: Request, user: User, a: int, b: int) -> HTMLResponse:
    """Version ``a`` and version ``b`` side by side: bins and points, tiers, disqualifiers."""
    service = service_of(request)
    listed = {v.version: v for v in await run_in_threadpool(service.workspace.versions)}
    for number in (a, b):
        if number not in listed:
            raise StarletteHTTPException(404, f"there is no version {number}")
    old = await run_in_threadpool(service.workspace.get, a)
    new = await run_in_threadpool(service.workspace.get, b)
    return page(
        request,
        "diff.html.j2",
        user=user,
        a=listed[a],
        b=listed[b],
        diff=views.card_diff(old, new),
        versions=sorted(listed.values(), key=lambda v: -v.version),
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
    # Public, but a signed-in person keeps the app's navigation here too.
    # (The guard found the session's key, if any, as for every page.)
    return page(request, "api.html.j2", operations=operations, user=request.scope.get(KEY))
