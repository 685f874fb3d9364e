"""Breached passwords: an offline list checked when a password is chosen (sign-up, password
change and reset, the new password after a temporary one), as Cognito's compromised-credentials
check does for SIGN_UP and PASSWORD_CHANGE events.

The list is configured for the server (``AUTHPOOL_COMPROMISED_PASSWORDS_FILE``) and is one of:

- a text file, one entry a line: the SHA-1 of a password as 40 hex digits (optionally
  ``:count`` after it, as the Pwned Passwords downloads write it), or a password itself;
  loaded once into a sorted array of 20-byte digests (binary search; 20 bytes an entry);
- a directory of Pwned Passwords range files (``ABCDE`` or ``ABCDE.txt``, holding the
  ``SUFFIX:COUNT`` lines of every hash that starts with that 5-digit prefix), read one small
  file per check, so the whole corpus needs no memory.

The action (``AUTHPOOL_COMPROMISED_PASSWORDS_ACTION``) is ``BLOCK`` (the default: the
password is refused with InvalidPasswordException, Cognito's "Provided password cannot be used
for security reasons.") or ``AUDIT`` (accepted, and an audit event ``CompromisedPassword``
written). A pool whose UserPoolAddOns.AdvancedSecurityMode is ``AUDIT`` is only audited,
whatever the server's action.

Only the password is checked, never with the user name: the list holds passwords.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from authpool.domain import audit
from authpool.domain.errors import InvalidPasswordException

if TYPE_CHECKING:
    from authpool.domain.context import Services
    from authpool.domain.pools import Pool
    from authpool.domain.records import UserRecord

BLOCK, AUDIT = "BLOCK", "AUDIT"
REFUSED = "Provided password cannot be used for security reasons."
SIGN_UP, PASSWORD_CHANGE = "SIGN_UP", "PASSWORD_CHANGE"
DIGEST = 20


def sha1(password: str) -> bytes:
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).digest()


def _entry(line: str) -> bytes | None:
    text = line.rstrip("\r\n")
    if not text:
        return None
    head = text.split(":", 1)[0].strip()
    if len(head) == 2 * DIGEST:
        try:
            return bytes.fromhex(head)
        except ValueError:
            pass
    return sha1(text)


class PasswordList:
    """A breached-password list (see the module doc): ``password in the_list``."""

    def __init__(self, path: Path, action: str = BLOCK) -> None:
        if action not in (BLOCK, AUDIT):
            raise ValueError(f"the compromised-password action is BLOCK or AUDIT, not {action}")
        self.path = path
        self.action = action
        self._sorted = b""
        if not path.is_dir():
            digests = set()
            with path.open(encoding="utf-8", errors="surrogateescape") as fh:
                for line in fh:
                    found = _entry(line)
                    if found is not None:
                        digests.add(found)
            self._sorted = b"".join(sorted(digests))

    def __len__(self) -> int:
        return len(self._sorted) // DIGEST

    def __repr__(self) -> str:
        return f"PasswordList({str(self.path)!r}, action={self.action})"

    def __contains__(self, password: object) -> bool:
        if not isinstance(password, str):
            return False
        digest = sha1(password)
        if self.path.is_dir():
            return self._in_range_file(digest)
        entries = _Entries(self._sorted)
        at = bisect.bisect_left(entries, digest)
        return at < len(entries) and hmac.compare_digest(entries[at], digest)

    def _in_range_file(self, digest: bytes) -> bool:
        text = digest.hex().upper()
        prefix, suffix = text[:5], text[5:]
        for name in (prefix, prefix + ".txt", prefix.lower(), prefix.lower() + ".txt"):
            candidate = self.path / name
            if candidate.is_file():
                with candidate.open(encoding="ascii", errors="replace") as fh:
                    return any(line.split(":", 1)[0].strip().upper() == suffix for line in fh)
        return False


@dataclass(frozen=True)
class _Entries:
    """The sorted digests as a sequence, for :mod:`bisect`."""

    data: bytes

    def __len__(self) -> int:
        return len(self.data) // DIGEST

    def __getitem__(self, i: int) -> bytes:
        return self.data[i * DIGEST : (i + 1) * DIGEST]


def action_for(found: PasswordList, pool: Pool) -> str:
    mode = (pool.config.get("user_pool_add_ons") or {}).get("advanced_security_mode")
    return AUDIT if mode == AUDIT else found.action


def check(
    svc: Services, pool: Pool, password: str, *, event: str, user: UserRecord | None = None
) -> None:
    """Refuse (BLOCK) or report (AUDIT) a password found in the server's list."""
    listed = svc.breached
    if listed is None or password not in listed:
        return
    action = action_for(listed, pool)
    audit.emit(
        "CompromisedPassword",
        audit.REFUSED if action == BLOCK else audit.SUCCESS,
        user=user,
        pool_id=pool.id,
        action=action,
        flow=event,
    )
    if action == BLOCK:
        raise InvalidPasswordException(REFUSED)
