"""Key derivation and authenticated encryption shared by the vault and the session cache."""

from __future__ import annotations

import base64
import json
import os
from typing import Any, NamedTuple

from awsprompt.errors import VaultDamaged

KEY_LEN = 32
NONCE_LEN = 12
SALT_LEN = 16

# Bounds checked on every header before deriving, so a crafted file cannot make us
# allocate gigabytes or spin for minutes (the CVE-2023-50658 class of bug). A real vault
# uses RFC 9106's low-memory profile (64 MiB, t=3, p=4); the bounds leave a margin of 4x
# in memory and in total work (memory x passes), and no more.
MAX_MEMORY_KIB = 256 * 1024
MAX_ITERATIONS = 8
MAX_LANES = 8
MAX_WORK = 4 * 64 * 1024 * 3  # KiB x passes: four times the default's


class KdfParams(NamedTuple):
    """Argon2id parameters, stored in the vault header."""

    memory_kib: int
    iterations: int
    lanes: int

    def to_json(self) -> dict[str, Any]:
        """Header form."""
        return {"name": "argon2id", **self._asdict()}

    @classmethod
    def from_json(cls, data: Any) -> KdfParams:
        """Parse and bound header parameters; raise VaultDamaged if absurd."""
        if not isinstance(data, dict) or data.get("name") != "argon2id":
            raise VaultDamaged("vault header names an unknown key derivation function")
        try:
            params = cls(int(data["memory_kib"]), int(data["iterations"]), int(data["lanes"]))
        except (KeyError, TypeError, ValueError):
            raise VaultDamaged("vault header has malformed KDF parameters") from None
        if not (
            1 <= params.lanes <= MAX_LANES
            and 1 <= params.iterations <= MAX_ITERATIONS
            and 8 * params.lanes <= params.memory_kib <= MAX_MEMORY_KIB
            and params.memory_kib * params.iterations <= MAX_WORK
        ):
            raise VaultDamaged(
                "vault header has KDF parameters out of bounds "
                f"(memory {params.memory_kib} KiB, iterations {params.iterations},"
                f" lanes {params.lanes})"
            )
        return params


# RFC 9106's second recommended option ("low memory"): 64 MiB, t=3, p=4.
RFC_9106_LOW_MEMORY = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
# Only for tests: chosen with AWSPROMPT_INSECURE_TEST_KDF=1 when a vault is created.
CHEAPEST = KdfParams(memory_kib=64, iterations=1, lanes=1)


def default_params(*, test_kdf: bool = False) -> KdfParams:
    """Parameters for a new vault (TEST_KDF: AWSPROMPT_INSECURE_TEST_KDF=1, tests only)."""
    return CHEAPEST if test_kdf else RFC_9106_LOW_MEMORY


def derive_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """Argon2id(passphrase, salt) -> 32-byte key-encryption key."""
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    kdf = Argon2id(
        salt=salt,
        length=KEY_LEN,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(passphrase.encode("utf-8"))


def subkey(key: bytes, purpose: str) -> bytes:
    """Derive an independent key for PURPOSE from the vault's data key (HKDF-SHA256)."""
    import hashlib
    import hmac

    # HKDF with one output block, written out to keep cryptography off the import path.
    prk = hmac.new(b"awsprompt-hkdf-v1", key, hashlib.sha256).digest()
    return hmac.new(prk, purpose.encode() + b"\x01", hashlib.sha256).digest()


def seal(key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """AES-256-GCM encrypt; return (nonce, ciphertext||tag)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_LEN)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes | None:
    """AES-256-GCM decrypt; None when authentication fails."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError):
        return None


def session_aad(fields: dict[str, Any]) -> bytes:
    """Associated data binding a cached session to its plaintext metadata."""
    return b"awsprompt-session/1|" + json.dumps(fields, sort_keys=True).encode()


def b64e(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def b64d(text: Any, what: str) -> bytes:
    """Decode base64 from a file, raising VaultDamaged on garbage."""
    raw = text if isinstance(text, bytes) else str(text).encode("ascii", "replace")
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError:
        raise VaultDamaged(f"{what} is not valid base64") from None
