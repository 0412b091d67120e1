"""The JSON API: `POST /v1/score`, `GET /v1/scorecard`, `GET /v1/icp`, `GET /healthz`,
`GET /metrics`. Every `/v1` call needs ``Authorization: Bearer KEY``."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from icpkit.results import Validation
from icpkit.scorecard.io import dump_scorecard, scorecard_to_dict
from icpkit.scorecard.model import Scorecard
from icpkit.serve.guard import KEY, rate_message
from icpkit.serve.limits import retry_after_header
from icpkit.serve.metrics import CONTENT_TYPE
from icpkit.serve.models import BatchScore, Health, Problem, ScoreRequest, SingleScore
from icpkit.serve.scoring import identifier
from icpkit.serve.service import Service
from icpkit.serve.state import LiveCard
from icpkit.workspace import ApiKey

# A batch of more than this many companies costs more than one request of the key's rate.
ACCOUNTS_PER_TOKEN = 100

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not UTF-8 text."},
    401: {"model": Problem, "description": "No key, or an unknown or revoked key."},
    413: {"model": Problem, "description": "The request body is too large."},
    422: {
        "model": Problem,
        "description": "The body is not valid JSON (or nested too deep, or holds a number of "
        "more than 4,300 digits), or not a valid request; the message names the field.",
    },
    429: {"model": Problem, "description": "Over the key's rate limit; see Retry-After."},
}


class StrictJSONRequest(Request):
    """A request whose JSON body is read with clear answers for what ``json.loads`` chokes
    on besides syntax: bytes that are not UTF-8 (400), nesting deeper than the parser's
    recursion limit and integers of more than 4,300 digits (422)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json_body(await self.body())
        return self._json


def parse_json_body(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HTTPException(
            400, f"body: not UTF-8 text (byte {error.start} cannot be decoded)"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise  # FastAPI answers 422 "body: not valid JSON: ..." with the position
    except RecursionError:
        raise HTTPException(422, "body: nested too deeply to read") from None
    except ValueError as error:  # int() refuses more than 4,300 digits
        if "digits" in str(error):
            raise HTTPException(422, "body: a number has more than 4,300 digits") from None
        raise HTTPException(422, "body: cannot be read as JSON") from None


class StrictJSONRoute(APIRoute):
    """Routes of the API read their JSON bodies with :class:`StrictJSONRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict


router = APIRouter(route_class=StrictJSONRoute)


def service_of(request: Request) -> Service:
    return request.app.state.service


async def api_key(request: Request) -> ApiKey:
    """The caller's key, checked (and one token of its rate limit spent) by
    :class:`~icpkit.serve.guard.Guard` before the body was read."""
    key = request.scope.get(KEY)
    if key is None:  # only if the guard is not in front of this app
        raise HTTPException(401, "unknown or revoked API key", {"WWW-Authenticate": "Bearer"})
    return key


def spend(service: Service, key: ApiKey, tokens: float, *, already: float = 1.0) -> None:
    """Charge a request that costs ``tokens`` in all, of which the guard took ``already``:
    both at once or neither, else refuse with 429 and the Retry-After after which this same
    request would pass."""
    if tokens <= already:
        return
    wait = service.limiter.take(key.name, rate=key.rate_per_second, cost=tokens, refund=already)
    if wait:
        service.metrics.refused.labels("rate limit").inc()
        raise HTTPException(
            429,
            rate_message(key, wait),
            headers={"Retry-After": retry_after_header(wait)},
        )


def cost_of(companies: int) -> int:
    """Tokens a request scoring ``companies`` costs: one per started hundred."""
    return max(1, math.ceil(companies / ACCOUNTS_PER_TOKEN))


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
    spend(service, key, cost_of(len(accounts)))
    live = service.state.live  # taken once: a swap mid-request does not change this answer
    results = await service.queue.score(live, accounts)
    await service.state.audit(key.name, live.version, [identifier(a) for a in accounts], "api")
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
    disqualifiers and tiers; with `--build`, the one-paragraph summary and the held-out proof,
    given only while the live version is the card the build learned (else ``proof`` is null
    and ``proof_note`` says why)."""
    service = service_of(request)
    live = service.state.live
    answer: dict[str, Any] = {
        "scorecard_version": live.version,
        **icp_summary(live.card),
        "summary": None,
        "proof": None,
        "proof_note": None,
    }
    if service.build is not None:
        answer["summary"] = service.build.summary
        answer["proof"], answer["proof_note"] = proof_for(service, live)
    return answer


def proof_for(service: Service, live: LiveCard) -> tuple[dict[str, Any] | None, str | None]:
    """The build's held-out proof when the live version is the card that proof measured, else
    no proof and a note saying why: a number beside the proof of another card would mislead.
    """
    build = service.build
    if build is None:
        return None, None
    if not build.proves(live.card):
        return None, (
            f"The held-out proof of the build is of the card `icpkit build` learned; version "
            f"{live.version} differs from it and has not been tested on held-out deals "
            "(the editor replays it on the build's closed deals)."
        )
    return proof_of(build.validation), None


def icp_summary(card: Scorecard) -> dict[str, Any]:
    attributes = []
    for attribute in card.attributes:
        ordered = sorted(attribute.bins, key=lambda b: -b.points)
        attributes.append(
            {
                "name": attribute.name,
                "column": attribute.column,
                **({"and_column": attribute.column2} if attribute.is_pair else {}),
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


def proof_of(validation: Validation | None) -> dict[str, Any] | None:
    if validation is None:
        return None
    lift = validation.lift_in_vs_out
    return {
        "signal": validation.signal.text,
        "auc": validation.auc,
        "auc_ci": list(validation.auc_ci),
        "lift_in_vs_out": lift.lift,
        "lift_ci": list(lift.ci),
        "win_rate_per_tier": {
            tier: {"win_rate": row.win_rate, "ci": list(row.ci), "deals": row.accounts}
            for tier, row in validation.tiers.items()
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
