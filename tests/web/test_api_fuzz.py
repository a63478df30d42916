"""Schemathesis against ``/openapi.json``: generated requests never cause a server error.

Every operation is fuzzed with valid (positive) and invalid (negative) data,
authenticated as Alice so that the requests reach the code behind the token
check; responses must also match the documented schemas. Examples are
derandomised and bounded so the run is repeatable and takes seconds.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from webtest import Account

EXAMPLES = int(os.environ.get("KETPATH_FUZZ_EXAMPLES", "40"))
API_OPERATIONS = {
    ("GET", "/healthz"),
    ("GET", "/api/v1/assessment"),
    ("GET", "/api/v1/records"),
    ("POST", "/api/v1/records"),
    ("DELETE", "/api/v1/records/{record_id}"),
    ("GET", "/api/v1/shares"),
    ("POST", "/api/v1/shares"),
    ("POST", "/api/v1/shares/redeem"),
    ("DELETE", "/api/v1/shares/{share_id}"),
    ("GET", "/api/v1/patients"),
    ("GET", "/api/v1/patients/{patient_id}/assessment"),
    ("GET", "/api/v1/patients/{patient_id}/records"),
    ("POST", "/api/v1/patients/{patient_id}/records"),
}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_api_requests_never_cause_a_server_error(
    app: FastAPI, alice: Account, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the schema itself is valid
        operations.append(result.ok())
    documented = {(op.method.upper(), op.path) for op in operations}
    assert documented == API_OPERATIONS  # the whole API surface is fuzzed (update deliberately)
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and operation.path == "/healthz":
            continue  # no parameters, so no invalid request can be generated

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case[Any]) -> None:
            response = case.call(headers=alice.api)
            assert response.status_code < 500, (case.method, case.path, response.text[:300])
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        fuzz()
