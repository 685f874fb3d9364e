"""PreSignUp: confirm at once, with the e-mail address verified, anyone who signs up with an
address at one of the trusted domains; everyone else confirms by code as usual.

Configure::

    LambdaConfig: {"PreSignUp": "python:examples.triggers.auto_confirm_domain:handler"}
    AUTO_CONFIRM_DOMAINS=example.com,example.org   (the default is example.com)

A sign-up that claims a trusted address without owning it gets nothing it could not get by
confirming that address; what it must not get is a confirmed *other* domain, so the match
is on the full domain after the last ``@``, case-insensitively.
"""

from __future__ import annotations

import os
from typing import Any


def trusted_domains() -> set[str]:
    raw = os.environ.get("AUTO_CONFIRM_DOMAINS", "example.com")
    return {d.strip().lower() for d in raw.split(",") if d.strip()}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event["triggerSource"] != "PreSignUp_SignUp":
        return event  # AdminCreateUser and federation: nothing to decide here
    email = event["request"]["userAttributes"].get("email", "")
    domain = email.rpartition("@")[2].lower()
    if email and domain in trusted_domains():
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
    return event
