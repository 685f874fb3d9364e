"""Attribute operations: updates, deletions and the verification of e-mail and phone."""

from __future__ import annotations

from typing import Any

from authpool.domain import user_attributes
from authpool.wire.protocol import Call, operation


@operation("UpdateUserAttributes")
def update_user_attributes(call: Call) -> dict[str, Any]:
    p = call.params
    return user_attributes.update_user_attributes(
        call.svc, p["access_token"], p["user_attributes"], p.get("client_metadata")
    )


@operation("AdminUpdateUserAttributes")
def admin_update_user_attributes(call: Call) -> dict[str, Any]:
    p = call.params
    user_attributes.admin_update_user_attributes(
        call.svc, p["user_pool_id"], p["username"], p["user_attributes"], p.get("client_metadata")
    )
    return {}


@operation("DeleteUserAttributes")
def delete_user_attributes(call: Call) -> dict[str, Any]:
    p = call.params
    user_attributes.delete_user_attributes(call.svc, p["access_token"], p["user_attribute_names"])
    return {}


@operation("AdminDeleteUserAttributes")
def admin_delete_user_attributes(call: Call) -> dict[str, Any]:
    p = call.params
    user_attributes.admin_delete_user_attributes(
        call.svc, p["user_pool_id"], p["username"], p["user_attribute_names"]
    )
    return {}


@operation("GetUserAttributeVerificationCode")
def get_user_attribute_verification_code(call: Call) -> dict[str, Any]:
    p = call.params
    return user_attributes.get_user_attribute_verification_code(
        call.svc, p["access_token"], p["attribute_name"], p.get("client_metadata")
    )


@operation("VerifyUserAttribute")
def verify_user_attribute(call: Call) -> dict[str, Any]:
    p = call.params
    user_attributes.verify_user_attribute(
        call.svc, p["access_token"], p["attribute_name"], p["code"]
    )
    return {}
