"""``AsyncAuth``: the same API as :class:`~authpool.client.sync.Auth`, awaitable, on an
``httpx.AsyncClient``. Every method has the same name, arguments and result."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from authpool.client import account, wire
from authpool.client.base import DEFAULT_TIMEOUT, AuthBase, ConfigSource
from authpool.client.errors import (
    AuthException,
    AuthServiceException,
    NetworkException,
    UserAlreadyAuthenticatedException,
)
from authpool.client.flows import Flow, run_async
from authpool.client.flows.context import Clock, TokenBytes
from authpool.client.models import (
    AuthDevice,
    AuthFlowType,
    AuthSession,
    AuthUser,
    CodeDeliveryDetails,
    MfaPreference,
    ResetPasswordResult,
    SignInResult,
    SignOutResult,
    SignUpResult,
    TotpSetupDetails,
    UpdateUserAttributeResult,
    UserMfaPreference,
)
from authpool.client.retry import RetryPolicy
from authpool.client.storage import KeyValueStorage, StoredTokens

__all__ = ["AsyncAuth"]

T = TypeVar("T")


class AsyncAuth(AuthBase):
    """:class:`~authpool.client.sync.Auth` for asyncio: ``await auth.sign_in(...)``.

    ``transport`` is an ``httpx.AsyncBaseTransport``. Token storage stays synchronous (its
    reads and writes are small and local); token refreshes are made one at a time. Calls are
    retried as :class:`~authpool.client.sync.Auth` retries them, waiting with ``sleep``.
    """

    def __init__(
        self,
        config: ConfigSource = None,
        /,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        storage: KeyValueStorage | None = None,
        clock: Clock | None = None,
        token_bytes: TokenBytes | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **config_kwargs: Any,
    ) -> None:
        super().__init__(
            config, storage=storage, clock=clock, token_bytes=token_bytes, **config_kwargs
        )
        self._http = httpx.AsyncClient(
            transport=transport or httpx.AsyncHTTPTransport(), timeout=timeout
        )
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._refresh_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncAuth:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- driving flows --------------------------------------------------------------------------
    async def _send(self, request: wire.Request) -> dict[str, Any]:
        content, headers = self._post_args(request)
        attempts = 0
        while True:
            attempts += 1
            try:
                return await self._post(content, headers)
            except (NetworkException, AuthServiceException) as exc:
                if not self._retry.should_retry(exc, attempts):
                    raise
            await self._sleep(self._retry.delay(attempts))

    async def _post(self, content: bytes, headers: dict[str, str]) -> dict[str, Any]:
        try:
            response = await self._http.post(self.config.endpoint, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise self._http_error(exc) from exc
        return wire.from_http(response)

    async def _run(self, flow: Flow[T]) -> T:
        return await run_async(flow, self._send)

    async def _tokens(self, force_refresh: bool = False) -> StoredTokens | None:
        core = self._configured
        async with self._refresh_lock:
            return await self._run(core.session(force_refresh))

    async def _signed_in(self) -> StoredTokens:
        tokens = await self._tokens()
        if tokens is None:
            raise self._configured.signed_out_error()
        return tokens

    async def _assert_signed_out(self) -> None:
        try:
            tokens = await self._tokens()
        except AuthException:  # cannot tell (the refresh failed): let a new sign-in replace it
            return
        if tokens is not None:
            raise UserAlreadyAuthenticatedException("There is already a signed in user.")

    # -- sign-up --------------------------------------------------------------------------------
    async def sign_up(
        self,
        username: str,
        password: str | None = None,
        *,
        user_attributes: Mapping[str, str] | None = None,
        validation_data: Mapping[str, str] | None = None,
        client_metadata: Mapping[str, str] | None = None,
        auto_sign_in: bool | AuthFlowType = False,
    ) -> SignUpResult:
        """Register a user; ``next_step.sign_up_step`` says whether a code must confirm it."""
        return await self._run(
            self._configured.sign_up(
                username,
                password,
                user_attributes=user_attributes,
                validation_data=validation_data,
                client_metadata=client_metadata,
                auto_sign_in=auto_sign_in,
            )
        )

    async def confirm_sign_up(
        self,
        username: str,
        confirmation_code: str,
        *,
        force_alias_creation: bool | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> SignUpResult:
        return await self._run(
            self._configured.confirm_sign_up(
                username,
                confirmation_code,
                force_alias_creation=force_alias_creation,
                client_metadata=client_metadata,
            )
        )

    async def resend_sign_up_code(
        self, username: str, *, client_metadata: Mapping[str, str] | None = None
    ) -> CodeDeliveryDetails:
        return await self._run(
            self._configured.resend_sign_up_code(username, client_metadata=client_metadata)
        )

    async def auto_sign_in(self) -> SignInResult:
        """Sign in the user just signed up with ``auto_sign_in=True`` and confirmed."""
        await self._assert_signed_out()
        return await self._run(self._configured.auto_sign_in())

    # -- sign-in --------------------------------------------------------------------------------
    async def sign_in(
        self,
        username: str,
        password: str | None = None,
        *,
        auth_flow_type: AuthFlowType | str | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> SignInResult:
        """Start a sign-in; ``next_step.sign_in_step`` is DONE or the challenge to answer."""
        await self._assert_signed_out()
        return await self._run(
            self._configured.sign_in(
                username,
                password,
                auth_flow_type=auth_flow_type,
                client_metadata=client_metadata,
            )
        )

    async def confirm_sign_in(
        self,
        challenge_response: str,
        *,
        user_attributes: Mapping[str, str] | None = None,
        friendly_device_name: str | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> SignInResult:
        """Answer the pending step: a code, a new password, a custom answer, an MFA choice."""
        return await self._run(
            self._configured.confirm_sign_in(
                challenge_response,
                user_attributes=user_attributes,
                friendly_device_name=friendly_device_name,
                client_metadata=client_metadata,
            )
        )

    async def sign_out(self, *, global_sign_out: bool = False) -> SignOutResult:
        """Forget the session here; revoke it (or, globally, every session of the user)."""
        core = self._configured
        tokens: StoredTokens | None
        try:
            tokens = await self._tokens() if global_sign_out else core.store.load()
        except AuthException:
            tokens = core.store.load()
        return await self._run(core.sign_out(tokens, global_sign_out=global_sign_out))

    # -- session --------------------------------------------------------------------------------
    async def fetch_auth_session(self, *, force_refresh: bool = False) -> AuthSession:
        """The current tokens, refreshed first if they are about to expire."""
        return self._configured.auth_session(await self._tokens(force_refresh))

    async def get_current_user(self) -> AuthUser:
        return self._configured.current_user(await self._signed_in())

    async def delete_user(self) -> None:
        await self._run(self._configured.delete_user(await self._signed_in()))

    # -- attributes -----------------------------------------------------------------------------
    async def fetch_user_attributes(self) -> dict[str, str]:
        return await self._run(
            account.fetch_user_attributes(self._configured.ctx, await self._signed_in())
        )

    async def update_user_attributes(
        self,
        user_attributes: Mapping[str, str],
        *,
        client_metadata: Mapping[str, str] | None = None,
    ) -> dict[str, UpdateUserAttributeResult]:
        return await self._run(
            account.update_user_attributes(
                self._configured.ctx, await self._signed_in(), user_attributes, client_metadata
            )
        )

    async def update_user_attribute(
        self,
        attribute_key: str,
        value: str,
        *,
        client_metadata: Mapping[str, str] | None = None,
    ) -> UpdateUserAttributeResult:
        results = await self.update_user_attributes(
            {attribute_key: value}, client_metadata=client_metadata
        )
        return results[attribute_key]

    async def delete_user_attributes(self, attribute_keys: Sequence[str]) -> None:
        await self._run(
            account.delete_user_attributes(
                self._configured.ctx, await self._signed_in(), attribute_keys
            )
        )

    async def send_user_attribute_verification_code(
        self, attribute_key: str, *, client_metadata: Mapping[str, str] | None = None
    ) -> CodeDeliveryDetails:
        return await self._run(
            account.send_user_attribute_verification_code(
                self._configured.ctx, await self._signed_in(), attribute_key, client_metadata
            )
        )

    async def confirm_user_attribute(self, attribute_key: str, confirmation_code: str) -> None:
        await self._run(
            account.confirm_user_attribute(
                self._configured.ctx, await self._signed_in(), attribute_key, confirmation_code
            )
        )

    # -- passwords ------------------------------------------------------------------------------
    async def reset_password(
        self, username: str, *, client_metadata: Mapping[str, str] | None = None
    ) -> ResetPasswordResult:
        return await self._run(
            account.reset_password(self._configured.ctx, username, client_metadata)
        )

    async def confirm_reset_password(
        self,
        username: str,
        new_password: str,
        confirmation_code: str,
        *,
        client_metadata: Mapping[str, str] | None = None,
    ) -> None:
        await self._run(
            account.confirm_reset_password(
                self._configured.ctx, username, new_password, confirmation_code, client_metadata
            )
        )

    async def update_password(self, old_password: str, new_password: str) -> None:
        await self._run(
            account.update_password(
                self._configured.ctx, await self._signed_in(), old_password, new_password
            )
        )

    # -- multi-factor ---------------------------------------------------------------------------
    async def set_up_totp(self) -> TotpSetupDetails:
        return await self._run(account.set_up_totp(self._configured.ctx, await self._signed_in()))

    async def verify_totp_setup(
        self, code: str, *, friendly_device_name: str | None = None
    ) -> None:
        await self._run(
            account.verify_totp_setup(
                self._configured.ctx, await self._signed_in(), code, friendly_device_name
            )
        )

    async def update_mfa_preference(
        self,
        *,
        sms: MfaPreference | str | None = None,
        totp: MfaPreference | str | None = None,
        email: MfaPreference | str | None = None,
    ) -> None:
        await self._run(
            account.update_mfa_preference(
                self._configured.ctx, await self._signed_in(), sms=sms, totp=totp, email=email
            )
        )

    async def fetch_mfa_preference(self) -> UserMfaPreference:
        return await self._run(
            account.fetch_mfa_preference(self._configured.ctx, await self._signed_in())
        )

    # -- devices --------------------------------------------------------------------------------
    async def remember_device(self) -> None:
        await self._run(account.remember_device(self._configured.ctx, await self._signed_in()))

    async def forget_device(self, device_id: str | None = None) -> None:
        await self._run(
            account.forget_device(self._configured.ctx, await self._signed_in(), device_id)
        )

    async def fetch_devices(self) -> list[AuthDevice]:
        return await self._run(account.fetch_devices(self._configured.ctx, await self._signed_in()))
