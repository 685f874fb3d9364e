"""Command-line options shared by ``authpool auth``, ``push``, ``pull`` and ``config``: one
flag for every question of the wizard, and where the server is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from authpool.cli import wizard_questions

File = Annotated[
    Path | None, typer.Option("--file", "-f", help="The project file (default ./authpool.yaml).")
]
Yes = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask: take the flags and the defaults.")
]
Endpoint = Annotated[
    str | None,
    typer.Option(help="The server's URL (else AUTHPOOL_ENDPOINT or the file's endpoint:)."),
]
Region = Annotated[str | None, typer.Option(help="Region to sign requests for.")]
Profile = Annotated[str | None, typer.Option(help="AWS profile with the access key.")]
DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Use a local store instead of a server.")
]
DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="Use this local database instead of a server.")
]
PoolName = Annotated[str | None, typer.Option("--pool", help="Which pool of the file.")]
Names = list[str] | None


def _opt(help_text: str, *names: str) -> Any:
    return typer.Option(*names, help=help_text)


Config = Annotated[str | None, _opt("default | manual configuration.", "--config")]
UpdateFlow = Annotated[
    str | None, _opt("auth update: manual (walk through all) | groups.", "--update-flow")
]
Services = Annotated[str | None, _opt("identityPoolAndUserPool | userPoolOnly.", "--services")]
ResourceName = Annotated[str | None, _opt("The pool's name in authpool.yaml.", "--resource-name")]
IdentityPoolName = Annotated[
    str | None, _opt("Identity pool name (recorded).", "--identity-pool-name")
]
AllowUnauth = Annotated[
    bool | None,
    _opt(
        "Allow unauthenticated logins (recorded).",
        "--allow-unauthenticated/--no-allow-unauthenticated",
    ),
]
UserPoolName = Annotated[str | None, _opt("The user pool's name.", "--pool-name")]
SignIn = Annotated[str | None, _opt("username | email | phone | email-phone.", "--sign-in")]
Alias = Annotated[
    Names,
    _opt(
        "With --sign-in username: also sign in with email, "
        "phone_number or preferred_username (repeat).",
        "--alias",
    ),
]
CaseSensitive = Annotated[
    bool | None,
    _opt("Usernames case-sensitive (default: not).", "--case-sensitive/--case-insensitive"),
]
Group = Annotated[Names, _opt("A user pool group, in order of precedence (repeat).", "--group")]
Mfa = Annotated[str | None, _opt("OFF | ON | OPTIONAL.", "--mfa")]
MfaType = Annotated[Names, _opt("SMS | TOTP | EMAIL (repeat).", "--mfa-type")]
SmsAuthMessage = Annotated[str | None, _opt("SMS MFA message ({####}).", "--sms-auth-message")]
EmailRegistration = Annotated[
    bool | None,
    _opt(
        "E-mail based registration and recovery (else by phone).",
        "--email-registration/--no-email-registration",
    ),
]
EmailSubject = Annotated[str | None, _opt("Verification e-mail subject.", "--email-subject")]
EmailMessage = Annotated[str | None, _opt("Verification e-mail ({####}).", "--email-message")]
SmsMessage = Annotated[str | None, _opt("Verification SMS ({####}).", "--sms-message")]
PasswordMin = Annotated[
    int | None, _opt("Minimum password length (6-99).", "--password-min-length")
]
PasswordRequire = Annotated[
    Names, _opt("lowercase | uppercase | numbers | symbols (repeat).", "--password-require")
]
Required = Annotated[Names, _opt("An attribute required at sign-up (repeat).", "--required")]
RefreshDays = Annotated[
    int | None, _opt("Refresh token lifetime in days (1-3650).", "--refresh-token-days")
]
Read = Annotated[Names, _opt("An attribute the app may read (repeat).", "--read")]
Write = Annotated[Names, _opt("An attribute the app may write (repeat).", "--write")]
Capability = Annotated[
    Names,
    _opt(
        f"A shipped example: {', '.join(wizard_questions.CAPABILITIES)} (repeat).", "--capability"
    ),
]
OAuth = Annotated[bool | None, _opt("Use an OAuth flow (a later release).", "--oauth/--no-oauth")]
Trigger = Annotated[
    Names,
    _opt(
        "NAME=TARGET: python:module:function, an https:// URL, or an example name (repeat).",
        "--trigger",
    ),
]

# The yes/no questions, which the flags above also imply.
GroupsWanted = Annotated[
    bool | None,
    _opt("Add user pool groups (auth update: --no-groups drops them).", "--groups/--no-groups"),
]
Advanced = Annotated[
    bool | None,
    _opt("Default configuration: answer the advanced questions too.", "--advanced/--no-advanced"),
]
PasswordOverride = Annotated[
    bool | None,
    _opt("Override the default password policy.", "--password-override/--no-password-override"),
]
SetAttributes = Annotated[
    bool | None,
    _opt(
        "Choose the attributes the app may read and write.", "--set-attributes/--no-set-attributes"
    ),
]
ConfigureTriggers = Annotated[
    bool | None, _opt("Configure Lambda triggers.", "--configure-triggers/--no-configure-triggers")
]
Confirmed = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
