"""Vault backends behind one interface; `open_vault()` picks the configured one."""

from __future__ import annotations

import os

from awsprompt.errors import ConfigError
from awsprompt.vault.base import Backend, DataCipher, KeyInfo, LongTermKey, key_fingerprint
from awsprompt.vault.filevault import FileVault

__all__ = [
    "Backend",
    "DataCipher",
    "FileVault",
    "KeyInfo",
    "LongTermKey",
    "key_fingerprint",
    "open_vault",
]


def open_vault() -> FileVault:
    """The vault selected by AWSPROMPT_BACKEND (default: the encrypted file)."""
    backend = os.environ.get("AWSPROMPT_BACKEND", "file")
    if backend != "file":
        raise ConfigError(
            f"unknown vault backend {backend!r} in AWSPROMPT_BACKEND", hint="use 'file'"
        )
    return FileVault()
