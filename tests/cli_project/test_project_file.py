"""authpool.yaml: what it may say, errors that name the line, and writing it back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from authpool.cli import project
from authpool.cli.project import ProjectError

from .helpers import cli

GOOD = """\
version: 1
endpoint: http://127.0.0.1:9229
pools:
  shop:
    name: shop_userpool
    sign_in:
      username_attributes: [email]
    required_attributes: [email, given_name]
    custom_attributes:
      tenant: {type: String, max_length: 64}
    verification:
      auto_verify: [email]
      email_subject: Your code
      email_message: "Your code is {####}"
    mfa:
      mode: OFF
    triggers:
      PreSignUp: python:shop.triggers:pre_sign_up
      PreTokenGeneration: {target: "python:shop.triggers:tokens", version: V2_0}
    groups:
      admins: {precedence: 1, description: People who run the shop}
    clients:
      web:
        read_attributes: [email, custom:tenant, given_name]
        write_attributes: [given_name, email]
"""


def parse(text: str) -> project.Project:
    return project.parse(text, Path("authpool.yaml"))


def error_of(text: str) -> str:
    with pytest.raises(ProjectError) as caught:
        parse(text)
    return str(caught.value)


def test_a_file_is_read_into_the_normal_form() -> None:
    shop = parse(GOOD).pools["shop"]
    assert shop["sign_in"] == {
        "username_attributes": ["email"],
        "alias_attributes": [],
        "case_sensitive": False,
    }
    # The standard attributes come in the schema's order, then custom ones.
    assert shop["required_attributes"] == ["given_name", "email"]
    assert shop["clients"]["web"]["read_attributes"] == ["given_name", "email", "custom:tenant"]
    # A bare OFF is a boolean to YAML 1.1; the file still means the MFA mode.
    assert shop["mfa"]["mode"] == "OFF"
    assert shop["triggers"]["PreTokenGeneration"] == {
        "target": "python:shop.triggers:tokens",
        "version": "V2_0",
    }
    # Defaults fill what the file leaves out.
    assert shop["password_policy"]["min_length"] == 8
    assert shop["clients"]["web"]["auth_flows"] == [
        "ALLOW_CUSTOM_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    assert shop["clients"]["web"]["refresh_token_days"] == 30


def test_what_is_written_reads_back_the_same() -> None:
    first = parse(GOOD)
    text = project.dump(first)
    again = parse(text)
    assert again.pools == first.pools
    assert again.endpoint == "http://127.0.0.1:9229"
    assert "mode: 'OFF'" in text  # quoted, so that it stays a string
    assert "PreSignUp: python:shop.triggers:pre_sign_up" in text


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ("mode: OFF", "mode: SOMETIMES", "authpool.yaml:16: pools.shop.mfa.mode: must be one of"),
        (
            'email_message: "Your code is {####}"',
            "email_message: Your code",
            "authpool.yaml:14: pools.shop.verification.email_message: must contain {####}",
        ),
        (
            "      username_attributes: [email]",
            "      username_attributes: [email, nickname]",
            "authpool.yaml:7: pools.shop.sign_in.username_attributes[1]: 'nickname' is not "
            "allowed here",
        ),
        (
            "    required_attributes: [email, given_name]",
            "    required_attributes: [email, given_name]\n    colour: blue",
            "authpool.yaml:9: pools.shop.colour: unknown setting 'colour'",
        ),
        (
            "      PreSignUp: python:shop.triggers:pre_sign_up",
            "      PreSignUp: ftp://somewhere",
            "authpool.yaml:18: pools.shop.triggers.PreSignUp.target: 'ftp://somewhere' is not "
            "valid",
        ),
        (
            "        write_attributes: [given_name, email]",
            "        write_attributes: [email]",
            "authpool.yaml:25: pools.shop.clients.web.write_attributes: required attributes "
            "must be writable: add given_name",
        ),
        (
            "      admins: {precedence: 1",
            "      admins: {precedence: -1",
            "authpool.yaml:21: pools.shop.groups.admins.precedence: must be between 0 and",
        ),
    ],
)
def test_a_problem_is_named_with_its_line(replace: str, by: str, expected: str) -> None:
    assert replace in GOOD
    assert error_of(GOOD.replace(replace, by)).startswith(expected)


def test_several_problems_are_counted() -> None:
    text = GOOD.replace("mode: OFF", "mode: SOMETIMES").replace("max_length: 64", "max_length: x")
    message = error_of(text)
    assert message.startswith("authpool.yaml:10: pools.shop.custom_attributes.tenant.max_length")
    assert message.endswith("(and 1 more problem)")


def test_a_repeated_key_and_broken_yaml_are_named_with_their_line() -> None:
    twice = GOOD.replace("  shop:\n", "  shop:\n    name: a\n", 1)
    assert error_of(twice) == "authpool.yaml:6: 'name' is given twice"
    broken = GOOD.replace("      admins: {precedence: 1,", "      admins: {precedence: [1,")
    assert error_of(broken).startswith("authpool.yaml:21: not valid YAML")


def test_aliases_and_username_attributes_exclude_each_other() -> None:
    text = GOOD.replace(
        "      username_attributes: [email]",
        "      username_attributes: [email]\n      alias_attributes: [preferred_username]",
    )
    assert "alias_attributes: aliases are for pools that sign in with a username" in error_of(text)


def test_the_command_line_reports_the_first_problem_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "authpool.yaml"
    path.write_text(GOOD.replace("mode: OFF", "mode: SOMETIMES"))
    line = cli("push", "--file", str(path), "--endpoint", "http://127.0.0.1:1").one_error_line()
    assert line.startswith("error: authpool.yaml:16: pools.shop.mfa.mode: must be one of")
    missing = cli("push", "--file", str(tmp_path / "nope.yaml")).one_error_line()
    assert "does not exist: create it with `authpool auth add`" in missing
