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


def format_left(seconds: float) -> str:
    """Compact time left as the prompt shows it: 47m, 2h05m, 30s, expired."""
    if seconds <= 0:
        return "expired"
    total = int(seconds)
    if total < 60:
        return f"{total}s"
    hours, minutes = divmod(total // 60, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
