"""Sign-in against a live server, on SQLite and PostgreSQL: USER_SRP_AUTH with pycognito's
SRP as the client (an implementation independent of ours), USER_PASSWORD_AUTH and
ADMIN_USER_PASSWORD_AUTH through boto3, with Cognito's error names and messages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from tests.support.server import LiveServer

from authpool import srp

# pycognito stamps its proof with datetime.utcnow(), deprecated from Python 3.12 on.
pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

PASSWORD = "Corr3ct-horse!"
WRONG = "Incorrect username or password."
PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]


# helpers ------------------------------------------------------------------------------------
def error(call: Callable[[], object]) -> tuple[str, str]:
    """(Code, Message) of the ClientError ``call`` raises; fails if it succeeds."""
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def new_name(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def register(
    server: LiveServer,
    pool_id: str,
    client: dict[str, Any],
    username: str,
    *,
    password: str = PASSWORD,
    confirm: bool = True,
    **attributes: str,
) -> str:
    """SignUp (and AdminConfirmSignUp unless ``confirm`` is false); returns the sub."""
    kwargs: dict[str, Any] = {
        "ClientId": client["ClientId"],
        "Username": username,
        "Password": password,
        "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
    }
    if client.get("ClientSecret"):
        kwargs["SecretHash"] = secret_hash(client["ClientSecret"], username, client["ClientId"])
    sub: str = server.anon_client().sign_up(**kwargs)["UserSub"]
    if confirm:
        server.client().admin_confirm_sign_up(UserPoolId=pool_id, Username=username)
    return sub


class Srp:
    """One SRP sign-in driven step by step, pycognito doing the client's math."""

    def __init__(
        self,
        anon: Any,
        pool_id: str,
        client: dict[str, Any],
        username: str,
        password: str = PASSWORD,
    ) -> None:
        self.anon = anon
        self.client_id = client["ClientId"]
        self.aws = AWSSRP(
            username=username,
            password=password,
            pool_id=pool_id,
            client_id=client["ClientId"],
            client=anon,
            client_secret=client.get("ClientSecret"),
        )
        self.auth_params = self.aws.get_auth_params()

    def initiate(self) -> dict[str, Any]:
        result: dict[str, Any] = self.anon.initiate_auth(
            ClientId=self.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=self.auth_params
        )
        return result

    def answers(self, challenge: dict[str, Any]) -> dict[str, str]:
        answers: dict[str, str] = self.aws.process_challenge(
            challenge["ChallengeParameters"], self.auth_params
        )
        return answers

    def respond(self, answers: dict[str, str], client_id: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.anon.respond_to_auth_challenge(
            ClientId=client_id or self.client_id,
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=answers,
        )
        return result


def respelled(block: str) -> str:
    """The same bytes under another base64 spelling: with padding, the lowest bit of the
    last character before it carries no data (Python's decoder ignores it)."""
    assert block.endswith("="), "needs a padded block"
    body = block.rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = body[:-1] + alphabet[alphabet.index(body[-1]) ^ 1] + block[len(body) :]
    assert twin != block
    assert base64.b64decode(twin) == base64.b64decode(block)
    return twin


# fixtures -----------------------------------------------------------------------------------
@pytest.fixture
def anon(server: LiveServer) -> Any:
    return server.anon_client()


@pytest.fixture
def srp_pool(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, dict[str, Any]]:
    """A pool and a client with the default flows (SRP, refresh, custom)."""
    pool_id = pool()
    return pool_id, app_client(pool_id)


@pytest.fixture
def enabled_pool(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, dict[str, Any]]:
    """A client that prevents user existence errors."""
    pool_id = pool()
    return pool_id, app_client(pool_id, PreventUserExistenceErrors="ENABLED")


# USER_SRP_AUTH --------------------------------------------------------------------------------
def test_srp_sign_in_with_the_right_password_returns_tokens(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name)
    challenge = flow.initiate()
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    assert "AuthenticationResult" not in challenge
    result = flow.respond(flow.answers(challenge))
    tokens = result["AuthenticationResult"]
    assert set(tokens) == {"AccessToken", "ExpiresIn", "TokenType", "RefreshToken", "IdToken"}
    assert tokens["TokenType"] == "Bearer"
    assert result.get("ChallengeParameters", {}) == {}
    assert anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == name


def test_srp_sign_in_with_a_wrong_password_is_refused(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name, password="Wr0ng-horse!")
    answers = flow.answers(flow.initiate())
    assert error(lambda: flow.respond(answers)) == ("NotAuthorizedException", WRONG)


def test_srp_challenge_parameters(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name)
    first = Srp(anon, pool_id, client, name).initiate()
    params = first["ChallengeParameters"]
    assert set(params) == {"SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"}
    assert params["USERNAME"] == params["USER_ID_FOR_SRP"] == name
    b_public = srp.from_hex(params["SRP_B"])
    assert 1 < b_public < srp.N
    assert srp.from_hex(params["SALT"]) > 0
    base64.b64decode(params["SECRET_BLOCK"], validate=True)
    # The same salt (it is the user's), a fresh B and block every time.
    second = Srp(anon, pool_id, client, name).initiate()["ChallengeParameters"]
    assert second["SALT"] == params["SALT"]
    assert second["SRP_B"] != params["SRP_B"]
    assert second["SECRET_BLOCK"] != params["SECRET_BLOCK"]


def test_srp_username_is_case_insensitive_and_the_challenge_names_the_stored_user(
    server: LiveServer, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(UsernameConfiguration={"CaseSensitive": False})
    client = app_client(pool_id)
    name = new_name("Mixed")
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name.upper())
    challenge = flow.initiate()
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == name
    assert "AccessToken" in flow.respond(flow.answers(challenge))["AuthenticationResult"]


def test_srp_with_a_client_secret(
    server: LiveServer, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client = app_client(pool_id, GenerateSecret=True)
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name)
    answers = flow.answers(flow.initiate())
    assert "SECRET_HASH" in flow.auth_params
    assert "SECRET_HASH" in answers
    assert "IdToken" in flow.respond(answers)["AuthenticationResult"]

    cid = client["ClientId"]
    params = {"USERNAME": name, "SRP_A": flow.auth_params["SRP_A"]}
    assert error(
        lambda: anon.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    ) == (
        "NotAuthorizedException",
        f"Client {cid} is configured with secret but SECRET_HASH was not received",
    )
    bad = {**params, "SECRET_HASH": secret_hash("not-the-secret", name, cid)}
    assert error(
        lambda: anon.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH", AuthParameters=bad)
    ) == ("NotAuthorizedException", f"Unable to verify secret hash for client {cid}")
    # The answer to the challenge needs it too.
    flow = Srp(anon, pool_id, client, name)
    answers = flow.answers(flow.initiate())
    answers["SECRET_HASH"] = secret_hash("not-the-secret", name, cid)
    assert error(lambda: flow.respond(answers)) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {cid}",
    )


def test_srp_sign_in_by_email_in_a_pool_where_email_is_the_username(
    server: LiveServer, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(UsernameAttributes=["email"])
    client = app_client(pool_id)
    email = f"{new_name('mail')}@example.com"
    sub = register(server, pool_id, client, email, email=email)
    flow = Srp(anon, pool_id, client, email.upper())
    challenge = flow.initiate()
    params = challenge["ChallengeParameters"]
    assert params["USER_ID_FOR_SRP"] == sub
    assert params["USERNAME"] == sub
    answers = flow.answers(challenge)
    answers["USERNAME"] = params["USER_ID_FOR_SRP"]  # the name given back, as Amplify does
    tokens = flow.respond(answers)["AuthenticationResult"]
    user = anon.get_user(AccessToken=tokens["AccessToken"])
    assert user["Username"] == sub
    assert {"Name": "email", "Value": email} in user["UserAttributes"]


def test_srp_respond_accepts_the_name_the_user_typed_as_well(
    server: LiveServer, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(UsernameAttributes=["email"])
    client = app_client(pool_id)
    email = f"{new_name('mail')}@example.com"
    register(server, pool_id, client, email, email=email)
    flow = Srp(anon, pool_id, client, email)
    answers = flow.answers(flow.initiate())
    answers["USERNAME"] = email
    assert "AccessToken" in flow.respond(answers)["AuthenticationResult"]


def test_admin_srp_and_admin_respond_to_auth_challenge(
    server: LiveServer, anon: Any, idp: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name)
    for password, ok in (("Wr0ng-horse!", False), (PASSWORD, True)):
        flow = Srp(anon, pool_id, client, name, password)
        challenge = idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client["ClientId"],
            AuthFlow="USER_SRP_AUTH",
            AuthParameters=flow.auth_params,
        )
        assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
        answers = flow.answers(challenge)

        def respond(answers: dict[str, str] = answers) -> Any:
            return idp.admin_respond_to_auth_challenge(
                UserPoolId=pool_id,
                ClientId=client["ClientId"],
                ChallengeName="PASSWORD_VERIFIER",
                ChallengeResponses=answers,
            )

        if ok:
            tokens = respond()["AuthenticationResult"]
            assert anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == name
        else:
            assert error(respond) == ("NotAuthorizedException", WRONG)


def test_admin_respond_to_auth_challenge_checks_the_pool(
    server: LiveServer, anon: Any, idp: Any, pool: PoolFactory, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name)
    answers = flow.answers(flow.initiate())
    other_pool = pool()
    code, _ = error(
        lambda: idp.admin_respond_to_auth_challenge(
            UserPoolId=other_pool,
            ClientId=client["ClientId"],
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=answers,
        )
    )
    assert code == "ResourceNotFoundException"


# the SECRET_BLOCK ---------------------------------------------------------------------------
def test_a_secret_block_is_single_use(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name)
    answers = flow.answers(flow.initiate())
    assert "AccessToken" in flow.respond(answers)["AuthenticationResult"]
    code, _ = error(lambda: flow.respond(answers))
    assert code == "NotAuthorizedException"


def test_a_secret_block_cannot_be_replayed_under_another_base64_spelling(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    # The block needs base64 padding to have a second spelling; its length follows the
    # user's name (and, by a digit now and then, SRP_A and b), so a few consecutive name
    # lengths are sure to give one.
    for extra in range(6):
        name = new_name("u" + "v" * extra)
        register(server, pool_id, client, name)
        flow = Srp(anon, pool_id, client, name)
        challenge = flow.initiate()
        if challenge["ChallengeParameters"]["SECRET_BLOCK"].endswith("="):
            break
    answers = flow.answers(challenge)
    assert "AccessToken" in flow.respond(answers)["AuthenticationResult"]
    # The proof covers the block's bytes, which are unchanged: only single use stops this.
    replay = {
        **answers,
        "PASSWORD_CLAIM_SECRET_BLOCK": respelled(answers["PASSWORD_CLAIM_SECRET_BLOCK"]),
    }
    code, _ = error(lambda: flow.respond(replay))
    assert code == "NotAuthorizedException"


def test_a_wrong_proof_uses_the_secret_block_up(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    """A guess costs a whole new challenge: the block of a failed proof is spent."""
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name)
    challenge = flow.initiate()
    wrong = Srp(anon, pool_id, client, name, password="Wr0ng-horse!")
    wrong.aws.small_a_value = flow.aws.small_a_value
    wrong.aws.large_a_value = flow.aws.large_a_value
    assert error(lambda: flow.respond(wrong.answers(challenge)))[0] == "NotAuthorizedException"
    code, _ = error(lambda: flow.respond(flow.answers(challenge)))
    assert code == "NotAuthorizedException"


def test_a_secret_block_expires_after_the_auth_session_validity(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool  # AuthSessionValidity: 3 minutes by default
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name)
    answers = flow.answers(flow.initiate())
    server.clock.advance(3 * 60 + 1)
    code, _ = error(lambda: flow.respond(answers))
    assert code == "NotAuthorizedException"


def test_a_secret_block_lasts_as_long_as_the_client_says(
    server: LiveServer, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client = app_client(pool_id, AuthSessionValidity=10)
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name)
    answers = flow.answers(flow.initiate())
    server.clock.advance(9 * 60)
    assert "AccessToken" in flow.respond(answers)["AuthenticationResult"]

    flow = Srp(anon, pool_id, client, name)
    answers = flow.answers(flow.initiate())
    server.clock.advance(10 * 60 + 1)
    code, _ = error(lambda: flow.respond(answers))
    assert code == "NotAuthorizedException"


def test_a_secret_block_is_bound_to_its_client(
    server: LiveServer, anon: Any, app_client: ClientFactory, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    other = app_client(pool_id)
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name)
    answers = flow.answers(flow.initiate())
    code, _ = error(lambda: flow.respond(answers, client_id=other["ClientId"]))
    assert code == "NotAuthorizedException"


def test_a_secret_block_is_bound_to_its_user(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    alice, bob = new_name("alice"), new_name("bob")
    register(server, pool_id, client, alice)
    register(server, pool_id, client, bob)
    flow = Srp(anon, pool_id, client, alice)
    answers = flow.answers(flow.initiate())
    code, message = error(lambda: flow.respond({**answers, "USERNAME": bob}))
    assert (code, message) == ("NotAuthorizedException", WRONG)


@pytest.mark.parametrize(
    "garble",
    [
        pytest.param(lambda b: b[:10] + bytes([b[10] ^ 1]) + b[11:], id="flipped-bit"),
        pytest.param(lambda b: b[:-1], id="truncated"),
        pytest.param(lambda b: b"\x00" * len(b), id="zeros"),
    ],
)
def test_a_garbled_secret_block_is_refused(
    server: LiveServer,
    anon: Any,
    srp_pool: tuple[str, dict[str, Any]],
    garble: Callable[[bytes], bytes],
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name)
    challenge = flow.initiate()
    raw = base64.b64decode(challenge["ChallengeParameters"]["SECRET_BLOCK"])
    challenge["ChallengeParameters"]["SECRET_BLOCK"] = base64.b64encode(garble(raw)).decode()
    code, _ = error(lambda: flow.respond(flow.answers(challenge)))
    assert code == "NotAuthorizedException"


def test_a_secret_block_that_is_not_base64_is_refused(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name)
    flow = Srp(anon, pool_id, client, name)
    answers = flow.answers(flow.initiate())
    answers["PASSWORD_CLAIM_SECRET_BLOCK"] = "not base64 at all!"
    code, _ = error(lambda: flow.respond(answers))
    assert code == "NotAuthorizedException"


@pytest.mark.parametrize(
    "srp_a",
    [
        pytest.param("0", id="zero"),
        pytest.param(f"{srp.N:x}", id="N"),
        pytest.param(f"{2 * srp.N:x}", id="2N"),
        pytest.param("not-hex", id="not-hex"),
    ],
)
def test_a_bad_srp_a_is_refused(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]], srp_a: str
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name)
    code, _ = error(
        lambda: anon.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": name, "SRP_A": srp_a},
        )
    )
    assert code == "InvalidParameterException"


# unknown users ------------------------------------------------------------------------------
def test_srp_for_an_unknown_user_with_legacy_errors(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    flow = Srp(anon, pool_id, client, new_name("nobody"))
    assert error(flow.initiate) == ("UserNotFoundException", "User does not exist.")


def test_srp_for_an_unknown_user_with_existence_errors_prevented(
    server: LiveServer, anon: Any, enabled_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = enabled_pool
    ghost, other = new_name("ghost"), new_name("other")
    real = new_name("real")
    register(server, pool_id, client, real)

    first = Srp(anon, pool_id, client, ghost).initiate()
    params = first["ChallengeParameters"]
    assert first["ChallengeName"] == "PASSWORD_VERIFIER"
    assert set(params) == {"SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"}
    assert params["USER_ID_FOR_SRP"] == ghost
    # Stable: the same salt for the same name, another for another name.
    again = Srp(anon, pool_id, client, ghost).initiate()["ChallengeParameters"]
    assert again["SALT"] == params["SALT"]
    assert again["SRP_B"] != params["SRP_B"]
    assert (
        Srp(anon, pool_id, client, other).initiate()["ChallengeParameters"]["SALT"]
        != (params["SALT"])
    )
    # Fails at the verifier step exactly as a wrong password for a real user does.
    flow = Srp(anon, pool_id, client, ghost)
    ghost_error = error(lambda: flow.respond(flow.answers(flow.initiate())))
    flow = Srp(anon, pool_id, client, real, password="Wr0ng-horse!")
    wrong_error = error(lambda: flow.respond(flow.answers(flow.initiate())))
    assert ghost_error == wrong_error == ("NotAuthorizedException", WRONG)


# user states --------------------------------------------------------------------------------
def test_srp_for_an_unconfirmed_user(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    register(server, pool_id, client, name, confirm=False)
    flow = Srp(anon, pool_id, client, name)
    assert error(lambda: flow.respond(flow.answers(flow.initiate()))) == (
        "UserNotConfirmedException",
        "User is not confirmed.",
    )
    flow = Srp(anon, pool_id, client, name, password="Wr0ng-horse!")
    assert error(lambda: flow.respond(flow.answers(flow.initiate()))) == (
        "NotAuthorizedException",
        WRONG,
    )


def test_srp_for_a_disabled_user(
    server: LiveServer, anon: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool
    name = new_name()
    sub = register(server, pool_id, client, name)
    server.svc.store.update_user(sub, enabled=False, updated_at=server.svc.clock.now())
    flow = Srp(anon, pool_id, client, name)

    def sign_in() -> Any:
        return flow.respond(flow.answers(flow.initiate()))

    assert error(sign_in) == ("NotAuthorizedException", "User is disabled.")


def test_srp_not_enabled_for_the_client(
    server: LiveServer, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client = app_client(
        pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )
    name = new_name()
    register(server, pool_id, client, name)
    assert error(Srp(anon, pool_id, client, name).initiate) == (
        "InvalidParameterException",
        "USER_SRP_AUTH flow not enabled for this client",
    )


# USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH -------------------------------------------
@pytest.fixture
def password_pool(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, dict[str, Any]]:
    pool_id = pool()
    client = app_client(
        pool_id,
        ExplicitAuthFlows=[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )
    return pool_id, client


def password_sign_in(anon: Any, client: dict[str, Any], name: str, password: str) -> Any:
    return anon.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": password},
    )


def admin_password_sign_in(
    idp: Any, pool_id: str, client: dict[str, Any], name: str, password: str
) -> Any:
    return idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client["ClientId"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": password},
    )


def test_user_password_auth(
    server: LiveServer, anon: Any, password_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = password_pool
    name = new_name()
    register(server, pool_id, client, name)
    result = password_sign_in(anon, client, name, PASSWORD)
    assert "ChallengeName" not in result
    tokens = result["AuthenticationResult"]
    assert tokens["TokenType"] == "Bearer"
    assert tokens["ExpiresIn"] == 3600
    assert anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == name
    assert error(lambda: password_sign_in(anon, client, name, "Wr0ng-horse!")) == (
        "NotAuthorizedException",
        WRONG,
    )
    # A password differing only in case is a different password.
    assert error(lambda: password_sign_in(anon, client, name, PASSWORD.upper()))[0] == (
        "NotAuthorizedException"
    )


def test_admin_user_password_auth(
    server: LiveServer, anon: Any, idp: Any, password_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = password_pool
    name = new_name()
    register(server, pool_id, client, name)
    tokens = admin_password_sign_in(idp, pool_id, client, name, PASSWORD)["AuthenticationResult"]
    assert anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == name
    assert error(lambda: admin_password_sign_in(idp, pool_id, client, name, "Wr0ng-horse!")) == (
        "NotAuthorizedException",
        WRONG,
    )


def test_password_flows_need_the_client_to_allow_them(
    server: LiveServer, anon: Any, idp: Any, srp_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = srp_pool  # default flows: SRP, refresh, custom
    name = new_name()
    register(server, pool_id, client, name)
    assert error(lambda: password_sign_in(anon, client, name, PASSWORD)) == (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )
    assert error(lambda: admin_password_sign_in(idp, pool_id, client, name, PASSWORD)) == (
        "InvalidParameterException",
        "ADMIN_USER_PASSWORD_AUTH flow not enabled for this client",
    )


def test_each_password_flow_belongs_to_its_own_operation(
    server: LiveServer, anon: Any, idp: Any, password_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = password_pool
    name = new_name()
    register(server, pool_id, client, name)
    for flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        assert error(
            partial(
                anon.initiate_auth,
                ClientId=client["ClientId"],
                AuthFlow=flow,
                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
            )
        ) == ("InvalidParameterException", "Initiate Auth method not supported.")
    assert error(
        lambda: idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )
    ) == ("InvalidParameterException", "Initiate Auth method not supported.")


def test_admin_initiate_auth_needs_a_signature(
    server: LiveServer, password_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = password_pool
    name = new_name()
    register(server, pool_id, client, name)
    body = {
        "UserPoolId": pool_id,
        "ClientId": client["ClientId"],
        "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD},
    }
    response = server.call("AdminInitiateAuth", body, signed=False)
    assert response.status_code == 400
    assert response.json()["__type"] == "MissingAuthenticationTokenException"
    assert server.call("AdminInitiateAuth", body).status_code == 200


def test_password_sign_in_of_an_unconfirmed_user(
    server: LiveServer, anon: Any, idp: Any, password_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = password_pool
    name = new_name()
    register(server, pool_id, client, name, confirm=False)
    unconfirmed = ("UserNotConfirmedException", "User is not confirmed.")
    assert error(lambda: password_sign_in(anon, client, name, PASSWORD)) == unconfirmed
    assert error(lambda: admin_password_sign_in(idp, pool_id, client, name, PASSWORD)) == (
        unconfirmed
    )
    assert error(lambda: password_sign_in(anon, client, name, "Wr0ng-horse!")) == (
        "NotAuthorizedException",
        WRONG,
    )


def test_password_sign_in_of_a_disabled_user(
    server: LiveServer, anon: Any, password_pool: tuple[str, dict[str, Any]]
) -> None:
    pool_id, client = password_pool
    name = new_name()
    sub = register(server, pool_id, client, name)
    server.svc.store.update_user(sub, enabled=False, updated_at=server.svc.clock.now())
    assert error(lambda: password_sign_in(anon, client, name, PASSWORD)) == (
        "NotAuthorizedException",
        "User is disabled.",
    )


def test_password_sign_in_of_an_unknown_user(
    server: LiveServer, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    legacy = app_client(pool_id, ExplicitAuthFlows=flows)
    enabled = app_client(pool_id, ExplicitAuthFlows=flows, PreventUserExistenceErrors="ENABLED")
    ghost = new_name("ghost")
    assert error(lambda: password_sign_in(anon, legacy, ghost, PASSWORD)) == (
        "UserNotFoundException",
        "User does not exist.",
    )
    assert error(lambda: password_sign_in(anon, enabled, ghost, PASSWORD)) == (
        "NotAuthorizedException",
        WRONG,
    )


def test_password_sign_in_with_a_client_secret(
    server: LiveServer, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client = app_client(
        pool_id,
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    cid, name = client["ClientId"], new_name()
    register(server, pool_id, client, name)

    def sign_in(**extra: str) -> Any:
        return anon.initiate_auth(
            ClientId=cid,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD, **extra},
        )

    assert (
        "AccessToken"
        in sign_in(SECRET_HASH=secret_hash(client["ClientSecret"], name, cid))[
            "AuthenticationResult"
        ]
    )
    assert error(sign_in)[0] == "NotAuthorizedException"
    assert error(lambda: sign_in(SECRET_HASH=secret_hash("nope", name, cid))) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {cid}",
    )


def test_password_sign_in_by_alias(
    server: LiveServer, anon: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(UsernameAttributes=["email"])
    client = app_client(
        pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )
    email = f"{new_name('mail')}@example.com"
    sub = register(server, pool_id, client, email, email=email)
    tokens = password_sign_in(anon, client, email.upper(), PASSWORD)["AuthenticationResult"]
    assert anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == sub


def test_missing_auth_parameters(
    server: LiveServer, anon: Any, password_pool: tuple[str, dict[str, Any]]
) -> None:
    _, client = password_pool
    for params in ({"USERNAME": "someone"}, {"PASSWORD": PASSWORD}):
        code, _ = error(
            partial(
                anon.initiate_auth,
                ClientId=client["ClientId"],
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters=params,
            )
        )
        assert code == "InvalidParameterException"
