"""Operations on one user: the signed-in user by access token, or a named user (Admin*)."""

from __future__ import annotations

from typing import Any

from authpool.domain import account
from authpool.wire.protocol import Call, operation


@operation("GetUser")
def get_user(call: Call) -> dict[str, Any]:
    return account.get_user(call.svc, call.params["access_token"])


@operation("DeleteUser")
def delete_user(call: Call) -> dict[str, Any]:
    account.delete_user(call.svc, call.params["access_token"])
    return {}


@operation("GlobalSignOut")
def global_sign_out(call: Call) -> dict[str, Any]:
    account.global_sign_out(call.svc, call.params["access_token"])
    return {}


@operation("AdminUserGlobalSignOut")
def admin_user_global_sign_out(call: Call) -> dict[str, Any]:
    account.admin_global_sign_out(call.svc, call.params["user_pool_id"], call.params["username"])
    return {}


@operation("AdminGetUser")
def admin_get_user(call: Call) -> dict[str, Any]:
    return account.admin_get_user(call.svc, call.params["user_pool_id"], call.params["username"])


@operation("AdminDeleteUser")
def admin_delete_user(call: Call) -> dict[str, Any]:
    account.admin_delete_user(call.svc, call.params["user_pool_id"], call.params["username"])
    return {}
