"""CUSTOM_AUTH through boto3 against a live server, on SQLite and PostgreSQL: the Define →
Create → Verify loop with the session history, public and private challenge parameters, the
SRP variant (SRP_A → PASSWORD_VERIFIER → custom challenges), single-use and expiring
Sessions, the cap on rounds, and every refusal."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP
from tests.support.server import LiveServer
from tests.triggers.conftest import HANDLER, MAPPED
from tests.triggers.handlers import Script
from tests.triggers.support import PASSWORD, Env, check_common, claims, error, new_name

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

CHALLENGES = {
    "DefineAuthChallenge": HANDLER,
    "CreateAuthChallenge": MAPPED,
    "VerifyAuthChallengeResponse": HANDLER,
    "PostAuthentication": HANDLER,
    "PreTokenGeneration": HANDLER,
}
WRONG = ("NotAuthorizedException", "Incorrect username or password.")
USED = ("NotAuthorizedException", "Invalid session for the user, session can only be used once.")
INVALID = ("NotAuthorizedException", "Invalid session provided")
UNRECOGNIZABLE = ("InvalidLambdaResponseException", "Unrecognizable lambda output")


# the test's challenge: "what is 42-<round>?", three tries --------------------------------------
def define(event: dict[str, Any], context: Any) -> dict[str, Any]:
    session = event["request"]["session"]
    response = event["response"]
    response.update(issueTokens=False, failAuthentication=False)
    if session and session[0]["challengeName"] == "SRP_A":
        if len(session) == 1:
            response["challengeName"] = "PASSWORD_VERIFIER"
            return event
        session = session[2:]
    if session and session[-1]["challengeResult"]:
        response["issueTokens"] = True
    elif len(session) >= 3:
        response["failAuthentication"] = True
    else:
        response["challengeName"] = "CUSTOM_CHALLENGE"
    return event


def create(event: dict[str, Any], context: Any) -> dict[str, Any]:
    round_ = len(event["request"]["session"])
    event["response"]["publicChallengeParameters"] = {"question": f"What is 42-{round_}?"}
    event["response"]["privateChallengeParameters"] = {"answer": f"42-{round_}"}
    event["response"]["challengeMetadata"] = f"QUIZ-{round_}"
    return event


def verify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["request"]
    event["response"]["answerCorrect"] = (
        request["challengeAnswer"] == request["privateChallengeParameters"]["answer"]
    )
    return event


def quiz(script: Script, env: Env) -> None:
    script.on(env.pool_id, "DefineAuthChallenge", define)
    script.on(env.pool_id, "CreateAuthChallenge", create)
    script.on(env.pool_id, "VerifyAuthChallengeResponse", verify)


def setup(server: LiveServer, script: Script, **client: Any) -> tuple[Env, str, str]:
    env = Env.make(server, client=client or None, LambdaConfig=CHALLENGES)
    quiz(script, env)
    name = new_name()
    sub = env.confirmed_user(name)
    return env, name, sub


def start(env: Env, name: str, **kwargs: Any) -> dict[str, Any]:
    params = {"USERNAME": name, **kwargs.pop("params", {})}
    result: dict[str, Any] = env.anon.initiate_auth(
        ClientId=env.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters=params, **kwargs
    )
    return result


def answer(env: Env, name: str, session: str, text: str, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = env.anon.respond_to_auth_challenge(
        ClientId=kwargs.pop("client_id", env.client_id),
        ChallengeName="CUSTOM_CHALLENGE",
        ChallengeResponses={"USERNAME": name, "ANSWER": text},
        Session=session,
        **kwargs,
    )
    return result


def attributes(env: Env, sub: str, name: str) -> dict[str, str]:
    """The attributes triggers see of the test's user (as stored, with its status)."""
    seen = env.seen_attributes(name)
    assert (seen["sub"], seen["cognito:user_status"]) == (sub, "CONFIRMED")
    return seen


# the loop ---------------------------------------------------------------------------------------
def test_define_create_verify_loop_with_the_session_history(
    tserver: LiveServer, script: Script
) -> None:
    env, name, sub = setup(tserver, script)
    first = start(env, name, ClientMetadata={"from": "initiate"})
    assert first["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert first["ChallengeParameters"] == {"question": "What is 42-0?", "USERNAME": name}
    # The private parameters stay on the server, sealed: the Session does not show them.
    assert "42-0" not in first["Session"]
    assert b"42-0" not in base64.b64decode(first["Session"])
    second = answer(env, name, first["Session"], "41", ClientMetadata={"try": "1"})
    assert second["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert second["ChallengeParameters"]["question"] == "What is 42-1?"
    assert second["Session"] != first["Session"]
    done = answer(env, name, second["Session"], "42-1", ClientMetadata={"try": "2"})
    tokens = done["AuthenticationResult"]
    assert claims(tokens["IdToken"])["sub"] == sub
    assert env.anon.get_user(AccessToken=tokens["AccessToken"])["Username"] == name
    assert script.triggers(env.pool_id) == [
        "DefineAuthChallenge",
        "CreateAuthChallenge",
        "VerifyAuthChallengeResponse",
        "DefineAuthChallenge",
        "CreateAuthChallenge",
        "VerifyAuthChallengeResponse",
        "DefineAuthChallenge",
        "PostAuthentication",
        "PreTokenGeneration",
    ]

    d1, d2, d3 = script.events(env.pool_id, "DefineAuthChallenge")
    c1, c2 = script.events(env.pool_id, "CreateAuthChallenge")
    v1, v2 = script.events(env.pool_id, "VerifyAuthChallengeResponse")
    for event, source in (
        (d1, "DefineAuthChallenge"),
        (c1, "CreateAuthChallenge"),
        (v1, "VerifyAuthChallengeResponse"),
    ):
        check_common(
            event,
            source=f"{source}_Authentication",
            pool_id=env.pool_id,
            user_name=name,
            client_id=env.client_id,
        )
    wrong = {
        "challengeName": "CUSTOM_CHALLENGE",
        "challengeResult": False,
        "challengeMetadata": "QUIZ-0",
    }
    right = {
        "challengeName": "CUSTOM_CHALLENGE",
        "challengeResult": True,
        "challengeMetadata": "QUIZ-1",
    }
    # InitiateAuth's ClientMetadata does not reach these triggers; RespondToAuthChallenge's does.
    assert d1["request"] == {"userAttributes": attributes(env, sub, name), "session": []}
    assert d1["response"] == {
        "challengeName": None,
        "issueTokens": None,
        "failAuthentication": None,
    }
    assert c1["request"] == {
        "userAttributes": attributes(env, sub, name),
        "challengeName": "CUSTOM_CHALLENGE",
        "session": [],
    }
    assert c1["response"] == {
        "publicChallengeParameters": None,
        "privateChallengeParameters": None,
        "challengeMetadata": None,
    }
    assert v1["request"] == {
        "userAttributes": attributes(env, sub, name),
        "privateChallengeParameters": {"answer": "42-0"},
        "challengeAnswer": "41",
        "clientMetadata": {"try": "1"},
    }
    assert v1["response"] == {"answerCorrect": None}
    assert d2["request"] == {
        "userAttributes": attributes(env, sub, name),
        "session": [wrong],
        "clientMetadata": {"try": "1"},
    }
    assert c2["request"]["session"] == [wrong]
    assert v2["request"]["challengeAnswer"] == "42-1"
    assert d3["request"]["session"] == [wrong, right]
    [post] = script.events(env.pool_id, "PostAuthentication")
    assert post["request"]["clientMetadata"] == {"try": "2"}


def test_three_wrong_answers_end_the_sign_in(tserver: LiveServer, script: Script) -> None:
    env, name, _ = setup(tserver, script)
    session = start(env, name)["Session"]
    session = answer(env, name, session, "no")["Session"]
    session = answer(env, name, session, "no")["Session"]
    assert error(lambda: answer(env, name, session, "no")) == WRONG
    history = script.events(env.pool_id, "DefineAuthChallenge")[-1]["request"]["session"]
    assert [entry["challengeResult"] for entry in history] == [False, False, False]


def test_admin_custom_auth(tserver: LiveServer, script: Script) -> None:
    env, name, sub = setup(tserver, script)
    first = env.idp.admin_initiate_auth(
        UserPoolId=env.pool_id,
        ClientId=env.client_id,
        AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": name},
        ClientMetadata={"admin": "yes"},
    )
    done = env.idp.admin_respond_to_auth_challenge(
        UserPoolId=env.pool_id,
        ClientId=env.client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        ChallengeResponses={"USERNAME": name, "ANSWER": "42-0"},
        Session=first["Session"],
        ClientMetadata={"admin": "respond"},
    )
    assert claims(done["AuthenticationResult"]["AccessToken"])["sub"] == sub
    verify_event = script.events(env.pool_id, "VerifyAuthChallengeResponse")[0]
    assert verify_event["request"]["clientMetadata"] == {"admin": "respond"}


def test_sign_in_by_alias_reports_the_username(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, UsernameAttributes=["email"], LambdaConfig=CHALLENGES)
    quiz(script, env)
    email = f"{new_name()}@example.com"
    sub = env.sign_up(email)["UserSub"]
    env.idp.admin_confirm_sign_up(UserPoolId=env.pool_id, Username=email)
    first = start(env, email)
    assert first["ChallengeParameters"]["USERNAME"] == sub  # the username, as Cognito reports
    done = answer(env, email, first["Session"], "42-0")  # the alias still names the user
    assert claims(done["AuthenticationResult"]["IdToken"])["cognito:username"] == sub


# Sessions ---------------------------------------------------------------------------------------
def test_a_session_is_single_use(tserver: LiveServer, script: Script) -> None:
    env, name, _ = setup(tserver, script)
    session = start(env, name)["Session"]
    answer(env, name, session, "wrong")
    assert error(lambda: answer(env, name, session, "42-0")) == USED


def test_a_session_expires(tserver: LiveServer, script: Script) -> None:
    env, name, _ = setup(tserver, script)
    session = start(env, name)["Session"]
    tserver.clock.advance(181)
    assert error(lambda: answer(env, name, session, "42-0")) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )


def test_a_session_is_bound_to_its_user_client_and_bytes(
    tserver: LiveServer, script: Script
) -> None:
    env, name, _ = setup(tserver, script)
    other = new_name()
    env.confirmed_user(other)
    second_client = Env.make(tserver, LambdaConfig=CHALLENGES).client_id
    session = start(env, name)["Session"]
    assert error(lambda: answer(env, other, session, "42-0")) == INVALID
    assert error(lambda: answer(env, name, session, "42-0", client_id=second_client))[0] in (
        "NotAuthorizedException",
        "ResourceNotFoundException",
    )
    raw = bytearray(base64.b64decode(session))
    raw[-1] ^= 1
    tampered = base64.b64encode(bytes(raw)).decode()
    assert error(lambda: answer(env, name, tampered, "42-0")) == INVALID
    assert error(lambda: answer(env, name, "A" * 40, "42-0")) == INVALID
    assert answer(env, name, session, "42-0")["AuthenticationResult"]  # still good


def test_the_number_of_challenges_is_capped(tserver: LiveServer, script: Script) -> None:
    env, name, _ = setup(tserver, script)

    def forever(event: dict[str, Any], context: Any) -> dict[str, Any]:
        event["response"]["challengeName"] = "CUSTOM_CHALLENGE"
        return event

    script.on(env.pool_id, "DefineAuthChallenge", forever)
    session = start(env, name)["Session"]
    for _ in range(9):
        session = answer(env, name, session, "no")["Session"]
    assert error(lambda: answer(env, name, session, "no")) == WRONG
    assert len(script.events(env.pool_id, "DefineAuthChallenge")) == 10


# SRP first -------------------------------------------------------------------------------------
def srp_start(env: Env, name: str, password: str = PASSWORD) -> tuple[AWSSRP, dict[str, Any]]:
    aws = AWSSRP(
        username=name,
        password=password,
        pool_id=env.pool_id,
        client_id=env.client_id,
        client=env.anon,
    )
    params = aws.get_auth_params()
    params["CHALLENGE_NAME"] = "SRP_A"
    return aws, start(env, name, params=params)


def srp_answer(env: Env, aws: AWSSRP, challenge: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    params = aws.get_auth_params()  # pycognito needs its SRP_A back; the values are its own
    responses = aws.process_challenge(challenge["ChallengeParameters"], params)
    result: dict[str, Any] = env.anon.respond_to_auth_challenge(
        ClientId=env.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=responses,
        **kwargs,
    )
    return result


def test_custom_auth_with_srp_proves_the_password_first(
    tserver: LiveServer, script: Script
) -> None:
    env, name, sub = setup(tserver, script)
    aws, challenge = srp_start(env, name)
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    parameters = challenge["ChallengeParameters"]
    assert set(parameters) == {"SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"}
    assert parameters["USER_ID_FOR_SRP"] == name
    first = script.events(env.pool_id, "DefineAuthChallenge")[0]
    srp_a = {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}
    assert first["request"]["session"] == [srp_a]
    assert script.events(env.pool_id, "CreateAuthChallenge") == []
    custom = srp_answer(env, aws, challenge, Session=challenge["Session"])
    assert custom["ChallengeName"] == "CUSTOM_CHALLENGE"
    verified = {
        "challengeName": "PASSWORD_VERIFIER",
        "challengeResult": True,
        "challengeMetadata": None,
    }
    second = script.events(env.pool_id, "DefineAuthChallenge")[1]
    assert second["request"]["session"] == [srp_a, verified]
    assert script.events(env.pool_id, "CreateAuthChallenge")[0]["request"]["session"] == [
        srp_a,
        verified,
    ]
    done = answer(env, name, custom["Session"], "42-2")
    assert claims(done["AuthenticationResult"]["IdToken"])["sub"] == sub


def test_custom_auth_with_srp_refuses_a_wrong_password(tserver: LiveServer, script: Script) -> None:
    env, name, _ = setup(tserver, script)
    aws, challenge = srp_start(env, name, password="Wrong-passw0rd!")
    assert error(lambda: srp_answer(env, aws, challenge, Session=challenge["Session"])) == WRONG
    assert len(script.events(env.pool_id, "DefineAuthChallenge")) == 1


def test_custom_auth_with_srp_needs_its_session_once(tserver: LiveServer, script: Script) -> None:
    env, name, _ = setup(tserver, script)
    aws, challenge = srp_start(env, name)
    assert error(lambda: srp_answer(env, aws, challenge)) == INVALID
    aws, challenge = srp_start(env, name)
    srp_answer(env, aws, challenge, Session=challenge["Session"])
    assert error(lambda: srp_answer(env, aws, challenge, Session=challenge["Session"])) == USED


def test_srp_challenge_name_needs_srp_a(tserver: LiveServer, script: Script) -> None:
    env, name, _ = setup(tserver, script)
    code, message = error(lambda: start(env, name, params={"CHALLENGE_NAME": "SRP_A"}))
    assert (code, message) == ("InvalidParameterException", "Missing required parameter SRP_A")
    code, _ = error(lambda: start(env, name, params={"CHALLENGE_NAME": "SMS_MFA"}))
    assert code == "InvalidParameterException"


# refusals --------------------------------------------------------------------------------------
def test_custom_auth_needs_a_define_trigger(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver)
    name = new_name()
    env.confirmed_user(name)
    assert error(lambda: start(env, name)) == (
        "NotAuthorizedException",
        "Custom auth lambda trigger is not configured for the user pool.",
    )


def test_custom_auth_must_be_enabled_for_the_client(tserver: LiveServer, script: Script) -> None:
    env, name, _ = setup(tserver, script, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    assert error(lambda: start(env, name)) == (
        "InvalidParameterException",
        "CUSTOM_AUTH flow not enabled for this client",
    )


def test_unknown_users_go_through_the_triggers_when_existence_is_hidden(
    tserver: LiveServer, script: Script
) -> None:
    env, _, _ = setup(tserver, script, PreventUserExistenceErrors="ENABLED")
    ghost = new_name("ghost")
    first = start(env, ghost)
    assert first["ChallengeParameters"] == {"question": "What is 42-0?", "USERNAME": ghost}
    [event] = script.events(env.pool_id, "DefineAuthChallenge")
    check_common(
        event,
        source="DefineAuthChallenge_Authentication",
        pool_id=env.pool_id,
        user_name=ghost,
        client_id=env.client_id,
    )
    assert event["request"] == {"userAttributes": {}, "session": [], "userNotFound": True}
    # Even a right answer and a trigger that would issue tokens cannot sign in nobody.
    assert error(lambda: answer(env, ghost, first["Session"], "42-0")) == WRONG
    plain, name, _ = setup(tserver, script)
    assert error(lambda: start(plain, new_name("ghost")))[0] == "UserNotFoundException"
    start(plain, name)
    assert "userNotFound" not in script.events(plain.pool_id, "DefineAuthChallenge")[0]["request"]


def test_the_users_state_is_checked_before_tokens(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig=CHALLENGES)
    quiz(script, env)
    name = new_name()
    env.sign_up(name, UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    first = start(env, name)
    assert error(lambda: answer(env, name, first["Session"], "42-0")) == (
        "UserNotConfirmedException",
        "User is not confirmed.",
    )
    env.idp.admin_confirm_sign_up(UserPoolId=env.pool_id, Username=name)
    env.idp.admin_disable_user(UserPoolId=env.pool_id, Username=name)
    assert error(lambda: start(env, name)) == ("NotAuthorizedException", "User is disabled.")


@pytest.mark.parametrize(
    "response",
    [
        {},  # neither tokens, nor failure, nor a challenge
        {"challengeName": "SMS_MFA"},
        {"challengeName": "PASSWORD_VERIFIER"},  # without SRP_A there is no password to verify
        {"challengeName": "CUSTOM_CHALLENGE", "issueTokens": "perhaps"},
    ],
)
def test_define_answers_that_make_no_sense(
    tserver: LiveServer, script: Script, response: dict[str, Any]
) -> None:
    env, name, _ = setup(tserver, script)

    def odd(event: dict[str, Any], context: Any) -> dict[str, Any]:
        event["response"] = response
        return event

    script.on(env.pool_id, "DefineAuthChallenge", odd)
    assert error(lambda: start(env, name)) == UNRECOGNIZABLE


def test_private_parameters_must_fit_in_the_session(tserver: LiveServer, script: Script) -> None:
    env, name, _ = setup(tserver, script)

    def bulky(event: dict[str, Any], context: Any) -> dict[str, Any]:
        event["response"]["privateChallengeParameters"] = {"blob": "x" * 4000}
        return event

    script.on(env.pool_id, "CreateAuthChallenge", bulky)
    code, message = error(lambda: start(env, name))
    assert code == "InvalidLambdaResponseException"
    assert "Session" in message


def test_respond_needs_an_answer_and_a_session(tserver: LiveServer, script: Script) -> None:
    env, name, _ = setup(tserver, script)
    session = start(env, name)["Session"]
    code, message = error(
        lambda: env.anon.respond_to_auth_challenge(
            ClientId=env.client_id,
            ChallengeName="CUSTOM_CHALLENGE",
            ChallengeResponses={"USERNAME": name},
            Session=session,
        )
    )
    assert (code, message) == ("InvalidParameterException", "Missing required parameter ANSWER")
    code, _ = error(
        lambda: env.anon.respond_to_auth_challenge(
            ClientId=env.client_id,
            ChallengeName="CUSTOM_CHALLENGE",
            ChallengeResponses={"USERNAME": name, "ANSWER": "42-0"},
        )
    )
    assert code == "NotAuthorizedException"


def test_a_client_with_a_secret_needs_the_secret_hash(tserver: LiveServer, script: Script) -> None:
    env = Env.make(tserver, LambdaConfig=CHALLENGES)
    quiz(script, env)
    made = env.idp.create_user_pool_client(
        UserPoolId=env.pool_id,
        ClientName="secret",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    name = new_name()
    env.confirmed_user(name)
    digest = hmac.new(
        made["ClientSecret"].encode(), (name + made["ClientId"]).encode(), hashlib.sha256
    ).digest()
    secret_hash = base64.b64encode(digest).decode()
    assert (
        error(
            lambda: env.anon.initiate_auth(
                ClientId=made["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": name}
            )
        )[0]
        == "NotAuthorizedException"
    )
    first = env.anon.initiate_auth(
        ClientId=made["ClientId"],
        AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": name, "SECRET_HASH": secret_hash},
    )
    done = env.anon.respond_to_auth_challenge(
        ClientId=made["ClientId"],
        ChallengeName="CUSTOM_CHALLENGE",
        Session=first["Session"],
        ChallengeResponses={"USERNAME": name, "ANSWER": "42-0", "SECRET_HASH": secret_hash},
    )
    assert "AccessToken" in done["AuthenticationResult"]
