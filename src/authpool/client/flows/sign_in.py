"""The sign-in state machine: how each auth flow starts, how each challenge is answered, and
which next step each challenge becomes. Three tables, no if-chains on names:

- :data:`INITIATORS`: an :class:`~authpool.client.models.AuthFlowType` to its opening calls;
- :data:`RESPONDERS`: a challenge name to how ``confirm_sign_in``'s answer is sent;
- :data:`NEXT_STEPS`: a challenge name to the :class:`~authpool.client.models.SignInNextStep`
  the caller sees.

Every path ends in a :class:`Step`: either the AuthenticationResult (tokens) or a challenge
to hand back to the caller as a next step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from authpool.client.errors import AuthException, AuthValidationException
from authpool.client.flows import Flow
from authpool.client.flows.context import Context
from authpool.client.flows.srp import (
    device_srp,
    new_exponent,
    password_verifier,
    send_with_device,
)
from authpool.client.models import (
    AuthFlowType,
    AuthSignInStep,
    CodeDeliveryDetails,
    DeviceMetadata,
    MfaType,
    SignInDetails,
    SignInNextStep,
    TotpSetupDetails,
)
from authpool.client.wire import Request

__all__ = [
    "INITIATORS",
    "NEXT_STEPS",
    "RESPONDERS",
    "SignInState",
    "Step",
    "next_step",
    "respond",
    "start",
]

ATTRIBUTE_PREFIX = "userAttributes."


@dataclass(frozen=True)
class SignInState:
    """A sign-in waiting for ``confirm_sign_in``: what Amplify keeps in its signInStore."""

    username: str
    challenge_name: str
    session: str | None
    parameters: Mapping[str, str]
    details: SignInDetails


@dataclass(frozen=True)
class Step:
    """Where a sign-in call ended: tokens (``result``) or a challenge (``state``)."""

    username: str
    details: SignInDetails
    result: Mapping[str, Any] | None = None
    state: SignInState | None = None


@dataclass(frozen=True)
class Answer:
    """What ``confirm_sign_in`` was given."""

    response: str
    user_attributes: Mapping[str, str] = field(default_factory=dict)
    friendly_device_name: str | None = None
    client_metadata: Mapping[str, str] | None = None


def _active_username(response: Mapping[str, Any], current: str) -> str:
    params = response.get("ChallengeParameters") or {}
    return str(params.get("USERNAME") or params.get("USER_ID_FOR_SRP") or current)


def _conclude(
    ctx: Context,
    response: Mapping[str, Any],
    username: str,
    details: SignInDetails,
    client_metadata: Mapping[str, str] | None,
) -> Flow[Step]:
    """A response of InitiateAuth or RespondToAuthChallenge as a :class:`Step`, with the
    remembered-device proof done on the way if the service asks for it."""
    username = _active_username(response, username)
    if response.get("ChallengeName") == "DEVICE_SRP_AUTH":
        response = yield from device_srp(ctx, username, response.get("Session"), client_metadata)
    result = response.get("AuthenticationResult")
    if result:
        return Step(username, details, result=result)
    name = response.get("ChallengeName")
    if not name:
        raise AuthException("The service answered sign-in with neither tokens nor a challenge.")
    state = SignInState(
        username=username,
        challenge_name=str(name),
        session=response.get("Session"),
        parameters=dict(response.get("ChallengeParameters") or {}),
        details=details,
    )
    return Step(username, details, state=state)


# -- starting -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Start:
    username: str
    password: str | None
    client_metadata: Mapping[str, str] | None


def _srp(ctx: Context, start: Start, auth_flow: str, extra: Mapping[str, str]) -> Flow[Any]:
    if not start.password:
        raise AuthValidationException(
            "password is required to sign in", recovery_suggestion="Provide a password."
        )
    a, srp_a = new_exponent(ctx)
    params = {"USERNAME": start.username, "SRP_A": srp_a, **extra}
    response = yield ctx.initiate(auth_flow, params, start.client_metadata)
    if response.get("ChallengeName") != "PASSWORD_VERIFIER":
        return response
    return (
        yield from password_verifier(
            ctx,
            response.get("ChallengeParameters") or {},
            response.get("Session"),
            password=start.password,
            a=a,
            client_metadata=start.client_metadata,
        )
    )


def _user_srp(ctx: Context, start: Start) -> Flow[Any]:
    return (yield from _srp(ctx, start, "USER_SRP_AUTH", {}))


def _custom_with_srp(ctx: Context, start: Start) -> Flow[Any]:
    return (yield from _srp(ctx, start, "CUSTOM_AUTH", {"CHALLENGE_NAME": "SRP_A"}))


def _with_device_key(params: dict[str, str], device: DeviceMetadata | None) -> dict[str, str]:
    return {**params, "DEVICE_KEY": device.device_key} if device else params


def _user_password(ctx: Context, start: Start) -> Flow[Any]:
    if not start.password:
        raise AuthValidationException(
            "password is required to sign in", recovery_suggestion="Provide a password."
        )
    params = {"USERNAME": start.username, "PASSWORD": start.password}
    return (
        yield from send_with_device(
            ctx,
            start.username,
            lambda device: ctx.initiate(
                "USER_PASSWORD_AUTH", _with_device_key(params, device), start.client_metadata
            ),
        )
    )


def _custom_without_srp(ctx: Context, start: Start) -> Flow[Any]:
    params = {"USERNAME": start.username}
    return (
        yield from send_with_device(
            ctx,
            start.username,
            lambda device: ctx.initiate(
                "CUSTOM_AUTH", _with_device_key(params, device), start.client_metadata
            ),
        )
    )


INITIATORS: dict[AuthFlowType, Callable[[Context, Start], Flow[Any]]] = {
    AuthFlowType.USER_SRP_AUTH: _user_srp,
    AuthFlowType.USER_PASSWORD_AUTH: _user_password,
    AuthFlowType.CUSTOM_AUTH_WITH_SRP: _custom_with_srp,
    AuthFlowType.CUSTOM_AUTH_WITHOUT_SRP: _custom_without_srp,
}


def start(
    ctx: Context,
    *,
    username: str,
    password: str | None,
    auth_flow_type: AuthFlowType,
    client_metadata: Mapping[str, str] | None,
) -> Flow[Step]:
    """``sign_in``: the flow's opening calls, then the first step."""
    details = SignInDetails(login_id=username, auth_flow_type=auth_flow_type)
    begin = Start(username, password, client_metadata)
    response = yield from INITIATORS[auth_flow_type](ctx, begin)
    return (yield from _conclude(ctx, response, username, details, client_metadata))


# -- answering ----------------------------------------------------------------------------------
Responder = Callable[[Context, SignInState, Answer], Flow[Any]]


def _code(field_name: str) -> Responder:
    def answer(ctx: Context, state: SignInState, given: Answer) -> Flow[Any]:
        params = {"USERNAME": state.username, field_name: given.response}
        return (
            yield from send_with_device(
                ctx,
                state.username,
                lambda device: ctx.respond(
                    state.challenge_name,
                    _with_device_key(params, device),
                    state.session,
                    given.client_metadata,
                ),
            )
        )

    return answer


def _new_password(ctx: Context, state: SignInState, given: Answer) -> Flow[Any]:
    responses = {f"{ATTRIBUTE_PREFIX}{k}": v for k, v in given.user_attributes.items() if v}
    responses.update({"NEW_PASSWORD": given.response, "USERNAME": state.username})
    return (
        yield ctx.respond("NEW_PASSWORD_REQUIRED", responses, state.session, given.client_metadata)
    )


def _select_mfa_type(ctx: Context, state: SignInState, given: Answer) -> Flow[Any]:
    choice = MfaType(given.response) if given.response.upper() in MfaType.__members__ else None
    if choice is None:
        raise AuthValidationException(
            f"Incorrect MFA method {given.response!r}.",
            recovery_suggestion='Answer "SMS", "TOTP" or "EMAIL".',
        )
    responses = {"USERNAME": state.username, "ANSWER": choice.wire_name}
    return (yield ctx.respond("SELECT_MFA_TYPE", responses, state.session, given.client_metadata))


def _mfa_setup(ctx: Context, state: SignInState, given: Answer) -> Flow[Any]:
    answer = given.response.strip()
    choices = {"EMAIL": '["EMAIL_OTP"]', "TOTP": '["SOFTWARE_TOKEN_MFA"]'}
    if answer.upper() in choices:  # a choice between methods: no call, a narrower challenge
        return {
            "ChallengeName": "MFA_SETUP",
            "Session": state.session,
            "ChallengeParameters": {"MFAS_CAN_SETUP": choices[answer.upper()]},
        }
    if re.fullmatch(r"\d+", answer):
        verified = yield Request(
            "VerifySoftwareToken",
            {
                "UserCode": answer,
                "Session": state.session,
                "FriendlyDeviceName": given.friendly_device_name,
            },
        )
        responses = {"USERNAME": state.username}
        return (
            yield ctx.respond(
                "MFA_SETUP", responses, verified.get("Session"), given.client_metadata
            )
        )
    if "@" in answer:
        responses = {"USERNAME": state.username, "EMAIL": answer}
        return (yield ctx.respond("MFA_SETUP", responses, state.session, given.client_metadata))
    raise AuthValidationException(
        f"Cannot proceed with MFA setup using {answer!r}.",
        recovery_suggestion='Answer "EMAIL", "TOTP", an e-mail address, or the TOTP code.',
    )


RESPONDERS: dict[str, Responder] = {
    "SMS_MFA": _code("SMS_MFA_CODE"),
    "SMS_OTP": _code("SMS_OTP_CODE"),
    "EMAIL_OTP": _code("EMAIL_OTP_CODE"),
    "SOFTWARE_TOKEN_MFA": _code("SOFTWARE_TOKEN_MFA_CODE"),
    "CUSTOM_CHALLENGE": _code("ANSWER"),
    "NEW_PASSWORD_REQUIRED": _new_password,
    "SELECT_MFA_TYPE": _select_mfa_type,
    "MFA_SETUP": _mfa_setup,
}


def _unsupported(name: str) -> AuthException:
    return AuthException(
        f"The service asked for the {name} challenge, which this client does not answer.",
        recovery_suggestion="Use an auth flow this client supports for this user pool.",
    )


def respond(ctx: Context, state: SignInState, given: Answer) -> Flow[Step]:
    """``confirm_sign_in``: answer the pending challenge, then the next step."""
    responder = RESPONDERS.get(state.challenge_name)
    if responder is None:
        raise _unsupported(state.challenge_name)
    response = yield from responder(ctx, state, given)
    return (
        yield from _conclude(ctx, response, state.username, state.details, given.client_metadata)
    )


# -- next steps ---------------------------------------------------------------------------------
NextStepBuilder = Callable[[Context, SignInState], Flow[tuple[SignInNextStep, SignInState]]]


def _mfa_types(text: str | None) -> tuple[MfaType, ...]:
    try:
        names = json.loads(text) if text else []
    except ValueError:
        names = []
    found = (MfaType.from_wire(str(n)) for n in names if isinstance(n, str))
    return tuple(t for t in found if t is not None)


def _simple(step: AuthSignInStep, *, delivery: bool = False) -> NextStepBuilder:
    def build(ctx: Context, state: SignInState) -> Flow[tuple[SignInNextStep, SignInState]]:
        details = None
        if delivery:
            details = CodeDeliveryDetails(
                destination=state.parameters.get("CODE_DELIVERY_DESTINATION"),
                delivery_medium=state.parameters.get("CODE_DELIVERY_DELIVERY_MEDIUM"),
            )
        return SignInNextStep(step, code_delivery_details=details), state
        yield  # a generator that makes no call

    return build


def _custom_step(ctx: Context, state: SignInState) -> Flow[tuple[SignInNextStep, SignInState]]:
    step = SignInNextStep(
        AuthSignInStep.CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE,
        additional_info=dict(state.parameters),
    )
    return step, state
    yield


def _new_password_step(
    ctx: Context, state: SignInState
) -> Flow[tuple[SignInNextStep, SignInState]]:
    try:
        required = json.loads(state.parameters.get("requiredAttributes") or "[]")
    except ValueError:
        required = []
    missing = tuple(str(a).removeprefix(ATTRIBUTE_PREFIX) for a in required)
    step = SignInNextStep(
        AuthSignInStep.CONFIRM_SIGN_IN_WITH_NEW_PASSWORD, missing_attributes=missing
    )
    return step, state
    yield


def _select_mfa_step(ctx: Context, state: SignInState) -> Flow[tuple[SignInNextStep, SignInState]]:
    allowed = _mfa_types(state.parameters.get("MFAS_CAN_CHOOSE"))
    return SignInNextStep(
        AuthSignInStep.CONTINUE_SIGN_IN_WITH_MFA_SELECTION, allowed_mfa_types=allowed
    ), state
    yield


def _mfa_setup_step(ctx: Context, state: SignInState) -> Flow[tuple[SignInNextStep, SignInState]]:
    offered = _mfa_types(state.parameters.get("MFAS_CAN_SETUP"))
    allowed = tuple(t for t in offered if t in (MfaType.TOTP, MfaType.EMAIL))
    if len(allowed) > 1:
        step = SignInNextStep(
            AuthSignInStep.CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION, allowed_mfa_types=allowed
        )
        return step, state
    if allowed == (MfaType.EMAIL,):
        return SignInNextStep(AuthSignInStep.CONTINUE_SIGN_IN_WITH_EMAIL_MFA_SETUP), state
    if allowed == (MfaType.TOTP,):
        associated = yield Request("AssociateSoftwareToken", {"Session": state.session})
        secret = associated.get("SecretCode")
        if not secret:
            raise AuthException("The service did not return a TOTP secret.")
        step = SignInNextStep(
            AuthSignInStep.CONTINUE_SIGN_IN_WITH_TOTP_SETUP,
            totp_setup_details=TotpSetupDetails(shared_secret=secret, username=state.username),
        )
        return step, replace(state, session=associated.get("Session") or state.session)
    raise AuthException(
        f"Cannot set up MFA: the service offers {', '.join(t.value for t in offered) or 'none'}.",
        recovery_suggestion="Enable TOTP or e-mail MFA on the user pool.",
    )


NEXT_STEPS: dict[str, NextStepBuilder] = {
    "CUSTOM_CHALLENGE": _custom_step,
    "NEW_PASSWORD_REQUIRED": _new_password_step,
    "SELECT_MFA_TYPE": _select_mfa_step,
    "MFA_SETUP": _mfa_setup_step,
    "SMS_MFA": _simple(AuthSignInStep.CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE, delivery=True),
    "SMS_OTP": _simple(AuthSignInStep.CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE, delivery=True),
    "SOFTWARE_TOKEN_MFA": _simple(AuthSignInStep.CONFIRM_SIGN_IN_WITH_TOTP_MFA_CODE),
    "EMAIL_OTP": _simple(AuthSignInStep.CONFIRM_SIGN_IN_WITH_OTP_CODE, delivery=True),
}


def next_step(ctx: Context, state: SignInState) -> Flow[tuple[SignInNextStep, SignInState]]:
    """The step the caller sees for a pending challenge, and the state to keep (a TOTP
    setup moves the session on)."""
    builder = NEXT_STEPS.get(state.challenge_name)
    if builder is None:
        raise _unsupported(state.challenge_name)
    return (yield from builder(ctx, state))
