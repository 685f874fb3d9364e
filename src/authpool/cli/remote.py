"""Where ``push``, ``pull`` and ``config export`` send their Cognito calls.

:class:`HttpBackend` talks to a server over HTTP with botocore, signing every call with SigV4
like the AWS SDKs (credentials from the usual places: ``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, a profile, … — keys come from ``authpool keys create``).
:class:`LocalBackend` runs the same operations in-process on a local store (``--data-dir`` or
``--database-url``), through the server's own operation table, so both speak the same
requests and answers.

``migrate`` reaches authpool's own operation for the settings Cognito fixes at creation
(``POST /_authpool/pool-migration``, see :mod:`authpool.wire.migration`).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from botocore import xform_name
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
)
from botocore.session import Session

from authpool.cli import runtime
from authpool.cli.project import ProjectError
from authpool.config import from_env
from authpool.domain.context import Services
from authpool.domain.errors import CognitoError
from authpool.wire import handlers, migration, shapes, validation
from authpool.wire.protocol import OPERATIONS, Call

DEFAULT_REGION = "us-east-1"
NO_CREDENTIALS = (
    "no credentials for signed calls: create an access key with `authpool keys create` and "
    "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or use --profile)"
)


class RemoteError(ProjectError):
    """The server refused a call: ``code`` is the Cognito error name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Backend(Protocol):
    endpoint: str
    region: str

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]: ...
    def migrate(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def close(self) -> None: ...


class HttpBackend:
    def __init__(self, endpoint: str, region: str, profile: str | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self._session = Session(profile=profile)
        try:
            credentials = self._session.get_credentials()
        except BotoCoreError as exc:
            raise ProjectError(f"cannot read AWS credentials: {exc}") from None
        if credentials is None:
            raise ProjectError(NO_CREDENTIALS)
        self._credentials = credentials
        self._client = self._session.create_client(
            "cognito-idp",
            region_name=region,
            endpoint_url=self.endpoint,
            config=Config(
                retries={"max_attempts": 2, "mode": "standard"},
                connect_timeout=10,
                read_timeout=120,
            ),
        )

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            result = dict(getattr(self._client, xform_name(operation))(**params))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise RemoteError(
                str(error.get("Code", "Error")), str(error.get("Message", ""))
            ) from None
        except EndpointConnectionError:
            raise ProjectError(f"cannot reach the server at {self.endpoint}") from None
        except NoCredentialsError:
            raise ProjectError(NO_CREDENTIALS) from None
        except ParamValidationError as exc:
            raise ProjectError(f"{operation}: {exc}") from None
        except BotoCoreError as exc:
            raise ProjectError(f"{operation} failed: {exc}") from None
        result.pop("ResponseMetadata", None)
        return result

    def migrate(self, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.endpoint}/_authpool/pool-migration"
        data = json.dumps(body).encode()
        request = AWSRequest(
            method="POST", url=url, data=data, headers={"Content-Type": "application/json"}
        )
        SigV4Auth(self._credentials.get_frozen_credentials(), "cognito-idp", self.region).add_auth(
            request
        )
        try:
            response = httpx.post(url, content=data, headers=dict(request.headers), timeout=300)
        except httpx.HTTPError as exc:
            raise ProjectError(f"cannot reach the server at {self.endpoint}: {exc}") from None
        try:
            answer = response.json()
        except ValueError:
            raise ProjectError(
                f"the server at {self.endpoint} does not offer pool migrations "
                f"(HTTP {response.status_code})"
            ) from None
        if response.status_code != 200:
            raise RemoteError(str(answer.get("__type", "Error")), str(answer.get("message", "")))
        return dict(answer)

    def close(self) -> None:
        self._client.close()


class LocalBackend:
    def __init__(self, svc: Services, endpoint: str, region: str) -> None:
        handlers.load()
        self.svc = svc
        self.endpoint = endpoint.rstrip("/")
        self.region = region

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            validation.validate(operation, params)
        except validation.ValidationFailed as exc:
            raise RemoteError("InvalidParameterException", exc.message) from None
        call = Call(
            svc=self.svc,
            operation=operation,
            params=shapes.request_to_domain(operation, params),
            request_id=str(uuid.uuid4()),
        )
        try:
            result = OPERATIONS[operation].handler(call)
        except CognitoError as exc:
            raise RemoteError(exc.code, exc.message) from None
        return shapes.response_to_wire(operation, result or {})

    def migrate(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return migration.run(self.svc, body)
        except CognitoError as exc:
            raise RemoteError(exc.code, exc.message) from None

    def close(self) -> None:
        dispose = getattr(self.svc.store, "dispose", None)
        if dispose is not None:
            dispose()


@dataclass(frozen=True)
class Target:
    """What the command line says about the server."""

    endpoint: str | None = None
    region: str | None = None
    profile: str | None = None
    data_dir: Path | None = None
    database_url: str | None = None


def connect(target: Target, *, file_endpoint: str | None, file_region: str | None) -> Backend:
    """A local store when ``--data-dir`` or ``--database-url`` is given, else the server at
    ``--endpoint``, ``AUTHPOOL_ENDPOINT`` or the file's ``endpoint``."""
    region = (
        target.region
        or file_region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    if target.data_dir is not None or target.database_url is not None:
        settings = from_env().with_overrides(
            data_dir=target.data_dir, database_url=target.database_url
        )
        svc = runtime.open_services(settings)
        return LocalBackend(svc, settings.resolved_public_url, region or settings.region)
    endpoint = target.endpoint or os.environ.get("AUTHPOOL_ENDPOINT") or file_endpoint
    if not endpoint:
        raise ProjectError(
            "which server? give --endpoint URL (or `endpoint:` in authpool.yaml, or "
            "AUTHPOOL_ENDPOINT), or --data-dir for a local store"
        )
    return HttpBackend(endpoint, region or DEFAULT_REGION, target.profile)
