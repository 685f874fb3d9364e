"""AWS Signature Version 4 verification for the operations AWS reserves for IAM callers.

:func:`verify` checks one request signed with an access key that authpool issued and returns
that key's id. The signature is recomputed with botocore's own signer
(:class:`botocore.auth.SigV4Auth`) over exactly the headers the client listed, the body's real
SHA-256, and the timestamp the client signed; it is then compared in constant time. Both forms
are accepted: the ``Authorization: AWS4-HMAC-SHA256 ...`` header and the presigned query string
(``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-SignedHeaders``,
``X-Amz-Signature`` and optionally ``X-Amz-Expires``). Any region in the credential scope is
accepted; the scope's service must be ``service``. ``host`` must be signed, and the body is
always bound: a ``X-Amz-Content-SHA256`` value other than the body's hash (``UNSIGNED-PAYLOAD``
included) is refused. authpool issues no session tokens, so a request carrying
``X-Amz-Security-Token`` is refused like an unknown key.

Errors, as AWS JSON services return them (what we found, and where)
-------------------------------------------------------------------

Checks run in the order AWS applies them, as written down by scratchstack-aws-signature, a
server-side reimplementation that copies AWS's messages and ordering
(github.com/dacut/scratchstack-aws-signature: src/constants.rs, src/error.rs and the
``error_ordering_auth_header`` test in src/signature.rs, which follows its "AWS Auth Error
Ordering" document): no credentials, algorithm, key=value syntax, required parameters, host
signed, date format, clock skew, credential shape, credential scope, key, signature. That
library models the query-protocol services (``SignatureDoesNotMatch``, 403); the names and
statuses below are the JSON-protocol ones, taken from real responses:

``MissingAuthenticationTokenException``, 400, ``Missing Authentication Token``
    Cognito's message with anonymous credentials: aws/aws-sdk-net-extensions-cognito#95
    (ListUsers), aws/aws-aspnet-cognito-identity-provider#155 and #66. The status is not shown
    there; DynamoDB, another JSON service, answers 400 (awslabs/amazon-kinesis-client#351,
    amazon-archives/aws-dynamodb-session-tomcat#42: "Status Code: 400; Error Code:
    MissingAuthenticationTokenException"). AWS's "Common Errors" pages say 403 for the
    query-protocol ``MissingAuthenticationToken``, and API Gateway and Lambda answer 403; we
    follow the JSON services.
``IncompleteSignatureException``, 400
    ``Unsupported AWS 'algorithm': 'X'.``; ``'part' not a valid key=value pair (missing
    equal-sign) in Authorization header: '<header>'.`` (iann0036/cloud9-sync#10 shows status
    400 from a JSON 1.1 service; aws/aws-sdk-go#289, awslabs/fhir-works-on-aws-deployment#379);
    ``Authorization header requires 'Credential' parameter. ... Authorization header requires
    existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=...``
    (aws/chalice#828, brendanhay/amazonka#316); ``Date must be in ISO-8601 'basic format'.
    Got '...'. See http://en.wikipedia.org/wiki/ISO_8601``; ``Credential must have exactly 5
    slash-delimited elements, e.g. keyid/date/region/service/term, got '...'``;
    ``AWS query-string parameters must include 'X-Amz-Credential'. Re-examine the query-string
    parameters.`` (the last three from scratchstack only).
``InvalidSignatureException``, 400
    ``The request signature we calculated does not match the signature you provided. Check
    your AWS Secret Access Key and signing method. Consult the service documentation for
    details.`` (aws/aws-sdk-js#1985 on AdminInitiateAuth, aws/aws-sdk-js#168);
    ``Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z
    (20260101T001000Z - 5 min.)`` (aws/aws-sdk-js#254 shows status 400,
    remind101/logspout-kinesis#21, boto/botocore#3587); ``Signature not yet current:
    20181120T211543Z is still later than 20181120T211529Z (20181120T211029Z + 5 min.)``
    (serverless/enterprise#11); ``Credential should be scoped to correct service:
    'cognito-idp'. `` with its trailing space (disneystreaming/smithy4s#1568 and
    JuliaCloud/AWS.jl#334 show the status 400 and content type application/x-amz-json-1.1);
    ``Credential should be scoped to a valid region, not 'x'. `` (Kong/insomnia#713 shows
    two such sentences run together); ``Credential should be scoped with a valid terminator:
    'aws4_request', not 'x'. ``; ``Date in Credential scope does not match YYYYMMDD from
    ISO-8601 version of date from HTTP: 'a' != 'b', from '...'. `` (AWS IAM user guide,
    "Troubleshoot signed requests for AWS APIs", and scratchstack for the details);
    ``'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.``
    (aws/aws-sdk-php#2469: DynamoDB, 400, ``InvalidSignatureException``).
``UnrecognizedClientException``, 400, ``The security token included in the request is invalid.``
    Cognito's answer for an unknown key: aws/aws-sdk-php#2444 (ListUsers) and
    ArranJacques/laravel-aws-cognito-auth#25 (AdminInitiateAuth), both "400 Bad Request".

Our own choices where AWS's behaviour was not found: a duplicated ``Host`` header, a signed
header that is missing, a ``SignedHeaders`` list that is not lowercase, sorted and unique,
and a path or query that cannot round-trip through a URL all get the opaque
signature-mismatch error; the presigned ``X-Amz-Expires`` messages are S3's; a presigned
request older than ``X-Amz-Expires`` gets the "Signature expired" wording with the window in
seconds when it is not whole minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit, urlunsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

__all__ = ["SigV4Error", "SignedRequest", "verify"]

MISSING_AUTHENTICATION_TOKEN = "MissingAuthenticationTokenException"
INCOMPLETE_SIGNATURE = "IncompleteSignatureException"
INVALID_SIGNATURE = "InvalidSignatureException"
UNRECOGNIZED_CLIENT = "UnrecognizedClientException"

_ALGORITHM = "AWS4-HMAC-SHA256"
_TERMINATOR = "aws4_request"
_TIMESTAMP = "%Y%m%dT%H%M%SZ"
_ISO_BASIC = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_MAX_EXPIRES = 604800  # one week, the longest presigned lifetime AWS allows
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
_HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
# Only the Host header goes into the canonical request; the URL's host is never read.
_PLACEHOLDER_HOST = "authpool.invalid"


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """One HTTP request as it arrived.

    ``path`` and ``query`` are the raw request target, still percent-encoded (``"/"`` and
    ``""`` for Cognito's JSON calls), because the client signed them encoded. ``headers`` is
    looked up case-insensitively; a mapping whose ``items()`` yields a name twice (as
    Starlette's ``Headers`` does for a repeated header) is seen as a repeated header.
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


class SigV4Error(Exception):
    """A refused request: ``error_type`` is the wire ``__type``, ``status`` the HTTP status."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class _Auth:
    """The signature parameters, from the Authorization header or the query string."""

    credential: str
    signed_headers: str
    signature: str
    timestamp: str
    http_date: bool  # ``timestamp`` came from a ``Date`` header, not ``X-Amz-Date``
    query: str  # the query string the client signed (presigned: without X-Amz-Signature)
    expires: timedelta | None
    security_token: bool


class _Signer(SigV4Auth):  # type: ignore[misc]  # botocore ships no type hints
    """botocore's signer, told which headers the client signed and what the body hashes to.

    botocore would otherwise pick the headers itself (dropping ``user-agent``, which some SDKs
    sign) and hash ``request.body``; everything else is botocore's own canonicalization.
    """

    def __init__(
        self,
        credentials: Credentials,
        service: str,
        region: str,
        signed: HTTPHeaders,
        payload_hash: str,
    ) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed
        self._payload_hash = payload_hash

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        return self._signed

    def payload(self, request: AWSRequest) -> str:
        return self._payload_hash


def verify(
    request: SignedRequest,
    *,
    lookup_secret: Callable[[str], str | None],
    now: datetime,
    service: str = "cognito-idp",
    max_skew: timedelta = timedelta(minutes=5),
) -> str:
    """Return the access key id that validly signed ``request``, or raise :class:`SigV4Error`.

    ``lookup_secret`` maps an access key id to its secret, or to None when the key is unknown
    or revoked. ``now`` must be timezone-aware.
    """
    if now.tzinfo is None:
        raise ValueError("verify needs a timezone-aware 'now'")
    headers = _lowercase(request.headers)
    auth = _parse(request.query, headers)
    if "host" not in auth.signed_headers.split(";"):
        raise _invalid(_HOST_NOT_SIGNED)
    when = _request_time(auth)
    _check_window(when, now, max_skew, auth.expires)
    access_key, region = _check_scope(auth.credential, when, service)
    secret = None if auth.security_token else lookup_secret(access_key)
    if secret is None:
        raise SigV4Error(
            UNRECOGNIZED_CLIENT, "The security token included in the request is invalid."
        )
    expected = _expected_signature(
        request, headers, auth, when, (access_key, secret), region, service
    )
    given = auth.signature.encode("utf-8", "replace")
    if not hmac.compare_digest(expected.encode("ascii"), given):
        raise _invalid(_MISMATCH)
    return access_key


def _incomplete(message: str) -> SigV4Error:
    return SigV4Error(INCOMPLETE_SIGNATURE, message)


def _invalid(message: str) -> SigV4Error:
    return SigV4Error(INVALID_SIGNATURE, message)


def _lowercase(headers: Mapping[str, str]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in headers.items():
        values.setdefault(name.lower(), []).append(value)
    return values


def _parse(query: str, headers: dict[str, list[str]]) -> _Auth:
    # Repeated Authorization headers are combined as HTTP combines any list field; the
    # second algorithm token then fails the key=value syntax check.
    header = ", ".join(headers.get("authorization", [])).strip()
    if header:
        return _from_header(header, headers, query)
    params = _query_params(query)
    if "X-Amz-Algorithm" in params:
        return _from_query(params, query)
    raise SigV4Error(MISSING_AUTHENTICATION_TOKEN, "Missing Authentication Token")


def _from_header(header: str, headers: dict[str, list[str]], query: str) -> _Auth:
    algorithm, *rest = header.split(maxsplit=1)
    if algorithm != _ALGORITHM:
        raise _incomplete(f"Unsupported AWS 'algorithm': '{algorithm}'.")
    fields: dict[str, str] = {}
    for part in filter(None, re.split(r"[\s,]+", "".join(rest))):
        key, equals, value = part.partition("=")
        if not equals:
            raise _incomplete(
                f"'{part}' not a valid key=value pair (missing equal-sign) "
                f"in Authorization header: '{header}'."
            )
        fields[key] = value
    if "x-amz-date" in headers:
        timestamp, http_date = ",".join(headers["x-amz-date"]), False
    else:
        timestamp, http_date = ",".join(headers.get("date", [])), True
    missing = [
        f"Authorization header requires '{name}' parameter. "
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in fields
    ]
    if not timestamp:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        )
    if missing:
        raise _incomplete("".join(missing) + f"Authorization={algorithm}")
    return _Auth(
        credential=fields["Credential"],
        signed_headers=fields["SignedHeaders"],
        signature=fields["Signature"],
        timestamp=timestamp,
        http_date=http_date,
        query=query,
        expires=None,
        security_token="x-amz-security-token" in headers,
    )


def _query_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        params[unquote(name)] = unquote(value)
    return params


def _from_query(params: dict[str, str], query: str) -> _Auth:
    algorithm = params["X-Amz-Algorithm"]
    if algorithm != _ALGORITHM:
        raise _incomplete(f"Unsupported AWS 'algorithm': '{algorithm}'.")
    required = ("X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
    missing = [
        f"AWS query-string parameters must include '{name}'. "
        for name in required
        if name not in params
    ]
    if missing:
        raise _incomplete("".join(missing) + "Re-examine the query-string parameters.")
    signed_query = "&".join(
        pair for pair in query.split("&") if unquote(pair.partition("=")[0]) != "X-Amz-Signature"
    )
    return _Auth(
        credential=params["X-Amz-Credential"],
        signed_headers=params["X-Amz-SignedHeaders"],
        signature=params["X-Amz-Signature"],
        timestamp=params["X-Amz-Date"],
        http_date=False,
        query=signed_query,
        expires=_expires(params.get("X-Amz-Expires")),
        security_token="X-Amz-Security-Token" in params,
    )


def _expires(raw: str | None) -> timedelta | None:
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]+", raw):
        raise _incomplete("X-Amz-Expires should be a number")
    if int(raw) > _MAX_EXPIRES:
        raise _incomplete(
            f"X-Amz-Expires must be less than a week (in seconds) that is {_MAX_EXPIRES}"
        )
    return timedelta(seconds=int(raw))


def _request_time(auth: _Auth) -> datetime:
    try:
        if auth.http_date:
            utc = parsedate_to_datetime(auth.timestamp).utctimetuple()
            return datetime(*utc[:6], tzinfo=UTC)
        if _ISO_BASIC.fullmatch(auth.timestamp):
            return datetime.strptime(auth.timestamp, _TIMESTAMP).replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        pass
    raise _incomplete(
        f"Date must be in ISO-8601 'basic format'. Got '{auth.timestamp}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def _stamp(when: datetime) -> str:
    return when.strftime(_TIMESTAMP)


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} sec"


def _check_window(
    when: datetime, now: datetime, max_skew: timedelta, expires: timedelta | None
) -> None:
    now = now.astimezone(UTC).replace(microsecond=0)
    past = max_skew if expires is None else expires
    if when < now - past:
        raise _invalid(
            f"Signature expired: {_stamp(when)} is now earlier than {_stamp(now - past)} "
            f"({_stamp(now)} - {_span(past)}.)"
        )
    if when > now + max_skew:
        raise _invalid(
            f"Signature not yet current: {_stamp(when)} is still later than "
            f"{_stamp(now + max_skew)} ({_stamp(now)} + {_span(max_skew)}.)"
        )


def _check_scope(credential: str, when: datetime, service: str) -> tuple[str, str]:
    parts = credential.split("/")
    if len(parts) != 5:
        raise _incomplete(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    access_key, day, region, scoped_service, terminator = parts
    stamp = _stamp(when)
    problems: list[str] = []
    if not region:
        problems.append(f"Credential should be scoped to a valid region, not '{region}'. ")
    if scoped_service != service:
        problems.append(f"Credential should be scoped to correct service: '{service}'. ")
    if terminator != _TERMINATOR:
        problems.append(
            f"Credential should be scoped with a valid terminator: '{_TERMINATOR}', "
            f"not '{terminator}'. "
        )
    if day != stamp[:8]:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{day}' != '{stamp[:8]}', from '{stamp}'. "
        )
    if problems:
        raise _invalid("".join(problems))
    return access_key, region


def _expected_signature(
    request: SignedRequest,
    headers: dict[str, list[str]],
    auth: _Auth,
    when: datetime,
    key: tuple[str, str],
    region: str,
    service: str,
) -> str:
    """The signature the client should have sent, computed by botocore's signer."""
    payload_hash = hashlib.sha256(request.body).hexdigest()
    url = urlunsplit(("http", _PLACEHOLDER_HOST, request.path, auth.query, ""))
    target = urlsplit(url)
    if (
        len(headers.get("host", [])) > 1
        or any(value != payload_hash for value in headers.get("x-amz-content-sha256", []))
        or (target.path, target.query) != (request.path, auth.query)
    ):
        raise _invalid(_MISMATCH)
    signed = HTTPHeaders()
    for name in auth.signed_headers.split(";"):
        for value in headers.get(name, []):
            signed[name] = value  # HTTPHeaders appends: repeated headers stay repeated
    signer = _Signer(Credentials(*key), service, region, signed, payload_hash)
    if signer.signed_headers(signed) != auth.signed_headers:
        raise _invalid(_MISMATCH)  # a listed header is absent, repeated, unsorted or uppercase
    aws_request = AWSRequest(method=request.method, url=url, headers=signed)
    aws_request.context["timestamp"] = _stamp(when)
    canonical = signer.canonical_request(aws_request)
    return str(signer.signature(signer.string_to_sign(aws_request, canonical), aws_request))
