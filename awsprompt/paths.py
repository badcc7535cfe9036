"""Every path awsprompt reads or writes, resolved in one place from the environment."""

from __future__ import annotations

import os
from pathlib import Path

from awsprompt.envvars import Env


class Paths:
    """The files and folders of one invocation, derived from its environment."""

    __slots__ = ("env",)

    def __init__(self, env: Env) -> None:
        self.env = env

    def home(self) -> Path:
        """$HOME, else the account's home folder."""
        home = self.env.get("HOME")
        if home:
            return Path(home)
        import pwd  # only without $HOME: keeps the hot path's imports minimal

        return Path(pwd.getpwuid(os.getuid()).pw_dir)

    def state_dir(self) -> Path:
        """The folder holding the vault, the session cache and settings."""
        explicit = self.env.get("AWSPROMPT_HOME")
        if explicit:
            return Path(explicit).expanduser()
        xdg = self.env.get("XDG_DATA_HOME")
        if xdg:
            return Path(xdg).expanduser() / "awsprompt"
        return self.home() / ".local" / "share" / "awsprompt"

    def vault_path(self) -> Path:
        """The encrypted file vault."""
        return self.state_dir() / "vault.v1"

    def vault_names_path(self) -> Path:
        """Plain list of vault profile names, one per line, read by zsh completion."""
        return self.state_dir() / "vault.names"

    def keyring_index_path(self) -> Path:
        """The keychain backend's non-secret index."""
        return self.state_dir() / "keyring-index.json"

    def sessions_dir(self) -> Path:
        """The encrypted session cache."""
        return self.state_dir() / "sessions"

    def fastpath_dir(self) -> Path:
        """The hot path's non-secret memos."""
        return self.state_dir() / "fastpath"

    def settings_path(self) -> Path:
        """The user's settings file."""
        return self.state_dir() / "config.yaml"

    def recent_path(self) -> Path:
        """Profile use counts and times for the aws-use picker (not secret)."""
        return self.state_dir() / "recent"

    def accounts_path(self) -> Path:
        """Known account aliases (not secret)."""
        return self.state_dir() / "accounts.json"

    def aws_config_path(self) -> Path:
        """The AWS CLI config file, honouring AWS_CONFIG_FILE."""
        explicit = self.env.get("AWS_CONFIG_FILE")
        return Path(explicit).expanduser() if explicit else self.home() / ".aws" / "config"

    def aws_credentials_path(self) -> Path:
        """The AWS shared credentials file, honouring AWS_SHARED_CREDENTIALS_FILE."""
        explicit = self.env.get("AWS_SHARED_CREDENTIALS_FILE")
        return Path(explicit).expanduser() if explicit else self.home() / ".aws" / "credentials"

    def agent_socket(self) -> Path:
        """The unlock agent's socket: one agent per state folder, so two never collide."""
        import hashlib

        state = os.path.abspath(self.state_dir())
        return self.runtime_dir() / f"agent-{hashlib.sha256(state.encode()).hexdigest()[:12]}.sock"

    def agent_pointer(self) -> Path:
        """A non-secret file naming this state's agent socket, for the zsh plugin to read.

        The socket's name derives from a digest of the state folder, which zsh cannot
        compute without starting a process; it reads this file instead.
        """
        return self.state_dir() / "agent.socket"

    def runtime_dir(self) -> Path:
        """The private folder for the agent's socket."""
        xdg = self.env.get("XDG_RUNTIME_DIR")
        if xdg:
            return Path(xdg) / "awsprompt"
        return Path("/tmp") / f"awsprompt-{os.getuid()}"  # noqa: S108 - created 0700, owner-checked
