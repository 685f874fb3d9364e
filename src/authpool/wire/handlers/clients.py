"""App client operations."""

from __future__ import annotations

from typing import Any

from authpool.domain import clients
from authpool.wire.protocol import Call, operation


@operation("CreateUserPoolClient")
def create_user_pool_client(call: Call) -> dict[str, Any]:
    p = call.params
    client, _secret = clients.create_client(
        call.svc,
        p["user_pool_id"],
        p["client_name"],
        p,
        generate_secret=bool(p.get("generate_secret", False)),
    )
    return {"user_pool_client": clients.describe_client(call.svc, client)}


@operation("DescribeUserPoolClient")
def describe_user_pool_client(call: Call) -> dict[str, Any]:
    client = clients.get_client(call.svc, call.params["client_id"], call.params["user_pool_id"])
    return {"user_pool_client": clients.describe_client(call.svc, client)}


@operation("UpdateUserPoolClient")
def update_user_pool_client(call: Call) -> dict[str, Any]:
    p = call.params
    client = clients.update_client(
        call.svc, p["user_pool_id"], p["client_id"], p.get("client_name"), p
    )
    return {"user_pool_client": clients.describe_client(call.svc, client)}


@operation("DeleteUserPoolClient")
def delete_user_pool_client(call: Call) -> dict[str, Any]:
    clients.delete_client(call.svc, call.params["user_pool_id"], call.params["client_id"])
    return {}


@operation("ListUserPoolClients")
def list_user_pool_clients(call: Call) -> dict[str, Any]:
    found, token = clients.list_clients(
        call.svc,
        call.params["user_pool_id"],
        max_results=call.params.get("max_results", 60),
        next_token=call.params.get("next_token"),
    )
    return {
        "user_pool_clients": [
            {"client_id": c.id, "user_pool_id": c.pool_id, "client_name": c.record.name}
            for c in found
        ],
        "next_token": token,
    }
