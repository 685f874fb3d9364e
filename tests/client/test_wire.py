"""The client's half of the protocol: the request it posts, and how answers and errors are
read (the header first, then ``__type``; namespaces and suffixes dropped), and the exception
tree (one class per error the Cognito model lists for the client's operations)."""

from __future__ import annotations

import inspect
import json

import botocore.session
import httpx
import pytest

from authpool.client import errors
from authpool.client.errors import (
    AuthException,
    AuthServiceException,
    CodeMismatchException,
    InternalErrorException,
    NotAuthorizedException,
    service_error,
)
from authpool.client.wire import OPERATIONS, Request, encode, from_http


def _response(status: int, body: object = None, **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers)


def test_requests_drop_unset_members_and_hide_in_repr() -> None:
    body = {
        "ClientId": "c",
        "Password": "pw",
        "SecretHash": None,
        "UserAttributes": [{"Name": "email", "Value": "a@b"}],
    }
    request = Request("SignUp", body)
    assert "SecretHash" not in request.body
    assert "pw" not in repr(request)
    content, headers = encode(request)
    assert json.loads(content)["Password"] == "pw"
    assert headers["X-Amz-Target"] == "AWSCognitoIdentityProviderService.SignUp"
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    with pytest.raises(ValueError, match="does not call"):
        Request("AdminCreateUser", {})


def test_every_operation_is_public_in_the_model() -> None:
    model = botocore.session.get_session().get_service_model("cognito-idp")
    for operation in OPERATIONS:
        assert model.operation_model(operation).auth_type == "none", operation


@pytest.mark.parametrize(
    ("response", "name", "message"),
    [
        (_response(400, {"__type": "CodeMismatchException", "message": "Invalid code"}),
         "CodeMismatchException", "Invalid code"),
        (_response(400, {"message": "m"}, **{"x-amzn-ErrorType":
         "NotAuthorizedException:http://internal.amazon.com/coral/com.amazon.coral/"}),
         "NotAuthorizedException", "m"),
        (_response(400, {"__type": "com.amazonaws.cognito#UserNotFoundException",
         "Message": "User does not exist."}), "UserNotFoundException", "User does not exist."),
        (_response(400, {"code": "TooManyRequestsException"},
         **{"x-amzn-ErrorMessage": "Rate exceeded"}), "TooManyRequestsException", "Rate exceeded"),
        (_response(500, {"message": "boom"}), "InternalErrorException", "boom"),
        (_response(400, {"__type": "BrandNewException", "message": "new"}),
         "BrandNewException", "new"),
    ],
)  # fmt: skip
def test_errors_are_read_as_the_aws_sdks_read_them(
    response: httpx.Response, name: str, message: str
) -> None:
    with pytest.raises(AuthServiceException) as raised:
        from_http(response)
    assert (raised.value.name, raised.value.message) == (name, message)
    assert type(raised.value).__name__ == (
        name if hasattr(errors, name) else "AuthServiceException"
    )


def test_answers_that_are_not_cognitos() -> None:
    with pytest.raises(AuthServiceException, match="without a Cognito error") as raised:
        from_http(_response(502, b"<html>bad gateway</html>"))
    assert raised.value.status_code == 502
    with pytest.raises(AuthException, match="without a JSON object"):
        from_http(_response(200, b"<html>hello</html>"))
    assert from_http(_response(200, b"")) == {}


def test_the_exception_tree() -> None:
    error = service_error("CodeMismatchException", "Invalid code", status_code=400)
    assert isinstance(error, CodeMismatchException)
    assert isinstance(error, AuthServiceException)
    assert isinstance(error, AuthException)
    assert error.recovery_suggestion
    assert str(error) == "Invalid code"
    assert isinstance(service_error("InternalErrorException", "x"), InternalErrorException)
    assert NotAuthorizedException("x").name == "NotAuthorizedException"


def test_errors_all_is_sorted_and_complete() -> None:
    assert errors.__all__ == sorted(errors.__all__)
    defined = {
        name
        for name, value in vars(errors).items()
        if (inspect.isclass(value) and value.__module__ == errors.__name__)
        or (inspect.isfunction(value) and not name.startswith("_"))
    }
    assert set(errors.__all__) == defined
    for name in errors.__all__:
        value = getattr(errors, name)
        if inspect.isclass(value):
            assert value.default_suggestion, f"{name} has no recovery suggestion"


def test_a_class_for_every_error_of_the_clients_operations() -> None:
    model = botocore.session.get_session().get_service_model("cognito-idp")
    listed = {shape.name for op in OPERATIONS for shape in model.operation_model(op).error_shapes}
    missing = sorted(name for name in listed if not hasattr(errors, name))
    assert missing == []
