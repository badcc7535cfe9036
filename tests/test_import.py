"""`awsprompt import`: plaintext keys move into the vault and the AWS CLI keeps working."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Sandbox, app, cli

from awsprompt.config.profiles import Resolver
from awsprompt.secrets.vault import FileVault

AWS = str(Path(sys.executable).parent / "aws")
SELF = f"{sys.executable} -m awsprompt"

CREDENTIALS = """\
# my keys, do not share
[default]
aws_access_key_id = AKIADEFAULT000000001
aws_secret_access_key = default/secret+0000000000000000000000001

[dev]
# the dev account
aws_access_key_id=AKIADEV0000000000002
aws_secret_access_key=dev/secret+00000000000000000000000000002
region = eu-west-1

[ops]
aws_access_key_id = AKIAOPS0000000000003
aws_secret_access_key = ops/secret+00000000000000000000000000003

[temp]
aws_access_key_id = ASIATEMP000000000004
aws_secret_access_key = temp/secret+0000000000000000000000000004
aws_session_token = FwoGZXIvYXdzEXAMPLETOKEN

[solo]
aws_access_key_id = AKIASOLO000000000005
aws_secret_access_key = solo/secret+0000000000000000000000000005
"""

CONFIG = """\
# config comments stay
[default]
region = us-east-1
output = json

[profile dev]
; dev notes
cli_pager =

[profile ops]
region = us-west-2
[profile admin]
role_arn = arn:aws:iam::111111111111:role/Admin
source_profile = ops
"""

IMPORTED = ("default", "dev", "ops", "solo")


def _digest(*files: Path) -> list[str | None]:
    return [hashlib.sha256(f.read_bytes()).hexdigest() if f.exists() else None for f in files]


def _env() -> dict[str, str]:
    return {"AWSPROMPT_SELF": SELF, "PYTHONPATH": str(ROOT)}


@pytest.fixture
def aws_files(sandbox: Sandbox, with_passphrase: str) -> Sandbox:
    """The five-profile credentials file and a config with comments."""
    sandbox.write_credentials(CREDENTIALS)
    sandbox.credentials.chmod(0o600)
    sandbox.write_config(CONFIG)
    return sandbox


def _without_added(config: str) -> str:
    """The config with the lines import adds (credential_process, new sections) taken out."""
    kept = [
        ln for ln in config.splitlines(keepends=True) if not ln.startswith("credential_process")
    ]
    return "".join(kept)


def test_import_moves_keys_and_cli_still_works(aws_files: Sandbox, moto: object) -> None:
    """Long-term keys end up only in the vault; the AWS CLI gets them via credential_process."""
    result = cli("import", env=_env())
    assert result.returncode == 0, result.stderr
    # No secret on stdout or stderr; the table shows masked ids.
    for text in (result.stdout, result.stderr):
        assert "secret+" not in text
        assert "AKIADEV0000000000002" not in text
    assert "0002" in result.stdout
    assert "temp" in result.stderr  # skipped with a note

    creds = aws_files.credentials.read_text()
    assert "aws_secret_access_key" in creds  # only the temporary profile's
    parsed = app().files.credentials_sections
    assert set(parsed) == {"temp", "dev"}
    assert parsed["dev"] == {"region": "eu-west-1"}
    assert parsed["temp"]["aws_session_token"]
    assert "# my keys, do not share" in creds

    config = aws_files.config.read_text()
    assert _without_added(config) == CONFIG + "\n[profile solo]\n"
    for name in IMPORTED:
        line = f"credential_process = {SELF} exec -j {name}"
        assert config.count(line) == 1, name

    vault = FileVault(app())
    assert vault.get("dev").secret_access_key == "dev/secret+00000000000000000000000000002"
    assert set(vault.index()) == set(IMPORTED)

    env = {**os.environ, **_env()}
    for name in IMPORTED:
        out = subprocess.run(
            [AWS, "sts", "get-caller-identity", "--profile", name, "--output", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert out.returncode == 0, (name, out.stderr)
        assert json.loads(out.stdout)["Account"]


def test_removes_file_when_only_keys_were_in_it(sandbox: Sandbox, with_passphrase: str) -> None:
    """A credentials file holding nothing but long-term keys is deleted after the import."""
    sandbox.write_credentials(
        "# keys\n[a]\naws_access_key_id = AKIAAAAAAAAAAAAAAAA1\naws_secret_access_key = s1\n"
    )
    result = cli("import", env=_env())
    assert result.returncode == 0, result.stderr
    assert not sandbox.credentials.exists()
    assert FileVault(app()).get("a").secret_access_key == "s1"


def test_engine_prefers_vault_over_credential_process(aws_files: Sandbox) -> None:
    """A profile with keys in the vault and credential_process resolves to the vault (no loop)."""
    assert cli("import", env=_env()).returncode == 0
    files = app().files
    assert files.config_sections["dev"]["credential_process"].endswith("exec -j dev")
    profile = Resolver(files, FileVault(app()).index().keys()).resolve("dev")
    assert profile.source.kind == "vault"


def test_exec_json_after_import(aws_files: Sandbox, moto: object) -> None:
    """`exec -j` on an imported profile prints credential_process JSON (no recursion)."""
    assert cli("import", env=_env()).returncode == 0
    result = cli("exec", "-j", "ops", env=_env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == 1


def test_dry_run_changes_nothing(aws_files: Sandbox) -> None:
    """--dry-run prints the plan and leaves every file as it was."""
    before = _digest(aws_files.credentials, aws_files.config)
    result = cli("import", "--dry-run", env=_env())
    assert result.returncode == 0, result.stderr
    assert "would move" in result.stdout
    assert _digest(aws_files.credentials, aws_files.config) == before
    assert not FileVault(app()).exists()


def test_running_twice_is_harmless(aws_files: Sandbox) -> None:
    """A second import finds nothing to do and changes nothing."""
    assert cli("import", env=_env()).returncode == 0
    files = (aws_files.credentials, aws_files.config, FileVault(app()).path)
    before = _digest(*files)
    again = cli("import", env=_env())
    assert again.returncode == 0, again.stderr
    assert "Nothing to import" in again.stderr
    assert _digest(*files) == before


def test_keep_backup_leaves_private_copy(aws_files: Sandbox) -> None:
    """--keep-backup keeps the original bytes in a new 0600 file beside the credentials file."""
    result = cli("import", "--keep-backup", env=_env())
    assert result.returncode == 0, result.stderr
    backups = list(aws_files.credentials.parent.glob("credentials.awsprompt-backup-*"))
    assert len(backups) == 1
    assert backups[0].read_text() == CREDENTIALS
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600


def test_only_named_profile(aws_files: Sandbox) -> None:
    """--profile imports that profile alone and leaves the others' keys in place."""
    result = cli("import", "--profile", "ops", env=_env())
    assert result.returncode == 0, result.stderr
    assert set(FileVault(app()).index()) == {"ops"}
    sections = app().files.credentials_sections
    assert "ops" not in sections
    assert sections["solo"]["aws_access_key_id"] == "AKIASOLO000000000005"


def test_invalid_name_skipped(sandbox: Sandbox, with_passphrase: str) -> None:
    """A profile with an unsafe name is skipped with a warning and its keys stay."""
    text = (
        "[ok]\naws_access_key_id = AKIAOK00000000000001\naws_secret_access_key = s1\n"
        "[bad$(x)]\naws_access_key_id = AKIABAD0000000000002\naws_secret_access_key = s2\n"
    )
    sandbox.write_credentials(text)
    result = cli("import", env=_env())
    assert result.returncode == 0, result.stderr
    assert "invalid profile name" in result.stderr
    assert set(FileVault(app()).index()) == {"ok"}
    assert "AKIABAD0000000000002" in sandbox.credentials.read_text()


def test_conflicting_vault_key_keeps_plaintext(aws_files: Sandbox) -> None:
    """A different key already in the vault under the same name is not overwritten."""
    env = {**_env(), "AWS_ACCESS_KEY_ID": "AKIAOTHER00000000009", "AWS_SECRET_ACCESS_KEY": "x"}
    assert cli("add", "ops", "--env", env=env).returncode == 0
    result = cli("import", env=_env())
    assert result.returncode == 0, result.stderr
    assert "already holds another key" in result.stderr
    assert FileVault(app()).get("ops").access_key_id == "AKIAOTHER00000000009"
    assert app().files.credentials_sections["ops"]["aws_access_key_id"] == "AKIAOPS0000000000003"


def test_wrong_vault_passphrase_touches_nothing(aws_files: Sandbox) -> None:
    """With an existing vault and a wrong passphrase, import fails (exit 5) and edits no file."""
    assert cli("import", "--profile", "ops", env=_env()).returncode == 0
    files = (aws_files.credentials, aws_files.config, FileVault(app()).path)
    before = _digest(*files)
    result = cli("import", env={**_env(), "AWSPROMPT_PASSPHRASE": "wrong passphrase!"})
    assert result.returncode == 5, result.stderr
    assert _digest(*files) == before


def test_old_plaintext_bytes_are_zeroed(aws_files: Sandbox) -> None:
    """The replaced credentials file's old bytes (seen through an open handle) are zeros."""
    with aws_files.credentials.open("rb") as old:
        assert cli("import", env=_env()).returncode == 0
        old.seek(0)
        data = old.read()
    assert len(data) == len(CREDENTIALS)
    assert set(data) == {0}


def test_read_only_credentials_file(sandbox: Sandbox, with_passphrase: str) -> None:
    """A 0400 credentials file is still cleaned up (the folder is writable), with a note."""
    sandbox.write_credentials(
        "[a]\naws_access_key_id = AKIAAAAAAAAAAAAAAAA1\naws_secret_access_key = s1\n"
        "[b]\nregion = eu-west-1\n"
    )
    sandbox.credentials.chmod(0o400)
    result = cli("import", env=_env())
    assert result.returncode == 0, result.stderr
    assert sandbox.credentials.read_text() == "[b]\nregion = eu-west-1\n"
    assert stat.S_IMODE(sandbox.credentials.stat().st_mode) == 0o400
    if os.geteuid() != 0:  # root may write a 0400 file, so it zeroes it
        assert "not zeroed" in result.stderr


def test_symlinked_credentials_file(sandbox: Sandbox, with_passphrase: str) -> None:
    """A symlinked credentials file (dotfiles repo) is edited at its target; the link stays."""
    target = sandbox.root / "dotfiles-credentials"
    target.write_text(
        "[a]\naws_access_key_id = AKIAAAAAAAAAAAAAAAA1\naws_secret_access_key = s1\n"
        "[b]\nregion = eu-west-1\n"
    )
    sandbox.credentials.symlink_to(target)
    result = cli("import", env=_env())
    assert result.returncode == 0, result.stderr
    assert sandbox.credentials.is_symlink()
    assert target.read_text() == "[b]\nregion = eu-west-1\n"


def test_unusual_layout_refused_without_changes(sandbox: Sandbox, with_passphrase: str) -> None:
    """Key lines import cannot strip cleanly make it stop before writing anything."""
    text = "[a]\n  aws_access_key_id = AKIAAAAAAAAAAAAAAAA1\n  aws_secret_access_key = s1\n"
    sandbox.write_credentials(text)
    result = cli("import", env=_env())
    assert result.returncode == 3, result.stderr
    assert sandbox.credentials.read_text() == text
    assert not FileVault(app()).exists()
