"""The backend interface every vault implements, and the records it stores."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol


def key_fingerprint(access_key_id: str) -> str:
    """A short non-secret digest of an access key id, used in session cache keys."""
    return hashlib.sha256(access_key_id.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LongTermKey:
    """An IAM user's access key pair as stored in the vault."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    added: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
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

    def age_days(self, now: datetime | None = None) -> int:
        """Whole days since the key was added or last rotated."""
        return ((now or datetime.now(timezone.utc)) - self.added).days


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

    def delete(self, profile: str) -> None:
        """Forget PROFILE's key; raise NotInVault if none."""
        ...

    def cipher(self) -> DataCipher:
        """The cipher used for the session cache (unlocks)."""
        ...
