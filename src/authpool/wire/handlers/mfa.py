"""MFA settings of a user, and software-token registration (with an access token, or with
the session of an MFA_SETUP challenge)."""

from __future__ import annotations

from typing import Any

from authpool.domain import mfa
from authpool.domain.errors import InvalidParameterException
from authpool.domain.flows import mfa_setup
from authpool.wire.protocol import Call, operation

ONE_OF = "Exactly one of AccessToken and Session must be given."


@operation("SetUserMFAPreference")
def set_user_mfa_preference(call: Call) -> dict[str, Any]:
    mfa.set_user_mfa_preference(call.svc, call.params["access_token"], call.params)
    return {}


@operation("AdminSetUserMFAPreference")
def admin_set_user_mfa_preference(call: Call) -> dict[str, Any]:
    p = call.params
    mfa.admin_set_user_mfa_preference(call.svc, p["user_pool_id"], p["username"], p)
    return {}


@operation("SetUserSettings")
def set_user_settings(call: Call) -> dict[str, Any]:
    mfa.set_user_settings(call.svc, call.params["access_token"], call.params["mfa_options"])
    return {}


@operation("AdminSetUserSettings")
def admin_set_user_settings(call: Call) -> dict[str, Any]:
    p = call.params
    mfa.admin_set_user_settings(call.svc, p["user_pool_id"], p["username"], p["mfa_options"])
    return {}


def _token_or_session(call: Call) -> tuple[str | None, str | None]:
    token, session = call.params.get("access_token"), call.params.get("session")
    if (token is None) == (session is None):
        raise InvalidParameterException(ONE_OF)
    return token, session


@operation("AssociateSoftwareToken")
def associate_software_token(call: Call) -> dict[str, Any]:
    token, session = _token_or_session(call)
    if session is not None:
        return mfa_setup.associate_software_token(call.svc, session)
    assert token is not None
    return mfa.associate_software_token(call.svc, token)


@operation("VerifySoftwareToken")
def verify_software_token(call: Call) -> dict[str, Any]:
    token, session = _token_or_session(call)
    code, name = call.params["user_code"], call.params.get("friendly_device_name")
    if session is not None:
        return mfa_setup.verify_software_token(call.svc, session, code, name)
    assert token is not None
    return mfa.verify_software_token(call.svc, token, code, name)
