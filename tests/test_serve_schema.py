"""Schemathesis generates requests from the server's own OpenAPI schema, valid and invalid, and
sends them to the real server on loopback: no answer may be a 500, and every answer must match
the schema (status codes, content types, bodies). Kept small: a few dozen cases per operation."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from icpkit.scorecard.io import load_scorecard
from icpkit.serve import Settings, create_app
from icpkit.serve.testing import running_server
from icpkit.workspace import Workspace

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "workspace.duckdb"
    workspace = Workspace.open(path)
    workspace.save_version(load_scorecard(SEED), author="test", reason="seed", activate=True)
    key = workspace.create_key("schemathesis")
    app = create_app(Settings(workspace=str(path), rate_per_second=10_000))
    with running_server(app) as url:
        yield url, key


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=lambda m: m.value)
def test_no_request_makes_the_server_fail(live_api, mode):
    url, key = live_api
    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/score", "/v1/scorecard", "/healthz"}
    for operation in operations:
        if mode == schemathesis.GenerationMode.NEGATIVE and not len(operation.body):
            continue  # nothing to get wrong in a GET without parameters
        _fuzz(operation, mode, url, key)


def _fuzz(operation, mode, url: str, key: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        response = case.call(base_url=url, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code < 500, f"{operation.label}: {response.text[:500]}"
        if response.status_code == 413:
            return  # a documented refusal of a body too big to read, not an accepted one
        case.validate_response(response)

    check()
