"""CustomMessage, CustomSMSSender and CustomEmailSender: every message that carries a code
(or an invitation's temporary password) passes through here on its way out.

A custom sender configured for the message's medium takes the message over entirely: its
handler gets the code and delivers it however it likes, and authpool sends nothing. Cognito
encrypts that code with the pool's KMS key (``KMSKeyID``) using the AWS Encryption SDK;
authpool has no KMS, so ``request.code`` carries the code itself: a handler written for
Cognito decrypts with the Encryption SDK and must skip that step here. The event travels
only in-process or over a signed HTTPS webhook. Cognito invokes custom senders
asynchronously, so a failing sender does not fail the caller's request; authpool invokes
them in line (within the time limit) and logs a failure the same way.

Otherwise CustomMessage may rewrite the message: its answer's ``smsMessage``,
``emailMessage`` and ``emailSubject`` replace the pool's template (each one left null keeps
the template). A replacement message must still contain ``{####}``, where the code goes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from authpool.domain import templates
from authpool.domain.context import Services
from authpool.domain.errors import InvalidParameterException, LambdaError
from authpool.domain.hooks.invoke import (
    call,
    configured,
    event,
    text,
    user_attributes,
    with_metadata,
)
from authpool.domain.messages import Purpose
from authpool.domain.pools import Pool
from authpool.domain.records import UserRecord
from authpool.domain.users import Destination

log = logging.getLogger("authpool.triggers")

# The triggerSource suffix of each purpose: CustomMessage_SignUp, CustomSMSSender_SignUp, …
SOURCE_SUFFIX = {
    Purpose.SIGN_UP: "SignUp",
    Purpose.RESEND_CODE: "ResendCode",
    Purpose.FORGOT_PASSWORD: "ForgotPassword",
    Purpose.UPDATE_ATTRIBUTE: "UpdateUserAttribute",
    Purpose.VERIFY_ATTRIBUTE: "VerifyUserAttribute",
    Purpose.AUTHENTICATION: "Authentication",
    Purpose.ADMIN_CREATE_USER: "AdminCreateUser",
}
SENDER = {
    "EMAIL": ("CustomEmailSender", "customEmailSenderRequestV1"),
    "SMS": ("CustomSMSSender", "customSMSSenderRequestV1"),
}
CODE_PARAMETER = templates.CODE_PLACEHOLDER
LINK_PARAMETER = "{##Click Here##}"
_BODY_PATTERN = r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*"


def custom_sender(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    destination: Destination,
    *,
    purpose: Purpose,
    code: str,
    client_id: str | None,
    client_metadata: Mapping[str, str] | None,
) -> bool:
    """Hand the code to the pool's custom sender for the destination's medium; ``True`` if
    there is one (the message is then the sender's business)."""
    name, request_type = SENDER[destination.medium]
    if not configured(pool, name):
        return False
    request = with_metadata({"type": request_type, "code": code}, "clientMetadata", client_metadata)
    request["userAttributes"] = user_attributes(pool, user)
    payload = event(
        svc,
        pool,
        source=f"{name}_{SOURCE_SUFFIX[purpose]}",
        user_name=user.username,
        client_id=client_id,
        request=request,
        response={},
    )
    try:
        call(svc, pool, name, payload)
    except LambdaError as exc:
        log.error("%s of pool %s failed for %s: %s", name, pool.id, user.username, exc.message)
    return True


def custom_message(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    destination: Destination,
    *,
    purpose: Purpose,
    body_template: str,
    subject: str | None,
    client_id: str | None,
    client_metadata: Mapping[str, str] | None,
) -> tuple[str, str | None]:
    """(body template, subject) after CustomMessage (the pool's when there is none)."""
    name = "CustomMessage"
    if not configured(pool, name):
        return body_template, subject
    request = {
        "userAttributes": user_attributes(pool, user),
        "codeParameter": CODE_PARAMETER,
        "linkParameter": LINK_PARAMETER,
        "usernameParameter": (
            templates.USERNAME_PLACEHOLDER if purpose is Purpose.ADMIN_CREATE_USER else None
        ),
    }
    with_metadata(request, "clientMetadata", client_metadata)
    response = call(
        svc,
        pool,
        name,
        event(
            svc,
            pool,
            source=f"{name}_{SOURCE_SUFFIX[purpose]}",
            user_name=user.username,
            client_id=client_id,
            request=request,
            response={"smsMessage": None, "emailMessage": None, "emailSubject": None},
        ),
    )
    if destination.medium == "SMS":
        return _message(response, "smsMessage", pool) or body_template, None
    body = _message(response, "emailMessage", pool) or body_template
    new_subject = text(response, "emailSubject", name=name, pool=pool)
    if new_subject:
        problem = templates.check_subject(new_subject)
        if problem is not None:
            raise InvalidParameterException(
                "1 validation error detected: Value at 'emailSubject' failed to satisfy "
                f"constraint: {problem}"
            )
        subject = new_subject
    return body, subject


def _message(response: Mapping[str, object], key: str, pool: Pool) -> str | None:
    message = text(response, key, name="CustomMessage", pool=pool)
    if not message:
        return None
    if CODE_PARAMETER not in message:
        raise InvalidParameterException(
            f"1 validation error detected: Value at '{key}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {_BODY_PATTERN}"
        )
    return message
