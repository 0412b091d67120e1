"""The JSON the API accepts and returns, validated strictly by pydantic.

An account is a flat object of attributes: canonical ones (``employees``, ``industry``,
``country``, ``technologies``...) and any custom column a scorecard reads. A value is text, a
number, true/false, null, or a list of those (``technologies``). Anything else (an object, a
NaN, an integer too large for a 64-bit float, a 5,000-character string) is refused with 422
and a message naming the field. A number that is readable but impossible for what it claims
(1e23 employees, a negative revenue) is not refused: it is scored as unknown, with the reason
in ``icp_reasons``, as every other engine scores it (see :mod:`icpkit.bounds`).
"""

from __future__ import annotations

import math
import sys
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

MAX_BATCH = 1000
MAX_ATTRIBUTES = 200
MAX_TEXT = 2000
MAX_LIST = 500
# The largest number a 64-bit float holds: an integer of 400 digits cannot be scored at all.
MAX_NUMBER = sys.float_info.max

_SCALAR_SCHEMA: list[dict[str, Any]] = [
    {"type": "string", "maxLength": MAX_TEXT},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "null"},
]


def _check_scalar(value: Any) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("numbers must be finite")
        if abs(value) > MAX_NUMBER:
            raise ValueError("numbers must fit a 64-bit float (at most about 1.8e308)")
        return
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"text is longer than {MAX_TEXT} characters")
        return
    raise ValueError("must be text, a number, true/false, null, or a list of those")


def _check_value(value: Any) -> Any:
    if isinstance(value, list):
        if len(value) > MAX_LIST:
            raise ValueError(f"a list holds at most {MAX_LIST} values")
        for item in value:
            _check_scalar(item)
        return value
    _check_scalar(value)
    return value


AttributeValue = Annotated[
    Any,
    AfterValidator(_check_value),
    WithJsonSchema(
        {"anyOf": [*_SCALAR_SCHEMA, {"type": "array", "items": {"anyOf": _SCALAR_SCHEMA}}]}
    ),
]
AttributeName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Account = Annotated[
    dict[AttributeName, AttributeValue],
    Field(
        max_length=MAX_ATTRIBUTES,
        description="One company: attribute name -> value (text, number, true/false, null, "
        "or a list such as technologies).",
        examples=[
            {
                "domain": "acme.example",
                "employees": 120,
                "industry": "Software",
                "country": "US",
                "funding_stage": "series_b",
                "technologies": ["Snowflake", "dbt"],
            }
        ],
    ),
]


class ScoreRequest(BaseModel):
    """Either one ``account`` or a list of up to 1,000 ``accounts``."""

    # Exactly one of the two, said in the schema too, so clients and fuzzers know it.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["account"]}, {"required": ["accounts"]}]},
    )

    # Not Optional: an explicit null is refused; leaving the field out is what "absent" means.
    # So the default None is outside the declared type, on purpose (pydantic does not check it).
    account: Account = Field(default=None)  # type: ignore[arg-type]
    accounts: Annotated[list[Account], Field(max_length=MAX_BATCH)] = Field(default=None)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _exactly_one(self) -> ScoreRequest:
        if (self.account is None) == (self.accounts is None):
            raise ValueError("give either 'account' (one company) or 'accounts' (a list)")
        return self


class ScoreResult(BaseModel):
    icp_score: int = Field(ge=0, le=100, description="Fit score, 0-100.")
    icp_tier: str = Field(description="A, B, C or D.")
    icp_disqualified: bool
    icp_reasons: str = Field(
        description="The attributes that added or removed most points, and any disqualifier."
    )


class SingleScore(ScoreResult):
    scorecard_version: int = Field(description="The scorecard version that scored it.")


class BatchScore(BaseModel):
    results: list[ScoreResult]
    scorecard_version: int


class Problem(BaseModel):
    """Every error answer: one line for people, and the fields at fault for programs."""

    error: str
    fields: list[dict[str, str]] = []


class Health(BaseModel):
    status: str
    scorecard_version: int
