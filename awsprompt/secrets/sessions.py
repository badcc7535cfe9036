"""The encrypted session cache: one file per session, plaintext metadata, sealed secrets.

The record format lives here and only here: `read_record` parses a file, `open_record`
decrypts one. The hot path (`shell/fastpath.py`) uses both, so this module stays light
(no dataclasses, no cryptography: the cipher does the crypto, locally or in the agent).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from awsprompt import fsutil
from awsprompt.aws.credentials import Credentials
from awsprompt.errors import VaultDamaged
from awsprompt.secrets import crypto
from awsprompt.secrets.lazycipher import LazyCipher

if TYPE_CHECKING:
    from awsprompt.clock import Clock
    from awsprompt.secrets.vault.base import DataCipher

PURPOSE = "session-cache"
FORMAT = 1


def cache_key(material: dict[str, Any]) -> str:
    """A stable file-name-safe digest of everything that changes a session's result."""
    blob = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:40]


class SessionMeta:
    """What is known about a cached session without decrypting it (not secret)."""

    __slots__ = ("account", "arn", "expires", "key", "kind", "profile", "source_fp")

    def __init__(
        self,
        key: str,
        profile: str,
        kind: str,
        expires: int,
        account: str = "",
        arn: str = "",
        source_fp: str = "",
    ) -> None:
        self.key = key
        self.profile = profile
        self.kind = kind
        self.expires = expires
        self.account = account
        self.arn = arn
        self.source_fp = source_fp

    def __repr__(self) -> str:
        return f"SessionMeta(key={self.key!r}, profile={self.profile!r}, expires={self.expires})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SessionMeta):
            return NotImplemented
        return self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(self.key)

    def seconds_left(self, now: float) -> float:
        """Seconds until this session expires."""
        return self.expires - now

    def to_json(self) -> dict[str, Any]:
        """Metadata as stored (and authenticated as the record's associated data)."""
        return {
            "v": FORMAT,
            "key": self.key,
            "profile": self.profile,
            "kind": self.kind,
            "expires": self.expires,
            "account": self.account,
            "arn": self.arn,
            "source_fp": self.source_fp,
        }


def read_record(path: Path) -> tuple[SessionMeta, bytes] | None:
    """The metadata and sealed secret of the session file PATH; None if absent or unreadable."""
    try:
        raw = json.loads(fsutil.read_private(path))
        meta = SessionMeta(
            key=str(raw["key"]),
            profile=str(raw["profile"]),
            kind=str(raw["kind"]),
            expires=int(raw["expires"]),
            account=str(raw.get("account", "")),
            arn=str(raw.get("arn", "")),
            source_fp=str(raw.get("source_fp", "")),
        )
        return meta, crypto.b64d(raw["sealed"], "session")
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, VaultDamaged):
        return None


def open_record(meta: SessionMeta, sealed: bytes, cipher: DataCipher) -> Credentials | None:
    """Decrypt a record's secret; None when it was sealed under another key or tampered."""
    plain = cipher.unseal(
        PURPOSE,
        sealed[: crypto.NONCE_LEN],
        sealed[crypto.NONCE_LEN :],
        crypto.session_aad(meta.to_json()),
    )
    if plain is None:
        return None
    try:
        data = json.loads(plain)
        return Credentials(
            str(data["AccessKeyId"]),
            str(data["SecretAccessKey"]),
            data.get("SessionToken"),
            datetime.fromtimestamp(meta.expires, timezone.utc),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def seal_record(meta: SessionMeta, creds: Credentials, cipher: DataCipher) -> bytes:
    """The file content for CREDS under META."""
    plain = json.dumps(
        {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
        }
    ).encode()
    nonce, ct = cipher.seal(PURPOSE, plain, crypto.session_aad(meta.to_json()))
    return json.dumps({**meta.to_json(), "sealed": crypto.b64e(nonce + ct)}).encode()


class SessionCache:
    """Sessions keyed by cache_key(), each sealed with the vault's session-cache subkey."""

    def __init__(self, cipher: Callable[[], DataCipher], folder: Path, clock: Clock) -> None:
        self.folder = folder
        self.clock = clock
        self._cipher = LazyCipher(cipher)

    def path(self, key: str) -> Path:
        """The file of session KEY."""
        return self.folder / f"{key}.json"

    def _checked(self) -> None:
        """Refuse a cache folder with group/other bits, another owner, or a symlink."""
        fsutil.check_private(self.folder, is_dir=True)

    def peek(self, key: str) -> SessionMeta | None:
        """Metadata of the cached session KEY, without decrypting."""
        self._checked()
        found = read_record(self.path(key))
        return found[0] if found and found[0].key == key else None

    def get(self, key: str, min_ttl: float) -> Credentials | None:
        """The session KEY if it has more than MIN_TTL seconds left."""
        self._checked()
        found = read_record(self.path(key))
        if found is None:
            return None
        meta, sealed = found
        if meta.key != key or meta.seconds_left(self.clock.time()) <= min_ttl:
            return None
        return open_record(meta, sealed, self._cipher.get())

    def put(self, meta: SessionMeta, creds: Credentials) -> None:
        """Seal and store CREDS under META.key (atomic, 0600)."""
        fsutil.ensure_private_dir(self.folder)
        fsutil.atomic_write(self.path(meta.key), seal_record(meta, creds, self._cipher.get()))
        self.prune()

    def entries(self) -> Iterator[SessionMeta]:
        """Metadata of every cached session (unreadable files are skipped)."""
        self._checked()
        try:
            names = sorted(os.listdir(self.folder))
        except FileNotFoundError:
            return
        for name in names:
            if name.endswith(".json") and not name.startswith("."):
                found = read_record(self.folder / name)
                if found is not None:
                    yield found[0]

    def prune(self) -> int:
        """Delete expired sessions; return how many."""
        now = self.clock.time()
        return sum(self.drop(m.key) for m in list(self.entries()) if m.seconds_left(now) <= 0)

    def clear(
        self, profile: str | None = None, source_fp: str | None = None, keys: set[str] | None = None
    ) -> int:
        """Delete sessions of PROFILE, of the key SOURCE_FP, with KEYS, or all; return count."""
        removed = 0
        for meta in list(self.entries()):
            if (
                (profile is None and source_fp is None and keys is None)
                or (profile is not None and meta.profile == profile)
                or (source_fp is not None and meta.source_fp == source_fp)
                or (keys is not None and meta.key in keys)
            ):
                removed += self.drop(meta.key)
        return removed

    def drop(self, key: str) -> int:
        """Delete session KEY; 1 if it existed."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path(key))
            return 1
        return 0
