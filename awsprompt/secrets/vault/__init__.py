"""Vault backends behind one interface; `open_vault()` picks the configured one."""

from __future__ import annotations

from awsprompt.secrets.vault.base import Backend, DataCipher, KeyInfo, LongTermKey, key_fingerprint
from awsprompt.secrets.vault.filevault import FileVault
from awsprompt.secrets.vault.keyringvault import KeyringVault

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


Vault = FileVault | KeyringVault


def open_vault() -> Vault:
    """The backend chosen by `backend:` in settings or AWSPROMPT_BACKEND (default: file)."""
    from awsprompt.config import settings

    if settings.load().backend == "keyring":
        return KeyringVault()
    return FileVault()
