"""callerContext.awsSdkVersion: the AWS SDK the request that fired the trigger came from, as
Cognito reports it (``aws-sdk-js-3.614.0``), or ``aws-sdk-unknown-unknown``."""

from __future__ import annotations

import pytest
from tests.support.server import LiveServer
from tests.triggers.conftest import MAPPED
from tests.triggers.handlers import Script
from tests.triggers.support import PASSWORD, Env, new_name

from authpool.domain.hooks.invoke import SDK_VERSION, sdk_version


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        ("aws-sdk-js/3.614.0 ua/2.0 os/linux#6.5 lang/js md/nodejs#20.11.0", "aws-sdk-js-3.614.0"),
        ("aws-sdk-nodejs/2.856.0 linux/v14.16.0 exec-env/AWS_Lambda", "aws-sdk-nodejs-2.856.0"),
        ("aws-sdk-iOS/2.9.3 iOS/12.1 en_US", "aws-sdk-ios-2.9.3"),
        ("aws-sdk-android/2.6.29 Linux/4.4 Dalvik/2.1.0/0 en_US", "aws-sdk-android-2.6.29"),
        ("aws-sdk-java/1.11.93 Linux/4.9 OpenJDK_64-Bit_Server_VM/25.121", "aws-sdk-java-1.11.93"),
        ("aws-sdk-dotnet-coreclr/3.3.109.18 os/linux", "aws-sdk-dotnet-coreclr-3.3.109.18"),
        ("Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.5 lang/python#3.11.9", SDK_VERSION),
        ("aws-amplify/6.0.9 auth/4 framework/0", SDK_VERSION),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", SDK_VERSION),
        ("aws-sdk-js", SDK_VERSION),
        ("", SDK_VERSION),
        (None, SDK_VERSION),
    ],
)  # fmt: skip
def test_sdk_version_from_user_agent(agent: str | None, expected: str) -> None:
    assert sdk_version(agent) == expected


def test_events_name_the_sdk_of_the_request_that_fired_them(
    tserver_sqlite: LiveServer, script: Script
) -> None:
    env = Env.make(tserver_sqlite, LambdaConfig={"PreSignUp": MAPPED, "PreAuthentication": MAPPED})
    js = tserver_sqlite.anon_client(user_agent="aws-sdk-js/3.614.0 ua/2.0 os/linux#6.5")
    name = new_name()
    js.sign_up(ClientId=env.client_id, Username=name, Password=PASSWORD)
    env.idp.admin_confirm_sign_up(UserPoolId=env.pool_id, Username=name)
    env.password_sign_in(name)  # boto3's own user agent: no AWS SDK Cognito recognises
    [signed_up] = script.events(env.pool_id, "PreSignUp")
    assert signed_up["callerContext"] == {
        "awsSdkVersion": "aws-sdk-js-3.614.0",
        "clientId": env.client_id,
    }
    [signed_in] = script.events(env.pool_id, "PreAuthentication")
    assert signed_in["callerContext"]["awsSdkVersion"] == SDK_VERSION


def test_x_amz_user_agent_names_the_sdk_of_a_browser(
    tserver_sqlite: LiveServer, script: Script
) -> None:
    """A browser cannot set User-Agent; the SDKs send X-Amz-User-Agent there instead."""
    env = Env.make(tserver_sqlite, LambdaConfig={"PreSignUp": MAPPED})
    name = new_name()
    response = tserver_sqlite.call(
        "SignUp",
        {"ClientId": env.client_id, "Username": name, "Password": PASSWORD},
        signed=False,
        headers={
            "User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Safari/605.1.15",
            "X-Amz-User-Agent": "aws-sdk-js/2.1639.0 promise",
        },
    )
    assert response.status_code == 200, response.text
    [event] = script.events(env.pool_id, "PreSignUp")
    assert event["callerContext"]["awsSdkVersion"] == "aws-sdk-js-2.1639.0"
