"""Schemathesis fuzzes a real server from its own OpenAPI schema: no input may cause a 5xx.

Hypothesis drives each operation directly (schemathesis's pytest plugin is not used), with a
bounded number of examples, both valid and invalid ones.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from .conftest import Server

FUZZ_EXAMPLES = 50
VALID, INVALID = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
# GET routes take no input, so only their valid form exists.
OPERATIONS = [
    ("POST", "/score", VALID),
    ("POST", "/score", INVALID),
    ("POST", "/get_reward", VALID),
    ("POST", "/get_reward", INVALID),
    ("GET", "/health", VALID),
    ("GET", "/spec", VALID),
    ("GET", "/metrics", VALID),
]


@pytest.mark.parametrize("method,path,mode", OPERATIONS, ids=lambda v: getattr(v, "value", v))
def test_no_input_makes_the_server_fail(exact_server: Server, method: str, path: str, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{exact_server.url}/openapi.json")
    operation = schema[path][method]
    calls = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call(base_url=exact_server.url, timeout=30)
        calls.append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error])

    fuzz()
    assert calls and all(code < 500 for code in calls)
