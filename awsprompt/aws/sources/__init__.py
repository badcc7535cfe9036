"""Credential sources: where a chain's first credentials come from, one module per kind.

The resolver says which kind a profile's source is (`Source.kind`); `REGISTRY` maps the
kind to the class that fingerprints it and fetches its credentials. The planner and the
engine only see the `CredentialSource` interface, so a new kind (IAM Identity Center, web
identity, ...) is one module here and one entry in `REGISTRY`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from awsprompt.aws.plan import SourceFacts
from awsprompt.aws.sources.plaintext import PlaintextKeys
from awsprompt.aws.sources.process import CredentialProcess
from awsprompt.aws.sources.sso import SsoRole
from awsprompt.aws.sources.vault import VaultKeys
from awsprompt.errors import ConfigError

if TYPE_CHECKING:
    from awsprompt.aws.credentials import Credentials
    from awsprompt.config.profiles import Source
    from awsprompt.context import Context


class CredentialSource(SourceFacts, Protocol):
    """A profile's source: what the planner needs, and the first credentials on demand."""

    @property
    def source(self) -> Source:
        """The resolved source settings (profile name, MFA, duration)."""
        ...

    def credentials(self, ctx: Context, *, prompt: bool = True) -> Credentials:
        """The first credentials of the chain (may unlock the vault, run a command or warn).

        PROMPT false: never ask a person (no MFA prompt, no browser sign-in).
        """
        ...


# Opens the source for a resolved Source: reads only what naming it needs (no secrets).
Opener = Callable[["Context", "Source"], CredentialSource]

REGISTRY: dict[str, Opener] = {
    "vault": VaultKeys.open,
    "file": PlaintextKeys.open,
    "process": CredentialProcess.open,
    "sso": SsoRole.open,
}


def open_source(ctx: Context, source: Source) -> CredentialSource:
    """The CredentialSource for SOURCE, by its kind."""
    opener = REGISTRY.get(source.kind)
    if opener is None:
        raise ConfigError(f"profile {source.profile!r} has no usable source of credentials")
    return opener(ctx, source)
