"""The clock, injected so that tests move time instead of sleeping."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    """Wall time for expiries, monotonic time for time-outs, and waiting."""

    def time(self) -> float:
        """Seconds since the epoch."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait SECONDS."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Wait SECONDS."""
        time.sleep(seconds)

    def utcnow(self) -> datetime:
        """Now, as an aware UTC datetime."""
        return datetime.fromtimestamp(time.time(), timezone.utc)


SYSTEM = SystemClock()


class FakeClock:
    """A clock that moves only when told to (or when something sleeps on it)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.mono = 1000.0

    def time(self) -> float:
        """The fake wall time."""
        return self.now

    def monotonic(self) -> float:
        """The fake monotonic time."""
        return self.mono

    def sleep(self, seconds: float) -> None:
        """Advance both clocks by SECONDS at once."""
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds
        self.mono += seconds
