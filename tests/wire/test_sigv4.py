"""SigV4 verification against requests signed by botocore, by boto3 and by hand.

botocore reads the time through ``botocore.auth.get_current_datetime``; the ``pin`` fixture
replaces it so that every signature is made at a known instant and verified with a matching
``now``. Nothing here reads the clock.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials

from authpool.wire.sigv4 import SignedRequest, SigV4Error, verify

AKID = "AKIAAUTHPOOLEXAMPLE1"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
KEYS = {AKID: SECRET}
T0 = datetime(2026, 1, 1, 0, 10, tzinfo=UTC)
ENDPOINT = "http://127.0.0.1:8080"
BODY = b'{"UserPoolId": "us-east-1_AbCdEf123", "Username": "alice"}'
TARGET = "AWSCognitoIdentityProviderService.AdminGetUser"
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."

Pin = Callable[[datetime], None]


@pytest.fixture
def pin(monkeypatch: pytest.MonkeyPatch) -> Pin:
    """Make botocore sign at the given instant."""

    def pin_at(when: datetime) -> None:
        naive = when.astimezone(UTC).replace(tzinfo=None)
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_a, **_k: naive)

    return pin_at


def to_wire(request: AWSRequest) -> SignedRequest:
    """What the server sees of a botocore request: the HTTP client adds Host."""
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    headers = {"Host": parts.netloc, **dict(prepared.headers.items())}
    return SignedRequest(prepared.method, parts.path, parts.query, headers, prepared.body or b"")


def sign(
    pin: Pin,
    *,
    when: datetime = T0,
    body: bytes = BODY,
    akid: str = AKID,
    secret: str = SECRET,
    token: str | None = None,
    service: str = "cognito-idp",
    region: str = "us-east-1",
    headers: Mapping[str, str] | None = None,
) -> SignedRequest:
    """Sign a Cognito JSON call the way boto3 does."""
    pin(when)
    request = AWSRequest(
        method="POST",
        url=f"{ENDPOINT}/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": TARGET,
            **(headers or {}),
        },
    )
    SigV4Auth(Credentials(akid, secret, token), service, region).add_auth(request)
    return to_wire(request)


def presign(
    pin: Pin, *, when: datetime = T0, expires: int = 300, token: str | None = None
) -> SignedRequest:
    pin(when)
    request = AWSRequest(
        method="POST",
        url=f"{ENDPOINT}/?Extra=1",
        data=b"",
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET},
    )
    credentials = Credentials(AKID, SECRET, token)
    SigV4QueryAuth(credentials, "cognito-idp", "us-east-1", expires=expires).add_auth(request)
    return to_wire(request)


def edit(request: SignedRequest, name: str, value: str | None) -> SignedRequest:
    """Replace (or, with None, drop) a header, whatever the case of its name."""
    headers = {k: v for k, v in request.headers.items() if k.lower() != name.lower()}
    if value is not None:
        headers[name] = value
    return dataclasses.replace(request, headers=headers)


def auth_header(request: SignedRequest) -> str:
    return request.headers["Authorization"]


def check(request: SignedRequest, now: datetime = T0, **kwargs: Any) -> str:
    return verify(request, lookup_secret=KEYS.get, now=now, **kwargs)


def refused(request: SignedRequest, error_type: str, now: datetime = T0, **kwargs: Any) -> str:
    with pytest.raises(SigV4Error) as caught:
        check(request, now, **kwargs)
    assert caught.value.error_type == error_type
    assert caught.value.status == 400
    assert str(caught.value) == f"{error_type}: {caught.value.message}"
    return caught.value.message


# --- accepted ---------------------------------------------------------------------------


def test_botocore_signed_request_is_accepted(pin: Pin) -> None:
    assert check(sign(pin)) == AKID


def test_published_aws_vector_get_vanilla() -> None:
    # AWS Signature Version 4 test suite, "get-vanilla": GET / signed at 20150830T123600Z.
    request = SignedRequest(
        "GET",
        "/",
        "",
        {
            "Host": "example.amazonaws.com",
            "X-Amz-Date": "20150830T123600Z",
            "Authorization": "AWS4-HMAC-SHA256 "
            "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        },
        b"",
    )
    now = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
    secrets = {"AKIDEXAMPLE": SECRET}
    assert verify(request, lookup_secret=secrets.get, now=now, service="service") == "AKIDEXAMPLE"


@pytest.mark.parametrize("offset", [timedelta(minutes=-5), timedelta(minutes=5)])
def test_skew_limits_are_inclusive(pin: Pin, offset: timedelta) -> None:
    assert check(sign(pin, when=T0 + offset)) == AKID


def test_now_in_another_zone_and_with_microseconds(pin: Pin) -> None:
    tokyo = T0.astimezone(timezone(timedelta(hours=9))) + timedelta(minutes=5, microseconds=999)
    assert check(sign(pin), now=tokyo) == AKID


def test_any_region_is_accepted(pin: Pin) -> None:
    assert check(sign(pin, region="eu-west-1")) == AKID


def test_unsigned_headers_may_change(pin: Pin) -> None:
    request = edit(sign(pin), "User-Agent", "something else")
    assert check(request) == AKID


def test_header_names_are_case_insensitive(pin: Pin) -> None:
    request = sign(pin)
    lowered = {name.lower(): value for name, value in request.headers.items()}
    assert check(dataclasses.replace(request, headers=lowered)) == AKID


def test_signed_content_sha256_header_matching_the_body(pin: Pin) -> None:
    digest = hashlib.sha256(BODY).hexdigest()
    assert check(sign(pin, headers={"X-Amz-Content-SHA256": digest})) == AKID


def test_date_header_instead_of_x_amz_date(pin: Pin) -> None:
    # botocore keeps an existing Date header and signs it instead of adding X-Amz-Date.
    request = sign(pin, headers={"Date": "placeholder"})
    assert "X-Amz-Date" not in request.headers
    assert request.headers["Date"] == formatdate(T0.timestamp())
    assert check(request) == AKID


def test_presigned_query_string(pin: Pin) -> None:
    request = presign(pin)
    assert "X-Amz-Signature=" in request.query
    assert check(request) == AKID


def test_presigned_url_lives_for_its_expiry(pin: Pin) -> None:
    request = presign(pin, expires=3600)
    assert check(request, now=T0 + timedelta(minutes=59)) == AKID


# --- signed by a real boto3 client --------------------------------------------------------


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self._body


@pytest.fixture
def boto3_client(monkeypatch: pytest.MonkeyPatch, pin: Pin) -> Iterator[tuple[Any, list[Any]]]:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/authpool-test-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/authpool-test-credentials")
    pin(T0)
    client = boto3.client(
        "cognito-idp",
        endpoint_url="http://127.0.0.1:1",
        region_name="eu-west-1",
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
    )
    sent: list[Any] = []

    def capture(request: Any, **_kwargs: Any) -> AWSResponse:
        sent.append(request)
        return AWSResponse(
            request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(b"{}")
        )

    client.meta.events.register("before-send.cognito-idp", capture)
    yield client, sent
    client.close()


def from_prepared(prepared: Any) -> SignedRequest:
    """botocore keeps some header values as bytes; on the wire they are all text."""
    parts = urlsplit(prepared.url)
    headers = {"Host": parts.netloc}
    for name, value in prepared.headers.items():
        headers[name] = value.decode("latin-1") if isinstance(value, bytes) else value
    return SignedRequest(prepared.method, parts.path, parts.query, headers, prepared.body)


def test_request_sent_by_boto3_verifies(boto3_client: tuple[Any, list[Any]]) -> None:
    client, sent = boto3_client
    client.admin_get_user(UserPoolId="eu-west-1_AbCdEf123", Username="alice")
    client.list_user_pools(MaxResults=10)
    assert len(sent) == 2
    for prepared in sent:
        request = from_prepared(prepared)
        assert "Credential=AKIAAUTHPOOLEXAMPLE1/20260101/eu-west-1/cognito-idp/aws4_request" in (
            auth_header(request)
        )
        assert check(request) == AKID
    tampered = dataclasses.replace(
        from_prepared(sent[0]), body=sent[0].body.replace(b"alice", b"mallory")
    )
    assert refused(tampered, "InvalidSignatureException") == MISMATCH


# --- an independent signer, for what botocore never sends ---------------------------------


def hand_sign(
    headers: list[tuple[str, str]], *, secret: str = SECRET, body: bytes = BODY
) -> SignedRequest:
    """The SigV4 algorithm as AWS documents it, with repeated headers joined by commas."""
    stamp = T0.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{stamp[:8]}/us-east-1/cognito-idp/aws4_request"
    values: dict[str, list[str]] = {}
    for name, value in [*headers, ("X-Amz-Date", stamp)]:
        values.setdefault(name.lower(), []).append(" ".join(value.split()))
    names = sorted(values)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            *(f"{name}:{','.join(values[name])}" for name in names),
            "",
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in [stamp[:8], "us-east-1", "cognito-idp", "aws4_request"]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={AKID}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )

    class Repeating(dict[str, str]):
        """A mapping whose items() repeats names, as Starlette's Headers does."""

        def items(self) -> Any:
            return [*headers, ("X-Amz-Date", stamp), ("Authorization", authorization)]

    return SignedRequest("POST", "/", "", Repeating(), body)


BASE = [("Host", "127.0.0.1:8080"), ("Content-Type", "application/x-amz-json-1.1")]


def test_signed_user_agent_is_honoured() -> None:
    # botocore never signs User-Agent, but the AWS SDK for Java v1 does.
    request = hand_sign([*BASE, ("User-Agent", "aws-sdk-java/1.12")])
    assert "user-agent" in auth_header_of(request)
    assert check(request) == AKID


def test_repeated_signed_header_is_joined_with_commas() -> None:
    request = hand_sign([*BASE, ("X-Custom", "one"), ("X-Custom", "two  three")])
    assert check(request) == AKID


def test_hand_signer_agrees_with_a_wrong_secret_being_refused() -> None:
    assert refused(hand_sign(BASE, secret="not-the-secret"), "InvalidSignatureException") == (
        MISMATCH
    )


def test_duplicated_host_is_refused() -> None:
    request = hand_sign([*BASE, ("Host", "evil.example")])
    assert refused(request, "InvalidSignatureException") == MISMATCH


def auth_header_of(request: SignedRequest) -> str:
    return dict(request.headers.items())["Authorization"]


# --- refused: signature mismatch ----------------------------------------------------------


def test_wrong_secret(pin: Pin) -> None:
    assert refused(sign(pin, secret="not-the-secret"), "InvalidSignatureException") == MISMATCH


def test_edited_body(pin: Pin) -> None:
    request = dataclasses.replace(sign(pin), body=BODY.replace(b"alice", b"mallory"))
    assert refused(request, "InvalidSignatureException") == MISMATCH


def test_edited_target(pin: Pin) -> None:
    request = edit(sign(pin), "X-Amz-Target", "AWSCognitoIdentityProviderService.AdminDeleteUser")
    assert refused(request, "InvalidSignatureException") == MISMATCH


@pytest.mark.parametrize(
    ("name", "value"), [("Content-Type", "application/json"), ("Host", "evil.example")]
)
def test_edited_signed_header(pin: Pin, name: str, value: str) -> None:
    assert refused(edit(sign(pin), name, value), "InvalidSignatureException") == MISMATCH


def test_removed_signed_header(pin: Pin) -> None:
    # Without X-Amz-Date the Date header is read instead: same instant, but x-amz-date is
    # listed as signed and no longer there.
    request = edit(edit(sign(pin), "X-Amz-Date", None), "Date", formatdate(T0.timestamp()))
    assert refused(request, "InvalidSignatureException") == MISMATCH


def test_edited_method_or_path_or_query(pin: Pin) -> None:
    request = sign(pin)
    for changed in (
        dataclasses.replace(request, method="PUT"),
        dataclasses.replace(request, path="/other"),
        dataclasses.replace(request, query="a=1"),
    ):
        assert refused(changed, "InvalidSignatureException") == MISMATCH


@pytest.mark.parametrize("path", ["/?", "/#x", "relative"])
def test_path_that_does_not_round_trip(pin: Pin, path: str) -> None:
    request = dataclasses.replace(sign(pin), path=path)
    assert refused(request, "InvalidSignatureException") == MISMATCH


def test_unsigned_payload_is_refused(pin: Pin) -> None:
    # A valid signature over "UNSIGNED-PAYLOAD" would leave the body unprotected.
    request = sign(pin, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert refused(request, "InvalidSignatureException") == MISMATCH


@pytest.mark.parametrize(
    "signed_headers",
    [
        "host;content-type;x-amz-date;x-amz-target",  # unsorted
        "content-type;Host;host;x-amz-date;x-amz-target",  # not lowercase
        "content-type;host;host;x-amz-date;x-amz-target",  # repeated
        "content-type;host;x-amz-date;x-amz-target;x-absent",  # not in the request
    ],
)
def test_malformed_signed_headers_list(pin: Pin, signed_headers: str) -> None:
    request = sign(pin)
    header = auth_header(request).replace(
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target", f"SignedHeaders={signed_headers}"
    )
    assert refused(edit(request, "Authorization", header), "InvalidSignatureException") == MISMATCH


def test_non_ascii_signature(pin: Pin) -> None:
    request = sign(pin)
    header = auth_header(request).rsplit("=", 1)[0] + "=é\udc80"
    assert refused(edit(request, "Authorization", header), "InvalidSignatureException") == MISMATCH


# --- refused: unknown credentials ---------------------------------------------------------


UNRECOGNIZED = "The security token included in the request is invalid."


def test_unknown_access_key(pin: Pin) -> None:
    assert refused(sign(pin, akid="AKIAUNKNOWNKEY000000"), "UnrecognizedClientException") == (
        UNRECOGNIZED
    )


def test_revoked_access_key(pin: Pin) -> None:
    request = sign(pin)
    with pytest.raises(SigV4Error) as caught:
        verify(request, lookup_secret=lambda _akid: None, now=T0)
    assert (caught.value.error_type, caught.value.message) == (
        "UnrecognizedClientException",
        UNRECOGNIZED,
    )


def test_session_token_is_refused(pin: Pin) -> None:
    request = sign(pin, token="FwoGZXIvYXdzEXAMPLE")
    assert "X-Amz-Security-Token" in request.headers
    assert refused(request, "UnrecognizedClientException") == UNRECOGNIZED


# --- refused: missing or malformed Authorization ------------------------------------------


def test_missing_authorization(pin: Pin) -> None:
    request = edit(sign(pin), "Authorization", None)
    assert refused(request, "MissingAuthenticationTokenException") == "Missing Authentication Token"


def test_blank_authorization_counts_as_missing(pin: Pin) -> None:
    request = edit(sign(pin), "Authorization", "   ")
    assert refused(request, "MissingAuthenticationTokenException") == "Missing Authentication Token"


def test_truncated_authorization(pin: Pin) -> None:
    request = sign(pin)
    truncated = auth_header(request).split(",")[0]
    message = refused(edit(request, "Authorization", truncated), "IncompleteSignatureException")
    assert message == (
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization=AWS4-HMAC-SHA256"
    )


def test_algorithm_alone(pin: Pin) -> None:
    request = edit(edit(sign(pin), "Authorization", "AWS4-HMAC-SHA256"), "X-Amz-Date", None)
    assert refused(request, "IncompleteSignatureException") == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256"
    )


@pytest.mark.parametrize("scheme", ["Bearer eyJhbGciOi", "AWS4-HMAC-SHA512 Credential=x"])
def test_unsupported_algorithm(pin: Pin, scheme: str) -> None:
    request = edit(sign(pin), "Authorization", scheme)
    algorithm = scheme.split()[0]
    assert refused(request, "IncompleteSignatureException") == (
        f"Unsupported AWS 'algorithm': '{algorithm}'."
    )


def test_space_inside_credential(pin: Pin) -> None:
    request = sign(pin)
    broken = auth_header(request).replace(f"{AKID}/", f"{AKID} /")
    message = refused(edit(request, "Authorization", broken), "IncompleteSignatureException")
    assert message == (
        "'/20260101/us-east-1/cognito-idp/aws4_request' not a valid key=value pair "
        f"(missing equal-sign) in Authorization header: '{broken}'."
    )


def test_two_authorization_headers(pin: Pin) -> None:
    request = sign(pin)
    doubled = dict(request.headers) | {"authorization": auth_header(request)}
    message = refused(dataclasses.replace(request, headers=doubled), "IncompleteSignatureException")
    assert message.startswith("'AWS4-HMAC-SHA256' not a valid key=value pair")


@pytest.mark.parametrize("value", ["2026-01-01T00:10:00Z", "20261301T001000Z"])
def test_malformed_x_amz_date(pin: Pin, value: str) -> None:
    request = edit(sign(pin), "X-Amz-Date", value)
    assert refused(request, "IncompleteSignatureException") == (
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def test_malformed_date_header(pin: Pin) -> None:
    request = edit(sign(pin, headers={"Date": "x"}), "Date", "yesterday")
    assert refused(request, "IncompleteSignatureException") == (
        "Date must be in ISO-8601 'basic format'. Got 'yesterday'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def test_host_not_signed(pin: Pin) -> None:
    request = sign(pin)
    header = auth_header(request).replace(
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target",
        "SignedHeaders=content-type;x-amz-date;x-amz-target",
    )
    assert refused(edit(request, "Authorization", header), "InvalidSignatureException") == (
        HOST_NOT_SIGNED
    )


# --- refused: time ------------------------------------------------------------------------


def test_expired(pin: Pin) -> None:
    request = sign(pin, when=T0 - timedelta(minutes=6))
    assert refused(request, "InvalidSignatureException") == (
        "Signature expired: 20260101T000400Z is now earlier than 20260101T000500Z "
        "(20260101T001000Z - 5 min.)"
    )


def test_brief_example_message(pin: Pin) -> None:
    request = sign(pin, when=datetime(2026, 1, 1, tzinfo=UTC))
    assert refused(request, "InvalidSignatureException") == (
        "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z "
        "(20260101T001000Z - 5 min.)"
    )


def test_not_yet_current(pin: Pin) -> None:
    request = sign(pin, when=T0 + timedelta(minutes=6))
    assert refused(request, "InvalidSignatureException") == (
        "Signature not yet current: 20260101T001600Z is still later than 20260101T001500Z "
        "(20260101T001000Z + 5 min.)"
    )


def test_custom_skew(pin: Pin) -> None:
    request = sign(pin, when=T0 - timedelta(minutes=6))
    assert check(request, max_skew=timedelta(minutes=15)) == AKID


def test_naive_now_is_a_programming_error(pin: Pin) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check(sign(pin), now=T0.replace(tzinfo=None))


# --- refused: credential scope ------------------------------------------------------------


def rescope(request: SignedRequest, scope: str) -> SignedRequest:
    old = f"{AKID}/20260101/us-east-1/cognito-idp/aws4_request"
    return edit(request, "Authorization", auth_header(request).replace(old, scope))


def test_wrong_service_in_scope(pin: Pin) -> None:
    request = sign(pin, service="cognito-identity")
    assert refused(request, "InvalidSignatureException") == (
        "Credential should be scoped to correct service: 'cognito-idp'. "
    )


def test_scope_date_not_matching(pin: Pin) -> None:
    request = rescope(sign(pin), f"{AKID}/20251231/us-east-1/cognito-idp/aws4_request")
    assert refused(request, "InvalidSignatureException") == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20251231' != '20260101', from '20260101T001000Z'. "
    )


def test_every_scope_problem_at_once(pin: Pin) -> None:
    request = rescope(sign(pin), f"{AKID}/2026-01-01//sts/aws5_request")
    assert refused(request, "InvalidSignatureException") == (
        "Credential should be scoped to a valid region, not ''. "
        "Credential should be scoped to correct service: 'cognito-idp'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '2026-01-01' != '20260101', from '20260101T001000Z'. "
    )


@pytest.mark.parametrize("credential", [AKID, f"{AKID}/20260101/us-east-1/cognito-idp"])
def test_credential_without_five_parts(pin: Pin, credential: str) -> None:
    request = rescope(sign(pin), credential)
    assert refused(request, "IncompleteSignatureException") == (
        "Credential must have exactly 5 slash-delimited elements, "
        f"e.g. keyid/date/region/service/term, got '{credential}'"
    )


def test_service_is_configurable(pin: Pin) -> None:
    request = sign(pin, service="cognito-identity")
    assert check(request, service="cognito-identity") == AKID


# --- presigned query string ---------------------------------------------------------------


def test_presigned_with_tampered_query(pin: Pin) -> None:
    request = presign(pin)
    tampered = dataclasses.replace(request, query=request.query.replace("Extra=1", "Extra=2"))
    assert refused(tampered, "InvalidSignatureException") == MISMATCH


def test_presigned_after_expiry(pin: Pin) -> None:
    request = presign(pin, expires=90)
    assert refused(request, "InvalidSignatureException", now=T0 + timedelta(seconds=91)) == (
        "Signature expired: 20260101T001000Z is now earlier than 20260101T001001Z "
        "(20260101T001131Z - 90 sec.)"
    )


def test_presigned_with_session_token(pin: Pin) -> None:
    request = presign(pin, token="FwoGZXIvYXdzEXAMPLE")
    assert refused(request, "UnrecognizedClientException") == UNRECOGNIZED


def drop_params(request: SignedRequest, *names: str) -> SignedRequest:
    pairs = [p for p in request.query.split("&") if p.partition("=")[0] not in names]
    return dataclasses.replace(request, query="&".join(pairs))


def test_presigned_without_required_parameters(pin: Pin) -> None:
    request = drop_params(presign(pin), "X-Amz-Credential", "X-Amz-Date")
    assert refused(request, "IncompleteSignatureException") == (
        "AWS query-string parameters must include 'X-Amz-Credential'. "
        "AWS query-string parameters must include 'X-Amz-Date'. "
        "Re-examine the query-string parameters."
    )


def test_presigned_without_algorithm_is_unauthenticated(pin: Pin) -> None:
    request = drop_params(presign(pin), "X-Amz-Algorithm")
    assert refused(request, "MissingAuthenticationTokenException") == "Missing Authentication Token"


def test_presigned_unsupported_algorithm(pin: Pin) -> None:
    request = presign(pin)
    changed = request.query.replace("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS2")
    assert refused(dataclasses.replace(request, query=changed), "IncompleteSignatureException") == (
        "Unsupported AWS 'algorithm': 'AWS2'."
    )


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        ("-1", "X-Amz-Expires should be a number"),
        ("soon", "X-Amz-Expires should be a number"),
        ("604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
    ],
)
def test_presigned_bad_expiry(pin: Pin, expires: str, message: str) -> None:
    request = presign(pin)
    changed = request.query.replace("X-Amz-Expires=300", f"X-Amz-Expires={expires}")
    query_request = dataclasses.replace(request, query=changed)
    assert refused(query_request, "IncompleteSignatureException") == message


def test_presigned_longest_expiry_is_accepted(pin: Pin) -> None:
    request = presign(pin, expires=604800)
    assert check(request, now=T0 + timedelta(days=7)) == AKID


def test_presigned_without_expires_uses_the_clock_skew(pin: Pin) -> None:
    # botocore always sends X-Amz-Expires; build one without it from botocore's signing steps.
    stamp = "20260101T001000Z"
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={AKID}%2F20260101%2Fus-east-1%2Fcognito-idp%2Faws4_request"
        f"&X-Amz-Date={stamp}&X-Amz-SignedHeaders=host"
    )
    unsigned = AWSRequest(method="GET", url=f"{ENDPOINT}/?{query}")
    unsigned.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(AKID, SECRET), "cognito-idp", "us-east-1")
    to_sign = signer.string_to_sign(unsigned, signer.canonical_request(unsigned))
    signature = signer.signature(to_sign, unsigned)
    request = SignedRequest(
        "GET", "/", f"{query}&X-Amz-Signature={signature}", {"Host": "127.0.0.1:8080"}, b""
    )
    assert check(request) == AKID
    assert refused(request, "InvalidSignatureException", now=T0 + timedelta(minutes=6)) == (
        "Signature expired: 20260101T001000Z is now earlier than 20260101T001100Z "
        "(20260101T001600Z - 5 min.)"
    )
