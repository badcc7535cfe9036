"""The default backend: one encrypted file, format documented in docs/vault-format.md."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from awsprompt import fsutil
from awsprompt.errors import AwspromptError, NotInVault, VaultDamaged, WrongPassphrase
from awsprompt.secrets import crypto
from awsprompt.secrets.vault.base import (
    DataCipher,
    KeyInfo,
    LocalCipher,
    LongTermKey,
    index_entry,
    info_from_entry,
    key_from_record,
    key_to_record,
)

if TYPE_CHECKING:
    from awsprompt.context import Context

MAGIC = b"AWSPROMPT-VAULT/1\n"
FORMAT_VERSION = 1
LOCK_TIMEOUT = 30.0
TYPED_TRIES = 3


def _wrap_aad(kdf: dict[str, Any]) -> bytes:
    return b"awsprompt-vault-dek/1|" + json.dumps(kdf, sort_keys=True).encode()


@dataclass
class _Document:
    """A parsed vault file: the header (authenticated, not secret) and the ciphertext."""

    header: dict[str, Any]
    header_bytes: bytes
    nonce: bytes
    ciphertext: bytes

    @classmethod
    def parse(cls, raw: bytes, path: Path) -> _Document:
        damaged = f"the vault {path} is damaged"
        hint = "restore it from a backup; awsprompt never overwrites a damaged vault"
        lines = raw.split(b"\n")
        if len(lines) != 5 or lines[4] != b"" or not raw.startswith(MAGIC):
            raise VaultDamaged(f"{damaged}: not an awsprompt vault", hint=hint)
        body = b"\n".join(lines[:3]) + b"\n"
        want = b"sha256:" + hashlib.sha256(body).hexdigest().encode()
        if not hmac.compare_digest(want, lines[3]):
            raise VaultDamaged(f"{damaged}: checksum mismatch", hint=hint)
        try:
            header = json.loads(lines[1])
        except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
            raise VaultDamaged(f"{damaged}: unreadable header", hint=hint) from None
        if not isinstance(header, dict) or header.get("version") != FORMAT_VERSION:
            raise VaultDamaged(f"{damaged}: unsupported format version", hint=hint)
        if not isinstance(header.get("wrapped_key"), dict) or not isinstance(
            header.get("index"), dict
        ):
            raise VaultDamaged(f"{damaged}: malformed header fields", hint=hint)
        crypto.KdfParams.from_json(header.get("kdf"))
        if (
            not isinstance(header["kdf"].get("salt"), str)
            or len(crypto.b64d(header["kdf"]["salt"], "vault salt")) != crypto.SALT_LEN
        ):
            raise VaultDamaged(f"{damaged}: missing or malformed KDF salt", hint=hint)
        sealed = crypto.b64d(lines[2], "vault payload")
        if len(sealed) <= crypto.NONCE_LEN:
            raise VaultDamaged(f"{damaged}: payload too short", hint=hint)
        return cls(
            header=header,
            header_bytes=lines[1],
            nonce=sealed[: crypto.NONCE_LEN],
            ciphertext=sealed[crypto.NONCE_LEN :],
        )

    def aad(self) -> bytes:
        return MAGIC + self.header_bytes

    def index(self) -> dict[str, KeyInfo]:
        raw = self.header.get("index")
        if not isinstance(raw, dict):
            raise VaultDamaged("the vault header has no index")
        out = {}
        try:
            for name, meta in raw.items():
                out[name] = info_from_entry(name, meta)
        except (KeyError, TypeError, ValueError):
            raise VaultDamaged("the vault index is malformed") from None
        return out


class FileVault:
    """Long-term keys in one Argon2id + AES-256-GCM encrypted file."""

    name = "file"

    def __init__(
        self,
        ctx: Context,
        path: Path | None = None,
        passphrase: Callable[[bool], str] | None = None,
        agent: Callable[[str], DataCipher | None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.path = path or ctx.paths.vault_path()
        self._ask = passphrase or self._default_passphrase
        self._agent = agent or ctx.agent.cipher_for
        self._cipher: DataCipher | None = None
        self._passphrase: str | None = None

    def _default_passphrase(self, creating: bool) -> str:
        from awsprompt.secrets.passphrase import get_passphrase

        return get_passphrase(self.ctx, creating=creating)

    @property
    def where(self) -> str:
        """Where the keys live, for messages."""
        return f"the vault {self.path}"

    # -- reading ---------------------------------------------------------------------
    def exists(self) -> bool:
        """True once the vault file exists."""
        return self.path.exists() or self.path.is_symlink()

    def _read(self) -> _Document | None:
        if not self.exists():
            return None
        fsutil.check_private(self.path.parent, is_dir=True)
        return _Document.parse(fsutil.read_private(self.path), self.path)

    def header_check(self) -> str:
        """The data key's check value from the header ('' without a vault)."""
        doc = self._read()
        return str(doc.header.get("check", "")) if doc else ""

    def index(self) -> dict[str, KeyInfo]:
        """Names, dates and key-id tails; no passphrase needed (vault.names is kept in step)."""
        doc = self._read()
        if doc is None:
            return {}
        index = doc.index()
        self._sync_names(index)
        return index

    def _sync_names(self, index: dict[str, KeyInfo]) -> None:
        """Rewrite vault.names (read by completion) when a killed writer left it stale."""
        names = self.ctx.paths.vault_names_path()
        want = "".join(f"{n}\n" for n in sorted(index)).encode()
        try:
            if fsutil.read_private(names) == want:
                return
        except (OSError, AwspromptError):
            pass
        with contextlib.suppress(OSError, AwspromptError):
            fsutil.atomic_write(names, want)

    def kdf_params(self) -> crypto.KdfParams:
        """The header's (bounded) Argon2id parameters; NotInVault when there is no vault."""
        doc = self._read()
        if doc is None:
            raise NotInVault("the vault does not exist yet")
        return _old_params(doc)

    def _unlock(self, doc: _Document) -> DataCipher:
        if self._cipher is not None:
            return self._cipher
        check = str(doc.header.get("check", ""))
        agent_cipher = self._agent(check)
        if agent_cipher is not None:
            self._cipher = agent_cipher
            return agent_cipher
        passphrase = self._ask(False)
        data_key = _unwrap(doc, passphrase)
        if data_key is None and self._came_from_keychain(passphrase):
            # A stale passphrase in the keychain: ask once; the unlock hook then updates it.
            ui = self.ctx.ui
            ui.warn("the vault passphrase stored in the OS keychain does not open the vault")
            passphrase = ui.ask("Passphrase for the awsprompt vault: ", secret=True)
            data_key = _unwrap(doc, passphrase)
        tries = 1
        while data_key is None and tries < TYPED_TRIES and self._typed():
            # A typo at the terminal gets another try, as sudo and ssh give.
            self.ctx.ui.warn("wrong passphrase, try again")
            passphrase = self._ask(False)
            data_key = _unwrap(doc, passphrase)
            tries += 1
        if data_key is None:
            raise WrongPassphrase(
                f"wrong passphrase for the vault {self.path}",
                hint="nothing was changed; try again",
            )
        self._passphrase = passphrase
        self._cipher = LocalCipher(data_key)
        if self.ctx.unlock_hook is not None:
            self.ctx.unlock_hook(data_key, passphrase)
        return self._cipher

    def _typed(self) -> bool:
        """True when the passphrase comes from a person at the terminal (not env or keychain)."""
        from awsprompt.secrets import passphrase as sources

        return (
            self._ask == self._default_passphrase
            and self.ctx.ui.has_terminal()
            and sources.from_environment(self.ctx) is None
            and sources.from_keyring(self.ctx) is None
        )

    def _came_from_keychain(self, passphrase: str) -> bool:
        """True when PASSPHRASE is the keychain's copy and a terminal could give another."""
        from awsprompt.secrets import passphrase as sources

        return (
            sources.from_environment(self.ctx) is None
            and self.ctx.ui.has_terminal()
            and sources.from_keyring(self.ctx) == passphrase
        )

    def _entries(self, doc: _Document) -> dict[str, dict[str, str]]:
        cipher = self._unlock(doc)
        plain = cipher.unseal("vault", doc.nonce, doc.ciphertext, doc.aad())
        if plain is None:
            raise VaultDamaged(
                f"the vault {self.path} fails its integrity check",
                hint="restore it from a backup; awsprompt never overwrites a damaged vault",
            )
        entries: dict[str, dict[str, str]] = json.loads(plain)["entries"]
        if set(entries) != set(doc.index()):
            raise VaultDamaged(f"the vault {self.path} index does not match its contents")
        return entries

    def get(self, profile: str) -> LongTermKey:
        """Decrypt and return PROFILE's key."""
        doc = self._read()
        if doc is None or profile not in doc.index():
            raise NotInVault(
                f"no keys for profile {profile!r} in the vault",
                hint=f"add them with `awsprompt add {profile}`",
            )
        return key_from_record(self._entries(doc)[profile])

    def all_keys(self) -> dict[str, LongTermKey]:
        """Decrypt and return every stored key."""
        doc = self._read()
        if doc is None:
            return {}
        return {n: key_from_record(e) for n, e in self._entries(doc).items()}

    def cipher(self) -> DataCipher:
        """Unlock and return the data-key cipher (used by the session cache)."""
        doc = self._read()
        if doc is None:
            raise NotInVault("the vault does not exist yet", hint="add keys with `awsprompt add`")
        return self._unlock(doc)

    def uses_agent(self) -> bool:
        """True when this process unlocked through a running agent."""
        return self._cipher is not None and not isinstance(self._cipher, LocalCipher)

    def unlocked_data_key(self) -> bytes | None:
        """The raw data key when this process derived it (for handing to the agent)."""
        return self._cipher.data_key if isinstance(self._cipher, LocalCipher) else None

    # -- writing ---------------------------------------------------------------------
    def put(self, profile: str, key: LongTermKey) -> None:
        """Store or replace PROFILE's key."""
        self._modify(lambda entries: entries.__setitem__(profile, key_to_record(key)))

    def delete(self, profile: str) -> None:
        """Remove PROFILE's key."""

        def drop(entries: dict[str, dict[str, str]]) -> None:
            if profile not in entries:
                raise NotInVault(f"no keys for profile {profile!r} in the vault")
            del entries[profile]

        self._modify(drop)

    def create(self) -> None:
        """Create an empty vault (asks for a new passphrase); nothing if it exists."""
        if not self.exists():
            self._modify(lambda entries: None)

    def put_many(self, keys: dict[str, LongTermKey]) -> None:
        """Store several keys in one write."""
        self._modify(lambda entries: entries.update({n: key_to_record(k) for n, k in keys.items()}))

    def _modify(self, change: Callable[[dict[str, dict[str, str]]], None]) -> None:
        folder = fsutil.ensure_private_dir(self.path.parent)
        with fsutil.file_lock(folder / "vault.lock", LOCK_TIMEOUT, "vault write"):
            doc = self._read()
            if doc is None:
                entries: dict[str, dict[str, str]] = {}
                self._passphrase = self._ask(True)
                self._cipher = LocalCipher(os.urandom(crypto.KEY_LEN))
            else:
                entries = self._entries(doc)
            change(entries)
            self._write(entries, doc)
        cipher, typed, hook = self._cipher, self._passphrase, self.ctx.unlock_hook
        if doc is None and isinstance(cipher, LocalCipher) and typed is not None and hook:
            hook(cipher.data_key, typed)  # a new vault, a new passphrase: offer the agent too

    def _write(self, entries: dict[str, dict[str, str]], old: _Document | None) -> None:
        cipher = self._cipher
        assert cipher is not None
        if isinstance(cipher, LocalCipher) and self._passphrase is not None:
            test_kdf = self.ctx.env.flag("AWSPROMPT_INSECURE_TEST_KDF")
            params = crypto.default_params(test_kdf=test_kdf) if old is None else _old_params(old)
            salt = os.urandom(crypto.SALT_LEN)
            kdf = {**params.to_json(), "salt": crypto.b64e(salt)}
            kek = crypto.derive_key(self._passphrase, salt, params)
            wnonce, wct = crypto.seal(kek, cipher.data_key, _wrap_aad(kdf))
            wrapped = {"nonce": crypto.b64e(wnonce), "ct": crypto.b64e(wct)}
            check = cipher.check_value()
        else:
            assert old is not None  # an agent-held key always comes from an existing vault
            kdf, wrapped, check = (
                old.header["kdf"],
                old.header["wrapped_key"],
                old.header["check"],
            )
        index = {name: index_entry(e) for name, e in sorted(entries.items())}
        header = {
            "version": FORMAT_VERSION,
            "cipher": "AES-256-GCM",
            "kdf": kdf,
            "wrapped_key": wrapped,
            "check": check,
            "index": index,
        }
        header_bytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
        payload = json.dumps({"entries": entries}, sort_keys=True).encode()
        nonce, ciphertext = cipher.seal("vault", payload, MAGIC + header_bytes)
        body = MAGIC + header_bytes + b"\n" + crypto.b64e(nonce + ciphertext).encode() + b"\n"
        data = body + b"sha256:" + hashlib.sha256(body).hexdigest().encode() + b"\n"
        fsutil.atomic_write(self.path, data)
        names = "".join(f"{n}\n" for n in sorted(entries))
        fsutil.atomic_write(self.ctx.paths.vault_names_path(), names.encode())


def _unwrap(doc: _Document, passphrase: str) -> bytes | None:
    """The data key, or None when PASSPHRASE does not open DOC."""
    kdf = doc.header["kdf"]
    wrap = doc.header.get("wrapped_key") or {}
    kek = crypto.derive_key(
        passphrase, crypto.b64d(kdf.get("salt"), "salt"), crypto.KdfParams.from_json(kdf)
    )
    return crypto.unseal(
        kek,
        crypto.b64d(wrap.get("nonce"), "key nonce"),
        crypto.b64d(wrap.get("ct"), "wrapped key"),
        _wrap_aad(kdf),
    )


def _old_params(doc: _Document) -> crypto.KdfParams:
    return crypto.KdfParams.from_json(doc.header["kdf"])
