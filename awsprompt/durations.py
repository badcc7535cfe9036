"""Parse and format durations such as 15m, 1h30m, 8h, 3600."""

from __future__ import annotations

import re

from awsprompt.errors import UsageError

_PART = re.compile(r"(\d+)([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, what: str = "duration") -> int:
    """Seconds in TEXT ('90', '15m', '1h30m', '2d'); raise UsageError when malformed."""
    raw = text.strip().lower()
    if raw.isdigit():
        return int(raw)
    parts = _PART.findall(raw)
    if not parts or "".join(n + u for n, u in parts) != raw:
        raise UsageError(
            f"invalid {what} {text!r}", hint="use seconds or units like 15m, 1h, 1h30m, 8h"
        )
    return sum(int(n) * _UNIT[u] for n, u in parts)


def format_duration(seconds: float) -> str:
    """A setting's duration the way the settings file writes it: 1h, 5m, 1h30m, 45s, 2d."""
    total = int(seconds)
    if total <= 0:
        return "0s"
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            out += f"{count}{unit}"
    return out


def format_left(seconds: float) -> str:
    """Compact time left as the prompt shows it: 47m, 2h05m, 30s, expired."""
    if seconds <= 0:
        return "expired"
    total = int(seconds)
    if total < 60:
        return f"{total}s"
    hours, minutes = divmod(total // 60, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
