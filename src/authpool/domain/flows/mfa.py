"""The MFA step of a sign-in: after the password (and any new password), ask for the code of
a factor — SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP — let the user choose among several
(SELECT_MFA_TYPE), or have them set one up (MFA_SETUP, in :mod:`.mfa_setup`).

SMS and e-mail codes are one-time codes of the ``MFA`` purpose (six digits, good for the app
client's AuthSessionValidity — three minutes unless the client sets 3-15 — as in Cognito),
sent with the pool's SmsAuthenticationMessage or EmailMfaConfiguration template. A right
code marks the phone number or e-mail address it went to as verified, as Cognito does. A
wrong code is refused with CodeMismatchException and the same session may answer again, up
to :data:`~.steps.MAX_ANSWERS` answers; after that the session is dead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from authpool.domain import codes, lockout, mfa, templates, totp, users
from authpool.domain.errors import (
    AliasExistsException,
    CodeMismatchException,
    InvalidParameterException,
    LimitExceededException,
    MFAMethodNotFoundException,
    NotAuthorizedException,
    SoftwareTokenMFANotFoundException,
)
from authpool.domain.flows import steps
from authpool.domain.flows.sign_in import (
    NEXT_STEPS,
    Responder,
    SignIn,
    challenge,
    finish,
)
from authpool.domain.messages import Purpose
from authpool.domain.pools import Pool
from authpool.domain.records import UserRecord

SENT_CODE_MISMATCH = "Invalid code or auth state for the user."
TOTP_CODE_MISMATCH = "Invalid code received for user"
CODE_PURPOSE = "MFA"

# The response key that carries each factor's code.
CODE_KEY = {
    mfa.SMS: "SMS_MFA_CODE",
    mfa.TOTP: "SOFTWARE_TOKEN_MFA_CODE",
    mfa.EMAIL: "EMAIL_OTP_CODE",
}
# Where a factor's code is sent: the attribute and the medium.
CHANNEL = {mfa.SMS: ("phone_number", "SMS"), mfa.EMAIL: ("email", "EMAIL")}
# The e-mail MFA template when the pool sets none. Cognito's own default is not documented;
# this mirrors its SMS authentication default.
DEFAULT_EMAIL_MESSAGE = "Your authentication code is {####}. "
DEFAULT_EMAIL_SUBJECT = "Your authentication code"
# SELECT_MFA_TYPE answers Cognito documents besides the factor names.
ANSWER_ALIASES = {"EMAIL_MFA": mfa.EMAIL}


def _sms_template(pool: Pool) -> tuple[str, str | None]:
    cfg = pool.config
    text = cfg.get("sms_authentication_message") or (cfg.get("sms_mfa_configuration") or {}).get(
        "sms_authentication_message"
    )
    return text or templates.DEFAULT_SMS_AUTHENTICATION_MESSAGE, None


def _email_template(pool: Pool) -> tuple[str, str | None]:
    cfg = pool.config.get("email_mfa_configuration") or {}
    return (
        cfg.get("message") or DEFAULT_EMAIL_MESSAGE,
        cfg.get("subject") or DEFAULT_EMAIL_SUBJECT,
    )


TEMPLATE: dict[str, Callable[[Pool], tuple[str, str | None]]] = {
    mfa.SMS: _sms_template,
    mfa.EMAIL: _email_template,
}


# asking ----------------------------------------------------------------------------------------
def _send_code(ctx: SignIn, user: UserRecord, factor: str) -> dict[str, str]:
    attribute, medium = CHANNEL[factor]
    destination = users.Destination(attribute, medium, user.attributes[attribute])
    # Cognito: the code is valid for the app client's authentication flow session duration
    # (AuthSessionValidity, 3-15 minutes), like the session that asks for it.
    code = codes.issue(
        ctx.svc, user, CODE_PURPOSE, destination, lifetime=ctx.client.auth_session_validity
    )
    body, subject = TEMPLATE[factor](ctx.pool)
    # Cognito gives CustomMessage RespondToAuthChallenge's ClientMetadata, not InitiateAuth's.
    metadata = ctx.params.get("client_metadata") if "challenge_name" in ctx.params else None
    delivered = codes.deliver(
        ctx.svc,
        ctx.pool,
        user,
        destination,
        purpose=Purpose.AUTHENTICATION,
        code=code,
        body_template=body,
        subject=subject,
        client_id=ctx.client.id,
        client_metadata=metadata,
    )
    return {
        "CODE_DELIVERY_DELIVERY_MEDIUM": delivered.delivery_medium,
        "CODE_DELIVERY_DESTINATION": delivered.destination,
    }


def _totp_parameters(ctx: SignIn, user: UserRecord, factor: str) -> dict[str, str]:
    name = mfa.Settings.of(user).totp_name
    return {"FRIENDLY_DEVICE_NAME": name} if name else {}


PARAMETERS: dict[str, Callable[[SignIn, UserRecord, str], dict[str, str]]] = {
    mfa.SMS: _send_code,
    mfa.TOTP: _totp_parameters,
    mfa.EMAIL: _send_code,
}


def ask(
    ctx: SignIn, user: UserRecord, factor: str, *, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The challenge for ``factor``'s code (sending it, for SMS and e-mail)."""
    return steps.issue(ctx, user, factor, PARAMETERS[factor](ctx, user, factor), data=data)


def as_list(factors: tuple[str, ...]) -> str:
    """A JSON list as Cognito writes it in challenge parameters (no spaces)."""
    return json.dumps(list(factors), separators=(",", ":"))


# Whether this sign-in may go without the MFA code: a remembered device that will prove
# itself before the tokens (:mod:`.device_srp`). Setting a factor up is never skipped.
SKIP_IF: list[Callable[[SignIn, UserRecord], bool]] = []


def next_step(ctx: SignIn, user: UserRecord) -> dict[str, Any] | None:
    need = mfa.requirement(ctx.pool, user)
    if need is None:
        return None
    if need.choices and any(skip(ctx, user) for skip in SKIP_IF):
        return None
    if not need.choices:
        return steps.issue(
            ctx,
            user,
            "MFA_SETUP",
            {"MFAS_CAN_SETUP": as_list(need.setup)},
            data={"can_set_up": list(need.setup)},
        )
    if len(need.choices) > 1:
        return steps.issue(
            ctx,
            user,
            "SELECT_MFA_TYPE",
            {"MFAS_CAN_CHOOSE": as_list(need.choices)},
            data={"choices": list(need.choices)},
        )
    return ask(ctx, user, need.choices[0])


NEXT_STEPS.append(next_step)


# answering -------------------------------------------------------------------------------------
def mark_verified(ctx: SignIn, user: UserRecord, attribute: str) -> UserRecord:
    """A code that reached ``attribute`` proves it: set its verified flag (and, in a pool
    with alias attributes, the alias it now qualifies for, unless another user holds it)."""
    flag = users.VERIFIED_FLAG[attribute]
    if user.attributes.get(flag) == "true":
        return user
    attrs = {**user.attributes, flag: "true"}
    before = set(users.sign_in_aliases(ctx.pool, user.attributes, verified_only=True))
    added = tuple(sorted(set(users.sign_in_aliases(ctx.pool, attrs, verified_only=True)) - before))
    now = ctx.svc.clock.now()
    try:
        updated = ctx.svc.store.update_user(
            user.sub, attributes=attrs, updated_at=now, add_aliases=added
        )
    except AliasExistsException:  # another user holds the alias: verified, but no alias
        updated = ctx.svc.store.update_user(user.sub, attributes=attrs, updated_at=now)
    return updated or user


def _check_sent_code(ctx: SignIn, answer: steps.Answer, code: str) -> UserRecord:
    try:
        attribute = codes.redeem(ctx.svc, answer.user, CODE_PURPOSE, code)
    except CodeMismatchException as exc:
        raise CodeMismatchException(SENT_CODE_MISMATCH) from exc
    except LimitExceededException as exc:
        raise NotAuthorizedException(steps.INVALID_FOR_USER) from exc
    user = answer.user
    if answer.state.data.get("set_up"):
        factor = answer.state.challenge
        user = mfa.update(ctx.svc, user, lambda _, settings: settings.enable(factor))
    return mark_verified(ctx, user, attribute) if attribute in users.VERIFIED_FLAG else user


def _check_totp(ctx: SignIn, answer: steps.Answer, code: str) -> UserRecord:
    settings = mfa.Settings.of(answer.user)
    if settings.totp_secret is None:
        raise SoftwareTokenMFANotFoundException(mfa.TOTP_NOT_SET_UP)
    secret = totp.unseal(ctx.svc, settings.totp_secret)
    if not totp.accept(ctx.svc, answer.user.sub, secret, code):
        raise CodeMismatchException(TOTP_CODE_MISMATCH)
    return answer.user


CHECK: dict[str, Callable[[SignIn, steps.Answer, str], UserRecord]] = {
    mfa.SMS: _check_sent_code,
    mfa.TOTP: _check_totp,
    mfa.EMAIL: _check_sent_code,
}


def _responder(factor: str) -> Responder:
    def respond(ctx: SignIn, responses: dict[str, str], session: str | None) -> dict[str, Any]:
        answer = steps.open_answer(ctx, responses, session, factor)
        code = responses.get(CODE_KEY[factor])
        if not code:
            raise InvalidParameterException(f"Missing required parameter {CODE_KEY[factor]}")
        key = lockout.key_for(ctx.svc, lockout.MFA, ctx.pool, answer.user)
        lockout.attempt(ctx.svc, key, factor=lockout.MFA, user=answer.user)
        user = CHECK[factor](ctx, answer, code)
        ctx.passed(key)
        steps.spend(ctx, answer)
        return finish(ctx, user)

    respond.__name__ = f"respond_{factor.lower()}"
    return respond


for _factor in mfa.FACTORS:
    challenge(_factor)(_responder(_factor))


@challenge("SELECT_MFA_TYPE")
def select_mfa_type(ctx: SignIn, responses: dict[str, str], session: str | None) -> dict[str, Any]:
    answer = steps.open_answer(ctx, responses, session, "SELECT_MFA_TYPE")
    chosen = responses.get("ANSWER")
    if not chosen:
        raise InvalidParameterException("Missing required parameter ANSWER")
    factor = ANSWER_ALIASES.get(chosen, chosen)
    if factor not in mfa.FACTORS:
        raise InvalidParameterException(f"Invalid MFA type: {chosen}")
    if factor not in answer.state.data.get("choices", []):
        raise MFAMethodNotFoundException(f"The MFA type {chosen} is not available for the user.")
    steps.spend(ctx, answer)
    return ask(ctx, answer.user, factor)
