"""The seed, step by step, in Python with authpool.client: sign up, confirm with the code,
sign in, SMS MFA, sign out, then sign in with the custom challenge, and sign out again.

Start a development server (every e-mail and SMS goes to its outbox, which this script
reads, so no phone or mailbox is needed) from the repository root, letting it import the
example triggers::

    PYTHONPATH=. AUTHPOOL_TRIGGER_PYTHON_MODULES=examples.triggers authpool serve --dev

then, in another terminal, also from the repository root::

    python examples/seed_flow.py                 # --endpoint http://127.0.0.1:9229
    python examples/seed_flow.py --interactive   # type the codes in yourself

The script creates its own user pool (MFA on, by SMS; the custom challenge is the security
question of ``examples/triggers/security_question.py``) through the development server's
unsigned admin calls. Against Amazon Cognito, set a pool up the same way, pass
``--pool-id`` and ``--client-id``, leave ``--endpoint`` out, and add ``--interactive``:
the codes then come by e-mail and SMS.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path
from typing import Any

import httpx

from authpool.client import Auth, AuthFlowType, AuthSignInStep, SignInResult

PASSWORD = "Seed-Passw0rd!"
QUESTION = "What was the name of your first pet?"
ANSWER = "Rex"
TRIGGERS = "python:examples.triggers.security_question"

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root
from examples.triggers.security_question import answer_hash  # noqa: E402


def admin(endpoint: str, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """An admin call, unsigned: only a server started with --dev accepts it."""
    response = httpx.post(
        endpoint,
        content=json.dumps(body),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
        },
        timeout=30,
    )
    if response.status_code != 200:
        sys.exit(f"{operation} failed: {response.text} (is the server running with --dev?)")
    result: dict[str, Any] = response.json()
    return result


def create_pool(endpoint: str) -> tuple[str, str]:
    """A pool like the seed's: e-mail verified at sign-up, SMS MFA required, the custom
    challenge triggers; and an app client allowing SRP and custom sign-in."""
    pool = admin(
        endpoint,
        "CreateUserPool",
        {
            "PoolName": f"seed-{secrets.token_hex(3)}",
            "AutoVerifiedAttributes": ["email"],
            "Schema": [
                {"Name": "question", "AttributeDataType": "String", "Mutable": True},
                {
                    "Name": "answer_hash",
                    "AttributeDataType": "String",
                    "DeveloperOnlyAttribute": True,
                },
            ],
            "LambdaConfig": {
                "DefineAuthChallenge": f"{TRIGGERS}:define_auth_challenge",
                "CreateAuthChallenge": f"{TRIGGERS}:create_auth_challenge",
                "VerifyAuthChallengeResponse": f"{TRIGGERS}:verify_auth_challenge_response",
            },
        },
    )["UserPool"]
    admin(
        endpoint,
        "SetUserPoolMfaConfig",
        {
            "UserPoolId": pool["Id"],
            "MfaConfiguration": "ON",
            "SmsMfaConfiguration": {"SmsAuthenticationMessage": "Your seed code is {####}"},
        },
    )
    client = admin(
        endpoint,
        "CreateUserPoolClient",
        {
            "UserPoolId": pool["Id"],
            "ClientName": "seed-python",
            "ExplicitAuthFlows": [
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_CUSTOM_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        },
    )["UserPoolClient"]
    return pool["Id"], client["ClientId"]


class Codes:
    """Where the codes come from: the development outbox, or the keyboard."""

    def __init__(self, endpoint: str, pool_id: str, interactive: bool) -> None:
        self.url = endpoint.rstrip("/") + "/_authpool/outbox"
        self.pool_id = pool_id
        self.interactive = interactive

    def latest(self, username: str, what: str) -> str:
        if self.interactive:
            return input(f"  {what}: ").strip()
        params = {"pool_id": self.pool_id, "username": username}
        messages = httpx.get(self.url, params=params, timeout=30).json()["messages"]
        code: str = messages[-1]["code"]
        print(f"  {what} (read from the outbox, sent to {messages[-1]['destination']}): {code}")
        return code


def finish_sign_in(auth: Auth, result: SignInResult, username: str, codes: Codes) -> None:
    """Answer next steps until the user is signed in, as the Flutter guide's switch does."""
    while not result.is_signed_in:
        step = result.next_step
        print(f"  next step: {step.sign_in_step.value}")
        if step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE:
            result = auth.confirm_sign_in(codes.latest(username, "SMS code"))
        elif step.sign_in_step is AuthSignInStep.CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE:
            print(f"  question: {step.additional_info.get('question')}")
            result = auth.confirm_sign_in(ANSWER if not codes.interactive else input("  answer: "))
        else:
            sys.exit(f"this example does not handle {step.sign_in_step.value}")
    print("  signed in:", auth.get_current_user())


def sign_up_and_confirm(
    auth: Auth, args: argparse.Namespace, pool_id: str, username: str, codes: Codes
) -> None:
    print(f"1. sign up {username}")
    signed_up = auth.sign_up(
        username,
        PASSWORD,
        user_attributes={
            "email": f"{username}@example.com",
            "phone_number": args.phone,
            "custom:question": QUESTION,
        },
    )
    details = signed_up.next_step.code_delivery_details
    print(f"  next step: {signed_up.next_step.sign_up_step.value}, code sent to", details)

    print("2. confirm the sign-up with the code")
    auth.confirm_sign_up(username, codes.latest(username, "sign-up code"))
    if not args.pool_id:  # the answer to the security question, kept as a salted hash
        admin(
            args.endpoint,
            "AdminUpdateUserAttributes",
            {
                "UserPoolId": pool_id,
                "Username": username,
                "UserAttributes": [
                    {"Name": "dev:custom:answer_hash", "Value": answer_hash(ANSWER)}
                ],
            },
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default="http://127.0.0.1:9229")
    parser.add_argument("--pool-id")
    parser.add_argument("--client-id")
    parser.add_argument("--interactive", action="store_true")
    parser.add_argument("--phone", default="+15555550123")
    args = parser.parse_args()

    pool_id, client_id = args.pool_id, args.client_id
    if not (pool_id and client_id):
        pool_id, client_id = create_pool(args.endpoint)
        print(f"created pool {pool_id}, app client {client_id}")
    codes = Codes(args.endpoint, pool_id, args.interactive)
    username = f"seed{secrets.token_hex(3)}"

    with Auth(user_pool_id=pool_id, user_pool_client_id=client_id, endpoint=args.endpoint) as auth:
        auth.hub.listen(lambda event: print(f"  hub: {event.event.value}"))

        sign_up_and_confirm(auth, args, pool_id, username, codes)

        print("3. sign in (SRP), then the SMS MFA code")
        finish_sign_in(auth, auth.sign_in(username, PASSWORD), username, codes)
        session = auth.fetch_auth_session()
        assert session.tokens is not None
        print("  access token expires at", session.tokens.access_token.expires_at)

        print("4. sign out")
        auth.sign_out()

        print("5. sign in with the custom challenge")
        result = auth.sign_in(username, auth_flow_type=AuthFlowType.CUSTOM_AUTH_WITHOUT_SRP)
        finish_sign_in(auth, result, username, codes)

        print("6. sign out")
        auth.sign_out()
    print("done")


if __name__ == "__main__":
    main()
