"""Key rotation: the server master key (``authpool keys rotate-master``) and a pool's token
signing key (``authpool keys rotate-signing``).

Master key. The key file becomes a keyring (:mod:`authpool.vault`): a new current key, the
old ones kept to open what they sealed. :func:`reseal_all` then re-seals every sealed column
under the new key — SRP verifiers, device verifiers, signing keys, client secrets, access-key
secrets, the TOTP secrets inside each user's ``mfa`` settings and the verifiers of their
earlier passwords (``password_history``) — row by row, so it can run
while the server serves (a worker picks the new keyring up on the first value it cannot open).
Once every value is sealed under the new key, keys older than the one just retired are
dropped; the one just retired stays, for challenge sessions and SECRET_BLOCKs in flight.

Keyed hashes (one-time codes, refresh tokens, used-session markers, lockout and rate-limit
keys, the simulated SRP salts) are compared, never opened, so they cannot be re-made without
their plaintext. The keyring pins the hash key (the one derived from the first master key)
through every rotation; a rotation therefore protects the sealed secrets, and replacing the
hash key means signing every user out (refresh tokens) and voiding open codes.

Signing key. A new RS256 key signs from now on; the pool's older keys stay in its JWKS, and
keep verifying, until every token they signed has expired (the pool's longest ID or access
token validity, at least an hour, plus a margin), then they are retired.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from authpool.domain import access_keys, audit, clients, devices, passwords, pools, totp
from authpool.domain.context import SIGNING_KEY_PURPOSE, Services
from authpool.vault import KEY_BYTES, Vault, VaultError, read_keyring, write_keyring

MARGIN = timedelta(minutes=5)
SHORTEST_GRACE = timedelta(hours=1)


def _bytes(vault: Vault, purpose: str) -> Callable[[Any], Any]:
    def change(value: Any) -> Any:
        return vault.reseal(bytes(value), purpose=purpose)

    return change


def _sealed_text(vault: Vault, text: Any) -> Any:
    """A base64 sealed string (how ``users.mfa`` keeps TOTP secrets), re-sealed."""
    if not isinstance(text, str) or not text:
        return text
    raw = base64.b64decode(text)
    new = vault.reseal(raw, purpose=totp.SECRET_PURPOSE)
    return text if new == raw else base64.b64encode(new).decode()


def _mfa(vault: Vault) -> Callable[[Any], Any]:
    def change(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = dict(value)
        token = out.get("totp")
        if isinstance(token, dict) and token.get("secret"):
            out["totp"] = {**token, "secret": _sealed_text(vault, token["secret"])}
        if out.get("totp_pending"):
            out["totp_pending"] = _sealed_text(vault, out["totp_pending"])
        return out

    return change


def _history(vault: Vault) -> Callable[[Any], Any]:
    """The earlier passwords' verifiers (``users.password_history``), each re-sealed."""

    def change(value: Any) -> Any:
        if not isinstance(value, list):
            return value
        out = []
        for entry in value:
            raw = base64.b64decode(entry["verifier"])
            new = vault.reseal(raw, purpose=passwords.VERIFIER_PURPOSE)
            out.append(
                entry if new == raw else {**entry, "verifier": base64.b64encode(new).decode()}
            )
        return out

    return change


def sealed_columns(vault: Vault) -> dict[str, Callable[[Any], Any]]:
    """Every sealed column, and how to re-seal one of its values under ``vault``'s key."""
    return {
        "access_keys.secret_sealed": _bytes(vault, access_keys.ACCESS_KEY_PURPOSE),
        "signing_keys.private_sealed": _bytes(vault, SIGNING_KEY_PURPOSE),
        "pool_clients.secret_sealed": _bytes(vault, clients.CLIENT_SECRET_PURPOSE),
        "users.verifier_sealed": _bytes(vault, passwords.VERIFIER_PURPOSE),
        "users.mfa": _mfa(vault),
        "devices.verifier_sealed": _bytes(vault, devices.VERIFIER_PURPOSE),
        "users.password_history": _history(vault),
    }


def reseal_all(svc: Services, vault: Vault) -> dict[str, int]:
    """Re-seal every sealed value under ``vault``'s current key; rows changed per column.
    Raises VaultError if a value opens under none of the vault's keys."""
    columns = sealed_columns(vault)
    changed = {name: svc.store.reseal(name, change) for name, change in columns.items()}
    audit.emit("RotateMasterKey", audit.SUCCESS, key_id=vault.key_id.hex(),
               rows=sum(changed.values()))  # fmt: skip
    return changed


def stale_values(svc: Services, vault: Vault) -> dict[str, int]:
    """How many values per column are not sealed under ``vault``'s current key (a check
    after :func:`reseal_all`; every count should be zero)."""
    found: dict[str, int] = {}
    for name, change in sealed_columns(vault).items():
        count = 0

        def probe(value: Any, change: Callable[[Any], Any] = change) -> Any:
            nonlocal count
            try:
                if change(value) != value:
                    count += 1
            except VaultError:
                count += 1
            return value  # never written: equal to what was read

        svc.store.reseal(name, probe)
        found[name] = count
    return found


@dataclass(frozen=True)
class MasterRotation:
    key_id: str
    resealed: dict[str, int]
    stale: dict[str, int]  # values left under an old key (all zero when it went through)


def rotate_master_key(svc: Services, path: Path, *, new_key: bytes | None = None) -> MasterRotation:
    """Rotate the master key kept at ``path`` and re-seal the store under it (see the module
    doc). The keyring is written before anything is re-sealed and pruned only after every
    value is re-sealed, so an interrupted rotation loses nothing: run it again."""
    ring = read_keyring(path).rotated(new_key or secrets.token_bytes(KEY_BYTES))
    write_keyring(path, ring)
    vault = Vault(ring.current, retired=ring.retired, hash_key=ring.hash_key)
    svc.vault = vault
    resealed = reseal_all(svc, vault)
    stale = stale_values(svc, vault)
    if not any(stale.values()):
        write_keyring(path, ring.pruned())
    return MasterRotation(vault.key_id.hex(), resealed, stale)


# signing keys -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SigningRotation:
    kid: str
    retired: tuple[str, ...]
    retire_at: datetime


def token_grace(svc: Services, pool_id: str) -> timedelta:
    """How long a token signed now can stay valid in ``pool_id``."""
    longest = SHORTEST_GRACE
    after: str | None = None
    while True:
        page = svc.store.list_clients(pool_id, after=after, limit=60)
        for record in page:
            client = clients.Client(record)
            longest = max(longest, client.validity("access_token"), client.validity("id_token"))
        if len(page) < 60:
            return longest + MARGIN
        after = page[-1].id


def rotate_signing_key(svc: Services, pool_id: str) -> SigningRotation:
    """A new signing key for ``pool_id``; the keys in use until now retire once every token
    they signed has expired (they stay in the JWKS until then)."""
    pools.get_pool(svc, pool_id)
    now = svc.clock.now()
    retire_at = now + token_grace(svc, pool_id)
    older = [r.kid for r in svc.store.signing_keys(pool_id) if r.retired_at is None]
    key, record = pools.new_signing_key(svc, pool_id)
    svc.store.insert_signing_key(record)
    svc.store.retire_signing_keys(pool_id, keep=key.kid, at=retire_at)
    audit.emit("RotateSigningKey", audit.SUCCESS, pool_id=pool_id, kid=key.kid)
    return SigningRotation(key.kid, tuple(older), retire_at)
