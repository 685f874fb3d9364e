"""Requests that go wrong before any operation runs: every answer is a JSON error envelope
(``{"__type", "message"}`` plus ``x-amzn-ErrorType`` and ``x-amzn-RequestId``), never HTML and
never a stack trace."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.support.server import JSON_TYPE, LiveServer

from authpool.wire import model
from authpool.wire.protocol import OPERATIONS


def assert_error(response: httpx.Response, status: int, code: str, *fragments: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(JSON_TYPE)
    assert response.headers["x-amzn-ErrorType"] == code
    assert response.headers["x-amzn-RequestId"]
    body = response.json()
    assert set(body) == {"__type", "message"}
    assert body["__type"] == code
    message: str = body["message"]
    for fragment in fragments:
        assert fragment in message, message
    assert "Traceback" not in response.text
    return message


def test_unknown_operation(sqlite_server: LiveServer) -> None:
    response = sqlite_server.call("MakeCoffee", {})
    assert_error(response, 400, "UnknownOperationException", "MakeCoffee")


def test_missing_target(sqlite_server: LiveServer) -> None:
    response = sqlite_server.http.post("/", content=b"{}", headers={"Content-Type": JSON_TYPE})
    assert_error(response, 400, "UnknownOperationException", "X-Amz-Target")


def test_target_of_another_service(sqlite_server: LiveServer) -> None:
    response = sqlite_server.http.post(
        "/",
        content=b"{}",
        headers={"Content-Type": JSON_TYPE, "X-Amz-Target": "DynamoDB_20120810.ListTables"},
    )
    assert_error(response, 400, "UnknownOperationException", "DynamoDB_20120810.ListTables")


def test_unimplemented_operation_names_itself(sqlite_server: LiveServer) -> None:
    missing = sorted(model.operation_names() - set(OPERATIONS))
    if not missing:
        pytest.skip("every Cognito operation is implemented")
    name = missing[0]
    response = sqlite_server.call(name, {})
    assert_error(response, 400, "UnsupportedOperationException", name)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param(b"not json", "JSON", id="text"),
        pytest.param(b'{"MaxResults": 1', "JSON", id="truncated"),
        pytest.param(b"\xff\xfe\x00", "JSON", id="not-utf8"),
        pytest.param(b"[1, 2]", "object", id="array"),
        pytest.param(b'"MaxResults"', "object", id="string"),
        pytest.param(b"null", "", id="null"),
    ],
)
def test_body_that_is_not_a_json_object(
    sqlite_server: LiveServer, body: bytes, fragment: str
) -> None:
    response = sqlite_server.call("ListUserPools", body)
    assert_error(response, 400, "InvalidParameterException", fragment)


def test_empty_body_is_an_empty_request(sqlite_server: LiveServer) -> None:
    response = sqlite_server.call("ListUserPools", b"")
    assert_error(response, 400, "InvalidParameterException", "maxResults")


def test_oversize_body(sqlite_server: LiveServer) -> None:
    limit = sqlite_server.settings.max_body_bytes
    body = b'{"MaxResults": 1, "Pad": "' + b"x" * limit + b'"}'
    response = sqlite_server.call("ListUserPools", body)
    assert_error(response, 413, "InvalidParameterException", str(limit))


def test_plain_json_content_type_is_accepted(sqlite_server: LiveServer) -> None:
    response = sqlite_server.call(
        "ListUserPools", {"MaxResults": 1}, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert "UserPools" in response.json()
    assert response.headers["x-amzn-RequestId"]


def test_request_ids_are_unique(sqlite_server: LiveServer) -> None:
    ids = {
        sqlite_server.call("ListUserPools", {"MaxResults": 1}).headers["x-amzn-RequestId"]
        for _ in range(5)
    }
    assert len(ids) == 5


def test_get_on_the_api_endpoint(sqlite_server: LiveServer) -> None:
    assert_error(sqlite_server.http.get("/"), 405, "UnsupportedOperationException", "GET")


@pytest.mark.parametrize("path", ["/nope", "/nope/deeper", "/favicon.ico"])
def test_unknown_path(sqlite_server: LiveServer, path: str) -> None:
    assert_error(sqlite_server.http.get(path), 404, "ResourceNotFoundException", path)
    assert_error(sqlite_server.http.post(path, content=b"{}"), 404, "ResourceNotFoundException")


def test_internal_fault_is_a_json_500_without_details(
    sqlite_server: LiveServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals: database password is hunter2")

    monkeypatch.setattr(sqlite_server.svc.store, "get_pool", broken)
    with caplog.at_level("ERROR", logger="authpool.wire"):
        response = sqlite_server.call("DescribeUserPool", {"UserPoolId": "us-east-1_Whatever1"})
    message = assert_error(response, 500, "InternalErrorException")
    assert "hunter2" not in response.text
    assert "secret internals" not in message
    request_id = response.headers["x-amzn-RequestId"]
    assert any(request_id in record.getMessage() for record in caplog.records)


def test_boto3_sees_an_internal_fault_as_a_500(
    sqlite_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    monkeypatch.setattr(
        sqlite_server.svc.store, "get_pool", lambda *a, **k: (_ for _ in ()).throw(RuntimeError)
    )
    with pytest.raises(ClientError) as info:
        sqlite_server.client().describe_user_pool(UserPoolId="us-east-1_Whatever1")
    assert info.value.response["Error"]["Code"] == "InternalErrorException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_health(sqlite_server: LiveServer) -> None:
    response = sqlite_server.http.get("/_authpool/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
