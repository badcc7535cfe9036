"""Move long-term keys out of ~/.aws/credentials (or aws-vault) into the awsprompt vault."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from awsprompt import fsutil
from awsprompt.config import ini
from awsprompt.config.profiles import AwsFiles
from awsprompt.errors import ConfigError, ProfileNotFound, VaultDamaged
from awsprompt.names import ALLOWED, is_valid_profile_name, mask
from awsprompt.secrets.vault.base import KeyInfo, LongTermKey, key_fingerprint

if TYPE_CHECKING:
    from awsprompt.secrets.vault import Vault

# Lines removed from an imported profile's section of the credentials file.
KEY_NAMES = frozenset(
    {"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token"}
)


@dataclass(frozen=True)
class Move:
    """One profile whose keys go (or went) into the vault."""

    profile: str
    key: LongTermKey = field(repr=False)
    already: bool = False  # the vault already holds this very key (an earlier, partial run)

    @property
    def key_id(self) -> str:
        """The access key id (not secret; shown masked)."""
        return self.key.access_key_id


@dataclass(frozen=True)
class Skip:
    """A profile left where it is, and why."""

    profile: str
    reason: str


@dataclass
class ImportPlan:
    """What `import` will do; computed without writing anything."""

    moves: list[Move]
    skipped: list[Skip]
    source: Path
    original: bytes = b""
    remaining: bytes | None = None  # the credentials file afterwards; None: delete it
    process_lines: dict[str, str] = field(default_factory=dict)
    replaced_process: dict[str, str] = field(default_factory=dict)
    new_sections: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing would change."""
        return not self.moves


@dataclass
class ImportResult:
    """What `import` did."""

    plan: ImportPlan
    backup: Path | None = None
    credentials_removed: bool = False
    shredded: bool = False
    notes: list[str] = field(default_factory=list)


def self_command(override: str | None = None) -> str:
    """The command line that runs this awsprompt (OVERRIDE, $AWSPROMPT_SELF, wins)."""
    if override and override.strip():
        return override.strip()
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    if argv0.name == "__main__.py":  # python -m awsprompt
        return f"{shlex.quote(sys.executable)} -m awsprompt"
    if argv0.name == "awsprompt" and argv0.is_file():  # this very script, not another on PATH
        return shlex.quote(str(argv0.absolute()))
    found = shutil.which("awsprompt")
    if found:
        return shlex.quote(str(Path(found).absolute()))
    return f"{shlex.quote(sys.executable)} -m awsprompt"


def process_line(profile: str, command: str | None = None) -> str:
    """The credential_process value that serves PROFILE from the vault."""
    return f"{command or self_command()} exec -j {shlex.quote(profile)}"


def _real(path: Path) -> Path:
    """Follow a symlinked AWS file (dotfile repos) so edits land in the real file."""
    return Path(os.path.realpath(path))


def strip_keys(
    data: bytes, profiles: set[str], source: Path | str = "the credentials file"
) -> bytes:
    """DATA without the key lines of PROFILES' sections; sections left empty are dropped."""
    return ini.without_keys(data, profiles, set(KEY_NAMES), config=False, source=str(source))


def _static_key(name: str, values: dict[str, str], conf: dict[str, str]) -> LongTermKey | Skip:
    """The long-term key in a credentials-file section, or why it stays there."""
    key_id = (values.get("aws_access_key_id") or "").strip()
    secret = (values.get("aws_secret_access_key") or "").strip()
    if not is_valid_profile_name(name):
        shown = name.encode("unicode_escape").decode("ascii")
        return Skip(shown, f"invalid profile name ({ALLOWED} only)")
    if not key_id or not secret:
        return Skip(name, "incomplete: needs both aws_access_key_id and aws_secret_access_key")
    if values.get("aws_session_token") or values.get("aws_security_token"):
        return Skip(name, "temporary keys (aws_session_token): left in place")
    if key_id.startswith("ASIA"):
        return Skip(name, "temporary (ASIA) key: left in place")
    if conf.get("role_arn") or conf.get("source_profile"):
        return Skip(name, "its config has role_arn/source_profile; move these keys by hand")
    return LongTermKey(key_id, secret, notes="imported from the credentials file")


def _against_vault(name: str, key: LongTermKey, index: dict[str, KeyInfo]) -> Move | Skip:
    """A Move for KEY, or a Skip when the vault holds a different key under NAME."""
    info = index.get(name)
    if info is None:
        return Move(name, key)
    if info.fingerprint != key_fingerprint(key.access_key_id):
        return Skip(
            name,
            f"the vault already holds another key ({mask(info.key_id_tail)}) for it;"
            f" `awsprompt remove {name}` first to replace it",
        )
    return Move(name, key, already=True)


def _check_stripped(rest: bytes, profiles: list[str], source: Path) -> None:
    """Refuse (before any write) when the stripped file would still hold a moved key."""
    try:
        sections = ini.parse(rest, source)
    except ConfigError:
        left = set(profiles)
    else:
        left = {p for p in profiles if p in sections and KEY_NAMES & set(sections[p].values)}
    if left:
        raise ConfigError(
            f"cannot take the keys of {', '.join(sorted(left))} out of {source}"
            " (unusual layout, e.g. indented key lines or keys from a [DEFAULT] section);"
            " nothing was changed",
            hint="remove the indentation from those lines and run `awsprompt import` again",
        )


def plan_import(
    index: dict[str, KeyInfo],
    files: AwsFiles,
    only: set[str] | None = None,
    command: str | None = None,
) -> ImportPlan:
    """Decide which credentials-file profiles move into the vault (reads only)."""
    source = files.credentials_path
    plan = ImportPlan(moves=[], skipped=[], source=source)
    try:
        plan.original = _real(source).read_bytes()
    except FileNotFoundError:
        plan.original = b""
    sections = files.credentials_sections
    if only:
        missing = sorted(n for n in only if n not in sections and n not in index)
        if missing:
            raise ProfileNotFound(
                f"profile {missing[0]!r} is not in {source}",
                hint="`awsprompt list` shows profiles",
            )
    for name in sorted(sections):
        if only and name not in only:
            continue
        values = sections[name]
        if not values.get("aws_access_key_id") and not values.get("aws_secret_access_key"):
            continue
        conf = files.config_sections.get(name, {})
        found = _static_key(name, values, conf)
        if isinstance(found, Skip):
            plan.skipped.append(found)
            continue
        move = _against_vault(name, found, index)
        if isinstance(move, Skip):
            plan.skipped.append(move)
            continue
        plan.moves.append(move)
        line = process_line(name, command)
        plan.process_lines[name] = line
        current = conf.get("credential_process")
        if current and current.strip() != line:
            plan.replaced_process[name] = current.strip()
        if name not in files.config_sections:
            plan.new_sections.append(name)
    if plan.moves:
        rest = strip_keys(plan.original, {m.profile for m in plan.moves}, source)
        _check_stripped(rest, [m.profile for m in plan.moves], source)
        plan.remaining = None if ini.is_blank(rest) else rest
    return plan


def verify_stored(vault: Vault, moves: list[Move]) -> None:
    """Re-read the vault from disk and check every moved key; raise VaultDamaged if one differs."""
    stored = vault.all_keys()
    for move in moves:
        got = stored.get(move.profile)
        if (
            got is None
            or got.access_key_id != move.key.access_key_id
            or got.secret_access_key != move.key.secret_access_key
        ):
            raise VaultDamaged(
                f"after writing, the vault does not hold the key of profile {move.profile!r};"
                " the credentials file was left untouched",
                hint="run `awsprompt import` again, or `awsprompt doctor`",
            )


def _zero(fd: int) -> None:
    """Overwrite an open file's bytes with zeros and fsync."""
    size = os.fstat(fd).st_size
    os.lseek(fd, 0, os.SEEK_SET)
    left = size
    block = b"\0" * 65536
    while left > 0:
        left -= os.write(fd, block[: min(left, len(block))])
    os.fsync(fd)


def replace_plaintext(
    path: Path, remaining: bytes | None, expected: bytes, timeout: float = ini.LOCK_TIMEOUT
) -> tuple[bool, bool]:
    """Rewrite PATH as REMAINING (or delete it when None), zeroing the old bytes.

    Returns (removed, shredded). Refuses if the file changed since it was read. Holds the
    file's edit lock (the one every ini edit takes) from the comparison to the write.
    """
    with ini.locked(path, timeout) as real:
        return _replace_locked(path, real, remaining, expected)


def _replace_locked(
    path: Path, real: Path, remaining: bytes | None, expected: bytes
) -> tuple[bool, bool]:
    fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW)
    wfd: int | None = None
    try:
        with os.fdopen(os.dup(fd), "rb") as fh:
            current = fh.read()
        if current != expected:
            raise ConfigError(
                f"{path} changed while importing; it was left as it is",
                hint="the keys are in the vault now: run `awsprompt import` again",
            )
        st = os.fstat(fd)
        # Another hard link (a copy the user made) would be zeroed too: leave those bytes.
        if st.st_nlink == 1:
            with contextlib.suppress(PermissionError):
                wfd = os.open(real, os.O_WRONLY | os.O_NOFOLLOW)
        if remaining is None:
            if wfd is not None:
                _zero(wfd)
            os.unlink(real)
            fsutil.fsync_dir(real.parent)
            return True, wfd is not None
        fsutil.atomic_write(real, remaining)
        os.chmod(real, st.st_mode & 0o777)
        if wfd is not None:
            _zero(wfd)  # the old inode, now unlinked, still holds the plaintext keys
        return False, wfd is not None
    finally:
        os.close(fd)
        if wfd is not None:
            os.close(wfd)


def apply_import(
    plan: ImportPlan,
    vault: Vault,
    config_path: Path,
    now: datetime,
    *,
    keep_backup: bool = False,
) -> ImportResult:
    """Store, verify, point the config at awsprompt, then remove the plaintext keys."""
    result = ImportResult(plan)
    new = {m.profile: m.key for m in plan.moves if not m.already}
    if new:
        vault.put_many(new)
    verify_stored(vault, plan.moves)
    config = _real(config_path)
    try:
        for move in plan.moves:
            ini.set_key(
                config, move.profile, "credential_process", plan.process_lines[move.profile]
            )
        if keep_backup:
            result.backup = fsutil.write_backup(_real(plan.source), plan.original, now)
        result.credentials_removed, result.shredded = replace_plaintext(
            plan.source, plan.remaining, plan.original
        )
    except OSError as exc:
        raise _file_error(exc) from None
    return result


def _file_error(exc: OSError) -> ConfigError:
    """An OSError during the file steps, as a message that names the file and no secret."""
    return ConfigError(
        f"could not update {exc.filename or 'a file'}: {exc.strerror or type(exc).__name__}",
        hint="the keys are safely in the vault; fix the file and run `awsprompt import` again",
    )


# -- aws-vault ------------------------------------------------------------------------------


@dataclass
class AwsVaultPlan:
    """Master keys found in an aws-vault file vault and what happens to each."""

    moves: list[Move]
    skipped: list[Skip]
    sessions: list[str]
    new_sections: list[str]


def plan_aws_vault(
    found: dict[str, LongTermKey],
    unusable: dict[str, str],
    sessions: list[str],
    index: dict[str, KeyInfo],
    files: AwsFiles,
) -> AwsVaultPlan:
    """Decide which aws-vault master keys move into the vault (reads only)."""
    plan = AwsVaultPlan([], [Skip(k, v) for k, v in sorted(unusable.items())], sessions, [])
    for name in sorted(found):
        move = _against_vault(name, found[name], index)
        if isinstance(move, Skip):
            plan.skipped.append(move)
            continue
        plan.moves.append(move)
        if name not in files.config_sections:
            plan.new_sections.append(name)
    return plan


def apply_aws_vault(plan: AwsVaultPlan, vault: Vault, config_path: Path) -> None:
    """Store the master keys in one write, verify them, and add missing config sections."""
    new = {m.profile: m.key for m in plan.moves if not m.already}
    if new:
        vault.put_many(new)
    verify_stored(vault, plan.moves)
    config = _real(config_path)
    try:
        for name in plan.new_sections:
            ini.ensure_section(config, name)
    except OSError as exc:
        raise _file_error(exc) from None
