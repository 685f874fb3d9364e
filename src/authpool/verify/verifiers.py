"""``TokenVerifier`` (blocking, ``httpx.Client``) and ``AsyncTokenVerifier`` (``await``,
``httpx.AsyncClient``): the rules of :mod:`authpool.verify.core` plus fetching the keys."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Any

import httpx
import jwt

from authpool.verify.core import (
    Claims,
    Clock,
    InvalidSignatureError,
    JwksCache,
    JwksError,
    Rules,
    SystemClock,
    TokenUse,
    issuer_of,
    key_id,
)

__all__ = ["AsyncTokenVerifier", "TokenVerifier"]

log = logging.getLogger("authpool.verify")

DEFAULT_TIMEOUT = httpx.Timeout(10.0)


def _unavailable(uri: str, exc: Exception) -> JwksError:
    return exc if isinstance(exc, JwksError) else JwksError(f"Cannot fetch {uri}: {exc!r}")


def _document(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise JwksError(f"The JWKS endpoint answered HTTP {response.status_code}.")
    try:
        return response.json()
    except ValueError as exc:
        raise JwksError("The JWKS endpoint did not answer JSON.") from exc


class _Base:
    def __init__(
        self,
        user_pool_id: str,
        *,
        client_id: str | Sequence[str] | None,
        token_use: TokenUse | None = None,
        endpoint: str | None = None,
        region: str | None = None,
        issuer: str | None = None,
        jwks_uri: str | None = None,
        groups: str | Collection[str] | None = None,
        scopes: str | Collection[str] | None = None,
        leeway: float | timedelta = 0,
        jwks_ttl: timedelta = timedelta(hours=1),
        refetch_interval: timedelta = timedelta(seconds=30),
        clock: Clock | None = None,
    ) -> None:
        self.issuer = issuer or issuer_of(user_pool_id, endpoint=endpoint, region=region)
        self.jwks_uri = jwks_uri or f"{self.issuer}/.well-known/jwks.json"
        self.rules = Rules.make(
            issuer=self.issuer,
            client_id=client_id,
            token_use=token_use,
            groups=groups,
            scopes=scopes,
            leeway=leeway,
        )
        self.cache = JwksCache(ttl=jwks_ttl, refetch_interval=refetch_interval)
        self.clock = clock or SystemClock()

    def _finish(
        self,
        token: str,
        kid: str,
        token_use: TokenUse | None,
        groups: str | Collection[str] | None,
        scopes: str | Collection[str] | None,
    ) -> Claims:
        if self.cache.keys is None:
            raise JwksError(f"The signing keys of {self.issuer} are not available.")
        key: jwt.PyJWK | None = self.cache.key(kid)
        if key is None:
            raise InvalidSignatureError("The token was signed with a key the issuer does not list.")
        rules = self.rules.narrowed(token_use, groups, scopes)
        return rules.check(token, key, self.clock.now())


class TokenVerifier(_Base):
    """Verifies tokens of one user pool; thread-safe, one key fetch at a time.

    ``client_id`` is required: the app client id (or ids) the tokens must be issued to, or
    ``None`` to accept any client of the pool (rarely what a backend wants).
    """

    def __init__(
        self,
        user_pool_id: str,
        *,
        client_id: str | Sequence[str] | None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        **options: Any,
    ) -> None:
        super().__init__(user_pool_id, client_id=client_id, **options)
        self._http = httpx.Client(transport=transport, timeout=timeout)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TokenVerifier:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _fetch(self, kid: str) -> None:
        with self._lock:
            now = self.clock.now()
            if not self.cache.should_fetch(kid, now):
                return
            try:
                response = self._http.get(self.jwks_uri)
                self.cache.load(_document(response), now)
            except (httpx.HTTPError, JwksError) as exc:
                self.cache.failed(now)
                log.warning("cannot fetch the signing keys from %s: %r", self.jwks_uri, exc)
                if self.cache.keys is None:
                    raise _unavailable(self.jwks_uri, exc) from exc

    def verify(
        self,
        token: str,
        *,
        token_use: TokenUse | None = None,
        groups: str | Collection[str] | None = None,
        scopes: str | Collection[str] | None = None,
    ) -> Claims:
        """The token's claims if it passes every check; a :class:`TokenError` otherwise.
        ``token_use``, ``groups`` and ``scopes`` override the verifier's own for this call."""
        kid = key_id(token)
        if self.cache.should_fetch(kid, self.clock.now()):
            self._fetch(kid)
        return self._finish(token, kid, token_use, groups, scopes)


class AsyncTokenVerifier(_Base):
    """:class:`TokenVerifier` for asyncio: ``await verifier.verify(token)``."""

    def __init__(
        self,
        user_pool_id: str,
        *,
        client_id: str | Sequence[str] | None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        **options: Any,
    ) -> None:
        super().__init__(user_pool_id, client_id=client_id, **options)
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncTokenVerifier:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _fetch(self, kid: str) -> None:
        async with self._lock:
            now = self.clock.now()
            if not self.cache.should_fetch(kid, now):
                return
            try:
                response = await self._http.get(self.jwks_uri)
                self.cache.load(_document(response), now)
            except (httpx.HTTPError, JwksError) as exc:
                self.cache.failed(now)
                log.warning("cannot fetch the signing keys from %s: %r", self.jwks_uri, exc)
                if self.cache.keys is None:
                    raise _unavailable(self.jwks_uri, exc) from exc

    async def verify(
        self,
        token: str,
        *,
        token_use: TokenUse | None = None,
        groups: str | Collection[str] | None = None,
        scopes: str | Collection[str] | None = None,
    ) -> Claims:
        """As :meth:`TokenVerifier.verify`."""
        kid = key_id(token)
        if self.cache.should_fetch(kid, self.clock.now()):
            await self._fetch(kid)
        return self._finish(token, kid, token_use, groups, scopes)
