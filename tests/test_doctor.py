"""`awsprompt doctor`: each check is triggered by the problem it looks for."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASE, Sandbox, app, cli

from awsprompt.secrets.vault import FileVault, LongTermKey

GOOD_CONFIG = """\
[profile base]
mfa_serial = arn:aws:iam::111111111111:mfa/me
region = eu-west-1

[profile admin]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = base
mfa_serial = arn:aws:iam::111111111111:mfa/me
"""


def _doctor(env: dict[str, str] | None = None) -> tuple[int, list[dict[str, Any]]]:
    result = cli("doctor", "--json", env=env)
    assert result.returncode in (0, 20), result.stderr
    return result.returncode, json.loads(result.stdout)


def _found(findings: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["name"] == name and f["status"] != "ok"]


def _store(name: str, *, age_days: int = 0) -> None:
    added = datetime.now(timezone.utc) - timedelta(days=age_days)
    FileVault(app()).put(name, LongTermKey("AKIABASE000000000001", "base-secret", added=added))


@pytest.fixture
def clean(sandbox: Sandbox, with_passphrase: str, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """A healthy setup: strong vault, roles sharing the source's MFA, plugin in .zshrc."""
    monkeypatch.delenv("AWSPROMPT_INSECURE_TEST_KDF")
    _store("base")
    monkeypatch.setenv("AWSPROMPT_INSECURE_TEST_KDF", "1")
    monkeypatch.delenv("AWSPROMPT_PASSPHRASE")
    sandbox.write_config(GOOD_CONFIG)
    (sandbox.home / ".zshrc").write_text("# >>> awsprompt >>>\nsource x\n# <<< awsprompt <<<\n")
    return sandbox


def test_clean_setup_passes(clean: Sandbox) -> None:
    """A healthy setup reports every check ok and exits 0."""
    code, findings = _doctor()
    assert code == 0
    assert [f for f in findings if f["status"] != "ok"] == []
    table = cli("doctor")
    assert table.returncode == 0
    assert "plaintext keys" in table.stdout


def test_plaintext_keys_fail(clean: Sandbox) -> None:
    """Long-term keys in the credentials file fail with `awsprompt import` as the fix."""
    clean.write_credentials(
        "[old]\naws_access_key_id = AKIAOLD0000000000001\naws_secret_access_key = oldsecret\n"
    )
    clean.credentials.chmod(0o600)
    code, findings = _doctor()
    assert code == 20
    (hit,) = _found(findings, "plaintext keys")
    assert "old" in hit["message"]
    assert hit["fix"] == "awsprompt import"
    assert "oldsecret" not in json.dumps(findings)


def test_temporary_keys_are_not_plaintext_problem(clean: Sandbox) -> None:
    """Session-token keys in the credentials file are not reported as long-term keys."""
    clean.write_credentials(
        "[t]\naws_access_key_id = ASIA0000000000000001\naws_secret_access_key = s\n"
        "aws_session_token = tok\n"
    )
    clean.credentials.chmod(0o600)
    code, findings = _doctor()
    assert code == 0
    assert _found(findings, "plaintext keys") == []


def test_insecure_state_folder_fails(clean: Sandbox) -> None:
    """A group/world-readable state folder fails the permissions check."""
    clean.state.chmod(0o755)
    code, findings = _doctor()
    assert code == 20
    assert any(str(clean.state) in f["message"] for f in _found(findings, "permissions"))


def test_world_readable_credentials_fails(clean: Sandbox) -> None:
    """A credentials file others can read fails with a chmod fix."""
    clean.write_credentials("[x]\nregion = eu-west-1\n")
    clean.credentials.chmod(0o644)
    code, findings = _doctor()
    assert code == 20
    (hit,) = _found(findings, "permissions")
    assert hit["fix"] == f"chmod 600 {clean.credentials}"


def test_source_profile_loop_fails(clean: Sandbox) -> None:
    """Two roles naming each other as source_profile fail the profiles check."""
    clean.write_config(
        GOOD_CONFIG
        + "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
        + "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = a\n"
    )
    code, findings = _doctor()
    assert code == 20
    assert any("loop" in f["message"] for f in _found(findings, "profiles"))


def test_missing_source_profile_fails(clean: Sandbox) -> None:
    """A role whose source_profile does not exist fails the profiles check."""
    clean.write_config(
        GOOD_CONFIG
        + "[profile r]\nrole_arn = arn:aws:iam::333333333333:role/R\nsource_profile = ghost\n"
    )
    code, findings = _doctor()
    assert code == 20
    (hit,) = _found(findings, "profiles")
    assert "ghost" in hit["message"]


def test_mfa_mismatch_warns(clean: Sandbox) -> None:
    """A role with its own mfa_serial, unlike its source's, is a warning (exit 0)."""
    clean.write_config(
        GOOD_CONFIG
        + "[profile other]\nrole_arn = arn:aws:iam::444444444444:role/O\nsource_profile = base\n"
        + "mfa_serial = arn:aws:iam::111111111111:mfa/second\n"
    )
    code, findings = _doctor()
    assert code == 0
    (hit,) = _found(findings, "mfa")
    assert hit["status"] == "warn"
    assert "other" in hit["message"]


def test_old_key_warns(clean: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """A vault key older than rotation_days is a warning naming `awsprompt rotate`."""
    monkeypatch.setenv("AWSPROMPT_PASSPHRASE", PASSPHRASE)
    _store("base", age_days=120)
    monkeypatch.delenv("AWSPROMPT_PASSPHRASE")
    code, findings = _doctor()
    assert code == 0
    (hit,) = _found(findings, "key age")
    assert hit["fix"] == "awsprompt rotate base"
    assert "120 days" in hit["message"]


def test_missing_credential_process_executable_fails(clean: Sandbox) -> None:
    """credential_process naming a program that does not exist fails."""
    clean.write_config(
        GOOD_CONFIG + "[profile p]\ncredential_process = /nonexistent/tool --json\n"
        "[profile q]\ncredential_process = no-such-tool-xyz exec q\n"
    )
    code, findings = _doctor()
    assert code == 20
    hits = _found(findings, "credential_process")
    assert {h["message"].split("'")[1] for h in hits} == {"p", "q"}


def test_zsh_plugin_missing_warns(clean: Sandbox) -> None:
    """A .zshrc without the plugin is a warning; an oh-my-zsh plugins line counts as loaded."""
    rc = clean.home / ".zshrc"
    rc.write_text("plugins=(git aws)\n")
    code, findings = _doctor()
    assert code == 0
    assert _found(findings, "zsh plugin")[0]["status"] == "warn"
    rc.write_text("plugins=(\n  git\n  awsprompt\n)\n")
    _, findings = _doctor()
    assert _found(findings, "zsh plugin") == []


def test_passphrase_in_environment_warns(clean: Sandbox) -> None:
    """An exported vault passphrase is a warning that names the variable, not its value."""
    code, findings = _doctor(env={"AWS_VAULT_FILE_PASSPHRASE": "hunter2-hunter2"})
    assert code == 0
    (hit,) = _found(findings, "passphrase")
    assert "AWS_VAULT_FILE_PASSPHRASE" in hit["message"]
    assert "hunter2" not in json.dumps(findings)


def test_stale_agent_socket_warns(clean: Sandbox) -> None:
    """A socket file with no agent behind it is reported as a stale agent."""
    path: Path = app().agent.socket_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(path))
    assert path.exists()
    code, findings = _doctor()
    assert code == 0
    (hit,) = _found(findings, "agent")
    assert "stale" in hit["message"]


def test_weak_kdf_warns(
    sandbox: Sandbox, with_passphrase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vault made with the test-only KDF parameters is a warning."""
    _store("base")
    monkeypatch.delenv("AWSPROMPT_PASSPHRASE")
    (sandbox.home / ".zshrc").write_text("source ~/awsprompt/zsh/awsprompt.plugin.zsh\n")
    code, findings = _doctor()
    assert code == 0
    assert [f["name"] for f in findings if f["status"] != "ok"] == ["vault kdf"]
    (hit,) = _found(findings, "vault kdf")
    assert hit["status"] == "warn"
    assert "RFC 9106" in hit["message"]
