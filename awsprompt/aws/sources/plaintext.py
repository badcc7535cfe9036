"""Keys written in plaintext in ~/.aws/credentials (works, with a warning)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from awsprompt.aws.sources._asis import UsedAsIs
from awsprompt.errors import ConfigError
from awsprompt.secrets.vault.base import key_fingerprint

if TYPE_CHECKING:
    from awsprompt.aws.credentials import Credentials
    from awsprompt.config.profiles import Source
    from awsprompt.context import Context


@dataclass(frozen=True)
class PlaintextKeys(UsedAsIs):
    """The profile's aws_access_key_id/aws_secret_access_key (and maybe a session token)."""

    source: Source
    keys: Credentials

    @classmethod
    def open(cls, ctx: Context, source: Source) -> PlaintextKeys:
        """The keys the resolver read from the credentials file."""
        return cls.of(source)

    @classmethod
    def of(cls, source: Source) -> PlaintextKeys:
        """The keys the resolver read (SOURCE.static)."""
        if source.static is None:
            raise ConfigError(f"profile {source.profile!r} has no usable source of credentials")
        return cls(source, source.static)

    @property
    def fingerprint(self) -> str:
        """The key id's fingerprint, as the vault would name the same key."""
        return key_fingerprint(self.keys.access_key_id)

    @property
    def can_get_session_token(self) -> bool:
        """Long-term keys can; keys that already carry a session token cannot."""
        return not self.keys.is_temporary

    def credentials(self, ctx: Context, *, prompt: bool = True) -> Credentials:
        """The keys, with a warning (once per run) that they are not encrypted."""
        ctx.ui.warn(
            f"profile {self.source.profile!r} uses plaintext keys from"
            f" {ctx.paths.aws_credentials_path()};"
            " `awsprompt import` moves them into the encrypted vault",
            once_key="plaintext",
        )
        return self.keys
