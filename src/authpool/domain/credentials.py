"""Setting a user's password: the one place that writes one after sign-up, and the two
operations that do nothing else — ChangePassword (the signed-in user, who proves the old
password) and AdminSetUserPassword (an administrator, permanent or temporary).

A temporary password puts the user in FORCE_CHANGE_PASSWORD until they choose their own at
sign-in (NEW_PASSWORD_REQUIRED), and expires after the pool's TemporaryPasswordValidityDays.
As in Cognito, neither operation signs the user out: tokens already issued stay valid (no
password operation revokes refresh tokens there — see :mod:`.flows.forgot_password` — and
Cognito's ChangePassword is known to leave active tokens valid, apps calling GlobalSignOut
after it when they want that).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from string import ascii_lowercase, ascii_uppercase, digits
from typing import Any

from authpool.domain import breached, grants, limits, passwords, users
from authpool.domain.context import Services
from authpool.domain.errors import (
    InvalidParameterException,
    LimitExceededException,
    NotAuthorizedException,
    PasswordHistoryPolicyViolationException,
    UserNotFoundException,
)
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import UserRecord

WRONG = "Incorrect username or password."
LIMIT = "Attempt limit exceeded, please try after some time."
# Cognito's own wording for this refusal is not documented nor quoted anywhere we could find.
REUSED = "The password has been used before and cannot be reused."
# ChangePassword attempts a user may make per window (the old password is checked each time,
# so without a bound a stolen access token would be a password-guessing oracle).
CHANGE_ATTEMPTS = 10
CHANGE_WINDOW = timedelta(minutes=15)
# Characters of generated temporary passwords: each class of the password policy, symbols
# limited to ones that need no quoting anywhere.
PASSWORD_CLASSES = (ascii_uppercase, ascii_lowercase, digits, "!@#$%^&*()-_=+[]{}?")
GENERATED_LENGTH = 12


def temporary_expiry(svc: Services, pool: Pool) -> datetime:
    days = int(pool.password_policy.get("temporary_password_validity_days", 7))
    return svc.clock.now() + timedelta(days=days)


def history_size(pool: Pool) -> int:
    """The pool's PasswordHistorySize: how many of a user's passwords, the current one
    included, a new password must differ from (0: no history)."""
    return int(pool.password_policy.get("password_history_size") or 0)


def _earlier_passwords(user: UserRecord) -> tuple[tuple[str, bytes], ...]:
    """(salt, sealed verifier) of the user's passwords, newest first: the current one, then
    the ones remembered for the password history."""
    current = ((user.salt, user.verifier_sealed),) if user.salt and user.verifier_sealed else ()
    return current + user.password_history


def refuse_reuse(svc: Services, pool: Pool, user: UserRecord, password: str) -> None:
    """PasswordHistoryPolicyViolationException when ``password`` is one of the user's last
    PasswordHistorySize passwords. Each is compared by its SRP verifier under its own salt
    (no password is kept in any other form), every one of them, in constant time."""
    earlier = _earlier_passwords(user)[: history_size(pool)]
    reused = [
        passwords.matches(
            svc,
            pool_name=pool.pool_name,
            user_id=user.username,
            password=password,
            salt=salt,
            sealed=sealed,
        )
        for salt, sealed in earlier
    ]
    if any(reused):
        raise PasswordHistoryPolicyViolationException(REUSED)


def set_password(
    svc: Services,
    pool: Pool,
    user: UserRecord,
    password: str,
    *,
    temporary: bool = False,
    check_history: bool = False,
    **changes: Any,
) -> UserRecord:
    """Store ``password`` (as its SRP verifier) and the status it gives: CONFIRMED, or
    FORCE_CHANGE_PASSWORD until the temporary password's expiry. ``changes`` are further
    user fields written in the same update. With ``check_history`` a password the pool's
    PasswordHistorySize remembers is refused; the replaced password joins that history
    either way (as many as the policy needs, and none when it has no history)."""
    if check_history:
        refuse_reuse(svc, pool, user, password)
    stored = passwords.store(
        svc, pool_name=pool.pool_name, user_id=user.username, password=password
    )
    now = svc.clock.now()
    updated = svc.store.update_user(
        user.sub,
        salt=stored.salt,
        verifier_sealed=stored.verifier_sealed,
        status=users.FORCE_CHANGE_PASSWORD if temporary else users.CONFIRMED,
        temp_password_expires_at=temporary_expiry(svc, pool) if temporary else None,
        password_changed_at=now,
        updated_at=now,
        password_history=_earlier_passwords(user)[: max(history_size(pool) - 1, 0)],
        **changes,
    )
    if updated is None:
        raise UserNotFoundException("User does not exist.")
    return updated


def _uniform(svc: Services, n: int) -> int:
    """A uniform integer in [0, n) for n <= 256, by rejection sampling."""
    limit = 256 - 256 % n
    while True:
        byte = svc.token_bytes(1)[0]
        if byte < limit:
            return byte % n


def generate_temporary_password(svc: Services, policy: dict[str, Any]) -> str:
    """A random password that meets any policy: every character class at least once, the
    policy's minimum length (at least :data:`GENERATED_LENGTH`), shuffled."""
    length = max(int(policy.get("minimum_length", 8)), GENERATED_LENGTH)
    everything = "".join(PASSWORD_CLASSES)
    chars = [c[_uniform(svc, len(c))] for c in PASSWORD_CLASSES]
    chars += [everything[_uniform(svc, len(everything))] for _ in range(length - len(chars))]
    for i in range(len(chars) - 1, 0, -1):  # Fisher-Yates
        j = _uniform(svc, i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def change_password(svc: Services, access_token: str, previous: str | None, proposed: str) -> None:
    bearer = grants.authenticate(svc, access_token)
    pool, user = bearer.pool, bearer.user
    if previous is None:
        raise InvalidParameterException("Missing required parameter PreviousPassword")
    passwords.check_policy(pool.password_policy, proposed)
    breached.check(svc, pool, proposed, event=breached.PASSWORD_CHANGE, user=user)
    label, until = limits.window(svc, CHANGE_WINDOW)
    key = f"change-password\x00{user.sub}\x00{label}"
    if limits.claim(svc, key, limit=CHANGE_ATTEMPTS, until=until) is None:
        raise LimitExceededException(LIMIT)
    if (
        user.salt is None
        or user.verifier_sealed is None
        or not passwords.matches(
            svc,
            pool_name=pool.pool_name,
            user_id=user.username,
            password=previous,
            salt=user.salt,
            sealed=user.verifier_sealed,
        )
    ):
        raise NotAuthorizedException(WRONG)
    set_password(svc, pool, user, proposed, check_history=True)


def admin_set_user_password(
    svc: Services, pool_id: str, username: str, password: str, *, permanent: bool
) -> None:
    """A permanent password confirms the user (whatever their status); a temporary one makes
    them choose their own at the next sign-in. Any pending reset code stops working."""
    pool = get_pool(svc, pool_id)
    user = users.require_user(svc, pool, username)
    passwords.check_policy(pool.password_policy, password)
    breached.check(svc, pool, password, event=breached.PASSWORD_CHANGE, user=user)
    set_password(svc, pool, user, password, temporary=not permanent, check_history=True)
    svc.store.delete_codes(user.sub, ["FORGOT_PASSWORD"])
