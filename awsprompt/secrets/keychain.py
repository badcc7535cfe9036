"""The OS keychain (Secret Service, macOS Keychain) through the optional `keyring` package."""

from __future__ import annotations

from typing import Any

from awsprompt.errors import ConfigError

PASSPHRASE_SERVICE = "awsprompt-vault"  # noqa: S105 - a keychain item name, not a secret
PASSPHRASE_USER = "passphrase"  # noqa: S105 - a keychain item name, not a secret


def keyring_module() -> Any:
    """The `keyring` package, or a ConfigError saying how to install it."""
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise ConfigError(
            "the keyring backend needs the keyring package",
            hint="pip install 'awsprompt[keyring]' (./install.sh does it for you)",
        ) from None
    return keyring


def stored_passphrase() -> str | None:
    """The file vault's passphrase from the keychain (keyring_passphrase: true)."""
    value = keyring_module().get_password(PASSPHRASE_SERVICE, PASSPHRASE_USER)
    return None if value is None else str(value)


def store_passphrase(value: str) -> None:
    """Keep the file vault's passphrase in the keychain."""
    keyring_module().set_password(PASSPHRASE_SERVICE, PASSPHRASE_USER, value)
