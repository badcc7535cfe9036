"""Effective settings: built-in defaults, then $AWSPROMPT_HOME/config.yaml, then the environment."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from awsprompt import fsutil
from awsprompt.durations import format_duration, parse_duration
from awsprompt.errors import AwspromptError, ConfigError

if TYPE_CHECKING:
    from awsprompt.context import Context


@dataclass(frozen=True)
class Settings:
    """Every knob, with its default. The README's settings table mirrors SCHEMA below."""

    backend: str = "file"
    keyring_passphrase: bool = False
    agent_offer: bool = True
    agent_idle_ttl: int = 3600
    agent_max_ttl: int = 12 * 3600
    # GetSessionToken duration when the profile is used alone / as a source for roles.
    session_duration: int = 3600
    chain_session_duration: int = 8 * 3600
    role_duration: int = 3600
    # Sessions with less than this left are refreshed (aws-vault's AWS_MIN_TTL).
    min_ttl: int = 300
    lock_timeout: float = 300.0
    rotation_days: int = 90
    prompt_warn_minutes: int = 15
    prompt_critical_minutes: int = 5
    production_patterns: tuple[str, ...] = ("*prod*",)
    # Also write IAM Identity Center tokens to ~/.aws/sso/cache (plaintext) for the AWS CLI.
    sso_write_cli_cache: bool = False
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def prompt_settings(self) -> dict[str, str]:
        """What the zsh prompt needs, sent by `export --format zsh` as shell settings."""
        return {
            "_awsprompt_cfg_warn": str(self.prompt_warn_minutes),
            "_awsprompt_cfg_critical": str(self.prompt_critical_minutes),
            "_awsprompt_cfg_prod": " ".join(self.production_patterns),
            "_awsprompt_cfg_refresh": str(self.min_ttl),
        }


def _duration(value: Any, key: str) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    try:
        return parse_duration(str(value), key)
    except AwspromptError:
        raise ValueError from None


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError
    return value


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError
    return value


def _backend(value: Any, key: str) -> str:
    if value not in ("file", "keyring"):
        raise ValueError
    return str(value)


def _patterns(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError
    return tuple(value)


# What a bad value's hint says each parser expects.
EXPECTED: dict[Any, str] = {
    _duration: "a duration such as 30s, 5m, 1h or 1h30m",
    _bool: "true or false",
    _int: "a whole number, 0 or more",
    _backend: "file or keyring",
    _patterns: "a glob such as '*prod*', or a list of them",
}

# YAML path -> (Settings field, parser, description)
SCHEMA: dict[str, tuple[str, Any, str]] = {
    "backend": ("backend", _backend, "where long-term keys live: file or keyring"),
    "keyring_passphrase": (
        "keyring_passphrase",
        _bool,
        "keep the file vault's passphrase in the OS keychain",
    ),
    "agent.offer": ("agent_offer", _bool, "offer to start the agent after a passphrase prompt"),
    "agent.idle_ttl": ("agent_idle_ttl", _duration, "agent forgets the key after this idle time"),
    "agent.max_ttl": ("agent_max_ttl", _duration, "agent forgets the key after this time"),
    "sessions.duration": ("session_duration", _duration, "GetSessionToken for a profile alone"),
    "sessions.chain_duration": (
        "chain_session_duration",
        _duration,
        "MFA session shared by roles of one source",
    ),
    "sessions.role_duration": ("role_duration", _duration, "AssumeRole without duration_seconds"),
    "sessions.refresh_window": ("min_ttl", _duration, "refresh sessions with less time left"),
    "sessions.lock_timeout": ("lock_timeout", _duration, "wait for another process at most"),
    "rotation_days": ("rotation_days", _int, "keys older than this are due for rotation"),
    "prompt.warn_minutes": ("prompt_warn_minutes", _int, "prompt turns warning colour"),
    "prompt.critical_minutes": ("prompt_critical_minutes", _int, "prompt turns critical colour"),
    "sso.write_cli_cache": (
        "sso_write_cli_cache",
        _bool,
        "also write Identity Center tokens to the AWS CLI's plaintext cache",
    ),
    "prompt.production_patterns": (
        "production_patterns",
        _patterns,
        "profile globs shown in the production colour",
    ),
}
ENV: dict[str, tuple[str, str]] = {
    "AWS_MIN_TTL": ("sessions.refresh_window", "$AWS_MIN_TTL"),
    "AWSPROMPT_MIN_TTL": ("sessions.refresh_window", "$AWSPROMPT_MIN_TTL"),
    "AWSPROMPT_LOCK_TIMEOUT": ("sessions.lock_timeout", "$AWSPROMPT_LOCK_TIMEOUT"),
    "AWSPROMPT_BACKEND": ("backend", "$AWSPROMPT_BACKEND"),
}


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    """The settings file's content, via a JSON copy keyed on mtime and size (keeps yaml off)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {}
    stamp = f"{st.st_mtime_ns}:{st.st_size}"
    cache = path.with_name(".config.yaml.json")
    try:
        cached = json.loads(cache.read_bytes())
        if cached.get("stamp") == stamp:
            return dict(cached["data"])
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot parse {path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a mapping of settings")
    # A settings file with dates or other non-JSON values is simply not cached.
    with contextlib.suppress(OSError, TypeError, ValueError):
        fsutil.atomic_write(cache, json.dumps({"stamp": stamp, "data": data}).encode())
    return data


def load(ctx: Context) -> Settings:
    """Defaults, overridden by the settings file, overridden by the environment."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    path = ctx.paths.settings_path()
    for key, raw in _flatten(_read_yaml(path)).items():
        _apply(values, sources, key, raw, f"{path}")
    for var, (key, source) in ENV.items():
        raw = ctx.env.get(var)
        if raw:
            _apply(values, sources, key, raw, source)
    settings = replace(Settings(), **values)
    if settings.prompt_critical_minutes > settings.prompt_warn_minutes:
        raise ConfigError(
            "prompt.critical_minutes must not be above prompt.warn_minutes",
            hint=f"edit {path}",
        )
    object.__setattr__(settings, "sources", sources)
    return settings


def _apply(values: dict[str, Any], sources: dict[str, str], key: str, raw: Any, src: str) -> None:
    if key not in SCHEMA:
        import difflib

        close = difflib.get_close_matches(key, SCHEMA, n=1)
        raise ConfigError(
            f"unknown setting {key!r} in {src}",
            hint=f"did you mean {close[0]!r}?" if close else "`awsprompt config` lists settings",
        )
    name, parser, _ = SCHEMA[key]
    try:
        values[name] = parser(raw, key)
    except ValueError:
        raise ConfigError(
            f"bad value {raw!r} for setting {key!r} in {src}",
            hint=f"{key} ({SCHEMA[key][2]}) takes {EXPECTED[parser]}",
        ) from None
    sources[name] = src


def display(key: str, value: Any) -> Any:
    """VALUE as the settings file would write it (durations as 1h, 5m, ...)."""
    if SCHEMA[key][1] is _duration:
        return format_duration(value)
    return list(value) if isinstance(value, tuple) else value


def effective(settings: Settings) -> list[tuple[str, Any, str]]:
    """(setting, value, where it came from) for `awsprompt config` (durations in seconds)."""
    rows = []
    for key, (name, _, _) in SCHEMA.items():
        value = getattr(settings, name)
        if isinstance(value, tuple):
            value = list(value)
        rows.append((key, value, settings.sources.get(name, "default")))
    return rows
