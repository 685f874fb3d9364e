"""User pool operations."""

from __future__ import annotations

from typing import Any

from authpool.domain import pools
from authpool.tokens import signing_certificate
from authpool.wire.protocol import Call, operation


@operation("CreateUserPool")
def create_user_pool(call: Call) -> dict[str, Any]:
    p = call.params
    pool = pools.create_pool(call.svc, p["pool_name"], p)
    return {"user_pool": pools.describe_pool(call.svc, pool)}


@operation("DescribeUserPool")
def describe_user_pool(call: Call) -> dict[str, Any]:
    pool = pools.get_pool(call.svc, call.params["user_pool_id"])
    return {"user_pool": pools.describe_pool(call.svc, pool)}


@operation("UpdateUserPool")
def update_user_pool(call: Call) -> dict[str, Any]:
    pools.update_pool(call.svc, call.params["user_pool_id"], call.params)
    return {}


@operation("DeleteUserPool")
def delete_user_pool(call: Call) -> dict[str, Any]:
    pools.delete_pool(call.svc, call.params["user_pool_id"])
    return {}


@operation("ListUserPools")
def list_user_pools(call: Call) -> dict[str, Any]:
    found, token = pools.list_pools(
        call.svc, max_results=call.params["max_results"], next_token=call.params.get("next_token")
    )
    return {
        "user_pools": [
            {
                "id": p.id,
                "name": p.name,
                "lambda_config": p.config.get("lambda_config", {}),
                "last_modified_date": p.record.updated_at,
                "creation_date": p.record.created_at,
            }
            for p in found
        ],
        "next_token": token,
    }


@operation("AddCustomAttributes")
def add_custom_attributes(call: Call) -> dict[str, Any]:
    pools.add_custom_attributes(
        call.svc, call.params["user_pool_id"], call.params["custom_attributes"]
    )
    return {}


@operation("GetUserPoolMfaConfig")
def get_user_pool_mfa_config(call: Call) -> dict[str, Any]:
    return pools.get_mfa_config(pools.get_pool(call.svc, call.params["user_pool_id"]))


@operation("SetUserPoolMfaConfig")
def set_user_pool_mfa_config(call: Call) -> dict[str, Any]:
    return pools.set_mfa_config(call.svc, call.params["user_pool_id"], call.params)


@operation("GetSigningCertificate")
def get_signing_certificate(call: Call) -> dict[str, Any]:
    pool = pools.get_pool(call.svc, call.params["user_pool_id"])
    key = pools.current_signing_key(call.svc, pool.id)
    return {
        "certificate": signing_certificate(
            key, common_name=call.svc.issuer(pool.id), now=call.svc.clock.now()
        )
    }
