"""What every domain operation runs with: the store, the master key, the clock, randomness,
the message channel and the server's identity. Built once at start-up."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from authpool.clock import Clock
from authpool.domain.breached import PasswordList
from authpool.domain.hooks.protocol import NoTriggers, TriggerRuntime
from authpool.domain.messages import MessageSender
from authpool.domain.ports import Store
from authpool.tokens import SigningKey, load_signing_key
from authpool.vault import Vault

SIGNING_KEY_PURPOSE = "signing-key"


class KeyCache:
    """Loaded signing keys by kid. Keys never change once created, so caching them in a
    worker is safe; a new kid (rotation) is simply a miss."""

    def __init__(self) -> None:
        self._keys: dict[str, SigningKey] = {}
        self._lock = threading.Lock()

    def get(self, kid: str, sealed: bytes, vault: Vault) -> SigningKey:
        key = self._keys.get(kid)
        if key is None:
            key = load_signing_key(kid, vault.open(sealed, purpose=SIGNING_KEY_PURPOSE))
            with self._lock:
                self._keys[kid] = key
        return key


@dataclass
class Services:
    store: Store
    vault: Vault
    clock: Clock
    sender: MessageSender
    public_url: str
    region: str = "us-east-1"
    account_id: str = "000000000000"
    token_bytes: Callable[[int], bytes] = secrets.token_bytes
    keys: KeyCache = field(default_factory=KeyCache)
    triggers: TriggerRuntime = field(default_factory=NoTriggers)  # Lambda triggers
    breached: PasswordList | None = None  # the breached-password list, if configured

    def issuer(self, pool_id: str) -> str:
        return f"{self.public_url}/{pool_id}"

    def pool_arn(self, pool_id: str) -> str:
        return f"arn:aws:cognito-idp:{self.region}:{self.account_id}:userpool/{pool_id}"
