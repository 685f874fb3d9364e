"""The triggers a pool's LambdaConfig names, and the check a LambdaConfig passes before a
pool keeps it (CreateUserPool, UpdateUserPool)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authpool.domain.context import Services
from authpool.domain.errors import InvalidParameterException


@dataclass(frozen=True)
class Trigger:
    """One of Cognito's triggers: its name (as in events and error messages) and where a
    pool's LambdaConfig keeps its target."""

    name: str
    key: str
    versioned: bool = False  # the member is {lambda_arn, lambda_version}


TRIGGERS: dict[str, Trigger] = {
    t.name: t
    for t in (
        Trigger("PreSignUp", "pre_sign_up"),
        Trigger("CustomMessage", "custom_message"),
        Trigger("PostConfirmation", "post_confirmation"),
        Trigger("PreAuthentication", "pre_authentication"),
        Trigger("PostAuthentication", "post_authentication"),
        Trigger("DefineAuthChallenge", "define_auth_challenge"),
        Trigger("CreateAuthChallenge", "create_auth_challenge"),
        Trigger("VerifyAuthChallengeResponse", "verify_auth_challenge_response"),
        Trigger("PreTokenGeneration", "pre_token_generation_config", versioned=True),
        Trigger("UserMigration", "user_migration"),
        Trigger("CustomSMSSender", "custom_sms_sender", versioned=True),
        Trigger("CustomEmailSender", "custom_email_sender", versioned=True),
    )
}
LEGACY_TOKEN_KEY = "pre_token_generation"  # PreTokenGeneration before LambdaVersion existed


def check_lambda_config(svc: Services, config: Mapping[str, Any] | None) -> dict[str, Any]:
    """LambdaConfig as a pool keeps it: every target one this server can run (or a Lambda ARN,
    which Cognito stores without looking it up either), and PreTokenGeneration and
    PreTokenGenerationConfig in step."""
    out = dict(config or {})
    versioned = out.get("pre_token_generation_config")
    legacy = out.get(LEGACY_TOKEN_KEY)
    if versioned:
        if legacy and legacy != versioned.get("lambda_arn"):
            raise InvalidParameterException(
                "PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must be the same "
                "function."
            )
        out[LEGACY_TOKEN_KEY] = versioned.get("lambda_arn")
    targets = [("PreTokenGeneration", out.get(LEGACY_TOKEN_KEY))]
    for trigger in TRIGGERS.values():
        value = out.get(trigger.key)
        targets.append(
            (trigger.name, (value or {}).get("lambda_arn") if trigger.versioned else value)
        )
    for name, target in targets:
        problem = svc.triggers.problem(str(target)) if target else None
        if problem is not None:
            raise InvalidParameterException(
                f"The {name} trigger target {target!r} cannot be used: {problem}"
            )
    return out
