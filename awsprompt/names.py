"""Profile name validation: names flow into shells and file names, so the set is strict."""

from __future__ import annotations

import re

from awsprompt.errors import UsageError

_NAME = re.compile(r"[A-Za-z0-9._@+=,][A-Za-z0-9._@+=,-]*")
MAX_NAME = 128


def is_valid_profile_name(name: str) -> bool:
    """True if NAME uses only letters, digits and ._-@+=, and does not start with '-'."""
    return len(name) <= MAX_NAME and _NAME.fullmatch(name) is not None


def validate_profile_name(name: str) -> str:
    """Return NAME or raise UsageError naming what is wrong with it."""
    if not is_valid_profile_name(name):
        shown = name.encode("unicode_escape").decode("ascii")
        raise UsageError(
            f"invalid profile name {shown!r}",
            hint="use letters, digits and ._-@+=, only, not starting with '-'"
            f" (at most {MAX_NAME} characters)",
        )
    return name


def mask(value: str) -> str:
    """A key id or secret as every display shows it: `****` and its last 4 characters."""
    return "****" + value[-4:] if value else ""
