"""The credentials value passed between the engine, the cache and every output format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass(frozen=True)
class Credentials:
    """Keys with an optional session token and expiry; secrets are kept out of repr."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None

    @property
    def is_temporary(self) -> bool:
        """True for STS credentials (they carry a session token)."""
        return self.session_token is not None

    def seconds_left(self, now: float) -> float:
        """Seconds until expiry (infinite for long-term keys)."""
        if self.expiration is None:
            return float("inf")
        return self.expiration.timestamp() - now

    def expiration_rfc3339(self) -> str | None:
        """Expiry as RFC 3339 UTC with a Z suffix, the form AWS tools read."""
        if self.expiration is None:
            return None
        return self.expiration.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
