"""User pool groups and their members."""

from __future__ import annotations

from typing import Any

from authpool.domain import directory, groups, pools
from authpool.wire.protocol import Call, operation


@operation("CreateGroup")
def create_group(call: Call) -> dict[str, Any]:
    p = call.params
    group = groups.create_group(call.svc, p["user_pool_id"], p["group_name"], p)
    return {"group": groups.describe(group)}


@operation("GetGroup")
def get_group(call: Call) -> dict[str, Any]:
    group = groups.get_group(call.svc, call.params["user_pool_id"], call.params["group_name"])
    return {"group": groups.describe(group)}


@operation("UpdateGroup")
def update_group(call: Call) -> dict[str, Any]:
    p = call.params
    group = groups.update_group(call.svc, p["user_pool_id"], p["group_name"], p)
    return {"group": groups.describe(group)}


@operation("DeleteGroup")
def delete_group(call: Call) -> dict[str, Any]:
    groups.delete_group(call.svc, call.params["user_pool_id"], call.params["group_name"])
    return {}


@operation("ListGroups")
def list_groups(call: Call) -> dict[str, Any]:
    p = call.params
    found, token = groups.list_groups(
        call.svc, p["user_pool_id"], limit=p.get("limit"), next_token=p.get("next_token")
    )
    return {"groups": [groups.describe(g) for g in found], "next_token": token}


@operation("AdminAddUserToGroup")
def admin_add_user_to_group(call: Call) -> dict[str, Any]:
    p = call.params
    groups.add_user_to_group(call.svc, p["user_pool_id"], p["username"], p["group_name"])
    return {}


@operation("AdminRemoveUserFromGroup")
def admin_remove_user_from_group(call: Call) -> dict[str, Any]:
    p = call.params
    groups.remove_user_from_group(call.svc, p["user_pool_id"], p["username"], p["group_name"])
    return {}


@operation("AdminListGroupsForUser")
def admin_list_groups_for_user(call: Call) -> dict[str, Any]:
    p = call.params
    found, token = groups.groups_for_user(
        call.svc,
        p["user_pool_id"],
        p["username"],
        limit=p.get("limit"),
        next_token=p.get("next_token"),
    )
    return {"groups": [groups.describe(g) for g in found], "next_token": token}


@operation("ListUsersInGroup")
def list_users_in_group(call: Call) -> dict[str, Any]:
    p = call.params
    found, token = groups.users_in_group(
        call.svc,
        p["user_pool_id"],
        p["group_name"],
        limit=p.get("limit"),
        next_token=p.get("next_token"),
    )
    pool = pools.get_pool(call.svc, p["user_pool_id"])
    return {"users": [directory.user_type(pool, u) for u in found], "next_token": token}
