"""Effective settings: built-in defaults, then the settings file, then the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from awsprompt.durations import parse_duration


@dataclass(frozen=True)
class Settings:
    """The knobs the engine and the prompt read."""

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
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def prompt_settings(self) -> dict[str, str]:
        """What the zsh prompt needs, sent by `export --format zsh` as shell settings."""
        return {
            "_awsprompt_cfg_warn": str(self.prompt_warn_minutes),
            "_awsprompt_cfg_critical": str(self.prompt_critical_minutes),
            "_awsprompt_cfg_prod": " ".join(self.production_patterns),
        }


def load() -> Settings:
    """Settings with environment overrides applied."""
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    for var in ("AWS_MIN_TTL", "AWSPROMPT_MIN_TTL"):
        raw = os.environ.get(var)
        if raw:
            values["min_ttl"] = parse_duration(raw, var)
            sources["min_ttl"] = f"${var}"
    raw = os.environ.get("AWSPROMPT_LOCK_TIMEOUT")
    if raw:
        values["lock_timeout"] = float(parse_duration(raw, "AWSPROMPT_LOCK_TIMEOUT"))
        sources["lock_timeout"] = "$AWSPROMPT_LOCK_TIMEOUT"
    return Settings(**values, sources=sources)  # type: ignore[arg-type]
