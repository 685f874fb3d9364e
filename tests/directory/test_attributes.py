"""User attributes through boto3 against a live server (SQLite and PostgreSQL): reading them
(GetUser, AdminGetUser, the ID token), changing and deleting them (the user's and the admin's
forms), the schema's rules, each client's ReadAttributes/WriteAttributes, and the
verification of e-mail addresses and phone numbers — codes, expiry, pending values
(AttributesRequireVerificationBeforeUpdate) and sign-in aliases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.support.server import LiveServer

from .helpers import (
    PASSWORD_FLOWS,
    as_dict,
    attr_list,
    claims,
    error,
    make_user,
    name,
    sign_in,
)

PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]

SCHEMA = [
    {"Name": "name", "AttributeDataType": "String", "Required": True, "Mutable": True},
    {
        "Name": "tier",
        "AttributeDataType": "String",
        "Mutable": True,
        "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "5"},
    },
    {
        "Name": "age",
        "AttributeDataType": "Number",
        "Mutable": True,
        "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "150"},
    },
    {"Name": "frozen", "AttributeDataType": "String", "Mutable": False},
    {"Name": "secret", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
]


@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


@pytest.fixture
def directory(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, str]:
    """(pool id, client id): e-mail and phone auto-verified, custom attributes, a required
    name; the client may write everything writable."""
    pool_id = pool(AutoVerifiedAttributes=["email", "phone_number"], Schema=SCHEMA)
    return pool_id, app_client(pool_id, ExplicitAuthFlows=PASSWORD_FLOWS)["ClientId"]


def _user(idp: Any, pool_id: str, client_id: str, **extra: str) -> tuple[str, str]:
    """(username, access token) of a new confirmed user with a verified e-mail."""
    username = name()
    attributes = {"name": "Ada", "email": f"{username}@example.com", **extra}
    make_user(idp, pool_id, client_id, username, attributes)
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username=username, UserAttributes=attr_list({"email_verified": "true"})
    )
    return username, sign_in(idp, client_id, username)["AccessToken"]


def _get(anon: Any, token: str) -> dict[str, str]:
    return as_dict(anon.get_user(AccessToken=token)["UserAttributes"])


def _admin_get(idp: Any, pool_id: str, username: str) -> dict[str, str]:
    return as_dict(idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"])


# reading ------------------------------------------------------------------------------------
def test_get_user_hides_developer_attributes_admin_get_user_shows_them(
    idp: Any, anon: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    username, token = _user(idp, pool_id, client_id, **{"custom:tier": "gold"})
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username=username, UserAttributes=attr_list({"dev:custom:secret": "s"})
    )
    mine = _get(anon, token)
    assert mine["custom:tier"] == "gold"
    assert mine["name"] == "Ada"
    assert "dev:custom:secret" not in mine
    admin = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    assert as_dict(admin["UserAttributes"])["dev:custom:secret"] == "s"
    assert admin["Enabled"] is True
    assert admin["UserStatus"] == "CONFIRMED"
    assert admin["UserLastModifiedDate"] >= admin["UserCreateDate"]
    assert as_dict(admin["UserAttributes"])["sub"] == mine["sub"]


def test_read_attributes_filter_get_user_and_the_id_token(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(Schema=SCHEMA)
    limited = app_client(
        pool_id, ExplicitAuthFlows=PASSWORD_FLOWS, ReadAttributes=["email", "name"]
    )["ClientId"]
    username = name()
    make_user(
        idp,
        pool_id,
        limited,
        username,
        {"name": "Ada", "email": f"{username}@example.com", "given_name": "A", "custom:tier": "x"},
    )
    tokens = sign_in(idp, limited, username)
    assert set(_get(anon, tokens["AccessToken"])) == {"sub", "email", "name"}
    id_claims = claims(tokens["IdToken"])
    assert id_claims["email"] == f"{username}@example.com"
    assert id_claims["name"] == "Ada"
    assert "given_name" not in id_claims
    assert "custom:tier" not in id_claims
    # The admin sees everything.
    assert {"given_name", "custom:tier"} <= set(_admin_get(idp, pool_id, username))


# writing ------------------------------------------------------------------------------------
def test_update_plain_attributes(idp: Any, anon: Any, directory: tuple[str, str]) -> None:
    pool_id, client_id = directory
    username, token = _user(idp, pool_id, client_id)
    before = idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserLastModifiedDate"]
    result = anon.update_user_attributes(
        AccessToken=token,
        UserAttributes=attr_list({"given_name": "Ada", "custom:tier": "gold", "custom:age": "36"}),
    )
    assert result["CodeDeliveryDetailsList"] == []
    attrs = _get(anon, token)
    assert (attrs["given_name"], attrs["custom:tier"], attrs["custom:age"]) == ("Ada", "gold", "36")
    after = idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserLastModifiedDate"]
    assert after > before
    # A blank value deletes.
    anon.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"given_name": ""}))
    assert "given_name" not in _get(anon, token)


@pytest.mark.parametrize(
    ("attributes", "code", "message"),
    [
        ({"nickname2": "x"}, "InvalidParameterException", "Attribute does not exist in the schema"),
        (
            {"custom:nope": "x"},
            "InvalidParameterException",
            "Attribute does not exist in the schema",
        ),
        ({"custom:frozen": "x"}, "InvalidParameterException", "Attribute cannot be updated"),
        ({"sub": "x"}, "InvalidParameterException", "Attribute cannot be updated"),
        ({"custom:tier": "toolong"}, "InvalidParameterException", "too long"),
        ({"custom:age": "151"}, "InvalidParameterException", "greater than the maximum"),
        ({"custom:age": "x"}, "InvalidParameterException", "integer"),
        ({"email": "not-an-address"}, "InvalidParameterException", "Invalid email address"),
        ({"phone_number": "5551234"}, "InvalidParameterException", "Invalid phone number"),
        ({"email_verified": "true"}, "NotAuthorizedException", "unauthorized attribute"),
        ({"dev:custom:secret": "x"}, "NotAuthorizedException", "unauthorized attribute"),
    ],
)
def test_update_refusals(
    idp: Any,
    anon: Any,
    directory: tuple[str, str],
    attributes: dict[str, str],
    code: str,
    message: str,
) -> None:
    pool_id, client_id = directory
    _, token = _user(idp, pool_id, client_id)
    got = error(
        lambda: anon.update_user_attributes(AccessToken=token, UserAttributes=attr_list(attributes))
    )
    assert got[0] == code, got
    assert message in got[1], got


def test_client_write_attributes_are_enforced(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(Schema=SCHEMA)
    client_id = app_client(
        pool_id, ExplicitAuthFlows=PASSWORD_FLOWS, WriteAttributes=["name", "email", "given_name"]
    )["ClientId"]
    username = name()
    make_user(idp, pool_id, client_id, username, {"name": "Ada"})
    token = sign_in(idp, client_id, username)["AccessToken"]
    anon.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"given_name": "A"}))
    code, message = error(
        lambda: anon.update_user_attributes(
            AccessToken=token, UserAttributes=attr_list({"family_name": "L"})
        )
    )
    assert code == "NotAuthorizedException"
    assert message == "A client attempted to write unauthorized attribute"
    code, _ = error(
        lambda: anon.delete_user_attributes(AccessToken=token, UserAttributeNames=["family_name"])
    )
    assert code == "NotAuthorizedException"
    # The admin is not bound by the client's WriteAttributes.
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username=username, UserAttributes=attr_list({"family_name": "L"})
    )
    assert _admin_get(idp, pool_id, username)["family_name"] == "L"


def test_required_and_immutable_attributes_cannot_be_deleted(
    idp: Any, anon: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    username, token = _user(idp, pool_id, client_id)
    code, message = error(
        lambda: anon.delete_user_attributes(AccessToken=token, UserAttributeNames=["name"])
    )
    assert code == "InvalidParameterException"
    assert "required" in message
    code, _ = error(
        lambda: idp.admin_delete_user_attributes(
            UserPoolId=pool_id, Username=username, UserAttributeNames=["custom:frozen"]
        )
    )
    assert code == "InvalidParameterException"
    code, _ = error(
        lambda: anon.delete_user_attributes(AccessToken=token, UserAttributeNames=["nope"])
    )
    assert code == "InvalidParameterException"


def test_deleting_an_address_deletes_its_verified_flag(
    idp: Any, anon: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    username, token = _user(idp, pool_id, client_id, **{"custom:tier": "a"})
    assert _get(anon, token)["email_verified"] == "true"
    anon.delete_user_attributes(AccessToken=token, UserAttributeNames=["email", "custom:tier"])
    attrs = _get(anon, token)
    assert not {"email", "email_verified", "custom:tier"} & set(attrs)
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username=username, UserAttributes=attr_list({"dev:custom:secret": "s"})
    )
    idp.admin_delete_user_attributes(
        UserPoolId=pool_id, Username=username, UserAttributeNames=["dev:custom:secret"]
    )
    assert "dev:custom:secret" not in _admin_get(idp, pool_id, username)


def test_admin_forms_name_unknown_users_and_pools(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, _ = directory
    attrs = attr_list({"given_name": "x"})
    code, message = error(
        lambda: idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username="nobody", UserAttributes=attrs
        )
    )
    assert (code, message) == ("UserNotFoundException", "User does not exist.")
    code, _ = error(
        lambda: idp.admin_delete_user_attributes(
            UserPoolId=pool_id, Username="nobody", UserAttributeNames=["given_name"]
        )
    )
    assert code == "UserNotFoundException"
    code, _ = error(
        lambda: idp.admin_update_user_attributes(
            UserPoolId="us-east-1_Nope12345", Username="nobody", UserAttributes=attrs
        )
    )
    assert code == "ResourceNotFoundException"


# e-mail and phone changes -------------------------------------------------------------------
def test_new_email_is_unverified_and_gets_a_code(
    server: LiveServer, idp: Any, anon: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    username, token = _user(idp, pool_id, client_id)
    new = f"New.{username}@Example.org"
    result = anon.update_user_attributes(
        AccessToken=token, UserAttributes=attr_list({"email": new})
    )
    [details] = result["CodeDeliveryDetailsList"]
    assert details == {
        "Destination": "N***@E***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    attrs = _get(anon, token)
    assert (attrs["email"], attrs["email_verified"]) == (new, "false")
    message = server.outbox(pool_id=pool_id, username=username)[-1]
    assert (message.destination, message.purpose, message.medium) == (
        new,
        "UPDATE_ATTRIBUTE",
        "EMAIL",
    )
    assert message.code is not None
    wrong = "000000" if message.code != "000000" else "111111"
    code, _ = error(
        lambda: anon.verify_user_attribute(AccessToken=token, AttributeName="email", Code=wrong)
    )
    assert code == "CodeMismatchException"
    anon.verify_user_attribute(AccessToken=token, AttributeName="email", Code=message.code)
    assert _get(anon, token)["email_verified"] == "true"
    # The code is used up.
    code, _ = error(
        lambda: anon.verify_user_attribute(
            AccessToken=token, AttributeName="email", Code=message.code
        )
    )
    assert code in ("ExpiredCodeException", "CodeMismatchException")


def test_new_phone_gets_an_sms_code(
    server: LiveServer, idp: Any, anon: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    username, token = _user(idp, pool_id, client_id)
    result = anon.update_user_attributes(
        AccessToken=token, UserAttributes=attr_list({"phone_number": "+14155550123"})
    )
    assert result["CodeDeliveryDetailsList"] == [
        {"Destination": "+*******0123", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
    ]
    message = server.outbox(pool_id=pool_id, username=username)[-1]
    assert (message.medium, message.destination) == ("SMS", "+14155550123")
    anon.verify_user_attribute(AccessToken=token, AttributeName="phone_number", Code=message.code)
    attrs = _get(anon, token)
    assert attrs["phone_number_verified"] == "true"
    assert attrs["email_verified"] == "true"  # the other address is untouched


def test_an_email_not_auto_verified_gets_no_code(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client_id = app_client(pool_id, ExplicitAuthFlows=PASSWORD_FLOWS)["ClientId"]
    username = name()
    make_user(idp, pool_id, client_id, username, {"email": f"{username}@example.com"})
    token = sign_in(idp, client_id, username)["AccessToken"]
    result = anon.update_user_attributes(
        AccessToken=token, UserAttributes=attr_list({"email": f"x{username}@example.com"})
    )
    assert result["CodeDeliveryDetailsList"] == []
    assert _get(anon, token)["email_verified"] == "false"


def test_verification_code_expires_after_a_day(
    server: LiveServer, idp: Any, anon: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    username, token = _user(idp, pool_id, client_id)
    anon.update_user_attributes(
        AccessToken=token, UserAttributes=attr_list({"email": f"b{username}@example.com"})
    )
    code = server.outbox(pool_id=pool_id, username=username)[-1].code
    fresh = sign_in(idp, client_id, username)  # a token that outlives the wait below
    server.clock.advance(24 * 3600 + 1)
    refreshed = anon.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": fresh["RefreshToken"]},
    )["AuthenticationResult"]["AccessToken"]
    got, _ = error(
        lambda: anon.verify_user_attribute(AccessToken=refreshed, AttributeName="email", Code=code)
    )
    assert got == "ExpiredCodeException"


def test_get_user_attribute_verification_code(
    server: LiveServer, idp: Any, anon: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    username = name()
    make_user(idp, pool_id, client_id, username, {"name": "A", "email": f"{username}@example.com"})
    token = sign_in(idp, client_id, username)["AccessToken"]
    assert _get(anon, token).get("email_verified") != "true"  # confirmed by an admin only
    sent = anon.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert sent["CodeDeliveryDetails"]["AttributeName"] == "email"
    message = server.outbox(pool_id=pool_id, username=username)[-1]
    assert message.purpose == "VERIFY_ATTRIBUTE"
    anon.verify_user_attribute(AccessToken=token, AttributeName="email", Code=message.code)
    assert _get(anon, token)["email_verified"] == "true"
    for attribute in ("name", "phone_number"):  # not verifiable / not held
        code, _ = error(
            lambda a=attribute: anon.get_user_attribute_verification_code(
                AccessToken=token, AttributeName=a
            )
        )
        assert code == "InvalidParameterException"


def test_a_code_for_the_old_address_does_not_verify_the_new_one(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()  # nothing auto-verified: changing the address sends no new code
    client_id = app_client(pool_id, ExplicitAuthFlows=PASSWORD_FLOWS)["ClientId"]
    username = name()
    make_user(idp, pool_id, client_id, username, {"email": f"{username}@example.com"})
    token = sign_in(idp, client_id, username)["AccessToken"]
    anon.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    old_code = server.outbox(pool_id=pool_id, username=username)[-1].code
    anon.update_user_attributes(
        AccessToken=token, UserAttributes=attr_list({"email": f"other-{username}@example.com"})
    )
    code, _ = error(
        lambda: anon.verify_user_attribute(AccessToken=token, AttributeName="email", Code=old_code)
    )
    assert code == "ExpiredCodeException"
    assert _get(anon, token)["email_verified"] == "false"


# admin changes ------------------------------------------------------------------------------
def test_admin_change_of_email_sends_a_code_unless_marked_verified(
    server: LiveServer, idp: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    username, _ = _user(idp, pool_id, client_id)
    sent_before = len(server.outbox(pool_id=pool_id, username=username))
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=attr_list({"email": f"c{username}@example.com", "email_verified": "true"}),
    )
    assert len(server.outbox(pool_id=pool_id, username=username)) == sent_before
    assert _admin_get(idp, pool_id, username)["email_verified"] == "true"
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=attr_list({"email": f"d{username}@example.com"}),
    )
    messages = server.outbox(pool_id=pool_id, username=username)
    assert len(messages) == sent_before + 1
    assert messages[-1].destination == f"d{username}@example.com"
    assert _admin_get(idp, pool_id, username)["email_verified"] == "false"


# AttributesRequireVerificationBeforeUpdate ---------------------------------------------------
@pytest.fixture
def keep_original(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, str]:
    """A pool that signs in with a verified e-mail alias and keeps the old address until
    the new one is verified."""
    pool_id = pool(
        AutoVerifiedAttributes=["email"],
        AliasAttributes=["email"],
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )
    return pool_id, app_client(pool_id, ExplicitAuthFlows=PASSWORD_FLOWS)["ClientId"]


def test_pending_email_takes_effect_only_when_verified(
    server: LiveServer, idp: Any, anon: Any, keep_original: tuple[str, str]
) -> None:
    pool_id, client_id = keep_original
    username, token = _user(idp, pool_id, client_id)
    old, new = f"{username}@example.com", f"new-{username}@example.com"
    result = anon.update_user_attributes(
        AccessToken=token, UserAttributes=attr_list({"email": new})
    )
    assert result["CodeDeliveryDetailsList"][0]["AttributeName"] == "email"
    message = server.outbox(pool_id=pool_id, username=username)[-1]
    assert message.destination == new
    # The old address stays in force, verified, and signs in; the new one does not yet.
    attrs = _get(anon, token)
    assert (attrs["email"], attrs["email_verified"]) == (old, "true")
    assert claims(sign_in(idp, client_id, old)["IdToken"])["email"] == old
    code, _ = error(lambda: sign_in(idp, client_id, new))
    assert code in ("UserNotFoundException", "NotAuthorizedException")
    assert idp.list_users(UserPoolId=pool_id, Filter=f'email = "{new}"')["Users"] == []

    anon.verify_user_attribute(AccessToken=token, AttributeName="email", Code=message.code)
    attrs = _get(anon, token)
    assert (attrs["email"], attrs["email_verified"]) == (new, "true")
    assert sign_in(idp, client_id, new)["AccessToken"]
    code, _ = error(lambda: sign_in(idp, client_id, old))
    assert code in ("UserNotFoundException", "NotAuthorizedException")
    [found] = idp.list_users(UserPoolId=pool_id, Filter=f'email = "{new}"')["Users"]
    assert found["Username"] == username


def test_an_admin_can_verify_the_pending_email(
    idp: Any, anon: Any, keep_original: tuple[str, str]
) -> None:
    pool_id, client_id = keep_original
    username, token = _user(idp, pool_id, client_id)
    new = f"new-{username}@example.com"
    anon.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"email": new}))
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username=username, UserAttributes=attr_list({"email_verified": "true"})
    )
    attrs = _admin_get(idp, pool_id, username)
    assert (attrs["email"], attrs["email_verified"]) == (new, "true")
    assert sign_in(idp, client_id, new)["AccessToken"]


def test_an_unverified_email_changes_at_once_even_with_keep_original(
    idp: Any, anon: Any, keep_original: tuple[str, str]
) -> None:
    pool_id, client_id = keep_original
    username = name()
    make_user(idp, pool_id, client_id, username, {"email": f"{username}@example.com"})
    token = sign_in(idp, client_id, username)["AccessToken"]
    new = f"new-{username}@example.com"
    anon.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"email": new}))
    assert _get(anon, token)["email"] == new


# aliases ------------------------------------------------------------------------------------
def test_verifying_an_email_another_user_signs_in_with_is_refused(
    server: LiveServer, idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email"], AliasAttributes=["email"])
    client_id = app_client(pool_id, ExplicitAuthFlows=PASSWORD_FLOWS)["ClientId"]
    holder, _ = _user(idp, pool_id, client_id)
    taken = f"{holder}@example.com"
    other, token = _user(idp, pool_id, client_id)
    anon.update_user_attributes(
        AccessToken=token, UserAttributes=attr_list({"email": taken.upper()})
    )
    code_value = server.outbox(pool_id=pool_id, username=other)[-1].code
    code, message = error(
        lambda: anon.verify_user_attribute(
            AccessToken=token, AttributeName="email", Code=code_value
        )
    )
    assert (code, message) == (
        "AliasExistsException",
        "An account with the given email already exists.",
    )
    assert _get(anon, token)["email_verified"] == "false"
    # The alias stays with its holder.
    assert claims(sign_in(idp, client_id, taken)["IdToken"])["cognito:username"] == holder
    # An admin marking it verified is refused the same way.
    code, _ = error(
        lambda: idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username=other, UserAttributes=attr_list({"email_verified": "true"})
        )
    )
    assert code == "AliasExistsException"


def test_preferred_username_is_an_alias_at_once(
    idp: Any, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(AliasAttributes=["preferred_username"])
    client_id = app_client(pool_id, ExplicitAuthFlows=PASSWORD_FLOWS)["ClientId"]
    first, second = name(), name()
    make_user(idp, pool_id, client_id, first)
    make_user(idp, pool_id, client_id, second)
    token = sign_in(idp, client_id, first)["AccessToken"]
    nick = f"nick{first[-6:]}"
    anon.update_user_attributes(
        AccessToken=token, UserAttributes=attr_list({"preferred_username": nick})
    )
    assert claims(sign_in(idp, client_id, nick)["IdToken"])["cognito:username"] == first
    other = sign_in(idp, client_id, second)["AccessToken"]
    code, message = error(
        lambda: anon.update_user_attributes(
            AccessToken=other, UserAttributes=attr_list({"preferred_username": nick})
        )
    )
    assert code == "AliasExistsException", message
    # Deleting it frees the alias.
    anon.delete_user_attributes(AccessToken=token, UserAttributeNames=["preferred_username"])
    anon.update_user_attributes(
        AccessToken=other, UserAttributes=attr_list({"preferred_username": nick})
    )
    assert claims(sign_in(idp, client_id, nick)["IdToken"])["cognito:username"] == second
