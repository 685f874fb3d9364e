"""Software tokens: RFC 6238 time-based one-time passwords, as Cognito uses them.

A secret is 32 random bytes, base32 without padding (52 characters, as Cognito's
``SecretCode``); codes are six digits over 30-second steps, SHA-1 (what every authenticator
app assumes). A code is accepted for the step it belongs to and one step either side (clock
drift), and only once: the accepted (user, step) is marked used in the store, so a code seen
over a shoulder or replayed by a second worker is refused. At rest a secret is sealed under
the master key; in a sign-in in progress it travels inside the sealed challenge session.
"""

from __future__ import annotations

import base64
import hmac
from datetime import UTC, datetime

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
    """Whether ``code`` is a current code of ``secret``; a right code is used up, and a
    second use of it raises ExpiredCodeException (as Cognito)."""
    step = matching_step(secret, code, svc.clock.now())
    if step is None:
        return False
    marker = svc.vault.digest(f"{user_sub}\x00{step}", purpose="totp-used")
    until = datetime.fromtimestamp((step + DRIFT_STEPS + 1) * STEP_SECONDS, tz=UTC)
    if not svc.store.use_session(marker, expires_at=until, now=svc.clock.now()):
        raise ExpiredCodeException(USED)
    return True
