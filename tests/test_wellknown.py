"""The per-pool JWKS and OpenID discovery documents, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.support.server import LiveServer


def test_jwks_of_a_pool(server: LiveServer, pool: Any) -> None:
    pool_id = pool()
    response = server.http.get(f"/{pool_id}/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "max-age" in response.headers["cache-control"]
    keys = response.json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert {"kid", "kty", "alg", "use", "n", "e"} <= set(key)
    assert (key["kty"], key["alg"], key["use"], key["e"]) == ("RSA", "RS256", "sig", "AQAB")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), "private parts published"
    stored = server.svc.store.signing_keys(pool_id)
    assert [k.kid for k in stored] == [key["kid"]]


def test_each_pool_has_its_own_key(server: LiveServer, pool: Any) -> None:
    kids = {
        server.http.get(f"/{pool()}/.well-known/jwks.json").json()["keys"][0]["kid"]
        for _ in range(2)
    }
    assert len(kids) == 2


def test_openid_configuration(server: LiveServer, pool: Any) -> None:
    pool_id = pool()
    response = server.http.get(f"/{pool_id}/.well-known/openid-configuration")
    assert response.status_code == 200
    document = response.json()
    issuer = f"{server.url}/{pool_id}"
    assert document["issuer"] == issuer
    assert document["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "public" in document["subject_types_supported"]
    # The advertised JWKS is really there.
    path = document["jwks_uri"].removeprefix(server.url)
    assert server.http.get(path).json()["keys"]


def test_unknown_or_deleted_pool_has_no_documents(server: LiveServer, idp: Any, pool: Any) -> None:
    pool_id = pool()
    idp.delete_user_pool(UserPoolId=pool_id)
    for name in ("jwks.json", "openid-configuration"):
        for pid in (pool_id, "us-east-1_NoSuchPool"):
            response = server.http.get(f"/{pid}/.well-known/{name}")
            assert response.status_code == 404
            assert response.headers["content-type"].startswith("application/json")
            assert "message" in response.json()
