"""`awsprompt import --from-aws-vault`: master keys from aws-vault's file vault."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from awsvault_writer import write_master, write_session
from conftest import Sandbox, app, cli

from awsprompt.secrets.vault import FileVault

AV_PASS = "aws-vault passphrase"


@pytest.fixture
def av_dir(sandbox: Sandbox, with_passphrase: str) -> Path:
    """An aws-vault folder with two master keys and one cached session."""
    folder = sandbox.home / ".awsvault" / "keys"
    write_master(folder, "work", "AKIAWORK000000000001", "work/secret+1", AV_PASS)
    write_master(folder, "home", "AKIAHOME000000000002", "home/secret+2", AV_PASS)
    write_session(folder, "work", AV_PASS)
    sandbox.write_config("[profile work]\nregion = eu-west-1\n")
    return folder


def test_imports_masters_and_skips_session(av_dir: Path, sandbox: Sandbox) -> None:
    """Both master keys land in the vault, the session is skipped and a config section added."""
    result = cli(
        "import", "--from-aws-vault", str(av_dir), env={"AWS_VAULT_FILE_PASSPHRASE": AV_PASS}
    )
    assert result.returncode == 0, result.stderr
    assert "secret+" not in result.stdout + result.stderr
    assert "session" in result.stderr
    vault = FileVault(app())
    assert vault.get("work").secret_access_key == "work/secret+1"
    assert vault.get("home").access_key_id == "AKIAHOME000000000002"
    assert set(vault.index()) == {"work", "home"}
    config = sandbox.config.read_text()
    assert config.startswith("[profile work]\nregion = eu-west-1\n")
    assert "[profile home]" in config
    assert set(app().files.config_sections) == {"work", "home"}


def test_default_dir_from_env(av_dir: Path) -> None:
    """Without DIR, AWS_VAULT_FILE_DIR (or ~/.awsvault/keys) is read; running twice is harmless."""
    env = {"AWS_VAULT_FILE_PASSPHRASE": AV_PASS, "AWS_VAULT_FILE_DIR": str(av_dir)}
    assert cli("import", "--from-aws-vault", env=env).returncode == 0
    again = cli("import", "--from-aws-vault", env=env)
    assert again.returncode == 0, again.stderr
    assert "already in vault" in again.stdout


def test_wrong_passphrase_writes_nothing(av_dir: Path, sandbox: Sandbox) -> None:
    """A wrong aws-vault passphrase exits 5 and creates no vault and no config change."""
    before = hashlib.sha256(sandbox.config.read_bytes()).hexdigest()
    result = cli(
        "import", "--from-aws-vault", str(av_dir), env={"AWS_VAULT_FILE_PASSPHRASE": "nope nope"}
    )
    assert result.returncode == 5, result.stderr
    assert "passphrase" in result.stderr
    assert not FileVault(app()).exists()
    assert hashlib.sha256(sandbox.config.read_bytes()).hexdigest() == before


def test_dry_run_writes_nothing(av_dir: Path, sandbox: Sandbox) -> None:
    """--dry-run lists the keys it would move and writes nothing."""
    before = sandbox.config.read_bytes()
    result = cli(
        "import",
        "--from-aws-vault",
        str(av_dir),
        "--dry-run",
        env={"AWS_VAULT_FILE_PASSPHRASE": AV_PASS},
    )
    assert result.returncode == 0, result.stderr
    assert "would move" in result.stdout
    assert "0001" in result.stdout
    assert not FileVault(app()).exists()
    assert sandbox.config.read_bytes() == before


def test_missing_folder_is_usage_error(sandbox: Sandbox) -> None:
    """A folder that does not exist is a usage error (exit 2)."""
    result = cli("import", "--from-aws-vault", str(sandbox.root / "nope"))
    assert result.returncode == 2
