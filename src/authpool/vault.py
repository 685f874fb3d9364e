"""The server master key: sealing secrets at rest and keyed hashes.

Secrets that must be read back (SRP verifiers, signing keys, client secrets, access-key
secrets) are *sealed*: AES-256-GCM under a key derived from the master key, with the
purpose bound in as associated data, so a sealed verifier cannot be passed off as a sealed
signing key. Secrets that only need comparing (one-time codes, refresh tokens, sessions)
are stored as *keyed hashes* (HMAC-SHA256 under another derived key): a database dump
alone does not let anyone test guesses.

The master key is 32 random bytes in a file of mode 0600, created on first start.

Rotation (``authpool keys rotate-master``, :mod:`authpool.domain.key_rotation`) turns the file
into a *keyring*: the first line is the current key (it seals), the lines after it are
retired keys (they still open what they sealed, so challenge sessions in flight survive),
and a ``hash:`` line pins the keyed-hash key. Keyed hashes are compared, never opened, so
they cannot be re-made under a new key without their plaintext: the hash key therefore stays
the one derived from the first master key, through every rotation (docs/security.md lists each
keyed hash, how long it is needed, and what a new hash key would break: refresh tokens live up
to ten years, and the simulated SRP salts of unknown names must never change). A worker that meets a
value sealed under a key it does not know reads the file again (at most once a second), so
workers sharing the file pick a rotation up without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_FORMAT = b"\x01"
KEY_BYTES = 32


class VaultError(Exception):
    """A sealed value could not be opened (wrong key, wrong purpose, or tampered)."""


def _derive(master: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(master)


class Vault:
    """Seals and hashes with keys derived from one master key.

    ``key_id`` (the first 4 bytes of SHA-256 of the master key) is written into each sealed
    value so that a value sealed under another master key is recognised as such. ``retired``
    master keys still open what they sealed; ``hash_key`` (32 bytes) replaces the keyed-hash
    key derived from the master key; ``reload`` gives a fresh keyring when a value names a
    key this vault does not know.
    """

    def __init__(
        self,
        master_key: bytes,
        *,
        token_bytes: Callable[[int], bytes] = secrets.token_bytes,
        retired: Sequence[bytes] = (),
        hash_key: bytes | None = None,
        reload: Callable[[], Keyring] | None = None,
    ) -> None:
        self._token_bytes = token_bytes
        self._reload = reload
        self._reloaded_at = float("-inf")
        self._lock = threading.Lock()
        self._install(Keyring(master_key, tuple(retired), hash_key))

    def _install(self, ring: Keyring) -> None:
        for key in (ring.current, *ring.retired):
            if len(key) != KEY_BYTES:
                raise ValueError("the master key must be 32 bytes")
        if ring.hash_key is not None and len(ring.hash_key) != KEY_BYTES:
            raise ValueError("the hash key must be 32 bytes")
        openers = {key_id_of(k): AESGCM(_derive(k, b"authpool seal v1")) for k in ring.retired}
        current = AESGCM(_derive(ring.current, b"authpool seal v1"))
        openers[key_id_of(ring.current)] = current
        self._openers = openers
        self._aead = current
        self._hash_key = ring.hash_key or _derive(ring.current, b"authpool keyed hash v1")
        self.key_id = key_id_of(ring.current)

    def __repr__(self) -> str:
        return f"Vault(key_id={self.key_id.hex()})"

    def seal(self, plaintext: bytes, *, purpose: str) -> bytes:
        nonce = self._token_bytes(12)
        header = _FORMAT + self.key_id
        return header + nonce + self._aead.encrypt(nonce, plaintext, header + purpose.encode())

    def open(self, sealed: bytes, *, purpose: str) -> bytes:
        if len(sealed) < 5 + 12 + 16 or sealed[:1] != _FORMAT:
            raise VaultError("not a sealed value")
        header, nonce, body = sealed[:5], sealed[5:17], sealed[17:]
        aead = self._openers.get(header[1:]) or self._reloaded(header[1:])
        if aead is None:
            raise VaultError("sealed under another master key")
        try:
            return aead.decrypt(nonce, body, header + purpose.encode())
        except InvalidTag as exc:
            raise VaultError("sealed value does not open") from exc

    def _reloaded(self, key_id: bytes) -> AESGCM | None:
        """The opener for ``key_id`` after reading the keyring again (a rotation by another
        process), or None; the file is read at most once a second."""
        if self._reload is None:
            return None
        with self._lock:
            if time.monotonic() - self._reloaded_at >= RELOAD_INTERVAL:
                self._reloaded_at = time.monotonic()
                self._install(self._reload())
        return self._openers.get(key_id)

    def sealed_by_current(self, sealed: bytes) -> bool:
        """Whether ``sealed`` names the current master key (a rotation leaves it alone)."""
        return sealed[:1] == _FORMAT and sealed[1:5] == self.key_id

    def reseal(self, sealed: bytes, *, purpose: str) -> bytes:
        """``sealed`` under the current master key (unchanged if it already is)."""
        if self.sealed_by_current(sealed):
            return sealed
        return self.seal(self.open(sealed, purpose=purpose), purpose=purpose)

    def digest(self, value: bytes | str, *, purpose: str) -> bytes:
        """Keyed hash of ``value`` for ``purpose`` (32 bytes)."""
        data = value.encode() if isinstance(value, str) else value
        return hmac.new(self._hash_key, purpose.encode() + b"\x00" + data, "sha256").digest()


RELOAD_INTERVAL = 1.0


def key_id_of(master_key: bytes) -> bytes:
    return hashlib.sha256(master_key).digest()[:4]


@dataclass(frozen=True)
class Keyring:
    """The master key file: the current key, retired keys, and the pinned hash key."""

    current: bytes
    retired: tuple[bytes, ...] = ()
    hash_key: bytes | None = None

    def __repr__(self) -> str:
        return f"Keyring(current={key_id_of(self.current).hex()}, retired={len(self.retired)})"

    def rotated(self, new_key: bytes) -> Keyring:
        """``new_key`` current, every key so far retired (values not re-sealed yet still
        open), the hash key pinned as it is now."""
        pinned = self.hash_key or _derive(self.current, b"authpool keyed hash v1")
        return Keyring(new_key, (self.current, *self.retired), pinned)

    def pruned(self) -> Keyring:
        """Only the key retired last kept (once every stored value is sealed under the
        current key, older keys open nothing but sessions long expired)."""
        return Keyring(self.current, self.retired[:1], self.hash_key)


def read_keyring(path: Path) -> Keyring:
    """The keyring in ``path``: hex keys, one a line, the current first; ``hash:<hex>``."""
    keys: list[bytes] = []
    hash_key: bytes | None = None
    for line in path.read_text(encoding="ascii").split():
        try:
            if line.startswith("hash:"):
                hash_key = bytes.fromhex(line[5:])
            else:
                keys.append(bytes.fromhex(line))
        except ValueError as exc:
            raise ValueError(f"{path} does not hold a hex master key") from exc
    if not keys or any(len(k) != KEY_BYTES for k in keys):
        raise ValueError(f"{path} must hold a 32-byte key as hex")
    if hash_key is not None and len(hash_key) != KEY_BYTES:
        raise ValueError(f"{path} holds a hash key that is not 32 bytes")
    return Keyring(keys[0], tuple(keys[1:]), hash_key)


def write_keyring(path: Path, ring: Keyring) -> None:
    """Replace ``path`` with ``ring`` atomically (mode 0600, synced before the rename)."""
    lines = [k.hex() for k in (ring.current, *ring.retired)]
    if ring.hash_key is not None:
        lines.append("hash:" + ring.hash_key.hex())
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(("\n".join(lines) + "\n").encode())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)


def open_vault(path: Path) -> Vault:
    """The vault of the key file at ``path`` (created on first use), re-read on rotation."""
    load_or_create_master_key(path)
    ring = read_keyring(path)
    return Vault(
        ring.current,
        retired=ring.retired,
        hash_key=ring.hash_key,
        reload=lambda: read_keyring(path),
    )


def load_or_create_master_key(path: Path) -> bytes:
    """Read the master key file, creating it (mode 0600) if it does not exist yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(KEY_BYTES).hex().encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PermissionError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
    return read_keyring(path).current
