"""Long-term keys kept in the awsprompt vault: the usual source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from awsprompt.aws.credentials import Credentials
from awsprompt.aws.sources._asis import UsedAsIs
from awsprompt.errors import NotInVault

if TYPE_CHECKING:
    from awsprompt.config.profiles import Source
    from awsprompt.context import Context


@dataclass(frozen=True)
class VaultKeys(UsedAsIs):
    """The vault's keys for the source profile (named by the vault's key fingerprint)."""

    source: Source
    fingerprint: str

    @classmethod
    def open(cls, ctx: Context, source: Source) -> VaultKeys:
        """Name the stored key from the vault's index (no unlocking)."""
        info = ctx.vault.index().get(source.profile)
        if info is None:
            raise NotInVault(f"no keys for profile {source.profile!r} in the vault")
        return cls(source, info.fingerprint)

    @property
    def can_get_session_token(self) -> bool:
        """The vault holds long-term keys only."""
        return True

    def credentials(self, ctx: Context, *, prompt: bool = True) -> Credentials:
        """The stored key (unlocks the vault)."""
        key = ctx.vault.get(self.source.profile)
        return Credentials(key.access_key_id, key.secret_access_key)
