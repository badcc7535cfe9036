"""Test-only writer of aws-vault file vault items, following aws-vault/jose2go byte for byte."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

ALG = "PBES2-HS256+A128KW"
ENC = "A256GCM"
# What `time.Now().String()` gives in Go, the form aws-vault stores in "created".
GO_CREATED = "2024-03-05 14:07:09.123456789 +0100 CET m=+0.004211"


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def file_name(key: str) -> str:
    """The file name aws-vault gives an item key (% and / percent-encoded)."""
    return key.replace("%", "%25").replace("/", "%2F")


def encrypt(
    plaintext: bytes,
    passphrase: str,
    *,
    p2c: int = 8192,
    extra_headers: dict[str, Any] | None = None,
    derive: bool = True,
) -> str:
    """Compact JWE with PBES2-HS256+A128KW and A256GCM (derive=False: random KEK, any p2c)."""
    p2s = os.urandom(16)
    header: dict[str, Any] = {"alg": ALG, "enc": ENC, "p2c": p2c, "p2s": b64url(p2s)}
    header.update(extra_headers or {})
    # Go marshals maps with sorted keys and no spaces.
    header_segment = b64url(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
    salt = ALG.encode() + b"\x00" + p2s
    if derive:
        kek = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, p2c, dklen=16)
    else:
        kek = os.urandom(16)
    cek = os.urandom(32)
    wrapped = aes_key_wrap(kek, cek)
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, plaintext, header_segment.encode("ascii"))
    ciphertext, tag = sealed[:-16], sealed[-16:]
    parts = [header_segment, b64url(wrapped), b64url(iv), b64url(ciphertext), b64url(tag)]
    return ".".join(parts)


def write_item(
    directory: Path,
    key: str,
    data: bytes,
    passphrase: str,
    *,
    created: str | None = GO_CREATED,
    p2c: int = 8192,
    derive: bool = True,
) -> Path:
    """Store one keyring Item (Go's json.Marshal of keyring.Item) under KEY."""
    item = {
        "Key": key,
        "Data": base64.b64encode(data).decode("ascii"),
        "Label": f"aws-vault ({key})",
        "Description": "",
        "KeychainNotTrustApplication": False,
        "KeychainNotSynchronizable": False,
    }
    headers = {"created": created} if created is not None else {}
    token = encrypt(
        json.dumps(item, separators=(",", ":")).encode(),
        passphrase,
        p2c=p2c,
        extra_headers=headers,
        derive=derive,
    )
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / file_name(key)
    path.write_text(token)
    path.chmod(0o600)
    return path


def write_master(
    directory: Path, profile: str, key_id: str, secret: str, passphrase: str, **kwargs: Any
) -> Path:
    """Store master credentials for PROFILE as `aws-vault add` does."""
    creds = {
        "AccessKeyID": key_id,
        "SecretAccessKey": secret,
        "SessionToken": "",
        "Source": "",
        "CanExpire": False,
        "Expires": "0001-01-01T00:00:00Z",
    }
    return write_item(directory, profile, json.dumps(creds).encode(), passphrase, **kwargs)


def write_session(directory: Path, profile: str, passphrase: str) -> Path:
    """Store a cached GetSessionToken session the way aws-vault names it."""
    key = f"sts.GetSessionToken,{b64url(profile.encode())},,1764424800"
    creds = {
        "AccessKeyID": "ASIAEXAMPLESESSION01",
        "SecretAccessKey": "session-secret",
        "SessionToken": "session-token",
        "CanExpire": True,
        "Expires": "2026-11-29T14:00:00Z",
    }
    return write_item(directory, key, json.dumps(creds).encode(), passphrase)
