"""Read ~/.aws/config and ~/.aws/credentials and resolve a profile into its chain of hops."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from awsprompt.aws.credentials import Credentials
from awsprompt.aws.sso import config as sso_config
from awsprompt.aws.sso.config import SsoConfig
from awsprompt.config import ini
from awsprompt.errors import ConfigError, ProfileNotFound
from awsprompt.names import is_valid_profile_name, validate_profile_name

ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}")
MIN_DURATION, MAX_DURATION = 900, 43200

SourceKind = Literal["vault", "file", "process", "sso"]


@dataclass(frozen=True)
class RoleHop:
    """One sts:AssumeRole step, with the settings of the profile that names the role."""

    profile: str
    role_arn: str
    external_id: str | None = None
    role_session_name: str | None = None
    duration_seconds: int | None = None
    mfa_serial: str | None = None
    mfa_process: str | None = None
    session_tags: tuple[tuple[str, str], ...] = ()
    transitive_session_tags: tuple[str, ...] = ()
    source_identity: str | None = None

    @property
    def account(self) -> str:
        """The twelve-digit account id from the role ARN."""
        match = ROLE_ARN.fullmatch(self.role_arn)
        return match.group(1) if match else ""


@dataclass(frozen=True)
class Source:
    """Where the chain's first credentials come from."""

    profile: str
    kind: SourceKind
    mfa_serial: str | None = None
    mfa_process: str | None = None
    duration_seconds: int | None = None
    credential_process: str | None = None
    static: Credentials | None = field(default=None, repr=False)
    sso: SsoConfig | None = None


@dataclass(frozen=True)
class Profile:
    """A fully resolved profile: its source and the roles assumed from it, in order."""

    name: str
    source: Source
    hops: tuple[RoleHop, ...]
    region: str | None
    settings: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def account(self) -> str | None:
        """The account of the final role (an AssumeRole or an Identity Center role), if known."""
        if self.hops:
            return self.hops[-1].account
        return self.source.sso.account_id if self.source.sso is not None else None

    @property
    def kind(self) -> str:
        """A short description for tables: keys, role, or credential_process."""
        if self.hops:
            return "role"
        kinds = {"vault": "keys", "file": "keys", "process": "credential_process", "sso": "sso"}
        return kinds[self.source.kind]


class AwsFiles:
    """The config and credentials files, parsed once (by awsprompt.config.ini, as botocore does)."""

    def __init__(self, config: Path, credentials: Path) -> None:
        self.config_path = config
        self.credentials_path = credentials
        self.config = ini.read_config(config)
        self.credentials = ini.read(credentials)
        # Profile name -> key/values: [default] and [profile NAME] of the config file, and
        # every section of the credentials file. An indented block is kept as its raw text.
        self.config_sections: dict[str, dict[str, str]] = {
            name: dict(section.values) for name, section in self.config.profiles.items()
        }
        self.credentials_sections: dict[str, dict[str, str]] = {
            title: dict(section.values) for title, section in self.credentials.items()
        }

    def names(self) -> list[str]:
        """Every profile name in either file (valid names only)."""
        found = set(self.config_sections) | set(self.credentials_sections)
        return sorted(n for n in found if is_valid_profile_name(n))

    def raw(self, name: str) -> dict[str, str] | None:
        """The merged key/values of NAME (credentials file wins for keys), or None."""
        if name not in self.config_sections and name not in self.credentials_sections:
            return None
        merged = dict(self.config_sections.get(name, {}))
        merged.update(self.credentials_sections.get(name, {}))
        return merged


class Resolver:
    """Turns profile names into Profile objects, following source_profile and include_profile."""

    def __init__(self, files: AwsFiles, vault_names: Iterable[str] = ()) -> None:
        self.files = files
        self.vault_names = frozenset(vault_names)

    def resolve(self, name: str) -> Profile:
        """Resolve NAME; raise ProfileNotFound or ConfigError naming the profile and key."""
        validate_profile_name(name)
        return self._resolve(name, ())

    def settings(self, name: str, trail: tuple[str, ...] = ()) -> dict[str, str]:
        """NAME's own keys merged over those of its include_profile chain."""
        raw = self.files.raw(name)
        if raw is None:
            if name in self.vault_names:
                return {}
            raise self._not_found(name, trail)
        include = raw.get("include_profile")
        if not include:
            return raw
        if include in (*trail, name):
            raise ConfigError(
                f"profile {(*trail, name)[0]!r}: include_profile loop:"
                f" {' -> '.join((*trail, name, include))}"
            )
        base = self.settings(include, (*trail, name))
        return {**base, **{k: v for k, v in raw.items() if k != "include_profile"}}

    def require(self, name: str) -> None:
        """Raise ProfileNotFound (with suggestions) unless NAME is in a file or the vault."""
        validate_profile_name(name)
        if self.files.raw(name) is None and name not in self.vault_names:
            raise self._not_found(name, ())

    def _not_found(self, name: str, trail: tuple[str, ...]) -> ProfileNotFound:
        known = sorted(set(self.files.names()) | self.vault_names)
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "`awsprompt list` shows profiles"
        where = f" (source_profile of {trail[-1]!r})" if trail else ""
        return ProfileNotFound(
            f"profile {name!r}{where} not found in {self.files.config_path},"
            f" {self.files.credentials_path} or the vault",
            hint=hint,
        )

    def _resolve(self, name: str, trail: tuple[str, ...]) -> Profile:
        if name in trail:
            raise ConfigError(
                f"profile {trail[0]!r}: source_profile loop: {' -> '.join((*trail, name))}",
                hint="each source_profile must eventually name a profile with keys",
            )
        conf = self.settings(name, trail)
        region = conf.get("region") or None
        role_arn = conf.get("role_arn")
        if role_arn:
            hop = self._hop(name, conf)
            source_name = conf.get("source_profile")
            if conf.get("credential_source") and not source_name:
                raise ConfigError(
                    f"profile {name!r}: credential_source is not supported",
                    hint="use source_profile naming a profile with keys",
                )
            if not source_name:
                raise ConfigError(
                    f"profile {name!r}: role_arn without source_profile",
                    hint="add source_profile = <profile with keys>",
                )
            if source_name == name:
                return Profile(name, self._source(name, conf), (hop,), region, conf)
            if not is_valid_profile_name(source_name):
                raise ConfigError(f"profile {name!r}: invalid source_profile {source_name!r}")
            parent = self._resolve(source_name, (*trail, name))
            return Profile(name, parent.source, (*parent.hops, hop), region, conf)
        return Profile(name, self._source(name, conf), (), region, conf)

    def _source(self, name: str, conf: Mapping[str, str]) -> Source:
        common = {
            "profile": name,
            "mfa_serial": conf.get("mfa_serial") or None,
            "mfa_process": conf.get("mfa_process") or None,
            "duration_seconds": _duration(name, conf),
        }
        if sso_config.is_sso_profile(conf) or sso_config.has_sso_session(conf):
            # botocore's order: Identity Center settings come before any keys.
            sessions = {n: dict(s.values) for n, s in self.files.config.sso_sessions.items()}
            where = str(self.files.config_path)
            sso = sso_config.resolve_profile(name, conf, sessions, where=where)
            return Source(kind="sso", sso=sso, **common)  # type: ignore[arg-type]
        if name in self.vault_names:
            return Source(kind="vault", **common)  # type: ignore[arg-type]
        key_id = conf.get("aws_access_key_id")
        secret = conf.get("aws_secret_access_key")
        if key_id and secret:
            static = Credentials(key_id, secret, conf.get("aws_session_token") or None)
            return Source(kind="file", static=static, **common)  # type: ignore[arg-type]
        if key_id or secret:
            missing = "aws_secret_access_key" if key_id else "aws_access_key_id"
            raise ConfigError(f"profile {name!r}: {missing} is missing")
        process = conf.get("credential_process")
        if process:
            return Source(kind="process", credential_process=process, **common)  # type: ignore[arg-type]
        raise ConfigError(
            f"profile {name!r} has no credentials: no keys in the vault or credentials file,"
            " no role_arn and no credential_process",
            hint=f"store keys with `awsprompt add {name}`",
        )

    def _hop(self, name: str, conf: Mapping[str, str]) -> RoleHop:
        role_arn = conf["role_arn"].strip()
        if not ROLE_ARN.fullmatch(role_arn):
            raise ConfigError(
                f"profile {name!r}: role_arn {role_arn!r} is not a role ARN",
                hint="expected arn:aws:iam::123456789012:role/NAME",
            )
        session_name = conf.get("role_session_name") or None
        if session_name is not None and not re.fullmatch(r"[\w+=,.@-]{2,64}", session_name):
            raise ConfigError(
                f"profile {name!r}: role_session_name {session_name!r} is invalid",
                hint="2-64 characters from letters, digits and +=,.@-",
            )
        return RoleHop(
            profile=name,
            role_arn=role_arn,
            external_id=conf.get("external_id") or None,
            role_session_name=session_name,
            duration_seconds=_duration(name, conf),
            mfa_serial=conf.get("mfa_serial") or None,
            mfa_process=conf.get("mfa_process") or None,
            session_tags=_tags(name, conf.get("session_tags", "")),
            transitive_session_tags=tuple(
                t.strip() for t in conf.get("transitive_session_tags", "").split(",") if t.strip()
            ),
            source_identity=conf.get("source_identity") or None,
        )


def _duration(name: str, conf: Mapping[str, str]) -> int | None:
    raw = conf.get("duration_seconds")
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"profile {name!r}: duration_seconds {raw!r} is not a whole number of seconds"
        ) from None
    if not MIN_DURATION <= value <= MAX_DURATION:
        raise ConfigError(
            f"profile {name!r}: duration_seconds {value} is outside {MIN_DURATION}..{MAX_DURATION}"
        )
    return value


def _tags(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    tags = []
    for raw_item in raw.split(","):
        item = raw_item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"profile {name!r}: session_tags item {item!r} is not KEY=VALUE",
                hint="session_tags = team=platform,env=dev",
            )
        tags.append((key.strip(), value.strip()))
    return tuple(tags)
