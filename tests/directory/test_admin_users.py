"""Admin user management through boto3 against a live server (SQLite and PostgreSQL):
AdminGetUser, AdminDisableUser and AdminEnableUser (sign-in and every token refused), and
AdminListUserAuthEvents (the sign-in history: result, time, client address, user agent)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP
from tests.flows import challenge_support as mfa_support
from tests.support.server import LiveServer

from authpool.domain import auth_events

from .helpers import PASSWORD, PASSWORD_FLOWS, as_dict, error, make_user, name, sign_in

PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def directory(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, str]:
    pool_id = pool(AliasAttributes=["email"])
    return pool_id, app_client(pool_id, ExplicitAuthFlows=PASSWORD_FLOWS)["ClientId"]


def test_admin_get_user(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, client_id = directory
    username = name()
    sub = make_user(
        idp, pool_id, client_id, username, {"email": f"{username}@example.com"}, confirm=False
    )
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["Username"] == username
    assert user["UserStatus"] == "UNCONFIRMED"
    assert user["Enabled"] is True
    assert as_dict(user["UserAttributes"])["sub"] == sub
    assert user["UserCreateDate"] <= user["UserLastModifiedDate"]
    assert "UserMFASettingList" not in user
    # By sub as well (Cognito accepts a user's sub wherever an admin call names a user).
    assert idp.admin_get_user(UserPoolId=pool_id, Username=sub)["Username"] == username
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserStatus"] == "CONFIRMED"
    code, message = error(lambda: idp.admin_get_user(UserPoolId=pool_id, Username="nobody"))
    assert (code, message) == ("UserNotFoundException", "User does not exist.")
    # A sub of a user in another pool names nobody here.
    other_pool = idp.create_user_pool(PoolName=name("pool"))["UserPool"]["Id"]
    code, _ = error(lambda: idp.admin_get_user(UserPoolId=other_pool, Username=sub))
    assert code == "UserNotFoundException"


def test_disable_refuses_sign_in_and_every_token(
    server: LiveServer, idp: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    anon = server.anon_client()
    username = name()
    make_user(idp, pool_id, client_id, username)
    tokens = sign_in(idp, client_id, username)
    idp.admin_disable_user(UserPoolId=pool_id, Username=username)

    assert idp.admin_get_user(UserPoolId=pool_id, Username=username)["Enabled"] is False
    assert error(lambda: anon.get_user(AccessToken=tokens["AccessToken"])) == (
        "NotAuthorizedException",
        "User is disabled.",
    )
    assert error(lambda: sign_in(anon, client_id, username)) == (
        "NotAuthorizedException",
        "User is disabled.",
    )
    refresh = {"REFRESH_TOKEN": tokens["RefreshToken"]}
    code, _ = error(
        lambda: anon.initiate_auth(
            ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh
        )
    )
    assert code == "NotAuthorizedException"

    idp.admin_enable_user(UserPoolId=pool_id, Username=username)
    server.clock.advance(1)  # token times are whole seconds
    assert idp.admin_get_user(UserPoolId=pool_id, Username=username)["Enabled"] is True
    fresh = sign_in(anon, client_id, username)
    assert anon.get_user(AccessToken=fresh["AccessToken"])["Username"] == username
    # What the disable revoked stays revoked.
    code, _ = error(lambda: anon.get_user(AccessToken=tokens["AccessToken"]))
    assert code == "NotAuthorizedException"
    code, _ = error(
        lambda: anon.initiate_auth(
            ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh
        )
    )
    assert code == "NotAuthorizedException"


def test_disable_and_enable_unknown_user(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, _ = directory
    for call in (idp.admin_disable_user, idp.admin_enable_user):
        assert error(lambda c=call: c(UserPoolId=pool_id, Username="nobody"))[0] == (
            "UserNotFoundException"
        )
    code, _ = error(lambda: idp.admin_disable_user(UserPoolId="us-east-1_Nope12345", Username="x"))
    assert code == "ResourceNotFoundException"


# sign-in history ----------------------------------------------------------------------------
def _events(idp: Any, pool_id: str, username: str, **kwargs: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = idp.admin_list_user_auth_events(
        UserPoolId=pool_id, Username=username, **kwargs
    )["AuthEvents"]
    return events


def _sign_ins(idp: Any, pool_id: str, username: str) -> list[dict[str, Any]]:
    return [e for e in _events(idp, pool_id, username) if e["EventType"] == "SignIn"]


def test_sign_up_and_resend_code_are_recorded(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool(AutoVerifiedAttributes=["email"])
    client_id = app_client(pool_id, ExplicitAuthFlows=PASSWORD_FLOWS)["ClientId"]
    username = name()
    agent = "aws-sdk-js/3.614.0 ua/2.0 os/linux#6.5"
    server.anon_client(user_agent=agent).sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )
    [event] = _events(idp, pool_id, username)
    assert event["EventType"] == "SignUp"
    assert event["EventResponse"] == "Pass"
    assert event["ChallengeResponses"] == []
    assert event["EventContextData"]["IpAddress"] == "127.0.0.1"
    assert event["EventContextData"]["DeviceName"].startswith(agent)
    # A sign-up refused for a name already taken is nobody's event.
    code, _ = error(
        lambda: server.anon_client().sign_up(
            ClientId=client_id, Username=username, Password=PASSWORD
        )
    )
    assert code == "UsernameExistsException"
    assert [e["EventId"] for e in _events(idp, pool_id, username)] == [event["EventId"]]
    server.anon_client().resend_confirmation_code(ClientId=client_id, Username=username)
    resent, signed_up = _events(idp, pool_id, username)
    assert (resent["EventType"], resent["EventResponse"]) == ("ResendCode", "Pass")
    assert signed_up["EventId"] == event["EventId"]


def test_sign_ins_are_recorded_newest_first(
    server: LiveServer, idp: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    anon = server.anon_client()
    username = name()
    make_user(idp, pool_id, client_id, username)
    [signed_up] = _events(idp, pool_id, username)
    assert signed_up["EventType"] == "SignUp"
    code, _ = error(lambda: sign_in(anon, client_id, username, "Wrong-Passw0rd!"))
    assert code == "NotAuthorizedException"
    server.clock.advance(5)
    sign_in(anon, client_id, username)

    passed, failed, _ = _events(idp, pool_id, username)
    assert passed["EventType"] == failed["EventType"] == "SignIn"
    assert passed["EventResponse"] == "Pass"
    assert passed["ChallengeResponses"] == [
        {"ChallengeName": "Password", "ChallengeResponse": "Success"}
    ]
    assert failed["EventResponse"] == "Fail"
    assert failed["ChallengeResponses"] == [
        {"ChallengeName": "Password", "ChallengeResponse": "Failure"}
    ]
    assert (passed["CreationDate"] - failed["CreationDate"]).total_seconds() >= 5
    assert passed["EventId"] != failed["EventId"]
    assert passed["EventRisk"]["RiskDecision"] == "NoRisk"
    context = passed["EventContextData"]
    assert context["IpAddress"] == "127.0.0.1"
    assert "Botocore" in context["DeviceName"]

    first = idp.admin_list_user_auth_events(UserPoolId=pool_id, Username=username, MaxResults=1)
    assert [e["EventId"] for e in first["AuthEvents"]] == [passed["EventId"]]
    second = idp.admin_list_user_auth_events(
        UserPoolId=pool_id, Username=username, MaxResults=1, NextToken=first["NextToken"]
    )
    assert [e["EventId"] for e in second["AuthEvents"]] == [failed["EventId"]]
    third = idp.admin_list_user_auth_events(
        UserPoolId=pool_id, Username=username, MaxResults=1, NextToken=second["NextToken"]
    )
    assert [e["EventId"] for e in third["AuthEvents"]] == [signed_up["EventId"]]
    assert "NextToken" not in third


def test_a_new_sign_in_does_not_finish_an_abandoned_one(
    server: LiveServer, idp: Any, directory: tuple[str, str]
) -> None:
    """A sign-in left at NEW_PASSWORD_REQUIRED stays InProgress; a later sign-in that proves
    the password and gets tokens at once is a Pass event of its own."""
    pool_id, client_id = directory
    anon = server.anon_client()
    username = name()
    idp.admin_create_user(
        UserPoolId=pool_id, Username=username, TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )
    asked = anon.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    assert asked["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    [abandoned] = _sign_ins(idp, pool_id, username)
    assert abandoned["EventResponse"] == "InProgress"
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password="An0ther-Passw0rd!", Permanent=True
    )
    server.clock.advance(1)
    sign_in(anon, client_id, username, "An0ther-Passw0rd!")
    passed, left = _sign_ins(idp, pool_id, username)
    assert passed["EventId"] != abandoned["EventId"]
    assert passed["EventResponse"] == "Pass"
    assert passed["ChallengeResponses"] == [
        {"ChallengeName": "Password", "ChallengeResponse": "Success"}
    ]
    assert (left["EventId"], left["EventResponse"]) == (abandoned["EventId"], "InProgress")


def test_srp_sign_ins_are_recorded(
    server: LiveServer, idp: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    anon = server.anon_client()
    username = name()
    make_user(idp, pool_id, client_id, username)
    with pytest.raises(anon.exceptions.NotAuthorizedException):
        AWSSRP(username, "Wrong-Passw0rd!", pool_id, client_id, client=anon).authenticate_user()
    AWSSRP(username, PASSWORD, pool_id, client_id, client=anon).authenticate_user()
    assert [e["EventResponse"] for e in _sign_ins(idp, pool_id, username)] == ["Pass", "Fail"]


def test_an_unknown_user_leaves_no_history_and_cannot_be_listed(
    server: LiveServer, idp: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    code, _ = error(lambda: sign_in(server.anon_client(), client_id, "nobody"))
    assert code in ("UserNotFoundException", "NotAuthorizedException")
    code, _ = error(lambda: _events(idp, pool_id, "nobody"))
    assert code == "UserNotFoundException"


def test_the_end_users_address_comes_from_context_data(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    pool_id = pool()
    client_id = app_client(
        pool_id,
        ExplicitAuthFlows=[*PASSWORD_FLOWS, "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
        EnablePropagateAdditionalUserContextData=True,
    )["ClientId"]
    username = name()
    make_user(idp, pool_id, client_id, username)
    auth = {"USERNAME": username, "PASSWORD": PASSWORD}
    # An app server passes its user's address and headers on (AdminInitiateAuth).
    idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters=auth,
        ContextData={
            "IpAddress": "198.51.100.2",
            "ServerName": "app.example.com",
            "ServerPath": "/login",
            "HttpHeaders": [{"headerName": "User-Agent", "headerValue": "Mozilla/5.0 (Test)"}],
        },
    )
    # A client that propagates user context data (InitiateAuth).
    server.anon_client().initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters=auth,
        UserContextData={"IpAddress": "203.0.113.9", "EncodedData": "e30="},
    )
    public, admin = _sign_ins(idp, pool_id, username)
    assert admin["EventContextData"] == {
        "IpAddress": "198.51.100.2",
        "DeviceName": "Mozilla/5.0 (Test)",
    }
    assert public["EventContextData"]["IpAddress"] == "203.0.113.9"


def test_user_context_data_is_ignored_unless_the_client_propagates_it(
    server: LiveServer, idp: Any, directory: tuple[str, str]
) -> None:
    pool_id, client_id = directory
    username = name()
    make_user(idp, pool_id, client_id, username)
    server.anon_client().initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        UserContextData={"IpAddress": "203.0.113.9", "EncodedData": "e30="},
    )
    [event] = _sign_ins(idp, pool_id, username)
    assert event["EventContextData"]["IpAddress"] == "127.0.0.1"


def test_a_sign_in_with_mfa_is_one_event_that_passes_when_the_code_is_given(
    server: LiveServer, idp: Any, pool: PoolFactory, app_client: ClientFactory
) -> None:
    anon = server.anon_client()
    pool_id, client = mfa_support.mfa_pool(idp, pool, app_client, "ON", sms=True)
    username = mfa_support.make_user(idp, pool_id, phone_number="+14155550123", verified=True)
    challenge = mfa_support.password_sign_in(anon, client, username)
    assert challenge["ChallengeName"] == "SMS_MFA"
    [event] = _sign_ins(idp, pool_id, username)
    assert event["EventResponse"] == "InProgress"
    assert event["ChallengeResponses"] == [
        {"ChallengeName": "Password", "ChallengeResponse": "Success"}
    ]
    code = server.outbox(pool_id=pool_id, username=username)[-1].code
    mfa_support.signed_in(mfa_support.respond(anon, client, challenge, username, SMS_MFA_CODE=code))
    [event] = _sign_ins(idp, pool_id, username)
    assert event["EventResponse"] == "Pass"
    assert event["ChallengeResponses"] == [
        {"ChallengeName": "Password", "ChallengeResponse": "Success"},
        {"ChallengeName": "Mfa", "ChallengeResponse": "Success"},
    ]


def test_feedback_on_an_event(server: LiveServer, idp: Any, directory: tuple[str, str]) -> None:
    pool_id, client_id = directory
    username = name()
    make_user(idp, pool_id, client_id, username)
    sign_in(server.anon_client(), client_id, username)
    signed_in = _sign_ins(idp, pool_id, username)[0]
    assert "EventFeedback" not in signed_in
    server.clock.advance(60)
    idp.admin_update_auth_event_feedback(
        UserPoolId=pool_id,
        Username=username,
        EventId=signed_in["EventId"],
        FeedbackValue="Invalid",
    )
    [listed] = _sign_ins(idp, pool_id, username)
    feedback = listed["EventFeedback"]
    assert (feedback["FeedbackValue"], feedback["Provider"]) == ("Invalid", "Admin")
    assert (feedback["FeedbackDate"] - listed["CreationDate"]).total_seconds() >= 60
    # The user, with the event's feedback token (what a notification would carry).
    [record] = [
        e
        for e in server.svc.store.list_auth_events(
            as_dict(idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"])[
                "sub"
            ],
            before=None,
            limit=10,
        )
        if e.event_id == signed_in["EventId"]
    ]
    token = auth_events.feedback_token(server.svc, record)
    anon = server.anon_client()
    anon.update_auth_event_feedback(
        UserPoolId=pool_id,
        Username=username,
        EventId=signed_in["EventId"],
        FeedbackToken=token,
        FeedbackValue="Valid",
    )
    feedback = _sign_ins(idp, pool_id, username)[0]["EventFeedback"]
    assert (feedback["FeedbackValue"], feedback["Provider"]) == ("Valid", "User")
    # A token for another event, or made up, is refused; so is an event the user lacks.
    code, _ = error(
        lambda: anon.update_auth_event_feedback(
            UserPoolId=pool_id,
            Username=username,
            EventId=_events(idp, pool_id, username)[-1]["EventId"],
            FeedbackToken=token,
            FeedbackValue="Valid",
        )
    )
    assert code == "NotAuthorizedException"
    code, _ = error(
        lambda: idp.admin_update_auth_event_feedback(
            UserPoolId=pool_id, Username=username, EventId="no-such-event", FeedbackValue="Valid"
        )
    )
    assert code == "ResourceNotFoundException"
    code, _ = error(
        lambda: idp.admin_update_auth_event_feedback(
            UserPoolId=pool_id, Username="nobody", EventId="x", FeedbackValue="Valid"
        )
    )
    assert code == "UserNotFoundException"
