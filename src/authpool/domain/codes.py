"""One-time codes: six digits from a CSPRNG, stored only as a keyed hash with an attempt
counter, single use, each purpose with its own lifetime; and their delivery."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from authpool.domain import ids, templates
from authpool.domain.context import Services
from authpool.domain.errors import (
    CodeDeliveryFailureException,
    CodeMismatchException,
    ExpiredCodeException,
    LimitExceededException,
)
from authpool.domain.hooks import messages as message_hooks
from authpool.domain.messages import DeliveryError, Medium, OutgoingMessage, Purpose
from authpool.domain.pools import Pool
from authpool.domain.records import CodeRecord, UserRecord
from authpool.domain.users import Destination

log = logging.getLogger("authpool.delivery")

LIFETIME = {
    "SIGN_UP": timedelta(hours=24),
    "FORGOT_PASSWORD": timedelta(hours=1),
    "VERIFY_ATTRIBUTE": timedelta(hours=24),
    # one code per attribute, so that a new e-mail and a new phone can be verified at once
    "VERIFY_EMAIL": timedelta(hours=24),
    "VERIFY_PHONE_NUMBER": timedelta(hours=24),
    "MFA": timedelta(minutes=3),  # the default; a sign-in uses its client's AuthSessionValidity
}
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Delivered:
    """CodeDeliveryDetails, snake_case: the masked destination."""

    destination: str
    delivery_medium: str
    attribute_name: str

    def as_dict(self) -> dict[str, str]:
        return {
            "destination": self.destination,
            "delivery_medium": self.delivery_medium,
            "attribute_name": self.attribute_name,
        }


def mask(destination: Destination) -> str:
    if destination.medium == "EMAIL":
        return templates.mask_email(destination.address)
    return templates.mask_phone(destination.address)


def _digest(svc: Services, user_sub: str, purpose: str, code: str) -> bytes:
    return svc.vault.digest(code, purpose=f"code:{purpose}:{user_sub}")


def issue(
    svc: Services,
    user: UserRecord,
    purpose: str,
    destination: Destination,
    *,
    lifetime: timedelta | None = None,
) -> str:
    """Make and store a fresh code for ``purpose`` (replacing any earlier one), good for
    ``lifetime`` or the purpose's own (:data:`LIFETIME`)."""
    code = ids.numeric_code(svc.token_bytes)
    now = svc.clock.now()
    svc.store.put_code(
        CodeRecord(
            pool_id=user.pool_id,
            user_sub=user.sub,
            purpose=purpose,
            code_digest=_digest(svc, user.sub, purpose, code),
            destination=destination.attribute,
            created_at=now,
            expires_at=now + (lifetime or LIFETIME[purpose]),
        )
    )
    return code


def redeem(svc: Services, user: UserRecord, purpose: str, code: str) -> str:
    """Use up the code, or raise CodeMismatch/ExpiredCode/LimitExceeded. Returns the
    attribute the code was sent to."""
    result, attribute = svc.store.redeem_code(
        user.sub,
        purpose,
        _digest(svc, user.sub, purpose, code),
        now=svc.clock.now(),
        max_attempts=MAX_ATTEMPTS,
    )
    if result == "ok":
        return attribute
    if result == "expired":
        raise ExpiredCodeException("Invalid code provided, please request a code again.")
    if result == "exhausted":
        raise LimitExceededException("Attempt limit exceeded, please try after some time.")
    if result == "missing":
        raise ExpiredCodeException("Invalid code provided, please request a code again.")
    raise CodeMismatchException("Invalid verification code provided, please try again.")


def peek(svc: Services, user: UserRecord, purpose: str, code: str) -> CodeRecord | None:
    """The stored code if ``code`` is it and it can still be redeemed; neither uses it up nor
    counts an attempt. For a flow that must refuse for another reason (an alias held by
    someone else) without spending the code, and only after the caller proved they hold it."""
    record = svc.store.get_code(user.sub, purpose)
    if (
        record is None
        or record.expires_at <= svc.clock.now()
        or record.attempts >= MAX_ATTEMPTS
        or not hmac.compare_digest(record.code_digest, _digest(svc, user.sub, purpose, code))
    ):
        return None
    return record


def verification_message(pool: Pool, medium: str) -> tuple[str, str | None]:
    """(body, subject) of the pool's code verification template for ``medium``."""
    template = pool.config.get("verification_message_template") or {}
    if medium == "SMS":
        return template.get("sms_message") or templates.DEFAULT_SMS_VERIFICATION_MESSAGE, None
    return (
        template.get("email_message") or templates.DEFAULT_EMAIL_VERIFICATION_MESSAGE,
        template.get("email_subject") or templates.DEFAULT_EMAIL_VERIFICATION_SUBJECT,
    )


def deliver(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    destination: Destination,
    *,
    purpose: Purpose,
    code: str,
    body_template: str,
    subject: str | None,
    client_id: str | None = None,
    client_metadata: Mapping[str, str] | None = None,
) -> Delivered:
    """Render and send; a channel failure becomes CodeDeliveryFailureException. A custom
    sender trigger for the medium takes the message over; else CustomMessage may rewrite it
    (``client_id`` and ``client_metadata`` are for those triggers' events)."""
    if message_hooks.custom_sender(
        svc,
        pool,
        user,
        destination,
        purpose=purpose,
        code=code,
        client_id=client_id,
        client_metadata=client_metadata,
    ):
        return Delivered(mask(destination), destination.medium, destination.attribute)
    body_template, subject = message_hooks.custom_message(
        svc,
        pool,
        user,
        destination,
        purpose=purpose,
        body_template=body_template,
        subject=subject,
        client_id=client_id,
        client_metadata=client_metadata,
    )
    email = pool.config.get("email_configuration") or {}
    message = OutgoingMessage(
        pool_id=pool.id,
        username=user.username,
        destination=destination.address,
        medium=Medium(destination.medium),
        purpose=purpose,
        body=templates.render(body_template, code=code, username=user.username),
        subject=subject if destination.medium == "EMAIL" else None,
        code=code,
        email_from=email.get("from"),
        reply_to=email.get("reply_to_email_address"),
    )
    try:
        svc.sender.send(message)
    except DeliveryError as exc:
        log.warning("delivery of a %s code to %s failed: %s", purpose, destination.medium, exc)
        raise CodeDeliveryFailureException("Unable to deliver the verification code.") from exc
    return Delivered(mask(destination), destination.medium, destination.attribute)
