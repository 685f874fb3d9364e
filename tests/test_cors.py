"""CORS for browser clients (Amplify JS and the AWS SDK for JavaScript): preflight for the
headers they send, and the response headers Amplify must be able to read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.server import LiveServer, start_server

# What Amplify JS v6 and the AWS SDK for JavaScript v3 send with a Cognito call.
BROWSER_HEADERS = [
    "x-amz-target",
    "x-amz-user-agent",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "cache-control",
    "content-type",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
]
ORIGIN = "http://localhost:3000"


def preflight(server: LiveServer, origin: str, path: str = "/") -> dict[str, str]:
    response = server.http.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": ",".join(BROWSER_HEADERS),
        },
    )
    return {
        "status": str(response.status_code),
        **{k.lower(): v for k, v in response.headers.items()},
    }


def test_preflight_allows_the_sdk_headers(sqlite_server: LiveServer) -> None:
    headers = preflight(sqlite_server, ORIGIN)
    assert headers["status"] == "200"
    assert headers["access-control-allow-origin"] in ("*", ORIGIN)
    assert "POST" in headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
    assert set(BROWSER_HEADERS) <= allowed
    assert int(headers["access-control-max-age"]) > 0


def test_preflight_of_the_well_known_documents(sqlite_server: LiveServer) -> None:
    response = sqlite_server.http.options(
        "/us-east-1_AbCdEf123/.well-known/jwks.json",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", ORIGIN)


@pytest.mark.parametrize("signed", [True, False], ids=["success", "error"])
def test_responses_expose_the_headers_amplify_reads(
    sqlite_server: LiveServer, signed: bool
) -> None:
    response = sqlite_server.call(
        "ListUserPools", {"MaxResults": 1}, signed=signed, headers={"Origin": ORIGIN}
    )
    assert response.status_code == (200 if signed else 400)
    assert response.headers["access-control-allow-origin"] in ("*", ORIGIN)
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"x-amzn-requestid", "x-amzn-errortype"} <= exposed


@pytest.fixture
def restricted_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path / "cors", cors_origins=("https://app.example.com",))
    try:
        yield server
    finally:
        server.stop()


def test_allowed_origins_are_configurable(restricted_server: LiveServer) -> None:
    allowed = preflight(restricted_server, "https://app.example.com")
    assert allowed["status"] == "200"
    assert allowed["access-control-allow-origin"] == "https://app.example.com"

    other = preflight(restricted_server, "https://evil.example.net")
    assert other["status"] == "400"
    assert "access-control-allow-origin" not in other

    response = restricted_server.call(
        "ListUserPools", {"MaxResults": 1}, headers={"Origin": "https://evil.example.net"}
    )
    assert "access-control-allow-origin" not in response.headers
