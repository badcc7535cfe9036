"""The OS keychain backend (Secret Service, macOS Keychain) through the `keyring` package."""

from __future__ import annotations

import base64
import contextlib
import json
import os
from typing import TYPE_CHECKING, Any

from awsprompt import fsutil
from awsprompt.errors import NotInVault
from awsprompt.secrets.keychain import keyring_module as _keyring
from awsprompt.secrets.vault.base import (
    DataCipher,
    KeyInfo,
    LocalCipher,
    LongTermKey,
    index_entry,
    info_from_entry,
    key_from_record,
    key_to_record,
)

if TYPE_CHECKING:
    from awsprompt.context import Context

SERVICE = "awsprompt"
CACHE_KEY_USER = "__session_cache_key__"


class KeyringVault:
    """Each profile's keys as one keychain item; a non-secret index beside the state folder."""

    name = "keyring"
    where = "the OS keychain"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.index_path = ctx.paths.keyring_index_path()

    def exists(self) -> bool:
        """True once a key has been stored."""
        return self.index_path.exists()

    def index(self) -> dict[str, KeyInfo]:
        """Non-secret facts from the index file (no keychain access)."""
        try:
            raw = json.loads(fsutil.read_private(self.index_path))
        except FileNotFoundError:
            return {}
        return {name: info_from_entry(name, m) for name, m in raw.items()}

    def get(self, profile: str) -> LongTermKey:
        """Read PROFILE's item from the keychain."""
        raw = _keyring().get_password(SERVICE, profile)
        if raw is None:
            raise NotInVault(
                f"no keys for profile {profile!r} in the OS keychain",
                hint=f"add them with `awsprompt add {profile}`",
            )
        return key_from_record(json.loads(raw))

    def put(self, profile: str, key: LongTermKey) -> None:
        """Store PROFILE's keys as a keychain item and update the index."""
        item = key_to_record(key)
        _keyring().set_password(SERVICE, profile, json.dumps(item))
        self._update_index(profile, item)

    def put_many(self, keys: dict[str, LongTermKey]) -> None:
        """Store several keys."""
        for name, key in keys.items():
            self.put(name, key)

    def all_keys(self) -> dict[str, LongTermKey]:
        """Every stored key."""
        return {name: self.get(name) for name in self.index()}

    def delete(self, profile: str) -> None:
        """Delete PROFILE's item."""
        if profile not in self.index():
            raise NotInVault(f"no keys for profile {profile!r} in the OS keychain")
        kr = _keyring()
        # Already gone from the keychain is fine: the index entry goes below.
        with contextlib.suppress(kr.errors.PasswordDeleteError):
            kr.delete_password(SERVICE, profile)
        self._update_index(profile, None)

    def _update_index(self, profile: str, item: dict[str, str] | None) -> None:
        folder = fsutil.ensure_private_dir(self.ctx.paths.state_dir())
        with fsutil.file_lock(folder / "vault.lock", 30, "keyring index"):
            raw: dict[str, Any] = {}
            if self.index_path.exists():
                raw = json.loads(fsutil.read_private(self.index_path))
            if item is None:
                raw.pop(profile, None)
            else:
                raw[profile] = index_entry(item)
            fsutil.atomic_write(self.index_path, json.dumps(raw, sort_keys=True).encode())
            names = "".join(f"{n}\n" for n in sorted(raw))
            fsutil.atomic_write(self.ctx.paths.vault_names_path(), names.encode())

    def cipher(self) -> DataCipher:
        """A session-cache cipher whose random key is itself a keychain item."""
        kr = _keyring()
        raw = kr.get_password(SERVICE, CACHE_KEY_USER)
        if raw is None:
            raw = base64.b64encode(os.urandom(32)).decode()
            kr.set_password(SERVICE, CACHE_KEY_USER, raw)
        return LocalCipher(base64.b64decode(raw))
