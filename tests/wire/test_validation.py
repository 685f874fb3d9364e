"""Request validation against the Cognito model: every operation, and Cognito's wording."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from botocore.model import ShapeResolver
from tests.support.badinputs import bad_cases, bad_inputs, full_input, valid_input

from authpool.wire import model, validation
from authpool.wire.model import (
    UnsupportedJavaPattern,
    compile_java_pattern,
    translate_java_pattern,
)
from authpool.wire.validation import ValidationFailed, validate

OPERATIONS = sorted(model.operation_names())


def failure(operation: str, body: object) -> str:
    with pytest.raises(ValidationFailed) as caught:
        validate(operation, body)
    return caught.value.message


# --- every operation of the model ----------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
def test_minimal_valid_input_is_accepted(operation: str) -> None:
    validate(operation, valid_input(operation))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_full_valid_input_is_accepted(operation: str) -> None:
    validate(operation, full_input(operation))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_bad_input_is_refused_naming_the_member(operation: str) -> None:
    cases = list(bad_cases(operation))
    assert cases
    for case in cases:
        with pytest.raises(ValidationFailed) as caught:
            validate(operation, case.body)
        assert f"'{case.path}'" in caught.value.message, case.description


def test_bad_inputs_cover_every_kind_of_fault() -> None:
    kinds: Counter[str] = Counter()
    for operation in OPERATIONS:
        for description, _ in bad_inputs(operation):
            for kind in ("missing", "null", "instead of", "over max length", "under min",
                         "over maximum", "under minimum", "not in the enum", "off pattern",
                         "items, max", "entries, max", "empty map key"):  # fmt: skip
                kinds[kind] += kind in description
    assert all(kinds.values()), kinds


def test_bad_inputs_are_described() -> None:
    descriptions = dict(bad_inputs("SignUp"))
    assert "missing clientId" in descriptions
    assert "missing username" in descriptions
    assert "username: one over max length 128" in descriptions
    assert "userAttributes.1.member.name: a number instead of a string" in descriptions


# --- messages in Cognito's words ----------------------------------------------------


def test_pattern_message() -> None:
    assert failure("AdminGetUser", {"UserPoolId": "no-underscore", "Username": "bob"}) == (
        "1 validation error detected: Value 'no-underscore' at 'userPoolId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
    )


def test_missing_member_message() -> None:
    assert failure("SignUp", {"Username": "bob", "Password": "secret1"}) == (
        "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_null_member_is_missing() -> None:
    body = {"ClientId": None, "Username": "bob", "Password": "secret1"}
    assert "Value null at 'clientId'" in failure("SignUp", body)


def test_sensitive_values_are_left_out() -> None:
    # UsernameType is sensitive in the model, as AWS's own messages show.
    body = {"ClientId": "abc", "Username": "x" * 129, "Password": "secret1"}
    assert failure("SignUp", body) == (
        "1 validation error detected: Value at 'username' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )


def test_non_sensitive_values_are_shown() -> None:
    body = {"GroupName": "g" * 129, "UserPoolId": "us-east-1_abc"}
    assert failure("CreateGroup", body) == (
        f"1 validation error detected: Value '{'g' * 129}' at 'groupName' failed to satisfy "
        "constraint: Member must have length less than or equal to 128"
    )


def test_length_and_pattern_both_reported() -> None:
    body = {"GroupName": "", "UserPoolId": "us-east-1_abc"}
    assert failure("CreateGroup", body) == (
        "2 validation errors detected: "
        "Value '' at 'groupName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        "Value '' at 'groupName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
    )


def test_length_is_counted_in_code_points() -> None:
    body = {"GroupName": "😀" * 128, "UserPoolId": "us-east-1_abc"}
    validate("CreateGroup", body)  # 256 UTF-16 units, 512 bytes, 128 code points


def test_range_messages() -> None:
    assert failure("ListUsers", {"UserPoolId": "us-east-1_abc", "Limit": 100}) == (
        "1 validation error detected: Value '100' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 60"
    )
    assert failure("ListUserPools", {"MaxResults": 0}) == (
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_nested_path_and_enum_in_a_list() -> None:
    body = {
        "PoolName": "p",
        "Policies": {"PasswordPolicy": {"MinimumLength": 5}},
        "AliasAttributes": ["email", "nickname"],
    }
    assert failure("CreateUserPool", body) == (
        "2 validation errors detected: "
        "Value '5' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: "
        "Member must have value greater than or equal to 6; "
        "Value 'nickname' at 'aliasAttributes.2.member' failed to satisfy constraint: "
        "Member must satisfy enum value set: [phone_number, email, preferred_username]"
    )


def test_list_item_member_path() -> None:
    body = {
        "ClientId": "abc",
        "Username": "bob",
        "Password": "secret1",
        "UserAttributes": [{"Name": "email", "Value": "b@example.com"}, {"Value": "x"}],
    }
    assert failure("SignUp", body) == (
        "1 validation error detected: Value null at 'userAttributes.2.member.name' failed to "
        "satisfy constraint: Member must not be null"
    )


def test_null_list_item() -> None:
    body = {"PoolName": "p", "AliasAttributes": ["email", None]}
    assert failure("CreateUserPool", body) == (
        "1 validation error detected: Value null at 'aliasAttributes.2.member' failed to "
        "satisfy constraint: Member must not be null"
    )


def test_list_size_messages() -> None:
    flows = ["code", "implicit", "client_credentials", "code"]
    body = {"UserPoolId": "us-east-1_abc", "ClientName": "c", "AllowedOAuthFlows": flows}
    assert failure("CreateUserPoolClient", body) == (
        "1 validation error detected: Value '[code, implicit, client_credentials, code]' at "
        "'allowedOAuthFlows' failed to satisfy constraint: "
        "Member must have length less than or equal to 3"
    )
    body = {"UserPoolId": "us-east-1_abc", "CustomAttributes": []}
    assert failure("AddCustomAttributes", body) == (
        "1 validation error detected: Value '[]' at 'customAttributes' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"
    )


def test_lists_holding_sensitive_values_are_not_shown() -> None:
    too_many = [{"Name": "a", "Value": "secret"}] * 26
    body = {"UserPoolId": "us-east-1_abc", "CustomAttributes": too_many}
    message = failure("AddCustomAttributes", body)
    # SchemaAttributeType holds no sensitive member: the list is echoed ...
    assert message.startswith("1 validation error detected: Value '[{Name=a, Value=secret}")
    # ... whereas AttributeType.Value is sensitive, so an item holding one is not.
    attributes = [{"Name": "n" * 33, "Value": "secret"}]
    body = {"UserPoolId": "us-east-1_abc", "Username": "bob", "UserAttributes": attributes}
    assert "secret" not in failure("AdminUpdateUserAttributes", body)


def test_errors_are_listed_at_most_ten() -> None:
    attributes = [{"Name": "n" * 33, "Value": "v"} for _ in range(12)]
    body = {"UserPoolId": "us-east-1_abc", "Username": "bob", "UserAttributes": attributes}
    message = failure("AdminUpdateUserAttributes", body)
    assert message.startswith("10 validation errors detected: Value '")
    listed = message.split(": ", 1)[1].split("; ")
    assert len(listed) == 10
    assert listed[9].startswith(f"Value '{'n' * 33}' at 'userAttributes.10.member.name'")


def test_map_key_and_value_messages() -> None:
    links = {"cognito:default": "https://example.com/terms", "klingon": "bad url"}
    body = {
        "UserPoolId": "us-east-1_abc",
        "ClientId": "abc",
        "TermsName": "terms-of-use",
        "TermsSource": "LINK",
        "Enforcement": "NONE",
        "Links": links,
    }
    rendered = "{cognito:default=https://example.com/terms, klingon=bad url}"
    key_pattern = (
        "^cognito:(default|dutch|english|french|spanish|german|bahasa-indonesia|italian|"
        "japanese|korean|portuguese-brazil|chinese-(simplified|traditional))$"
    )
    value_rules = (
        "Member must have length less than or equal to 1024, "
        "Member must have length greater than or equal to 1, "
        "Member must satisfy regular expression pattern: ^[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+$"
    )
    assert failure("CreateTerms", body) == (
        "2 validation errors detected: "
        f"Value '{rendered}' at 'links' failed to satisfy constraint: "
        f"Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
        f"{key_pattern}]; "
        f"Value '{rendered}' at 'links' failed to satisfy constraint: "
        f"Map value must satisfy constraint: [{value_rules}]"
    )


def test_map_null_value_and_size() -> None:
    body = {"ClientId": "abc", "Username": "bob", "Password": "secret1"}
    message = failure("SignUp", {**body, "ClientMetadata": {"a": None}})
    assert message == (
        "1 validation error detected: Value '{a=null}' at 'clientMetadata' failed to satisfy "
        "constraint: Map value must satisfy constraint: [Member must have length less than or "
        "equal to 131072, Member must have length greater than or equal to 0, "
        "Member must not be null]"
    )
    terms = {
        "UserPoolId": "us-east-1_abc",
        "ClientId": "abc",
        "TermsName": "terms-of-use",
        "TermsSource": "LINK",
        "Enforcement": "NONE",
        "Links": {},
    }
    assert failure("CreateTerms", terms) == (
        "1 validation error detected: Value '{}' at 'links' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_sensitive_maps_are_not_shown() -> None:
    body = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "abc", "AuthParameters": {"P": None}}
    assert failure("InitiateAuth", body).startswith(
        "1 validation error detected: Value at 'authParameters' failed to satisfy constraint: "
        "Map value must satisfy constraint: ["
    )


def test_unknown_members_are_ignored() -> None:
    validate("SignUp", {"ClientId": "abc", "Username": "bob", "Extra": {"x": [1]}, "clientId": 1})


def test_documents_hold_any_json() -> None:
    body = {"UserPoolId": "us-east-1_abc", "Credential": [1, "two", {"three": None}]}
    validate("CompleteWebAuthnRegistration", {**body, "AccessToken": "t"})


def test_unknown_operation() -> None:
    with pytest.raises(model.UnknownOperation):
        validate("MakeCoffee", {})


# --- wrong JSON types -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": "8"}}},
            "Invalid value type at 'policies.passwordPolicy.minimumLength': expected an "
            "integer between -2147483648 and 2147483647 (a JSON number without fraction), "
            "got a string",
        ),
        (
            {"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": True}}},
            "got a boolean",
        ),
        ({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 8.0}}}, "a number"),
        ({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 2**31}}}, "between"),
        ({"PoolName": 5}, "Invalid value type at 'poolName': expected a string, got a number"),
        ({"PoolName": "p", "MfaConfiguration": None, "AliasAttributes": "email"}, "a list"),
        ({"PoolName": "p", "Policies": []}, "at 'policies': expected an object, got a list"),
        ({"PoolName": "p", "UserPoolTags": ["a"]}, "at 'userPoolTags': expected an object"),
        ({"PoolName": "p", "UserPoolTags": {"a": 1}}, "at 'userPoolTags.a': expected a string"),
        ({"PoolName": "p", "DeletionProtection": True}, "'deletionProtection': expected a str"),
        (
            {"PoolName": "p", "Policies": {"PasswordPolicy": {"RequireNumbers": "yes"}}},
            "at 'policies.passwordPolicy.requireNumbers': expected a boolean, got a string",
        ),
    ],
)
def test_wrong_json_types(body: dict[str, object], message: str) -> None:
    assert message in failure("CreateUserPool", body)


def test_top_level_must_be_an_object() -> None:
    assert failure("SignUp", ["x"]) == "The request body must be a JSON object, not a list"
    assert failure("SignUp", None) == "The request body must be a JSON object, not null"
    assert failure("SignUp", "x") == "The request body must be a JSON object, not a string"


def test_type_error_wins_over_constraint_errors() -> None:
    body = {"ClientId": "", "Username": 5, "Password": "x"}
    assert failure("SignUp", body) == (
        "Invalid value type at 'username': expected a string, got a number"
    )


def test_blob_values() -> None:
    body = {"UserPoolId": "us-east-1_abc", "ImageFile": "not base64!"}
    assert failure("SetUICustomization", body) == "Invalid base64 value at 'imageFile'"
    assert "expected a base64-encoded string, got a number" in failure(
        "SetUICustomization", {**body, "ImageFile": 5}
    )
    big = "A" * (131073 * 4 // 3 + 4)
    assert failure("SetUICustomization", {**body, "ImageFile": big}) == (
        "1 validation error detected: Value at 'imageFile' failed to satisfy constraint: "
        "Member must have length less than or equal to 131072"
    )
    validate("SetUICustomization", {**body, "ImageFile": "aGk="})


# --- synthetic shapes: what the Cognito model does not (yet) use -----------------------


def synthetic(shapes: dict[str, dict[str, object]], name: str) -> validation._Checker:
    return validation._build(ShapeResolver(shapes).get_shape_by_name(name), {})


def check(checker: validation._Checker, value: object) -> list[str]:
    errors = validation._Errors()
    checker.check(value, "", errors)
    return errors.listed


def test_double_long_timestamp_and_blob_minimum() -> None:
    shapes: dict[str, dict[str, object]] = {
        "Top": {
            "type": "structure",
            "members": {
                "Ratio": {"shape": "Ratio"},
                "Count": {"shape": "Count"},
                "At": {"shape": "At"},
                "Data": {"shape": "Data"},
            },
        },
        "Ratio": {"type": "double", "min": 0.0, "max": 1.0},
        "Count": {"type": "long"},
        "At": {"type": "timestamp"},
        "Data": {"type": "blob", "min": 2},
    }
    top = synthetic(shapes, "Top")
    assert check(top, {"Ratio": 0.5, "Count": 2**40, "At": 1.5, "Data": "aGk="}) == []
    assert check(top, {"Ratio": 1.5, "Data": "aA=="}) == [
        "Value '1.5' at 'ratio' failed to satisfy constraint: "
        "Member must have value less than or equal to 1.0",
        "Value at 'data' failed to satisfy constraint: "
        "Member must have length greater than or equal to 2",
    ]
    assert check(top, {"Ratio": -1}) == [
        "Value '-1' at 'ratio' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0.0",
    ]
    for bad in ({"Ratio": float("nan")}, {"Ratio": True}, {"At": "2020"}, {"Count": 2**63}):
        with pytest.raises(ValidationFailed, match="Invalid value type"):
            check(top, bad)


def test_map_of_structures_is_walked_into() -> None:
    shapes: dict[str, dict[str, object]] = {
        "Top": {"type": "map", "key": {"shape": "Key"}, "value": {"shape": "Item"}},
        "Key": {"type": "string", "min": 1},
        "Item": {
            "type": "structure",
            "required": ["Name"],
            "members": {"Name": {"shape": "Name"}},
        },
        "Name": {"type": "string", "max": 3},
    }
    top = synthetic(shapes, "Top")
    assert check(top, {"a": {"Name": "abcd"}, "b": None, "c": {}}) == [
        "Value 'abcd' at '.a.member.name' failed to satisfy constraint: "
        "Member must have length less than or equal to 3",
        "Value null at '.b.member' failed to satisfy constraint: Member must not be null",
        "Value null at '.c.member.name' failed to satisfy constraint: Member must not be null",
    ]
    assert check(top, {"": {"Name": "a"}}) == [
        "Value '{={Name=a}}' at '' failed to satisfy constraint: "
        "Map keys must satisfy constraint: [Member must have length greater than or equal to 1]"
    ]


def test_booleans_and_floats_are_rendered_like_java() -> None:
    assert validation._render(True) == "true"
    assert validation._render(False) == "false"
    assert validation._render([1.5, None, {"a": [True]}]) == "[1.5, null, {a=[true]}]"


def test_checkers_are_shared_between_operations() -> None:
    signup = validation._operation_checker("SignUp")
    confirm = validation._operation_checker("ConfirmSignUp")
    assert isinstance(signup, validation._Structure)
    assert isinstance(confirm, validation._Structure)
    by_name = {name: checker for name, _, checker, _ in signup.members}
    assert by_name["ClientId"] is {n: c for n, _, c, _ in confirm.members}["ClientId"]


def test_precompile_builds_every_operation() -> None:
    validation.precompile()
    assert validation._operation_checker.cache_info().currsize >= len(OPERATIONS)


# --- Java regular expressions ---------------------------------------------------------


def all_model_patterns() -> list[str]:
    service = model.service_model()
    found = {service.shape_for(name).metadata.get("pattern") for name in service.shape_names}
    return sorted(pattern for pattern in found if pattern is not None)


def test_every_model_pattern_translates() -> None:
    patterns = all_model_patterns()
    assert len(patterns) > 30
    for pattern in patterns:
        compile_java_pattern(pattern)


def test_constructs_found_in_the_model() -> None:
    """The list of Java constructs the model uses; a new one must be looked at here."""
    text = "".join(all_model_patterns())
    escapes = set(re.findall(r"\\(?:p\{\w+\}|x[0-9A-Fa-f]{2}|.)", text))
    assert escapes == {
        *(f"\\p{{{c}}}" for c in "LMSNPZ"),
        *("\\w", "\\s", "\\S", "\\t", "\\n", "\\r"),
        *("\\x21", "\\x23", "\\x2E", "\\x30", "\\x5B", "\\x5D", "\\x7E"),
        *("\\{", "\\}", "\\.", "\\-"),
    }
    groups = set(re.findall(r"\(\?[^)]{0,3}", text))
    assert {g[:3] for g in groups} == {"(?s", "(?<", "(?:"}
    assert "(?<!\\.)" in text
    assert set(re.findall(r"\{\d+(?:,\d*)?\}", text)) == {"{0,61}", "{8}", "{4}", "{3}", "{12}"}


@pytest.mark.parametrize(
    ("pattern", "accepted", "refused"),
    [
        ("[\\p{L}]+", ["abc", "éж中", "ǅ"], ["1", "a b", "-"]),
        ("[\\p{M}]+", ["\u0301", "\u0903"], ["a"]),
        ("[\\p{S}]+", ["+€$^`~|<>=", "😀"], ["a", "-"]),
        ("[\\p{N}]+", ["0123", "٣", "Ⅻ", "½"], ["a"]),
        ("[\\p{P}]+", ["-_.!?¡«»", "@#%&*"], ["+", "a"]),
        ("[\\p{Z}]+", [" \u00a0\u3000", "\u2028\u2029"], ["\t", "\n", "a"]),
        ("[^_\\p{Z}]+", ["a\tb"], ["a b", "_", "a\u00a0"]),
        ("\\p{L}\\P{L}", ["a1"], ["ab"]),
        ("[\\w]+", ["aZ_09"], ["é", "-"]),
        ("[\\S]+", ["a\u00a0b", "é"], ["a b", "a\tb", "a\x0bb"]),
        ("[\\s]+", [" \t\n\x0b\f\r"], ["\u00a0", "\u2003", "\x1c"]),
        ("\\d+", ["09"], ["٣"]),
        (".*\\{####\\}.*", ["a {####} b"], ["a\r{####}", "{####}\u2028", "{####}\x85", "x"]),
        ("(?s).*", ["a\r\n\u2028b", ""], []),
        ("^[0-9A-Za-z\\.\\-_]*(?<!\\.)$", ["a.b", "a-b_"], ["a.", "a\n"]),
        ("^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$", ["a", "a-b", "a" * 63], ["a" * 64, "a-"]),
        ("[\\x21\\x23-\\x5B\\x5D-\\x7E]+", ["!#[]~"], ['"', "\\", " "]),
        ("[A-Za-z0-9-_=.]+", ["a-_=.Z"], ["+"]),
        ("[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*", ["a *\t"], ["\u00a0", "\x00"]),
        ("a|b", ["a", "b"], ["ab"]),
        ("\\u00e9[&|~]", ["é&", "é|", "é~"], ["e&"]),
    ],
)
def test_java_semantics(pattern: str, accepted: list[str], refused: list[str]) -> None:
    compiled = compile_java_pattern(pattern)
    assert compiled.text == pattern
    for value in accepted:
        assert compiled.fullmatch(value), (pattern, value)
    for value in refused:
        assert not compiled.fullmatch(value), (pattern, value)


def test_translation_examples() -> None:
    assert translate_java_pattern("[\\w-]+_[0-9a-zA-Z]+") == "[\\w-]+_[0-9a-zA-Z]+"
    assert translate_java_pattern("a.b") == "a[^\\n\\r\\x85\\u2028\\u2029]b"
    assert translate_java_pattern("(?s)a.b") == "(?s)a.b"
    assert translate_java_pattern("[\\p{Z}]").startswith("[\\U00000020\\U000000a0")


@pytest.mark.parametrize(
    "pattern",
    [
        "[a-z&&[^b]]",
        "[a[b]]",
        "[a--]",
        "[]a]",
        "[abc",
        "\\p{Greek}",
        "\\p{Xx}",
        "[\\P{L}]",
        "(?<name>a)",
        "(?i)a",
        "a(?s)b",
        "\\Qa\\E",
        "\\bword",
        "\\x4",
        "a{,2}",
        "a\\",
    ],
)
def test_unsupported_constructs_fail_loudly(pattern: str) -> None:
    with pytest.raises(UnsupportedJavaPattern):
        translate_java_pattern(pattern)


# --- the model ------------------------------------------------------------------------


def test_model_lookups() -> None:
    assert model.service_model() is model.service_model()
    assert len(OPERATIONS) >= 120
    assert {"SignUp", "InitiateAuth", "GetTokensFromRefreshToken"} <= model.operation_names()
    assert model.input_shape("SignUp").name == "SignUpRequest"
    output = model.output_shape("SignUp")
    assert output is not None
    assert output.name == "SignUpResponse"
    assert model.output_shape("DeleteUser") is None
    errors = model.error_names()
    assert {"InvalidParameterException", "UsernameExistsException"} <= errors
    assert "SignUpRequest" not in errors
    with pytest.raises(model.UnknownOperation, match="unknown Cognito operation: 'Nope'"):
        model.input_shape("Nope")


# --- model invariants the validator relies on -----------------------------------------


def test_model_invariants() -> None:
    """Caching by shape name is sound and no shape needs rules we do not implement."""
    raw = model.service_model()._shape_resolver._shape_map
    for name, shape in raw.items():
        assert not shape.get("union"), name
        refs = list(shape.get("members", {}).values())
        refs += [shape[k] for k in ("member", "key", "value") if k in shape]
        for ref in refs:
            assert set(ref) <= {"shape", "documentation", "deprecated", "deprecatedMessage",
                                "box"}, (name, ref)  # fmt: skip
        assert shape["type"] in {"structure", "string", "list", "integer", "map", "boolean",
                                 "blob", "timestamp", "long"}, name  # fmt: skip


def test_password_may_contain_inner_spaces_but_not_leading_or_trailing() -> None:
    body = {"ClientId": "abc", "Username": "u"}
    validation.validate("SignUp", {**body, "Password": "correct horse Battery 9"})
    for bad in (" leading1A!", "trailing1A! ", "\tTab1!"):
        with pytest.raises(validation.ValidationFailed) as info:
            validation.validate("SignUp", {**body, "Password": bad})
        assert info.value.message.endswith("Member must satisfy regular expression pattern: [\\S]+")
