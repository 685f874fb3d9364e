"""The I/O-free part of token verification: the rules, the key cache and the errors.
:mod:`authpool.verify.verifiers` adds the fetching of the key set, sync and async."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

import jwt

__all__ = [
    "AuthorizationError",
    "Claims",
    "Clock",
    "ExpiredTokenError",
    "InsufficientScopeError",
    "InvalidClaimError",
    "InvalidSignatureError",
    "JwksCache",
    "JwksError",
    "MalformedTokenError",
    "MissingGroupError",
    "Rules",
    "TokenError",
    "TokenUse",
    "VerificationError",
    "issuer_of",
]

TokenUse = Literal["id", "access"]
ALGORITHM = "RS256"


# -- errors -------------------------------------------------------------------------------------
class TokenError(Exception):
    """Base of every refusal; ``status_code`` is the HTTP status an API should answer."""

    status_code = 401


class VerificationError(TokenError):
    """The token is not acceptable (401)."""


class MalformedTokenError(VerificationError):
    pass


class InvalidSignatureError(VerificationError):
    pass


class ExpiredTokenError(VerificationError):
    pass


class InvalidClaimError(VerificationError):
    pass


class AuthorizationError(TokenError):
    """The token is valid, but lacks a group or scope the call needs (403)."""

    status_code = 403


class MissingGroupError(AuthorizationError):
    pass


class InsufficientScopeError(AuthorizationError):
    pass


class JwksError(TokenError):
    """The issuer's key set could not be fetched or read (503)."""

    status_code = 503


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


# -- claims -------------------------------------------------------------------------------------
class Claims(dict[str, Any]):
    """The verified claims (a plain dict, so it serialises), with typed accessors."""

    @property
    def sub(self) -> str:
        return str(self.get("sub", ""))

    @property
    def username(self) -> str:
        return str(self.get("cognito:username") or self.get("username") or "")

    @property
    def token_use(self) -> str:
        return str(self.get("token_use", ""))

    @property
    def client_id(self) -> str:
        return str(self.get("client_id") or self.get("aud") or "")

    @property
    def groups(self) -> tuple[str, ...]:
        groups = self.get("cognito:groups") or ()
        return tuple(str(g) for g in groups) if isinstance(groups, list | tuple) else ()

    @property
    def scopes(self) -> frozenset[str]:
        scope = self.get("scope")
        return frozenset(scope.split()) if isinstance(scope, str) else frozenset()

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self["exp"], tz=UTC)


def issuer_of(user_pool_id: str, *, endpoint: str | None = None, region: str | None = None) -> str:
    """``{endpoint}/{poolId}`` for authpool, Cognito's regional issuer otherwise."""
    if endpoint:
        return f"{endpoint.rstrip('/')}/{user_pool_id}"
    region = region or user_pool_id.split("_", 1)[0]
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


# -- the key cache ------------------------------------------------------------------------------
@dataclass
class JwksCache:
    """The issuer's keys by ``kid``, and when to fetch them again."""

    ttl: timedelta
    refetch_interval: timedelta
    keys: Mapping[str, jwt.PyJWK] | None = None
    fetched_at: datetime | None = None
    attempted_at: datetime | None = None

    def should_fetch(self, kid: str, now: datetime) -> bool:
        """Whether to fetch now: never twice within ``refetch_interval``; else when there are
        no keys yet, when they are older than ``ttl``, or when ``kid`` is not among them."""
        if self.attempted_at is not None and now - self.attempted_at < self.refetch_interval:
            return False
        if self.keys is None or self.fetched_at is None:
            return True
        return now - self.fetched_at >= self.ttl or kid not in self.keys

    def load(self, document: Any, now: datetime) -> None:
        """Keep the RSA signing keys of a fetched JWKS document; refuse a set with none."""
        self.attempted_at = now
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise JwksError("The JWKS document has no 'keys' list.")
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document["keys"]:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("kid"), str):
                continue
            if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
                continue
            if entry.get("alg", ALGORITHM) != ALGORITHM:
                continue
            try:
                keys[entry["kid"]] = jwt.PyJWK(dict(entry), algorithm=ALGORITHM)
            except jwt.PyJWKError:
                continue
        if not keys:
            raise JwksError("The JWKS document holds no usable RS256 signing key.")
        self.keys, self.fetched_at = keys, now

    def failed(self, now: datetime) -> None:
        """A fetch failed: the keys already held stay in use."""
        self.attempted_at = now

    def key(self, kid: str) -> jwt.PyJWK | None:
        return (self.keys or {}).get(kid)


# -- the rules ----------------------------------------------------------------------------------
def key_id(token: str) -> str:
    """The ``kid`` of an RS256 token's header; the form and algorithm checked first."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise MalformedTokenError("The token is not a JWT.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as exc:
        raise MalformedTokenError("The token is not a JWT.") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidSignatureError(f"The token's algorithm is not {ALGORITHM}.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidSignatureError("The token names no signing key.")
    return kid


def _names(value: str | Iterable[str] | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    return frozenset([value] if isinstance(value, str) else value)


@dataclass(frozen=True)
class Rules:
    """What a verifier requires of every token."""

    issuer: str
    client_ids: frozenset[str] | None
    token_use: TokenUse | None
    groups: frozenset[str]
    scopes: frozenset[str]
    leeway: timedelta

    @classmethod
    def make(
        cls,
        *,
        issuer: str,
        client_id: str | Sequence[str] | None,
        token_use: TokenUse | None,
        groups: str | Collection[str] | None,
        scopes: str | Collection[str] | None,
        leeway: float | timedelta,
    ) -> Rules:
        if token_use not in (None, "id", "access"):
            raise ValueError("token_use must be 'id', 'access' or None")
        return cls(
            issuer=issuer,
            client_ids=None if client_id is None else _names(client_id),
            token_use=token_use,
            groups=_names(groups),
            scopes=_names(scopes),
            leeway=leeway if isinstance(leeway, timedelta) else timedelta(seconds=leeway),
        )

    def narrowed(
        self,
        token_use: TokenUse | None,
        groups: str | Collection[str] | None,
        scopes: str | Collection[str] | None,
    ) -> Rules:
        """These rules with one call's own token use, groups or scopes in place."""
        return Rules(
            issuer=self.issuer,
            client_ids=self.client_ids,
            token_use=token_use or self.token_use,
            groups=self.groups if groups is None else _names(groups),
            scopes=self.scopes if scopes is None else _names(scopes),
            leeway=self.leeway,
        )

    def check(self, token: str, key: jwt.PyJWK, now: datetime) -> Claims:
        try:
            payload = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except jwt.InvalidSignatureError as exc:
            raise InvalidSignatureError("The token's signature does not verify.") from exc
        except jwt.PyJWTError as exc:
            raise MalformedTokenError("The token is not a valid JWT.") from exc
        claims = Claims(payload)
        self._check_claims(claims, now)
        self._check_rights(claims)
        return claims

    def _check_claims(self, claims: Claims, now: datetime) -> None:
        if claims.get("iss") != self.issuer:
            raise InvalidClaimError("The token was issued by another issuer.")
        use = claims.get("token_use")
        if use not in ("id", "access"):
            raise InvalidClaimError("The token has no valid token_use.")
        if self.token_use and use != self.token_use:
            raise InvalidClaimError(f"An {self.token_use} token is required, not an {use} token.")
        moment, leeway = now.timestamp(), self.leeway.total_seconds()
        exp = claims.get("exp")
        if not isinstance(exp, int | float):
            raise InvalidClaimError("The token has no expiry.")
        if moment > exp + leeway:
            raise ExpiredTokenError("The token has expired.")
        for name in ("iat", "nbf"):
            value = claims.get(name)
            if name == "iat" and not isinstance(value, int | float):
                raise InvalidClaimError("The token has no issue time.")
            if isinstance(value, int | float) and value > moment + leeway:
                raise InvalidClaimError(f"The token's {name} is in the future.")
        if self.client_ids is not None:
            client = claims.get("aud") if use == "id" else claims.get("client_id")
            if client not in self.client_ids:
                raise InvalidClaimError("The token was issued to another app client.")

    def _check_rights(self, claims: Claims) -> None:
        if self.groups and not self.groups.intersection(claims.groups):
            raise MissingGroupError("The user is not in a group this call needs.")
        if self.scopes and not (
            claims.token_use == "access" and self.scopes.intersection(claims.scopes)
        ):
            raise InsufficientScopeError("The token lacks a scope this call needs.")
