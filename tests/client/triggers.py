"""The custom-auth triggers of the seed's custom challenge, as Lambda handlers (the shape of
AWS's documented example): a question with a secret answer, asked once; with SRP first when
the sign-in starts with SRP_A."""

from __future__ import annotations

from typing import Any

QUESTION = "What is the seed's answer?"
ANSWER = "forty-two"


def define_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    session = event["request"]["session"]
    response = event["response"]
    response.update(issueTokens=False, failAuthentication=False)
    if session and session[0].get("challengeName") == "SRP_A" and len(session) == 1:
        response["challengeName"] = "PASSWORD_VERIFIER"
    elif session and session[-1].get("challengeName") == "CUSTOM_CHALLENGE":
        if session[-1].get("challengeResult"):
            response["issueTokens"] = True
        elif len(session) >= 4:
            response["failAuthentication"] = True
        else:
            response["challengeName"] = "CUSTOM_CHALLENGE"
    elif session and not session[-1].get("challengeResult"):
        response["failAuthentication"] = True
    else:
        response["challengeName"] = "CUSTOM_CHALLENGE"
    return event


def create_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event["response"]["publicChallengeParameters"] = {"question": QUESTION}
    event["response"]["privateChallengeParameters"] = {"answer": ANSWER}
    event["response"]["challengeMetadata"] = "SEED_QUESTION"
    return event


def verify_auth_challenge_response(event: dict[str, Any], context: Any) -> dict[str, Any]:
    expected = event["request"]["privateChallengeParameters"]["answer"]
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
    return event
