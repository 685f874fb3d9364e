"""``Auth``: the Amplify Auth API for Python, blocking, on an ``httpx.Client``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
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
from authpool.client.flows import Flow, run_sync
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

__all__ = ["Auth"]

T = TypeVar("T")


class Auth(AuthBase):
    """The Amplify Auth categories' calls, one method each, for one app client.

    ::

        auth = Auth("amplify_outputs.json", endpoint="http://localhost:9229")
        result = auth.sign_in("ada", "S3cret-passw0rd")
        if result.next_step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE:
            auth.confirm_sign_in(input("code: "))

    ``transport`` replaces httpx's (a mock in tests, a proxy, …); ``storage`` keeps the tokens
    (:class:`~authpool.client.storage.MemoryStorage` unless given); ``clock`` and
    ``token_bytes`` replace the time and the randomness. Safe to share between threads;
    token refreshes are made one at a time. A call that cannot reach the service, is throttled
    or meets a server error is sent again as Amplify does (``retry``, a
    :class:`~authpool.client.retry.RetryPolicy`), waiting with ``sleep``.
    """

    def __init__(
        self,
        config: ConfigSource = None,
        /,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        storage: KeyValueStorage | None = None,
        clock: Clock | None = None,
        token_bytes: TokenBytes | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **config_kwargs: Any,
    ) -> None:
        super().__init__(
            config, storage=storage, clock=clock, token_bytes=token_bytes, **config_kwargs
        )
        self._http = httpx.Client(transport=transport or httpx.HTTPTransport(), timeout=timeout)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._refresh_lock = threading.RLock()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Auth:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- driving flows --------------------------------------------------------------------------
    def _send(self, request: wire.Request) -> dict[str, Any]:
        content, headers = self._post_args(request)
        attempts = 0
        while True:
            attempts += 1
            try:
                return self._post(content, headers)
            except (NetworkException, AuthServiceException) as exc:
                if not self._retry.should_retry(exc, attempts):
                    raise
            self._sleep(self._retry.delay(attempts))

    def _post(self, content: bytes, headers: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._http.post(self.config.endpoint, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise self._http_error(exc) from exc
        return wire.from_http(response)

    def _run(self, flow: Flow[T]) -> T:
        return run_sync(flow, self._send)

    def _tokens(self, force_refresh: bool = False) -> StoredTokens | None:
        core = self._configured
        with self._refresh_lock:
            return self._run(core.session(force_refresh))

    def _signed_in(self) -> StoredTokens:
        tokens = self._tokens()
        if tokens is None:
            raise self._configured.signed_out_error()
        return tokens

    def _assert_signed_out(self) -> None:
        try:
            tokens = self._tokens()
        except AuthException:  # cannot tell (the refresh failed): let a new sign-in replace it
            return
        if tokens is not None:
            raise UserAlreadyAuthenticatedException("There is already a signed in user.")

    # -- sign-up --------------------------------------------------------------------------------
    def sign_up(
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
        return self._run(
            self._configured.sign_up(
                username,
                password,
                user_attributes=user_attributes,
                validation_data=validation_data,
                client_metadata=client_metadata,
                auto_sign_in=auto_sign_in,
            )
        )

    def confirm_sign_up(
        self,
        username: str,
        confirmation_code: str,
        *,
        force_alias_creation: bool | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> SignUpResult:
        return self._run(
            self._configured.confirm_sign_up(
                username,
                confirmation_code,
                force_alias_creation=force_alias_creation,
                client_metadata=client_metadata,
            )
        )

    def resend_sign_up_code(
        self, username: str, *, client_metadata: Mapping[str, str] | None = None
    ) -> CodeDeliveryDetails:
        return self._run(
            self._configured.resend_sign_up_code(username, client_metadata=client_metadata)
        )

    def auto_sign_in(self) -> SignInResult:
        """Sign in the user just signed up with ``auto_sign_in=True`` and confirmed."""
        self._assert_signed_out()
        return self._run(self._configured.auto_sign_in())

    # -- sign-in --------------------------------------------------------------------------------
    def sign_in(
        self,
        username: str,
        password: str | None = None,
        *,
        auth_flow_type: AuthFlowType | str | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> SignInResult:
        """Start a sign-in; ``next_step.sign_in_step`` is DONE or the challenge to answer."""
        self._assert_signed_out()
        return self._run(
            self._configured.sign_in(
                username,
                password,
                auth_flow_type=auth_flow_type,
                client_metadata=client_metadata,
            )
        )

    def confirm_sign_in(
        self,
        challenge_response: str,
        *,
        user_attributes: Mapping[str, str] | None = None,
        friendly_device_name: str | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> SignInResult:
        """Answer the pending step: a code, a new password, a custom answer, an MFA choice."""
        return self._run(
            self._configured.confirm_sign_in(
                challenge_response,
                user_attributes=user_attributes,
                friendly_device_name=friendly_device_name,
                client_metadata=client_metadata,
            )
        )

    def sign_out(self, *, global_sign_out: bool = False) -> SignOutResult:
        """Forget the session here; revoke it (or, globally, every session of the user)."""
        core = self._configured
        tokens: StoredTokens | None
        try:
            tokens = self._tokens() if global_sign_out else core.store.load()
        except AuthException:
            tokens = core.store.load()
        return self._run(core.sign_out(tokens, global_sign_out=global_sign_out))

    # -- session --------------------------------------------------------------------------------
    def fetch_auth_session(self, *, force_refresh: bool = False) -> AuthSession:
        """The current tokens, refreshed first if they are about to expire."""
        return self._configured.auth_session(self._tokens(force_refresh))

    def get_current_user(self) -> AuthUser:
        return self._configured.current_user(self._signed_in())

    def delete_user(self) -> None:
        self._run(self._configured.delete_user(self._signed_in()))

    # -- attributes -----------------------------------------------------------------------------
    def fetch_user_attributes(self) -> dict[str, str]:
        return self._run(account.fetch_user_attributes(self._configured.ctx, self._signed_in()))

    def update_user_attributes(
        self,
        user_attributes: Mapping[str, str],
        *,
        client_metadata: Mapping[str, str] | None = None,
    ) -> dict[str, UpdateUserAttributeResult]:
        return self._run(
            account.update_user_attributes(
                self._configured.ctx, self._signed_in(), user_attributes, client_metadata
            )
        )

    def update_user_attribute(
        self,
        attribute_key: str,
        value: str,
        *,
        client_metadata: Mapping[str, str] | None = None,
    ) -> UpdateUserAttributeResult:
        results = self.update_user_attributes(
            {attribute_key: value}, client_metadata=client_metadata
        )
        return results[attribute_key]

    def delete_user_attributes(self, attribute_keys: Sequence[str]) -> None:
        self._run(
            account.delete_user_attributes(self._configured.ctx, self._signed_in(), attribute_keys)
        )

    def send_user_attribute_verification_code(
        self, attribute_key: str, *, client_metadata: Mapping[str, str] | None = None
    ) -> CodeDeliveryDetails:
        return self._run(
            account.send_user_attribute_verification_code(
                self._configured.ctx, self._signed_in(), attribute_key, client_metadata
            )
        )

    def confirm_user_attribute(self, attribute_key: str, confirmation_code: str) -> None:
        self._run(
            account.confirm_user_attribute(
                self._configured.ctx, self._signed_in(), attribute_key, confirmation_code
            )
        )

    # -- passwords ------------------------------------------------------------------------------
    def reset_password(
        self, username: str, *, client_metadata: Mapping[str, str] | None = None
    ) -> ResetPasswordResult:
        return self._run(account.reset_password(self._configured.ctx, username, client_metadata))

    def confirm_reset_password(
        self,
        username: str,
        new_password: str,
        confirmation_code: str,
        *,
        client_metadata: Mapping[str, str] | None = None,
    ) -> None:
        self._run(
            account.confirm_reset_password(
                self._configured.ctx, username, new_password, confirmation_code, client_metadata
            )
        )

    def update_password(self, old_password: str, new_password: str) -> None:
        self._run(
            account.update_password(
                self._configured.ctx, self._signed_in(), old_password, new_password
            )
        )

    # -- multi-factor ---------------------------------------------------------------------------
    def set_up_totp(self) -> TotpSetupDetails:
        return self._run(account.set_up_totp(self._configured.ctx, self._signed_in()))

    def verify_totp_setup(self, code: str, *, friendly_device_name: str | None = None) -> None:
        self._run(
            account.verify_totp_setup(
                self._configured.ctx, self._signed_in(), code, friendly_device_name
            )
        )

    def update_mfa_preference(
        self,
        *,
        sms: MfaPreference | str | None = None,
        totp: MfaPreference | str | None = None,
        email: MfaPreference | str | None = None,
    ) -> None:
        self._run(
            account.update_mfa_preference(
                self._configured.ctx, self._signed_in(), sms=sms, totp=totp, email=email
            )
        )

    def fetch_mfa_preference(self) -> UserMfaPreference:
        return self._run(account.fetch_mfa_preference(self._configured.ctx, self._signed_in()))

    # -- devices --------------------------------------------------------------------------------
    def remember_device(self) -> None:
        self._run(account.remember_device(self._configured.ctx, self._signed_in()))

    def forget_device(self, device_id: str | None = None) -> None:
        self._run(account.forget_device(self._configured.ctx, self._signed_in(), device_id))

    def fetch_devices(self) -> list[AuthDevice]:
        return self._run(account.fetch_devices(self._configured.ctx, self._signed_in()))
