"""Which of Cognito's request-rate categories an operation belongs to, and what a request is
counted by (its pool, its caller's address, the user it acts on), for
:mod:`authpool.domain.ratelimit`.

The categories are Cognito's (developer guide, "Amazon Cognito user pools API operation
categories and request rate quotas"); RespondToAuthChallenge and its admin form count under a
quota of their own, as there.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from authpool.domain.ratelimit import Request

CATEGORIES: dict[str, tuple[str, ...]] = {
    "UserAuthentication": ("InitiateAuth", "AdminInitiateAuth"),
    "UserAuthenticationChallenge": ("RespondToAuthChallenge", "AdminRespondToAuthChallenge"),
    "UserCreation": ("SignUp", "ConfirmSignUp", "AdminCreateUser", "AdminConfirmSignUp"),
    "UserFederation": (
        "AdminDisableProviderForUser",
        "AdminLinkProviderForUser",
    ),
    "UserAccountRecovery": (
        "ChangePassword",
        "ConfirmForgotPassword",
        "ForgotPassword",
        "AdminResetUserPassword",
        "AdminSetUserPassword",
    ),
    "UserRead": ("AdminGetUser", "GetUser", "GetUserAuthFactors"),
    "UserUpdate": (
        "AdminDeleteUser",
        "AdminDeleteUserAttributes",
        "AdminDisableUser",
        "AdminEnableUser",
        "AdminSetUserMFAPreference",
        "AdminSetUserSettings",
        "AdminUpdateAuthEventFeedback",
        "AdminUpdateUserAttributes",
        "AdminUserGlobalSignOut",
        "AssociateSoftwareToken",
        "DeleteUser",
        "DeleteUserAttributes",
        "GetUserAttributeVerificationCode",
        "GlobalSignOut",
        "ResendConfirmationCode",
        "SetUserMFAPreference",
        "SetUserSettings",
        "UpdateAuthEventFeedback",
        "UpdateUserAttributes",
        "VerifySoftwareToken",
        "VerifyUserAttribute",
    ),
    "UserResourceRead": (
        "AdminGetDevice",
        "AdminListDevices",
        "AdminListGroupsForUser",
        "AdminListUserAuthEvents",
        "GetDevice",
        "ListDevices",
    ),
    "UserResourceUpdate": (
        "AdminAddUserToGroup",
        "AdminForgetDevice",
        "AdminRemoveUserFromGroup",
        "AdminUpdateDeviceStatus",
        "ConfirmDevice",
        "ForgetDevice",
        "UpdateDeviceStatus",
    ),
    "UserList": ("ListUsers", "ListUsersInGroup"),
    "UserToken": ("GetTokensFromRefreshToken", "RevokeToken"),
    "UserPoolRead": (
        "DescribeUserPool",
        "GetUserPoolMfaConfig",
        "ListUserPools",
        "DescribeRiskConfiguration",
        "GetSigningCertificate",
    ),
    "UserPoolCreate": ("CreateUserPool",),
    "UserPoolUpdate": (
        "AddCustomAttributes",
        "DeleteUserPool",
        "SetRiskConfiguration",
        "SetUserPoolMfaConfig",
        "UpdateUserPool",
    ),
    "UserPoolClientRead": ("DescribeUserPoolClient", "ListUserPoolClients"),
    "UserPoolClientCreate": (
        "CreateUserPoolClient",
        "DeleteUserPoolClient",
        "UpdateUserPoolClient",
    ),
    "UserPoolResourceRead": ("GetGroup", "ListGroups"),
    "UserPoolResourceCreate": ("CreateGroup",),
    "UserPoolResourceUpdate": ("UpdateGroup",),
    "UserPoolResourceDelete": ("DeleteGroup",),
}
CATEGORY_OF: dict[str, str] = {op: cat for cat, ops in CATEGORIES.items() for op in ops}


def _token_pool(token: str) -> str | None:
    """The pool an access token names in its ``iss`` (unverified: it only picks a counter)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        iss = claims.get("iss") if isinstance(claims, dict) else None
    except (IndexError, ValueError, UnicodeDecodeError):
        return None
    return iss.rsplit("/", 1)[-1][:64] if isinstance(iss, str) else None


def _user(params: Mapping[str, Any]) -> str | None:
    for holder in (params, params.get("auth_parameters"), params.get("challenge_responses")):
        if isinstance(holder, Mapping):
            name = holder.get("username") or holder.get("USERNAME")
            if isinstance(name, str) and name:
                return "name:" + name.casefold()
    for token_name in ("access_token", "refresh_token", "token"):
        token = params.get(token_name)
        if isinstance(token, str) and token:
            return "token:" + hashlib.sha256(token.encode()).hexdigest()
    return None


def request_of(
    operation: str, params: Mapping[str, Any], *, ip: str | None, signed: bool
) -> Request:
    """What one call is counted by. Signed (admin) calls are not counted by address."""
    pool = params.get("user_pool_id") or params.get("client_id")
    if not isinstance(pool, str):
        token = params.get("access_token")
        pool = _token_pool(token) if isinstance(token, str) else None
    return Request(
        category=CATEGORY_OF.get(operation),
        pool=pool,
        ip=None if signed else ip,
        user=_user(params),
    )
