"""Cognito's message templates: placeholders, the rules a template must meet, the
defaults a new pool starts with, and how a delivery destination is masked.

Pure functions over strings; this module imports only the standard library.

Placeholders
------------
``{####}`` is the one-time code (or, in an invitation, the temporary password);
``{username}`` is the user name. Cognito documents ``{username}`` for invitation
messages only, but lists both as "universal" placeholders that may appear in any
template even where the message type carries no value for them. :func:`render`
therefore replaces a placeholder only when it is given a value and leaves it as
written otherwise. Substitution is a single pass, so a user name that itself
contains ``{####}`` is never replaced by the code.

Rules (from the Cognito API model in botocore 1.43, ``cognito-idp/2016-04-18``)
--------------------------------------------------------------------------------
* Code verification e-mail (``EmailVerificationMessageType``): 6–20,000 characters,
  must contain ``{####}``. The e-mail MFA / sign-in OTP message (``EmailMfaMessageType``)
  has the same rule.
* Verification SMS and the SMS MFA message (both ``SmsVerificationMessageType``):
  6–140 characters, must contain ``{####}``.
* Link verification e-mail (``EmailVerificationMessageByLinkType``): 6–20,000
  characters, must contain ``{##link text##}``. The model's pattern also lets an empty
  link text through, so ``{####}`` alone would pass; we ask for at least one character.
* Invitation (``EmailInviteMessageType`` 6–20,000, ``SmsInviteMessageType`` 6–140):
  the model requires no placeholder. The API reference for
  ``AdminCreateUserConfigType.InviteMessageTemplate`` says the template "must include
  the {####} temporary password placeholder if you are creating users with passwords";
  ``{username}`` is never required. (Older CloudFormation documentation showed a
  pattern requiring ``{####}`` in invitations; the current model does not.)
* Subjects (``EmailVerificationSubjectType`` and friends): 1–140 characters.

The model's character-class patterns (``[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*``) are
checked by request validation in ``wire/``; the helpers here check what a pool
configuration needs regardless of how it arrives: lengths and placeholders, plus no
line breaks in a subject (a subject becomes a mail header).

Defaults
--------
What ``DescribeUserPool`` shows for a pool created without templates, as printed in the
AWS CLI's own example (aws/aws-cli, ``awscli/examples/cognito-idp/describe-user-pool.rst``):
``EmailVerificationSubject`` "Your verification code", ``EmailVerificationMessage`` and
``SmsVerificationMessage`` "Your verification code is {####}. ",
``SmsAuthenticationMessage`` "Your authentication code is {####}. ", and the
``InviteMessageTemplate`` "Your username is {username} and temporary password is
{####}. " with subject "Your temporary password". The trailing space is Cognito's.

The link template default ("Please click the link below to verify your email address.
{##Verify Email##} ", subject "Your verification link") is the value widely recorded
from Terraform plans and the terraform-aws-modules defaults, not from an AWS page.

Forgot-password: Cognito sends password-reset e-mails with the pool's *code*
verification template (developer guide, "Configuring MFA, authentication, verification
and invitation messages": "Emails from attribute-update and password-reset operations
use the code template"). With no custom template, users have reported receiving
subject "Your verification code" and body "Your password reset code is <code>"
(github.com/WikiWatershed/monitor-my-watershed issue 636, December 2022); that one
report is the only source for :data:`DEFAULT_FORGOT_PASSWORD_MESSAGE`.

Masking
-------
``CodeDeliveryDetails.Destination`` as Cognito returns it, from recorded responses:

* e-mail: the first character of the local part, ``***@``, the first character of the
  domain, ``***`` — ``s***@g***`` for an address at gmail.com (aws-amplify/aws-sdk-ios
  issue 4837, July 2023, shows a raw response with ``u***@y***``; a recorded sign-up
  response from October 2024 shows ``t***@m***``). Older recorded responses kept the
  top-level domain (``j***@e***.com`` in the AWS CLI ``forgot-password`` example,
  ``t***@y***.jp`` for a yahoo.co.jp address); current Cognito does not. Case is kept.
* phone: the ``+`` and the last four digits, every other digit a ``*`` — so the number
  of stars depends on the length: ``+*******0123`` for a US number (11 digits),
  ``+********4114`` for 12 digits, ``+*********4516`` for a 13-digit Brazilian number.
"""

from __future__ import annotations

import re
from typing import Final

CODE_PLACEHOLDER: Final = "{####}"
USERNAME_PLACEHOLDER: Final = "{username}"

DEFAULT_EMAIL_VERIFICATION_SUBJECT: Final = "Your verification code"
DEFAULT_EMAIL_VERIFICATION_MESSAGE: Final = "Your verification code is {####}. "
DEFAULT_SMS_VERIFICATION_MESSAGE: Final = "Your verification code is {####}. "
DEFAULT_EMAIL_VERIFICATION_SUBJECT_BY_LINK: Final = "Your verification link"
DEFAULT_EMAIL_VERIFICATION_MESSAGE_BY_LINK: Final = (
    "Please click the link below to verify your email address. {##Verify Email##} "
)
DEFAULT_SMS_AUTHENTICATION_MESSAGE: Final = "Your authentication code is {####}. "
DEFAULT_INVITE_EMAIL_SUBJECT: Final = "Your temporary password"
DEFAULT_INVITE_MESSAGE: Final = "Your username is {username} and temporary password is {####}. "
DEFAULT_FORGOT_PASSWORD_SUBJECT: Final = "Your verification code"
DEFAULT_FORGOT_PASSWORD_MESSAGE: Final = "Your password reset code is {####}"

EMAIL_MESSAGE_MIN_LENGTH: Final = 6
EMAIL_MESSAGE_MAX_LENGTH: Final = 20_000
SMS_MESSAGE_MIN_LENGTH: Final = 6
SMS_MESSAGE_MAX_LENGTH: Final = 140
SUBJECT_MIN_LENGTH: Final = 1
SUBJECT_MAX_LENGTH: Final = 140

_PLACEHOLDER = re.compile(r"\{####\}|\{username\}")
_LINK_PLACEHOLDER = re.compile(r"\{##(.+?)##\}", re.DOTALL)


def render(template: str, *, code: str | None, username: str | None) -> str:
    """Fill ``{####}`` with ``code`` and ``{username}`` with ``username``.

    A placeholder whose value is ``None`` stays as written. One pass: text that comes
    from a value is never scanned for placeholders again.
    """
    values = {CODE_PLACEHOLDER: code, USERNAME_PLACEHOLDER: username}

    def substitute(match: re.Match[str]) -> str:
        value = values[match.group(0)]
        return match.group(0) if value is None else value

    return _PLACEHOLDER.sub(substitute, template)


def _check_length(text: str, what: str, low: int, high: int) -> str | None:
    if len(text) < low:
        return f"{what} must be at least {low} characters long"
    if len(text) > high:
        return f"{what} must be at most {high} characters long"
    return None


def _message_bounds(sms: bool) -> tuple[int, int]:
    if sms:
        return SMS_MESSAGE_MIN_LENGTH, SMS_MESSAGE_MAX_LENGTH
    return EMAIL_MESSAGE_MIN_LENGTH, EMAIL_MESSAGE_MAX_LENGTH


def check_verification_template(text: str, *, sms: bool = False) -> str | None:
    """The problem with a code template (verification, password reset, MFA), or ``None``.

    ``sms`` selects the SMS length limit (140) instead of the e-mail one (20,000).
    """
    what = "SMS message" if sms else "email message"
    problem = _check_length(text, what, *_message_bounds(sms))
    if problem is None and CODE_PLACEHOLDER not in text:
        problem = f"{what} must contain the {CODE_PLACEHOLDER} placeholder"
    return problem


def check_link_template(text: str) -> str | None:
    """The problem with a link verification e-mail template, or ``None``."""
    problem = _check_length(text, "email message by link", *_message_bounds(False))
    if problem is None and not _LINK_PLACEHOLDER.search(text):
        problem = "email message by link must contain a {##link text##} placeholder"
    return problem


def check_invitation_template(
    text: str, *, sms: bool = False, with_password: bool = True
) -> str | None:
    """The problem with an invitation template, or ``None``.

    ``with_password``: the pool creates users with (temporary) passwords, so the
    message has to carry ``{####}``. ``{username}`` is optional, as in Cognito.
    """
    what = "SMS invitation message" if sms else "email invitation message"
    problem = _check_length(text, what, *_message_bounds(sms))
    if problem is None and with_password and CODE_PLACEHOLDER not in text:
        problem = f"{what} must contain the {CODE_PLACEHOLDER} temporary password placeholder"
    return problem


def check_subject(text: str) -> str | None:
    """The problem with an e-mail subject template, or ``None``."""
    problem = _check_length(text, "email subject", SUBJECT_MIN_LENGTH, SUBJECT_MAX_LENGTH)
    if problem is None and ("\r" in text or "\n" in text):
        problem = "email subject must be a single line"
    return problem


def mask_email(address: str) -> str:
    """Mask an e-mail address the way Cognito shows it: ``alice@example.com`` → ``a***@e***``.

    Something that is not ``local@domain`` is masked to its first character and ``***``
    (or to ``***`` when empty), so that nothing past the first character ever shows.
    """
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return f"{address[:1]}***"
    return f"{local[0]}***@{domain[0]}***"


def mask_phone(number: str) -> str:
    """Mask a phone number the way Cognito shows it: ``+14155550123`` → ``+*******0123``.

    A leading ``+`` stays, the last four digits stay, every other character becomes
    ``*``. A number of four characters or fewer (not E.164, so not something Cognito
    accepts) is masked completely rather than shown.
    """
    plus, digits = ("+", number[1:]) if number.startswith("+") else ("", number)
    if len(digits) <= 4:
        return plus + "*" * len(digits)
    return plus + "*" * (len(digits) - 4) + digits[-4:]
