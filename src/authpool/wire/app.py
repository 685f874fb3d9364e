"""The HTTP application: AWS JSON 1.1 on ``POST /``, the well-known documents, the outbox.

Everything the protocol needs happens here and only here: target lookup, body parsing,
validation against the Cognito model, the SigV4 check, conversion to and from the domain's
snake_case, and rendering errors as ``{"__type", "message"}`` with ``x-amzn-ErrorType``.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from authpool.domain import access_keys, outbox, pools
from authpool.domain.context import Services
from authpool.domain.errors import CognitoError
from authpool.domain.ratelimit import Limiter, RateLimits
from authpool.tokens import jwks
from authpool.wire import guard, handlers, migration, model, shapes, sigv4, validation
from authpool.wire.protocol import OPERATIONS, TARGET_PREFIX, Call, Operation
from authpool.wire.threads import in_thread

log = logging.getLogger("authpool.wire")

JSON_TYPE = "application/x-amz-json-1.1"
CORS_HEADERS = [
    "authorization",
    "cache-control",
    "content-type",
    "x-amz-target",
    "x-amz-user-agent",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
]
EXPOSE_HEADERS = ["x-amzn-RequestId", "x-amzn-ErrorType", "x-amzn-ErrorMessage", "Date"]

handlers.load()


def error_response(
    code: str,
    message: str,
    status: int = 400,
    *,
    request_id: str,
    extra: dict[str, str] | None = None,
) -> Response:
    headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": code, **(extra or {})}
    return Response(
        json.dumps({"__type": code, "message": message}),
        status_code=status,
        media_type=JSON_TYPE,
        headers=headers,
    )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_json(body: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, no lone surrogate escapes."""
    payload = json.loads(body.decode("utf-8") if body else "{}", parse_constant=_refuse_constant)
    if b"\\u" in body and any(
        m in body.lower()
        for m in (b"\\ud8", b"\\ud9", b"\\uda", b"\\udb", b"\\udc", b"\\udd", b"\\ude", b"\\udf")
    ):
        json.dumps(payload, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
    return payload


class WireApp:
    def __init__(
        self,
        svc: Services,
        *,
        dev: bool = False,
        max_body_bytes: int = 1 << 20,
        rate_limits: RateLimits | None = None,
    ) -> None:
        self.svc = svc
        self.dev = dev
        self.max_body_bytes = max_body_bytes
        self.limiter = Limiter(rate_limits)

    # POST / ------------------------------------------------------------------------------
    async def dispatch(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            return await self._dispatch(request, request_id)
        except Exception:
            log.exception("internal error handling request %s", request_id)
            return error_response(
                "InternalErrorException", "An internal error occurred.", 500, request_id=request_id
            )

    async def _dispatch(self, request: Request, request_id: str) -> Response:
        target = request.headers.get("x-amz-target", "")
        if not target.startswith(TARGET_PREFIX):
            return error_response(
                "UnknownOperationException",
                f"Unknown or missing X-Amz-Target header: {target[:100]!r}",
                request_id=request_id,
            )
        name = target[len(TARGET_PREFIX) :]
        op = OPERATIONS.get(name)
        if op is None:
            known = name in model.operation_names()
            return error_response(
                "UnsupportedOperationException" if known else "UnknownOperationException",
                f"Operation {name} is not implemented by authpool yet."
                if known
                else f"Unknown operation {name[:100]!r}.",
                request_id=request_id,
            )
        body = await guard.read_body(request, self.max_body_bytes)
        if body is None:
            return error_response(
                "InvalidParameterException",
                f"Request body exceeds {self.max_body_bytes} bytes.",
                413,
                request_id=request_id,
            )
        # The rest, signature included, in one trip to a worker thread: each trip costs
        # about as much as a GetUser's own work.
        return await in_thread(self._handle, request, op, body, request_id)

    def _handle(self, request: Request, op: Operation, body: bytes, request_id: str) -> Response:
        access_key_id: str | None = None
        if op.signed and not self.dev:
            try:
                access_key_id = self._verify_signature(request, body)
            except sigv4.SigV4Error as exc:
                return error_response(
                    exc.error_type, exc.message, exc.status, request_id=request_id
                )
        try:
            payload = _parse_json(body)
        except (ValueError, UnicodeError, RecursionError):  # nesting too deep is not JSON to us
            return error_response(
                "InvalidParameterException",
                "The request body is not valid JSON.",
                request_id=request_id,
            )
        name = op.name
        try:
            validation.validate(name, payload)
        except validation.ValidationFailed as exc:
            return error_response("InvalidParameterException", exc.message, request_id=request_id)
        call = Call(
            svc=self.svc,
            operation=name,
            params=shapes.request_to_domain(name, payload),
            request_id=request_id,
            source_ip=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
            access_key_id=access_key_id,
            headers=request.headers,
        )
        try:
            result = guard.run(call, op, self.limiter)
        except CognitoError as exc:
            return error_response(exc.code, exc.message, exc.status, request_id=request_id)
        return Response(
            json.dumps(shapes.response_to_wire(name, result or {})),
            media_type=JSON_TYPE,
            headers={"x-amzn-RequestId": request_id},
        )

    def _verify_signature(self, request: Request, body: bytes) -> str:
        return sigv4.verify(
            sigv4.SignedRequest(
                method=request.method,
                path=request.url.path,
                query=request.url.query,
                headers=request.headers,
                body=body,
            ),
            lookup_secret=lambda key_id: access_keys.secret_for(self.svc, key_id),
            now=self.svc.clock.now(),
        )

    # well-known documents ------------------------------------------------------------------
    async def jwks(self, request: Request) -> Response:
        pool_id = request.path_params["pool_id"]
        keys = await in_thread(self._pool_keys, pool_id)
        if keys is None:
            return JSONResponse({"message": "User pool not found"}, status_code=404)
        return JSONResponse(jwks(keys), headers={"Cache-Control": "public, max-age=300"})

    def _pool_keys(self, pool_id: str) -> list[Any] | None:
        if self.svc.store.get_pool(pool_id) is None:
            return None
        return pools.signing_keys(self.svc, pool_id)

    async def openid_configuration(self, request: Request) -> Response:
        pool_id = request.path_params["pool_id"]
        exists = await in_thread(self.svc.store.get_pool, pool_id)
        if exists is None:
            return JSONResponse({"message": "User pool not found"}, status_code=404)
        issuer = self.svc.issuer(pool_id)
        return JSONResponse(
            {
                "issuer": issuer,
                "jwks_uri": f"{issuer}/.well-known/jwks.json",
                "response_types_supported": ["code", "token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "phone", "profile"],
                "claims_supported": [
                    "sub",
                    "iss",
                    "aud",
                    "exp",
                    "iat",
                    "auth_time",
                    "email",
                    "email_verified",
                    "phone_number",
                    "phone_number_verified",
                    "cognito:username",
                    "cognito:groups",
                ],
            }
        )

    # development outbox --------------------------------------------------------------------
    async def outbox(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        if not self.dev:
            body = await request.body()
            try:
                await in_thread(self._verify_signature, request, body)
            except sigv4.SigV4Error as exc:
                return error_response(
                    exc.error_type, exc.message, exc.status, request_id=request_id
                )
        q = request.query_params
        try:
            messages = await in_thread(
                outbox.list_messages,
                self.svc,
                pool_id=q.get("pool_id"),
                username=q.get("username"),
                since=q.get("since"),
            )
        except CognitoError as exc:
            return error_response(exc.code, exc.message, exc.status, request_id=request_id)
        return JSONResponse({"messages": messages})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})


def build_app(
    svc: Services,
    *,
    dev: bool = False,
    cors_origins: tuple[str, ...] = ("*",),
    max_body_bytes: int = 1 << 20,
    rate_limits: RateLimits | None = None,
) -> Starlette:
    validation.precompile()
    wire = WireApp(svc, dev=dev, max_body_bytes=max_body_bytes, rate_limits=rate_limits)
    return Starlette(
        routes=[
            Route("/", wire.dispatch, methods=["POST"]),
            Route("/_authpool/health", wire.health, methods=["GET"]),
            Route("/_authpool/outbox", wire.outbox, methods=["GET"]),
            Route(
                "/_authpool/pool-migration",
                migration.endpoint(
                    svc, dev=dev, verify=wire._verify_signature, error_response=error_response
                ),
                methods=["POST"],
            ),
            Route("/{pool_id}/.well-known/jwks.json", wire.jwks, methods=["GET"]),
            Route(
                "/{pool_id}/.well-known/openid-configuration",
                wire.openid_configuration,
                methods=["GET"],
            ),
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=CORS_HEADERS,
                expose_headers=EXPOSE_HEADERS,
                max_age=86400,
            )
        ],
        exception_handlers={404: _not_found, 405: _not_allowed},
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(
        "ResourceNotFoundException",
        f"No route for {request.url.path[:100]}",
        404,
        request_id=str(uuid.uuid4()),
    )


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return error_response(
        "UnsupportedOperationException",
        f"Method {request.method} is not allowed here.",
        405,
        request_id=str(uuid.uuid4()),
    )
