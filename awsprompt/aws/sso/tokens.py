"""Identity Center tokens at rest: the records, the AWS CLI v2 cache codec, the encrypted store.

The access token, the refresh token and the client secret are bearer secrets: they never
appear in a repr or a message. awsprompt keeps them sealed with the vault's key in the state
folder (`TokenStore`). The AWS CLI keeps them in plaintext in `~/.aws/sso/cache/<sha1>.json`;
awsprompt reads a valid token from there, and writes one back only when asked to.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from awsprompt import fsutil
from awsprompt.errors import VaultDamaged
from awsprompt.secrets import crypto
from awsprompt.secrets.lazycipher import LazyCipher

if TYPE_CHECKING:
    from awsprompt.aws.sso.config import SsoSession
    from awsprompt.clock import Clock
    from awsprompt.paths import Paths
    from awsprompt.secrets.vault.base import DataCipher

PURPOSE = "sso-token"
FORMAT = 1
CLI_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_CACHE_FILE = 64 * 1024
AUTH_CODE_GRANTS = ("authorization_code", "refresh_token")


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


@dataclass(frozen=True)
class Registration:
    """An OIDC client registration (public client); the secret is kept out of repr."""

    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ()
    issuer_url: str = ""

    def seconds_left(self, now: float) -> float:
        """Seconds until the registration expires."""
        return self.expires_at.timestamp() - now

    @property
    def for_code_flow(self) -> bool:
        """True when registered for the authorization-code grant (PKCE)."""
        return "authorization_code" in self.grant_types


@dataclass(frozen=True)
class SsoToken:
    """An Identity Center access token, with what refreshing it needs."""

    start_url: str
    region: str
    access_token: str = field(repr=False)
    expires_at: datetime
    refresh_token: str | None = field(default=None, repr=False)
    registration: Registration | None = None

    def seconds_left(self, now: float) -> float:
        """Seconds until the access token expires."""
        return self.expires_at.timestamp() - now

    def can_refresh(self, now: float) -> bool:
        """True with a refresh token and an unexpired client registration."""
        reg = self.registration
        return bool(self.refresh_token) and reg is not None and reg.seconds_left(now) > 0

    def secrets(self) -> tuple[str, ...]:
        """Every secret this record holds (for scrubbing messages)."""
        out = [self.access_token, self.refresh_token or ""]
        if self.registration is not None:
            out.append(self.registration.client_secret)
        return tuple(s for s in out if s)


@dataclass(frozen=True)
class SsoRecord:
    """What the store keeps for one session: the latest token and the latest registration."""

    token: SsoToken | None = None
    registration: Registration | None = None


@dataclass(frozen=True)
class TokenMeta:
    """What is known about a stored token without decrypting it (not secret)."""

    session_key: str
    start_url: str
    region: str
    expires: int | None
    registration_expires: int | None
    refreshable: bool

    def to_json(self) -> dict[str, Any]:
        """Stored form (and the record's associated data)."""
        return {
            "v": FORMAT,
            "session": self.session_key,
            "start_url": self.start_url,
            "region": self.region,
            "expires": self.expires,
            "registration_expires": self.registration_expires,
            "refreshable": self.refreshable,
        }


# -- timestamps -------------------------------------------------------------------------


def format_time(when: datetime) -> str:
    """The AWS CLI's timestamp form, `2024-01-02T03:04:05Z`."""
    return when.astimezone(timezone.utc).strftime(CLI_TIME_FORMAT)


def parse_time(text: Any) -> datetime:
    """A cache timestamp (`...Z`, the older `...UTC`, or ISO 8601 with an offset), as UTC."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("not a timestamp")
    value = text.strip()
    if value.endswith("UTC"):
        value = value[:-3].rstrip() + "+00:00"
    elif value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


# -- the AWS CLI v2 cache -----------------------------------------------------------------


def cli_cache_dir(paths: Paths) -> Path:
    """`~/.aws/sso/cache`, where the AWS CLI and botocore keep Identity Center tokens."""
    return paths.home() / ".aws" / "sso" / "cache"


def cli_cache_key(session: SsoSession) -> str:
    """SHA-1 hex of the sso-session name, or of the start URL for a legacy profile."""
    return hashlib.sha1(session.cache_name.encode("utf-8"), usedforsecurity=False).hexdigest()


def cli_cache_path(folder: Path, session: SsoSession) -> Path:
    """The AWS CLI's token file for SESSION in FOLDER."""
    return folder / f"{cli_cache_key(session)}.json"


def encode_cli_token(token: SsoToken) -> bytes:
    """TOKEN in the AWS CLI v2's cache format (what botocore's SSOTokenLoader reads)."""
    data: dict[str, Any] = {
        "startUrl": token.start_url,
        "region": token.region,
        "accessToken": token.access_token,
        "expiresAt": format_time(token.expires_at),
    }
    reg = token.registration
    if reg is not None:
        data["clientId"] = reg.client_id
        data["clientSecret"] = reg.client_secret
        data["registrationExpiresAt"] = format_time(reg.expires_at)
    if token.refresh_token:
        data["refreshToken"] = token.refresh_token
    return json.dumps(data).encode()


def decode_cli_token(raw: bytes, where: str) -> SsoToken:
    """A cache file's content as an SsoToken; VaultDamaged (naming WHERE) when unusable."""
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise TypeError("not an object")
        access = data["accessToken"]
        if not isinstance(access, str) or not access:
            raise ValueError("empty accessToken")
        expires = parse_time(data["expiresAt"])
        registration = None
        if data.get("clientId") and data.get("clientSecret"):
            reg_expiry = data.get("registrationExpiresAt")
            registration = Registration(
                client_id=str(data["clientId"]),
                client_secret=str(data["clientSecret"]),
                expires_at=parse_time(reg_expiry) if reg_expiry else expires,
            )
        refresh = data.get("refreshToken")
        return SsoToken(
            start_url=str(data.get("startUrl", "")),
            region=str(data.get("region", "")),
            access_token=access,
            expires_at=expires,
            refresh_token=str(refresh) if refresh else None,
            registration=registration,
        )
    except (ValueError, KeyError, TypeError, RecursionError, OverflowError):
        raise VaultDamaged(
            f"the AWS CLI token cache file {where} is damaged (no valid accessToken/expiresAt)",
            hint=f"delete {where} and sign in again",
        ) from None


def read_cli_token(folder: Path, session: SsoSession) -> SsoToken | None:
    """The AWS CLI's token for SESSION; None if absent or for another start URL or region."""
    path = cli_cache_path(folder, session)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise VaultDamaged(
            f"cannot read the AWS CLI token cache file {path} ({exc.strerror})",
            hint=f"check {path}: it must be a regular file you own",
        ) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise VaultDamaged(f"{path} is not a regular file", hint=f"remove {path}")
        raw = fh.read(MAX_CACHE_FILE + 1)
    if len(raw) > MAX_CACHE_FILE:
        raise VaultDamaged(
            f"the AWS CLI token cache file {path} is too large", hint=f"remove {path}"
        )
    token = decode_cli_token(raw, str(path))
    if token.start_url and token.start_url != session.start_url:
        return None
    if token.region and token.region != session.region:
        return None
    return token


def write_cli_token(folder: Path, session: SsoSession, token: SsoToken) -> Path:
    """Write TOKEN where the AWS CLI looks for SESSION's token (0600, atomic); return the path."""
    if not folder.is_dir():
        fsutil.ensure_private_dir(folder)
    path = cli_cache_path(folder, session)
    fsutil.atomic_write(path, encode_cli_token(token))
    return path


def remove_cli_token(folder: Path, session: SsoSession, access_token: str | None = None) -> bool:
    """Delete SESSION's AWS CLI cache file (only if it holds ACCESS_TOKEN, when given)."""
    path = cli_cache_path(folder, session)
    if access_token is not None:
        try:
            current = read_cli_token(folder, session)
        except VaultDamaged:
            current = None
        if current is None or current.access_token != access_token:
            return False
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        return True
    return False


# -- the encrypted store ----------------------------------------------------------------


def _reg_to_json(reg: Registration | None) -> dict[str, Any] | None:
    if reg is None:
        return None
    return {
        "clientId": reg.client_id,
        "clientSecret": reg.client_secret,
        "expiresAt": format_time(reg.expires_at),
        "scopes": list(reg.scopes),
        "grantTypes": list(reg.grant_types),
        "issuerUrl": reg.issuer_url,
    }


def _reg_from_json(data: Any) -> Registration | None:
    if data is None:
        return None
    return Registration(
        client_id=str(data["clientId"]),
        client_secret=str(data["clientSecret"]),
        expires_at=parse_time(data["expiresAt"]),
        scopes=tuple(str(s) for s in data.get("scopes", ())),
        grant_types=tuple(str(g) for g in data.get("grantTypes", ())),
        issuer_url=str(data.get("issuerUrl", "")),
    )


def _token_to_json(token: SsoToken | None) -> dict[str, Any] | None:
    if token is None:
        return None
    return {
        "startUrl": token.start_url,
        "region": token.region,
        "accessToken": token.access_token,
        "expiresAt": format_time(token.expires_at),
        "refreshToken": token.refresh_token,
        "registration": _reg_to_json(token.registration),
    }


def _token_from_json(data: Any) -> SsoToken | None:
    if data is None:
        return None
    return SsoToken(
        start_url=str(data["startUrl"]),
        region=str(data["region"]),
        access_token=str(data["accessToken"]),
        expires_at=parse_time(data["expiresAt"]),
        refresh_token=str(data["refreshToken"]) if data.get("refreshToken") else None,
        registration=_reg_from_json(data.get("registration")),
    )


def _aad(meta: TokenMeta) -> bytes:
    return b"awsprompt-sso/1|" + json.dumps(meta.to_json(), sort_keys=True).encode()


def meta_of(session: SsoSession, record: SsoRecord, now: float) -> TokenMeta:
    """The plaintext facts stored beside RECORD."""
    token, reg = record.token, record.registration
    if reg is None and token is not None:
        reg = token.registration
    return TokenMeta(
        session_key=session.key,
        start_url=session.start_url,
        region=token.region if token is not None else session.region,
        expires=int(token.expires_at.timestamp()) if token is not None else None,
        registration_expires=int(reg.expires_at.timestamp()) if reg else None,
        refreshable=bool(token is not None and token.can_refresh(now)),
    )


class TokenStore:
    """One file per session in FOLDER: plaintext facts, the token and registration sealed."""

    def __init__(self, cipher: Callable[[], DataCipher], folder: Path) -> None:
        self.folder = folder
        self._cipher = LazyCipher(cipher)

    def path(self, session: SsoSession) -> Path:
        """The file of SESSION."""
        digest = hashlib.sha256(session.key.encode()).hexdigest()[:40]
        return self.folder / f"{digest}.json"

    @contextlib.contextmanager
    def lock(self, session: SsoSession, timeout: float, clock: Clock) -> Iterator[None]:
        """Hold SESSION's lock (login, refresh, save) across processes."""
        fsutil.ensure_private_dir(self.folder)
        lock_path = self.folder / f".{self.path(session).stem}.lock"
        with fsutil.file_lock(lock_path, timeout, f"the sign-in of {session.label}", clock):
            yield

    def _read(self, session: SsoSession) -> tuple[TokenMeta, bytes] | None:
        path = self.path(session)
        try:
            raw = fsutil.read_private(path)
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
            meta = TokenMeta(
                session_key=str(data["session"]),
                start_url=str(data["start_url"]),
                region=str(data["region"]),
                expires=None if data["expires"] is None else int(data["expires"]),
                registration_expires=(
                    None
                    if data["registration_expires"] is None
                    else int(data["registration_expires"])
                ),
                refreshable=bool(data["refreshable"]),
            )
            if int(data["v"]) != FORMAT or meta.session_key != session.key:
                raise ValueError("another format or session")
            return meta, crypto.b64d(data["sealed"], "sso token")
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError, VaultDamaged):
            raise self._damaged(session, path) from None

    def _damaged(self, session: SsoSession, path: Path) -> VaultDamaged:
        return VaultDamaged(
            f"the stored IAM Identity Center token of {session.label} ({path}) is damaged"
            " or was sealed with another vault key",
            hint=f"run `{session.login_command}` to replace it",
        )

    def peek(self, session: SsoSession) -> TokenMeta | None:
        """The plaintext facts about SESSION's token, without decrypting (None if absent)."""
        found = self._read(session)
        return found[0] if found else None

    def load(self, session: SsoSession) -> SsoRecord | None:
        """SESSION's record (unlocks the vault); None if absent, VaultDamaged if unusable."""
        found = self._read(session)
        if found is None:
            return None
        meta, sealed = found
        plain = self._cipher.get().unseal(
            PURPOSE, sealed[: crypto.NONCE_LEN], sealed[crypto.NONCE_LEN :], _aad(meta)
        )
        if plain is None:
            raise self._damaged(session, self.path(session))
        try:
            data = json.loads(plain)
            return SsoRecord(
                token=_token_from_json(data["token"]),
                registration=_reg_from_json(data["registration"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise self._damaged(session, self.path(session)) from None

    def save(self, session: SsoSession, record: SsoRecord, now: float) -> None:
        """Seal RECORD and replace SESSION's file atomically (0600 in a 0700 folder)."""
        meta = meta_of(session, record, now)
        plain = json.dumps(
            {
                "token": _token_to_json(record.token),
                "registration": _reg_to_json(record.registration),
            }
        ).encode()
        nonce, ct = self._cipher.get().seal(PURPOSE, plain, _aad(meta))
        fsutil.ensure_private_dir(self.folder)
        body = {**meta.to_json(), "sealed": crypto.b64e(nonce + ct)}
        fsutil.atomic_write(self.path(session), json.dumps(body).encode())

    def delete(self, session: SsoSession) -> bool:
        """Forget SESSION's token and registration; True if there was a file."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path(session))
            return True
        return False

    def entries(self) -> Iterator[TokenMeta]:
        """The plaintext facts of every stored session (unreadable files are skipped)."""
        try:
            names = sorted(os.listdir(self.folder))
        except FileNotFoundError:
            return
        for name in names:
            if not name.endswith(".json") or name.startswith("."):
                continue
            with contextlib.suppress(ValueError, KeyError, TypeError, OSError):
                data = json.loads(fsutil.read_private(self.folder / name))
                yield TokenMeta(
                    session_key=str(data["session"]),
                    start_url=str(data["start_url"]),
                    region=str(data["region"]),
                    expires=data["expires"],
                    registration_expires=data["registration_expires"],
                    refreshable=bool(data["refreshable"]),
                )


def expiry_from_now(now: float, seconds: float) -> datetime:
    """NOW + SECONDS as an aware UTC datetime, whole seconds (as the cache stores it)."""
    return _utc(int(now + seconds))
