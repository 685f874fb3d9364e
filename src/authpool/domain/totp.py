"""Software tokens: RFC 6238 time-based one-time passwords, as Cognito uses them.

A secret is 32 random bytes, base32 without padding (52 characters, as Cognito's
``SecretCode``); codes are six digits over 30-second steps, SHA-1 (what every authenticator
app assumes). A code is accepted for the step it belongs to and one step either side (clock
drift), and only once: the store keeps the last time step accepted for the user and moves it
forward atomically, so a code seen over a shoulder, replayed by a second worker, or older
than one already used is refused. At rest a secret is sealed under
the master key; in a sign-in in progress it travels inside the sealed challenge session.
"""

from __future__ import annotations

import base64
import hmac
from datetime import datetime

import pyotp

from authpool.clock import epoch
from authpool.domain.context import Services
from authpool.domain.errors import ExpiredCodeException

SECRET_PURPOSE = "totp-secret"
STEP_SECONDS = 30
DRIFT_STEPS = 1
USED = "Your software token has already been used once."


def new_secret(svc: Services) -> str:
    return base64.b32encode(svc.token_bytes(32)).decode().rstrip("=")


def seal(svc: Services, secret: str) -> str:
    return base64.b64encode(svc.vault.seal(secret.encode(), purpose=SECRET_PURPOSE)).decode()


def unseal(svc: Services, sealed: str) -> str:
    return svc.vault.open(base64.b64decode(sealed), purpose=SECRET_PURPOSE).decode()


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step within the drift window whose code ``code`` is, or None. Every
    candidate is compared, in constant time, so the answer's timing tells nothing."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = epoch(now) // STEP_SECONDS
    found: int | None = None
    for step in range(max(current - DRIFT_STEPS, 0), current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS).encode(), code.encode()):
            found = step if found is None else found
    return found


def accept(svc: Services, user_sub: str, secret: str, code: str) -> bool:
    """Whether ``code`` is a current code of ``secret``. A right code moves the user's last
    accepted time step forward, in one conditional update in the store; a code of that step
    or an earlier one — a replay, or an older code still inside the drift window after a
    newer one was used (RFC 6238 §5.2) — raises ExpiredCodeException (as Cognito does for a
    second use)."""
    step = matching_step(secret, code, svc.clock.now())
    if step is None:
        return False
    if not svc.store.advance_totp_step(user_sub, step):
        raise ExpiredCodeException(USED)
    return True
