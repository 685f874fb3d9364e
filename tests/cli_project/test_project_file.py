"""authpool.yaml: what it may say, errors that name the line, and writing it back unchanged."""

from __future__ import annotations

import re
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


HAND_EDITED = """\
# Our shop's pools. Ask Sam before changing the sign-in.
version: 1
pools:
  shop:
    name: shop_userpool
    clients:                       # clients first: they are what we touch most
      web:
        read_attributes: [email, given_name]
        write_attributes: [given_name, email]
    # people sign in with their e-mail address
    sign_in:
      username_attributes: [email]
    required_attributes: [email, given_name]
    mfa:
      mode: OFF                    # MFA comes in the spring
    groups:
      admins: {precedence: 1, description: "yes"}   # the description is a joke
endpoint: http://127.0.0.1:9229    # the dev server
"""


def test_a_rewrite_keeps_the_comments_the_order_and_the_quotes(tmp_path: Path) -> None:
    path = tmp_path / "authpool.yaml"
    path.write_text(HAND_EDITED)
    proj = project.load(path)
    shop = proj.pools["shop"]
    shop["mfa"].update(mode="OPTIONAL", methods=["TOTP"])
    shop["groups"]["staff"] = {**shop["groups"].pop("admins"), "description": "no"}
    project.save(proj)

    text = path.read_text()
    for comment in (
        "# Our shop's pools. Ask Sam before changing the sign-in.",
        "# clients first: they are what we touch most",
        "# people sign in with their e-mail address",
        "# MFA comes in the spring",
        "# the dev server",
    ):
        assert comment in text
    assert "mode: OPTIONAL" in text
    assert "methods: [TOTP]" in text
    assert "admins" not in text
    # The keys stay where the person put them: clients before sign_in, endpoint last.
    order = [text.index(k) for k in ("clients:", "sign_in:", "mfa:", "groups:", "endpoint:")]
    assert order == sorted(order)
    # New settings go in after their neighbours in the normal form, not at the end.
    assert text.index("alias_attributes:") < text.index("required_attributes:")
    # A string YAML 1.1 would read as a boolean is written quoted.
    again = project.load(path)
    assert again.pools == proj.pools
    assert again.pools["shop"]["groups"]["staff"]["description"] == "no"
    assert again.endpoint == "http://127.0.0.1:9229"


def test_an_unchanged_project_rewrites_a_hand_edited_file_unchanged_but_for_defaults(
    tmp_path: Path,
) -> None:
    path = tmp_path / "authpool.yaml"
    path.write_text(HAND_EDITED)
    project.save(project.load(path))
    first = path.read_text()
    project.save(project.load(path))
    assert path.read_text() == first  # a second rewrite changes nothing
    assert first.startswith("# Our shop's pools.")
    assert re.search(r"mode: 'OFF' +# MFA comes in the spring", first)
    assert 'description: "yes"}   # the description is a joke' in first


def test_the_comments_above_a_removed_setting_stay_with_the_next_one(tmp_path: Path) -> None:
    path = tmp_path / "authpool.yaml"
    path.write_text(
        "version: 1\n"
        "pools:\n"
        "  shop:\n"
        "    name: shop_userpool\n"
        "    groups:\n"
        "      admins:\n"
        "        precedence: 1\n"
        "      # editors write the catalogue\n"
        "      editors:\n"
        "        precedence: 2\n"
        "      legacy:\n"
        "        precedence: 3\n"
        "\n"
        "# where the dev server runs\n"
        "endpoint: http://127.0.0.1:9229\n"
    )
    proj = project.load(path)
    groups = proj.pools["shop"]["groups"]
    del groups["admins"], groups["legacy"]  # the first and the last
    project.save(proj)
    text = path.read_text()
    assert "admins" not in text
    assert "legacy" not in text
    assert text.index("# editors write the catalogue") < text.index("editors:")
    assert text.index("editors:") < text.index("# where the dev server runs")
    assert text.index("# where the dev server runs") < text.index("endpoint:")
    assert project.load(path).pools == proj.pools


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
