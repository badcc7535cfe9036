"""The backend interface every vault implements, and the records it stores."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

from awsprompt.clock import SYSTEM
from awsprompt.secrets import crypto


def key_fingerprint(access_key_id: str) -> str:
    """A short non-secret digest of an access key id, used in session cache keys."""
    return hashlib.sha256(access_key_id.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LongTermKey:
    """An IAM user's access key pair as stored in the vault."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    added: datetime = field(
        default_factory=lambda: datetime.fromtimestamp(SYSTEM.time(), timezone.utc)
    )
    notes: str = ""

    @property
    def fingerprint(self) -> str:
        """Non-secret digest of the access key id."""
        return key_fingerprint(self.access_key_id)


@dataclass(frozen=True)
class KeyInfo:
    """What may be known about a stored key without unlocking the vault."""

    name: str
    added: datetime
    key_id_tail: str
    fingerprint: str

    def age_days(self, now: datetime) -> int:
        """Whole days since the key was added or last rotated."""
        return (now - self.added).days


class DataCipher(Protocol):
    """Encrypts and decrypts with the vault's data key, wherever that key lives."""

    def seal(self, purpose: str, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """Return (nonce, ciphertext) under the subkey for PURPOSE."""
        ...

    def unseal(self, purpose: str, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes | None:
        """Return the plaintext, or None when authentication fails."""
        ...


class Backend(Protocol):
    """A store of long-term keys by profile name."""

    name: str

    @property
    def where(self) -> str:
        """Where the keys live, for messages."""
        ...

    def exists(self) -> bool:
        """True once something has been stored."""
        ...

    def index(self) -> dict[str, KeyInfo]:
        """Non-secret facts about every stored key; needs no passphrase."""
        ...

    def get(self, profile: str) -> LongTermKey:
        """The stored key for PROFILE (unlocks); raise NotInVault if none."""
        ...

    def put(self, profile: str, key: LongTermKey) -> None:
        """Store or replace the key for PROFILE (unlocks, creating the store if needed)."""
        ...

    def put_many(self, keys: dict[str, LongTermKey]) -> None:
        """Store several keys at once."""
        ...

    def all_keys(self) -> dict[str, LongTermKey]:
        """Every stored key (unlocks)."""
        ...

    def delete(self, profile: str) -> None:
        """Forget PROFILE's key; raise NotInVault if none."""
        ...

    def cipher(self) -> DataCipher:
        """The cipher used for the session cache (unlocks)."""
        ...


def key_check(data_key: bytes) -> str:
    """Non-secret identifier of a data key, stored in the header and checked by the agent."""
    return hmac.new(crypto.subkey(data_key, "check"), b"awsprompt", hashlib.sha256).hexdigest()[:32]


class LocalCipher:
    """A DataCipher holding the data key in this process."""

    def __init__(self, data_key: bytes) -> None:
        self._key = data_key

    @property
    def data_key(self) -> bytes:
        """The raw key (to hand to the agent or wrap under a new passphrase)."""
        return self._key

    def seal(self, purpose: str, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """Encrypt under the PURPOSE subkey."""
        return crypto.seal(crypto.subkey(self._key, purpose), plaintext, aad)

    def unseal(self, purpose: str, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes | None:
        """Decrypt under the PURPOSE subkey."""
        return crypto.unseal(crypto.subkey(self._key, purpose), nonce, ciphertext, aad)

    def check_value(self) -> str:
        """A value that identifies the key without revealing it."""
        return key_check(self._key)


def key_to_record(key: LongTermKey) -> dict[str, str]:
    """A stored key as the JSON record every backend keeps (secret included)."""
    return {
        "access_key_id": key.access_key_id,
        "secret_access_key": key.secret_access_key,
        "added": key.added.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "notes": key.notes,
    }


def key_from_record(data: dict[str, str]) -> LongTermKey:
    """The inverse of key_to_record."""
    return LongTermKey(
        access_key_id=data["access_key_id"],
        secret_access_key=data["secret_access_key"],
        added=datetime.fromisoformat(data["added"]),
        notes=data.get("notes", ""),
    )


def index_entry(record: dict[str, str]) -> dict[str, str]:
    """The non-secret index entry of a key record (names, dates and key-id tails)."""
    return {
        "added": record["added"],
        "key_id_tail": record["access_key_id"][-4:],
        "fingerprint": key_fingerprint(record["access_key_id"]),
    }


def info_from_entry(name: str, entry: dict[str, str]) -> KeyInfo:
    """A KeyInfo from an index entry; raises KeyError, TypeError or ValueError when malformed."""
    return KeyInfo(
        name=name,
        added=datetime.fromisoformat(entry["added"]),
        key_id_tail=str(entry["key_id_tail"]),
        fingerprint=str(entry["fingerprint"]),
    )
