"""PreTokenGeneration: the claims of ID and access tokens, changed by the trigger before
they are signed.

Event versions (PreTokenGenerationConfig.LambdaVersion; the legacy PreTokenGeneration
setting is V1_0):

* ``V1_0`` (event ``version: "1"``): ``response.claimsOverrideDetails`` changes the ID
  token (``claimsToAddOrOverride`` with string values, ``claimsToSuppress``) and the group
  claims (``groupOverrideDetails``: ``cognito:groups`` in both tokens,
  ``cognito:roles`` and ``cognito:preferred_role`` in the ID token).
* ``V2_0``/``V3_0`` (``version: "2"``/``"3"``, the request also lists the access token's
  ``scopes``): ``response.claimsAndScopeOverrideDetails`` with ``idTokenGeneration``
  and ``accessTokenGeneration`` (claims of any JSON type, ``claimsToSuppress``, and for
  the access token ``scopesToAdd``/``scopesToSuppress``), and ``groupOverrideDetails``.

Claims that carry the token's identity and lifetime cannot be added, changed or suppressed
(:data:`RESERVED`); a trigger that tries is logged and those entries are skipped.
``triggerSource`` tells why tokens are made: ``TokenGeneration_Authentication``,
``TokenGeneration_NewPasswordChallenge``, ``TokenGeneration_AuthenticateDevice``,
``TokenGeneration_RefreshTokens``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from authpool.domain.clients import Client
from authpool.domain.context import Services
from authpool.domain.hooks.invoke import (
    call,
    configured,
    event,
    string_list,
    string_map,
    text,
    token_version,
    unrecognizable,
    user_attributes,
    with_metadata,
)
from authpool.domain.pools import Pool
from authpool.domain.records import UserRecord

log = logging.getLogger("authpool.triggers")

AUTHENTICATION = "TokenGeneration_Authentication"
NEW_PASSWORD = "TokenGeneration_NewPasswordChallenge"
AUTHENTICATE_DEVICE = "TokenGeneration_AuthenticateDevice"
REFRESH = "TokenGeneration_RefreshTokens"

NAME = "PreTokenGeneration"
GROUP_CLAIMS = ("cognito:groups", "cognito:roles", "cognito:preferred_role")
_COMMON = frozenset(
    {
        "acr",
        "amr",
        "aud",
        "at_hash",
        "auth_time",
        "azp",
        "event_id",
        "exp",
        "iat",
        "identities",
        "iss",
        "jti",
        "nbf",
        "nonce",
        "origin_jti",
        "sub",
        "token_use",
        *GROUP_CLAIMS,
    }
)
RESERVED = {
    "id": _COMMON | {"cognito:username"},
    "access": _COMMON | {"client_id", "scope", "username", "version"},
}

Claims = dict[str, Any]


def customise(
    svc: Services,
    pool: Pool,
    client: Client,
    user: UserRecord,
    id_claims: Claims,
    access_claims: Claims,
    *,
    source: str,
    client_metadata: Mapping[str, str] | None,
) -> tuple[Claims, Claims]:
    """The claims to sign, after PreTokenGeneration (unchanged when there is none)."""
    if not configured(pool, NAME):
        return id_claims, access_claims
    version = token_version(pool)
    details_key = "claimsOverrideDetails" if version == "1" else "claimsAndScopeOverrideDetails"
    payload = event(
        svc,
        pool,
        source=source,
        user_name=user.username,
        client_id=client.id,
        request=_request(pool, user, id_claims, access_claims, version, client_metadata),
        response={details_key: None},
        version=version,
    )
    details = _object(call(svc, pool, NAME, payload).get(details_key), details_key, pool)
    id_out, access_out = dict(id_claims), dict(access_claims)
    if version == "1":
        _apply_claims(details, id_out, "id", pool, strings_only=True)
    else:
        id_details = _object(details.get("idTokenGeneration"), "idTokenGeneration", pool)
        _apply_claims(id_details, id_out, "id", pool, strings_only=False)
        access = _object(details.get("accessTokenGeneration"), "accessTokenGeneration", pool)
        _apply_claims(access, access_out, "access", pool, strings_only=False)
        _apply_scopes(access, access_out, pool)
    groups = _object(details.get("groupOverrideDetails"), "groupOverrideDetails", pool)
    _apply_groups(groups, id_out, access_out, pool)
    return id_out, access_out


def _request(
    pool: Pool,
    user: UserRecord,
    id_claims: Claims,
    access_claims: Claims,
    version: str,
    client_metadata: Mapping[str, str] | None,
) -> dict[str, Any]:
    """The event's request: the user, the access token's scopes (V2_0 and later) and the
    group claims the tokens would carry."""
    request: dict[str, Any] = {"userAttributes": user_attributes(pool, user)}
    if version != "1":
        request["scopes"] = str(access_claims.get("scope", "")).split()
    request["groupConfiguration"] = {
        "groupsToOverride": list(id_claims.get("cognito:groups") or []),
        "iamRolesToOverride": list(id_claims.get("cognito:roles") or []),
        "preferredRole": id_claims.get("cognito:preferred_role"),
    }
    return with_metadata(request, "clientMetadata", client_metadata)


def _object(value: Any, key: str, pool: Pool) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise unrecognizable(NAME, pool, f"{key} is not an object")
    return value


def _allowed(claim: str, token: str, pool: Pool) -> bool:
    if claim in RESERVED[token]:
        log.warning(
            "%s of pool %s may not change the %s token claim %r; ignored",
            NAME,
            pool.id,
            token,
            claim,
        )
        return False
    return True


def _apply_claims(
    details: Mapping[str, Any], claims: Claims, token: str, pool: Pool, *, strings_only: bool
) -> None:
    for claim in (
        string_list(details.get("claimsToSuppress"), "claimsToSuppress", name=NAME, pool=pool) or []
    ):
        if _allowed(claim, token, pool):
            claims.pop(claim, None)
    if strings_only:
        added: Mapping[str, Any] = (
            string_map(details, "claimsToAddOrOverride", name=NAME, pool=pool) or {}
        )
    else:
        added = _object(details.get("claimsToAddOrOverride"), "claimsToAddOrOverride", pool)
    for claim, value in added.items():
        if _allowed(claim, token, pool) and value is not None:
            claims[claim] = value


def _apply_scopes(details: Mapping[str, Any], claims: Claims, pool: Pool) -> None:
    scopes = str(claims.get("scope", "")).split()
    suppress = set(
        string_list(details.get("scopesToSuppress"), "scopesToSuppress", name=NAME, pool=pool) or []
    )
    add = string_list(details.get("scopesToAdd"), "scopesToAdd", name=NAME, pool=pool) or []
    kept = [s for s in scopes if s not in suppress]
    for scope in add:
        if scope not in kept and " " not in scope:
            kept.append(scope)
    if kept:
        claims["scope"] = " ".join(kept)
    else:
        claims.pop("scope", None)


def _apply_groups(
    details: Mapping[str, Any], id_claims: Claims, access_claims: Claims, pool: Pool
) -> None:
    groups = string_list(details.get("groupsToOverride"), "groupsToOverride", name=NAME, pool=pool)
    if groups is not None:
        for claims in (id_claims, access_claims):
            if groups:
                claims["cognito:groups"] = groups
            else:
                claims.pop("cognito:groups", None)
    roles = string_list(
        details.get("iamRolesToOverride"), "iamRolesToOverride", name=NAME, pool=pool
    )
    if roles is not None:
        if roles:
            id_claims["cognito:roles"] = roles
        else:
            id_claims.pop("cognito:roles", None)
    preferred = text(details, "preferredRole", name=NAME, pool=pool)
    if preferred is not None:
        id_claims["cognito:preferred_role"] = preferred


_BY_CHALLENGE = {
    "NEW_PASSWORD_REQUIRED": NEW_PASSWORD,
    "DEVICE_PASSWORD_VERIFIER": AUTHENTICATE_DEVICE,
}


def source_after(challenge_name: str | None) -> str:
    """The triggerSource of tokens issued in answer to ``challenge_name`` (None: InitiateAuth)."""
    return _BY_CHALLENGE.get(challenge_name or "", AUTHENTICATION)
