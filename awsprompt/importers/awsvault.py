"""Read master keys out of aws-vault's encrypted file vault (one compact JWE per item)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from awsprompt.errors import UsageError, VaultDamaged, WrongPassphrase
from awsprompt.names import is_valid_profile_name
from awsprompt.secrets.vault.base import LongTermKey

ALG = "PBES2-HS256+A128KW"
ENC = "A256GCM"

# Bounds checked before any key derivation (CVE-2023-50658 class: a crafted header must not
# make us spin for minutes). aws-vault writes p2c=8192 and a 16-byte salt.
MAX_P2C = 1_300_000
MIN_P2S = 8
MAX_P2S = 64
MAX_HEADER_CHARS = 4096
MAX_FILE_BYTES = 1024 * 1024
WRAPPED_KEY_LEN = 40  # 32-byte CEK wrapped with RFC 3394
IV_LEN = 12
TAG_LEN = 16

# Key prefixes aws-vault uses for cached sessions and SSO/OIDC tokens, never master keys.
_SESSION_PREFIXES = ("sts.", "sso.", "oidc:")


@dataclass(frozen=True)
class AwsVaultImport:
    """Master keys found in an aws-vault file vault, and the items left out."""

    keys: dict[str, LongTermKey]
    skipped: list[str] = field(default_factory=list)
    unusable: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Jwe:
    """The parsed parts of one compact JWE (nothing secret: all still encrypted)."""

    header_segment: str
    header: dict[str, Any]
    p2c: int
    p2s: bytes
    wrapped_key: bytes
    iv: bytes
    ciphertext: bytes
    tag: bytes


def default_dir(configured: str | None, home: Path) -> Path:
    """aws-vault's file vault folder: CONFIGURED ($AWS_VAULT_FILE_DIR) or ~/.awsvault/keys/."""
    if configured:
        return Path(configured).expanduser()
    return home / ".awsvault" / "keys"


def item_key(file_name: str) -> str:
    """The item key a vault file name stands for (aws-vault percent-encodes % and /)."""
    return unquote(file_name, errors="strict")


def is_session_item(key: str) -> bool:
    """True for cached sessions and tokens (`sts.GetSessionToken,...`), which are not imported."""
    return "," in key or key.startswith(_SESSION_PREFIXES)


def read_aws_vault(directory: Path, passphrase: str) -> AwsVaultImport:
    """Decrypt every master-credential item in DIRECTORY with PASSPHRASE."""
    if not directory.is_dir():
        raise UsageError(
            f"no aws-vault file vault at {directory}",
            hint="set AWS_VAULT_FILE_DIR or name the folder holding aws-vault's key files",
        )
    skipped: list[str] = []
    unusable: dict[str, str] = {}
    candidates: list[tuple[str, Path, os.stat_result]] = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue
        try:
            key = item_key(path.name)
        except UnicodeDecodeError:
            unusable[_shown(path.name)] = "file name is not valid percent-encoded UTF-8"
            continue
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            unusable[_shown(key)] = "not a regular file"
            continue
        if is_session_item(key):
            skipped.append(key)
            continue
        if st.st_size > MAX_FILE_BYTES:
            raise VaultDamaged(f"{path}: file is too large to be an aws-vault item")
        candidates.append((key, path, st))

    # Parse and bound every header first, so a crafted file is refused before any derivation.
    parsed = [(key, _parse_jwe(path.read_bytes(), path), st) for key, path, st in candidates]

    keys: dict[str, LongTermKey] = {}
    locked: list[str] = []
    for key, jwe, st in parsed:
        cek = _unwrap(jwe, passphrase)
        if cek is None:
            locked.append(key)
            continue
        item = _decrypt(jwe, cek, key)
        reason = _check_item(key, item)
        if reason is not None:
            unusable[_shown(key)] = reason
            continue
        found = _master_key(key, item, jwe.header, st)
        if isinstance(found, str):
            unusable[_shown(key)] = found
            continue
        keys[key] = found

    if locked and len(locked) == len(parsed):
        raise WrongPassphrase(
            f"the passphrase does not open the aws-vault file vault at {directory}",
            hint="use the passphrase aws-vault asks for (AWS_VAULT_FILE_PASSPHRASE)",
        )
    if locked:
        names = ", ".join(_shown(k) for k in locked)
        raise VaultDamaged(
            f"aws-vault items {names} in {directory} cannot be decrypted with the passphrase"
            " that opens the others",
            hint="they are damaged or were written with another passphrase;"
            " move them aside and import again",
        )
    return AwsVaultImport(keys=keys, skipped=skipped, unusable=unusable)


def _shown(name: str) -> str:
    """A name safe to put in a message (control characters escaped)."""
    return name.encode("unicode_escape").decode("ascii")


def _b64url(segment: str, what: str, where: Path) -> bytes:
    """Decode unpadded base64url, raising VaultDamaged on garbage."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", segment):
        raise VaultDamaged(f"{where}: {what} is not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise VaultDamaged(f"{where}: {what} is not base64url") from None


def _parse_jwe(raw: bytes, where: Path) -> _Jwe:
    """Split and check one compact JWE; every bound is enforced here, before deriving."""
    if len(raw) > MAX_FILE_BYTES:
        raise VaultDamaged(f"{where}: file is too large to be an aws-vault item")
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise VaultDamaged(f"{where}: not an aws-vault item (not a compact JWE)") from None
    parts = text.split(".")
    if len(parts) != 5:
        raise VaultDamaged(f"{where}: not an aws-vault item (expected 5 JWE parts)")
    header_segment, wrapped_s, iv_s, ct_s, tag_s = parts
    if len(header_segment) > MAX_HEADER_CHARS:
        raise VaultDamaged(f"{where}: JWE header is too large")
    try:
        header = json.loads(_b64url(header_segment, "JWE header", where))
    except (ValueError, UnicodeDecodeError):
        raise VaultDamaged(f"{where}: JWE header is not JSON") from None
    if not isinstance(header, dict):
        raise VaultDamaged(f"{where}: JWE header is not a JSON object")
    if header.get("alg") != ALG or header.get("enc") != ENC:
        raise VaultDamaged(
            f"{where}: unsupported JWE algorithms"
            f" (alg {_shown(str(header.get('alg')))}, enc {_shown(str(header.get('enc')))})",
            hint=f"aws-vault's file vault uses {ALG} with {ENC}",
        )
    if "zip" in header or "crit" in header:
        raise VaultDamaged(f"{where}: JWE header asks for unsupported features (zip/crit)")
    p2c = header.get("p2c")
    if isinstance(p2c, bool) or not isinstance(p2c, int) or not 1 <= p2c <= MAX_P2C:
        raise VaultDamaged(
            f"{where}: JWE header has an out-of-bounds iteration count (p2c)",
            hint=f"aws-vault writes 8192; more than {MAX_P2C} is refused",
        )
    p2s_text = header.get("p2s")
    if not isinstance(p2s_text, str):
        raise VaultDamaged(f"{where}: JWE header has no salt (p2s)")
    p2s = _b64url(p2s_text, "salt (p2s)", where)
    if not MIN_P2S <= len(p2s) <= MAX_P2S:
        raise VaultDamaged(f"{where}: JWE salt (p2s) has an unexpected length")
    wrapped = _b64url(wrapped_s, "encrypted key", where)
    iv = _b64url(iv_s, "IV", where)
    ciphertext = _b64url(ct_s, "ciphertext", where)
    tag = _b64url(tag_s, "tag", where)
    if len(wrapped) != WRAPPED_KEY_LEN or len(iv) != IV_LEN or len(tag) != TAG_LEN:
        raise VaultDamaged(f"{where}: JWE parts have unexpected lengths (truncated?)")
    return _Jwe(header_segment, header, p2c, p2s, wrapped, iv, ciphertext, tag)


def _unwrap(jwe: _Jwe, passphrase: str) -> bytes | None:
    """The content key, or None when the passphrase does not unwrap it."""
    from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

    salt = ALG.encode("ascii") + b"\x00" + jwe.p2s
    kek = hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt, jwe.p2c, dklen=16)
    try:
        return aes_key_unwrap(kek, jwe.wrapped_key)
    except (InvalidUnwrap, ValueError):
        return None


def _decrypt(jwe: _Jwe, cek: bytes, key: str) -> dict[str, Any]:
    """Decrypt and parse the item; the key unwrapped, so a failure here is damage."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        plaintext = AESGCM(cek).decrypt(
            jwe.iv, jwe.ciphertext + jwe.tag, jwe.header_segment.encode("ascii")
        )
    except (InvalidTag, ValueError):
        raise VaultDamaged(
            f"aws-vault item {_shown(key)} fails its integrity check",
            hint="the file was modified or truncated; move it aside and import again",
        ) from None
    try:
        item = json.loads(plaintext)
    except (ValueError, UnicodeDecodeError):
        raise VaultDamaged(f"aws-vault item {_shown(key)} does not hold JSON") from None
    if not isinstance(item, dict):
        raise VaultDamaged(f"aws-vault item {_shown(key)} does not hold a JSON object")
    return item


def _check_item(key: str, item: dict[str, Any]) -> str | None:
    """Why the decrypted item cannot be imported as master keys, or None if it can."""
    if not is_valid_profile_name(key):
        return "not a valid profile name"
    stored_key = item.get("Key")
    if stored_key is not None and stored_key != key:
        return "the item inside names another key (file renamed?)"
    return None


def _master_key(
    key: str, item: dict[str, Any], header: dict[str, Any], st: os.stat_result
) -> LongTermKey | str:
    """Turn a decrypted master-credentials item into a LongTermKey (or say why not)."""
    data = item.get("Data")
    try:
        creds = json.loads(base64.b64decode(str(data), validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise VaultDamaged(f"aws-vault item {_shown(key)} has unreadable Data") from None
    if not isinstance(creds, dict):
        raise VaultDamaged(f"aws-vault item {_shown(key)} has unreadable Data")
    key_id = creds.get("AccessKeyID")
    secret = creds.get("SecretAccessKey")
    if not isinstance(key_id, str) or not key_id or not isinstance(secret, str) or not secret:
        raise VaultDamaged(f"aws-vault item {_shown(key)} lacks AccessKeyID or SecretAccessKey")
    if creds.get("SessionToken") or key_id.startswith("ASIA"):
        return "holds temporary credentials, not long-term keys"
    added = parse_created(header.get("created"))
    if added is None:
        added = datetime.fromtimestamp(st.st_mtime, timezone.utc)
    return LongTermKey(
        access_key_id=key_id,
        secret_access_key=secret,
        added=added,
        notes="imported from aws-vault",
    )


_GO_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? ([+-])(\d{2})(\d{2})(?: \S+)?(?: m=\S+)?"
)


def parse_created(value: Any) -> datetime | None:
    """Parse the JWE `created` header (Go's time.String() or RFC 3339) as aware UTC."""
    if not isinstance(value, str) or len(value) > 100:
        return None
    match = _GO_TIME.fullmatch(value.strip())
    if match:
        day, clock, frac, sign, hh, mm = match.groups()
        base = datetime.fromisoformat(f"{day}T{clock}")
        micro = int((frac or ".0")[1:7].ljust(6, "0"))
        offset = timedelta(hours=int(hh), minutes=int(mm)) * (-1 if sign == "-" else 1)
        return (base.replace(microsecond=micro, tzinfo=timezone(offset))).astimezone(timezone.utc)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(timezone.utc)
