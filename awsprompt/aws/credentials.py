"""The credentials value passed between the engine, the cache and every output format."""

from __future__ import annotations

from datetime import datetime, timezone


class Credentials:
    """Keys with an optional session token and expiry; secrets are kept out of repr.

    A plain class rather than a dataclass: it is on the cached `exec -j` path, where
    importing `dataclasses` alone costs more than the rest of the work.
    """

    __slots__ = ("access_key_id", "expiration", "secret_access_key", "session_token")

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None = None,
        expiration: datetime | None = None,
    ) -> None:
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.session_token = session_token
        self.expiration = expiration

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in self.__slots__)

    def __hash__(self) -> int:
        return hash((self.access_key_id, self.session_token))

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
