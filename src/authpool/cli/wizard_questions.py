"""The wizard's questions, in the order the Amplify CLI asks them (``amplify add auth``,
``amplify update auth``), with their defaults, checks and flags.

Where Amplify warns "you will not be able to edit these selections" (sign-in attributes,
required attributes), authpool says the opposite: they can change later, after
``authpool push`` has checked the existing users. Identity pools and OAuth are recorded or
shown but not configured yet.
"""

from __future__ import annotations

import re
from typing import Any

from authpool.cli import project_schema as schema
from authpool.cli.wizard import Answers, Choice, Prompter, Question

EXAMPLES = "python:examples.triggers"
CUSTOM_AUTH = ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse")
CAPABILITIES: dict[str, tuple[str, dict[str, str]]] = {
    "auto-confirm-domain": (
        "Auto-confirm sign-ups from trusted e-mail domains (Pre Sign-up)",
        {"PreSignUp": f"{EXAMPLES}.auto_confirm_domain:handler"},
    ),
    "add-claims": (
        "Override ID Token Claims (Pre Token Generation)",
        {"PreTokenGeneration": f"{EXAMPLES}.add_claims:handler"},
    ),
    "legacy-migration": (
        "Move users over from a legacy user table at sign-in (User Migration)",
        {"UserMigration": f"{EXAMPLES}.legacy_migration:handler"},
    ),
    "email-otp": (
        "Custom Auth Challenge Flow: a one-time code by e-mail",
        {
            "DefineAuthChallenge": f"{EXAMPLES}.email_otp:define_auth_challenge",
            "CreateAuthChallenge": f"{EXAMPLES}.email_otp:create_auth_challenge",
            "VerifyAuthChallengeResponse": f"{EXAMPLES}.email_otp:verify_auth_challenge_response",
        },
    ),
    "security-question": (
        "Custom Auth Challenge Flow: a security question",
        {
            "DefineAuthChallenge": f"{EXAMPLES}.security_question:define_auth_challenge",
            "CreateAuthChallenge": f"{EXAMPLES}.security_question:create_auth_challenge",
            "VerifyAuthChallengeResponse": (
                f"{EXAMPLES}.security_question:verify_auth_challenge_response"
            ),
        },
    ),
}
TRIGGER_TITLES = {
    "CreateAuthChallenge": "Create Auth Challenge",
    "CustomMessage": "Custom Message",
    "DefineAuthChallenge": "Define Auth Challenge",
    "PostAuthentication": "Post Authentication",
    "PostConfirmation": "Post Confirmation",
    "PreAuthentication": "Pre Authentication",
    "PreSignUp": "Pre Sign-up",
    "PreTokenGeneration": "Pre Token Generation",
    "UserMigration": "User Migration",
    "VerifyAuthChallengeResponse": "Verify Auth Challenge Response",
}
SIGN_IN = {
    "username": ("Username", []),
    "email": ("Email", ["email"]),
    "phone_number": ("Phone Number", ["phone_number"]),
    "email,phone_number": ("Email or Phone Number", ["email", "phone_number"]),
}
CORE_ATTRIBUTES = {
    "address": "Address",
    "birthdate": "Birthdate",
    "email": "Email",
    "family_name": "Family Name",
    "middle_name": "Middle Name",
    "gender": "Gender",
    "locale": "Locale",
    "given_name": "Given Name",
    "name": "Name",
    "nickname": "Nickname",
    "phone_number": "Phone Number",
    "preferred_username": "Preferred Username",
    "picture": "Picture",
    "profile": "Profile",
    "updated_at": "Updated At",
    "website": "Website",
    "zoneinfo": "Zone Info",
}
READ_ATTRIBUTES = {
    **CORE_ATTRIBUTES,
    "email_verified": "Email Verified?",
    "phone_number_verified": "Phone Number Verified?",
}
PASSWORD_CHARACTERS = {
    "lowercase": "Requires Lowercase",
    "uppercase": "Requires Uppercase",
    "numbers": "Requires Numbers",
    "symbols": "Requires Symbols",
}
EDITABLE_NOTE = (
    "Note: unlike Cognito, authpool lets you change this later; `authpool push` then checks "
    "your existing users and lists any the change would break."
)
AMPLIFY_MESSAGES = {
    "sms_auth_message": "Your authentication code is {####}",
    "email_subject": "Your verification code",
    "email_message": "Your verification code is {####}",
    "sms_message": "Your verification code is {####}",
}
_RESOURCE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_USER_POOL = re.compile(r"[\w\s+=,.@-]{1,128}")
_IDENTITY_POOL = re.compile(r"[A-Za-z0-9_]{1,128}")


# conditions -----------------------------------------------------------------------------------
def adding(a: Answers) -> bool:
    return bool(a.get("mode") == "add")


def walkthrough(a: Answers) -> bool:
    return bool(a.get("config") == "manual" or a.get("update_flow") == "manual")


def identity(a: Answers) -> bool:
    return bool(a.get("services", "identityPoolAndUserPool") != "userPoolOnly")


def verification(a: Answers) -> str:
    return str(a.get("email_registration") or "email")


def sign_in_attributes(a: Answers) -> list[str]:
    return list(SIGN_IN[str(a.get("sign_in") or "username")][1])


# checks ---------------------------------------------------------------------------------------
def _pattern(pattern: re.Pattern[str], message: str) -> Any:
    return lambda v, a: None if pattern.fullmatch(str(v)) else message


def _code(v: Any, a: Answers) -> str | None:
    return None if "{####}" in str(v) else "The message must include '{####}', where the code goes."


def _subject(v: Any, a: Answers) -> str | None:
    return None if 1 <= len(str(v)) <= 140 else "The subject has 1 to 140 characters."


def _group_names(names: Any, a: Answers) -> str | None:
    for name in names:
        if not re.fullmatch(r"[^\s]{1,128}", name):
            return f"{name!r}: a group name has 1 to 128 characters and no spaces."
    if len(set(names)) != len(names):
        return "Each group is named once."
    return None


def needed_attributes(a: Answers) -> list[str]:
    """Attributes the pool needs from everybody: the verified one and the sign-in ones."""
    needed = {verification(a), *sign_in_attributes(a)}
    return [n for n in CORE_ATTRIBUTES if n in needed]


def _required(values: Any, a: Answers) -> str | None:
    missing = [n for n in needed_attributes(a) if n not in values]
    if missing:
        return f"{', '.join(missing)} must be required: users sign in with it or verify it."
    return None


def _writable(values: Any, a: Answers) -> str | None:
    missing = [n for n in a.get("required_attributes") or [] if n not in values]
    return f"Required attributes must be writable: add {', '.join(missing)}." if missing else None


def _mfa_types(values: Any, a: Answers) -> str | None:
    return None if values else "You must select at least one MFA type from the list."


def _capabilities(values: Any, a: Answers) -> str | None:
    custom = [v for v in values if set(CAPABILITIES[v][1]) & set(CUSTOM_AUTH)]
    return "Choose one custom auth challenge flow." if len(custom) > 1 else None


def check_target(target: str) -> str | None:
    if not schema.TARGET.fullmatch(target):
        return "Name python:module:function, an https:// URL or a Lambda ARN."
    if len(target) < 20:
        return "A trigger target has at least 20 characters (the AWS SDKs' limit)."
    return None


def _targets(values: Any, a: Answers) -> str | None:
    for trigger, target in dict(values).items():
        problem = check_target(target)
        if problem:
            return f"{trigger}: {problem}"
    return None


# choices --------------------------------------------------------------------------------------
def _choices(mapping: dict[str, str]) -> Any:
    return lambda a: [Choice(title, value) for value, title in mapping.items()]


def _yes_no(a: Answers) -> list[Choice]:
    return [Choice("Yes", "yes"), Choice("No", "no")]


def ask_trigger_target(p: Prompter, trigger: str, current: str | None) -> str:
    title = TRIGGER_TITLES.get(trigger, trigger)
    examples = [
        Choice(f"Example: {label}", targets[trigger])
        for label, targets in CAPABILITIES.values()
        if trigger in targets
    ]
    choices = [
        *examples,
        Choice("Name a Python callable (python:module:function)", "python"),
        Choice("Name a webhook (an https:// URL)", "webhook"),
    ]
    known = {c.value for c in examples}
    start = (
        current
        if current in known
        else "webhook"
        if (current or "").startswith("http")
        else "python"
        if current or not examples
        else examples[0].value
    )
    picked = p.select(f"What functionality do you want to use for {title}?", choices, start)
    if picked not in ("python", "webhook"):
        return picked
    label = "Python callable" if picked == "python" else "Webhook URL"
    suggestion = current if current and current not in known else ""
    return p.text(f"{label} for {title}:", suggestion, check_target).strip()


def questions() -> list[Question]:
    """The questions, in order (a fresh list: the table itself is shared)."""
    return list(QUESTIONS)


# the questions --------------------------------------------------------------------------------
QUESTIONS: list[Question] = [
    Question(
        "config",
        "Do you want to use the default authentication and security configuration?",
        "select",
        "config",
        lambda a: "default",
        adding,
        lambda a: [
            Choice("Default configuration", "default"),
            Choice(
                "Default configuration with Social Provider (Federation)",
                "social",
                disabled="OAuth comes in a later release",
            ),
            Choice("Manual configuration", "manual"),
        ],
    ),
    Question(
        "update_flow",
        "What do you want to do?",
        "select",
        "update-flow",
        lambda a: "manual",
        lambda a: not adding(a),
        lambda a: [
            Choice("Walkthrough all the auth configurations", "manual"),
            Choice("Create or update Cognito user pool groups", "groups"),
        ],
    ),
    Question(
        "services",
        "Select the authentication/authorization services that you want to use:",
        "select",
        "services",
        lambda a: "identityPoolAndUserPool",
        walkthrough,
        lambda a: [
            Choice(
                "User Sign-Up, Sign-In, connected with AWS IAM controls "
                "(an identity pool: recorded for a later release)",
                "identityPoolAndUserPool",
            ),
            Choice("User Sign-Up & Sign-In only (Best used with a cloud API only)", "userPoolOnly"),
        ],
    ),
    Question(
        "resource_name",
        "Provide a friendly name for your resource that will be used "
        "to label this category in the project:",
        "text",
        "resource-name",
        lambda a: "authpool",
        lambda a: adding(a) and walkthrough(a),
        check=_pattern(_RESOURCE, "1 to 128 letters, digits, '-' or '_'."),
    ),
    Question(
        "identity_pool_name",
        "Enter a name for your identity pool.",
        "text",
        "identity-pool-name",
        lambda a: f"{a.get('resource_name', 'authpool')}_identitypool".replace("-", "_"),
        lambda a: adding(a) and walkthrough(a) and identity(a),
        check=_pattern(_IDENTITY_POOL, "1 to 128 letters, digits or '_'."),
    ),
    Question(
        "allow_unauthenticated",
        "Allow unauthenticated logins? (Provides scoped down "
        "permissions that you can control via AWS IAM)",
        "select",
        "allow-unauthenticated",
        lambda a: "no",
        lambda a: walkthrough(a) and identity(a),
        _yes_no,
        note="authpool records this for its identity pool (a later release); it "
        "issues no AWS credentials yet.",
    ),
    Question(
        "user_pool_name",
        "Provide a name for your user pool:",
        "text",
        "pool-name",
        lambda a: f"{a.get('resource_name', 'authpool')}_userpool",
        lambda a: adding(a) and walkthrough(a),
        check=_pattern(_USER_POOL, "1 to 128 letters, digits, spaces or ,.@-+=_"),
    ),
    Question(
        "sign_in",
        "How do you want users to be able to sign in?",
        "select",
        "sign-in",
        lambda a: "username",
        lambda a: adding(a) or walkthrough(a),
        lambda a: [Choice(t, v) for v, (t, _) in SIGN_IN.items()],
        note=EDITABLE_NOTE,
    ),
    Question(
        "advanced",
        "Do you want to configure advanced settings?",
        "select",
        "advanced",
        lambda a: "no",
        lambda a: adding(a) and a.get("config") == "default",
        lambda a: [
            Choice("No, I am done.", "no"),
            Choice("Yes, I want to make some additional changes.", "yes"),
        ],
    ),
    Question(
        "groups_wanted",
        "Do you want to add User Pool Groups?",
        "select",
        "groups",
        lambda a: "no",
        lambda a: walkthrough(a) or a.get("update_flow") == "groups",
        _yes_no,
    ),
    Question(
        "groups",
        "Group names",
        "names",
        "group",
        lambda a: [],
        lambda a: a.get("groups_wanted") == "yes",
        check=_group_names,
        extra={
            "item": "Provide a name for your user pool group:",
            "again": "Do you want to add another User Pool Group",
        },
    ),
    Question(
        "mfa",
        "Multifactor authentication (MFA) user login options:",
        "select",
        "mfa",
        lambda a: "OFF",
        walkthrough,
        lambda a: [
            Choice("OFF", "OFF"),
            Choice("ON (Required for all logins)", "ON"),
            Choice("OPTIONAL (Individual users can use MFA)", "OPTIONAL"),
        ],
    ),
    Question(
        "mfa_types",
        "For user login, select the MFA types:",
        "checkbox",
        "mfa-type",
        lambda a: ["SMS"],
        lambda a: walkthrough(a) and a.get("mfa") != "OFF",
        lambda a: [
            Choice("SMS Text Message", "SMS"),
            Choice("Time-Based One-Time Password (TOTP)", "TOTP"),
            Choice("Email", "EMAIL"),
        ],
        _mfa_types,
    ),
    Question(
        "sms_auth_message",
        "Specify an SMS authentication message:",
        "text",
        "sms-auth-message",
        lambda a: AMPLIFY_MESSAGES["sms_auth_message"],
        lambda a: walkthrough(a) and "SMS" in (a.get("mfa_types") or []),
        check=_code,
    ),
    Question(
        "email_registration",
        "Email based user registration/forgot password:",
        "select",
        "email-registration",
        lambda a: "email",
        walkthrough,
        lambda a: [
            Choice("Enabled (Requires per-user email entry at registration)", "email"),
            Choice("Disabled (Uses SMS/TOTP as an alternative)", "phone_number"),
        ],
    ),
    Question(
        "email_subject",
        "Specify an email verification subject:",
        "text",
        "email-subject",
        lambda a: AMPLIFY_MESSAGES["email_subject"],
        lambda a: walkthrough(a) and verification(a) == "email",
        check=_subject,
    ),
    Question(
        "email_message",
        "Specify an email verification message:",
        "text",
        "email-message",
        lambda a: AMPLIFY_MESSAGES["email_message"],
        lambda a: walkthrough(a) and verification(a) == "email",
        check=_code,
    ),
    Question(
        "sms_message",
        "Specify an SMS verification message:",
        "text",
        "sms-message",
        lambda a: AMPLIFY_MESSAGES["sms_message"],
        lambda a: walkthrough(a) and verification(a) == "phone_number",
        check=_code,
    ),
    Question(
        "password_override",
        "Do you want to override the default password policy for this User Pool?",
        "confirm",
        "password-override",
        lambda a: False,
        walkthrough,
    ),
    Question(
        "password_min_length",
        "Enter the minimum password length for this User Pool:",
        "number",
        "password-min-length",
        lambda a: 8,
        lambda a: walkthrough(a) and bool(a.get("password_override")),
        bounds=(6, 99),
    ),
    Question(
        "password_characters",
        "Select the password character requirements for your userpool:",
        "checkbox",
        "password-require",
        lambda a: [],
        lambda a: walkthrough(a) and bool(a.get("password_override")),
        _choices(PASSWORD_CHARACTERS),
    ),
    Question(
        "required_attributes",
        "What attributes are required for signing up?",
        "checkbox",
        "required",
        needed_attributes,
        lambda a: walkthrough(a) or a.get("advanced") == "yes",
        _choices(CORE_ATTRIBUTES),
        _required,
        note=EDITABLE_NOTE,
    ),
    Question(
        "refresh_token_days",
        "Specify the app's refresh token expiration period (in days):",
        "number",
        "refresh-token-days",
        lambda a: 30,
        walkthrough,
        bounds=(1, 3650),
    ),
    Question(
        "set_attributes",
        "Do you want to specify the user attributes this app can read and write?",
        "confirm",
        "set-attributes",
        lambda a: False,
        walkthrough,
    ),
    Question(
        "read_attributes",
        "Specify read attributes:",
        "checkbox",
        "read",
        lambda a: list(READ_ATTRIBUTES),
        lambda a: walkthrough(a) and bool(a.get("set_attributes")),
        _choices(READ_ATTRIBUTES),
    ),
    Question(
        "write_attributes",
        "Specify write attributes:",
        "checkbox",
        "write",
        lambda a: list(a.get("required_attributes") or []),
        lambda a: walkthrough(a) and bool(a.get("set_attributes")),
        _choices(CORE_ATTRIBUTES),
        _writable,
    ),
    Question(
        "capabilities",
        "Do you want to enable any of the following capabilities?",
        "checkbox",
        "capability",
        lambda a: [],
        lambda a: walkthrough(a) or a.get("advanced") == "yes",
        lambda a: [Choice(t, k) for k, (t, _) in CAPABILITIES.items()],
        _capabilities,
    ),
    Question(
        "oauth",
        "Do you want to use an OAuth flow?",
        "select",
        "oauth",
        lambda a: "no",
        walkthrough,
        lambda a: [
            Choice("Yes", "yes", disabled="OAuth comes in a later release"),
            Choice("No", "no"),
        ],
    ),
    Question(
        "configure_triggers",
        "Do you want to configure Lambda Triggers for Cognito?",
        "confirm",
        "configure-triggers",
        lambda a: False,
        walkthrough,
    ),
    Question(
        "triggers",
        "Which triggers do you want to enable for Cognito?",
        "checkbox",
        "trigger",
        lambda a: [],
        lambda a: walkthrough(a) and bool(a.get("configure_triggers")),
        _choices(TRIGGER_TITLES),
    ),
    Question(
        "trigger_targets",
        "Trigger targets",
        "targets",
        "trigger",
        lambda a: {},
        lambda a: bool(a.get("triggers")),
        check=_targets,
        extra={"of": "triggers", "ask": ask_trigger_target},
    ),
]
