"""The encrypted session cache: one file per session, plaintext metadata, sealed secrets."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from awsprompt import fsutil, paths
from awsprompt.aws.credentials import Credentials
from awsprompt.errors import VaultDamaged
from awsprompt.secrets import crypto
from awsprompt.secrets.vault.base import DataCipher

PURPOSE = "session-cache"


def cache_key(material: dict[str, Any]) -> str:
    """A stable file-name-safe digest of everything that changes a session's result."""
    blob = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class SessionMeta:
    """What is known about a cached session without decrypting it (not secret)."""

    key: str
    profile: str
    kind: str
    expires: int
    account: str = ""
    arn: str = ""
    source_fp: str = ""

    def seconds_left(self, now: float | None = None) -> float:
        """Seconds until this session expires."""
        return self.expires - (time.time() if now is None else now)

    def to_json(self) -> dict[str, Any]:
        """Metadata as stored."""
        return {
            "v": 1,
            "key": self.key,
            "profile": self.profile,
            "kind": self.kind,
            "expires": self.expires,
            "account": self.account,
            "arn": self.arn,
            "source_fp": self.source_fp,
        }


def _aad(meta: SessionMeta) -> bytes:
    return crypto.session_aad(meta.to_json())


class SessionCache:
    """Sessions keyed by cache_key(), each sealed with the vault's session-cache subkey."""

    def __init__(self, cipher: Callable[[], DataCipher], folder: Path | None = None) -> None:
        self.folder = folder or paths.sessions_dir()
        self._cipher_factory = cipher
        self._cipher: DataCipher | None = None

    def _get_cipher(self) -> DataCipher:
        if self._cipher is None:
            self._cipher = self._cipher_factory()
        return self._cipher

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def _read_meta(self, path: Path) -> tuple[SessionMeta, bytes] | None:
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
        except (ValueError, KeyError, TypeError, VaultDamaged):
            return None

    def peek(self, key: str) -> SessionMeta | None:
        """Metadata of the cached session KEY, without decrypting."""
        found = self._read_meta(self._path(key))
        return found[0] if found and found[0].key == key else None

    def get(self, key: str, min_ttl: float, now: float | None = None) -> Credentials | None:
        """The session KEY if it has more than MIN_TTL seconds left."""
        found = self._read_meta(self._path(key))
        if found is None:
            return None
        meta, sealed = found
        if meta.key != key or meta.seconds_left(now) <= min_ttl:
            return None
        plain = self._get_cipher().unseal(
            PURPOSE, sealed[: crypto.NONCE_LEN], sealed[crypto.NONCE_LEN :], _aad(meta)
        )
        if plain is None:
            # Sealed under another vault key (a recreated vault) or tampered: ignore it.
            return None
        data = json.loads(plain)
        return Credentials(
            data["AccessKeyId"],
            data["SecretAccessKey"],
            data.get("SessionToken"),
            datetime.fromtimestamp(meta.expires, timezone.utc),
        )

    def put(self, meta: SessionMeta, creds: Credentials) -> None:
        """Seal and store CREDS under META.key (atomic, 0600)."""
        fsutil.ensure_private_dir(self.folder)
        plain = json.dumps(
            {
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key,
                "SessionToken": creds.session_token,
            }
        ).encode()
        nonce, ct = self._get_cipher().seal(PURPOSE, plain, _aad(meta))
        record = {**meta.to_json(), "sealed": crypto.b64e(nonce + ct)}
        fsutil.atomic_write(self._path(meta.key), json.dumps(record).encode())
        self.prune()

    def entries(self) -> Iterator[SessionMeta]:
        """Metadata of every cached session."""
        try:
            names = sorted(os.listdir(self.folder))
        except FileNotFoundError:
            return
        for name in names:
            if name.endswith(".json") and not name.startswith("."):
                found = self._read_meta(self.folder / name)
                if found is not None:
                    yield found[0]

    def prune(self, now: float | None = None) -> int:
        """Delete expired sessions; return how many."""
        removed = 0
        for meta in list(self.entries()):
            if meta.seconds_left(now) <= 0:
                removed += self._drop(meta.key)
        return removed

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
                removed += self._drop(meta.key)
        return removed

    def _drop(self, key: str) -> int:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path(key))
            return 1
        return 0
