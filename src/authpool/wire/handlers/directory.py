"""The directory as an operator sees it: ListUsers, disabling and enabling users, and
their sign-in history."""

from __future__ import annotations

from typing import Any

from authpool.domain import auth_events, directory
from authpool.wire.protocol import Call, operation


@operation("ListUsers")
def list_users(call: Call) -> dict[str, Any]:
    return directory.list_users(call.svc, call.params["user_pool_id"], call.params)


@operation("AdminDisableUser")
def admin_disable_user(call: Call) -> dict[str, Any]:
    directory.disable_user(call.svc, call.params["user_pool_id"], call.params["username"])
    return {}


@operation("AdminEnableUser")
def admin_enable_user(call: Call) -> dict[str, Any]:
    directory.enable_user(call.svc, call.params["user_pool_id"], call.params["username"])
    return {}


@operation("AdminListUserAuthEvents")
def admin_list_user_auth_events(call: Call) -> dict[str, Any]:
    p = call.params
    return auth_events.list_events(
        call.svc,
        p["user_pool_id"],
        p["username"],
        max_results=p.get("max_results"),
        next_token=p.get("next_token"),
    )


@operation("AdminUpdateAuthEventFeedback")
def admin_update_auth_event_feedback(call: Call) -> dict[str, Any]:
    p = call.params
    auth_events.update_feedback(
        call.svc, p["user_pool_id"], p["username"], p["event_id"], p["feedback_value"]
    )
    return {}


@operation("UpdateAuthEventFeedback")
def update_auth_event_feedback(call: Call) -> dict[str, Any]:
    p = call.params
    auth_events.update_feedback(
        call.svc,
        p["user_pool_id"],
        p["username"],
        p["event_id"],
        p["feedback_value"],
        token=p["feedback_token"],
    )
    return {}
