"""Where the tokens live between calls and between runs: pluggable, as in Amplify.

A :class:`KeyValueStorage` holds strings under string keys; three ship here:

- :class:`MemoryStorage` (the default): the session lasts as long as the process;
- :class:`EncryptedFileStorage`: one file, AES-256-GCM under a key you give or one derived
  from a passphrase with scrypt; written atomically, readable by its owner only;
- :class:`KeyringStorage`: the operating system's keyring (macOS Keychain, Windows
  Credential Locker, Secret Service) through the optional ``keyring`` package.

:class:`TokenStore` lays the session out on any of them under Amplify's key names
(``CognitoIdentityServiceProvider.{client id}.{username}.accessToken`` and so on), with
the remembered-device keys beside the tokens: signing out clears the tokens and keeps the
device, as Amplify does.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from authpool.client.errors import AuthException, ConfigurationException
from authpool.client.models import JWT, AuthFlowType, DeviceMetadata, SignInDetails

__all__ = [
    "EncryptedFileStorage",
    "KeyValueStorage",
    "KeyringStorage",
    "MemoryStorage",
    "StorageError",
    "StoredTokens",
    "TokenStore",
]

KEY_PREFIX = "CognitoIdentityServiceProvider"


class StorageError(AuthException):
    """The token storage cannot be read or written."""

    default_suggestion = "Check the storage (file path, key or passphrase, keyring backend)."


@runtime_checkable
class KeyValueStorage(Protocol):
    """Strings under string keys. Implementations must be safe to call from several threads."""

    def get_item(self, key: str) -> str | None: ...

    def set_item(self, key: str, value: str) -> None: ...

    def remove_item(self, key: str) -> None: ...


class MemoryStorage:
    """A dict behind a lock: the default, gone when the process ends."""

    def __init__(self) -> None:
        self._items: dict[str, str] = {}
        self._lock = threading.Lock()

    def get_item(self, key: str) -> str | None:
        with self._lock:
            return self._items.get(key)

    def set_item(self, key: str, value: str) -> None:
        with self._lock:
            self._items[key] = value

    def remove_item(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


# -- encrypted file -------------------------------------------------------------------------------
_FILE_FORMAT = "authpool-client-tokens/1"
_AAD = _FILE_FORMAT.encode()
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text, validate=True)


class EncryptedFileStorage:
    """All items in one AES-256-GCM encrypted JSON file.

    Give either ``key`` (32 random bytes, e.g. from :meth:`generate_key`, kept somewhere safe)
    or ``passphrase`` (stretched with scrypt, n=2**15, r=8, p=1, with a random salt kept in the
    file). The file is replaced atomically on every write and created with mode 0600. One
    process at a time should write a given file.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        key: bytes | None = None,
        passphrase: str | None = None,
    ) -> None:
        if (key is None) == (passphrase is None):
            raise ConfigurationException("EncryptedFileStorage needs a key or a passphrase.")
        if key is not None and len(key) != 32:
            raise ConfigurationException("EncryptedFileStorage keys are 32 bytes.")
        self.path = Path(path)
        self._lock = threading.Lock()
        self._salt = b""
        document = self._read_document()
        if passphrase is not None:
            self._salt = _unb64(document["salt"]) if document else secrets.token_bytes(16)
            key = Scrypt(salt=self._salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(
                passphrase.encode()
            )
        assert key is not None
        self._aead = AESGCM(key)
        self._items: dict[str, str] = self._decrypt(document) if document else {}

    @staticmethod
    def generate_key() -> bytes:
        return AESGCM.generate_key(bit_length=256)

    def _read_document(self) -> dict[str, Any] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"Cannot read {self.path}: {exc}") from exc
        try:
            document = json.loads(raw)
            if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
                raise ValueError("unknown format")
            _unb64(document.get("salt", ""))
        except ValueError as exc:
            raise StorageError(f"{self.path} is not an authpool token file.") from exc
        return document

    def _decrypt(self, document: dict[str, Any]) -> dict[str, str]:
        try:
            plain = self._aead.decrypt(
                _unb64(document["nonce"]), _unb64(document["ciphertext"]), _AAD
            )
            items = json.loads(plain)
        except (InvalidTag, KeyError, ValueError) as exc:
            raise StorageError(
                f"Cannot decrypt {self.path}: wrong key or passphrase, or the file was altered."
            ) from exc
        if not isinstance(items, dict) or not all(isinstance(v, str) for v in items.values()):
            raise StorageError(f"{self.path} holds no token items.")
        return items

    def _write(self) -> None:
        nonce = secrets.token_bytes(12)
        plain = json.dumps(self._items, separators=(",", ":")).encode()
        document = {
            "format": _FILE_FORMAT,
            "salt": _b64(self._salt),
            "nonce": _b64(nonce),
            "ciphertext": _b64(self._aead.encrypt(nonce, plain, _AAD)),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as out:  # mkstemp creates the file with mode 0600
                out.write(json.dumps(document).encode())
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise StorageError(f"Cannot write {self.path}: {exc}") from exc

    def get_item(self, key: str) -> str | None:
        with self._lock:
            return self._items.get(key)

    def set_item(self, key: str, value: str) -> None:
        with self._lock:
            if self._items.get(key) != value:
                self._items[key] = value
                self._write()

    def remove_item(self, key: str) -> None:
        with self._lock:
            if self._items.pop(key, None) is not None:
                self._write()


class KeyringStorage:
    """Each item as one password in the OS keyring, under ``service_name``.

    Needs the ``keyring`` package (``pip install authpool[keyring]``). ``backend`` picks a
    keyring backend explicitly instead of keyring's own choice.
    """

    def __init__(self, service_name: str = "authpool", *, backend: Any = None) -> None:
        try:
            keyring = importlib.import_module("keyring")
            errors = importlib.import_module("keyring.errors")
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigurationException(
                "KeyringStorage needs the keyring package: pip install 'authpool[keyring]'."
            ) from exc
        self.service_name = service_name
        self._keyring: Any = backend if backend is not None else keyring.get_keyring()
        self._errors: Any = errors

    @contextlib.contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        try:
            yield
        except self._errors.KeyringError as exc:
            raise StorageError(f"The keyring refused to {what}: {exc}") from exc

    def get_item(self, key: str) -> str | None:
        with self._translate("read an item"):
            value = self._keyring.get_password(self.service_name, key)
        return value if isinstance(value, str) else None

    def set_item(self, key: str, value: str) -> None:
        with self._translate("store an item"):
            self._keyring.set_password(self.service_name, key, value)

    def remove_item(self, key: str) -> None:
        with (
            self._translate("delete an item"),
            contextlib.suppress(self._errors.PasswordDeleteError),
        ):
            self._keyring.delete_password(self.service_name, key)


# -- the session layout ---------------------------------------------------------------------------
class StoredTokens:
    """The signed-in session as stored: tokens, the username, the clock drift (seconds the
    server's clock is ahead of ours) and how the user signed in."""

    __slots__ = ("access_token", "clock_drift", "id_token", "refresh_token", "sign_in_details",
                 "username")  # fmt: skip

    def __init__(
        self,
        *,
        access_token: JWT,
        id_token: JWT | None,
        refresh_token: str | None,
        username: str,
        clock_drift: int = 0,
        sign_in_details: SignInDetails | None = None,
    ) -> None:
        self.access_token = access_token
        self.id_token = id_token
        self.refresh_token = refresh_token
        self.username = username
        self.clock_drift = clock_drift
        self.sign_in_details = sign_in_details

    def __repr__(self) -> str:
        return f"StoredTokens(username={self.username!r})"


_TOKEN_KEYS = ("accessToken", "idToken", "refreshToken", "clockDrift", "signInDetails")
_DEVICE_KEYS = ("deviceKey", "deviceGroupKey", "randomPasswordKey")
_ALIAS_KEY = "username"


class TokenStore:
    """The session of one app client on a :class:`KeyValueStorage`."""

    def __init__(self, storage: KeyValueStorage, client_id: str) -> None:
        self.storage = storage
        self.client_id = client_id

    def _key(self, username: str, name: str) -> str:
        return f"{KEY_PREFIX}.{self.client_id}.{username}.{name}"

    @property
    def _last_user_key(self) -> str:
        return f"{KEY_PREFIX}.{self.client_id}.LastAuthUser"

    def load(self) -> StoredTokens | None:
        username = self.storage.get_item(self._last_user_key)
        if not username:
            return None
        access = self.storage.get_item(self._key(username, "accessToken"))
        if not access:
            return None
        get = self.storage.get_item
        try:
            id_text = get(self._key(username, "idToken"))
            details_text = get(self._key(username, "signInDetails"))
            details = None
            if details_text:
                raw = json.loads(details_text)
                details = SignInDetails(raw["loginId"], AuthFlowType(raw["authFlowType"]))
            return StoredTokens(
                access_token=JWT.decode(access),
                id_token=JWT.decode(id_text) if id_text else None,
                refresh_token=get(self._key(username, "refreshToken")),
                username=username,
                clock_drift=int(get(self._key(username, "clockDrift")) or 0),
                sign_in_details=details,
            )
        except (AuthException, ValueError, KeyError, TypeError):
            return None  # unreadable leftovers count as signed out, as in Amplify

    def save(self, tokens: StoredTokens) -> None:
        user = tokens.username
        self.storage.set_item(self._last_user_key, user)
        self.storage.set_item(self._key(user, "accessToken"), tokens.access_token.raw)
        optional = {
            "idToken": tokens.id_token.raw if tokens.id_token else None,
            "refreshToken": tokens.refresh_token,
            "signInDetails": json.dumps(
                {
                    "loginId": tokens.sign_in_details.login_id,
                    "authFlowType": tokens.sign_in_details.auth_flow_type.value,
                }
            )
            if tokens.sign_in_details
            else None,
        }
        for name, value in optional.items():
            if value is None:
                self.storage.remove_item(self._key(user, name))
            else:
                self.storage.set_item(self._key(user, name), value)
        self.storage.set_item(self._key(user, "clockDrift"), str(tokens.clock_drift))

    def clear(self) -> None:
        username = self.storage.get_item(self._last_user_key)
        if username:
            for name in _TOKEN_KEYS:
                self.storage.remove_item(self._key(username, name))
        self.storage.remove_item(self._last_user_key)

    # remembered devices, per user, surviving sign-out
    def remember_alias(self, login_id: str, username: str) -> None:
        """Note that ``login_id`` (an e-mail address, a phone number) signs ``username`` in,
        so that a later sign-in with it finds the user's device before the service says
        whose it is."""
        if login_id != username:
            self.storage.set_item(self._key(login_id, _ALIAS_KEY), username)

    def _owner(self, name: str) -> str:
        return self.storage.get_item(self._key(name, _ALIAS_KEY)) or name

    def device(self, username: str) -> DeviceMetadata | None:
        owner = self._owner(username)
        key, group, password = (
            self.storage.get_item(self._key(owner, name)) for name in _DEVICE_KEYS
        )
        if key and group and password:
            return DeviceMetadata(key, group, password)
        return None

    def save_device(self, username: str, device: DeviceMetadata) -> None:
        values = (device.device_key, device.device_group_key, device.device_password)
        for name, value in zip(_DEVICE_KEYS, values, strict=True):
            self.storage.set_item(self._key(username, name), value)

    def clear_device(self, username: str) -> None:
        owner = self._owner(username)
        for name in _DEVICE_KEYS:
            self.storage.remove_item(self._key(owner, name))
