"""Private folders, atomic 0600 writes, ownership checks and inter-process locks."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from awsprompt.clock import SYSTEM, Clock
from awsprompt.errors import InsecureFile, LockTimeout

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


def atomic_write(path: Path, data: bytes) -> None:
    """Replace PATH with DATA durably: a 0600 temp file in the same folder, fsync, rename."""
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
