"""A profile's own credential_process: run the command, use the JSON it prints."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from awsprompt.aws import runner
from awsprompt.aws.credentials import Credentials
from awsprompt.aws.sources._asis import UsedAsIs
from awsprompt.errors import ConfigError, CredentialProcessFailed

if TYPE_CHECKING:
    from awsprompt.config.profiles import Source
    from awsprompt.context import Context


@dataclass(frozen=True)
class CredentialProcess(UsedAsIs):
    """The command in the profile's credential_process (run as the AWS CLI runs it)."""

    source: Source
    command: str

    @classmethod
    def open(cls, ctx: Context, source: Source) -> CredentialProcess:
        """The configured command (not run yet)."""
        return cls.of(source)

    @classmethod
    def of(cls, source: Source) -> CredentialProcess:
        """The command in SOURCE.credential_process."""
        if not source.credential_process:
            raise ConfigError(f"profile {source.profile!r} has no usable source of credentials")
        return cls(source, source.credential_process)

    @property
    def fingerprint(self) -> str:
        """The profile and its command (the credentials are unknown until it runs)."""
        blob = f"{self.source.profile}|{self.command}"
        return "process-" + hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def can_get_session_token(self) -> bool:
        """Never: its output is used as it is, whatever kind of keys the command prints."""
        return False

    def credentials(self, ctx: Context, *, prompt: bool = True) -> Credentials:
        """Run the command and parse its JSON."""
        out = runner.run(ctx.env, runner.CREDENTIAL_PROCESS, self.command, self.source.profile)
        return parse(out, self.source.profile)


def parse(text: str, profile: str) -> Credentials:
    """credential_process JSON (Version 1) as Credentials."""
    try:
        data = json.loads(text)
        if data.get("Version") != 1:
            raise ValueError("Version")
        expiration = data.get("Expiration")
        return Credentials(
            str(data["AccessKeyId"]),
            str(data["SecretAccessKey"]),
            data.get("SessionToken"),
            datetime.fromisoformat(expiration.replace("Z", "+00:00")) if expiration else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CredentialProcessFailed(
            f"credential_process of profile {profile!r} printed no valid credentials JSON",
            hint='it must print {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}',
        ) from None
