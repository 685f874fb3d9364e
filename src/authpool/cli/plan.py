"""The plan ``authpool push`` shows before it changes anything, and the calls that carry it out.

A plan compares a pool of the file with the pool on the server, both in the normal form of
:mod:`authpool.cli.project_schema`, and sorts each difference:

* ordinary ones, applied with Cognito's own operations (UpdateUserPool, SetUserPoolMfaConfig,
  AddCustomAttributes, the client and group operations);
* the settings Cognito fixes at creation (sign-in attributes, case sensitivity, required
  attributes), applied with authpool's pool migration after the server has checked the users;
* the ones nobody can apply (a pool's name, a client's secret, a custom attribute once
  created), which stop the push with an explanation;
* deletions that would lose something (a pool with users, a group with members), which need
  ``--force``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from authpool.cli import cognito_map
from authpool.cli.project import Project, ProjectError
from authpool.cli.remote import Backend, RemoteError

MIGRATION_PATHS = ("sign_in.", "required_attributes")
NOT_COMPARED = ("id", "identity_pool")


@dataclass(frozen=True)
class Difference:
    path: str
    before: Any
    after: Any


@dataclass
class ServerPool:
    id: str
    described: dict[str, Any]
    clients: dict[str, dict[str, Any]]
    spec: dict[str, Any]


@dataclass
class PoolPlan:
    key: str
    action: str  # create, update, unchanged, delete, gone
    desired: dict[str, Any] | None
    server: ServerPool | None = None
    differences: list[Difference] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    migration: dict[str, Any] | None = None
    losses: list[str] = field(default_factory=list)  # what --force would give up
    created_id: str | None = None  # the pool's id once CreateUserPool has answered

    @property
    def pool_id(self) -> str | None:
        return self.server.id if self.server else None


# reading the server ----------------------------------------------------------------------------
def _pages(backend: Backend, operation: str, params: dict[str, Any], key: str) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = backend.call(operation, {**params, **({"NextToken": token} if token else {})})
        yield from page.get(key) or []
        token = page.get("NextToken")
        if not token:
            return


def read_pool(backend: Backend, pool_id: str) -> ServerPool:
    described = backend.call("DescribeUserPool", {"UserPoolId": pool_id})["UserPool"]
    mfa = backend.call("GetUserPoolMfaConfig", {"UserPoolId": pool_id})
    clients = {}
    for item in _pages(
        backend, "ListUserPoolClients", {"UserPoolId": pool_id, "MaxResults": 60}, "UserPoolClients"
    ):
        client = backend.call(
            "DescribeUserPoolClient", {"UserPoolId": pool_id, "ClientId": item["ClientId"]}
        )["UserPoolClient"]
        clients[client["ClientName"]] = client
    groups = list(_pages(backend, "ListGroups", {"UserPoolId": pool_id, "Limit": 60}, "Groups"))
    spec = cognito_map.pool_spec(described, mfa, list(clients.values()), groups)
    return ServerPool(pool_id, described, clients, spec)


def find_pool(backend: Backend, key: str, spec: dict[str, Any]) -> str | None:
    """The server's pool for a pool of the file: by ``id``, else the only pool of its name."""
    if spec.get("id"):
        try:
            backend.call("DescribeUserPool", {"UserPoolId": spec["id"]})
        except RemoteError as exc:
            if exc.code != "ResourceNotFoundException":
                raise
            raise ProjectError(
                f"pool {key}: {spec['id']} does not exist on the server (remove its `id:` to "
                "create a new pool)"
            ) from None
        return str(spec["id"])
    found = [
        p["Id"]
        for p in _pages(backend, "ListUserPools", {"MaxResults": 60}, "UserPools")
        if p.get("Name") == spec["name"]
    ]
    if len(found) > 1:
        raise ProjectError(
            f"pool {key}: {len(found)} pools on the server are named {spec['name']!r} "
            f"({', '.join(found)}): say which with `id:`"
        )
    return found[0] if found else None


# comparing -------------------------------------------------------------------------------------
def differences(before: Any, after: Any, path: str = "") -> list[Difference]:
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[Difference] = []
        for key in [*before, *(k for k in after if k not in before)]:
            if key in NOT_COMPARED and (path.count(".") in (0, 2) or not path):
                continue
            sub = f"{path}.{key}" if path else str(key)
            if key not in after:
                out.append(Difference(sub, before[key], None))
            elif key not in before:
                out.append(Difference(sub, None, after[key]))
            else:
                out.extend(differences(before[key], after[key], sub))
        return out
    return [] if before == after else [Difference(path, before, after)]


def _rekey_clients(current: dict[str, Any], desired: dict[str, Any]) -> list[Difference]:
    """Match clients the file pins by ``id`` even when renamed; the renames as differences."""
    renamed = []
    by_id = {c["id"]: name for name, c in current["clients"].items()}
    for name, client in desired["clients"].items():
        old = by_id.get(client.get("id"))
        if old is not None and old != name:
            current["clients"][name] = current["clients"].pop(old)
            renamed.append(Difference(f"clients.{name}.name", old, name))
    return renamed


def _classify(plan: PoolPlan) -> None:
    for d in plan.differences:
        parts = d.path.split(".")
        if parts[0] == "name":
            plan.unsupported.append(
                f"the pool is named {d.before!r} on the server and pool names cannot change: "
                f"set name: {d.before}"
            )
        elif parts[0] == "custom_attributes" and d.before is not None:
            plan.unsupported.append(
                f"custom attribute {parts[1]} exists on the server and cannot be changed or "
                "removed (Cognito keeps custom attributes as created)"
            )
        elif parts[0] == "clients" and len(parts) > 2 and parts[2] == "generate_secret":
            plan.unsupported.append(
                f"client {parts[1]}: a client secret is chosen at creation; add a new client "
                "(another name) and remove this one instead"
            )


def _group_members(backend: Backend, pool_id: str, group: str) -> int:
    page = backend.call("ListUsersInGroup", {"UserPoolId": pool_id, "GroupName": group, "Limit": 1})
    return len(page.get("Users") or [])


def migration_body(pool_id: str, desired: dict[str, Any]) -> dict[str, Any]:
    sign_in = desired["sign_in"]
    return {
        "UserPoolId": pool_id,
        "UsernameAttributes": sign_in["username_attributes"],
        "AliasAttributes": sign_in["alias_attributes"],
        "CaseSensitive": sign_in["case_sensitive"],
        "RequiredAttributes": desired["required_attributes"],
    }


def plan_pool(
    backend: Backend, key: str, desired: dict[str, Any], remedies: dict[str, str]
) -> PoolPlan:
    pool_id = find_pool(backend, key, desired)
    if pool_id is None:
        created = [Difference(f"pool {desired['name']}", None, desired)] + [
            Difference(f"{section}.{name}", None, value)
            for section in ("custom_attributes", "triggers", "groups", "clients")
            for name, value in desired[section].items()
        ]
        return PoolPlan(key, "create", desired, differences=created)
    server = read_pool(backend, pool_id)
    current = {**server.spec, "clients": dict(server.spec["clients"])}
    renames = _rekey_clients(current, desired)
    plan = PoolPlan(key, "update", desired, server, renames + differences(current, desired))
    _classify(plan)
    if any(d.path.startswith(MIGRATION_PATHS) for d in plan.differences):
        body = {**migration_body(pool_id, desired), "Remedies": remedies, "DryRun": True}
        plan.migration = backend.migrate(body)
    for d in plan.differences:
        parts = d.path.split(".")
        removed_group = parts[0] == "groups" and len(parts) == 2 and d.after is None
        if removed_group and _group_members(backend, pool_id, parts[1]):
            plan.losses.append(f"group {parts[1]} has members: their membership goes")
    if not plan.differences:
        plan.action = "unchanged"
    return plan


def plan_removal(backend: Backend, entry: dict[str, Any]) -> PoolPlan:
    name = entry.get("name") or entry.get("id") or "?"
    spec = {"id": entry.get("id"), "name": entry.get("name")}
    try:
        pool_id = find_pool(backend, str(name), spec) if spec["id"] or spec["name"] else None
    except ProjectError:
        pool_id = None
    if pool_id is None:
        return PoolPlan(str(name), "gone", None)
    described = backend.call("DescribeUserPool", {"UserPoolId": pool_id})["UserPool"]
    plan = PoolPlan(str(name), "delete", None, ServerPool(pool_id, described, {}, {}))
    users = int(described.get("EstimatedNumberOfUsers") or 0)
    if users:
        plan.losses.append(f"pool {name} ({pool_id}) has {users} users: they are deleted")
    return plan


def make_plans(backend: Backend, project: Project, remedies: dict[str, str]) -> list[PoolPlan]:
    plans = [plan_pool(backend, key, spec, remedies) for key, spec in project.pools.items()]
    plans += [plan_removal(backend, entry) for entry in project.removed]
    return plans


# applying --------------------------------------------------------------------------------------
def _changed(plan: PoolPlan, prefix: str) -> list[Difference]:
    return [d for d in plan.differences if d.path == prefix or d.path.startswith(prefix + ".")]


def _pool_level(plan: PoolPlan) -> bool:
    skip = ("clients", "groups", "custom_attributes", "sign_in", "required_attributes")
    return any(d.path.split(".")[0] not in skip for d in plan.differences)


def _create(backend: Backend, plan: PoolPlan) -> str:
    desired = plan.desired
    assert desired is not None
    created = backend.call("CreateUserPool", cognito_map.create_pool_request(desired))
    pool_id = plan.created_id = str(created["UserPool"]["Id"])
    if desired["mfa"]["mode"] != "OFF" or desired["mfa"]["methods"]:
        backend.call("SetUserPoolMfaConfig", cognito_map.mfa_request(pool_id, desired))
    for name, client in desired["clients"].items():
        backend.call(
            "CreateUserPoolClient",
            {
                "UserPoolId": pool_id,
                **cognito_map.client_request(name, client),
                "GenerateSecret": client["generate_secret"],
            },
        )
    for name, group in desired["groups"].items():
        backend.call(
            "CreateGroup", {"UserPoolId": pool_id, **cognito_map.group_request(name, group)}
        )
    return pool_id


def _sides(plan: PoolPlan) -> tuple[dict[str, Any], ServerPool]:
    if plan.desired is None or plan.server is None:
        raise ProjectError(f"pool {plan.key}: nothing to update")
    return plan.desired, plan.server


def _update_clients(backend: Backend, plan: PoolPlan, pool_id: str) -> None:
    desired_pool, server = _sides(plan)
    desired = desired_pool["clients"]
    by_id = {c["ClientId"]: c for c in server.clients.values()}
    touched = {d.path.split(".")[1] for d in _changed(plan, "clients")}
    for name in sorted(touched):
        spec = desired.get(name)
        current = server.clients.get(name) or by_id.get((spec or {}).get("id"))
        if spec is None and current is not None:
            backend.call(
                "DeleteUserPoolClient", {"UserPoolId": pool_id, "ClientId": current["ClientId"]}
            )
        elif current is None and spec is not None:
            backend.call(
                "CreateUserPoolClient",
                {
                    "UserPoolId": pool_id,
                    **cognito_map.client_request(name, spec),
                    "GenerateSecret": spec["generate_secret"],
                },
            )
        elif spec is not None and current is not None:
            backend.call(
                "UpdateUserPoolClient",
                cognito_map.update_client_request(
                    pool_id, current["ClientId"], name, spec, current
                ),
            )


def _update_groups(backend: Backend, plan: PoolPlan, pool_id: str) -> None:
    desired_pool, server = _sides(plan)
    desired, current = desired_pool["groups"], server.spec["groups"]
    for name in sorted({d.path.split(".")[1] for d in _changed(plan, "groups")}):
        if name not in desired:
            backend.call("DeleteGroup", {"UserPoolId": pool_id, "GroupName": name})
        elif name not in current:
            backend.call(
                "CreateGroup",
                {"UserPoolId": pool_id, **cognito_map.group_request(name, desired[name])},
            )
        else:
            backend.call(
                "UpdateGroup",
                {"UserPoolId": pool_id, **cognito_map.group_request(name, desired[name])},
            )


def _update(backend: Backend, plan: PoolPlan, remedies: dict[str, str]) -> str:
    desired, server = _sides(plan)
    pool_id = server.id
    added = [d.path.split(".")[1] for d in _changed(plan, "custom_attributes") if d.before is None]
    if added:
        backend.call(
            "AddCustomAttributes",
            {
                "UserPoolId": pool_id,
                "CustomAttributes": [
                    cognito_map.custom_attribute(n, desired["custom_attributes"][n]) for n in added
                ],
            },
        )
    if plan.migration is not None:
        backend.migrate({**migration_body(pool_id, desired), "Remedies": remedies, "DryRun": False})
    if _changed(plan, "mfa"):
        backend.call("SetUserPoolMfaConfig", cognito_map.mfa_request(pool_id, desired))
    if _pool_level(plan):
        request = cognito_map.update_pool_request(pool_id, desired, server.described)
        backend.call("UpdateUserPool", request)
    _update_clients(backend, plan, pool_id)
    _update_groups(backend, plan, pool_id)
    return pool_id


def apply(backend: Backend, plan: PoolPlan, remedies: dict[str, str]) -> str | None:
    """Carry out one pool's plan; the pool's id (None once deleted).

    A plan is carried out as a series of calls, each of which either happens or not (the
    change of the settings Cognito fixes at creation, with its remedies to the users, is one
    of them). When one fails, those before it stay done: a new plan, made against the
    server as it then is, holds exactly what is left, so pushing again finishes the work."""
    if plan.action == "create":
        return _create(backend, plan)
    if plan.action == "update":
        return _update(backend, plan, remedies)
    if plan.action == "delete":
        assert plan.server is not None
        backend.call("DeleteUserPool", {"UserPoolId": plan.server.id})
        return None
    return plan.pool_id
