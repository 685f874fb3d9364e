from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authpool.domain import templates
from authpool.domain.templates import (
    check_invitation_template,
    check_link_template,
    check_subject,
    check_verification_template,
    mask_email,
    mask_phone,
    render,
)

# --- render -----------------------------------------------------------------------------


def test_render_fills_both_placeholders() -> None:
    assert (
        render(templates.DEFAULT_INVITE_MESSAGE, code="Tmp-Pass1", username="alice")
        == "Your username is alice and temporary password is Tmp-Pass1. "
    )


def test_render_fills_every_occurrence() -> None:
    assert render("{####} / {####}", code="123456", username=None) == "123456 / 123456"


def test_render_leaves_a_placeholder_without_a_value() -> None:
    assert render("Hi {username}, {####}", code="123456", username=None) == "Hi {username}, 123456"
    assert render("Hi {username}, {####}", code=None, username="bob") == "Hi bob, {####}"


def test_render_is_one_pass() -> None:
    # A user name that looks like a placeholder must not receive the code.
    assert render("{username}:{####}", code="999", username="{####}") == "{####}:999"
    assert render("{####}", code="{username}", username="eve") == "{username}"


def test_render_ignores_near_misses() -> None:
    text = "{###} {#####} {USERNAME} { username } {{####}}"
    assert render(text, code="1", username="u") == "{###} {#####} {USERNAME} { username } {1}"


def test_render_keeps_html_and_unicode() -> None:
    assert render("<b>{####}</b> für {username}", code="0", username="zoë") == "<b>0</b> für zoë"


@settings(deadline=None)  # no per-example deadline on a loaded CI machine
@given(st.text(), st.text())
def test_render_never_leaks_a_value_into_a_placeholder(code: str, username: str) -> None:
    out = render("[{####}][{username}]", code=code, username=username)
    assert out == f"[{code}][{username}]"


# --- defaults ---------------------------------------------------------------------------


def test_defaults_are_cognitos_text() -> None:
    assert templates.DEFAULT_EMAIL_VERIFICATION_SUBJECT == "Your verification code"
    assert templates.DEFAULT_EMAIL_VERIFICATION_MESSAGE == "Your verification code is {####}. "
    assert templates.DEFAULT_SMS_VERIFICATION_MESSAGE == "Your verification code is {####}. "
    assert templates.DEFAULT_SMS_AUTHENTICATION_MESSAGE == "Your authentication code is {####}. "
    assert templates.DEFAULT_INVITE_EMAIL_SUBJECT == "Your temporary password"
    assert (
        templates.DEFAULT_INVITE_MESSAGE
        == "Your username is {username} and temporary password is {####}. "
    )
    assert templates.DEFAULT_FORGOT_PASSWORD_SUBJECT == "Your verification code"
    assert templates.DEFAULT_FORGOT_PASSWORD_MESSAGE == "Your password reset code is {####}"
    assert templates.DEFAULT_EMAIL_VERIFICATION_SUBJECT_BY_LINK == "Your verification link"


@pytest.mark.parametrize(
    "text",
    [
        templates.DEFAULT_EMAIL_VERIFICATION_MESSAGE,
        templates.DEFAULT_FORGOT_PASSWORD_MESSAGE,
    ],
)
def test_default_email_code_templates_pass_their_own_check(text: str) -> None:
    assert check_verification_template(text) is None


@pytest.mark.parametrize(
    "text",
    [templates.DEFAULT_SMS_VERIFICATION_MESSAGE, templates.DEFAULT_SMS_AUTHENTICATION_MESSAGE],
)
def test_default_sms_templates_pass_their_own_check(text: str) -> None:
    assert check_verification_template(text, sms=True) is None


def test_default_invitation_link_and_subjects_pass_their_own_checks() -> None:
    assert check_invitation_template(templates.DEFAULT_INVITE_MESSAGE) is None
    assert check_invitation_template(templates.DEFAULT_INVITE_MESSAGE, sms=True) is None
    assert check_link_template(templates.DEFAULT_EMAIL_VERIFICATION_MESSAGE_BY_LINK) is None
    for subject in (
        templates.DEFAULT_EMAIL_VERIFICATION_SUBJECT,
        templates.DEFAULT_EMAIL_VERIFICATION_SUBJECT_BY_LINK,
        templates.DEFAULT_INVITE_EMAIL_SUBJECT,
        templates.DEFAULT_FORGOT_PASSWORD_SUBJECT,
    ):
        assert check_subject(subject) is None


# --- checks -----------------------------------------------------------------------------


def test_verification_template_needs_the_code_placeholder() -> None:
    assert check_verification_template("Your code is {####}") is None
    problem = check_verification_template("Your code is coming")
    assert problem == "email message must contain the {####} placeholder"
    assert check_verification_template("Your code is ####") is not None
    assert check_verification_template("Hi {username}, welcome") is not None


def test_verification_template_length_bounds_for_email() -> None:
    assert check_verification_template("{####}") is None  # exactly 6
    assert (
        check_verification_template("{###}") == "email message must be at least 6 characters long"
    )
    longest = "{####}" + "x" * (20_000 - 6)
    assert check_verification_template(longest) is None
    assert (
        check_verification_template(longest + "x")
        == "email message must be at most 20000 characters long"
    )


def test_verification_template_length_bounds_for_sms() -> None:
    longest = "{####}" + "x" * 134
    assert check_verification_template(longest, sms=True) is None
    assert (
        check_verification_template(longest + "x", sms=True)
        == "SMS message must be at most 140 characters long"
    )
    assert (
        check_verification_template("", sms=True)
        == "SMS message must be at least 6 characters long"
    )
    assert check_verification_template("abcdef", sms=True) == (
        "SMS message must contain the {####} placeholder"
    )


def test_link_template() -> None:
    assert check_link_template("Click {##here##} please") is None
    assert check_link_template("Click {####}") == (
        "email message by link must contain a {##link text##} placeholder"
    )
    assert check_link_template("{##}") == "email message by link must be at least 6 characters long"
    assert check_link_template("{####}{##a\nb##}") is None


def test_invitation_needs_the_password_placeholder_only_with_passwords() -> None:
    assert check_invitation_template("Welcome {username}, use {####}") is None
    assert check_invitation_template("Welcome, use {####}") is None  # {username} optional
    assert check_invitation_template("Welcome {username}!") == (
        "email invitation message must contain the {####} temporary password placeholder"
    )
    assert check_invitation_template("Welcome {username}!", with_password=False) is None
    assert check_invitation_template("Hi {username}", sms=True) == (
        "SMS invitation message must contain the {####} temporary password placeholder"
    )


def test_invitation_length_bounds() -> None:
    assert check_invitation_template("{####}" + "x" * 135, sms=True) == (
        "SMS invitation message must be at most 140 characters long"
    )
    assert check_invitation_template("tiny", with_password=False) == (
        "email invitation message must be at least 6 characters long"
    )


def test_subject() -> None:
    assert check_subject("x") is None
    assert check_subject("x" * 140) is None
    assert check_subject("") == "email subject must be at least 1 characters long"
    assert check_subject("x" * 141) == "email subject must be at most 140 characters long"
    assert (
        check_subject("Hello\r\nBcc: victim@example.com") == "email subject must be a single line"
    )
    assert check_subject("Hello\nthere") == "email subject must be a single line"


# --- masking ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("alice@example.com", "a***@e***"),
        ("sulishi141592653@gmail.com", "s***@g***"),
        ("todone_test@yahoo.co.jp", "t***@y***"),
        ("a@b.co", "a***@b***"),
        ("Bob.Smith@Example.ORG", "B***@E***"),
        ("first.last+tag@sub.domain.example", "f***@s***"),
        ('"odd@local"@example.com', '"***@e***'),
        ("zoë@exämple.de", "z***@e***"),
    ],
)
def test_mask_email(address: str, masked: str) -> None:
    assert mask_email(address) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [("", "***"), ("no-at-sign", "n***"), ("@example.com", "@***"), ("alice@", "a***")],
)
def test_mask_email_degenerate(address: str, masked: str) -> None:
    assert mask_email(address) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+14155550123", "+*******0123"),  # US, 11 digits
        ("+447911123456", "+********3456"),  # UK mobile, 12 digits
        ("+919876540276", "+********0276"),  # India, 12 digits
        ("+5511987654516", "+*********4516"),  # Brazil mobile, 13 digits
        ("+3581234567", "+******4567"),  # Finland, 10 digits
        ("+12345", "+*2345"),
        ("+1234", "+****"),
        ("+", "+"),
        ("4155550123", "******0123"),
        ("", ""),
    ],
)
def test_mask_phone(number: str, masked: str) -> None:
    assert mask_phone(number) == masked


@settings(deadline=None)  # no per-example deadline on a loaded CI machine
@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_mask_phone_keeps_length_and_last_four(number: str) -> None:
    masked = mask_phone(number)
    assert len(masked) == len(number)
    assert masked[-4:] == number[-4:]
    assert set(masked[1:-4]) == {"*"}


@settings(deadline=None)  # no per-example deadline on a loaded CI machine
@given(st.emails())
def test_mask_email_shows_two_characters_at_most(address: str) -> None:
    masked = mask_email(address)
    assert masked == f"{address[0]}***@{address.rpartition('@')[2][0]}***"
