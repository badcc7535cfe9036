"""Every path awsprompt reads or writes, resolved in one place."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """The folder holding the vault, the session cache and settings."""
    explicit = os.environ.get("AWSPROMPT_HOME")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg).expanduser() / "awsprompt"
    return Path.home() / ".local" / "share" / "awsprompt"


def vault_path() -> Path:
    """The encrypted file vault."""
    return state_dir() / "vault.v1"


def vault_names_path() -> Path:
    """Plain list of vault profile names, one per line, read by zsh completion."""
    return state_dir() / "vault.names"


def sessions_dir() -> Path:
    """The encrypted session cache."""
    return state_dir() / "sessions"


def settings_path() -> Path:
    """The user's settings file."""
    return state_dir() / "config.yaml"


def recent_path() -> Path:
    """Profile use counts and times for the aws-use picker (not secret)."""
    return state_dir() / "recent"


def accounts_path() -> Path:
    """Known account aliases (not secret)."""
    return state_dir() / "accounts.json"


def aws_config_path() -> Path:
    """The AWS CLI config file, honouring AWS_CONFIG_FILE."""
    return Path(os.environ.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config").expanduser()


def aws_credentials_path() -> Path:
    """The AWS shared credentials file, honouring AWS_SHARED_CREDENTIALS_FILE."""
    default = Path.home() / ".aws" / "credentials"
    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or default).expanduser()


def runtime_dir() -> Path:
    """The private folder for the agent's socket."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return Path(xdg) / "awsprompt"
    return Path("/tmp") / f"awsprompt-{os.getuid()}"  # noqa: S108 - created 0700 and owner-checked
