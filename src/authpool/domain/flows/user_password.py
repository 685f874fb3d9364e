"""USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password sent over TLS, checked
against the stored SRP verifier."""

from __future__ import annotations

from typing import Any

from authpool.domain import existence, lockout, passwords, users
from authpool.domain.errors import InvalidParameterException
from authpool.domain.flows.sign_in import ADMIN_ONLY, PUBLIC_ONLY, SignIn, flow, password_proven
from authpool.domain.hooks import auth as auth_hooks


def _password_sign_in(ctx: SignIn, auth: dict[str, str]) -> dict[str, Any]:
    name, password = auth.get("USERNAME"), auth.get("PASSWORD")
    if not name:
        raise InvalidParameterException("Missing required parameter USERNAME")
    if password is None:
        raise InvalidParameterException("Missing required parameter PASSWORD")
    ctx.check_secret_hash(auth.get("SECRET_HASH"), name)
    user = users.find_user(ctx.svc, ctx.pool, name)
    metadata = ctx.params.get("client_metadata")
    if user is None:  # UserMigration may bring the user over from a legacy directory
        user = auth_hooks.migrate_user(ctx.svc, ctx.pool, ctx.client, name, password=password,
                                       validation_data=metadata)  # fmt: skip
    auth_hooks.pre_authentication(ctx.svc, ctx.pool, ctx.client, name=name, user=user,
                                  validation_data=metadata)  # fmt: skip
    key = lockout.key_for(ctx.svc, lockout.PASSWORD, ctx.pool, user, name)
    if user is not None or ctx.client.prevent_user_existence_errors:
        lockout.attempt(ctx.svc, key, factor=lockout.PASSWORD, user=user)
    if user is None or user.salt is None or user.verifier_sealed is None:
        existence.check_nobody(ctx, name, password)  # the work of a wrong password
        if user is None:
            raise ctx.no_such_user()
        raise ctx.wrong_credentials()
    if not passwords.matches(
        ctx.svc,
        pool_name=ctx.pool.pool_name,
        user_id=user.username,
        password=password,
        salt=user.salt,
        sealed=user.verifier_sealed,
    ):
        raise ctx.wrong_credentials(user)
    ctx.passed(key)
    return password_proven(ctx, user)


@flow("USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH", where=PUBLIC_ONLY)
def user_password(ctx: SignIn, auth: dict[str, str]) -> dict[str, Any]:
    return _password_sign_in(ctx, auth)


@flow("ADMIN_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", where=ADMIN_ONLY)
def admin_user_password(ctx: SignIn, auth: dict[str, str]) -> dict[str, Any]:
    return _password_sign_in(ctx, auth)


@flow("ADMIN_NO_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", where=ADMIN_ONLY)
def admin_no_srp(ctx: SignIn, auth: dict[str, str]) -> dict[str, Any]:
    return _password_sign_in(ctx, auth)
