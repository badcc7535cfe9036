"""Access-key rotation: create a new key, store it, verify it, drop sessions, delete the old one."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from awsprompt import fsutil
from awsprompt.aws import sts
from awsprompt.aws.credentials import Credentials
from awsprompt.aws.mfa import MfaCodes
from awsprompt.config.profiles import Source
from awsprompt.errors import (
    AccessDenied,
    AwsError,
    AwspromptError,
    RotateIncomplete,
    UsageError,
)
from awsprompt.names import mask
from awsprompt.secrets.vault.base import Backend, KeyInfo, LongTermKey

if TYPE_CHECKING:
    from awsprompt.context import Context

WAIT_ENV = "AWSPROMPT_ROTATE_WAIT"
DEFAULT_WAIT = 1.0
VERIFY_ATTEMPTS = 6  # waits 1+2+4+8+16 s at most: new keys usually work within ~10 s
DELETE_ATTEMPTS = 3
SESSION_SECONDS = 900  # the MFA session only has to last for the rotation itself
# arn:aws:iam::123456789012:user/optional/path/NAME -> NAME
_USER_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:user/(?:[^:]*/)?([\w+=,.@-]{1,64})")
_ROOT_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:root")

ClientFactory = Callable[[str, Credentials, "str | None"], Any]


@dataclass(frozen=True)
class RotateResult:
    """What a finished rotation did (key ids only; never secrets)."""

    profile: str
    user: str | None
    old_key_id: str
    new_key_id: str
    profiles: tuple[str, ...]
    sessions_dropped: int
    old_key_was_gone: bool = False


def shown_key(key_id: str) -> str:
    """An access key id as displayed: masked to its last 4 characters, like `list`."""
    return mask(key_id)


def user_from_arn(arn: str) -> str | None:
    """The IAM user name in a caller ARN like arn:aws:iam::123456789012:user/path/NAME."""
    match = _USER_ARN.fullmatch(arn)
    return match.group(1) if match else None


def due_for_rotation(index: Mapping[str, KeyInfo], days: int, now: datetime) -> list[KeyInfo]:
    """Stored keys at least DAYS old, oldest first (index only: nothing is decrypted)."""
    due = [info for info in index.values() if info.age_days(now) >= days]
    return sorted(due, key=lambda info: (info.added, info.name))


def check_source(source: Source, asked: str, credentials_file: Path) -> str:
    """The vault profile whose key to rotate; refuse plaintext and credential_process sources."""
    if source.kind == "vault":
        return source.profile
    via = "" if source.profile == asked else f" (the source of {asked!r})"
    if source.kind == "file":
        raise UsageError(
            f"profile {source.profile!r}{via} has plaintext keys in"
            f" {credentials_file}; awsprompt rotates only keys in its vault",
            hint=f"move them into the vault with `awsprompt import --profile {source.profile}`",
        )
    raise UsageError(
        f"profile {source.profile!r}{via} gets its keys from credential_process;"
        " awsprompt rotates only keys in its vault",
        hint="rotate them with the tool that provides them, or store keys with `awsprompt add`",
    )


def _wait_base(raw: str | None) -> float:
    """Base back-off in seconds ($AWSPROMPT_ROTATE_WAIT; tests make it tiny)."""
    try:
        return max(0.0, float(raw or DEFAULT_WAIT))
    except ValueError:
        return DEFAULT_WAIT


def _delete_hint(user: str | None, key_id: str) -> str:
    """How to delete KEY_ID by hand (the id masked; list-access-keys shows it in full)."""
    who = f" --user-name {user}" if user else ""
    return (
        f"delete it with `aws iam delete-access-key{who} --access-key-id <the id ending"
        f" {key_id[-4:]}>` (`aws iam list-access-keys{who}` shows it)"
    )


class Rotator:
    """Rotates stored long-term keys, one source profile at a time."""

    def __init__(
        self,
        ctx: Context,
        *,
        vault: Backend | None = None,
        client: ClientFactory | None = None,
        wait: float | None = None,
    ) -> None:
        self.ctx = ctx
        self.vault = vault if vault is not None else ctx.vault
        self.client: ClientFactory = client or (lambda s, c, r: sts.client(ctx, s, c, r))
        self.sleep = ctx.clock.sleep
        self.wait = _wait_base(ctx.env.get(WAIT_ENV)) if wait is None else wait
        self.lock_timeout = ctx.settings.lock_timeout

    def clock(self) -> datetime:
        """Now, as an aware UTC datetime."""
        return datetime.fromtimestamp(self.ctx.clock.time(), timezone.utc)

    def rotate(
        self,
        source: Source,
        *,
        region: str | None = None,
        no_session: bool = False,
        mfa: MfaCodes | None = None,
    ) -> RotateResult:
        """Rotate SOURCE's stored key; on failure raise an error that states what changed."""
        name = source.profile
        info = self.vault.index().get(name)
        if info is None:
            self.vault.get(name)  # raises NotInVault with the usual hint
        assert info is not None
        lock_dir = fsutil.ensure_private_dir(self.ctx.paths.sessions_dir())
        with fsutil.file_lock(
            lock_dir / f".lock-{info.fingerprint}",
            self.lock_timeout,
            f"rotating {name}",
            self.ctx.clock,
        ):
            return self._rotate(source, region, no_session, mfa or MfaCodes(self.ctx))

    # -- the steps -----------------------------------------------------------------------
    def _rotate(
        self, source: Source, region: str | None, no_session: bool, mfa: MfaCodes
    ) -> RotateResult:
        name = source.profile
        old = self.vault.get(name)
        same_key = tuple(
            sorted(n for n, i in self.vault.index().items() if i.fingerprint == old.fingerprint)
        ) or (name,)
        long_term = Credentials(old.access_key_id, old.secret_access_key)
        before = f"nothing changed: {name!r} keeps its key {shown_key(old.access_key_id)}"

        try:
            arn = self._caller_arn(long_term, region, f"profile {name!r} (old key)")
            user = user_from_arn(arn)
            if user is None and not _ROOT_ARN.fullmatch(arn):
                user = self._get_user(long_term, region, name)
            caller = long_term
            if source.mfa_serial and not no_session:
                caller = self._mfa_session(long_term, source, region, mfa)
        except AwspromptError as exc:
            raise type(exc)(f"{exc.message}; {before}", hint=exc.hint) from None

        new_id, new_secret = self._create(caller, region, name, user, before)
        new = LongTermKey(new_id, new_secret, added=self.clock(), notes=old.notes)
        created = f"new key {shown_key(new_id)} created in AWS"

        try:
            self.vault.put_many(dict.fromkeys(same_key, new))
        except Exception as exc:
            reason = exc.message if isinstance(exc, AwspromptError) else type(exc).__name__
            gone = self._delete_quietly(caller, region, user, new_id)
            state = (
                "it was deleted again"
                if gone
                else f"it still exists in AWS but is NOT stored: {_delete_hint(user, new_id)}"
            )
            raise RotateIncomplete(
                f"rotating {name!r}: {created}, but storing it failed ({reason}); {state};"
                f" the vault still holds the old key {shown_key(old.access_key_id)}, which works"
            ) from None

        try:
            self._verify(new, region, name, arn)
        except AwspromptError as exc:
            restored = self._restore(same_key, old)
            gone = self._delete_quietly(caller, region, user, new_id)
            vault_state = (
                f"the vault holds the old key {shown_key(old.access_key_id)} again"
                if restored
                else f"the vault holds the new key and could not be restored: {exc.message}"
            )
            aws_state = "it was deleted again" if gone else "it still exists in AWS"
            raise RotateIncomplete(
                f"rotating {name!r}: {created} and stored, but it did not work"
                f" ({exc.message}); {aws_state}; {vault_state}",
                hint=None if gone else _delete_hint(user, new_id),
            ) from None

        dropped = self.ctx.sessions.clear(source_fp=old.fingerprint)

        old_gone = False
        try:
            old_gone = self._delete_old(caller, region, user, old.access_key_id, name)
        except AwspromptError as exc:
            raise RotateIncomplete(
                f"rotating {name!r}: {created}, verified and stored in {self.vault.where};"
                f" old key {shown_key(old.access_key_id)} still exists in AWS"
                f" (DeleteAccessKey failed: {exc.message})",
                hint=_delete_hint(user, old.access_key_id),
            ) from None
        return RotateResult(name, user, old.access_key_id, new_id, same_key, dropped, old_gone)

    def _caller_arn(self, creds: Credentials, region: str | None, where: str) -> str:
        """GetCallerIdentity's ARN for CREDS."""
        ident = sts.call(
            lambda: self.client("sts", creds, region).get_caller_identity(),
            "GetCallerIdentity",
            where,
        )
        return str(ident.get("Arn", ""))

    def _get_user(self, creds: Credentials, region: str | None, name: str) -> str | None:
        """The IAM user name from iam:GetUser (None for root keys)."""
        answer = sts.call(
            lambda: self.client("iam", creds, region).get_user(),
            "GetUser",
            f"profile {name!r}",
            hint="the IAM user needs iam:GetUser on itself",
        )
        user = answer.get("User", {}).get("UserName")
        return str(user) if user else None

    def _mfa_session(
        self, creds: Credentials, source: Source, region: str | None, mfa: MfaCodes
    ) -> Credentials:
        """A short GetSessionToken session with MFA (IAM accepts session keys only with MFA)."""
        assert source.mfa_serial is not None
        code = mfa.code(source.mfa_serial, source.mfa_process, source.profile)
        answer = sts.call(
            lambda: self.client("sts", creds, region).get_session_token(
                DurationSeconds=SESSION_SECONDS, SerialNumber=source.mfa_serial, TokenCode=code
            ),
            "GetSessionToken",
            f"profile {source.profile!r}",
        )
        return sts.to_credentials(answer["Credentials"])

    def _create(
        self, caller: Credentials, region: str | None, name: str, user: str | None, before: str
    ) -> tuple[str, str]:
        """CreateAccessKey; errors say that nothing changed."""
        params = {"UserName": user} if user else {}
        who = f"IAM user {user!r}" if user else "the root user"
        try:
            answer = sts.call(
                lambda: self.client("iam", caller, region).create_access_key(**params),
                "CreateAccessKey",
                f"{who} (profile {name!r})",
            )
        except AwsError as exc:
            if "LimitExceeded" in exc.message or "AccessKeysPerUser" in exc.message:
                raise AwsError(
                    f"CreateAccessKey refused for profile {name!r}: {who} already has 2 access"
                    f" keys (AWS's limit); {before}",
                    hint="delete the unused key first"
                    + (f" (`aws iam list-access-keys --user-name {user}`)" if user else ""),
                ) from None
            hint = exc.hint
            if isinstance(exc, AccessDenied):
                hint = "the user needs iam:CreateAccessKey on itself (with MFA if policy asks)"
            raise type(exc)(f"{exc.message}; {before}", hint=hint) from None
        key = answer["AccessKey"]
        return str(key["AccessKeyId"]), str(key["SecretAccessKey"])

    def _verify(self, new: LongTermKey, region: str | None, name: str, arn: str) -> None:
        """GetCallerIdentity with the new key, retrying while it propagates; same identity."""
        creds = Credentials(new.access_key_id, new.secret_access_key)
        for attempt in range(VERIFY_ATTEMPTS):
            try:
                new_arn = self._caller_arn(creds, region, f"profile {name!r} (new key)")
            except AwsError:
                if attempt == VERIFY_ATTEMPTS - 1:
                    raise
                self.sleep(self.wait * 2**attempt)
                continue
            if new_arn != arn:
                raise AwsError(f"the new key belongs to {new_arn}, not {arn}")
            return

    def _restore(self, names: tuple[str, ...], old: LongTermKey) -> bool:
        """Put the old key back for NAMES; True on success."""
        try:
            self.vault.put_many(dict.fromkeys(names, old))
        except Exception:  # reported by the caller as the state of the vault
            return False
        return True

    def _delete_quietly(
        self, caller: Credentials, region: str | None, user: str | None, key_id: str
    ) -> bool:
        """Delete the key we just created; True if it is gone."""
        try:
            self._delete(caller, region, user, key_id, "the new key", attempts=2)
        except AwspromptError:
            return False
        return True

    def _delete_old(
        self, caller: Credentials, region: str | None, user: str | None, key_id: str, name: str
    ) -> bool:
        """Delete the old key, retrying; True when AWS had already removed it."""
        return self._delete(caller, region, user, key_id, f"profile {name!r} (old key)")

    def _delete(
        self,
        caller: Credentials,
        region: str | None,
        user: str | None,
        key_id: str,
        where: str,
        attempts: int = DELETE_ATTEMPTS,
    ) -> bool:
        """DeleteAccessKey KEY_ID with retries; True if AWS said it no longer exists."""
        params = {"AccessKeyId": key_id, **({"UserName": user} if user else {})}
        for attempt in range(attempts):
            try:
                sts.call(
                    lambda: self.client("iam", caller, region).delete_access_key(**params),
                    "DeleteAccessKey",
                    where,
                )
                return False
            except AwsError as exc:
                if "NoSuchEntity" in exc.message:
                    return True
                if isinstance(exc, AccessDenied) or attempt == attempts - 1:
                    raise
                self.sleep(self.wait * 2**attempt)
        return False  # pragma: no cover - the loop returns or raises
