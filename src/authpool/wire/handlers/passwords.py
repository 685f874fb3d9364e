"""Passwords: reset by code (ForgotPassword, ConfirmForgotPassword, AdminResetUserPassword)
and change (ChangePassword, AdminSetUserPassword)."""

from __future__ import annotations

from typing import Any

from authpool.domain import credentials
from authpool.domain.flows import forgot_password
from authpool.wire.protocol import Call, operation


@operation("ForgotPassword")
def forgot_password_op(call: Call) -> dict[str, Any]:
    return forgot_password.forgot_password(call.svc, call.params)


@operation("ConfirmForgotPassword")
def confirm_forgot_password(call: Call) -> dict[str, Any]:
    forgot_password.confirm_forgot_password(call.svc, call.params)
    return {}


@operation("AdminResetUserPassword")
def admin_reset_user_password(call: Call) -> dict[str, Any]:
    p = call.params
    forgot_password.admin_reset_user_password(
        call.svc, p["user_pool_id"], p["username"], p.get("client_metadata")
    )
    return {}


@operation("ChangePassword")
def change_password(call: Call) -> dict[str, Any]:
    p = call.params
    credentials.change_password(
        call.svc, p["access_token"], p.get("previous_password"), p["proposed_password"]
    )
    return {}


@operation("AdminSetUserPassword")
def admin_set_user_password(call: Call) -> dict[str, Any]:
    p = call.params
    credentials.admin_set_user_password(
        call.svc,
        p["user_pool_id"],
        p["username"],
        p["password"],
        permanent=bool(p.get("permanent", False)),
    )
    return {}
