"""SigV4 on the admin operations, end to end: the errors AWS answers (as documented in
``authpool.wire.sigv4``), access keys that are unknown or revoked, clock skew, and the
operations Cognito leaves unsigned."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.support.badinputs import valid_input
from tests.support.server import (
    JSON_TYPE,
    TARGET_PREFIX,
    LiveServer,
    boto_client,
    signed_headers,
)

from authpool.domain import access_keys
from authpool.wire import model

SIGNATURE_ERRORS = {
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "UnrecognizedClientException",
}
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
UNSIGNED_OPERATIONS = sorted(
    name for name in model.operation_names() if model.operation_model(name).auth_type == "none"
)


def refused(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    response = info.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-errortype"] == response["Error"]["Code"]
    assert headers["x-amzn-requestid"]
    return response["Error"]["Code"], response["Error"]["Message"]


def test_right_signature_is_accepted(server: LiveServer) -> None:
    answer = server.client().list_user_pools(MaxResults=1)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def test_any_region_in_the_credential_scope_is_accepted(server: LiveServer) -> None:
    client = boto_client(server.url, server.admin_key, region="eu-west-1")
    assert client.list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_wrong_secret(server: LiveServer) -> None:
    client = server.client((server.admin_key.access_key_id, "x" * 40))
    with pytest.raises(ClientError) as info:
        client.list_user_pools(MaxResults=1)
    assert refused(info) == ("InvalidSignatureException", MISMATCH)


def test_missing_signature(server: LiveServer) -> None:
    with pytest.raises(ClientError) as info:
        server.anon_client().list_user_pools(MaxResults=1)
    assert refused(info) == ("MissingAuthenticationTokenException", "Missing Authentication Token")


def test_unknown_key(server: LiveServer) -> None:
    client = server.client(("AKIAUNKNOWNKEY000000", "y" * 40))
    with pytest.raises(ClientError) as info:
        client.list_user_pools(MaxResults=1)
    assert refused(info) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


def test_revoked_key_is_refused_from_then_on(server: LiveServer) -> None:
    key = server.new_key("short-lived")
    client = server.client(key)
    client.list_user_pools(MaxResults=1)
    access_keys.revoke(server.svc, key.access_key_id)
    with pytest.raises(ClientError) as info:
        client.list_user_pools(MaxResults=1)
    assert refused(info)[0] == "UnrecognizedClientException"
    # The admin key is untouched.
    server.client().list_user_pools(MaxResults=1)


def test_session_token_is_refused(server: LiveServer) -> None:
    client = boto_client(server.url, server.admin_key, session_token="FwoGZXIvYXdzEXAMPLE")
    with pytest.raises(ClientError) as info:
        client.list_user_pools(MaxResults=1)
    assert refused(info)[0] == "UnrecognizedClientException"


def test_signature_older_than_five_minutes_has_expired(server: LiveServer) -> None:
    client = server.client()
    server.clock.advance(6 * 60)
    with pytest.raises(ClientError) as info:
        client.list_user_pools(MaxResults=1)
    code, message = refused(info)
    assert code == "InvalidSignatureException"
    assert message.startswith("Signature expired: ")
    assert message.endswith(" - 5 min.)")


def test_signature_from_the_future_is_not_yet_current(server: LiveServer) -> None:
    client = server.client()
    server.clock.advance(-6 * 60)
    with pytest.raises(ClientError) as info:
        client.list_user_pools(MaxResults=1)
    code, message = refused(info)
    assert code == "InvalidSignatureException"
    assert message.startswith("Signature not yet current: ")


@pytest.mark.parametrize("skew", [-4 * 60, 4 * 60])
def test_skew_within_five_minutes_is_tolerated(server: LiveServer, skew: int) -> None:
    client = server.client()
    server.clock.advance(skew)
    assert client.list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200


def _raw_headers(server: LiveServer, body: bytes, **kwargs: Any) -> dict[str, str]:
    return signed_headers(
        server.url + "/",
        body,
        server.admin_key,
        headers={"Content-Type": JSON_TYPE, "X-Amz-Target": TARGET_PREFIX + "ListUserPools"},
        **kwargs,
    )


def test_body_changed_after_signing(server: LiveServer) -> None:
    headers = _raw_headers(server, b'{"MaxResults": 1}')
    response = server.http.post("/", content=b'{"MaxResults": 2}', headers=headers)
    assert response.status_code == 400
    assert response.json() == {"__type": "InvalidSignatureException", "message": MISMATCH}
    assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_credential_scoped_to_another_service(server: LiveServer) -> None:
    body = b'{"MaxResults": 1}'
    headers = _raw_headers(server, body, service="execute-api")
    response = server.http.post("/", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidSignatureException"
    assert response.json()["message"] == (
        "Credential should be scoped to correct service: 'cognito-idp'. "
    )


def test_authorization_of_another_scheme(server: LiveServer) -> None:
    response = server.call(
        "ListUserPools",
        {"MaxResults": 1},
        signed=False,
        headers={"Authorization": "Bearer abc.def.ghi"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "__type": "IncompleteSignatureException",
        "message": "Unsupported AWS 'algorithm': 'Bearer'.",
    }


@pytest.mark.parametrize(
    ("authorization", "fragment"),
    [
        pytest.param(
            "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=abc",
            "Authorization header requires 'Credential' parameter.",
            id="no-credential",
        ),
        pytest.param(
            "AWS4-HMAC-SHA256 Credential=AKIAX/20260101/us-east-1/cognito-idp/aws4_request "
            "SignedHeaders",
            "not a valid key=value pair",
            id="not-key-value",
        ),
    ],
)
def test_malformed_authorization(server: LiveServer, authorization: str, fragment: str) -> None:
    response = server.call(
        "ListUserPools",
        {"MaxResults": 1},
        signed=False,
        headers={"Authorization": authorization, "X-Amz-Date": "20260101T000000Z"},
    )
    assert response.status_code == 400
    assert response.json()["__type"] == "IncompleteSignatureException"
    assert fragment in response.json()["message"]


def test_every_admin_operation_needs_a_signature(server: LiveServer) -> None:
    """Each signed operation registered so far refuses an unsigned call before anything else."""
    from authpool.wire.protocol import OPERATIONS

    signed = sorted(name for name, op in OPERATIONS.items() if op.signed)
    assert "CreateUserPool" in signed
    for name in signed:
        response = server.call(name, valid_input(name), signed=False)
        assert response.status_code == 400, name
        assert response.json()["__type"] == "MissingAuthenticationTokenException", name


@pytest.mark.parametrize("operation", UNSIGNED_OPERATIONS)
def test_operations_cognito_leaves_unsigned_need_no_signature(
    sqlite_server: LiveServer, operation: str
) -> None:
    response = sqlite_server.call(operation, valid_input(operation), signed=False)
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert response.json()["__type"] not in SIGNATURE_ERRORS


def test_sign_up_through_an_unsigned_boto3_client(server: LiveServer) -> None:
    """SignUp needs no signature: an unknown client is the problem here, never the signature."""
    with pytest.raises(ClientError) as info:
        server.anon_client().sign_up(ClientId="a" * 26, Username="alice", Password="Passw0rd!")
    assert info.value.response["Error"]["Code"] not in SIGNATURE_ERRORS


def test_dev_mode_accepts_any_credentials(dev_server: LiveServer) -> None:
    unsigned = dev_server.anon_client()
    pool_id = unsigned.create_user_pool(PoolName="dev")["UserPool"]["Id"]
    stranger = dev_server.client(("AKIANOBODY0000000000", "z" * 40))
    assert stranger.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Id"] == pool_id


def test_dev_mode_outbox_needs_no_signature(dev_server: LiveServer) -> None:
    response = dev_server.http.get("/_authpool/outbox")
    assert response.status_code == 200
    assert isinstance(response.json()["messages"], list)


def test_outbox_needs_a_signature_outside_dev_mode(server: LiveServer) -> None:
    response = server.http.get("/_authpool/outbox")
    assert response.status_code == 400
    assert response.json()["__type"] == "MissingAuthenticationTokenException"

    url = server.url + "/_authpool/outbox"
    headers = signed_headers(url, b"", server.admin_key, headers={}, method="GET")
    response = server.http.get("/_authpool/outbox", headers=headers)
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["messages"], list)
