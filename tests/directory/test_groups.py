"""Groups through boto3 against a live server (SQLite and PostgreSQL): CreateGroup, GetGroup,
UpdateGroup, DeleteGroup, ListGroups, the membership operations with their pagination, and
the ``cognito:groups``, ``cognito:roles`` and ``cognito:preferred_role`` claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .helpers import PASSWORD_FLOWS, claims, error, make_user, name, sign_in

PoolFactory = Callable[..., str]
ClientFactory = Callable[..., dict[str, Any]]
ROLE_A = "arn:aws:iam::123456789012:role/role-a"
ROLE_B = "arn:aws:iam::123456789012:role/role-b"


@pytest.fixture
def directory(pool: PoolFactory, app_client: ClientFactory) -> tuple[str, str]:
    pool_id = pool()
    return pool_id, app_client(pool_id, ExplicitAuthFlows=PASSWORD_FLOWS)["ClientId"]


def test_group_lifecycle(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, _ = directory
    created = idp.create_group(
        UserPoolId=pool_id, GroupName="editors", Description="Edit", RoleArn=ROLE_A, Precedence=3
    )["Group"]
    assert created["GroupName"] == "editors"
    assert created["UserPoolId"] == pool_id
    assert (created["Description"], created["RoleArn"], created["Precedence"]) == (
        "Edit",
        ROLE_A,
        3,
    )
    assert created["CreationDate"] == created["LastModifiedDate"]
    assert idp.get_group(UserPoolId=pool_id, GroupName="editors")["Group"] == created

    updated = idp.update_group(UserPoolId=pool_id, GroupName="editors", Precedence=1)["Group"]
    # Only what is given changes.
    assert (updated["Description"], updated["RoleArn"], updated["Precedence"]) == (
        "Edit",
        ROLE_A,
        1,
    )
    assert updated["LastModifiedDate"] >= created["LastModifiedDate"]
    idp.update_group(UserPoolId=pool_id, GroupName="editors", Description="")
    assert idp.get_group(UserPoolId=pool_id, GroupName="editors")["Group"]["Description"] == ""

    idp.delete_group(UserPoolId=pool_id, GroupName="editors")
    code, message = error(lambda: idp.get_group(UserPoolId=pool_id, GroupName="editors"))
    assert (code, message) == ("ResourceNotFoundException", "Group not found.")


def test_group_refusals(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, _ = directory
    idp.create_group(UserPoolId=pool_id, GroupName="staff")
    code, message = error(lambda: idp.create_group(UserPoolId=pool_id, GroupName="staff"))
    assert (code, message) == ("GroupExistsException", "A group with the name already exists.")
    # Group names are case-sensitive.
    idp.create_group(UserPoolId=pool_id, GroupName="Staff")
    for call in (
        lambda: idp.update_group(UserPoolId=pool_id, GroupName="nope", Precedence=1),
        lambda: idp.delete_group(UserPoolId=pool_id, GroupName="nope"),
        lambda: idp.list_users_in_group(UserPoolId=pool_id, GroupName="nope"),
    ):
        assert error(call)[0] == "ResourceNotFoundException"
    code, _ = error(lambda: idp.create_group(UserPoolId="us-east-1_Nope12345", GroupName="x"))
    assert code == "ResourceNotFoundException"
    code, _ = error(lambda: idp.list_groups(UserPoolId=pool_id, NextToken="garbage"))
    assert code == "InvalidParameterException"


def test_list_groups_pages_in_name_order(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, _ = directory
    names = [f"g{i:02d}" for i in range(7)]
    for group in reversed(names):
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": 3}
        if token:
            kwargs["NextToken"] = token
        page = idp.list_groups(**kwargs)
        seen += [g["GroupName"] for g in page["Groups"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names
    assert pages == 3


def test_membership(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, client_id = directory
    alice, bob = name("alice"), name("bob")
    alice_sub = make_user(idp, pool_id, client_id, alice)
    make_user(idp, pool_id, client_id, bob)
    for group in ("b-team", "a-team", "c-team"):
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    for group in ("b-team", "a-team"):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=alice, GroupName=group)
    # Adding again is not an error; a user can be named by sub.
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=alice_sub, GroupName="a-team")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=bob, GroupName="a-team")

    page = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=alice, Limit=1)
    assert [g["GroupName"] for g in page["Groups"]] == ["a-team"]
    page = idp.admin_list_groups_for_user(
        UserPoolId=pool_id, Username=alice, Limit=1, NextToken=page["NextToken"]
    )
    assert [g["GroupName"] for g in page["Groups"]] == ["b-team"]
    assert "NextToken" not in page

    members = idp.list_users_in_group(UserPoolId=pool_id, GroupName="a-team")["Users"]
    assert sorted(u["Username"] for u in members) == sorted([alice, bob])
    assert all(u["UserStatus"] == "CONFIRMED" and u["Enabled"] for u in members)
    assert {a["Name"] for a in members[0]["Attributes"]} >= {"sub"}
    first = idp.list_users_in_group(UserPoolId=pool_id, GroupName="a-team", Limit=1)
    second = idp.list_users_in_group(
        UserPoolId=pool_id, GroupName="a-team", Limit=1, NextToken=first["NextToken"]
    )
    assert {first["Users"][0]["Username"], second["Users"][0]["Username"]} == {alice, bob}

    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username=alice, GroupName="a-team")
    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username=alice, GroupName="a-team")
    groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=alice)["Groups"]
    assert [g["GroupName"] for g in groups] == ["b-team"]

    # Deleting a group ends its memberships; deleting a user ends theirs.
    idp.delete_group(UserPoolId=pool_id, GroupName="b-team")
    assert idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=alice)["Groups"] == []
    idp.admin_delete_user(UserPoolId=pool_id, Username=bob)
    assert idp.list_users_in_group(UserPoolId=pool_id, GroupName="a-team")["Users"] == []


def test_membership_refusals(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, client_id = directory
    user = name()
    make_user(idp, pool_id, client_id, user)
    idp.create_group(UserPoolId=pool_id, GroupName="g")
    code, message = error(
        lambda: idp.admin_add_user_to_group(UserPoolId=pool_id, Username="nobody", GroupName="g")
    )
    assert (code, message) == ("UserNotFoundException", "User does not exist.")
    code, message = error(
        lambda: idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName="nope")
    )
    assert (code, message) == ("ResourceNotFoundException", "Group not found.")
    code, _ = error(
        lambda: idp.admin_remove_user_from_group(
            UserPoolId=pool_id, Username="nobody", GroupName="g"
        )
    )
    assert code == "UserNotFoundException"
    code, _ = error(lambda: idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="nobody"))
    assert code == "UserNotFoundException"


# token claims -------------------------------------------------------------------------------
def _tokens(
    idp: Any, pool_id: str, client_id: str, groups: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ID-token claims, access-token claims) of a new user in ``groups``."""
    user = name()
    make_user(idp, pool_id, client_id, user)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName=group)
    result = sign_in(idp, client_id, user)
    return claims(result["IdToken"]), claims(result["AccessToken"])


def test_no_group_no_group_claims(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, client_id = directory
    id_claims, access_claims = _tokens(idp, pool_id, client_id, [])
    for key in ("cognito:groups", "cognito:roles", "cognito:preferred_role"):
        assert key not in id_claims
        assert key not in access_claims


def test_group_claims_and_the_preferred_role(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, client_id = directory
    idp.create_group(UserPoolId=pool_id, GroupName="viewers", RoleArn=ROLE_B, Precedence=5)
    idp.create_group(UserPoolId=pool_id, GroupName="admins", RoleArn=ROLE_A, Precedence=1)
    idp.create_group(UserPoolId=pool_id, GroupName="plain")  # no role, no precedence
    id_claims, access_claims = _tokens(idp, pool_id, client_id, ["viewers", "plain", "admins"])
    # Every group, the highest-precedence first; roles only in the ID token.
    assert id_claims["cognito:groups"] == ["admins", "viewers", "plain"]
    assert access_claims["cognito:groups"] == ["admins", "viewers", "plain"]
    assert id_claims["cognito:roles"] == [ROLE_A, ROLE_B]
    assert id_claims["cognito:preferred_role"] == ROLE_A
    assert "cognito:roles" not in access_claims
    assert "cognito:preferred_role" not in access_claims


@pytest.mark.parametrize(
    ("groups", "preferred"),
    [
        # The same precedence and different roles: no preferred role.
        ([("x", ROLE_A, 2), ("y", ROLE_B, 2)], None),
        # The same precedence and the same role: that role.
        ([("x", ROLE_A, 2), ("y", ROLE_A, 2)], ROLE_A),
        # A group with a precedence beats one without.
        ([("x", ROLE_A, None), ("y", ROLE_B, 9)], ROLE_B),
        # A better group without a role does not count.
        ([("x", None, 0), ("y", ROLE_B, 9)], ROLE_B),
        # Two without a precedence and different roles: a tie.
        ([("x", ROLE_A, None), ("y", ROLE_B, None)], None),
    ],
)
def test_preferred_role_rules(
    idp: Any,
    directory: tuple[str, str],
    groups: list[tuple[str, str | None, int | None]],
    preferred: str | None,
) -> None:
    pool_id, client_id = directory
    for group, role, precedence in groups:
        kwargs: dict[str, Any] = {"UserPoolId": pool_id, "GroupName": group}
        if role:
            kwargs["RoleArn"] = role
        if precedence is not None:
            kwargs["Precedence"] = precedence
        idp.create_group(**kwargs)
    id_claims, _ = _tokens(idp, pool_id, client_id, [g for g, _, _ in groups])
    assert id_claims.get("cognito:preferred_role") == preferred


def test_refreshed_tokens_carry_the_current_groups(idp: Any, directory: tuple[str, str]) -> None:
    pool_id, client_id = directory
    user = name()
    make_user(idp, pool_id, client_id, user)
    first = sign_in(idp, client_id, user)
    assert "cognito:groups" not in claims(first["AccessToken"])
    idp.create_group(UserPoolId=pool_id, GroupName="late")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName="late")
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]},
    )["AuthenticationResult"]
    assert claims(refreshed["AccessToken"])["cognito:groups"] == ["late"]
    assert claims(refreshed["IdToken"])["cognito:groups"] == ["late"]
