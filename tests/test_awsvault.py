"""Importing master keys from aws-vault's encrypted file vault."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from awsvault_writer import b64url, write_item, write_master, write_session

from awsprompt.errors import UsageError, VaultDamaged, WrongPassphrase
from awsprompt.importers.awsvault import default_dir, item_key, parse_created, read_aws_vault

PASS = "aws-vault file passphrase"
SECRET_A = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETAAAA"
SECRET_B = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbSECRETBBBB"
SECRET_C = "Zq3Hn8Kk1bL0pQw9Er7Ty6Ui5Op4As3SECRETCCCC"


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    """A folder holding three master keys and one cached session."""
    folder = tmp_path / "awsvault" / "keys"
    write_master(folder, "default", "AKIAAAAAAAAAAAAAAAAA", SECRET_A, PASS)
    write_master(folder, "work-prod", "AKIABBBBBBBBBBBBBBBB", SECRET_B, PASS)
    write_master(folder, "dev@corp", "AKIACCCCCCCCCCCCCCCC", SECRET_C, PASS, created=None)
    write_session(folder, "work-prod", PASS)
    return folder


def test_round_trip_imports_masters_and_skips_sessions(vault_dir: Path) -> None:
    """Master keys come back under their profile names; the session item is skipped."""
    result = read_aws_vault(vault_dir, PASS)
    assert set(result.keys) == {"default", "work-prod", "dev@corp"}
    assert result.keys["default"].access_key_id == "AKIAAAAAAAAAAAAAAAAA"
    assert result.keys["default"].secret_access_key == SECRET_A
    assert result.keys["work-prod"].secret_access_key == SECRET_B
    assert result.keys["dev@corp"].secret_access_key == SECRET_C
    assert len(result.skipped) == 1
    assert result.skipped[0].startswith("sts.GetSessionToken,")
    assert result.unusable == {}


def test_added_comes_from_created_header_or_mtime(vault_dir: Path) -> None:
    """`added` is the JWE created time (Go time.String form), else the file's mtime."""
    os.utime(vault_dir / "dev@corp", (1_700_000_000, 1_700_000_000))
    result = read_aws_vault(vault_dir, PASS)
    assert result.keys["default"].added == datetime(2024, 3, 5, 13, 7, 9, 123456, timezone.utc)
    assert result.keys["dev@corp"].added == datetime.fromtimestamp(1_700_000_000, timezone.utc)


def test_created_parser_accepts_go_and_rfc3339() -> None:
    """Both Go's time.String() and RFC 3339 parse to aware UTC; garbage gives None."""
    assert parse_created("2025-01-02 03:04:05 +0000 UTC") == datetime(
        2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc
    )
    assert parse_created("2025-01-02T03:04:05Z") == datetime(
        2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc
    )
    assert parse_created("yesterday") is None
    assert parse_created(42) is None


def test_secrets_not_in_repr(vault_dir: Path) -> None:
    """The import result's repr never shows a secret key."""
    text = repr(read_aws_vault(vault_dir, PASS))
    for secret in (SECRET_A, SECRET_B, SECRET_C):
        assert secret not in text


def test_wrong_passphrase(vault_dir: Path) -> None:
    """A wrong passphrase is WrongPassphrase, not damage, and is not echoed."""
    with pytest.raises(WrongPassphrase) as info:
        read_aws_vault(vault_dir, "not the passphrase")
    assert "not the passphrase" not in str(info.value)
    assert "not the passphrase" not in (info.value.hint or "")


def test_huge_iteration_count_refused_before_deriving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """p2c=10**9 is a format error raised before any PBKDF2 runs, for any file."""
    folder = tmp_path / "keys"
    write_master(folder, "aaa-good", "AKIAAAAAAAAAAAAAAAAA", SECRET_A, PASS)
    write_master(
        folder, "zzz-evil", "AKIAEEEEEEEEEEEEEEEE", SECRET_B, PASS, p2c=10**9, derive=False
    )
    calls: list[int] = []
    real = hashlib.pbkdf2_hmac

    def counting(*args: object, **kwargs: object) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    with pytest.raises(VaultDamaged, match="p2c"):
        read_aws_vault(folder, PASS)
    assert calls == []


@pytest.mark.parametrize("p2c", [0, -1, 1_300_001, "8192", True, 1.5])
def test_absurd_iteration_counts_refused(tmp_path: Path, p2c: object) -> None:
    """Zero, negative, too large or non-integer p2c values are format errors."""
    folder = tmp_path / "keys"
    write_master(folder, "p", "AKIAAAAAAAAAAAAAAAAA", SECRET_A, PASS, p2c=8192)
    path = folder / "p"
    header_seg, *rest = path.read_text().split(".")
    header = json.loads(base64.urlsafe_b64decode(header_seg + "=="))
    header["p2c"] = p2c
    path.write_text(".".join([b64url(json.dumps(header).encode()), *rest]))
    with pytest.raises(VaultDamaged, match="p2c"):
        read_aws_vault(folder, PASS)


def test_truncated_file_is_damaged(vault_dir: Path) -> None:
    """A truncated item is VaultDamaged, not a wrong passphrase."""
    path = vault_dir / "work-prod"
    path.write_text(path.read_text()[:60])
    with pytest.raises(VaultDamaged):
        read_aws_vault(vault_dir, PASS)


def test_garbled_ciphertext_is_damaged(vault_dir: Path) -> None:
    """A flipped ciphertext character fails GCM after a good unwrap: damage, named by item."""
    path = vault_dir / "work-prod"
    parts = path.read_text().split(".")
    ct = bytearray(base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4)))
    ct[5] ^= 0x01
    parts[3] = b64url(bytes(ct))
    path.write_text(".".join(parts))
    with pytest.raises(VaultDamaged, match="work-prod"):
        read_aws_vault(vault_dir, PASS)


def test_garbage_file_is_damaged(vault_dir: Path) -> None:
    """A file that is not a JWE at all is VaultDamaged."""
    (vault_dir / "junk").write_bytes(b"\x00\xffnot a jwe")
    with pytest.raises(VaultDamaged):
        read_aws_vault(vault_dir, PASS)


def test_tampered_header_is_damaged(vault_dir: Path) -> None:
    """Changing the protected header (the GCM associated data) is detected."""
    path = vault_dir / "default"
    header_seg, *rest = path.read_text().split(".")
    header = json.loads(base64.urlsafe_b64decode(header_seg + "=" * (-len(header_seg) % 4)))
    header["created"] = "2000-01-01T00:00:00Z"
    path.write_text(".".join([b64url(json.dumps(header).encode()), *rest]))
    with pytest.raises(VaultDamaged, match="default"):
        read_aws_vault(vault_dir, PASS)


def test_item_written_with_another_passphrase_is_damaged(vault_dir: Path) -> None:
    """If most items open, one that does not is reported as damaged, by name."""
    write_master(vault_dir, "odd-one", "AKIAOOOOOOOOOOOOOOOO", SECRET_A, "another passphrase")
    with pytest.raises(VaultDamaged, match="odd-one"):
        read_aws_vault(vault_dir, PASS)


def test_percent_encoded_file_names_decode(tmp_path: Path) -> None:
    """File names are percent-decoded into item keys; invalid profile names are set aside."""
    assert item_key("team%2Fprod") == "team/prod"
    assert item_key("100%25") == "100%"
    assert item_key("dev%40corp") == "dev@corp"
    folder = tmp_path / "keys"
    write_master(folder, "team/prod", "AKIAAAAAAAAAAAAAAAAA", SECRET_A, PASS)
    assert (folder / "team%2Fprod").is_file()
    # An encoder that also escapes '@' (url.PathEscape style) must still work.
    path = write_master(folder, "ops@corp", "AKIABBBBBBBBBBBBBBBB", SECRET_B, PASS)
    path.rename(folder / "ops%40corp")
    write_master(folder, "100%", "AKIACCCCCCCCCCCCCCCC", SECRET_B, PASS)
    result = read_aws_vault(folder, PASS)
    assert set(result.keys) == {"ops@corp", "team/prod"}  # '/' is a profile name character
    assert result.keys["ops@corp"].secret_access_key == SECRET_B
    assert result.keys["team/prod"].secret_access_key == SECRET_A
    assert "100%" in result.unusable


def test_temporary_credentials_item_not_imported(tmp_path: Path) -> None:
    """An item under a profile name holding ASIA keys with a token is set aside."""
    folder = tmp_path / "keys"
    write_master(folder, "good", "AKIAAAAAAAAAAAAAAAAA", SECRET_A, PASS)
    data = {"AccessKeyID": "ASIAXXXXXXXXXXXXXXXX", "SecretAccessKey": "s", "SessionToken": "t"}
    write_item(folder, "temp", json.dumps(data).encode(), PASS)
    result = read_aws_vault(folder, PASS)
    assert set(result.keys) == {"good"}
    assert "temporary" in result.unusable["temp"]


def test_missing_folder_is_usage_error(tmp_path: Path) -> None:
    """A folder that does not exist is a clear error naming it."""
    with pytest.raises(UsageError, match="no aws-vault file vault"):
        read_aws_vault(tmp_path / "nope", PASS)


def test_only_sessions_needs_no_decryption(tmp_path: Path) -> None:
    """A vault of cached sessions alone imports nothing, whatever the passphrase."""
    folder = tmp_path / "keys"
    write_session(folder, "p", PASS)
    result = read_aws_vault(folder, "whatever")
    assert result.keys == {}
    assert len(result.skipped) == 1


def test_default_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """AWS_VAULT_FILE_DIR wins; otherwise ~/.awsvault/keys."""
    assert default_dir(None, tmp_path) == tmp_path / ".awsvault" / "keys"
    assert default_dir(str(tmp_path / "elsewhere"), tmp_path) == tmp_path / "elsewhere"
