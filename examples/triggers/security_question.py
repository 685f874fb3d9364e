"""CUSTOM_AUTH with a question only the user can answer: the question is the user's
``custom:question`` attribute, the answer is kept as a salted hash in the developer-only
attribute ``dev:custom:answer_hash`` (app clients can neither read nor write ``dev:``
attributes; triggers see them). Three wrong answers end the sign-in.

Configure::

    Schema: [{"Name": "question", "AttributeDataType": "String"},
             {"Name": "answer_hash", "AttributeDataType": "String",
              "DeveloperOnlyAttribute": true}]
    LambdaConfig: {
      "DefineAuthChallenge": "python:examples.triggers.security_question:define_auth_challenge",
      "CreateAuthChallenge": "python:examples.triggers.security_question:create_auth_challenge",
      "VerifyAuthChallengeResponse":
          "python:examples.triggers.security_question:verify_auth_challenge_response"}

Set a user's answer with AdminUpdateUserAttributes and :func:`answer_hash`::

    dev:custom:answer_hash = answer_hash("Rex")
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from typing import Any

MAX_ATTEMPTS = 3
ITERATIONS = 100_000


def _normalise(answer: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", answer).casefold().split())


def answer_hash(answer: str, salt: str | None = None) -> str:
    """``salt$hex`` of PBKDF2-SHA256 over the normalised answer (case and spacing ignored)."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", _normalise(answer).encode(), salt.encode(), ITERATIONS)
    return f"{salt}${digest.hex()}"


def define_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    session = event["request"]["session"]
    response = event["response"]
    if (
        session
        and session[-1]["challengeName"] == "CUSTOM_CHALLENGE"
        and session[-1]["challengeResult"]
    ):
        response.update(issueTokens=True, failAuthentication=False)
    elif len(session) >= MAX_ATTEMPTS:
        response.update(issueTokens=False, failAuthentication=True)
    else:
        response.update(
            challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False
        )
    return event


def create_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    attributes = event["request"]["userAttributes"]
    question = attributes.get("custom:question", "What is the answer?")
    # A user without an answer (or no user at all) gets a hash nothing matches.
    stored = attributes.get("dev:custom:answer_hash") or answer_hash(secrets.token_hex(16))
    event["response"]["publicChallengeParameters"] = {"question": question}
    event["response"]["privateChallengeParameters"] = {"answer_hash": stored}
    event["response"]["challengeMetadata"] = "SECURITY_QUESTION"
    return event


def verify_auth_challenge_response(event: dict[str, Any], context: Any) -> dict[str, Any]:
    stored = event["request"]["privateChallengeParameters"].get("answer_hash", "")
    salt, _, _ = stored.partition("$")
    given = answer_hash(str(event["request"]["challengeAnswer"]), salt)
    event["response"]["answerCorrect"] = bool(salt) and hmac.compare_digest(given, stored)
    return event
