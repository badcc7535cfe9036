"""Where the vault passphrase comes from: environment, then a terminal prompt."""

from __future__ import annotations

import os

from awsprompt import tty
from awsprompt.errors import NoTerminal, UsageError

ENV_VARS = ("AWSPROMPT_PASSPHRASE", "AWS_VAULT_FILE_PASSPHRASE")


def from_environment() -> str | None:
    """The passphrase from AWSPROMPT_PASSPHRASE or AWS_VAULT_FILE_PASSPHRASE, if set."""
    for var in ENV_VARS:
        value = os.environ.get(var)
        if value:
            tty.warn(
                f"reading the vault passphrase from ${var}; an environment variable is weaker"
                " than a prompt, the agent (awsprompt unlock) or the OS keychain",
                once_key="env-passphrase",
            )
            return value
    return None


def from_keyring() -> str | None:
    """The passphrase from the OS keychain when `keyring_passphrase: true` is set."""
    from awsprompt.config import settings

    if not settings.load().keyring_passphrase:
        return None
    from awsprompt.secrets.vault.keyringvault import stored_passphrase

    return stored_passphrase()


def get_passphrase(*, creating: bool = False, what: str = "vault") -> str:
    """Return the passphrase; when CREATING ask twice on the terminal."""
    value = from_environment()
    if value is not None:
        return value
    if not creating:
        value = from_keyring()
        if value is not None:
            return value
    try:
        if not creating:
            return tty.ask(f"Passphrase for the awsprompt {what}: ", secret=True)
        first = tty.ask(f"New passphrase for the awsprompt {what}: ", secret=True)
        if len(first) < 8:
            raise UsageError("the passphrase must be at least 8 characters")
        second = tty.ask("Repeat the passphrase: ", secret=True)
    except NoTerminal:
        raise NoTerminal(
            f"the {what} is locked and there is no terminal to ask for its passphrase",
            hint="run `awsprompt unlock` in a terminal first, or set AWSPROMPT_PASSPHRASE",
        ) from None
    if first != second:
        raise UsageError("the two passphrases differ; nothing was written")
    return first
