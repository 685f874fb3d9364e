"""Sign-in names end to end through boto3 (SQLite and PostgreSQL): UsernameAttributes (the
e-mail address or phone number is the sign-in name and the username is the sub), AliasAttributes
(a verified e-mail or phone, or any preferred_username, signs in besides the username; unique
per pool), case-insensitive usernames, and the sub as an immutable id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycognito.aws_srp import AWSSRP
from tests.support.server import LiveServer

from .helpers import PASSWORD, PASSWORD_FLOWS, attr_list, claims, error, make_user, name, sign_in

PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]


def _client(app_client: ClientFactory, pool_id: str) -> str:
    client_id: str = app_client(pool_id, ExplicitAuthFlows=PASSWORD_FLOWS)["ClientId"]
    return client_id


def test_email_as_username(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = _client(app_client, pool_id)
    email = f"{name()}@Example.com"
    sub = make_user(idp, pool_id, client_id, email)
    user = idp.admin_get_user(UserPoolId=pool_id, Username=email)
    assert user["Username"] == sub  # the username is the sub
    # Sign in with the address in any case, by password and by SRP (pycognito).
    tokens = sign_in(idp, client_id, email.lower())
    assert claims(tokens["IdToken"])["cognito:username"] == sub
    assert claims(tokens["AccessToken"])["username"] == sub
    AWSSRP(
        email.upper(), PASSWORD, pool_id, client_id, client=server.anon_client()
    ).authenticate_user()
    code, message = error(lambda: make_user(idp, pool_id, client_id, email.upper()))
    assert (code, message) == (
        "UsernameExistsException",
        "An account with the given email already exists.",
    )
    [listed] = idp.list_users(UserPoolId=pool_id, Filter=f'username = "{sub}"')["Users"]
    assert listed["Username"] == sub
    code, _ = error(lambda: make_user(idp, pool_id, client_id, "not-an-address"))
    assert code == "InvalidParameterException"


def test_phone_as_username(idp: Any, pool: PoolFactory, app_client: ClientFactory) -> None:
    pool_id = pool(UsernameAttributes=["phone_number"])
    client_id = _client(app_client, pool_id)
    phone = "+14155550177"
    sub = make_user(idp, pool_id, client_id, phone)
    assert claims(sign_in(idp, client_id, phone)["IdToken"])["cognito:username"] == sub
    assert idp.admin_get_user(UserPoolId=pool_id, Username=phone)["Username"] == sub


def test_changing_the_sign_in_address_in_a_username_attributes_pool(
    idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(UsernameAttributes=["email", "phone_number"])
    client_id = _client(app_client, pool_id)
    first, second = f"{name()}@example.com", f"{name()}@example.com"
    make_user(idp, pool_id, client_id, first)
    make_user(idp, pool_id, client_id, second)
    token = sign_in(idp, client_id, first)["AccessToken"]
    anon_update = idp.update_user_attributes
    # A phone number added is a sign-in name at once, verified or not (as Cognito does).
    anon_update(AccessToken=token, UserAttributes=attr_list({"phone_number": "+14155550188"}))
    assert sign_in(idp, client_id, "+14155550188")["AccessToken"]
    code, message = error(
        lambda: anon_update(AccessToken=token, UserAttributes=attr_list({"email": second.upper()}))
    )
    assert (code, message) == (
        "AliasExistsException",
        "An account with the given email already exists.",
    )
    moved = f"moved-{first}"
    anon_update(AccessToken=token, UserAttributes=attr_list({"email": moved}))
    assert sign_in(idp, client_id, moved)["AccessToken"]
    code, _ = error(lambda: sign_in(idp, client_id, first))
    assert code in ("UserNotFoundException", "NotAuthorizedException")


def test_alias_attributes(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(
        AliasAttributes=["email", "phone_number", "preferred_username"],
        AutoVerifiedAttributes=["email"],
    )
    client_id = _client(app_client, pool_id)
    username = name()
    email = f"{username}@example.com"
    idp.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=attr_list({"email": email, "phone_number": "+14155550199"}),
    )
    code_value = server.outbox(pool_id=pool_id, username=username)[-1].code
    idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code_value)
    # The e-mail the code went to is verified and signs in; the phone is not verified, so not.
    assert claims(sign_in(idp, client_id, email.upper())["IdToken"])["cognito:username"] == username
    code, _ = error(lambda: sign_in(idp, client_id, "+14155550199"))
    assert code in ("UserNotFoundException", "NotAuthorizedException")
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=attr_list({"phone_number_verified": "true", "preferred_username": "Ace"}),
    )
    for alias in ("+14155550199", "Ace"):
        assert claims(sign_in(idp, client_id, alias)["IdToken"])["cognito:username"] == username
    # Admin calls name a user by alias too.
    assert idp.admin_get_user(UserPoolId=pool_id, Username=email)["Username"] == username
    # A username shaped like an alias is refused.
    code, _ = error(lambda: make_user(idp, pool_id, client_id, f"other-{email}"))
    assert code == "InvalidParameterException"


def test_alias_uniqueness_and_force_alias_creation(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = _client(app_client, pool_id)
    email = f"{name()}@example.com"
    first, second = name("first"), name("second")
    for username in (first, second):
        idp.sign_up(
            ClientId=client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=attr_list({"email": email}),
        )
    idp.confirm_sign_up(
        ClientId=client_id,
        Username=first,
        ConfirmationCode=server.outbox(pool_id=pool_id, username=first)[-1].code,
    )
    second_code = server.outbox(pool_id=pool_id, username=second)[-1].code
    code, _ = error(
        lambda: idp.confirm_sign_up(
            ClientId=client_id, Username=second, ConfirmationCode=second_code
        )
    )
    assert code == "AliasExistsException"
    idp.confirm_sign_up(
        ClientId=client_id, Username=second, ConfirmationCode=second_code, ForceAliasCreation=True
    )
    # The alias moved; the first user's address is no longer verified.
    assert claims(sign_in(idp, client_id, email)["IdToken"])["cognito:username"] == second
    first_attrs = idp.admin_get_user(UserPoolId=pool_id, Username=first)["UserAttributes"]
    assert {"Name": "email_verified", "Value": "false"} in first_attrs


def test_case_insensitive_usernames(idp: Any, pool: PoolFactory, app_client: ClientFactory) -> None:
    pool_id = pool(UsernameConfiguration={"CaseSensitive": False})
    client_id = _client(app_client, pool_id)
    username = f"Mixed-{name()}"
    make_user(idp, pool_id, client_id, username)
    for spelling in (username.lower(), username.upper()):
        tokens = sign_in(idp, client_id, spelling)
        assert claims(tokens["IdToken"])["cognito:username"] == username  # kept as written
        assert idp.admin_get_user(UserPoolId=pool_id, Username=spelling)["Username"] == username
    code, _ = error(lambda: make_user(idp, pool_id, client_id, username.swapcase()))
    assert code == "UsernameExistsException"


def test_case_sensitive_usernames(idp: Any, pool: PoolFactory, app_client: ClientFactory) -> None:
    pool_id = pool(UsernameConfiguration={"CaseSensitive": True})
    client_id = _client(app_client, pool_id)
    username = f"Mixed-{name()}"
    make_user(idp, pool_id, client_id, username)
    make_user(idp, pool_id, client_id, username.lower())  # another user
    code, _ = error(lambda: idp.admin_get_user(UserPoolId=pool_id, Username=username.upper()))
    assert code == "UserNotFoundException"


def test_sub_is_immutable_and_stable(
    idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client_id = _client(app_client, pool_id)
    username = name()
    sub = make_user(idp, pool_id, client_id, username)
    code, _ = error(
        lambda: idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username=username, UserAttributes=attr_list({"sub": sub[::-1]})
        )
    )
    assert code == "InvalidParameterException"
    code, _ = error(
        lambda: idp.admin_delete_user_attributes(
            UserPoolId=pool_id, Username=username, UserAttributeNames=["sub"]
        )
    )
    assert code == "InvalidParameterException"
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username=username, UserAttributes=attr_list({"name": "Renamed"})
    )
    tokens = sign_in(idp, client_id, username)
    assert claims(tokens["IdToken"])["sub"] == claims(tokens["AccessToken"])["sub"] == sub
