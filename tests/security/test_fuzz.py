"""Input fuzzing against a live server: hypothesis draws malformed requests for every
implemented operation from the botocore model (:mod:`tests.security.fuzzing`) and every
answer must be JSON — a 4xx naming a Cognito error, never a 5xx — with the server alive at the
end. Plus the body size limit, refused before the body is read. The long run (100,000
requests) is ``bench/fuzz.py``."""

from __future__ import annotations

import random  # noqa: TID251  (hypothesis drives it: nothing secret)
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.security import fuzzing
from tests.support.badinputs import full_input, valid_input
from tests.support.server import JSON_TYPE, TARGET_PREFIX, LiveServer

import authpool.wire.app  # noqa: F401  (fills the operation table)
from authpool.wire.protocol import OPERATIONS

IMPLEMENTED = sorted(OPERATIONS)
ERRORS = fuzzing.known_errors()


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    operation=st.sampled_from(IMPLEMENTED),
    full=st.booleans(),
    rng=st.randoms(use_true_random=False),
)
def test_malformed_requests_get_a_cognito_error(
    sqlite_server: LiveServer, operation: str, full: bool, rng: random.Random
) -> None:
    base = full_input(operation) if full else valid_input(operation)
    body = fuzzing.request(operation, rng, base)
    response = sqlite_server.call(operation, body, signed=OPERATIONS[operation].signed)
    found = fuzzing.problem(response.status_code, response.headers, response.content, ERRORS)
    assert found is None, f"{operation}: {found} (body {body[:300]!r})"


@pytest.mark.parametrize("raw", fuzzing.RAW_BODIES, ids=range(len(fuzzing.RAW_BODIES)))
def test_bodies_that_are_not_json_objects(sqlite_server: LiveServer, raw: bytes) -> None:
    response = sqlite_server.call("InitiateAuth", raw, signed=False)
    assert fuzzing.problem(response.status_code, response.headers, response.content, ERRORS) is None
    assert response.status_code == 400


def test_the_server_is_alive_after_the_fuzzing(sqlite_server: LiveServer) -> None:
    assert sqlite_server.http.get("/_authpool/health").json() == {"status": "ok"}


def _post(server: LiveServer, operation: str, content: Any, **headers: str) -> httpx.Response:
    return server.http.post(
        "/",
        content=content,
        headers={"Content-Type": JSON_TYPE, "X-Amz-Target": TARGET_PREFIX + operation, **headers},
    )


def test_a_body_over_the_limit_is_refused(sqlite_server: LiveServer) -> None:
    limit = sqlite_server.settings.max_body_bytes
    response = _post(sqlite_server, "InitiateAuth", b" " * (limit + 1))
    assert response.status_code == 413
    assert response.json()["__type"] == "InvalidParameterException"
    assert response.headers["x-amzn-errortype"] == "InvalidParameterException"
    at_limit = _post(sqlite_server, "InitiateAuth", b"{}" + b" " * (limit - 2))
    assert at_limit.status_code == 400
    assert "validation error" in at_limit.json()["message"]


def test_a_chunked_body_over_the_limit_is_cut_off(sqlite_server: LiveServer) -> None:
    """No Content-Length to trust: the body is read only up to the limit."""
    limit = sqlite_server.settings.max_body_bytes
    chunk = b" " * 65536

    def stream() -> Any:
        for _ in range(limit // len(chunk) + 2):
            yield chunk

    response = _post(sqlite_server, "InitiateAuth", stream())
    assert response.status_code == 413
    assert response.json()["__type"] == "InvalidParameterException"


def test_passwords_may_have_256_characters_and_no_more(
    sqlite_server: LiveServer,
) -> None:
    idp = sqlite_server.client()
    pool_id = idp.create_user_pool(PoolName="long-passwords")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"][
        "ClientId"
    ]
    longest = "Aa1!" * 64
    ok = sqlite_server.call(
        "SignUp",
        {"ClientId": client_id, "Username": "longest", "Password": longest},
        signed=False,
    )
    assert ok.status_code == 200, ok.text
    over = sqlite_server.call(
        "SignUp",
        {"ClientId": client_id, "Username": "longer", "Password": longest + "a"},
        signed=False,
    )
    assert over.status_code == 400
    assert over.json()["__type"] in {"InvalidParameterException", "InvalidPasswordException"}
