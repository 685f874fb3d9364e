"""User pool operations through boto3, on SQLite and PostgreSQL: the shapes botocore parses and
Cognito's defaults."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.conftest import unique_name
from tests.support.server import LiveServer

STANDARD_ATTRIBUTES = [
    "sub",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
    "identities",
]
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"
SNS_ROLE = "arn:aws:iam::123456789012:role/authpool-sms"


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: dict[str, Any] = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def by_name(schema: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a["Name"]: a for a in schema}


# CreateUserPool / DescribeUserPool ----------------------------------------------------------
def test_minimal_pool_has_cognitos_defaults(server: LiveServer, idp: Any) -> None:
    name = unique_name("minimal")
    created = idp.create_user_pool(PoolName=name)["UserPool"]
    pool_id = created["Id"]

    assert re.fullmatch(r"us-east-1_[A-Za-z0-9]{9}", pool_id)
    assert created["Name"] == name
    assert created["Arn"] == f"arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool_id}"
    assert created["Policies"] == {
        "PasswordPolicy": {
            "MinimumLength": 8,
            "RequireUppercase": True,
            "RequireLowercase": True,
            "RequireNumbers": True,
            "RequireSymbols": True,
            "TemporaryPasswordValidityDays": 7,
        },
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]},
    }
    assert created["DeletionProtection"] == "INACTIVE"
    assert created["MfaConfiguration"] == "OFF"
    assert created["LambdaConfig"] == {}
    assert created["EstimatedNumberOfUsers"] == 0
    assert created["AdminCreateUserConfig"] == {
        "AllowAdminCreateUserOnly": False,
        "UnusedAccountValidityDays": 7,
    }
    assert created["VerificationMessageTemplate"] == {"DefaultEmailOption": "CONFIRM_WITH_CODE"}
    assert created["EmailConfiguration"] == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    assert created["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": []
    }
    assert created["UserPoolTier"] == "ESSENTIALS"
    for absent in ("AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes"):
        assert absent not in created

    schema = created["SchemaAttributes"]
    assert [a["Name"] for a in schema] == STANDARD_ATTRIBUTES
    attrs = by_name(schema)
    assert attrs["sub"] == {
        "Name": "sub",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": False,
        "Required": True,
        "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"},
    }
    assert attrs["email_verified"]["AttributeDataType"] == "Boolean"
    assert attrs["updated_at"]["NumberAttributeConstraints"] == {"MinValue": "0"}
    assert not any(a["Required"] for a in schema if a["Name"] != "sub")

    assert isinstance(created["CreationDate"], datetime)
    assert created["CreationDate"].tzinfo is not None
    assert abs(created["CreationDate"] - server.clock.now()) < timedelta(minutes=1)
    assert created["LastModifiedDate"] == created["CreationDate"]

    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described == created


def full_pool_settings() -> dict[str, Any]:
    return {
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": False,
                "RequireLowercase": True,
                "RequireNumbers": False,
                "RequireSymbols": False,
                "TemporaryPasswordValidityDays": 3,
            }
        },
        "DeletionProtection": "ACTIVE",
        "LambdaConfig": {"PreSignUp": LAMBDA, "PostConfirmation": LAMBDA},
        "AutoVerifiedAttributes": ["email"],
        "UsernameAttributes": ["email"],
        "VerificationMessageTemplate": {
            "SmsMessage": "Your code is {####}",
            "EmailMessage": "Your code is {####}",
            "EmailSubject": "Welcome",
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
        },
        "SmsAuthenticationMessage": "Sign-in code {####}",
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
        "MfaConfiguration": "OFF",
        "DeviceConfiguration": {
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": False,
        },
        "EmailConfiguration": {
            "EmailSendingAccount": "DEVELOPER",
            "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com",
            "From": "Example <no-reply@example.com>",
            "ReplyToEmailAddress": "help@example.com",
        },
        "SmsConfiguration": {
            "SnsCallerArn": SNS_ROLE,
            "ExternalId": "x-1",
            "SnsRegion": "us-east-1",
        },
        "UserPoolTags": {"team": "identity"},
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": True,
            "InviteMessageTemplate": {
                "SMSMessage": "User {username} code {####}",
                "EmailMessage": "User {username} code {####}",
                "EmailSubject": "Invitation",
            },
        },
        "Schema": [
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {
                "Name": "tenant",
                "AttributeDataType": "String",
                "Mutable": False,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
            },
            {
                "Name": "level",
                "AttributeDataType": "Number",
                "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "10"},
            },
        ],
        "UsernameConfiguration": {"CaseSensitive": False},
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [
                {"Priority": 1, "Name": "verified_email"},
                {"Priority": 2, "Name": "verified_phone_number"},
            ]
        },
    }


def test_every_setting_is_stored_and_echoed(idp: Any) -> None:
    settings = full_pool_settings()
    pool_id = idp.create_user_pool(PoolName=unique_name("full"), **settings)["UserPool"]["Id"]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]

    assert pool["Policies"]["PasswordPolicy"] == settings["Policies"]["PasswordPolicy"]
    for key in (
        "DeletionProtection",
        "LambdaConfig",
        "AutoVerifiedAttributes",
        "UsernameAttributes",
        "VerificationMessageTemplate",
        "SmsAuthenticationMessage",
        "UserAttributeUpdateSettings",
        "MfaConfiguration",
        "DeviceConfiguration",
        "EmailConfiguration",
        "SmsConfiguration",
        "UserPoolTags",
        "UsernameConfiguration",
        "AccountRecoverySetting",
    ):
        assert pool[key] == settings[key], key
    acu = pool["AdminCreateUserConfig"]
    assert acu["AllowAdminCreateUserOnly"] is True
    assert (
        acu["InviteMessageTemplate"] == settings["AdminCreateUserConfig"]["InviteMessageTemplate"]
    )
    # The legacy top-level messages mirror the template.
    assert pool["SmsVerificationMessage"] == "Your code is {####}"
    assert pool["EmailVerificationMessage"] == "Your code is {####}"
    assert pool["EmailVerificationSubject"] == "Welcome"

    attrs = by_name(pool["SchemaAttributes"])
    assert attrs["email"]["Required"] is True
    assert attrs["custom:tenant"] == {
        "Name": "custom:tenant",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": False,
        "Required": False,
        "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
    }
    assert attrs["custom:level"]["NumberAttributeConstraints"] == {
        "MinValue": "0",
        "MaxValue": "10",
    }
    # Standard attributes first, in Cognito's order, then the custom ones in request order.
    names = [a["Name"] for a in pool["SchemaAttributes"]]
    assert names == [*STANDARD_ATTRIBUTES, "custom:tenant", "custom:level"]


def test_developer_only_custom_attribute_gets_the_dev_prefix(idp: Any) -> None:
    pool_id = idp.create_user_pool(
        PoolName=unique_name("dev-attr"),
        Schema=[{"Name": "secret", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}],
    )["UserPool"]["Id"]
    attrs = by_name(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"])
    assert attrs["dev:custom:secret"]["DeveloperOnlyAttribute"] is True


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        pytest.param(
            {"AliasAttributes": ["email"], "UsernameAttributes": ["email"]},
            "Only one of the aliasAttributes or usernameAttributes",
            id="alias-and-username-attributes",
        ),
        pytest.param(
            {"Policies": {"PasswordPolicy": {"MinimumLength": 100}}},
            "",
            id="password-too-long",
        ),
        pytest.param(
            {"Schema": [{"Name": "sub", "AttributeDataType": "String", "Mutable": True}]},
            "sub",
            id="modify-sub",
        ),
        pytest.param(
            {"Schema": [{"Name": "club", "AttributeDataType": "String", "Required": True}]},
            "Required custom attributes are not supported",
            id="required-custom",
        ),
        pytest.param(
            {
                "UserAttributeUpdateSettings": {
                    "AttributesRequireVerificationBeforeUpdate": ["email"]
                }
            },
            "AutoVerifiedAttributes",
            id="verify-before-update-needs-auto-verify",
        ),
        pytest.param(
            {"SmsVerificationMessage": "no code here"},
            "",
            id="message-without-code",
        ),
    ],
)
def test_create_pool_refuses_bad_settings(
    idp: Any, settings: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ClientError) as info:
        idp.create_user_pool(PoolName=unique_name("bad"), **settings)
    code, message, status = error_of(info)
    assert (code, status) == ("InvalidParameterException", 400)
    assert fragment in message


def test_describe_unknown_pool(idp: Any) -> None:
    with pytest.raises(ClientError) as info:
        idp.describe_user_pool(UserPoolId="us-east-1_NoSuchPool")
    code, message, status = error_of(info)
    assert (code, status) == ("ResourceNotFoundException", 400)
    assert "us-east-1_NoSuchPool" in message


# UpdateUserPool --------------------------------------------------------------------------------
def test_update_resets_every_setting_it_is_not_given(server: LiveServer, idp: Any) -> None:
    settings = full_pool_settings()
    created = idp.create_user_pool(PoolName=unique_name("upd"), **settings)["UserPool"]
    pool_id = created["Id"]
    server.clock.advance(2)

    idp.update_user_pool(UserPoolId=pool_id, Policies={"PasswordPolicy": {"MinimumLength": 10}})
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]

    assert pool["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 10,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "TemporaryPasswordValidityDays": 7,
    }
    # Settings UpdateUserPool takes go back to their defaults when left out ...
    assert pool["DeletionProtection"] == "INACTIVE"
    assert pool["LambdaConfig"] == {}
    assert "AutoVerifiedAttributes" not in pool
    assert "SmsAuthenticationMessage" not in pool
    assert "DeviceConfiguration" not in pool
    assert pool["EmailConfiguration"] == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    assert pool["AdminCreateUserConfig"] == {
        "AllowAdminCreateUserOnly": False,
        "UnusedAccountValidityDays": 7,
    }
    assert pool["VerificationMessageTemplate"] == {"DefaultEmailOption": "CONFIRM_WITH_CODE"}
    # ... while what only CreateUserPool sets stays.
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert "custom:tenant" in by_name(pool["SchemaAttributes"])
    assert by_name(pool["SchemaAttributes"])["email"]["Required"] is True
    assert pool["Name"] == created["Name"]
    assert pool["CreationDate"] == created["CreationDate"]
    assert pool["LastModifiedDate"] > created["LastModifiedDate"]


def test_update_unknown_pool(idp: Any) -> None:
    with pytest.raises(ClientError) as info:
        idp.update_user_pool(UserPoolId="us-east-1_NoSuchPool")
    assert error_of(info)[0] == "ResourceNotFoundException"


def test_update_keeps_mfa_factors_but_resets_mfa_configuration(idp: Any, pool: Any) -> None:
    pool_id = pool()
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    idp.update_user_pool(UserPoolId=pool_id, MfaConfiguration="OPTIONAL")
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "OPTIONAL"

    idp.update_user_pool(UserPoolId=pool_id)
    mfa = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert mfa["MfaConfiguration"] == "OFF"
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


def test_update_cannot_turn_mfa_on_without_a_factor(idp: Any, pool: Any) -> None:
    pool_id = pool()
    with pytest.raises(ClientError) as info:
        idp.update_user_pool(UserPoolId=pool_id, MfaConfiguration="ON")
    assert error_of(info)[0] == "InvalidParameterException"


# DeleteUserPool --------------------------------------------------------------------------------
def test_delete_pool(idp: Any, pool: Any, app_client: Any) -> None:
    pool_id = pool()
    client_id = app_client(pool_id)["ClientId"]
    idp.delete_user_pool(UserPoolId=pool_id)

    with pytest.raises(ClientError) as info:
        idp.describe_user_pool(UserPoolId=pool_id)
    assert error_of(info)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as info:
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert error_of(info)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as info:
        idp.delete_user_pool(UserPoolId=pool_id)
    assert error_of(info)[0] == "ResourceNotFoundException"


def test_deletion_protection_blocks_delete_until_turned_off(idp: Any, pool: Any) -> None:
    pool_id = pool(DeletionProtection="ACTIVE")
    with pytest.raises(ClientError) as info:
        idp.delete_user_pool(UserPoolId=pool_id)
    assert error_of(info) == (
        "InvalidParameterException",
        "The user pool cannot be deleted because deletion protection is activated. "
        "Deletion protection must be inactivated first.",
        400,
    )
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Id"] == pool_id

    idp.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")
    idp.delete_user_pool(UserPoolId=pool_id)
    with pytest.raises(ClientError):
        idp.describe_user_pool(UserPoolId=pool_id)


# ListUserPools ---------------------------------------------------------------------------------
def test_list_user_pools_pages_with_next_token(idp: Any, pool: Callable[..., str]) -> None:
    mine = {pool() for _ in range(3)}
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        kwargs: dict[str, Any] = {"MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = idp.list_user_pools(**kwargs)
        pages += 1
        assert len(page["UserPools"]) <= 2
        for item in page["UserPools"]:
            assert set(item) == {"Id", "Name", "LambdaConfig", "LastModifiedDate", "CreationDate"}
            seen.append(item["Id"])
        token = page.get("NextToken")
        if not token:
            break
        assert pages < 1000
    assert len(seen) == len(set(seen)), "a pool was listed twice"
    assert mine <= set(seen)
    assert pages >= 2


def test_list_user_pools_paginator(idp: Any, pool: Callable[..., str]) -> None:
    mine = {pool() for _ in range(3)}
    paginator = idp.get_paginator("list_user_pools")
    listed = [p["Id"] for page in paginator.paginate(MaxResults=1) for p in page["UserPools"]]
    assert mine <= set(listed)
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("max_results", [0, 61])
def test_list_user_pools_max_results_range(server: LiveServer, max_results: int) -> None:
    response = server.call("ListUserPools", {"MaxResults": max_results})
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidParameterException"
    assert "maxResults" in response.json()["message"]


# AddCustomAttributes ---------------------------------------------------------------------------
def test_add_custom_attributes(idp: Any, pool: Any) -> None:
    pool_id = pool()
    idp.add_custom_attributes(
        UserPoolId=pool_id,
        CustomAttributes=[
            {
                "Name": "plan",
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "15"},
            },
            {"Name": "seats", "AttributeDataType": "Number"},
        ],
    )
    attrs = by_name(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"])
    assert attrs["custom:plan"]["StringAttributeConstraints"] == {
        "MinLength": "1",
        "MaxLength": "15",
    }
    assert attrs["custom:seats"]["AttributeDataType"] == "Number"
    assert attrs["custom:plan"]["Required"] is False


@pytest.mark.parametrize(
    "attribute",
    [
        pytest.param({"Name": "plan", "AttributeDataType": "String"}, id="existing-name"),
        pytest.param(
            {"Name": "other", "AttributeDataType": "String", "Required": True}, id="required"
        ),
        pytest.param(
            {
                "Name": "range",
                "AttributeDataType": "Number",
                "NumberAttributeConstraints": {"MinValue": "10", "MaxValue": "1"},
            },
            id="min-over-max",
        ),
        pytest.param(
            {
                "Name": "huge",
                "AttributeDataType": "String",
                "StringAttributeConstraints": {"MaxLength": "4096"},
            },
            id="longer-than-2048",
        ),
    ],
)
def test_add_custom_attributes_refuses(idp: Any, pool: Any, attribute: dict[str, Any]) -> None:
    pool_id = pool(Schema=[{"Name": "plan", "AttributeDataType": "String"}])
    with pytest.raises(ClientError) as info:
        idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[attribute])
    assert error_of(info)[:1] == ("InvalidParameterException",)
    attrs = by_name(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"])
    assert set(attrs) == {*STANDARD_ATTRIBUTES, "custom:plan"}


def test_add_custom_attributes_to_unknown_pool(idp: Any) -> None:
    with pytest.raises(ClientError) as info:
        idp.add_custom_attributes(
            UserPoolId="us-east-1_NoSuchPool",
            CustomAttributes=[{"Name": "x", "AttributeDataType": "String"}],
        )
    assert error_of(info)[0] == "ResourceNotFoundException"


# MFA configuration -----------------------------------------------------------------------------
def test_mfa_config_defaults_and_round_trip(idp: Any, pool: Any) -> None:
    pool_id = pool()
    default = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    default.pop("ResponseMetadata")
    assert default == {"MfaConfiguration": "OFF"}

    sms = {
        "SmsAuthenticationMessage": "Your sign-in code is {####}",
        "SmsConfiguration": {
            "SnsCallerArn": SNS_ROLE,
            "ExternalId": "ext",
            "SnsRegion": "us-east-1",
        },
    }
    answer = idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SmsMfaConfiguration=sms,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    answer.pop("ResponseMetadata")
    assert answer == {
        "SmsMfaConfiguration": sms,
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "MfaConfiguration": "ON",
    }
    got = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    got.pop("ResponseMetadata")
    assert got == answer
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["MfaConfiguration"] == "ON"
    assert described["SmsAuthenticationMessage"] == "Your sign-in code is {####}"


def test_mfa_on_needs_an_enabled_factor(idp: Any, pool: Any) -> None:
    pool_id = pool()
    with pytest.raises(ClientError) as info:
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON")
    assert error_of(info)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as info:
        idp.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": False},
            MfaConfiguration="OPTIONAL",
        )
    assert error_of(info)[0] == "InvalidParameterException"
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"


def test_mfa_config_of_unknown_pool(idp: Any) -> None:
    for call in (
        lambda: idp.get_user_pool_mfa_config(UserPoolId="us-east-1_NoSuchPool"),
        lambda: idp.set_user_pool_mfa_config(
            UserPoolId="us-east-1_NoSuchPool", MfaConfiguration="OFF"
        ),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info)[0] == "ResourceNotFoundException"


# GetSigningCertificate -------------------------------------------------------------------------
def test_signing_certificate_holds_the_pools_jwks_key(
    server: LiveServer, idp: Any, pool: Any
) -> None:
    pool_id = pool()
    text = idp.get_signing_certificate(UserPoolId=pool_id)["Certificate"]
    certificate = x509.load_der_x509_certificate(base64.b64decode(text))
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 2048

    jwk = server.http.get(f"/{pool_id}/.well-known/jwks.json").json()["keys"][0]

    def b64int(value: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")

    assert public.public_numbers().n == b64int(jwk["n"])
    assert public.public_numbers().e == b64int(jwk["e"])


def test_signing_certificate_of_unknown_pool(idp: Any) -> None:
    with pytest.raises(ClientError) as info:
        idp.get_signing_certificate(UserPoolId="us-east-1_NoSuchPool")
    assert error_of(info)[0] == "ResourceNotFoundException"
