"""Every implemented operation refuses every generated bad input the way Cognito does: HTTP 400,
``InvalidParameterException`` in the JSON body and in ``x-amzn-ErrorType``, never a 5xx.

The operations come from the live operation table, so an operation added later is covered by
this test without touching it. The bodies come from the model (``tests/support/badinputs``);
they go out over raw HTTP, signed with the admin key, because boto3 would refuse to send most
of them.
"""

from __future__ import annotations

import json

import httpx
import pytest
from tests.support.badinputs import bad_inputs, valid_input
from tests.support.server import JSON_TYPE, LiveServer

import authpool.wire.app  # noqa: F401  (fills the operation table)
from authpool.wire.protocol import OPERATIONS

IMPLEMENTED = sorted(OPERATIONS)


def test_the_table_is_filled() -> None:
    assert "CreateUserPool" in IMPLEMENTED
    assert "ListUserPoolClients" in IMPLEMENTED


@pytest.mark.parametrize("operation", IMPLEMENTED)
def test_bad_inputs_are_invalid_parameters(sqlite_server: LiveServer, operation: str) -> None:
    failures: list[str] = []
    count = 0
    for description, body in bad_inputs(operation):
        count += 1
        response = sqlite_server.call(operation, body)
        problem = _problem(response)
        if problem:
            failures.append(f"{description}: {problem} (body {json.dumps(body)[:300]})")
    assert count > 0, f"no bad inputs generated for {operation}"
    assert not failures, f"{len(failures)} of {count} bad inputs answered wrongly:\n" + "\n".join(
        failures[:20]
    )


def _problem(response: httpx.Response) -> str | None:
    status, content, get = response.status_code, response.content, response.headers.get
    if status >= 500:
        return f"server error {status}: {content[:300]!r}"
    if status != 400:
        return f"status {status}: {content[:300]!r}"
    if not str(get("content-type", "")).startswith(JSON_TYPE):
        return f"content type {get('content-type')!r}"
    try:
        body = json.loads(content)
    except ValueError:
        return f"not JSON: {content[:300]!r}"
    if body.get("__type") != "InvalidParameterException":
        return f"__type {body.get('__type')!r}: {body.get('message')!r}"
    if get("x-amzn-errortype") != "InvalidParameterException":
        return f"x-amzn-ErrorType {get('x-amzn-errortype')!r}"
    if not body.get("message"):
        return "empty message"
    return None


@pytest.mark.parametrize("operation", IMPLEMENTED)
def test_valid_input_never_faults(sqlite_server: LiveServer, operation: str) -> None:
    """The smallest valid request may name things that do not exist, but it is never a 5xx."""
    response = sqlite_server.call(operation, valid_input(operation))
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert response.json()["__type"] != "InvalidParameterException" or (
            "validation error" not in response.json()["message"]
        ), response.text
