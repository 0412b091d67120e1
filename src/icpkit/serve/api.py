"""The JSON API: `POST /v1/score`, `GET /v1/scorecard`, `GET /v1/icp`, `GET /healthz`,
`GET /metrics`. Every `/v1` call needs ``Authorization: Bearer KEY``."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from icpkit.scorecard.io import dump_scorecard, scorecard_to_dict
from icpkit.scorecard.model import Scorecard
from icpkit.serve.limits import retry_after_header
from icpkit.serve.metrics import CONTENT_TYPE
from icpkit.serve.models import BatchScore, Health, Problem, ScoreRequest, SingleScore
from icpkit.serve.scoring import identifier
from icpkit.serve.service import Service
from icpkit.workspace import ApiKey

# A batch of more than this many companies costs more than one request of the key's rate.
ACCOUNTS_PER_TOKEN = 100

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body cannot be read as UTF-8 JSON text."},
    401: {"model": Problem, "description": "No key, or an unknown or revoked key."},
    413: {"model": Problem, "description": "The request body is too large."},
    422: {"model": Problem, "description": "The body is not valid; the message names the field."},
    429: {"model": Problem, "description": "Over the key's rate limit; see Retry-After."},
}

router = APIRouter()


def service_of(request: Request) -> Service:
    return request.app.state.service


async def api_key(request: Request) -> ApiKey:
    """The caller's key from ``Authorization: Bearer KEY``, after its rate limit."""
    service = service_of(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        service.metrics.refused.labels("no key").inc()
        raise HTTPException(
            401,
            "missing API key: send the header 'Authorization: Bearer KEY' "
            "(create one with `icpkit keys create --name NAME`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = service.state.keys.check(token.strip())
    if key is None:
        service.metrics.refused.labels("bad key").inc()
        raise HTTPException(
            401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"}
        )
    spend(service, key, 1)
    return key


def spend(service: Service, key: ApiKey, tokens: float) -> None:
    """Take ``tokens`` from the key's bucket or refuse with 429 and Retry-After."""
    wait = service.limiter.take(key.name, rate=key.rate_per_second, cost=tokens)
    if wait:
        service.metrics.refused.labels("rate limit").inc()
        raise HTTPException(
            429,
            f"rate limit of key {key.name!r} exceeded; retry in {wait:.2f} s",
            headers={"Retry-After": retry_after_header(wait)},
        )


Key = Annotated[ApiKey, Depends(api_key)]


@router.post(
    "/v1/score",
    response_model=SingleScore | BatchScore,
    responses=ERRORS,
    tags=["scoring"],
    summary="Score one company, or up to 1,000 in order",
)
async def score(body: ScoreRequest, request: Request, key: Key) -> JSONResponse:
    """Score ``{"account": {...}}`` or ``{"accounts": [{...}, ...]}`` with the active
    scorecard: the same score, tier and reasons `icpkit score` gives the company as a CSV row.
    A batch of more than 100 companies counts as one request per 100 against the rate limit."""
    service = service_of(request)
    accounts = [body.account] if body.account is not None else body.accounts or []
    extra = math.ceil(len(accounts) / ACCOUNTS_PER_TOKEN) - 1
    if extra > 0:
        spend(service, key, extra)
    live = service.state.live  # taken once: a swap mid-request does not change this answer
    results = await service.queue.score(live, accounts)
    service.state.audit(key.name, live.version, [identifier(a) for a in accounts], "api")
    service.metrics.scored.labels("api").inc(len(accounts))
    headers = {"X-Scorecard-Version": str(live.version)}
    if body.account is not None:
        return JSONResponse(
            {**results[0].as_dict(), "scorecard_version": live.version}, headers=headers
        )
    return JSONResponse(
        {"results": [r.as_dict() for r in results], "scorecard_version": live.version},
        headers=headers,
    )


@router.get("/v1/scorecard", responses=ERRORS, tags=["scorecard"], summary="The active scorecard")
async def get_scorecard(request: Request, key: Key) -> dict[str, Any]:
    """The active scorecard as JSON (attributes, bins with points and counts, disqualifiers,
    tiers, training data) and as the TOML text stored in the workspace."""
    live = service_of(request).state.live
    return {
        "scorecard_version": live.version,
        "scorecard": scorecard_to_dict(live.card),
        "toml": dump_scorecard(live.card),
    }


@router.get("/v1/icp", responses=ERRORS, tags=["scorecard"], summary="The ICP in brief")
async def get_icp(request: Request, key: Key) -> dict[str, Any]:
    """Who the ICP is: per attribute the bins that add and remove most points, the
    disqualifiers and tiers; with `--build`, the one-paragraph summary and held-out proof."""
    service = service_of(request)
    live = service.state.live
    answer: dict[str, Any] = {
        "scorecard_version": live.version,
        **icp_summary(live.card),
        "summary": None,
        "proof": None,
    }
    if service.build is not None:
        answer["summary"] = service.build.summary
        answer["proof"] = proof_of(service.build.validation)
    return answer


def icp_summary(card: Scorecard) -> dict[str, Any]:
    attributes = []
    for attribute in card.attributes:
        ordered = sorted(attribute.bins, key=lambda b: -b.points)
        attributes.append(
            {
                "name": attribute.name,
                "column": attribute.column,
                "best": [{"bin": b.label, "points": b.points} for b in ordered if b.points > 0],
                "worst": [{"bin": b.label, "points": b.points} for b in ordered if b.points < 0],
            }
        )
    tiers = card.tiers
    return {
        "name": card.name,
        "attributes": attributes,
        "disqualifiers": [rule.reason for rule in card.disqualifiers],
        "tiers": {"unit": tiers.unit, "A": tiers.a, "B": tiers.b, "C": tiers.c},
        "trained_on": {
            k: card.trained_on[k]
            for k in ("closed_deals", "won", "lost", "base_win_rate", "data_fingerprint")
            if k in card.trained_on
        },
    }


def proof_of(validation: dict[str, Any] | None) -> dict[str, Any] | None:
    if not validation:
        return None
    lift = validation.get("lift_in_vs_out") or {}
    return {
        "signal": (validation.get("signal") or {}).get("text"),
        "auc": validation.get("auc"),
        "auc_ci": validation.get("auc_ci"),
        "lift_in_vs_out": lift.get("lift"),
        "lift_ci": lift.get("ci"),
        "win_rate_per_tier": {
            tier: {
                "win_rate": row.get("win_rate"),
                "ci": row.get("ci"),
                "deals": row.get("accounts"),
            }
            for tier, row in (validation.get("tiers") or {}).items()
        },
    }


@router.get("/healthz", tags=["operations"], summary="Liveness; needs no key")
async def healthz(request: Request) -> Health:
    return Health(status="ok", scorecard_version=service_of(request).state.live.version)


@router.get(
    "/metrics",
    tags=["operations"],
    summary="Prometheus metrics; needs no key and names no key or company",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}}},
)
async def metrics(request: Request) -> Response:
    return Response(service_of(request).metrics.render(), media_type=CONTENT_TYPE)
