"""Private folders, atomic 0600 writes, backups, ownership checks and inter-process locks."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from awsprompt.clock import SYSTEM, Clock
from awsprompt.errors import InsecureFile, LockTimeout

if TYPE_CHECKING:
    from datetime import datetime

# file_lock tells its caller (on_wait) once another process has held a lock this long.
WAIT_NOTICE = 0.5


def ensure_private_dir(path: Path) -> Path:
    """Create PATH (and parents) as 0700 if missing, then check it is private."""
    if not path.exists() and not path.is_symlink():
        old = os.umask(0o077)
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        finally:
            os.umask(old)
    check_private(path, is_dir=True)
    return path


def check_private(path: Path, *, is_dir: bool = False) -> None:
    """Refuse a symlink, another owner, or any group/other permission bit on PATH."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    kind = "folder" if is_dir else "file"
    if stat.S_ISLNK(st.st_mode):
        raise InsecureFile(
            f"{path} is a symlink; refusing to use it",
            hint=f"replace the link with a real {kind}",
        )
    if st.st_uid != os.getuid():
        raise InsecureFile(
            f"{path} is owned by uid {st.st_uid}, not by you",
            hint=f"chown it to yourself or move it away: it must be your own private {kind}",
        )
    if st.st_mode & 0o077:
        want = "700" if is_dir else "600"
        raise InsecureFile(
            f"{path} has mode {stat.S_IMODE(st.st_mode):o}; group and others can read it",
            hint=f"chmod {want} {path}",
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(path: Path) -> int:
    """Delete temp files of PATH left by writers that died (kill -9); return how many."""
    prefix, removed = f".{path.name}.", 0
    try:
        names = os.listdir(path.parent)
    except OSError:
        return 0
    for name in names:
        pid = name[len(prefix) : -len(".tmp")]
        ours = name.startswith(prefix) and name.endswith(".tmp") and pid.isdigit()
        if ours and (int(pid) == os.getpid() or not _alive(int(pid))):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path.parent / name)
                removed += 1
    return removed


def atomic_write(path: Path, data: bytes) -> None:
    """Replace PATH with DATA durably: a 0600 temp file in the same folder, fsync, rename."""
    remove_stale_temps(path)  # a dead writer's leftover (or one with our reused pid)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename in PATH durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup_path(source: Path, now: datetime) -> Path:
    from datetime import timezone  # off the fast path's imports

    stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    candidate = source.with_name(f"{source.name}.awsprompt-backup-{stamp}")
    n = 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = source.with_name(f"{source.name}.awsprompt-backup-{stamp}-{n}")
    return candidate


def write_backup(source: Path, data: bytes, now: datetime) -> Path:
    """Write DATA as a new 0600 file beside SOURCE (never replacing anything), stamped NOW.

    The name is SOURCE's with `.awsprompt-backup-<UTC time>` (and `-2`, `-3`... when taken).
    """
    target = _backup_path(source, now)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    fsync_dir(target.parent)
    return target


def read_private(path: Path) -> bytes:
    """Read a file after checking that it is private, without following a symlink."""
    check_private(path)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


@contextlib.contextmanager
def file_lock(
    path: Path,
    timeout: float,
    what: str,
    clock: Clock = SYSTEM,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold an exclusive flock on PATH, waiting at most TIMEOUT seconds.

    ON_WAIT is called once if the lock is still held by another process after WAIT_NOTICE
    seconds (so that a person is told why nothing happens).
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        start = clock.monotonic()
        deadline = start + timeout
        delay = 0.01
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if on_wait is not None and clock.monotonic() - start >= WAIT_NOTICE:
                    on_wait()
                    on_wait = None
                if clock.monotonic() >= deadline:
                    raise LockTimeout(
                        f"timed out after {timeout:g}s waiting for another awsprompt process"
                        f" ({what})",
                        hint="if it is stuck waiting for an MFA code, finish or stop it;"
                        " AWSPROMPT_LOCK_TIMEOUT sets the wait",
                    ) from None
                clock.sleep(delay)
                delay = min(delay * 2, 0.2)
        yield
    finally:
        os.close(fd)
