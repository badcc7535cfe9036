"""Line-level edits of AWS ini files that leave every other byte as it was."""

from __future__ import annotations

import os
import re
from pathlib import Path

from awsprompt import fsutil

_HEADER = re.compile(rb"^\s*\[([^\]]*)\]")
_KEY = re.compile(rb"^([A-Za-z0-9_.-]+)\s*=")


def _section_title(name: str, *, config: bool) -> str:
    return name if (not config or name == "default") else f"profile {name}"


def _find_section(lines: list[bytes], title: str) -> tuple[int, int] | None:
    """Return (header index, end index) of the last section called TITLE."""
    found = None
    want = " ".join(title.split())
    for i, line in enumerate(lines):
        match = _HEADER.match(line)
        if match and " ".join(match.group(1).decode("utf-8", "replace").split()) == want:
            found = i
    if found is None:
        return None
    end = len(lines)
    for j in range(found + 1, len(lines)):
        if _HEADER.match(lines[j]):
            end = j
            break
    return found, end


def _read_lines(path: Path) -> list[bytes]:
    try:
        return path.read_bytes().splitlines(keepends=True)
    except FileNotFoundError:
        return []


def _write(path: Path, lines: list[bytes]) -> None:
    # A symlinked config (dotfiles) is edited in its target, as the AWS CLI does.
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600
    fsutil.atomic_write(path, b"".join(lines))
    os.chmod(path, mode)  # keep the user's own mode on their file


def has_section(path: Path, name: str, *, config: bool = True) -> bool:
    """True if PATH has a section for profile NAME."""
    return _find_section(_read_lines(path), _section_title(name, config=config)) is not None


def ensure_section(path: Path, name: str, *, config: bool = True) -> bool:
    """Append an empty section for NAME if missing; return True if the file changed."""
    lines = _read_lines(path)
    title = _section_title(name, config=config)
    if _find_section(lines, title) is not None:
        return False
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += b"\n"
    if lines and lines[-1].strip():
        lines.append(b"\n")
    lines.append(f"[{title}]\n".encode())
    _write(path, lines)
    return True


def set_key(path: Path, name: str, key: str, value: str, *, config: bool = True) -> bool:
    """Set KEY = VALUE in NAME's section (creating it); return True if the file changed."""
    ensure_section(path, name, config=config)
    lines = _read_lines(path)
    start, end = _find_section(lines, _section_title(name, config=config))  # type: ignore[misc]
    new = f"{key} = {value}\n".encode()
    for i in range(start + 1, end):
        match = _KEY.match(lines[i])
        if match and match.group(1).decode().lower() == key.lower():
            if lines[i].rstrip(b"\r\n") == new.rstrip(b"\n"):
                return False
            lines[i] = new
            _write(path, lines)
            return True
    insert = end
    while insert > start + 1 and not lines[insert - 1].strip():
        insert -= 1
    if not lines[insert - 1].endswith(b"\n"):
        lines[insert - 1] += b"\n"
    lines.insert(insert, new)
    _write(path, lines)
    return True


def remove_keys(path: Path, name: str, keys: set[str], *, config: bool = False) -> bool:
    """Delete KEYS (case-insensitive) from NAME's section; drop the section if nothing is left."""
    lines = _read_lines(path)
    found = _find_section(lines, _section_title(name, config=config))
    if found is None:
        return False
    start, end = found
    wanted = {k.lower() for k in keys}
    keep: list[bytes] = []
    i = start + 1
    changed = False
    while i < end:
        match = _KEY.match(lines[i])
        if match and match.group(1).decode().lower() in wanted:
            changed = True
            i += 1
            # an indented continuation belongs to the removed key
            while i < end and lines[i][:1] in (b" ", b"\t") and lines[i].strip():
                i += 1
            continue
        keep.append(lines[i])
        i += 1
    if not changed:
        return False
    body_left = any(ln.strip() and not ln.lstrip().startswith((b"#", b";")) for ln in keep)
    lines[start + 1 : end] = keep if body_left else []
    if not body_left:
        del lines[start]
    _write(path, lines)
    return True
