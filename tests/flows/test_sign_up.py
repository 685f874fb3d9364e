"""SignUp through boto3 against a live server, on SQLite and PostgreSQL: the response, the
message sent, and every refusal Cognito makes, with Cognito's error names and messages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from tests.support.secrets import tampered
from tests.support.server import LiveServer

PASSWORD = "Corr3ct-horse!"
EMAIL_TEMPLATE = {
    "EmailMessage": "Hello {username}, your sign-up code is {####}.",
    "EmailSubject": "Welcome to Example",
    "SmsMessage": "{username}: your Example code is {####}",
    "DefaultEmailOption": "CONFIRM_WITH_CODE",
}

PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]


# helpers shared with test_codes -------------------------------------------------------------
def error(call: Callable[[], object]) -> tuple[str, str]:
    """(Code, Message) of the ClientError ``call`` raises; fails if it succeeds."""
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def attrs(**values: str) -> list[dict[str, str]]:
    return [{"Name": k.replace("__", ":"), "Value": v} for k, v in values.items()]


def user_attributes(idp: Any, pool_id: str, username: str) -> dict[str, str]:
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign_up(anon: Any, client_id: str, username: str, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("Password", PASSWORD)
    result: dict[str, Any] = anon.sign_up(ClientId=client_id, Username=username, **kwargs)
    return result


def name(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# fixtures -----------------------------------------------------------------------------------
@pytest.fixture
def anon(server: LiveServer) -> Any:
    """An unsigned boto3 client, as an app calls SignUp."""
    return server.anon_client()


@pytest.fixture
def email_pool(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, str]:
    """(pool id, client id): e-mail auto-verified, a custom attribute, a message template."""
    pool_id = pool(
        AutoVerifiedAttributes=["email"],
        Schema=[
            {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
            {"Name": "age", "AttributeDataType": "Number", "Mutable": True},
        ],
        VerificationMessageTemplate=EMAIL_TEMPLATE,
    )
    return pool_id, app_client(pool_id)["ClientId"]


# the response and the message ----------------------------------------------------------------
def test_sign_up_with_email_sends_the_template_with_code_and_username(
    server: LiveServer, idp: Any, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username = name("alice")
    out = sign_up(
        anon,
        client_id,
        username,
        UserAttributes=attrs(
            email="alice@example.com",
            given_name="Alice",
            family_name="Liddell",
            birthdate="1852-05-04",
            custom__tier="gold",
            custom__age="42",
        ),
        ClientMetadata={"campaign": "spring", "source": "test"},
    )

    assert out["UserConfirmed"] is False
    assert str(uuid.UUID(out["UserSub"])) == out["UserSub"]
    assert out["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    [message] = server.outbox(pool_id=pool_id, username=username)
    assert message.medium == "EMAIL"
    assert message.purpose == "SIGN_UP"
    assert message.destination == "alice@example.com"
    assert message.subject == "Welcome to Example"
    assert message.code is not None
    assert message.code.isdigit()
    assert len(message.code) == 6
    assert message.body == f"Hello {username}, your sign-up code is {message.code}."

    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["UserStatus"] == "UNCONFIRMED"
    assert user["Enabled"] is True
    stored = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert stored == {
        "sub": out["UserSub"],
        "email": "alice@example.com",
        "email_verified": "false",
        "given_name": "Alice",
        "family_name": "Liddell",
        "birthdate": "1852-05-04",
        "custom:tier": "gold",
        "custom:age": "42",
    }


def test_phone_is_preferred_when_both_are_auto_verified(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(
        AutoVerifiedAttributes=["email", "phone_number"],
        VerificationMessageTemplate=EMAIL_TEMPLATE,
    )
    client_id = app_client(pool_id)["ClientId"]
    username = name("bob")
    out = sign_up(
        anon,
        client_id,
        username,
        UserAttributes=attrs(email="bob@example.org", phone_number="+14155551234"),
    )

    assert out["CodeDeliveryDetails"] == {
        "Destination": "+*******1234",
        "DeliveryMedium": "SMS",
        "AttributeName": "phone_number",
    }
    [message] = server.outbox(pool_id=pool_id, username=username)
    assert message.medium == "SMS"
    assert message.destination == "+14155551234"
    assert message.subject is None
    assert message.body == f"{username}: your Example code is {message.code}"


def test_email_is_used_when_the_user_has_no_phone(
    pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email", "phone_number"])
    client_id = app_client(pool_id)["ClientId"]
    out = sign_up(anon, client_id, name(), UserAttributes=attrs(email="Carol@Example.net"))
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert out["CodeDeliveryDetails"]["Destination"] == "C***@E***"


def test_long_phone_numbers_are_masked_to_their_last_four_digits(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["phone_number"])
    client_id = app_client(pool_id)["ClientId"]
    out = sign_up(anon, client_id, name(), UserAttributes=attrs(phone_number="+5511987654516"))
    assert out["CodeDeliveryDetails"]["Destination"] == "+*********4516"
    # The default SMS template when the pool sets none.
    [message] = server.outbox(pool_id=pool_id)
    assert message.body == f"Your verification code is {message.code}. "


def test_no_code_is_sent_when_the_pool_auto_verifies_nothing(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool()
    client_id = app_client(pool_id)["ClientId"]
    username = name()
    out = sign_up(anon, client_id, username, UserAttributes=attrs(email="dave@example.com"))

    assert out["UserConfirmed"] is False
    assert "CodeDeliveryDetails" not in out
    assert server.outbox(pool_id=pool_id) == []
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["UserStatus"] == "UNCONFIRMED"


def test_e_mail_and_phone_are_stored_as_written(
    idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool()
    client_id = app_client(pool_id)["ClientId"]
    username = name()
    sign_up(
        anon,
        client_id,
        username,
        UserAttributes=attrs(email="erin@EXAMPLE.com", phone_number="+442071838750"),
    )
    stored = user_attributes(idp, pool_id, username)
    assert stored["email"] == "erin@EXAMPLE.com"
    assert stored["phone_number"] == "+442071838750"


def test_a_pool_with_email_as_username_keys_the_user_by_its_sub(
    idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = app_client(pool_id)["ClientId"]
    out = sign_up(anon, client_id, "frank@example.com")

    user = idp.admin_get_user(UserPoolId=pool_id, Username="frank@example.com")
    assert user["Username"] == out["UserSub"]
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == ("frank@example.com")
    code, message = error(lambda: sign_up(anon, client_id, "FRANK@example.com"))
    assert code == "UsernameExistsException"
    assert message == "An account with the given email already exists."

    code, message = error(lambda: sign_up(anon, client_id, "frank"))
    assert code == "InvalidParameterException"
    assert message == "Username should be an email."


# refusals: attributes ------------------------------------------------------------------------
def test_a_required_attribute_must_be_given(
    idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(Schema=[{"Name": "email", "Required": True, "Mutable": True}])
    client_id = app_client(pool_id)["ClientId"]
    username = name()

    code, message = error(lambda: sign_up(anon, client_id, username))
    assert code == "InvalidParameterException"
    assert message == (
        "Attributes did not conform to the schema: email: The attribute email is required"
    )
    code, _ = error(lambda: sign_up(anon, client_id, username, UserAttributes=attrs(email="")))
    assert code == "InvalidParameterException"
    code, _ = error(lambda: idp.admin_get_user(UserPoolId=pool_id, Username=username))
    assert code == "UserNotFoundException"

    sign_up(anon, client_id, username, UserAttributes=attrs(email="gina@example.com"))


@pytest.mark.parametrize("attribute", ["custom:nope", "favourite_colour", "dev:custom:tier"])
def test_an_unknown_attribute_is_refused(
    anon: Any, email_pool: tuple[str, str], attribute: str
) -> None:
    _, client_id = email_pool
    code, message = error(
        lambda: sign_up(
            anon,
            client_id,
            name(),
            UserAttributes=[
                {"Name": "email", "Value": "hal@example.com"},
                {"Name": attribute, "Value": "x"},
            ],
        )
    )
    assert code == "InvalidParameterException"
    assert message == (
        f"Attributes did not conform to the schema: {attribute}: "
        "Attribute does not exist in the schema."
    )


def test_sub_cannot_be_chosen_by_the_caller(anon: Any, email_pool: tuple[str, str]) -> None:
    _, client_id = email_pool
    chosen = str(uuid.uuid4())
    code, _ = error(lambda: sign_up(anon, client_id, name(), UserAttributes=attrs(sub=chosen)))
    assert code == "InvalidParameterException"


def test_an_attribute_the_client_may_not_write_is_refused(
    idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email"])
    client_id = app_client(pool_id, WriteAttributes=["email", "given_name"])["ClientId"]
    username = name()

    code, message = error(
        lambda: sign_up(
            anon,
            client_id,
            username,
            UserAttributes=attrs(email="ivy@example.com", family_name="Nope"),
        )
    )
    assert code == "NotAuthorizedException"
    assert message == "A client attempted to write unauthorized attribute"
    # Nobody may mark their own address verified through a client.
    code, _ = error(
        lambda: sign_up(
            anon,
            client_id,
            username,
            UserAttributes=attrs(email="ivy@example.com", email_verified="true"),
        )
    )
    assert code == "NotAuthorizedException"
    code, _ = error(lambda: idp.admin_get_user(UserPoolId=pool_id, Username=username))
    assert code == "UserNotFoundException"

    sign_up(
        anon, client_id, username, UserAttributes=attrs(email="ivy@example.com", given_name="I")
    )


def test_email_verified_cannot_be_written_by_a_client_without_write_attributes(
    anon: Any, email_pool: tuple[str, str]
) -> None:
    _, client_id = email_pool
    code, message = error(
        lambda: sign_up(
            anon,
            client_id,
            name(),
            UserAttributes=attrs(email="jo@example.com", email_verified="true"),
        )
    )
    assert (code, message) == (
        "NotAuthorizedException",
        "A client attempted to write unauthorized attribute",
    )


@pytest.mark.parametrize(
    "address", ["not-an-email", "two@@example.com", "trailing-dot@example.", "@example.com"]
)
def test_a_malformed_email_is_refused(anon: Any, email_pool: tuple[str, str], address: str) -> None:
    _, client_id = email_pool
    code, message = error(
        lambda: sign_up(anon, client_id, name(), UserAttributes=attrs(email=address))
    )
    assert (code, message) == ("InvalidParameterException", "Invalid email address format.")


@pytest.mark.parametrize(
    "number", ["4155551234", "+1 415 555 1234", "+1(415)5551234", "+1-415-555-1234", "+12"]
)
def test_a_phone_number_not_in_e164_is_refused(
    pool: PoolFactory, app_client: ClientFactory, anon: Any, number: str
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["phone_number"])
    client_id = app_client(pool_id)["ClientId"]
    code, message = error(
        lambda: sign_up(anon, client_id, name(), UserAttributes=attrs(phone_number=number))
    )
    assert (code, message) == ("InvalidParameterException", "Invalid phone number format.")


def test_a_custom_number_attribute_must_be_a_number(anon: Any, email_pool: tuple[str, str]) -> None:
    _, client_id = email_pool
    code, _ = error(
        lambda: sign_up(
            anon,
            client_id,
            name(),
            UserAttributes=attrs(email="kim@example.com", custom__age="forty"),
        )
    )
    assert code == "InvalidParameterException"


# refusals: the password ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Sh0rt!", "Password not long enough"),
        ("n0-upper-case!", "Password must have uppercase characters"),
        ("N0-LOWER-CASE!", "Password must have lowercase characters"),
        ("No-Numbers-Here!", "Password must have numeric characters"),
        ("NoSymbols1234", "Password must have symbol characters"),
    ],
)
def test_each_rule_of_the_default_password_policy(
    anon: Any, email_pool: tuple[str, str], password: str, rule: str
) -> None:
    _, client_id = email_pool
    code, message = error(
        lambda: sign_up(
            anon,
            client_id,
            name(),
            Password=password,
            UserAttributes=attrs(email="lee@example.com"),
        )
    )
    assert code == "InvalidPasswordException"
    assert message == f"Password did not conform with policy: {rule}"


def test_a_relaxed_policy_accepts_what_the_default_refuses(
    pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": False,
                "RequireLowercase": True,
                "RequireNumbers": False,
                "RequireSymbols": False,
            }
        }
    )
    client_id = app_client(pool_id)["ClientId"]
    code, message = error(lambda: sign_up(anon, client_id, name(), Password="elevenchars"))
    assert code == "InvalidPasswordException"
    assert message == "Password did not conform with policy: Password not long enough"

    out = sign_up(anon, client_id, name(), Password="twelve-chars")
    assert out["UserConfirmed"] is False


@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")  # pycognito
def test_the_password_is_kept_as_typed_so_an_srp_client_signs_in_with_it(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    """A decomposed "ä" (a + U+0308, as some keyboards type it): SRP clients hash the bytes
    they have, so the verifier must be made of those very bytes, not of a normalised form."""
    pool_id = pool()
    client_id = app_client(pool_id)["ClientId"]
    username = name()
    password = "Pa\u0308ssw0rd-\ufb01ne"  # also "ﬁ", which NFKC would turn into "fi"
    sign_up(anon, client_id, username, Password=password)
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)

    tokens = AWSSRP(
        username=username, password=password, pool_id=pool_id, client_id=client_id, client=anon
    ).authenticate_user()
    assert "AccessToken" in tokens["AuthenticationResult"]
    composed = "P\u00e4ssw0rd-fine"
    code, _ = error(
        lambda: AWSSRP(
            username=username, password=composed, pool_id=pool_id, client_id=client_id, client=anon
        ).authenticate_user()
    )
    assert code == "NotAuthorizedException"


# refusals: the name --------------------------------------------------------------------------
def test_a_taken_username_is_refused_and_the_first_user_is_untouched(
    server: LiveServer, idp: Any, anon: Any, email_pool: tuple[str, str]
) -> None:
    pool_id, client_id = email_pool
    username = name()
    first = sign_up(anon, client_id, username, UserAttributes=attrs(email="max@example.com"))

    code, message = error(
        lambda: sign_up(anon, client_id, username, UserAttributes=attrs(email="eve@example.com"))
    )
    assert (code, message) == ("UsernameExistsException", "User already exists")
    stored = user_attributes(idp, pool_id, username)
    assert stored["sub"] == first["UserSub"]
    assert stored["email"] == "max@example.com"
    assert server.svc.store.count_users(pool_id) == 1
    assert len(server.outbox(pool_id=pool_id)) == 1  # no code went to the second address


def test_names_differing_in_case_are_one_name_in_a_case_insensitive_pool(
    idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(UsernameConfiguration={"CaseSensitive": False})
    client_id = app_client(pool_id)["ClientId"]
    sign_up(anon, client_id, "Nadia")

    code, _ = error(lambda: sign_up(anon, client_id, "nADIA"))
    assert code == "UsernameExistsException"
    user = idp.admin_get_user(UserPoolId=pool_id, Username="NADIA")
    assert user["Username"] == "Nadia"  # kept as written


def test_names_differing_in_case_are_two_users_in_a_case_sensitive_pool(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(UsernameConfiguration={"CaseSensitive": True})
    client_id = app_client(pool_id)["ClientId"]
    one = sign_up(anon, client_id, "Oscar")
    two = sign_up(anon, client_id, "oscar")
    assert one["UserSub"] != two["UserSub"]
    assert server.svc.store.count_users(pool_id) == 2


def test_sign_up_is_refused_in_an_admin_only_pool(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    client_id = app_client(pool_id)["ClientId"]
    refused = ("NotAuthorizedException", "SignUp is not permitted for this user pool")
    assert (
        error(
            lambda: sign_up(anon, client_id, name(), UserAttributes=attrs(email="pat@example.com"))
        )
        == refused
    )
    # The pool's rule comes first: input that is wrong as well gets the same answer.
    assert (
        error(
            lambda: sign_up(anon, client_id, name(), Password="weak", UserAttributes=attrs(x="y"))
        )
        == refused
    )
    assert server.svc.store.count_users(pool_id) == 0


def test_a_username_shaped_like_an_alias_is_refused_in_an_alias_pool(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(AliasAttributes=["email", "phone_number"])
    client_id = app_client(pool_id)["ClientId"]
    code, message = error(lambda: sign_up(anon, client_id, "quinn@example.com"))
    assert (code, message) == (
        "InvalidParameterException",
        "Username cannot be of email format, since user pool is configured for email alias.",
    )
    code, message = error(lambda: sign_up(anon, client_id, "+14155550199"))
    assert (code, message) == (
        "InvalidParameterException",
        "Username cannot be of phone number format, since user pool is configured for "
        "phone number alias.",
    )
    assert server.svc.store.count_users(pool_id) == 0
    sign_up(anon, client_id, "quinn", UserAttributes=attrs(email="quinn@example.com"))


def test_a_pool_with_phone_as_username(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool(UsernameAttributes=["phone_number"], AutoVerifiedAttributes=["phone_number"])
    client_id = app_client(pool_id)["ClientId"]
    out = sign_up(anon, client_id, "+14155550142")
    assert out["CodeDeliveryDetails"]["Destination"] == "+*******0142"
    user = idp.admin_get_user(UserPoolId=pool_id, Username="+14155550142")
    assert user["Username"] == out["UserSub"]

    code, message = error(lambda: sign_up(anon, client_id, "rosa@example.com"))
    assert (code, message) == ("InvalidParameterException", "Username should be a phone number.")
    code, message = error(lambda: sign_up(anon, client_id, "+14155550142"))
    assert (code, message) == (
        "UsernameExistsException",
        "An account with the given phone_number already exists.",
    )


def test_an_unknown_client_is_refused(anon: Any) -> None:
    code, _ = error(lambda: sign_up(anon, "a" * 26, name()))
    assert code == "ResourceNotFoundException"


# SECRET_HASH ---------------------------------------------------------------------------------
def test_secret_hash_is_required_and_checked_for_a_client_with_a_secret(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory, anon: Any
) -> None:
    pool_id = pool()
    client = app_client(pool_id, GenerateSecret=True)
    client_id, secret = client["ClientId"], client["ClientSecret"]
    username = name()

    code, message = error(lambda: sign_up(anon, client_id, username))
    assert code == "NotAuthorizedException"
    assert message == (
        f"Client {client_id} is configured with secret but SECRET_HASH was not received"
    )
    code, message = error(
        lambda: sign_up(
            anon, client_id, username, SecretHash=secret_hash(secret, "someone-else", client_id)
        )
    )
    assert (code, message) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {client_id}",
    )
    code, _ = error(
        lambda: sign_up(
            anon,
            client_id,
            username,
            SecretHash=secret_hash(tampered(secret), username, client_id),
        )
    )
    assert code == "NotAuthorizedException"
    assert server.svc.store.count_users(pool_id) == 0

    out = sign_up(anon, client_id, username, SecretHash=secret_hash(secret, username, client_id))
    assert out["UserConfirmed"] is False
    assert server.svc.store.count_users(pool_id) == 1


# racing sign-ups -----------------------------------------------------------------------------
def test_racing_sign_ups_of_one_name_make_exactly_one_user(
    server: LiveServer, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email"])
    client_id = app_client(pool_id)["ClientId"]
    username = name("race")
    threads = 8
    clients = [server.anon_client() for _ in range(threads)]
    barrier = threading.Barrier(threads, timeout=60)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            clients[i].sign_up(
                ClientId=client_id,
                Username=username,
                Password=PASSWORD,
                UserAttributes=attrs(email=f"racer{i}@example.com"),
            )
            outcome = "ok"
        except ClientError as exc:
            outcome = exc.response["Error"]["Code"]
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=attempt, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    assert sorted(outcomes) == ["UsernameExistsException"] * (threads - 1) + ["ok"]
    assert server.svc.store.count_users(pool_id) == 1
    # Only the winner was sent a code.
    [message] = server.outbox(pool_id=pool_id)
    assert message.username == username
