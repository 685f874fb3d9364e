"""CUSTOM_AUTH with a one-time code sent by e-mail: passwordless sign-in
(``CUSTOM_WITHOUT_SRP``), or the code as a second step after the password
(``CUSTOM_WITH_SRP``: the session starts with ``SRP_A``).

Configure::

    LambdaConfig: {
      "DefineAuthChallenge": "python:examples.triggers.email_otp:define_auth_challenge",
      "CreateAuthChallenge": "python:examples.triggers.email_otp:create_auth_challenge",
      "VerifyAuthChallengeResponse":
          "python:examples.triggers.email_otp:verify_auth_challenge_response"}

    OTP_SMTP_HOST=localhost  OTP_SMTP_PORT=25  OTP_FROM=no-reply@example.com
    (OTP_SMTP_USERNAME / OTP_SMTP_PASSWORD log in after STARTTLS when set)

The code is made once per sign-in and kept in ``challengeMetadata`` (which authpool seals
into the Session, never shown to the client), so a user who mistypes it can try again
with the same e-mail; three wrong answers end the sign-in. For a user that does not exist
(the app client prevents user existence errors) nothing is sent and nothing can match.
"""

from __future__ import annotations

import hmac
import os
import secrets
import smtplib
from email.message import EmailMessage
from typing import Any

MAX_ATTEMPTS = 3
PREFIX = "CODE-"


def _code_challenges(session: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in session if s["challengeName"] == "CUSTOM_CHALLENGE"]


def define_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    session = event["request"]["session"]
    response = event["response"]
    response.update(issueTokens=False, failAuthentication=False)
    if session and session[0]["challengeName"] == "SRP_A":
        if len(session) == 1:
            response["challengeName"] = "PASSWORD_VERIFIER"
            return event
        if not (
            session[1]["challengeName"] == "PASSWORD_VERIFIER" and session[1]["challengeResult"]
        ):
            response["failAuthentication"] = True
            return event
    codes = _code_challenges(session)
    if codes and codes[-1]["challengeResult"]:
        response["issueTokens"] = True
    elif len(codes) >= MAX_ATTEMPTS:
        response["failAuthentication"] = True
    else:
        response["challengeName"] = "CUSTOM_CHALLENGE"
    return event


def _mask(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def send_code(email: str, code: str) -> None:
    message = EmailMessage()
    message["From"] = os.environ.get("OTP_FROM", "no-reply@example.com")
    message["To"] = email
    message["Subject"] = "Your sign-in code"
    message.set_content(f"Your sign-in code is {code}. It is valid for three minutes.")
    host = os.environ.get("OTP_SMTP_HOST", "localhost")
    port = int(os.environ.get("OTP_SMTP_PORT", "25"))
    with smtplib.SMTP(host, port, timeout=4) as smtp:
        if os.environ.get("OTP_SMTP_USERNAME"):
            smtp.starttls()
            smtp.login(os.environ["OTP_SMTP_USERNAME"], os.environ.get("OTP_SMTP_PASSWORD", ""))
        smtp.send_message(message)


def create_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["request"]
    email = request["userAttributes"].get("email", "")
    earlier = _code_challenges(request["session"])
    if earlier and (earlier[-1].get("challengeMetadata") or "").startswith(PREFIX):
        code = earlier[-1]["challengeMetadata"][len(PREFIX) :]  # a retry: the same code
    else:
        code = f"{secrets.randbelow(1_000_000):06d}"
        if email and not request.get("userNotFound"):
            send_code(email, code)
    event["response"]["publicChallengeParameters"] = {"email": _mask(email)}
    event["response"]["privateChallengeParameters"] = {"code": code}
    event["response"]["challengeMetadata"] = PREFIX + code
    return event


def verify_auth_challenge_response(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["request"]
    expected = request["privateChallengeParameters"].get("code", "")
    answer = str(request.get("challengeAnswer", "")).strip()
    correct = bool(expected) and hmac.compare_digest(answer.encode(), expected.encode())
    event["response"]["answerCorrect"] = correct and not request.get("userNotFound", False)
    return event
