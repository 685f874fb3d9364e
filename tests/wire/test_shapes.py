"""Wire ⇄ domain conversion driven by the model: names, types, exact round trips."""

from __future__ import annotations

import base64
import datetime
from typing import Any

import pytest
from botocore.model import Shape, ShapeResolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.badinputs import full_input, valid_strings

from authpool.wire import model, shapes
from authpool.wire.shapes import (
    NameCollision,
    UnknownMember,
    request_to_domain,
    response_to_wire,
    snake_names,
    to_domain,
    to_wire,
)
from authpool.wire.validation import validate

SERVICE = model.service_model()
STRUCTURES = sorted(
    name
    for name in SERVICE.shape_names
    if SERVICE.shape_for(name).type_name == "structure"
    and not SERVICE.shape_for(name).is_document_type
)
OPERATIONS = sorted(model.operation_names())


# --- names ------------------------------------------------------------------------------


def test_no_two_members_of_any_structure_share_a_snake_name() -> None:
    assert len(STRUCTURES) > 300
    for name in STRUCTURES:
        names = snake_names(SERVICE.shape_for(name))
        assert len(set(names.values())) == len(names), name


@pytest.mark.parametrize(
    ("shape", "member", "snake"),
    [
        ("GetUserResponse", "MFAOptions", "mfa_options"),
        ("GetUserResponse", "UserMFASettingList", "user_mfa_setting_list"),
        ("SetUserMFAPreferenceRequest", "SMSMfaSettings", "sms_mfa_settings"),
        ("AuthenticationResultType", "IdToken", "id_token"),
        ("DomainDescriptionType", "AWSAccountId", "aws_account_id"),
        ("LambdaConfigType", "KMSKeyID", "kms_key_id"),
        ("UICustomizationType", "CSSVersion", "css_version"),
        ("UserPoolClientType", "AllowedOAuthFlows", "allowed_o_auth_flows"),
        ("HttpHeader", "headerName", "header_name"),
        ("S3ConfigurationType", "BucketArn", "bucket_arn"),
    ],
)
def test_acronyms(shape: str, member: str, snake: str) -> None:
    assert snake_names(SERVICE.shape_for(shape))[member] == snake


def test_a_collision_is_refused() -> None:
    resolver = ShapeResolver(
        {
            "TestCollision": {
                "type": "structure",
                "members": {
                    "MFAOptions": {"shape": "TestString"},
                    "MfaOptions": {"shape": "TestString"},
                },
            },
            "TestString": {"type": "string"},
        }
    )
    with pytest.raises(NameCollision, match="MFAOptions and MfaOptions both become mfa_options"):
        to_domain(resolver.get_shape_by_name("TestCollision"), {})
    assert "TestCollision" not in shapes._BUILT


def test_snake_names_needs_a_structure() -> None:
    with pytest.raises(TypeError, match="not a structure"):
        snake_names(SERVICE.shape_for("AttributeListType"))


# --- requests and responses -------------------------------------------------------------


def test_request_to_domain() -> None:
    body = {
        "ClientId": "abc",
        "Username": "bob",
        "Password": "secret1",
        "UserAttributes": [{"Name": "email", "Value": "b@example.com"}],
        "ClientMetadata": {"SomeKey": "v"},
        "SecretHash": None,
        "NotAMember": 1,
    }
    assert request_to_domain("SignUp", body) == {
        "client_id": "abc",
        "username": "bob",
        "password": "secret1",
        "user_attributes": [{"name": "email", "value": "b@example.com"}],
        "client_metadata": {"SomeKey": "v"},  # map keys are data, never renamed
    }


def test_response_to_wire() -> None:
    created = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    result = {
        "user": {
            "username": "bob",
            "attributes": [{"name": "sub", "value": "1234"}],
            "user_create_date": created,
            "enabled": True,
            "mfa_options": None,
        }
    }
    assert response_to_wire("AdminCreateUser", result) == {
        "User": {
            "Username": "bob",
            "Attributes": [{"Name": "sub", "Value": "1234"}],
            "UserCreateDate": 1767225600.0,
            "Enabled": True,
        }
    }


def test_response_without_output_shape() -> None:
    assert response_to_wire("DeleteUser", None) == {}
    assert response_to_wire("DeleteUser", {}) == {}
    with pytest.raises(UnknownMember, match="DeleteUser has no output"):
        response_to_wire("DeleteUser", {"oops": 1})
    assert response_to_wire("ListUserPools", None) == {}


def test_unknown_keys_in_a_result_raise() -> None:
    with pytest.raises(UnknownMember, match="UserType has no member for 'user_name'"):
        response_to_wire("AdminCreateUser", {"user": {"user_name": "bob"}})
    with pytest.raises(UnknownMember):
        response_to_wire("SignUp", {"UserConfirmed": True})  # a wire key is not a domain key


def test_timestamps() -> None:
    shape = SERVICE.shape_for("DateType")
    aware = datetime.datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=datetime.UTC)
    assert to_wire(shape, aware) == 1767225600.5
    assert to_wire(shape, 1767225600) == 1767225600
    assert to_domain(shape, 1767225600.25) == 1767225600.25
    with pytest.raises(ValueError, match="naive datetime"):
        to_wire(shape, datetime.datetime(2026, 1, 1))  # noqa: DTZ001


def test_blobs() -> None:
    shape = SERVICE.shape_for("ImageFileType")
    assert to_domain(shape, "aGk=") == b"hi"
    assert to_wire(shape, b"hi") == "aGk="
    assert to_wire(shape, bytearray(b"\x00\xff")) == "AP8="
    with pytest.raises(TypeError, match="base64 text"):
        to_domain(shape, b"hi")
    with pytest.raises(TypeError, match="leaves as bytes"):
        to_wire(shape, "aGk=")


def test_scalars_pass_through() -> None:
    shape = SERVICE.shape_for("UsernameType")
    assert to_domain(shape, "bob") == "bob"
    assert to_wire(shape, "bob") == "bob"


def test_wrong_containers_raise() -> None:
    with pytest.raises(TypeError, match="expected a mapping"):
        to_wire(SERVICE.shape_for("UserType"), [1])
    with pytest.raises(TypeError, match="expected a list"):
        to_wire(SERVICE.shape_for("AttributeListType"), {"name": "x"})


def test_tuples_are_accepted_as_lists() -> None:
    shape = SERVICE.shape_for("AttributeListType")
    assert to_wire(shape, ({"name": "a"},)) == [{"Name": "a"}]


def test_maps_convert_values_and_keep_keys() -> None:
    resolver = ShapeResolver(
        {
            "TestBlobMap": {
                "type": "map",
                "key": {"shape": "TestKey"},
                "value": {"shape": "TestBlob"},
            },
            "TestKey": {"type": "string"},
            "TestBlob": {"type": "blob"},
        }
    )
    shape = resolver.get_shape_by_name("TestBlobMap")
    assert to_domain(shape, {"Key_A": "aGk="}) == {"Key_A": b"hi"}
    assert to_wire(shape, {"Key_A": b"hi"}) == {"Key_A": "aGk="}


def test_converters_are_built_once() -> None:
    first = shapes._converter(model.input_shape("SignUp"))
    assert shapes._converter(model.input_shape("SignUp")) is first


# --- exact round trips for every structure ----------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
DOCUMENTS = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
).filter(lambda value: value is not None)


def strategy(shape: Shape) -> st.SearchStrategy[Any]:
    """Random valid wire values of ``shape`` (every rule satisfied)."""
    kind, meta = shape.type_name, shape.metadata
    low, high = meta.get("min"), meta.get("max")
    if kind == "structure" and shape.is_document_type:
        return DOCUMENTS
    if kind == "structure":
        required = set(shape.required_members)
        members = {name: strategy(member) for name, member in shape.members.items()}
        return st.fixed_dictionaries(
            {name: members[name] for name in members if name in required},
            optional={name: members[name] for name in members if name not in required},
        )
    if kind in ("list", "map"):
        fewest: int = low or 0
        most: int = min(high or 3, fewest + 3)
        if kind == "list":
            return st.lists(strategy(shape.member), min_size=fewest, max_size=most)
        keys = st.sampled_from(valid_strings(shape.key))
        return st.dictionaries(keys, strategy(shape.value), min_size=fewest, max_size=most)
    if kind == "string":
        return st.sampled_from(valid_strings(shape))
    if kind in ("integer", "long"):
        bits = 63 if kind == "long" else 31
        return st.integers(
            min_value=-(2**bits) if low is None else low,
            max_value=2**bits - 1 if high is None else high,
        )
    if kind == "blob":
        return st.binary(min_size=low or 0, max_size=min(high or 16, 16)).map(
            lambda raw: base64.b64encode(raw).decode()
        )
    if kind == "timestamp":
        return st.integers(0, 2**33) | st.floats(0, 2e10, allow_nan=False)
    assert kind == "boolean", kind
    return st.booleans()


ROUND_TRIP = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", STRUCTURES)
@ROUND_TRIP
@given(data=st.data())
def test_every_structure_round_trips_exactly(name: str, data: st.DataObject) -> None:
    shape = SERVICE.shape_for(name)
    value = data.draw(strategy(shape))
    assert to_wire(shape, to_domain(shape, value)) == value


@pytest.mark.parametrize("operation", OPERATIONS)
@ROUND_TRIP
@given(data=st.data())
def test_random_valid_requests_validate_and_round_trip(operation: str, data: Any) -> None:
    body = data.draw(strategy(model.input_shape(operation)))
    validate(operation, body)
    assert to_wire(model.input_shape(operation), request_to_domain(operation, body)) == body


@pytest.mark.parametrize("operation", OPERATIONS)
def test_full_requests_round_trip(operation: str) -> None:
    body = full_input(operation)
    domain = request_to_domain(operation, body)
    assert to_wire(model.input_shape(operation), domain) == body
