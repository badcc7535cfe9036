"""Profile name validation: names flow into shells and file names, so the set is strict.

`/` and `:` are allowed because the AWS CLI accepts them and Identity Center tools generate
them (`Sandbox/AdministratorAccess`, `dev:admin`). Neither is special to a shell word, but
`/` is a path separator and `:` is awkward on some file systems and in zsh completion specs:
a name that becomes part of a file name goes through `file_part` first.
"""

from __future__ import annotations

import re

from awsprompt.errors import UsageError

ALLOWED = "letters, digits and ._-@+=,/:"
_NAME = re.compile(r"[A-Za-z0-9._@+=,/:][A-Za-z0-9._@+=,/:-]*")
# What file_part keeps as it is; everything else (here: / and :) is percent-encoded.
_FILE_SAFE = re.compile(r"[^A-Za-z0-9._@+=,-]")
MAX_NAME = 128


def is_valid_profile_name(name: str) -> bool:
    """True if NAME uses only letters, digits and ._-@+=,/: and does not start with '-'."""
    return len(name) <= MAX_NAME and _NAME.fullmatch(name) is not None


def validate_profile_name(name: str) -> str:
    """Return NAME or raise UsageError naming what is wrong with it."""
    if not is_valid_profile_name(name):
        shown = name.encode("unicode_escape").decode("ascii")
        raise UsageError(
            f"invalid profile name {shown!r}",
            hint=f"use {ALLOWED} only, not starting with '-' (at most {MAX_NAME} characters)",
        )
    return name


def file_part(name: str) -> str:
    """NAME as one file-name component: `/` -> %2F, `:` -> %3A (injective: `%` is no name char).

    `.` and `..` cannot come out of a valid name used as a suffix (callers add a prefix),
    but are encoded too, so that the result never names a folder by itself.
    """
    if name in (".", ".."):
        return name.replace(".", "%2E")
    return _FILE_SAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), name)


def mask(value: str) -> str:
    """A key id or secret as every display shows it: `****` and its last 4 characters."""
    return "****" + value[-4:] if value else ""
