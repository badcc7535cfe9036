"""The part of CredentialSource shared by sources whose credentials are used as they come."""

from __future__ import annotations


class UsedAsIs:
    """No step of the source's own: its first credentials are not cached by the planner."""

    @property
    def step_label(self) -> str | None:
        """None: the first credentials are used as they come, not cached."""
        return None

    @property
    def step_material(self) -> dict[str, object]:
        """Nothing to cache, nothing to name."""
        return {}
