"""The OS keychain backend (Secret Service, macOS Keychain) through the `keyring` package."""

from __future__ import annotations

import base64
import contextlib
import json
import os
from datetime import datetime, timezone
from typing import Any

from awsprompt import fsutil, paths
from awsprompt.errors import ConfigError, NotInVault
from awsprompt.secrets.vault.base import DataCipher, KeyInfo, LongTermKey, key_fingerprint

SERVICE = "awsprompt"
CACHE_KEY_USER = "__session_cache_key__"
PASSPHRASE_SERVICE = "awsprompt-vault"  # noqa: S105 - a keychain item name, not a secret
PASSPHRASE_USER = "passphrase"  # noqa: S105 - a keychain item name, not a secret


def _keyring() -> Any:
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise ConfigError(
            "the keyring backend needs the keyring package",
            hint="pip install 'awsprompt[keyring]' (./install.sh does it for you)",
        ) from None
    return keyring


class KeyringVault:
    """Each profile's keys as one keychain item; a non-secret index beside the state folder."""

    name = "keyring"
    where = "the OS keychain"

    def __init__(self) -> None:
        self.index_path = paths.state_dir() / "keyring-index.json"

    def exists(self) -> bool:
        """True once a key has been stored."""
        return self.index_path.exists()

    def index(self) -> dict[str, KeyInfo]:
        """Non-secret facts from the index file (no keychain access)."""
        try:
            raw = json.loads(fsutil.read_private(self.index_path))
        except FileNotFoundError:
            return {}
        return {
            name: KeyInfo(
                name, datetime.fromisoformat(m["added"]), m["key_id_tail"], m["fingerprint"]
            )
            for name, m in raw.items()
        }

    def get(self, profile: str) -> LongTermKey:
        """Read PROFILE's item from the keychain."""
        raw = _keyring().get_password(SERVICE, profile)
        if raw is None:
            raise NotInVault(
                f"no keys for profile {profile!r} in the OS keychain",
                hint=f"add them with `awsprompt add {profile}`",
            )
        data = json.loads(raw)
        return LongTermKey(
            data["access_key_id"],
            data["secret_access_key"],
            datetime.fromisoformat(data["added"]),
            data.get("notes", ""),
        )

    def put(self, profile: str, key: LongTermKey) -> None:
        """Store PROFILE's keys as a keychain item and update the index."""
        item = {
            "access_key_id": key.access_key_id,
            "secret_access_key": key.secret_access_key,
            "added": key.added.astimezone(timezone.utc).isoformat(timespec="seconds"),
            "notes": key.notes,
        }
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
        folder = fsutil.ensure_private_dir(paths.state_dir())
        with fsutil.file_lock(folder / "vault.lock", 30, "keyring index"):
            raw: dict[str, Any] = {}
            if self.index_path.exists():
                raw = json.loads(fsutil.read_private(self.index_path))
            if item is None:
                raw.pop(profile, None)
            else:
                raw[profile] = {
                    "added": item["added"],
                    "key_id_tail": item["access_key_id"][-4:],
                    "fingerprint": key_fingerprint(item["access_key_id"]),
                }
            fsutil.atomic_write(self.index_path, json.dumps(raw, sort_keys=True).encode())
            names = "".join(f"{n}\n" for n in sorted(raw))
            fsutil.atomic_write(paths.vault_names_path(), names.encode())

    def cipher(self) -> DataCipher:
        """A session-cache cipher whose random key is itself a keychain item."""
        from awsprompt.secrets.vault.filevault import LocalCipher

        kr = _keyring()
        raw = kr.get_password(SERVICE, CACHE_KEY_USER)
        if raw is None:
            raw = base64.b64encode(os.urandom(32)).decode()
            kr.set_password(SERVICE, CACHE_KEY_USER, raw)
        return LocalCipher(base64.b64decode(raw))


def stored_passphrase() -> str | None:
    """The file vault's passphrase from the keychain (keyring_passphrase: true)."""
    return _keyring().get_password(PASSPHRASE_SERVICE, PASSPHRASE_USER)


def store_passphrase(value: str) -> None:
    """Keep the file vault's passphrase in the keychain."""
    _keyring().set_password(PASSPHRASE_SERVICE, PASSPHRASE_USER, value)
