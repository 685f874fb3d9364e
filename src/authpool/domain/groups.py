"""User pool groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, the
membership operations, and the group claims of a member's tokens.

Token claims, as Cognito issues them: ``cognito:groups`` (the names of every group of the
user) in the ID and the access token; ``cognito:roles`` (the role ARNs of those groups) and
``cognito:preferred_role`` in the ID token. The preferred role is the role of the group with
the lowest Precedence among the groups that have a role (a group without Precedence comes
after every group with one); when the best groups tie with different roles there is no
preferred role, and when they tie with one role that role is it.
"""

from __future__ import annotations

from typing import Any

from authpool.domain import paging, users
from authpool.domain.context import Services
from authpool.domain.errors import (
    InvalidParameterException,
    LimitExceededException,
    ResourceNotFoundException,
)
from authpool.domain.pools import get_pool
from authpool.domain.records import GroupRecord, UserRecord

MAX_GROUPS_PER_POOL = 10_000
NOT_FOUND = "Group not found."
# UpdateGroup's settings: only those given change.
SETTINGS = ("description", "role_arn", "precedence")


def describe(group: GroupRecord) -> dict[str, Any]:
    """GroupType, snake_case."""
    return {
        "group_name": group.name,
        "user_pool_id": group.pool_id,
        "description": group.description,
        "role_arn": group.role_arn,
        "precedence": group.precedence,
        "last_modified_date": group.updated_at,
        "creation_date": group.created_at,
    }


def _precedence(value: Any) -> int | None:
    if value is None:
        return None
    if not 0 <= int(value) <= 2**31 - 1:
        raise InvalidParameterException("Precedence must be between 0 and 2147483647.")
    return int(value)


def create_group(svc: Services, pool_id: str, name: str, settings: dict[str, Any]) -> GroupRecord:
    pool = get_pool(svc, pool_id)
    if svc.store.count_groups(pool.id) >= MAX_GROUPS_PER_POOL:
        raise LimitExceededException(f"A user pool can have at most {MAX_GROUPS_PER_POOL} groups.")
    now = svc.clock.now()
    group = GroupRecord(
        pool_id=pool.id,
        name=name,
        description=settings.get("description"),
        role_arn=settings.get("role_arn"),
        precedence=_precedence(settings.get("precedence")),
        created_at=now,
        updated_at=now,
    )
    svc.store.insert_group(group)
    return group


def get_group(svc: Services, pool_id: str, name: str) -> GroupRecord:
    pool = get_pool(svc, pool_id)
    group = svc.store.get_group(pool.id, name)
    if group is None:
        raise ResourceNotFoundException(NOT_FOUND)
    return group


def update_group(svc: Services, pool_id: str, name: str, settings: dict[str, Any]) -> GroupRecord:
    group = get_group(svc, pool_id, name)
    changes = {k: settings[k] for k in SETTINGS if k in settings}
    if "precedence" in changes:
        changes["precedence"] = _precedence(changes["precedence"])
    updated = svc.store.update_group(
        group.pool_id, group.name, **changes, updated_at=svc.clock.now()
    )
    if updated is None:
        raise ResourceNotFoundException(NOT_FOUND)
    return updated


def delete_group(svc: Services, pool_id: str, name: str) -> None:
    group = get_group(svc, pool_id, name)
    if not svc.store.delete_group(group.pool_id, group.name):
        raise ResourceNotFoundException(NOT_FOUND)


def list_groups(
    svc: Services, pool_id: str, *, limit: int | None, next_token: str | None
) -> tuple[list[GroupRecord], str | None]:
    pool = get_pool(svc, pool_id)
    size = paging.page_size(limit)
    after = paging.decode(next_token, "groups")
    found, more = paging.page(svc.store.list_groups(pool.id, after=after, limit=size + 1), size)
    return found, (paging.encode("groups", found[-1].name) if more else None)


# membership --------------------------------------------------------------------------------
def _group_and_user(
    svc: Services, pool_id: str, group_name: str, username: str
) -> tuple[GroupRecord, UserRecord]:
    group = get_group(svc, pool_id, group_name)
    pool = get_pool(svc, pool_id)
    return group, users.require_user(svc, pool, username)


def add_user_to_group(svc: Services, pool_id: str, username: str, group_name: str) -> None:
    """AdminAddUserToGroup; adding a member again is not an error."""
    group, user = _group_and_user(svc, pool_id, group_name, username)
    svc.store.add_group_member(group.pool_id, group.name, user.sub, at=svc.clock.now())


def remove_user_from_group(svc: Services, pool_id: str, username: str, group_name: str) -> None:
    """AdminRemoveUserFromGroup; removing a user who is not a member is not an error."""
    group, user = _group_and_user(svc, pool_id, group_name, username)
    svc.store.remove_group_member(group.pool_id, group.name, user.sub)


def groups_for_user(
    svc: Services, pool_id: str, username: str, *, limit: int | None, next_token: str | None
) -> tuple[list[GroupRecord], str | None]:
    """AdminListGroupsForUser, in group-name order."""
    pool = get_pool(svc, pool_id)
    user = users.require_user(svc, pool, username)
    size = paging.page_size(limit)
    after = paging.decode(next_token, "user-groups")
    found, more = paging.page(svc.store.groups_of_user(user.sub, after=after, limit=size + 1), size)
    return found, (paging.encode("user-groups", found[-1].name) if more else None)


def users_in_group(
    svc: Services, pool_id: str, group_name: str, *, limit: int | None, next_token: str | None
) -> tuple[list[UserRecord], str | None]:
    """ListUsersInGroup, in ``sub`` order."""
    group = get_group(svc, pool_id, group_name)
    size = paging.page_size(limit)
    after = paging.decode(next_token, "group-users")
    found, more = paging.page(
        svc.store.group_members(group.pool_id, group.name, after=after, limit=size + 1), size
    )
    return found, (paging.encode("group-users", found[-1].sub) if more else None)


# token claims ------------------------------------------------------------------------------
def _rank(group: GroupRecord) -> tuple[int, int]:
    """Sort key: groups with a Precedence first, lowest first."""
    return (0, group.precedence) if group.precedence is not None else (1, 0)


def preferred_role(groups: list[GroupRecord]) -> str | None:
    """The role of the best-ranked groups that have a role, unless they disagree."""
    with_role = [g for g in groups if g.role_arn]
    if not with_role:
        return None
    best = min(_rank(g) for g in with_role)
    roles = {g.role_arn for g in with_role if _rank(g) == best}
    return roles.pop() if len(roles) == 1 else None


def group_claims(svc: Services, user: UserRecord) -> tuple[dict[str, Any], dict[str, Any]]:
    """(access-token claims, ID-token claims) for the user's groups; both empty for a user
    in no group."""
    groups = sorted(svc.store.groups_of_user(user.sub), key=lambda g: (_rank(g), g.name))
    if not groups:
        return {}, {}
    names = [g.name for g in groups]
    id_claims: dict[str, Any] = {"cognito:groups": names}
    roles = list(dict.fromkeys(g.role_arn for g in groups if g.role_arn))
    if roles:
        id_claims["cognito:roles"] = roles
    preferred = preferred_role(groups)
    if preferred is not None:
        id_claims["cognito:preferred_role"] = preferred
    return {"cognito:groups": names}, id_claims
