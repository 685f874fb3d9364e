"""users: attribute checks (schema, client permissions, values), required attributes, where a
code goes, sign-in aliases and name keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from authpool.domain import attributes, users
from authpool.domain.clients import Client
from authpool.domain.errors import CognitoError, InvalidParameterException, NotAuthorizedException
from authpool.domain.pools import Pool
from authpool.domain.records import ClientRecord, PoolRecord, UserRecord

NOW = datetime(2026, 1, 1, tzinfo=UTC)
UNAUTHORIZED = "A client attempted to write unauthorized attribute"
CUSTOM = [
    {"name": "tier", "attribute_data_type": "String", "mutable": True},
    {
        "name": "code",
        "attribute_data_type": "String",
        "mutable": True,
        "string_attribute_constraints": {"min_length": "2", "max_length": "4"},
    },
    {
        "name": "age",
        "attribute_data_type": "Number",
        "mutable": True,
        "number_attribute_constraints": {"min_value": "18", "max_value": "130"},
    },
    {"name": "vip", "attribute_data_type": "Boolean", "mutable": True},
    {"name": "joined", "attribute_data_type": "String", "mutable": False},
    {"name": "score", "attribute_data_type": "Number", "developer_only_attribute": True},
]


def make_pool(**config: Any) -> Pool:
    schema = attributes.build_schema(config.pop("schema", CUSTOM))
    return Pool(
        PoolRecord("us-east-1_AbCdEf123", "pool", {"schema_attributes": schema, **config}, NOW, NOW)
    )


def make_client(**config: Any) -> Client:
    return Client(ClientRecord("c" * 26, "us-east-1_AbCdEf123", "web", None, config, NOW, NOW))


def refused(call: Any, kind: type[CognitoError] = InvalidParameterException) -> str:
    with pytest.raises(kind) as info:
        call()
    assert type(info.value) is kind
    return info.value.message


POOL = make_pool()
OPEN = make_client()  # no WriteAttributes: every attribute but the verified flags


def check(values: dict[str, str], **kwargs: Any) -> dict[str, str]:
    kwargs.setdefault("creating", True)
    return users.check_attributes(POOL, kwargs.pop("client", OPEN), values, **kwargs)


# the schema ----------------------------------------------------------------------------------
def test_known_attributes_pass_unchanged() -> None:
    values = {
        "email": "Alice.Liddell@Example.COM",
        "phone_number": "+14155550123",
        "given_name": "Alice",
        "birthdate": "1852-05-04",
        "updated_at": "1767225600",
        "custom:tier": "gold",
        "custom:age": "42",
        "custom:vip": "true",
    }
    assert check(values) == values


@pytest.mark.parametrize("name", ["favourite", "custom:nope", "tier", "dev:custom:tier", ""])
def test_an_unknown_attribute_is_refused_in_cognitos_words(name: str) -> None:
    assert refused(lambda: check({name: "x"})) == (
        f"Attributes did not conform to the schema: {name}: Attribute does not exist in the schema."
    )


@pytest.mark.parametrize("name", ["sub", "identities"])
def test_read_only_attributes_cannot_be_written_even_by_an_admin(name: str) -> None:
    assert (
        refused(lambda: check({name: "x"}, admin=True)) == f"{name}: Attribute cannot be updated."
    )


def test_developer_only_attributes_are_for_admins() -> None:
    assert refused(lambda: check({"dev:custom:score": "1"}), NotAuthorizedException) == UNAUTHORIZED
    assert check({"dev:custom:score": "1"}, admin=True) == {"dev:custom:score": "1"}


def test_an_immutable_attribute_is_set_at_creation_only() -> None:
    assert check({"custom:joined": "2026"}) == {"custom:joined": "2026"}
    message = refused(lambda: check({"custom:joined": "2027"}, creating=False))
    assert message.startswith("custom:joined: Attribute cannot be updated.")
    refused(lambda: check({"custom:joined": "2027"}, creating=False, admin=True))


# the client's WriteAttributes ----------------------------------------------------------------
def test_a_client_writes_only_its_write_attributes() -> None:
    client = make_client(write_attributes=["email", "custom:tier"])
    assert check({"email": "a@example.com", "custom:tier": "x"}, client=client) == {
        "email": "a@example.com",
        "custom:tier": "x",
    }
    assert refused(lambda: check({"given_name": "A"}, client=client), NotAuthorizedException) == (
        UNAUTHORIZED
    )
    # An administrator is not bound by a client's list.
    assert check({"given_name": "A"}, client=client, admin=True) == {"given_name": "A"}
    assert users.check_attributes(POOL, None, {"given_name": "A"}, creating=True) == {
        "given_name": "A"
    }


@pytest.mark.parametrize("flag", ["email_verified", "phone_number_verified"])
def test_a_client_without_write_attributes_cannot_verify_an_address(flag: str) -> None:
    assert refused(lambda: check({flag: "true"}), NotAuthorizedException) == UNAUTHORIZED
    assert check({flag: "true"}, admin=True) == {flag: "true"}


# values --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "address",
    ["plain", "a@b@example.com", "a..b@example.com", "a@example", "a @example.com", "a@-x.com"],
)
def test_a_malformed_email_is_refused(address: str) -> None:
    assert refused(lambda: check({"email": address})) == "Invalid email address format."


@pytest.mark.parametrize(
    "address", ["a+tag@sub.example.co.uk", "用户@例子.广告", "o'brien@example.ie", "A@B.CO"]
)
def test_unusual_but_valid_emails_are_kept_as_written(address: str) -> None:
    assert check({"email": address}) == {"email": address}


@pytest.mark.parametrize(
    "number",
    [
        "4155550123",  # no +
        "+1 415 555 0123",
        "+1-415-555-0123",
        "+1(415)5550123",
        "+",
        "+12",  # too short to be anyone's
        "+1415555012345678",  # too long
        "+999123456",  # no such country
        "+\u0661\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0661\u0662\u0663",  # Arabic digits
        "+1415555012\u00b3",
    ],
)
def test_a_phone_number_must_be_e164(number: str) -> None:
    assert refused(lambda: check({"phone_number": number})) == "Invalid phone number format."


@pytest.mark.parametrize("number", ["+14155550123", "+447700900123", "+5511987654516"])
def test_e164_numbers_pass(number: str) -> None:
    assert check({"phone_number": number}) == {"phone_number": number}


@pytest.mark.parametrize("value", ["forty", "4.2", "5_0", " 42", "42 ", "\u0664\u0662", ""])
def test_a_number_attribute_takes_ascii_integers_only(value: str) -> None:
    assert refused(lambda: check({"custom:age": value})) == (
        "custom:age: Number attribute must be an integer."
    )


def test_number_constraints_are_inclusive() -> None:
    assert check({"custom:age": "18"}) == {"custom:age": "18"}
    assert check({"custom:age": "130"}) == {"custom:age": "130"}
    assert refused(lambda: check({"custom:age": "17"})) == (
        "custom:age: Number is less than the minimum value."
    )
    assert refused(lambda: check({"custom:age": "131"})) == (
        "custom:age: Number is greater than the maximum value."
    )
    assert refused(lambda: check({"updated_at": "-1"})).startswith("updated_at: Number is less")


def test_string_constraints_are_inclusive() -> None:
    assert check({"custom:code": "ab"}) == {"custom:code": "ab"}
    assert check({"custom:code": "abcd"}) == {"custom:code": "abcd"}
    assert refused(lambda: check({"custom:code": "a"})) == "custom:code: String is too short."
    assert refused(lambda: check({"custom:code": "abcde"})) == "custom:code: String is too long."
    assert refused(lambda: check({"birthdate": "1852-5-4"})) == "birthdate: String is too short."
    assert refused(lambda: check({"given_name": "x" * 2049})) == "given_name: String is too long."


@pytest.mark.parametrize("value", ["yes", "True", "1", ""])
def test_booleans_are_the_words_true_and_false(value: str) -> None:
    assert refused(lambda: check({"custom:vip": value})).startswith("custom:vip: Boolean")
    assert refused(lambda: check({"email_verified": value}, admin=True)).startswith(
        "email_verified: Boolean"
    )


def test_duplicate_names_are_refused() -> None:
    given = [{"name": "email", "value": "a@example.com"}, {"name": "email", "value": "b@x.org"}]
    assert refused(lambda: users.attribute_list(given)) == "Duplicate attribute name: email"
    assert users.attribute_list([{"name": "nickname", "value": None}]) == {"nickname": ""}
    assert users.attribute_list(None) == {}


# required attributes -------------------------------------------------------------------------
def test_required_attributes_must_be_present_and_not_empty() -> None:
    pool = make_pool(
        schema=[{"name": "email", "required": True}, {"name": "name", "required": True}]
    )
    users.check_required(pool, {"email": "a@example.com", "name": "A"})
    for given in ({"name": "A"}, {"email": "", "name": "A"}):
        assert refused(lambda given=given: users.check_required(pool, given)) == (
            "Attributes did not conform to the schema: email: The attribute email is required"
        )
    users.check_required(POOL, {})  # sub is required in every schema, and never given


# where a code goes ---------------------------------------------------------------------------
def test_the_phone_is_preferred_when_both_are_auto_verified() -> None:
    pool = make_pool(auto_verified_attributes=["email", "phone_number"])
    both = {"email": "a@example.com", "phone_number": "+14155550123"}
    assert users.verification_destination(pool, both) == users.Destination(
        "phone_number", "SMS", "+14155550123"
    )
    assert users.verification_destination(pool, {"email": "a@example.com"}) == (
        users.Destination("email", "EMAIL", "a@example.com")
    )


def test_no_destination_without_an_auto_verified_attribute_the_user_has() -> None:
    only_email = make_pool(auto_verified_attributes=["email"])
    assert users.verification_destination(only_email, {"phone_number": "+14155550123"}) is None
    assert users.verification_destination(make_pool(), {"email": "a@example.com"}) is None


# aliases and names ---------------------------------------------------------------------------
def test_alias_attributes_count_once_verified_preferred_username_at_once() -> None:
    pool = make_pool(alias_attributes=["email", "phone_number", "preferred_username"])
    attrs = {"email": "A@Example.com", "phone_number": "+14155550123", "preferred_username": "Al"}
    assert users.sign_in_aliases(pool, attrs, verified_only=True) == ("preferred_username:Al",)
    verified = {**attrs, "email_verified": "true", "phone_number_verified": "false"}
    assert users.sign_in_aliases(pool, verified, verified_only=True) == (
        "email:a@example.com",
        "preferred_username:Al",
    )


def test_username_attributes_are_held_from_sign_up_on() -> None:
    pool = make_pool(username_attributes=["email", "phone_number"])
    attrs = {"email": "A@Example.com", "phone_number": "+14155550123"}
    assert users.sign_in_aliases(pool, attrs, verified_only=True) == (
        "email:a@example.com",
        "phone_number:+14155550123",
    )


def test_names_fold_case_only_in_a_case_insensitive_pool() -> None:
    insensitive = make_pool(username_configuration={"case_sensitive": False})
    assert users.username_key(insensitive, "Straße") == users.username_key(insensitive, "STRASSE")
    assert users.username_key(POOL, "Alice") == "Alice"
    assert users.alias_key(POOL, "preferred_username", "Al") == "preferred_username:Al"
    assert users.alias_key(insensitive, "preferred_username", "Al") == "preferred_username:al"
    # E-mail aliases compare case-insensitively in every pool.
    assert users.alias_key(POOL, "email", "A@EXAMPLE.com") == "email:a@example.com"


def test_visible_attributes_follow_read_attributes() -> None:
    user = UserRecord(
        sub="3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        pool_id=POOL.id,
        username="alice",
        username_key="alice",
        status=users.CONFIRMED,
        enabled=True,
        attributes={"email": "a@example.com", "custom:tier": "gold", "dev:custom:score": "9"},
        created_at=NOW,
        updated_at=NOW,
    )
    reader = make_client(read_attributes=["email"])
    assert users.visible_attributes(POOL, reader, user) == {
        "sub": user.sub,
        "email": "a@example.com",
    }
    assert "dev:custom:score" not in users.visible_attributes(POOL, OPEN, user)
    assert users.visible_attributes(POOL, reader, user, admin=True)["dev:custom:score"] == "9"
