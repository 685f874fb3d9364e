import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

import authpool.tokens
from authpool.tokens import (
    InvalidToken,
    SigningKey,
    TokenSigner,
    TokenVerifier,
    generate_signing_key,
    public_jwk,
)
from authpool.tokens.jwt import MAX_TOKEN_LENGTH

ISSUER = "https://auth.example.com/us-east-1_AbCdEf123"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_signing_key()


@pytest.fixture(scope="module")
def old_key() -> SigningKey:
    return generate_signing_key()


@pytest.fixture(scope="module")
def signer(key) -> TokenSigner:
    return TokenSigner(key)


@pytest.fixture(scope="module")
def verifier(key) -> TokenVerifier:
    return TokenVerifier([key])


def access_claims(**changes: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "iss": ISSUER,
        "client_id": "abcdefghijklmnopqrstuvwxyz",
        "origin_jti": "11111111-2222-3333-4444-555555555555",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": T,
        "exp": T + 3600,
        "iat": T,
        "jti": "66666666-7777-8888-9999-000000000000",
        "username": "alice",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: object) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def forge(header: object, payload: object, sign: Callable[[bytes], bytes]) -> str:
    """A compact JWS with any header, payload and signing function at all."""
    signing_input = f"{b64url_json(header)}.{b64url_json(payload)}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


def rs256(private_key: rsa.RSAPrivateKey) -> Callable[[bytes], bytes]:
    return lambda data: private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def refusal(verifier: TokenVerifier, token: object, **options: object) -> str:
    kwargs: dict[str, object] = {"now": NOW, "issuer": ISSUER, **options}
    with pytest.raises(InvalidToken) as caught:
        verifier.verify(token, **kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


# Issue and verify


def test_round_trip(signer, verifier):
    claims = access_claims()
    assert verifier.verify(signer.sign(claims), now=NOW, issuer=ISSUER) == claims
    assert verifier.verify(signer.sign(claims), now=NOW, issuer=ISSUER, token_use="access")


def test_header_is_exactly_cognitos(key, signer):
    token = signer.sign(access_claims())
    header = unb64url(token.split(".")[0])
    assert header == b'{"kid":"' + key.kid.encode() + b'","alg":"RS256"}'
    assert token.startswith("eyJraWQiOi")  # what every Cognito token starts with
    assert jwt.get_unverified_header(token) == {"kid": key.kid, "alg": "RS256"}


def test_payload_is_compact_json_in_the_order_given(signer):
    claims = access_claims()
    token = signer.sign(claims)
    assert unb64url(token.split(".")[1]) == json.dumps(claims, separators=(",", ":")).encode()
    assert "=" not in token


def test_non_ascii_claims_round_trip(signer, verifier):
    claims = access_claims(token_use="id", name="Zoë Ålander 山田", nickname="\ud800")
    token = signer.sign(claims)
    assert token.isascii()
    assert verifier.verify(token, now=NOW, issuer=ISSUER, token_use="id") == claims


def test_sign_accepts_any_mapping(signer, verifier):
    from types import MappingProxyType

    claims = access_claims()
    token = signer.sign(MappingProxyType(claims))
    assert verifier.verify(token, now=NOW, issuer=ISSUER) == claims


def test_signatures_are_deterministic(key, signer):
    assert signer.sign(access_claims()) == TokenSigner(key).sign(access_claims())


def test_signer_repr_and_kid(key, signer):
    assert signer.kid == key.kid
    assert repr(signer) == f"TokenSigner(kid={key.kid!r})"


# Interoperability with a standard library


def test_pyjwt_verifies_our_token_with_our_jwk(key, signer):
    claims = access_claims()
    token = signer.sign(claims)
    decoded = jwt.decode(
        token,
        jwt.PyJWK(public_jwk(key)),
        algorithms=["RS256"],
        issuer=ISSUER,
        # PyJWT reads the system clock; our fixed NOW may be in its past or future.
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert decoded == claims


def test_pyjwt_refuses_our_token_under_another_key(old_key, signer):
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            signer.sign(access_claims()),
            jwt.PyJWK(public_jwk(old_key)),
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False},
        )


def test_we_verify_a_token_pyjwt_signed(key, verifier):
    claims = access_claims()
    token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert jwt.get_unverified_header(token)["typ"] == "JWT"
    assert verifier.verify(token, now=NOW, issuer=ISSUER) == claims


# Rotation: sign with the newest key, accept any listed key


def test_verifier_accepts_every_listed_key(key, old_key):
    verifier = TokenVerifier([key, old_key])
    for signing_key in (key, old_key):
        token = TokenSigner(signing_key).sign(access_claims())
        assert verifier.verify(token, now=NOW, issuer=ISSUER)["username"] == "alice"
    assert verifier.kids == {key.kid, old_key.kid}


def test_verifier_from_a_mapping_of_public_keys(key, old_key):
    verifier = TokenVerifier({key.kid: key.public_key, old_key.kid: old_key.public_key})
    token = TokenSigner(old_key).sign(access_claims())
    assert verifier.verify(token, now=NOW, issuer=ISSUER)["username"] == "alice"


def test_a_retired_key_is_refused(old_key, verifier):
    token = TokenSigner(old_key).sign(access_claims())
    assert refusal(verifier, token) == "unknown kid"


def test_verifier_repr_lists_kids(key, old_key):
    assert (
        repr(TokenVerifier([key, old_key]))
        == f"TokenVerifier(kids={sorted([key.kid, old_key.kid])!r})"
    )


def test_verifier_with_no_keys_refuses_everything(signer):
    assert refusal(TokenVerifier([]), signer.sign(access_claims())) == "unknown kid"


def test_verifier_accepts_the_same_key_twice(key):
    assert TokenVerifier([key, key]).kids == {key.kid}


def test_verifier_refuses_two_keys_with_one_kid(key, old_key):
    with pytest.raises(ValueError, match="share the kid"):
        TokenVerifier([key, SigningKey(key.kid, old_key.private_key)])


def test_verifier_refuses_a_non_rsa_key():
    with pytest.raises(TypeError, match="RSA"):
        TokenVerifier({"kid": ec.generate_private_key(ec.SECP256R1()).public_key()})  # type: ignore[dict-item]


def test_verifier_refuses_a_short_key():
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ValueError, match="2048"):
        TokenVerifier({"kid": short.public_key()})


# Forgeries


def public_pem(key: SigningKey) -> bytes:
    return key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_alg_none_is_refused(key, verifier):
    token = forge({"kid": key.kid, "alg": "none"}, access_claims(), lambda _: b"")
    assert token.endswith(".")
    assert refusal(verifier, token) == "unsupported alg"
    for alg in ("None", "NONE"):
        assert (
            refusal(verifier, forge({"kid": key.kid, "alg": alg}, access_claims(), lambda _: b""))
            == "unsupported alg"
        )


def test_hs256_keyed_with_the_public_key_is_refused(key, verifier):
    # The algorithm-confusion attack: the public key, which anyone can fetch from the
    # JWKS, used as an HMAC secret by a verifier that believes the header's alg.
    for secret in (public_pem(key), json.dumps(public_jwk(key)).encode(), key.n.encode()):
        token = forge(
            {"kid": key.kid, "alg": "HS256"},
            access_claims(username="admin"),
            lambda data, secret=secret: hmac.new(secret, data, hashlib.sha256).digest(),
        )
        assert refusal(verifier, token) == "unsupported alg"


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256"])
def test_other_rsa_algorithms_are_refused_even_with_the_right_key(key, verifier, alg):
    token = jwt.encode(access_claims(), key.private_key, algorithm=alg, headers={"kid": key.kid})
    assert jwt.decode(
        token, key.public_key, algorithms=[alg], options={"verify_exp": False, "verify_iat": False}
    )
    assert refusal(verifier, token) == "unsupported alg"


@pytest.mark.parametrize("alg", ["rs256", "RS256 ", None, 256, ["RS256"]])
def test_alg_must_be_exactly_rs256(key, verifier, alg):
    token = forge({"kid": key.kid, "alg": alg}, access_claims(), rs256(key.private_key))
    assert refusal(verifier, token) == "unsupported alg"


def test_missing_alg_is_refused(key, verifier):
    token = forge({"kid": key.kid}, access_claims(), rs256(key.private_key))
    assert refusal(verifier, token) == "unsupported alg"


def test_crit_header_is_refused(key, verifier):
    token = forge(
        {"kid": key.kid, "alg": "RS256", "crit": ["exp"], "exp": 0},
        access_claims(),
        rs256(key.private_key),
    )
    assert refusal(verifier, token) == "unsupported header: crit"


@pytest.mark.parametrize("kid", ["nope", "", None, ["x"], {"a": 1}, 7])
def test_unknown_or_malformed_kid_is_refused(key, verifier, kid):
    token = forge({"kid": kid, "alg": "RS256"}, access_claims(), rs256(key.private_key))
    assert refusal(verifier, token) == "unknown kid"


def test_missing_kid_is_refused(key, verifier):
    token = forge({"alg": "RS256"}, access_claims(), rs256(key.private_key))
    assert refusal(verifier, token) == "unknown kid"


def test_another_key_claiming_our_kid_is_refused(key, old_key, verifier):
    impostor = TokenSigner(SigningKey(key.kid, old_key.private_key))
    token = impostor.sign(access_claims(username="admin"))
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    assert refusal(verifier, token) == "bad signature"


def test_payload_edited_after_signing_is_refused(signer, verifier):
    header, payload, signature = signer.sign(access_claims()).split(".")
    claims = json.loads(unb64url(payload))
    for edit in ({"username": "admin"}, {"exp": T + 10**6}, {"token_use": "id"}):
        edited = b64url_json({**claims, **edit})
        assert refusal(verifier, f"{header}.{edited}.{signature}") == "bad signature"


def test_header_edited_after_signing_is_refused(key, signer, verifier):
    _, payload, signature = signer.sign(access_claims()).split(".")
    header = b64url_json({"alg": "RS256", "kid": key.kid})  # same members, other order
    assert refusal(verifier, f"{header}.{payload}.{signature}") == "bad signature"


def test_signature_of_another_token_is_refused(signer, verifier):
    first = signer.sign(access_claims())
    second = signer.sign(access_claims(username="bob"))
    spliced = ".".join([*second.split(".")[:2], first.split(".")[2]])
    assert refusal(verifier, spliced) == "bad signature"


@pytest.mark.parametrize("cut", [1, 4, 100, 342])
def test_truncated_or_missing_signature_is_refused(signer, verifier, cut):
    token = signer.sign(access_claims())
    assert refusal(verifier, token[:-cut]) in {"bad signature", "malformed token"}


def test_empty_signature_is_refused(signer, verifier):
    header, payload, _ = signer.sign(access_claims()).split(".")
    assert refusal(verifier, f"{header}.{payload}.") == "bad signature"


def test_bit_flipped_signature_is_refused(signer, verifier):
    header, payload, signature = signer.sign(access_claims()).split(".")
    raw = bytearray(unb64url(signature))
    raw[100] ^= 1
    assert refusal(verifier, f"{header}.{payload}.{b64url(bytes(raw))}") == "bad signature"


# Malformed tokens


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "..",
        "abc",
        "a.b",
        "a.b.c.d",
        "eyJ.eyJ.",
        "not a token at all",
        "é.é.é",
        "!!!!.e30.AAAA",
        "e30====.e30.AAAA",
    ],
)
def test_malformed_tokens_are_refused(verifier, token):
    assert refusal(verifier, token) == "malformed token"


@pytest.mark.parametrize("token", [None, b"a.b.c", 42])
def test_non_strings_are_refused(verifier, token):
    assert refusal(verifier, token) == "malformed token"


def test_a_padded_or_standard_alphabet_segment_is_refused(signer, verifier):
    token = signer.sign(access_claims())
    header, payload, signature = token.split(".")
    raw = unb64url(signature)
    standard = base64.b64encode(raw).decode().rstrip("=")
    assert standard != signature  # contains + or /
    padded = base64.urlsafe_b64encode(raw).decode()
    assert padded != signature
    for bad in (standard, padded):
        assert refusal(verifier, f"{header}.{payload}.{bad}") == "malformed token"
    assert refusal(verifier, f"{header}=.{payload}.{signature}") == "malformed token"


def test_non_canonical_base64_is_refused(signer, verifier):
    # 256 signature bytes leave 2 spare bits in the last character: flipping them gives
    # another spelling of the same bytes, which must not verify as the same token.
    header, payload, signature = signer.sign(access_claims()).split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    respelled = signature[:-1] + alphabet[last ^ 1]
    assert unb64url(respelled) == unb64url(signature)
    assert refusal(verifier, f"{header}.{payload}.{respelled}") == "malformed token"


def test_five_character_groups_are_refused(signer, verifier):
    header, payload, signature = signer.sign(access_claims()).split(".")
    assert len(signature) % 4 == 2
    assert refusal(verifier, f"{header}.{payload}.{signature}AAA") == "malformed token"


@pytest.mark.parametrize(
    "header",
    [b"not json", b"[]", b'"RS256"', b"null", b"\xff\xfe", b'{"alg":"RS256"', b"[" * 40000],
)
def test_header_that_is_not_a_json_object_is_refused(verifier, header):
    token = f"{b64url(header)}.{b64url_json(access_claims())}.AAAA"
    assert len(token) < MAX_TOKEN_LENGTH
    assert refusal(verifier, token) == "malformed token"


def test_overlong_token_is_refused_unread(key, verifier):
    padding_claim = "x" * MAX_TOKEN_LENGTH
    token = TokenSigner(key).sign(access_claims(padding=padding_claim))
    assert refusal(verifier, token) == "malformed token"


@pytest.mark.parametrize("payload", [b"[1,2,3]", b'"claims"', b"not json", b"\xff"])
def test_signed_payload_that_is_not_a_json_object_is_refused(key, verifier, payload):
    header = b64url_json({"kid": key.kid, "alg": "RS256"})
    signing_input = f"{header}.{b64url(payload)}"
    token = f"{signing_input}.{b64url(rs256(key.private_key)(signing_input.encode()))}"
    assert refusal(verifier, token) == "malformed token"


# Claims


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "token_use"])
def test_missing_required_claim_is_refused(signer, verifier, claim):
    token = signer.sign(access_claims(**{claim: None}))
    assert refusal(verifier, token) == f"missing claim: {claim}"


def test_expired_token_is_refused(signer, verifier):
    assert refusal(verifier, signer.sign(access_claims(exp=T - 1))) == "token expired"
    assert refusal(verifier, signer.sign(access_claims(exp=T))) == "token expired"
    assert verifier.verify(signer.sign(access_claims(exp=T + 1)), now=NOW, issuer=ISSUER)


def test_expiry_is_checked_against_now_not_against_iat(signer, verifier):
    token = signer.sign(access_claims())
    assert verifier.verify(token, now=NOW + timedelta(minutes=59, seconds=59), issuer=ISSUER)
    assert refusal(verifier, token, now=NOW + timedelta(hours=1)) == "token expired"
    assert refusal(verifier, token, now=NOW + timedelta(days=400)) == "token expired"


def test_leeway_forgives_a_recent_expiry(signer, verifier):
    token = signer.sign(access_claims(exp=T - 5))
    assert verifier.verify(token, now=NOW, issuer=ISSUER, leeway=6)
    assert refusal(verifier, token, leeway=5) == "token expired"


def test_token_issued_in_the_future_is_refused(signer, verifier):
    token = signer.sign(access_claims(iat=T + 1))
    assert refusal(verifier, token) == "token issued in the future"
    assert verifier.verify(token, now=NOW, issuer=ISSUER, leeway=1)


def test_token_not_yet_valid_is_refused(signer, verifier):
    token = signer.sign(access_claims(nbf=T + 30))
    assert refusal(verifier, token) == "token not yet valid"
    assert refusal(verifier, token, leeway=29) == "token not yet valid"
    assert verifier.verify(token, now=NOW, issuer=ISSUER, leeway=30)
    assert verifier.verify(signer.sign(access_claims(nbf=T)), now=NOW, issuer=ISSUER)


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", ["1767268800", True, None, [1], {"t": 1}])
def test_time_claims_must_be_numbers(signer, verifier, claim, value):
    claims = access_claims()
    claims[claim] = value
    assert refusal(verifier, signer.sign(claims)) == f"malformed claim: {claim}"


def test_fractional_times_are_accepted(signer, verifier):
    claims = access_claims(exp=T + 0.5, iat=T - 0.5)
    assert verifier.verify(signer.sign(claims), now=NOW, issuer=ISSUER) == claims
    assert (
        refusal(verifier, signer.sign(claims), now=NOW + timedelta(seconds=0.5)) == "token expired"
    )


@pytest.mark.parametrize(
    "issuer",
    [
        "https://auth.example.com/us-east-1_Other",
        "https://evil.example.com/us-east-1_AbCdEf123",
        ISSUER + "/",
        ISSUER.upper(),
        "",
        None,
        [ISSUER],
    ],
)
def test_wrong_issuer_is_refused(signer, verifier, issuer):
    token = signer.sign(access_claims(iss=issuer if issuer is not None else 0))
    assert refusal(verifier, token) == "wrong issuer"


def test_wrong_token_use_is_refused(signer, verifier):
    id_token = signer.sign(access_claims(token_use="id"))
    access_token = signer.sign(access_claims())
    assert refusal(verifier, id_token, token_use="access") == "wrong token_use"
    assert refusal(verifier, access_token, token_use="id") == "wrong token_use"
    assert verifier.verify(id_token, now=NOW, issuer=ISSUER, token_use="id")["token_use"] == "id"
    assert verifier.verify(id_token, now=NOW, issuer=ISSUER)["token_use"] == "id"


@pytest.mark.parametrize("value", [1, None, ["access"], {"access": True}])
def test_token_use_must_be_a_string(signer, verifier, value):
    claims = access_claims()
    claims["token_use"] = value
    assert refusal(verifier, signer.sign(claims)) == "malformed claim: token_use"


def test_signature_is_checked_before_claims(key, old_key, verifier):
    # An expired token from a stranger is refused for its signature, not its expiry:
    # nothing in an unverified payload is looked at.
    token = TokenSigner(SigningKey(key.kid, old_key.private_key)).sign(access_claims(exp=0))
    assert refusal(verifier, token) == "bad signature"


# Time is an argument


def test_verify_never_reads_the_clock(signer, verifier, monkeypatch):
    def no_clock() -> float:
        raise AssertionError("the clock was read")

    monkeypatch.setattr(time, "time", no_clock)
    monkeypatch.setattr(time, "time_ns", no_clock)
    past = datetime(1999, 12, 31, tzinfo=UTC)
    ts = int(past.timestamp())
    token = signer.sign(access_claims(iat=ts, exp=ts + 60))
    assert verifier.verify(token, now=past, issuer=ISSUER)["exp"] == ts + 60
    assert refusal(verifier, token, now=past + timedelta(minutes=1)) == "token expired"


def test_now_in_any_timezone_is_the_same_instant(signer, verifier):
    token = signer.sign(access_claims(exp=T + 60))
    tokyo = NOW.astimezone(timezone(timedelta(hours=9)))
    assert verifier.verify(token, now=tokyo + timedelta(seconds=59), issuer=ISSUER)
    assert refusal(verifier, token, now=tokyo + timedelta(seconds=60)) == "token expired"


def test_naive_now_is_a_programming_error(signer, verifier):
    with pytest.raises(ValueError, match="timezone"):
        verifier.verify(signer.sign(access_claims()), now=datetime(2026, 1, 1), issuer=ISSUER)


def test_negative_leeway_is_a_programming_error(signer, verifier):
    with pytest.raises(ValueError, match="leeway"):
        verifier.verify(signer.sign(access_claims()), now=NOW, issuer=ISSUER, leeway=-1)


def test_invalid_token_carries_its_reason():
    error = InvalidToken("token expired")
    assert error.reason == "token expired"
    assert str(error) == "token expired"
    assert isinstance(error, Exception)


def test_package_exports():
    assert authpool.tokens.__all__ == sorted(authpool.tokens.__all__)
    for name in authpool.tokens.__all__:
        assert hasattr(authpool.tokens, name)
