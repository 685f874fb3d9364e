"""authpool.verify: check a user pool's ID and access tokens in a Python backend, in one call.

::

    from authpool.verify import TokenVerifier

    verifier = TokenVerifier("us-east-1_AbCdEf123", client_id="1h2k3…", token_use="access")
    claims = verifier.verify(token)              # raises a TokenError subclass when refused
    claims.sub, claims.username, claims.groups, claims.scopes

Against Amazon Cognito the issuer is ``https://cognito-idp.{region}.amazonaws.com/{poolId}``
(the region is read from the pool id); against authpool pass the server's public URL as
``endpoint=`` and the issuer is ``{endpoint}/{poolId}``. The signing keys come from the
issuer's ``/.well-known/jwks.json``, fetched on first use and cached; a token signed with a
key not in the cache makes the verifier fetch the set again (at most once per
``refetch_interval``), which is how a rotated key is picked up, and the cache is renewed
after ``jwks_ttl`` so that a retired key stops verifying. When the set cannot be fetched
the keys already cached keep working.

What is checked, in order: the token's form; ``alg`` RS256 and a ``kid`` the issuer lists;
the signature; ``iss``; ``token_use``; ``exp``, ``nbf`` and ``iat`` (with ``leeway``); the
app client (``aud`` of an ID token, ``client_id`` of an access token); then, if asked, the
groups (``cognito:groups`` holds at least one of them) and the scopes (the access token's
``scope`` holds at least one of them) — the semantics of AWS's own aws-jwt-verify.

Errors::

    TokenError
    ├── VerificationError        the token is not acceptable (HTTP 401)
    │   ├── MalformedTokenError
    │   ├── InvalidSignatureError    bad signature, algorithm or key id
    │   ├── ExpiredTokenError
    │   └── InvalidClaimError        iss, token_use, client, iat/nbf
    ├── AuthorizationError       a valid token without the rights asked for (HTTP 403)
    │   ├── MissingGroupError
    │   └── InsufficientScopeError
    └── JwksError                the signing keys could not be fetched (HTTP 503)

Integrations: :mod:`authpool.verify.starlette` (a FastAPI/Starlette dependency) and
:mod:`authpool.verify.flask` (a view decorator).
"""

from authpool.verify.core import (
    AuthorizationError,
    Claims,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidClaimError,
    InvalidSignatureError,
    JwksError,
    MalformedTokenError,
    MissingGroupError,
    TokenError,
    TokenUse,
    VerificationError,
)
from authpool.verify.verifiers import AsyncTokenVerifier, TokenVerifier

__all__ = [
    "AsyncTokenVerifier",
    "AuthorizationError",
    "Claims",
    "ExpiredTokenError",
    "InsufficientScopeError",
    "InvalidClaimError",
    "InvalidSignatureError",
    "JwksError",
    "MalformedTokenError",
    "MissingGroupError",
    "TokenError",
    "TokenUse",
    "TokenVerifier",
    "VerificationError",
]
