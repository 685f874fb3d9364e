"""What a successful sign-in grants: ID, access and refresh tokens; and everything that
later checks, refreshes or revokes them.

Access and ID tokens are RS256 JWTs signed with the pool's newest key. A refresh token is
an opaque random string; only its keyed hash is stored. Every token of one sign-in shares
an ``origin_jti``; revoking the refresh token revokes that origin, so the access tokens
issued from it are refused too.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authpool.clock import epoch
from authpool.domain import audit, groups, pools, users
from authpool.domain.clients import Client, get_client
from authpool.domain.context import Services
from authpool.domain.errors import (
    NotAuthorizedException,
    RefreshTokenReuseException,
    UnauthorizedException,
    UnsupportedOperationException,
)
from authpool.domain.hooks import tokens as token_hooks
from authpool.domain.pools import Pool
from authpool.domain.records import RefreshTokenRecord, UserRecord
from authpool.tokens import InvalidToken, TokenSigner, TokenVerifier

REFRESH_PURPOSE = "refresh-token"
ACCESS_SCOPE = "aws.cognito.signin.user.admin"
_BOOLEAN_CLAIMS = frozenset({"email_verified", "phone_number_verified"})


def _uuid(svc: Services) -> str:
    return str(uuid.UUID(bytes=svc.token_bytes(16), version=4))


def _refresh_digest(svc: Services, token: str) -> bytes:
    return svc.vault.digest(token, purpose=REFRESH_PURPOSE)


def id_claims(pool: Pool, client: Client, user: UserRecord) -> dict[str, Any]:
    """The user's attributes as ID-token claims: readable ones only, booleans as booleans."""
    claims: dict[str, Any] = {}
    for name, value in users.visible_attributes(pool, client, user).items():
        if name in _BOOLEAN_CLAIMS:
            claims[name] = value == "true"
        elif name != "sub":
            claims[name] = value
    return claims


def issue(
    svc: Services,
    pool: Pool,
    client: Client,
    user: UserRecord,
    *,
    auth_time: datetime | None = None,
    origin_jti: str | None = None,
    with_refresh: bool = True,
    trigger_source: str = token_hooks.AUTHENTICATION,
    client_metadata: Mapping[str, str] | None = None,
    device_key: str | None = None,
    new_device: Mapping[str, str] | None = None,
    keep_refresh_token: Callable[[RefreshTokenRecord], None] | None = None,
) -> dict[str, Any]:
    """AuthenticationResult (snake_case) for a finished sign-in or a refresh; the pool's
    PreTokenGeneration trigger (``trigger_source``) may change the claims before signing.
    With device tracking, ``device_key`` is the device the tokens are bound to (the access
    token's ``device_key`` claim, the refresh token's device) and ``new_device`` the
    NewDeviceMetadata of a device the sign-in just met. The new refresh token is stored
    at once, or handed to ``keep_refresh_token``, which must store it before the answer
    goes out (the sign-in engine stores it with the sign-in's other writes)."""
    now = svc.clock.now()
    auth_time = auth_time or now
    origin = origin_jti or _uuid(svc)
    event_id = _uuid(svc)
    signer = TokenSigner(pools.current_signing_key(svc, pool.id))
    iat = epoch(now)
    common = {
        "sub": user.sub,
        "iss": svc.issuer(pool.id),
        "origin_jti": origin,
        "event_id": event_id,
        "auth_time": epoch(auth_time),
        "iat": iat,
    }
    access_life = client.validity("access_token")
    access_groups, id_groups = groups.group_claims(svc, user)
    access_claims = {
        **access_groups,
        **common,
        "client_id": client.id,
        "token_use": "access",
        "scope": ACCESS_SCOPE,
        "exp": iat + int(access_life.total_seconds()),
        "jti": _uuid(svc),
        "username": user.username,
    }
    if device_key is not None:
        access_claims["device_key"] = device_key
    id_token_claims = {
        **id_claims(pool, client, user),
        **id_groups,
        **common,
        "aud": client.id,
        "token_use": "id",
        "cognito:username": user.username,
        "exp": iat + int(client.validity("id_token").total_seconds()),
        "jti": _uuid(svc),
    }
    id_token_claims, access_claims = token_hooks.customise(
        svc,
        pool,
        client,
        user,
        id_token_claims,
        access_claims,
        source=trigger_source,
        client_metadata=client_metadata,
    )
    access = signer.sign(access_claims)
    id_token = signer.sign(id_token_claims)
    result: dict[str, Any] = {
        "access_token": access,
        "expires_in": int(access_life.total_seconds()),
        "token_type": "Bearer",
        "id_token": id_token,
    }
    if with_refresh:
        token, record = new_refresh_token(
            svc, pool, client, user, origin, auth_time, device_key=device_key
        )
        if keep_refresh_token is None:
            svc.store.insert_refresh_token(record)
        else:
            keep_refresh_token(record)
        result["refresh_token"] = token
    if new_device is not None:
        result["new_device_metadata"] = dict(new_device)
    return result


def new_refresh_token(
    svc: Services,
    pool: Pool,
    client: Client,
    user: UserRecord,
    origin_jti: str,
    auth_time: datetime,
    *,
    device_key: str | None = None,
) -> tuple[str, RefreshTokenRecord]:
    token = base64.urlsafe_b64encode(svc.token_bytes(64)).decode().rstrip("=")
    now = svc.clock.now()
    return token, RefreshTokenRecord(
        digest=_refresh_digest(svc, token),
        pool_id=pool.id,
        client_id=client.id,
        user_sub=user.sub,
        origin_jti=origin_jti,
        created_at=now,
        expires_at=now + client.validity("refresh_token"),
        auth_time=auth_time,
        device_key=device_key,
    )


# refresh -----------------------------------------------------------------------------------
REUSED = "Refresh token has been rotated and can no longer be used."


def _usable_refresh(svc: Services, client: Client, token: str) -> RefreshTokenRecord:
    record, family_revoked = svc.store.get_refresh_token_and_family_revoked(
        _refresh_digest(svc, token)
    )
    now = svc.clock.now()
    if record is None or record.client_id != client.id:
        raise NotAuthorizedException("Invalid Refresh Token")
    # RevokeToken of any token of the family (rotation keeps the origin) ends all of it.
    if record.revoked_at is not None or family_revoked:
        raise NotAuthorizedException("Refresh Token has been revoked")
    if record.expires_at <= now:
        raise NotAuthorizedException("Refresh Token has expired")
    return record


def _on_its_device(svc: Services, record: RefreshTokenRecord, device_key: str | None) -> bool:
    """Device tracking binds a refresh token to the device it was issued on: it refreshes
    only when the request names that device, and the device is still the user's and
    confirmed (ForgetDevice ends it; Cognito refuses an unconfirmed device too)."""
    if record.device_key is None:
        return True
    if device_key != record.device_key:  # an identifier (it is in the access token), no secret
        return False
    device = svc.store.get_device(record.device_key)
    return device is not None and device.user_sub == record.user_sub and device.confirmed


def _retry_grace(client: Client) -> timedelta:
    """RefreshTokenRotation.RetryGracePeriodSeconds: how long a rotated-out refresh token
    still works, for a client that retries after losing the answer (0, the default: not
    at all)."""
    rotation = client.config.get("refresh_token_rotation") or {}
    return timedelta(seconds=int(rotation.get("retry_grace_period_seconds") or 0))


def _in_grace(svc: Services, client: Client, record: RefreshTokenRecord) -> bool:
    grace = _retry_grace(client)
    return (
        record.replaced_at is not None
        and grace > timedelta(0)
        and svc.clock.now() - record.replaced_at < grace
    )


def refresh(
    svc: Services,
    pool: Pool,
    client: Client,
    token: str,
    *,
    rotate: bool,
    client_metadata: Mapping[str, str] | None = None,
    device_key: str | None = None,
) -> dict[str, Any]:
    """New ID and access tokens from a refresh token; with ``rotate`` a new refresh token
    too, the old one retired: a later use of it is refused with RefreshTokenReuseException
    (after the client's retry grace period, if it has one). Of racing rotations of one
    token exactly one wins; the database decides. ``device_key`` is the device the request
    names (see :func:`_on_its_device`)."""
    record = _usable_refresh(svc, client, token)
    if not _on_its_device(svc, record, device_key):
        raise NotAuthorizedException("Invalid Refresh Token")
    if record.replaced_at is not None and not (rotate and _in_grace(svc, client, record)):
        raise RefreshTokenReuseException(REUSED)
    user = svc.store.get_user_by_sub(record.user_sub)
    if user is None:
        raise NotAuthorizedException("User does not exist.")
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    result = issue(
        svc,
        pool,
        client,
        user,
        auth_time=record.auth_time,
        origin_jti=record.origin_jti,
        with_refresh=False,
        trigger_source=token_hooks.REFRESH,
        client_metadata=client_metadata,
        device_key=record.device_key,
    )
    if rotate:
        new_token, new_record = new_refresh_token(
            svc, pool, client, user, record.origin_jti, record.auth_time,
            device_key=record.device_key,
        )  # fmt: skip
        if record.replaced_at is not None:  # a retry within the grace period
            svc.store.insert_refresh_token(new_record)
        elif not svc.store.replace_refresh_token(record.digest, new_record, at=svc.clock.now()):
            # Another request rotated (or revoked) this token first.
            latest = _usable_refresh(svc, client, token)
            if not _in_grace(svc, client, latest):
                raise RefreshTokenReuseException(REUSED)
            svc.store.insert_refresh_token(new_record)
        result["refresh_token"] = new_token
    return result


def revoke(svc: Services, client: Client, token: str) -> None:
    """RevokeToken: the refresh token and every access token issued from it."""
    if not client.token_revocation:
        raise UnsupportedOperationException("Token revocation is not enabled for this client.")
    record = svc.store.get_refresh_token(_refresh_digest(svc, token))
    if record is None:
        return  # Cognito answers success for a token it does not know
    if record.client_id != client.id:
        raise UnauthorizedException("The client is not authorized to revoke this token.")
    svc.store.revoke_refresh_token(record.digest, at=svc.clock.now())


# access tokens -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Bearer:
    """The signed-in user an access token speaks for."""

    pool: Pool
    client: Client
    user: UserRecord
    claims: dict[str, Any]


class _VerifierCache:
    """Token verifiers per pool, refreshed after a short time or on an unknown kid."""

    TTL = 60.0

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, TokenVerifier]] = {}
        self._lock = threading.Lock()

    def get(self, svc: Services, pool_id: str, kid: str | None) -> TokenVerifier:
        entry = self._entries.get(pool_id)
        fresh = entry is not None and time.monotonic() - entry[0] < self.TTL
        if entry is not None and fresh and (kid is None or kid in entry[1].kids):
            return entry[1]
        verifier = TokenVerifier(pools.signing_keys(svc, pool_id))
        with self._lock:
            self._entries[pool_id] = (time.monotonic(), verifier)
        return verifier


_VERIFIERS = _VerifierCache()


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header_b64, payload_b64, _ = token.split(".")
        header = json.loads(_b64(header_b64))
        payload = json.loads(_b64(payload_b64))
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAuthorizedException("Invalid Access Token") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise NotAuthorizedException("Invalid Access Token")
    return header, payload


def authenticate(svc: Services, access_token: str) -> Bearer:
    """Check an access token completely: signature, issuer, expiry, token use, the user
    (exists, enabled) and revocation (signed out, or its refresh token revoked)."""
    header, payload = _unverified(access_token)
    iss = payload.get("iss")
    prefix = svc.public_url + "/"
    if not isinstance(iss, str) or not iss.startswith(prefix):
        raise NotAuthorizedException("Invalid Access Token")
    pool_id = iss[len(prefix) :]
    record = svc.store.get_pool(pool_id)
    if record is None:
        raise NotAuthorizedException("Invalid Access Token")
    pool = Pool(record)
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    try:
        claims = _VERIFIERS.get(svc, pool_id, kid).verify(
            access_token, now=svc.clock.now(), issuer=svc.issuer(pool_id), token_use="access"
        )
    except InvalidToken as exc:
        if exc.reason == "token expired":
            raise NotAuthorizedException("Access Token has expired") from exc
        raise NotAuthorizedException("Invalid Access Token") from exc
    sub, origin = str(claims.get("sub")), claims.get("origin_jti")
    if isinstance(origin, str):  # the user and the revocation of its token, in one read
        user, revoked = svc.store.get_user_and_origin_revoked(sub, origin)
    else:
        user, revoked = svc.store.get_user_by_sub(sub), True
    if user is None or user.pool_id != pool_id:
        raise NotAuthorizedException("User does not exist.")
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    if user.tokens_valid_after is not None and claims["iat"] < epoch(user.tokens_valid_after):
        raise NotAuthorizedException("Access Token has been revoked")
    if revoked:
        raise NotAuthorizedException("Access Token has been revoked")
    client = get_client(svc, str(claims.get("client_id")))
    audit.saw_user(user)
    return Bearer(pool, client, user, claims)


def global_sign_out(svc: Services, user: UserRecord) -> None:
    svc.store.sign_out_user(user.sub, at=svc.clock.now())
