"""Token storage: the memory store, the encrypted file, the OS keyring (through keyring with
an in-memory backend), and the session's layout under Amplify's key names."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import keyring.backend
import keyring.errors
import pytest
from tests.client.support import authentication_result

from authpool.client import (
    AuthFlowType,
    DeviceMetadata,
    EncryptedFileStorage,
    KeyringStorage,
    KeyValueStorage,
    MemoryStorage,
    SignInDetails,
    StorageError,
)
from authpool.client.models import JWT
from authpool.client.storage import StoredTokens, TokenStore


class DictKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.locked = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise keyring.errors.KeyringLocked("locked")
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.items:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.items[(service, username)]


def _roundtrip(storage: KeyValueStorage) -> None:
    assert storage.get_item("a") is None
    storage.set_item("a", "1")
    storage.set_item("b", "2")
    assert storage.get_item("a") == "1"
    storage.remove_item("a")
    storage.remove_item("a")  # removing twice is fine
    assert (storage.get_item("a"), storage.get_item("b")) == (None, "2")


def test_memory_storage() -> None:
    storage = MemoryStorage()
    _roundtrip(storage)
    assert isinstance(storage, KeyValueStorage)


def test_encrypted_file_with_a_key(tmp_path: Path) -> None:
    key = EncryptedFileStorage.generate_key()
    path = tmp_path / "nested" / "tokens"
    storage = EncryptedFileStorage(path, key=key)
    _roundtrip(storage)
    assert path.stat().st_mode & 0o777 == 0o600
    assert EncryptedFileStorage(path, key=key).get_item("b") == "2"
    with pytest.raises(StorageError, match="wrong key"):
        EncryptedFileStorage(path, key=EncryptedFileStorage.generate_key())
    assert [p.name for p in path.parent.iterdir()] == ["tokens"]  # no temporary files left


def test_encrypted_file_with_a_passphrase_and_tampering(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    EncryptedFileStorage(path, passphrase="pass phrase").set_item("secret", "value")
    document = json.loads(path.read_text())
    assert "value" not in path.read_text()
    assert EncryptedFileStorage(path, passphrase="pass phrase").get_item("secret") == "value"
    ciphertext = bytearray(base64.b64decode(document["ciphertext"]))
    ciphertext[0] ^= 1
    document["ciphertext"] = base64.b64encode(bytes(ciphertext)).decode()
    path.write_text(json.dumps(document))
    with pytest.raises(StorageError, match="altered"):
        EncryptedFileStorage(path, passphrase="pass phrase")
    path.write_text("not json")
    with pytest.raises(StorageError, match="not an authpool token file"):
        EncryptedFileStorage(path, passphrase="pass phrase")


def test_encrypted_file_arguments(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="key or a passphrase"):
        EncryptedFileStorage(tmp_path / "t")
    with pytest.raises(Exception, match="key or a passphrase"):
        EncryptedFileStorage(tmp_path / "t", key=b"k" * 32, passphrase="p")
    with pytest.raises(Exception, match="32 bytes"):
        EncryptedFileStorage(tmp_path / "t", key=b"short")


def test_keyring_storage() -> None:
    backend = DictKeyring()
    storage = KeyringStorage("authpool-test", backend=backend)
    _roundtrip(storage)
    assert backend.items == {("authpool-test", "b"): "2"}
    backend.locked = True
    with pytest.raises(StorageError, match="keyring refused"):
        storage.get_item("b")


def _tokens(username: str = "ada") -> StoredTokens:
    result = authentication_result(username)
    return StoredTokens(
        access_token=JWT.decode(result["AccessToken"]),
        id_token=JWT.decode(result["IdToken"]),
        refresh_token=result["RefreshToken"],
        username=username,
        clock_drift=-3,
        sign_in_details=SignInDetails("ada@example.com", AuthFlowType.USER_SRP_AUTH),
    )


def test_the_session_layout_is_amplifys() -> None:
    storage = MemoryStorage()
    store = TokenStore(storage, "client123")
    tokens = _tokens()
    store.save(tokens)
    prefix = "CognitoIdentityServiceProvider.client123"
    assert storage.get_item(f"{prefix}.LastAuthUser") == "ada"
    assert storage.get_item(f"{prefix}.ada.accessToken") == tokens.access_token.raw
    assert storage.get_item(f"{prefix}.ada.refreshToken") == tokens.refresh_token
    assert storage.get_item(f"{prefix}.ada.clockDrift") == "-3"
    assert json.loads(storage.get_item(f"{prefix}.ada.signInDetails") or "") == {
        "loginId": "ada@example.com",
        "authFlowType": "USER_SRP_AUTH",
    }
    loaded = store.load()
    assert loaded is not None
    assert (loaded.username, loaded.clock_drift, loaded.refresh_token) == (
        "ada", -3, tokens.refresh_token
    )  # fmt: skip
    assert loaded.sign_in_details == tokens.sign_in_details
    assert str(tokens.refresh_token) not in repr(loaded)
    assert tokens.access_token.raw not in repr(loaded)

    device = DeviceMetadata("us-east-1_abc", "-group", "device-secret")
    store.save_device("ada", device)
    assert "device-secret" not in repr(device)
    store.clear()
    assert store.load() is None
    assert store.device("ada") == device  # devices outlive the session
    store.clear_device("ada")
    assert store.device("ada") is None
    assert len(storage) == 0


@pytest.mark.parametrize(
    ("key", "value"),
    [("accessToken", "garbage"), ("signInDetails", "{"), ("clockDrift", "soon")],
)
def test_unreadable_leftovers_count_as_signed_out(key: str, value: Any) -> None:
    storage = MemoryStorage()
    store = TokenStore(storage, "client123")
    store.save(_tokens())
    storage.set_item(f"CognitoIdentityServiceProvider.client123.ada.{key}", value)
    assert store.load() is None
