"""PreTokenGeneration: add a ``tenant`` claim (the e-mail domain) to the ID token, and with
the V2_0 event also to the access token, together with a ``tenant/<name>`` scope.

Configure (V1_0, ID token only)::

    LambdaConfig: {"PreTokenGeneration": "python:examples.triggers.add_claims:handler"}

or (V2_0, both tokens)::

    LambdaConfig: {"PreTokenGenerationConfig": {
        "LambdaArn": "python:examples.triggers.add_claims:handler", "LambdaVersion": "V2_0"}}
"""

from __future__ import annotations

from typing import Any


def tenant_of(attributes: dict[str, str]) -> str:
    return attributes.get("email", "").rpartition("@")[2].lower() or "none"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    tenant = tenant_of(event["request"]["userAttributes"])
    if event["version"] == "1":
        event["response"]["claimsOverrideDetails"] = {
            "claimsToAddOrOverride": {"tenant": tenant},
        }
        return event
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"tenant": tenant}},
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": tenant},
            "scopesToAdd": [f"tenant/{tenant}"],
        },
    }
    return event
