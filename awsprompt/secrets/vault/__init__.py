"""Vault backends behind one interface; `open_vault()` picks the configured one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from awsprompt.secrets.vault.base import Backend, DataCipher, KeyInfo, LongTermKey, key_fingerprint
from awsprompt.secrets.vault.filevault import FileVault
from awsprompt.secrets.vault.keyringvault import KeyringVault

if TYPE_CHECKING:
    from awsprompt.context import Context

__all__ = [
    "Backend",
    "DataCipher",
    "FileVault",
    "KeyInfo",
    "KeyringVault",
    "LongTermKey",
    "Vault",
    "key_fingerprint",
    "open_vault",
]


# Every caller sees the one interface; the CLI's vault commands that need more (the
# agent hand-over of a typed key) check for FileVault explicitly.
Vault = Backend


def open_vault(ctx: Context) -> Vault:
    """The backend chosen by `backend:` in settings or AWSPROMPT_BACKEND (default: file)."""
    if ctx.settings.backend == "keyring":
        return KeyringVault(ctx)
    return FileVault(ctx)
