"""What :class:`~authpool.client.Auth` and :class:`~authpool.client.AsyncAuth` share:
construction, ``configure()``, the hub, and the one function that turns an HTTP answer into
a flow's input."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

import httpx

from authpool.client import wire
from authpool.client.config import AuthConfig, load_config
from authpool.client.core import AuthCore
from authpool.client.errors import ConfigurationException, NetworkException
from authpool.client.flows.context import Clock, Context, SystemClock, TokenBytes
from authpool.client.hub import Hub
from authpool.client.storage import KeyValueStorage, MemoryStorage, TokenStore

__all__ = ["DEFAULT_TIMEOUT", "AuthBase", "ConfigSource"]

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

ConfigSource = AuthConfig | Mapping[str, Any] | str | os.PathLike[str] | None


class AuthBase:
    """Construction and configuration; the subclasses add the calls."""

    def __init__(
        self,
        config: ConfigSource = None,
        /,
        *,
        storage: KeyValueStorage | None = None,
        clock: Clock | None = None,
        token_bytes: TokenBytes | None = None,
        **config_kwargs: Any,
    ) -> None:
        self.hub = Hub()
        self.storage: KeyValueStorage = storage if storage is not None else MemoryStorage()
        self._clock = clock or SystemClock()
        self._token_bytes = token_bytes or secrets.token_bytes
        self._core: AuthCore | None = None
        if config is not None or config_kwargs:
            self.configure(config, **config_kwargs)

    def configure(self, config: ConfigSource = None, /, **kwargs: Any) -> AuthConfig:
        """Point the client at a user pool.

        ``config`` is an :class:`AuthConfig`, the path of an ``amplify_outputs.json`` or
        ``amplifyconfiguration.json``, or either file's parsed contents; keyword arguments
        (``user_pool_id=``, ``user_pool_client_id=``, ``endpoint=``, ``client_secret=``,
        ``region=``, ``auth_flow_type=``, ``device_name=``) make a configuration alone or
        override the source's values. Reconfiguring forgets any sign-in in progress.
        """
        loaded = load_config(config, **kwargs)
        store = TokenStore(self.storage, loaded.user_pool_client_id)
        self._core = AuthCore(Context(loaded, store, self._clock, self._token_bytes), self.hub)
        return loaded

    @property
    def config(self) -> AuthConfig:
        return self._configured.ctx.config

    @property
    def _configured(self) -> AuthCore:
        if self._core is None:
            raise ConfigurationException("Auth is not configured.")
        return self._core

    def _http_error(self, exc: httpx.HTTPError) -> NetworkException:
        return NetworkException(f"Cannot reach {self.config.endpoint}: {exc!r}", underlying=exc)

    @staticmethod
    def _post_args(request: wire.Request) -> tuple[bytes, dict[str, str]]:
        return wire.encode(request)
