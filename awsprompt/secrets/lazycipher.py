"""A DataCipher made on first use: stores that seal records unlock the vault only when they must."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from awsprompt.secrets.vault.base import DataCipher


class LazyCipher:
    """Calls FACTORY (which may unlock the vault) the first time a record is sealed or opened."""

    def __init__(self, factory: Callable[[], DataCipher]) -> None:
        self._factory = factory
        self._cipher: DataCipher | None = None

    def get(self) -> DataCipher:
        """The cipher, made once."""
        if self._cipher is None:
            self._cipher = self._factory()
        return self._cipher
