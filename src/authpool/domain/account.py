"""The signed-in user: GetUser, DeleteUser, GlobalSignOut, RevokeToken; and the admin
forms that name a user instead of presenting a token."""

from __future__ import annotations

from typing import Any

from authpool.domain import grants, users
from authpool.domain.clients import get_client
from authpool.domain.context import Services
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import UserRecord


def mfa_settings(user: UserRecord) -> dict[str, Any]:
    """UserMFASettingList and PreferredMfaSetting, as GetUser reports them."""
    enabled = list(user.mfa.get("enabled", []))
    out: dict[str, Any] = {}
    if enabled:
        out["user_mfa_setting_list"] = enabled
    if user.mfa.get("preferred"):
        out["preferred_mfa_setting"] = user.mfa["preferred"]
    if "SMS_MFA" in enabled:  # the legacy MFAOptions still report SMS MFA
        out["mfa_options"] = [{"delivery_medium": "SMS", "attribute_name": "phone_number"}]
    return out


def get_user(svc: Services, access_token: str) -> dict[str, Any]:
    bearer = grants.authenticate(svc, access_token)
    attrs = users.visible_attributes(bearer.pool, bearer.client, bearer.user)
    return {
        "username": bearer.user.username,
        "user_attributes": users.as_list(attrs),
        **mfa_settings(bearer.user),
    }


def delete_user(svc: Services, access_token: str) -> None:
    bearer = grants.authenticate(svc, access_token)
    svc.store.delete_user(bearer.user.sub)


def global_sign_out(svc: Services, access_token: str) -> None:
    bearer = grants.authenticate(svc, access_token)
    grants.global_sign_out(svc, bearer.user)


def revoke_token(svc: Services, client_id: str, token: str, client_secret: str | None) -> None:
    client = get_client(svc, client_id)
    client.require_secret(svc, client_secret)
    grants.revoke(svc, client, token)


# admin forms -------------------------------------------------------------------------------
def admin_user(svc: Services, pool_id: str, username: str) -> tuple[Pool, UserRecord]:
    pool = get_pool(svc, pool_id)
    return pool, users.require_user(svc, pool, username)


def admin_global_sign_out(svc: Services, pool_id: str, username: str) -> None:
    _, user = admin_user(svc, pool_id, username)
    grants.global_sign_out(svc, user)


def admin_get_user(svc: Services, pool_id: str, username: str) -> dict[str, Any]:
    pool, user = admin_user(svc, pool_id, username)
    attrs = users.visible_attributes(pool, None, user, admin=True)
    return {
        "username": user.username,
        "user_attributes": users.as_list(attrs),
        "user_create_date": user.created_at,
        "user_last_modified_date": user.updated_at,
        "enabled": user.enabled,
        "user_status": user.status,
        **mfa_settings(user),
    }


def admin_delete_user(svc: Services, pool_id: str, username: str) -> None:
    _, user = admin_user(svc, pool_id, username)
    svc.store.delete_user(user.sub)
