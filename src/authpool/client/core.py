"""The I/O-free heart of :class:`~authpool.client.Auth` and
:class:`~authpool.client.AsyncAuth`: the session (sign-up, sign-in, tokens, refresh,
sign-out), as flows the two drivers run. The signed-in user's own operations are in
:mod:`authpool.client.account`.

State lives in two places: the pending sign-in (in memory, as Amplify's signInStore) and
the tokens (in the :class:`~authpool.client.storage.TokenStore`, read afresh by each call).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authpool.client.errors import (
    AuthException,
    AuthServiceException,
    AuthValidationException,
    InvalidStateException,
    SessionExpiredException,
    SignedOutException,
    SignInNotStartedException,
)
from authpool.client.flows import Flow
from authpool.client.flows import sign_in as machine
from authpool.client.flows.context import Context, wire_attributes
from authpool.client.flows.srp import confirm_device
from authpool.client.hub import AuthHubEvent, Hub
from authpool.client.models import (
    JWT,
    AuthFlowType,
    AuthSession,
    AuthSignInStep,
    AuthSignUpStep,
    AuthTokens,
    AuthUser,
    CodeDeliveryDetails,
    SignInDetails,
    SignInNextStep,
    SignInResult,
    SignOutResult,
    SignUpNextStep,
    SignUpResult,
)
from authpool.client.storage import StoredTokens, TokenStore
from authpool.client.wire import Request

__all__ = ["EXPIRY_TOLERANCE", "AuthCore", "require"]

EXPIRY_TOLERANCE = timedelta(seconds=5)
"""Tokens this close to expiry count as expired (Amplify's ``isTokenExpired`` tolerance)."""

AUTO_SIGN_IN_WINDOW = timedelta(minutes=3)

REFRESH_REFUSALS = frozenset(
    {
        "NotAuthorizedException",
        "TokenRevokedException",
        "UserNotFoundException",
        "PasswordResetRequiredException",
        "UserNotConfirmedException",
        "RefreshTokenReuseException",
    }
)
"""Refresh errors that end the session (Amplify's list); any other error keeps the tokens."""

STEP_FROM_ERROR = {
    "UserNotConfirmedException": AuthSignInStep.CONFIRM_SIGN_UP,
    "PasswordResetRequiredException": AuthSignInStep.RESET_PASSWORD,
}


def require(value: object, message: str, suggestion: str) -> None:
    if not value:
        raise AuthValidationException(message, recovery_suggestion=suggestion)


@dataclass(frozen=True)
class _AutoSignIn:
    username: str
    password: str | None
    auth_flow_type: AuthFlowType | None
    client_metadata: Mapping[str, str] | None
    expires_at: datetime


def _revocable(tokens: StoredTokens) -> bool:
    """Amplify revokes only sessions whose access token carries ``origin_jti``."""
    return bool(tokens.access_token.payload.get("origin_jti"))


def _done() -> SignInResult:
    return SignInResult(True, SignInNextStep(AuthSignInStep.DONE))


class AuthCore:
    def __init__(self, ctx: Context, hub: Hub) -> None:
        self.ctx = ctx
        self.hub = hub
        self.pending: machine.SignInState | None = None
        self._auto: _AutoSignIn | None = None
        self._refresh_refused: AuthServiceException | None = None

    @property
    def store(self) -> TokenStore:
        return self.ctx.store

    # -- sign-up ------------------------------------------------------------------------------
    def sign_up(
        self,
        username: str,
        password: str | None,
        *,
        user_attributes: Mapping[str, str] | None,
        validation_data: Mapping[str, str] | None,
        client_metadata: Mapping[str, str] | None,
        auto_sign_in: bool | AuthFlowType,
    ) -> Flow[SignUpResult]:
        require(username, "username is required to signUp", "Make sure a username is provided.")
        response = yield Request(
            "SignUp",
            {
                "ClientId": self.ctx.client_id,
                "SecretHash": self.ctx.config.secret_hash(username),
                "Username": username,
                "Password": password,
                "UserAttributes": wire_attributes(user_attributes) if user_attributes else None,
                "ValidationData": wire_attributes(validation_data) if validation_data else None,
                "ClientMetadata": dict(client_metadata) if client_metadata else None,
            },
        )
        self._auto = None
        if auto_sign_in:
            flow = None if auto_sign_in is True else AuthFlowType.parse(auto_sign_in)
            keep = None if flow is AuthFlowType.CUSTOM_AUTH_WITHOUT_SRP else password
            expires = self.ctx.now() + AUTO_SIGN_IN_WINDOW
            self._auto = _AutoSignIn(username, keep, flow, client_metadata, expires)
        user_id = response.get("UserSub")
        if response.get("UserConfirmed"):
            step = AuthSignUpStep.COMPLETE_AUTO_SIGN_IN if self._auto else AuthSignUpStep.DONE
            return SignUpResult(True, SignUpNextStep(step), user_id)
        details = CodeDeliveryDetails.from_wire(response.get("CodeDeliveryDetails"))
        return SignUpResult(False, SignUpNextStep(AuthSignUpStep.CONFIRM_SIGN_UP, details), user_id)

    def confirm_sign_up(
        self,
        username: str,
        confirmation_code: str,
        *,
        force_alias_creation: bool | None,
        client_metadata: Mapping[str, str] | None,
    ) -> Flow[SignUpResult]:
        require(
            username,
            "username is required to confirmSignUp",
            "Make sure a username is provided.",
        )
        require(
            confirmation_code,
            "code is required to confirmSignUp",
            "Make sure the confirmation code is provided.",
        )
        yield Request(
            "ConfirmSignUp",
            {
                "ClientId": self.ctx.client_id,
                "SecretHash": self.ctx.config.secret_hash(username),
                "Username": username,
                "ConfirmationCode": confirmation_code,
                "ForceAliasCreation": force_alias_creation,
                "ClientMetadata": dict(client_metadata) if client_metadata else None,
            },
        )
        auto = self._auto
        if auto is not None and auto.username == username and auto.expires_at > self.ctx.now():
            return SignUpResult(True, SignUpNextStep(AuthSignUpStep.COMPLETE_AUTO_SIGN_IN))
        self._auto = None
        return SignUpResult(True, SignUpNextStep(AuthSignUpStep.DONE))

    def resend_sign_up_code(
        self, username: str, *, client_metadata: Mapping[str, str] | None
    ) -> Flow[CodeDeliveryDetails]:
        require(username, "username is required to signUp", "Make sure a username is provided.")
        response = yield Request(
            "ResendConfirmationCode",
            {
                "ClientId": self.ctx.client_id,
                "SecretHash": self.ctx.config.secret_hash(username),
                "Username": username,
                "ClientMetadata": dict(client_metadata) if client_metadata else None,
            },
        )
        return CodeDeliveryDetails.from_wire(response.get("CodeDeliveryDetails"))

    def auto_sign_in(self) -> Flow[SignInResult]:
        auto, self._auto = self._auto, None
        if auto is None or auto.expires_at <= self.ctx.now():
            raise InvalidStateException(
                "The auto sign-in flow has not started, or has been cancelled or completed.",
                recovery_suggestion=(
                    "Call sign_up(..., auto_sign_in=True) and confirm_sign_up() first, or"
                    " sign in with sign_in()."
                ),
            )
        return (
            yield from self.sign_in(
                auto.username,
                auto.password,
                auth_flow_type=auto.auth_flow_type,
                client_metadata=auto.client_metadata,
            )
        )

    # -- sign-in ------------------------------------------------------------------------------
    def sign_in(
        self,
        username: str,
        password: str | None,
        *,
        auth_flow_type: AuthFlowType | str | None,
        client_metadata: Mapping[str, str] | None,
    ) -> Flow[SignInResult]:
        """Drivers check first that nobody is signed in (which may need a refresh)."""
        self._auto = None
        require(username, "username is required to signIn", "Make sure a username is provided.")
        flow = (
            AuthFlowType.parse(auth_flow_type) if auth_flow_type else self.ctx.config.auth_flow_type
        )
        self.pending = None
        try:
            step = yield from machine.start(
                self.ctx,
                username=username,
                password=password,
                auth_flow_type=flow,
                client_metadata=client_metadata,
            )
        except AuthServiceException as exc:
            if exc.name in STEP_FROM_ERROR:
                return SignInResult(False, SignInNextStep(STEP_FROM_ERROR[exc.name]))
            raise
        return (yield from self._step(step))

    def confirm_sign_in(
        self,
        challenge_response: str,
        *,
        user_attributes: Mapping[str, str] | None,
        friendly_device_name: str | None,
        client_metadata: Mapping[str, str] | None,
    ) -> Flow[SignInResult]:
        require(
            challenge_response,
            "challengeResponse is required to confirmSignIn",
            "Provide the answer to the challenge (a code, a password, a choice).",
        )
        state = self.pending
        if state is None:
            raise SignInNotStartedException(
                "There is no sign-in in progress: sign_in() was not called, it failed, or its"
                " session was already completed."
            )
        answer = machine.Answer(
            challenge_response,
            dict(user_attributes or {}),
            friendly_device_name,
            client_metadata,
        )
        try:
            step = yield from machine.respond(self.ctx, state, answer)
        except AuthServiceException as exc:
            if exc.name in STEP_FROM_ERROR:
                self.pending = None
                return SignInResult(False, SignInNextStep(STEP_FROM_ERROR[exc.name]))
            raise
        return (yield from self._step(step))

    def _step(self, step: machine.Step) -> Flow[SignInResult]:
        if step.state is not None:
            shown, state = yield from machine.next_step(self.ctx, step.state)
            self.pending = state
            return SignInResult(False, shown)
        self.pending = None
        assert step.result is not None
        yield from self._cache(step.result, step.username, step.details)
        self.hub.dispatch(AuthHubEvent.SIGNED_IN, self.current_user())
        return _done()

    def _cache(
        self, result: Mapping[str, Any], username: str, details: SignInDetails | None
    ) -> Flow[None]:
        access_text = result.get("AccessToken")
        if not isinstance(access_text, str):
            raise AuthException(
                "The service's AuthenticationResult has no access token.",
                recovery_suggestion="Check the user pool's settings.",
            )
        access = JWT.decode(access_text)
        # the internal username (an alias sign-in names the user by e-mail, say): the one
        # SECRET_HASH and the device keys go with
        username = str(access.payload.get("username") or username)
        if details is not None:
            self.store.remember_alias(details.login_id, username)
        new_device = result.get("NewDeviceMetadata")
        if isinstance(new_device, Mapping):
            device = yield from confirm_device(self.ctx, access_text, new_device)
            if device is not None:
                self.store.save_device(username, device)
        id_text = result.get("IdToken")
        tokens = StoredTokens(
            access_token=access,
            id_token=JWT.decode(id_text) if isinstance(id_text, str) else None,
            refresh_token=result.get("RefreshToken"),
            username=username,
            clock_drift=self._drift(access),
            sign_in_details=details,
        )
        self.store.save(tokens)
        self._refresh_refused = None

    def _drift(self, access: JWT) -> int:
        issued = access.payload.get("iat")
        if not isinstance(issued, int | float):
            return 0
        return int(issued - self.ctx.now().timestamp())

    # -- session ------------------------------------------------------------------------------
    def expired(self, tokens: StoredTokens) -> bool:
        now = self.ctx.now().timestamp() + tokens.clock_drift + EXPIRY_TOLERANCE.total_seconds()
        for token in (tokens.access_token, tokens.id_token):
            if token is None:
                continue
            exp = token.payload.get("exp")
            if not isinstance(exp, int | float) or now > exp:
                return True
        return False

    def session(self, force_refresh: bool) -> Flow[StoredTokens | None]:
        """The stored tokens, refreshed first when near expiry (or when asked)."""
        tokens = self.store.load()
        if tokens is None:
            return None
        if not force_refresh and not self.expired(tokens):
            return tokens
        try:
            result = yield from self._refresh(tokens)
        except AuthServiceException as exc:
            self.hub.dispatch(AuthHubEvent.TOKEN_REFRESH_FAILURE, {"error": exc})
            if exc.name not in REFRESH_REFUSALS:
                raise
            self._end_session(exc)
            return None
        except AuthException as exc:
            self.hub.dispatch(AuthHubEvent.TOKEN_REFRESH_FAILURE, {"error": exc})
            raise
        access = JWT.decode(result["AccessToken"])
        id_text = result.get("IdToken")
        renewed = StoredTokens(
            access_token=access,
            id_token=JWT.decode(id_text) if isinstance(id_text, str) else tokens.id_token,
            refresh_token=result.get("RefreshToken") or tokens.refresh_token,
            username=tokens.username,
            clock_drift=self._drift(access),
            sign_in_details=tokens.sign_in_details,
        )
        self.store.save(renewed)
        self.hub.dispatch(AuthHubEvent.TOKEN_REFRESH)
        return renewed

    def _refresh(self, tokens: StoredTokens) -> Flow[dict[str, Any]]:
        if not tokens.refresh_token:
            raise AuthServiceException(
                "The session has no refresh token.", name="NotAuthorizedException"
            )
        device = self.store.device(tokens.username)
        config = self.ctx.config
        try:
            response = yield Request(
                "GetTokensFromRefreshToken",
                {
                    "RefreshToken": tokens.refresh_token,
                    "ClientId": config.user_pool_client_id,
                    "ClientSecret": config.client_secret,
                    "DeviceKey": device.device_key if device else None,
                },
            )
        except AuthServiceException as exc:
            if exc.name not in ("UnsupportedOperationException", "UnknownOperationException"):
                raise
            # an endpoint that predates GetTokensFromRefreshToken: the older refresh call
            params = {"USERNAME": tokens.username, "REFRESH_TOKEN": tokens.refresh_token}
            if device:
                params["DEVICE_KEY"] = device.device_key
            response = yield self.ctx.initiate("REFRESH_TOKEN_AUTH", params, None)
        result = response.get("AuthenticationResult") or {}
        if not isinstance(result.get("AccessToken"), str):
            raise AuthException("The service's refresh answer has no access token.")
        return dict(result)

    def _end_session(self, refused: AuthServiceException | None) -> None:
        self.store.clear()
        self._refresh_refused = refused

    def signed_out_error(self) -> SignedOutException:
        if self._refresh_refused is not None:
            return SessionExpiredException(
                f"The session has expired: {self._refresh_refused.message}",
                underlying=self._refresh_refused,
            )
        return SignedOutException("User needs to be authenticated to call this API.")

    def auth_session(self, tokens: StoredTokens | None) -> AuthSession:
        if tokens is None:
            return AuthSession()
        sub = tokens.access_token.payload.get("sub")
        return AuthSession(
            AuthTokens(tokens.access_token, tokens.id_token, tokens.refresh_token),
            user_sub=str(sub) if sub else None,
        )

    def current_user(self, tokens: StoredTokens | None = None) -> AuthUser:
        tokens = tokens or self.store.load()
        if tokens is None:
            raise self.signed_out_error()
        claims = tokens.id_token.payload if tokens.id_token else tokens.access_token.payload
        username = claims.get("cognito:username") or claims.get("username") or tokens.username
        return AuthUser(str(username), str(claims.get("sub", "")), tokens.sign_in_details)

    # -- sign-out -----------------------------------------------------------------------------
    def sign_out(
        self, tokens: StoredTokens | None, *, global_sign_out: bool
    ) -> Flow[SignOutResult]:
        """Tell the service (GlobalSignOut, or RevokeToken when the access token says the
        session is revocable); whatever it answers, forget the session here."""
        revoke_error: AuthException | None = None
        global_error: AuthException | None = None
        if tokens is not None and global_sign_out:
            try:
                yield Request("GlobalSignOut", {"AccessToken": tokens.access_token.raw})
            except AuthException as exc:
                global_error = exc
        elif tokens is not None and tokens.refresh_token and _revocable(tokens):
            try:
                yield Request(
                    "RevokeToken",
                    {
                        "Token": tokens.refresh_token,
                        "ClientId": self.ctx.client_id,
                        "ClientSecret": self.ctx.config.client_secret,
                    },
                )
            except AuthException as exc:
                revoke_error = exc
        self.signed_out()
        return SignOutResult(revoke_token_error=revoke_error, global_sign_out_error=global_error)

    def signed_out(self) -> None:
        self.store.clear()
        self.pending = None
        self._refresh_refused = None
        self.hub.dispatch(AuthHubEvent.SIGNED_OUT)

    def delete_user(self, tokens: StoredTokens) -> Flow[None]:
        yield Request("DeleteUser", {"AccessToken": tokens.access_token.raw})
        self.store.clear_device(tokens.username)
        self.signed_out()
