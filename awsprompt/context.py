"""One context per invocation: environment, paths, settings, vault, resolver, UI and clock.

The CLI builds it once and hands it to the core; the core reads the environment, talks
to a person and reads the time only through it. Everything expensive is built on first
use and then shared, so a command parses settings, the AWS files and the vault once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING

from awsprompt.clock import SYSTEM, Clock
from awsprompt.envvars import Env
from awsprompt.paths import Paths
from awsprompt.ui import UI, Scripted

if TYPE_CHECKING:
    from awsprompt.config.profiles import AwsFiles, Resolver
    from awsprompt.config.settings import Settings
    from awsprompt.secrets.agentclient import AgentClient
    from awsprompt.secrets.sessions import SessionCache
    from awsprompt.secrets.vault import Vault


class Context:
    """What one awsprompt invocation knows about its world."""

    def __init__(self, env: Env, ui: UI | None = None, clock: Clock = SYSTEM) -> None:
        self.env = env
        self.ui: UI = ui if ui is not None else Scripted()
        self.clock = clock
        self.paths = Paths(env)
        # Called by the file vault after a passphrase was typed and opened it (data key,
        # passphrase): the CLI uses it to offer the agent. The core never asks by itself.
        self.unlock_hook: Callable[[bytes, str], None] | None = None
        # Opens a URL in the user's browser (True if it did); the CLI sets it, tests fake it.
        self.open_browser: Callable[[str], bool] | None = None

    @cached_property
    def settings(self) -> Settings:
        """Defaults, the settings file and environment overrides (loaded once)."""
        from awsprompt.config.settings import load

        return load(self)

    @cached_property
    def agent(self) -> AgentClient:
        """The unlock agent of this state (AWSPROMPT_NO_AGENT=1 turns it off)."""
        from awsprompt.secrets.agentclient import AgentClient

        return AgentClient(self.env, self.paths)

    @cached_property
    def vault(self) -> Vault:
        """The configured vault backend (opened once; unlocked on first secret use)."""
        from awsprompt.secrets.vault import open_vault

        return open_vault(self)

    @cached_property
    def files(self) -> AwsFiles:
        """~/.aws/config and ~/.aws/credentials, parsed once."""
        from awsprompt.config.profiles import AwsFiles

        return AwsFiles(self.paths.aws_config_path(), self.paths.aws_credentials_path())

    @cached_property
    def resolver(self) -> Resolver:
        """Profile resolution over the AWS files and the vault's names."""
        from awsprompt.config.profiles import Resolver

        return Resolver(self.files, self.vault.index().keys())

    @cached_property
    def sessions(self) -> SessionCache:
        """The encrypted session cache, sealed with the vault's key."""
        from awsprompt.secrets.sessions import SessionCache

        return SessionCache(self.vault.cipher, self.paths.sessions_dir(), self.clock)

    def utcnow(self) -> datetime:
        """Now, as an aware UTC datetime from the injected clock."""
        return datetime.fromtimestamp(self.clock.time(), timezone.utc)

    def forget_files(self) -> None:
        """Re-read the AWS files and the resolver next time (after this process edited them)."""
        for name in ("files", "resolver"):
            self.__dict__.pop(name, None)
