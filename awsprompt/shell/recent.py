"""Profile use counts for the aws-use picker's frecency order (not secret)."""

from __future__ import annotations

from awsprompt import fsutil
from awsprompt.names import is_valid_profile_name
from awsprompt.paths import Paths


def read(paths: Paths) -> dict[str, tuple[int, int]]:
    """name -> (count, last use epoch)."""
    out: dict[str, tuple[int, int]] = {}
    try:
        text = paths.recent_path().read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return out
    for line in text.splitlines():
        parts = line.split("\t")
        valid = len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit()
        if valid and is_valid_profile_name(parts[2]):
            out[parts[2]] = (int(parts[0]), int(parts[1]))
    return out


def record(paths: Paths, profile: str, now: float) -> None:
    """Count one use of PROFILE at NOW."""
    folder = fsutil.ensure_private_dir(paths.state_dir())
    with fsutil.file_lock(folder / "recent.lock", 5, "recent profiles"):
        data = read(paths)
        count, _ = data.get(profile, (0, 0))
        data[profile] = (count + 1, int(now))
        lines = [f"{c}\t{t}\t{n}\n" for n, (c, t) in sorted(data.items())]
        fsutil.atomic_write(paths.recent_path(), "".join(lines).encode())
