import base64
import json
import re
from datetime import UTC, datetime, timedelta, timezone

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID, NameOID

from authpool.tokens.keys import (
    SigningKey,
    generate_signing_key,
    jwks,
    key_id,
    load_signing_key,
    private_key_bytes,
    public_jwk,
    signing_certificate,
)

# The jwks.json of a real Cognito user pool (us-east-1_BGU9CKFCM), as published in
# https://github.com/tatums/markdown-auth README.md. Public keys, kept as a shape reference.
COGNITO_JWKS = {
    "keys": [
        {
            "alg": "RS256",
            "e": "AQAB",
            "kid": "vyVQH7UMjwYboVvyFf+zd4KHZfgc+RtmU/A2vHhgITI=",
            "kty": "RSA",
            "n": (
                "xXq59Wi8x2U1lkaaYIeYEHU2rvhk0DjG71mQpqoKKPlJbtdDNzlG1uGqzXlBD5oC6oXire6dvUilDCUm"
                "2oZJ-uDd2ZRkPgrsCeQ8qKZUaMD4927BsRAYrHXThSGD2EO1RUKwPO5-05fGdbtxGplHbHti-QuoAQWn"
                "a31yuH-J7XAdBuEeA0qjJpxmHPYhS_CpMHwsVhBX8aiKhP50jhQ6GYpc0oXAWKyH41tIulvTIG6RnzCb"
                "olJREd7PXmKpHnHvVDo4LESovWb4sEC6q4oNxSzUtyYjHWZODVoSFxU44z4ljfBHdaESl-io_ilHJnJb"
                "3THI7RX3qD2o_nUjhxSpow"
            ),
            "use": "sig",
        },
        {
            "alg": "RS256",
            "e": "AQAB",
            "kid": "fUyIG0h6R5HFGfHDV8uebcRXldQ09dCZXbFKf6zy1rs=",
            "kty": "RSA",
            "n": (
                "m3hoD5oKJq0208qHXVz2swznfFVeU5zWZhAiLKb0hs0bXYN2W9Gy7XklIjibN6ilOaHkL_tvgO_dSKLG"
                "JUemr_EVbRrbgu7dENDYgZwYr1CPMy146TIUFeZpqHF1Xh8BF_p7heGeVIP-HjIRgxwG81sknpeQRmxw"
                "ozrnbbGySJoHClh_EP14z2C1NwSIB4xSFb6r1IOIIuy8vsYVkHd_IRGTK1cCX8f4iuzJ9cBQ1XnppkVG"
                "WlcW-m8aF0eDJb6gTK3jieHRqWTfd4I8S5qti6OK61pIlxp1JfJ8ZKgV1k7RDkyVXtA7U49RhBCLXzVd"
                "Wi1X_SuQwjVMnnkvpo0O_w"
            ),
            "use": "sig",
        },
    ]
}

KID = re.compile(r"^[A-Za-z0-9+/]{43}=$")
B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
NOW = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_signing_key()


@pytest.fixture(scope="module")
def other_key() -> SigningKey:
    return generate_signing_key()


def b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def test_generated_key_is_rsa_2048_with_e_65537(key):
    assert key.private_key.key_size == 2048
    assert key.public_key.public_numbers().e == 65537
    assert key.public_key == key.private_key.public_key()


def test_kid_is_base64_sha256_of_the_public_key(key, other_key):
    assert KID.match(key.kid)
    assert key.kid == key_id(key.public_key)
    assert key.kid != other_key.kid


@pytest.mark.parametrize("cognito_jwk", COGNITO_JWKS["keys"], ids=lambda j: j["kid"][:8])
def test_kid_scheme_reproduces_cognitos_kids(cognito_jwk):
    public_key = rsa.RSAPublicNumbers(
        b64url_int(cognito_jwk["e"]), b64url_int(cognito_jwk["n"])
    ).public_key()
    assert key_id(public_key) == cognito_jwk["kid"]


def test_private_key_bytes_are_unencrypted_pkcs8_der(key):
    der = private_key_bytes(key)
    loaded = serialization.load_der_private_key(der, password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    assert loaded.private_numbers() == key.private_key.private_numbers()
    # PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER 0, AlgorithmIdentifier rsaEncryption, ... }
    assert bytes.fromhex("06092a864886f70d010101") in der[:32]
    assert der == key.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_load_signing_key_round_trip(key):
    loaded = load_signing_key(key.kid, private_key_bytes(key))
    assert loaded == key
    assert hash(loaded) == hash(key)
    assert loaded.private_key.private_numbers() == key.private_key.private_numbers()
    assert (loaded.n, loaded.e) == (key.n, key.e)


def test_load_signing_key_refuses_garbage():
    with pytest.raises(ValueError):
        load_signing_key("kid", b"\x30\x03\x02\x01\x00")


def test_load_signing_key_refuses_a_non_rsa_key():
    der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(TypeError, match="RSA"):
        load_signing_key("kid", der)


def test_signing_key_refuses_a_non_rsa_key():
    with pytest.raises(TypeError, match="RSA"):
        SigningKey("kid", ec.generate_private_key(ec.SECP256R1()))


def test_signing_key_refuses_a_short_key():
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ValueError, match="2048"):
        SigningKey("kid", short)


def test_signing_key_needs_a_kid(key):
    with pytest.raises(ValueError, match="kid"):
        SigningKey("", key.private_key)


def test_signing_keys_compare_by_kid_and_public_key(key, other_key):
    assert key != other_key
    assert SigningKey(key.kid, key.private_key) == key
    assert SigningKey("another", key.private_key) != key
    assert SigningKey(key.kid, other_key.private_key) != key
    assert len({key, other_key, SigningKey(key.kid, key.private_key)}) == 2


def test_repr_shows_only_the_kid(key):
    assert repr(key) == f"SigningKey(kid={key.kid!r})"


def test_public_jwk_has_cognitos_members_in_cognitos_order(key):
    ours = public_jwk(key)
    for theirs in COGNITO_JWKS["keys"]:
        assert list(ours) == list(theirs)
        assert {m: ours[m] for m in ("alg", "e", "kty", "use")} == {
            m: theirs[m] for m in ("alg", "e", "kty", "use")
        }
        assert len(ours["n"]) == len(theirs["n"]) == 342  # 256 bytes, unpadded base64url
        assert len(ours["kid"]) == len(theirs["kid"]) == 44
    assert KID.match(ours["kid"])
    assert B64URL.match(ours["n"])
    assert B64URL.match(ours["e"])


def test_public_jwk_values(key):
    jwk = public_jwk(key)
    numbers = key.public_key.public_numbers()
    assert jwk["kid"] == key.kid
    assert jwk["e"] == "AQAB"
    assert b64url_int(jwk["n"]) == numbers.n
    assert b64url_int(jwk["e"]) == numbers.e
    assert not jwk["n"].startswith("AA")  # no leading zero octet


def test_public_jwk_is_a_fresh_dict(key):
    public_jwk(key)["kid"] = "tampered"
    assert public_jwk(key)["kid"] == key.kid


def test_pyjwt_loads_our_jwk_as_it_loads_cognitos(key):
    for theirs in COGNITO_JWKS["keys"]:
        assert jwt.PyJWK(theirs).key_id == theirs["kid"]
    loaded = jwt.PyJWK(public_jwk(key))
    assert loaded.key_id == key.kid
    assert loaded.algorithm_name == "RS256"
    assert loaded.public_key_use == "sig"
    assert loaded.key.public_numbers() == key.public_key.public_numbers()


def test_jwks_document(key, other_key):
    document = jwks([key, other_key])
    assert document == {"keys": [public_jwk(key), public_jwk(other_key)]}
    assert list(document) == list(COGNITO_JWKS)
    assert json.loads(json.dumps(document)) == document
    key_set = jwt.PyJWKSet.from_dict(document)
    assert key_set[other_key.kid].key.public_numbers() == other_key.public_key.public_numbers()
    assert jwks([]) == {"keys": []}
    assert jwks(iter([key])) == {"keys": [public_jwk(key)]}


def load_certificate(text: str) -> x509.Certificate:
    return x509.load_der_x509_certificate(base64.b64decode(text, validate=True))


def test_signing_certificate_is_self_signed_for_the_signing_key(key):
    certificate = load_certificate(
        signing_certificate(key, common_name="us-east-1_AbCdEf123", now=NOW)
    )
    assert certificate.public_key() == key.public_key
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "us-east-1_AbCdEf123")])
    assert certificate.subject == name
    assert certificate.issuer == name
    certificate.verify_directly_issued_by(certificate)
    assert certificate.signature_hash_algorithm is not None
    assert certificate.signature_hash_algorithm.name == "sha256"
    assert certificate.version is x509.Version.v3
    assert 0 < certificate.serial_number < 2**159
    constraints = certificate.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS)
    assert constraints.critical
    assert constraints.value.ca is False
    usage = certificate.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    assert usage.digital_signature
    assert not usage.key_cert_sign


def test_signing_certificate_is_valid_for_ten_years_from_now(key):
    certificate = load_certificate(signing_certificate(key, common_name="pool", now=NOW))
    assert certificate.not_valid_before_utc == datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
    assert certificate.not_valid_after_utc == datetime(2036, 3, 14, 15, 9, 26, tzinfo=UTC)


def test_signing_certificate_from_29_february_ends_on_28_february(key):
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    certificate = load_certificate(signing_certificate(key, common_name="pool", now=leap))
    assert certificate.not_valid_after_utc == datetime(2038, 2, 28, 12, 0, tzinfo=UTC)


def test_signing_certificate_accepts_any_aware_time(key):
    paris = datetime(2026, 3, 14, 16, 9, 26, tzinfo=timezone(timedelta(hours=1)))
    assert signing_certificate(key, common_name="pool", now=paris) == signing_certificate(
        key, common_name="pool", now=NOW
    )


def test_signing_certificate_is_deterministic(key, other_key):
    first = signing_certificate(key, common_name="pool", now=NOW)
    assert signing_certificate(key, common_name="pool", now=NOW) == first
    later = load_certificate(
        signing_certificate(key, common_name="pool", now=NOW + timedelta(seconds=1))
    )
    other = load_certificate(signing_certificate(other_key, common_name="pool", now=NOW))
    serial = load_certificate(first).serial_number
    assert later.serial_number != serial
    assert other.serial_number != serial


def test_signing_certificate_refuses_a_naive_time(key):
    with pytest.raises(ValueError, match="timezone"):
        signing_certificate(key, common_name="pool", now=datetime(2026, 1, 1))
