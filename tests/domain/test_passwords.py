"""passwords: the policy check with Cognito's wording, and the stored verifier."""

from __future__ import annotations

import secrets
from types import SimpleNamespace
from typing import Any

import pytest

from authpool import srp
from authpool.domain import passwords
from authpool.domain.errors import InvalidPasswordException
from authpool.domain.passwords import SYMBOLS, check_policy
from authpool.domain.pools import DEFAULT_PASSWORD_POLICY
from authpool.vault import Vault, VaultError

PREFIX = "Password did not conform with policy: "
NONE_REQUIRED = {
    "minimum_length": 6,
    "require_uppercase": False,
    "require_lowercase": False,
    "require_numbers": False,
    "require_symbols": False,
}


def refusal(policy: dict[str, Any], password: str) -> str:
    with pytest.raises(InvalidPasswordException) as info:
        check_policy(policy, password)
    assert info.value.code == "InvalidPasswordException"
    message = info.value.message
    assert message.startswith(PREFIX)
    return message[len(PREFIX) :]


# the policy ----------------------------------------------------------------------------------
@pytest.mark.parametrize("policy", [{}, DEFAULT_PASSWORD_POLICY], ids=["empty", "default"])
def test_a_password_meeting_the_default_policy_passes(policy: dict[str, Any]) -> None:
    check_policy(policy, "Passw0rd!")


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Pa0!", "Password not long enough"),
        ("passw0rd!", "Password must have uppercase characters"),
        ("PASSW0RD!", "Password must have lowercase characters"),
        ("Password!", "Password must have numeric characters"),
        ("Passw0rdd", "Password must have symbol characters"),
    ],
)
def test_each_rule_of_the_default_policy(password: str, rule: str) -> None:
    assert refusal({}, password) == rule


def test_the_minimum_length_is_inclusive() -> None:
    policy = {**DEFAULT_PASSWORD_POLICY, "minimum_length": 10}
    check_policy(policy, "Passw0rd!!")
    assert refusal(policy, "Passw0rd!") == "Password not long enough"


def test_length_counts_characters_not_bytes() -> None:
    policy = {**NONE_REQUIRED, "minimum_length": 8}
    assert refusal(policy, "ééééééé") == "Password not long enough"  # 7 characters, 14 bytes
    check_policy(policy, "éééééééé")


def test_the_length_is_reported_before_the_character_classes() -> None:
    assert refusal({}, "abc") == "Password not long enough"


def test_the_first_missing_class_is_reported() -> None:
    assert refusal({}, "abcdefgh") == "Password must have uppercase characters"
    assert refusal({}, "ABCDEFGH") == "Password must have lowercase characters"
    assert refusal({}, "ABCDefgh") == "Password must have numeric characters"


def test_a_policy_that_requires_nothing_takes_any_long_enough_password() -> None:
    for password in ("aaaaaa", "123456", "!!!!!!", "ÄÖÜäöü", "ZZZZZZ"):
        check_policy(NONE_REQUIRED, password)
    assert refusal(NONE_REQUIRED, "aaaaa") == "Password not long enough"


@pytest.mark.parametrize(
    ("rule", "password", "message"),
    [
        ("require_uppercase", "abc123!!", "Password must have uppercase characters"),
        ("require_lowercase", "ABC123!!", "Password must have lowercase characters"),
        ("require_numbers", "ABCabc!!", "Password must have numeric characters"),
        ("require_symbols", "ABCabc12", "Password must have symbol characters"),
    ],
)
def test_each_rule_alone(rule: str, password: str, message: str) -> None:
    policy = {**NONE_REQUIRED, rule: True}
    assert refusal(policy, password) == message
    check_policy({**policy, rule: False}, password)


@pytest.mark.parametrize("symbol", sorted(SYMBOLS))
def test_every_cognito_special_character_counts_as_a_symbol(symbol: str) -> None:
    check_policy({}, f"Pass{symbol}w0rd")


def test_the_special_characters_are_cognitos_list() -> None:
    assert set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ") == SYMBOLS


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        # Only Basic Latin letters and 0-9 count for the letter and number rules.
        ("Éclair-1", "Password must have uppercase characters"),
        ("ÀÉÎ-1234A", "Password must have lowercase characters"),
        ("Password-²", "Password must have numeric characters"),
        ("Password-٣", "Password must have numeric characters"),
        # Other punctuation and symbols are allowed but are not Cognito's special characters.
        ("Passw0rd€", "Password must have symbol characters"),
        ("Passw0rd§", "Password must have symbol characters"),
        ("Passw0rd\u00a0x", "Password must have symbol characters"),  # no-break space
    ],
)
def test_characters_outside_cognitos_classes_count_for_none(password: str, rule: str) -> None:
    assert refusal({}, password) == rule


@pytest.mark.parametrize("password", [" Passw0rd!", "Passw0rd! ", "\tPassw0rd!", "Passw0rd!\n"])
def test_leading_or_trailing_whitespace_is_refused(password: str) -> None:
    assert refusal({}, password) == "Password must not begin or end with a space"


def test_an_inner_space_is_a_symbol() -> None:
    check_policy({}, "Pass w0rd")


def test_a_password_may_be_256_characters_and_no_more() -> None:
    longest = "Aa1!" * 64
    check_policy({}, longest)
    assert refusal({}, longest + "x") == "Password is too long"


# storage -------------------------------------------------------------------------------------
@pytest.fixture
def svc() -> Any:
    """The two services password storage uses: randomness and the master key."""
    return SimpleNamespace(token_bytes=secrets.token_bytes, vault=Vault(secrets.token_bytes(32)))


def test_the_stored_verifier_is_the_one_an_srp_client_computes(svc: Any) -> None:
    password = "Pa\u0308ssw0rd-\ufb01"  # decomposed ä and the "fi" ligature, kept as given
    stored = passwords.store(svc, pool_name="AbCdEf123", user_id="alice", password=password)

    salt = srp.from_hex(stored.salt)
    verifier = passwords.verifier_of(svc, stored.verifier_sealed)
    assert verifier == srp.make_verifier("AbCdEf123", "alice", password, salt)
    assert verifier != srp.make_verifier("AbCdEf123", "alice", "Pässw0rd-fi", salt)


def test_the_verifier_is_sealed_at_rest(svc: Any) -> None:
    stored = passwords.store(svc, pool_name="AbCdEf123", user_id="alice", password="Passw0rd!")
    verifier = passwords.verifier_of(svc, stored.verifier_sealed)
    assert verifier.to_bytes(384, "big") not in stored.verifier_sealed
    other = SimpleNamespace(token_bytes=secrets.token_bytes, vault=Vault(secrets.token_bytes(32)))
    with pytest.raises(VaultError):
        passwords.verifier_of(other, stored.verifier_sealed)


def test_each_store_uses_a_fresh_salt(svc: Any) -> None:
    one = passwords.store(svc, pool_name="AbCdEf123", user_id="alice", password="Passw0rd!")
    two = passwords.store(svc, pool_name="AbCdEf123", user_id="alice", password="Passw0rd!")
    assert one.salt != two.salt
    assert one.verifier_sealed != two.verifier_sealed


def test_matches_accepts_only_the_password_for_that_pool_and_user(svc: Any) -> None:
    stored = passwords.store(svc, pool_name="AbCdEf123", user_id="alice", password="Passw0rd!")

    def matches(pool_name: str, user_id: str, password: str) -> bool:
        return passwords.matches(
            svc,
            pool_name=pool_name,
            user_id=user_id,
            password=password,
            salt=stored.salt,
            sealed=stored.verifier_sealed,
        )

    assert matches("AbCdEf123", "alice", "Passw0rd!")
    assert not matches("AbCdEf123", "alice", "Passw0rd?")
    assert not matches("AbCdEf123", "alice", "passw0rd!")
    assert not matches("AbCdEf123", "bob", "Passw0rd!")
    assert not matches("XyZ987654", "alice", "Passw0rd!")
