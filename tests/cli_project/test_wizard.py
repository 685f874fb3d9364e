"""``authpool auth add|update|remove``: the wizard driven by flags, by the prompt library's
test input, and in a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from tests.support.server import authpool_command, clean_env

from authpool.cli import project_commands, wizard

from .helpers import cli, read_yaml

DOWN, UP, CLEAR = "\x1b[B", "\x1b[A", "\x15"  # arrow keys; ctrl-U empties a text answer


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "shop" / "authpool.yaml"


@pytest.fixture(autouse=True)
def _project_dir(path: Path) -> None:
    path.parent.mkdir()


def add(path: Path, *flags: str) -> dict[str, Any]:
    cli("auth", "add", "--file", str(path), "--yes", *flags).ok()
    return read_yaml(path)


# flags --------------------------------------------------------------------------------------
def test_the_default_configuration_is_the_amplify_clis(path: Path) -> None:
    data = add(path)
    [(key, pool)] = data["pools"].items()
    assert key == "shop"  # the project directory's name, as Amplify names the resource
    assert pool["name"] == "shop_userpool"
    assert pool["sign_in"]["username_attributes"] == []
    assert pool["required_attributes"] == ["email"]
    assert pool["verification"] == {
        "auto_verify": ["email"],
        "email_subject": "Your verification code",
        "email_message": "Your verification code is {####}",
        "sms_message": "Your verification code is {####}",
    }
    assert pool["account_recovery"] == ["verified_email"]
    assert pool["password_policy"] == {
        "min_length": 8,
        "require_lowercase": False,
        "require_uppercase": False,
        "require_numbers": False,
        "require_symbols": False,
        "temporary_password_validity_days": 7,
    }
    assert pool["mfa"] == {"mode": "OFF", "methods": []}
    assert list(pool["clients"]) == ["shop_app_client"]
    assert pool["clients"]["shop_app_client"]["refresh_token_days"] == 30
    assert pool["identity_pool"] == {"name": "shop_identitypool", "allow_unauthenticated": False}


def test_every_question_has_a_flag(path: Path) -> None:
    pool = add(
        path,
        "--resource-name",
        "store",
        "--services",
        "userPoolOnly",
        "--pool-name",
        "store pool",
        "--sign-in",
        "email",
        "--case-sensitive",
        "--group",
        "admins",
        "--group",
        "editors",
        "--mfa",
        "OPTIONAL",
        "--mfa-type",
        "TOTP",
        "--mfa-type",
        "SMS",
        "--sms-auth-message",
        "Sign-in code: {####}",
        "--email-subject",
        "Welcome",
        "--email-message",
        "Your code: {####}",
        "--password-min-length",
        "12",
        "--password-require",
        "numbers",
        "--required",
        "email",
        "--required",
        "given_name",
        "--refresh-token-days",
        "7",
        "--read",
        "email",
        "--read",
        "given_name",
        "--read",
        "email_verified",
        "--write",
        "email",
        "--write",
        "given_name",
        "--capability",
        "add-claims",
        "--trigger",
        "PreSignUp=auto-confirm-domain",
        "--trigger",
        "CustomMessage=https://hooks.example.com/custom-message",
    )["pools"]["store"]
    assert pool["name"] == "store pool"
    assert pool["sign_in"] == {
        "username_attributes": ["email"],
        "alias_attributes": [],
        "case_sensitive": True,
    }
    assert pool["groups"] == {"admins": {"precedence": 1}, "editors": {"precedence": 2}}
    assert pool["mfa"] == {
        "mode": "OPTIONAL",
        "methods": ["SMS", "TOTP"],
        "sms_message": "Sign-in code: {####}",
    }
    assert pool["verification"]["email_subject"] == "Welcome"
    assert pool["verification"]["email_message"] == "Your code: {####}"
    assert pool["password_policy"]["min_length"] == 12
    assert pool["password_policy"]["require_numbers"] is True
    assert pool["password_policy"]["require_symbols"] is False
    assert pool["required_attributes"] == ["given_name", "email"]
    client = pool["clients"]["store_app_client"]
    assert client["refresh_token_days"] == 7
    assert client["read_attributes"] == ["given_name", "email", "email_verified"]
    assert client["write_attributes"] == ["given_name", "email"]
    assert pool["triggers"] == {
        "PreSignUp": "python:examples.triggers.auto_confirm_domain:handler",
        "PreTokenGeneration": "python:examples.triggers.add_claims:handler",
        "CustomMessage": "https://hooks.example.com/custom-message",
    }
    assert "identity_pool" not in pool


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--mfa", "ON", "--mfa-type", "SMS", "--sms-auth-message", "no code"],
            "--sms-auth-message: The message must include '{####}'",
        ),
        (["--mfa-type", "TOTP"], "--mfa-type does not apply with the other answers"),
        (["--oauth"], "--oauth: OAuth (the hosted UI) comes in a later release"),
        (["--sign-in", "fax"], "--sign-in: 'fax' is not one of username, email, phone"),
        (
            ["--sign-in", "phone", "--required", "email"],
            "--required: phone_number must be required",
        ),
        (["--password-min-length", "5"], "--password-min-length: Enter a whole number from 6"),
        (
            ["--capability", "email-otp", "--capability", "security-question"],
            "--capability: Choose one custom auth challenge flow.",
        ),
        (["--trigger", "PreSignUp=python:x"], "--trigger: PreSignUp: Name python:module:function"),
        (["--trigger", "Nope=python:a.b:c"], "--trigger 'Nope=python:a.b:c': expected NAME=TARGET"),
        (["--sign-in", "email", "--alias", "email"], "--alias goes with --sign-in username"),
        (["--config", "default", "--mfa", "ON"], "--mfa does not apply"),
    ],
)
def test_a_flag_is_checked_like_a_typed_answer(path: Path, flags: list[str], message: str) -> None:
    line = cli("auth", "add", "--file", str(path), "--yes", *flags).one_error_line()
    assert message in line
    assert not path.exists()


def test_without_yes_the_wizard_needs_a_terminal(path: Path) -> None:
    line = cli("auth", "add", "--file", str(path)).one_error_line()
    assert "the wizard needs a terminal: answer with flags and --yes" in line


def test_a_second_add_of_the_same_resource_is_refused(path: Path) -> None:
    add(path)
    line = cli("auth", "add", "--file", str(path), "--yes").one_error_line()
    assert "already has a pool named shop: change it with `authpool auth update`" in line
    added = add(path, "--resource-name", "other")
    assert list(added["pools"]) == ["shop", "other"]


def test_update_changes_what_is_given_and_keeps_the_rest(path: Path) -> None:
    add(path, "--group", "admins", "--refresh-token-days", "9")
    text = path.read_text().replace("custom_attributes: {}", "custom_attributes:\n      tier: {}")
    path.write_text(text)
    cli(
        "auth",
        "update",
        "--file",
        str(path),
        "--yes",
        "--sign-in",
        "email",
        "--mfa",
        "ON",
        "--mfa-type",
        "TOTP",
    ).ok()
    pool = read_yaml(path)["pools"]["shop"]
    assert pool["sign_in"]["username_attributes"] == ["email"]
    assert pool["mfa"] == {"mode": "ON", "methods": ["TOTP"]}
    assert pool["groups"] == {"admins": {"precedence": 1}}
    assert pool["custom_attributes"] == {
        "tier": {"type": "String", "mutable": True, "developer_only": False}
    }
    assert pool["clients"]["shop_app_client"]["refresh_token_days"] == 9
    # The groups-only flow touches nothing else.
    cli(
        "auth",
        "update",
        "--file",
        str(path),
        "--yes",
        "--update-flow",
        "groups",
        "--group",
        "editors",
        "--group",
        "admins",
    ).ok()
    again = read_yaml(path)["pools"]["shop"]
    assert again["groups"] == {"editors": {"precedence": 1}, "admins": {"precedence": 2}}
    assert {k: v for k, v in again.items() if k != "groups"} == {
        k: v for k, v in pool.items() if k != "groups"
    }


def test_update_keeps_the_comments_written_by_hand(path: Path) -> None:
    add(path, "--group", "admins")
    text = path.read_text()
    text = text.replace("  shop:\n", "  shop:   # the web shop (ask Sam)\n", 1)
    text = text.replace("    mfa:\n", "    # MFA: SMS costs money, TOTP only\n    mfa:\n", 1)
    path.write_text("# our pools\n" + text)
    cli("auth", "update", "--file", str(path), "--yes", "--mfa", "ON", "--mfa-type", "TOTP").ok()
    updated = path.read_text()
    assert updated.startswith("# our pools\n")
    assert "  shop:   # the web shop (ask Sam)\n" in updated
    assert "    # MFA: SMS costs money, TOTP only\n    mfa:\n      mode: 'ON'\n" in updated
    assert read_yaml(path)["pools"]["shop"]["mfa"] == {"mode": "ON", "methods": ["TOTP"]}


def test_the_yes_no_questions_have_flags_too(path: Path) -> None:
    add(path, "--group", "admins", "--password-override", "--no-set-attributes")
    cli("auth", "update", "--file", str(path), "--yes", "--no-groups").ok()
    assert read_yaml(path)["pools"]["shop"]["groups"] == {}
    line = cli(
        "auth", "update", "--file", str(path), "--yes", "--no-groups", "--group", "x"
    ).one_error_line()
    assert "--group does not apply" in line
    line = cli(
        "auth",
        "update",
        "--file",
        str(path),
        "--yes",
        "--no-configure-triggers",
        "--trigger",
        "PreSignUp=auto-confirm-domain",
    ).one_error_line()
    assert "does not apply" in line


def test_remove_takes_the_pool_out_and_marks_it_for_deletion(path: Path) -> None:
    add(path)
    text = path.read_text().replace(
        "    name: shop_userpool\n", "    name: shop_userpool\n    id: us-east-1_Abc123\n"
    )
    path.write_text(text)
    line = cli("auth", "remove", "--file", str(path)).one_error_line()
    assert "needs confirmation: run with --yes" in line
    cli("auth", "remove", "--file", str(path), "--yes").ok()
    data = read_yaml(path)
    assert data["pools"] == {}
    assert data["removed"] == [{"name": "shop_userpool", "id": "us-east-1_Abc123"}]


# the prompt library's test input ------------------------------------------------------------------
class Recording:
    """The terminal prompter, fed from a pipe, noting every question asked."""

    def __init__(self, inner: wizard.QuestionaryPrompter) -> None:
        self.inner = inner
        self.asked: list[str] = []

    def note(self, text: str) -> None:
        self.inner.note(text)

    def select(self, text: str, choices: list[wizard.Choice], default: str) -> str:
        self.asked.append(text)
        return self.inner.select(text, choices, default)

    def checkbox(
        self,
        text: str,
        choices: list[wizard.Choice],
        default: list[str],
        check: Callable[[list[str]], str | None],
    ) -> list[str]:
        self.asked.append(text)
        return self.inner.checkbox(text, choices, default, check)

    def text(self, text: str, default: str, check: Callable[[str], str | None]) -> str:
        self.asked.append(text)
        return self.inner.text(text, default, check)

    def confirm(self, text: str, default: bool) -> bool:
        self.asked.append(text)
        return self.inner.confirm(text, default)


@pytest.fixture
def keyboard(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Recording]]:
    with create_pipe_input() as pipe:
        recording = Recording(wizard.QuestionaryPrompter(input=pipe, output=DummyOutput()))
        monkeypatch.setattr(project_commands, "_prompter", lambda yes: None if yes else recording)
        yield pipe, recording


AMPLIFY_ORDER = [
    "Do you want to use the default authentication and security configuration?",
    "Select the authentication/authorization services that you want to use:",
    "Provide a friendly name for your resource that will be used to label this category in "
    "the project:",
    "Enter a name for your identity pool.",
    "Allow unauthenticated logins? (Provides scoped down permissions that you can control via "
    "AWS IAM)",
    "Provide a name for your user pool:",
    "How do you want users to be able to sign in?",
    "Do you want to add User Pool Groups?",
    "Provide a name for your user pool group:",
    "Do you want to add another User Pool Group",
    "Provide a name for your user pool group:",
    "Do you want to add another User Pool Group",
    "Multifactor authentication (MFA) user login options:",
    "For user login, select the MFA types:",
    "Specify an SMS authentication message:",
    "Email based user registration/forgot password:",
    "Specify an email verification subject:",
    "Specify an email verification message:",
    "Do you want to override the default password policy for this User Pool?",
    "Enter the minimum password length for this User Pool:",
    "Select the password character requirements for your userpool:",
    "What attributes are required for signing up?",
    "Specify the app's refresh token expiration period (in days):",
    "Do you want to specify the user attributes this app can read and write?",
    "Do you want to enable any of the following capabilities?",
    "Do you want to use an OAuth flow?",
    "Do you want to configure Lambda Triggers for Cognito?",
    "Which triggers do you want to enable for Cognito?",
    "What functionality do you want to use for Custom Message?",
    "Webhook URL for Custom Message:",
    "What functionality do you want to use for Pre Sign-up?",
]


def test_a_manual_walkthrough_asks_amplifys_questions_in_order(
    path: Path, keyboard: tuple[Any, Recording]
) -> None:
    pipe, recording = keyboard
    keys = [
        DOWN + "\r",  # Manual configuration (the social choice is disabled, so skipped)
        "\r",  # user pool and identity pool
        CLEAR + "store\r",  # resource name
        "\r",  # identity pool name: store_identitypool
        UP + "\r",  # allow unauthenticated logins: Yes
        "\r",  # user pool name: store_userpool
        DOWN + "\r",  # sign in with: Email
        UP + "\r",  # groups: Yes
        "admins\r",
        "y",
        "editors\r",
        "n",  # two groups
        DOWN + DOWN + "\r",  # MFA: OPTIONAL
        DOWN + " \r",  # MFA types: SMS (ticked already) and TOTP
        "\r",  # SMS authentication message: the default
        "\r",  # e-mail based registration: Enabled
        CLEAR + "Welcome to the store\r",  # subject
        "\r",  # message: the default
        "y",  # override the password policy
        CLEAR + "12\r",  # minimum length
        " " + DOWN + DOWN + " \r",  # lowercase and numbers
        DOWN * 7 + " \r",  # required: email (ticked already) and Given Name
        CLEAR + "7\r",  # refresh tokens: 7 days
        "n",  # read and write attributes: all
        DOWN + " \r",  # capabilities: Override ID Token Claims
        "\r",  # OAuth: No (Yes is disabled)
        "y",  # Lambda triggers
        DOWN + " " + DOWN * 5 + " \r",  # Custom Message and Pre Sign-up
        DOWN + "\r",  # Custom Message: a webhook
        "https://hooks.example.com/custom-message\r",
        "\r",  # Pre Sign-up: the shipped example
    ]
    pipe.send_text("".join(keys))
    pipe.close()  # the keys, then end of input: a prompt left waiting aborts the wizard
    run = cli("auth", "add", "--file", str(path)).ok()
    assert recording.asked == AMPLIFY_ORDER
    assert "unlike Cognito, authpool lets you change this later" in run.err
    pool = read_yaml(path)["pools"]["store"]
    assert pool["name"] == "store_userpool"
    assert pool["identity_pool"] == {"name": "store_identitypool", "allow_unauthenticated": True}
    assert pool["sign_in"]["username_attributes"] == ["email"]
    assert pool["groups"] == {"admins": {"precedence": 1}, "editors": {"precedence": 2}}
    assert pool["mfa"] == {
        "mode": "OPTIONAL",
        "methods": ["SMS", "TOTP"],
        "sms_message": "Your authentication code is {####}",
    }
    assert pool["verification"]["email_subject"] == "Welcome to the store"
    policy = pool["password_policy"]
    assert (policy["min_length"], policy["require_lowercase"], policy["require_numbers"]) == (
        12,
        True,
        True,
    )
    assert policy["require_uppercase"] is False
    assert pool["required_attributes"] == ["given_name", "email"]
    assert pool["clients"]["store_app_client"]["refresh_token_days"] == 7
    assert pool["triggers"] == {
        "PreTokenGeneration": "python:examples.triggers.add_claims:handler",
        "CustomMessage": "https://hooks.example.com/custom-message",
        "PreSignUp": "python:examples.triggers.auto_confirm_domain:handler",
    }


def test_update_walks_through_with_the_current_settings_as_defaults(
    path: Path, keyboard: tuple[Any, Recording]
) -> None:
    add(
        path,
        "--sign-in",
        "email",
        "--mfa",
        "ON",
        "--mfa-type",
        "TOTP",
        "--group",
        "admins",
        "--refresh-token-days",
        "5",
    )
    before = read_yaml(path)["pools"]["shop"]
    pipe, recording = keyboard
    # Enter everywhere keeps every setting; one change: MFA OPTIONAL instead of ON.
    answers = ["\r"] * 7 + [DOWN + "\r"] + ["\r"] * 6 + ["\r", "n", "\r", "\r", "n"]
    pipe.send_text("".join(answers))
    pipe.close()
    cli("auth", "update", "--file", str(path)).ok()
    after = read_yaml(path)["pools"]["shop"]
    assert recording.asked[0] == "What do you want to do?"
    assert after["mfa"]["mode"] == "OPTIONAL"
    assert {**after, "mfa": before["mfa"]} == before


# a real terminal ----------------------------------------------------------------------------------
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\r")


class Terminal:
    """The controlling side of a pseudo-terminal running a command."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.seen = ""

    def expect(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in ANSI.sub("", self.seen):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"never saw {text!r}; the screen had:\n{self.screen}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the command ended before {text!r}:\n{self.screen}")
                self.seen += chunk.decode(errors="replace")

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    @property
    def screen(self) -> str:
        return ANSI.sub("", self.seen)


def test_the_wizard_in_a_pseudo_terminal(path: Path) -> None:
    controller, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    env = clean_env({"TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"})
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [*authpool_command(), "auth", "add", "--file", str(path)],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        close_fds=True,
    )
    os.close(child)
    term = Terminal(controller)
    try:
        term.expect("Do you want to use the default authentication and security configuration?")
        term.send("\r")  # Default configuration
        term.expect("How do you want users to be able to sign in?")
        assert "authpool lets you change this later" in term.screen
        term.send(DOWN + DOWN + "\r")  # Phone Number
        term.expect("Do you want to configure advanced settings?")
        term.send(DOWN + "\r")  # Yes
        term.expect("What attributes are required for signing up?")
        term.send("\r")  # as proposed: the phone number (sign-in) and the e-mail (verified)
        term.expect("Do you want to enable any of the following capabilities?")
        term.send("\r")  # none
        term.expect("Next: `authpool push`")
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(controller)
    pool = read_yaml(path)["pools"]["shop"]
    assert pool["sign_in"]["username_attributes"] == ["phone_number"]
    assert pool["required_attributes"] == ["email", "phone_number"]
