"""Resolve an SSO profile's settings with the AWS CLI v2's rules (pure: plain dicts in).

Two shapes exist. A profile with `sso_session = NAME` takes `sso_start_url`, `sso_region`
and `sso_registration_scopes` from the `[sso-session NAME]` section; a legacy profile
carries `sso_start_url` and `sso_region` itself (and has no scopes, so no refresh token).
Either names the role with `sso_account_id` and `sso_role_name`. A key present on both
the profile and its sso-session must agree, as botocore checks.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from awsprompt.errors import ConfigError

DEFAULT_SCOPES: tuple[str, ...] = ("sso:account:access",)
CONFIG_FILE = "~/.aws/config"
# Keys that make a profile use the SSO credential provider (botocore's trigger).
ROLE_KEYS = ("sso_account_id", "sso_role_name")
SESSION_KEYS = ("sso_start_url", "sso_region", "sso_registration_scopes")
SSO_KEYS = ("sso_session", *SESSION_KEYS, *ROLE_KEYS)

_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")
_ROLE = re.compile(r"[\w+=,.@-]{1,64}")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*")


@dataclass(frozen=True)
class SsoSession:
    """What one sign-in is for: an sso-session (or a legacy start URL), region and scopes."""

    name: str | None
    start_url: str
    region: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    # The legacy profile this came from, for messages only (not part of the identity).
    origin: str = field(default="", compare=False)

    @property
    def legacy(self) -> bool:
        """True for a profile with sso_start_url and no sso_session."""
        return self.name is None

    @property
    def cache_name(self) -> str:
        """What the AWS CLI hashes for the cache file: the session name, else the start URL."""
        return self.start_url if self.name is None else self.name

    @property
    def key(self) -> str:
        """A stable identity of this session (distinct for a name and an equal start URL)."""
        return f"url:{self.start_url}" if self.name is None else f"session:{self.name}"

    @property
    def fingerprint(self) -> str:
        """A short non-secret digest, for tagging the role sessions derived from this one."""
        return hashlib.sha256(f"sso|{self.key}".encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        """How messages name this session."""
        if self.name is not None:
            return f"sso-session {self.name!r}"
        if self.origin:
            return f"SSO profile {self.origin!r}"
        return f"SSO start URL {self.start_url}"

    @property
    def login_command(self) -> str:
        """The command that signs this session in, for hints."""
        if self.name is not None:
            return f"awsprompt sso login --sso-session {shlex.quote(self.name)}"
        if self.origin:
            return f"awsprompt sso login {shlex.quote(self.origin)}"
        return "awsprompt sso login"


@dataclass(frozen=True)
class SsoConfig:
    """An SSO profile: the session it signs in with and the role it asks the portal for."""

    profile: str
    session: SsoSession
    account_id: str
    role_name: str

    @property
    def session_name(self) -> str | None:
        """The sso-session's name (None for a legacy profile)."""
        return self.session.name

    @property
    def legacy(self) -> bool:
        """True for a legacy profile (no sso_session)."""
        return self.session.legacy

    @property
    def start_url(self) -> str:
        """The Identity Center start URL."""
        return self.session.start_url

    @property
    def region(self) -> str:
        """The Identity Center region (sso_region)."""
        return self.session.region

    @property
    def scopes(self) -> tuple[str, ...]:
        """The registration scopes (empty for a legacy profile)."""
        return self.session.scopes

    @property
    def role_arn(self) -> str:
        """The IAM role Identity Center assumes in the account (as this tool names it)."""
        return f"arn:aws:iam::{self.account_id}:role/{self.role_name}"


def is_region_name(value: str) -> bool:
    """True when VALUE looks like an AWS region name (us-east-1, eu-west-3, us-gov-west-1)."""
    return _REGION.fullmatch(value) is not None


def is_account_id(value: str) -> bool:
    """True for a 12-digit AWS account id."""
    return _ACCOUNT.fullmatch(value) is not None


def is_role_name(value: str) -> bool:
    """True for a valid permission set (role) name, as sso_role_name takes it."""
    return _ROLE.fullmatch(value) is not None


def is_sso_profile(keys: Mapping[str, str]) -> bool:
    """True when the profile's credentials come from Identity Center (botocore's rule)."""
    return any(_value(keys, k) for k in ROLE_KEYS)


def has_sso_session(keys: Mapping[str, str]) -> bool:
    """True when the profile names a sign-in (sso_session or a legacy sso_start_url)."""
    return bool(_value(keys, "sso_session") or _value(keys, "sso_start_url"))


def parse_scopes(raw: str) -> tuple[str, ...]:
    """`sso_registration_scopes`: comma separated, blanks dropped, the default if empty."""
    scopes = tuple(s.strip() for s in raw.split(",") if s.strip())
    return scopes or DEFAULT_SCOPES


def resolve_session(
    name: str, keys: Mapping[str, str] | None, *, where: str = CONFIG_FILE
) -> SsoSession:
    """The `[sso-session NAME]` section KEYS (None: no such section) as an SsoSession."""
    section = f"[sso-session {name}]"
    if keys is None:
        raise ConfigError(
            f"sso-session {name!r} does not exist",
            hint=f"add a {section} section with sso_start_url and sso_region to {where}",
        )
    start_url = _require(keys, "sso_start_url", f"sso-session {name!r}", section, where)
    region = _require(keys, "sso_region", f"sso-session {name!r}", section, where)
    _check_url(start_url, f"sso-session {name!r}", section, where)
    _check_region(region, f"sso-session {name!r}", section, where)
    scopes = parse_scopes(_value(keys, "sso_registration_scopes") or "")
    return SsoSession(name=name, start_url=start_url, region=region, scopes=scopes)


def session_of_profile(
    profile: str,
    keys: Mapping[str, str],
    sessions: Mapping[str, Mapping[str, str]],
    *,
    where: str = CONFIG_FILE,
) -> SsoSession:
    """The sign-in PROFILE uses (its sso-session, or its own legacy start URL and region)."""
    who = f"profile {profile!r}"
    section = f"[profile {profile}]" if profile != "default" else "[default]"
    name = _value(keys, "sso_session")
    if name:
        if name not in sessions:
            raise ConfigError(
                f"{who}: sso_session names sso-session {name!r}, which does not exist",
                hint=f"add [sso-session {name}] to {where}, or fix sso_session in {section}",
            )
        session = resolve_session(name, sessions[name], where=where)
        _check_consistent(profile, keys, sessions[name], name, where)
        return session
    if not _value(keys, "sso_start_url") and not _value(keys, "sso_region"):
        raise ConfigError(
            f"{who} has no IAM Identity Center settings (sso_session or sso_start_url)",
            hint=f"add sso_session = NAME to {section} in {where} (see `aws configure sso`)",
        )
    start_url = _require(keys, "sso_start_url", who, section, where)
    region = _require(keys, "sso_region", who, section, where)
    _check_url(start_url, who, section, where)
    _check_region(region, who, section, where)
    # Legacy profiles register without scopes, as the AWS CLI does (no refresh token).
    return SsoSession(name=None, start_url=start_url, region=region, scopes=(), origin=profile)


def resolve_profile(
    profile: str,
    keys: Mapping[str, str],
    sessions: Mapping[str, Mapping[str, str]],
    *,
    where: str = CONFIG_FILE,
) -> SsoConfig:
    """PROFILE's KEYS (with every `[sso-session]` section's keys, by name) as an SsoConfig."""
    who = f"profile {profile!r}"
    section = f"[profile {profile}]" if profile != "default" else "[default]"
    if not is_sso_profile(keys):
        raise ConfigError(
            f"{who} is not an IAM Identity Center profile (no sso_account_id or sso_role_name)",
            hint=f"add sso_account_id and sso_role_name to {section} in {where}",
        )
    session = session_of_profile(profile, keys, sessions, where=where)
    account_id = _require(keys, "sso_account_id", who, section, where)
    role_name = _require(keys, "sso_role_name", who, section, where)
    if not _ACCOUNT.fullmatch(account_id):
        raise ConfigError(
            f"{who}: sso_account_id {account_id!r} is not a 12-digit AWS account id",
            hint=f"fix sso_account_id in {section} in {where}",
        )
    if not _ROLE.fullmatch(role_name):
        raise ConfigError(
            f"{who}: sso_role_name {role_name!r} is not a valid permission set name",
            hint=f"fix sso_role_name in {section} in {where}",
        )
    return SsoConfig(profile=profile, session=session, account_id=account_id, role_name=role_name)


def _value(keys: Mapping[str, str], key: str) -> str:
    return str(keys.get(key) or "").strip()


def _require(keys: Mapping[str, str], key: str, who: str, section: str, where: str) -> str:
    value = _value(keys, key)
    if not value:
        raise ConfigError(
            f"{who} is missing {key}", hint=f"add {key} = ... to {section} in {where}"
        )
    return value


def _check_url(url: str, who: str, section: str, where: str) -> None:
    if not _URL.fullmatch(url):
        raise ConfigError(
            f"{who}: sso_start_url {url!r} is not an https:// URL",
            hint=f"copy the AWS access portal URL into sso_start_url in {section} in {where}",
        )


def _check_region(region: str, who: str, section: str, where: str) -> None:
    if not _REGION.fullmatch(region):
        raise ConfigError(
            f"{who}: sso_region {region!r} is not an AWS region name",
            hint=f"set sso_region in {section} in {where} to the Identity Center region,"
            " such as us-east-1",
        )


def _check_consistent(
    profile: str,
    keys: Mapping[str, str],
    session_keys: Mapping[str, str],
    name: str,
    where: str,
) -> None:
    """A key set on both the profile and its sso-session must have one value."""
    for key in SESSION_KEYS:
        mine, theirs = _value(keys, key), _value(session_keys, key)
        if mine and theirs and mine != theirs:
            raise ConfigError(
                f"profile {profile!r}: {key} is {mine!r} but sso-session {name!r} says {theirs!r}",
                hint=f"remove {key} from the profile (the sso-session sets it) in {where}",
            )
        if mine and not theirs:
            raise ConfigError(
                f"profile {profile!r} sets {key} but uses sso-session {name!r}, which does not",
                hint=f"move {key} into [sso-session {name}] in {where}",
            )
