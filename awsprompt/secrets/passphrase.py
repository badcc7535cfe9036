"""Where the vault passphrase comes from: environment, the OS keychain, then a prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from awsprompt.errors import NoTerminal, UsageError

if TYPE_CHECKING:
    from awsprompt.context import Context

ENV_VARS = ("AWSPROMPT_PASSPHRASE", "AWS_VAULT_FILE_PASSPHRASE")
MIN_LENGTH = 8


def from_environment(ctx: Context) -> str | None:
    """The passphrase from AWSPROMPT_PASSPHRASE or AWS_VAULT_FILE_PASSPHRASE, if set."""
    for var in ENV_VARS:
        value = ctx.env.get(var)
        if value:
            ctx.ui.warn(
                f"reading the vault passphrase from ${var}; an environment variable is weaker"
                " than a prompt, the agent (awsprompt unlock) or the OS keychain",
                once_key="env-passphrase",
            )
            return value
    return None


def from_keyring(ctx: Context) -> str | None:
    """The passphrase from the OS keychain when `keyring_passphrase: true` is set."""
    if not ctx.settings.keyring_passphrase:
        return None
    from awsprompt.secrets.keychain import stored_passphrase

    return stored_passphrase()


def get_passphrase(ctx: Context, *, creating: bool = False, what: str = "vault") -> str:
    """Return the passphrase; when CREATING ask twice on the terminal."""
    value = from_environment(ctx)
    if value is not None:
        return value
    if not creating:
        value = from_keyring(ctx)
        if value is not None:
            return value
    try:
        if not creating:
            return ctx.ui.ask(f"Passphrase for the awsprompt {what}: ", secret=True)
        first = ctx.ui.ask(f"New passphrase for the awsprompt {what}: ", secret=True)
        if len(first) < MIN_LENGTH:
            raise UsageError(f"the passphrase must be at least {MIN_LENGTH} characters")
        second = ctx.ui.ask("Repeat the passphrase: ", secret=True)
    except NoTerminal:
        if creating:
            raise NoTerminal(
                f"there is no {what} yet, and no terminal to ask for a new passphrase",
                hint="run the command in a terminal, or give the new passphrase in"
                " AWSPROMPT_PASSPHRASE for this one command, or use the OS keychain"
                " (`backend: keyring` in config.yaml, or AWSPROMPT_BACKEND=keyring)",
            ) from None
        raise NoTerminal(
            f"the {what} is locked and there is no terminal to ask for its passphrase",
            hint="run `awsprompt unlock` in a terminal first, or set AWSPROMPT_PASSPHRASE",
        ) from None
    if first != second:
        raise UsageError("the two passphrases differ; nothing was written")
    return first
