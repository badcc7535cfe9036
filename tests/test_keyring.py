"""The OS keychain: the keyring backend and the keychain-held file-vault passphrase."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import PASSPHRASE, ROOT, MotoServer, Sandbox, cli

from awsprompt.errors import ExitCode

KEY_ID = "AKIAEXAMPLEKEYRING01"
SECRET = "KeyringSecretSENTINEL/00000000000000000"
KEYS = {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}
PLAINTEXT_KEYRING = "keyrings.alt.file.PlaintextKeyring"


@pytest.fixture(autouse=True)
def file_keyring(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real headless keyring: keyrings.alt's plaintext file under the sandbox HOME."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", PLAINTEXT_KEYRING)
    return sandbox.home / ".local" / "share" / "python_keyring" / "keyring_pass.cfg"


def detached(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m awsprompt ARGS` with no terminal (new session, stdin /dev/null)."""
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "awsprompt", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=full,
        cwd=ROOT,
        start_new_session=True,
        timeout=60,
        check=False,
    )


def keyring_get(service: str, user: str) -> str | None:
    """Read one item with the `keyring` package in a separate process (same environment)."""
    code = "import json, sys, keyring; print(json.dumps(keyring.get_password(*sys.argv[1:])))"
    result = subprocess.run(
        [sys.executable, "-c", code, service, user],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    value = json.loads(result.stdout)
    return value if value is None else str(value)


def store_passphrase(value: str) -> None:
    """keyringvault.store_passphrase(VALUE) in a process with this test's environment."""
    code = (
        "import sys; from awsprompt.secrets.keychain import store_passphrase;"
        " store_passphrase(sys.stdin.readline().rstrip('\\n'))"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        input=value + "\n",
        text=True,
        cwd=ROOT,
        timeout=30,
        check=True,
    )


def list_rows() -> dict[str, dict[str, object]]:
    """`list --json`, keyed by profile name."""
    result = detached("list", "--json")
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def child_key_id(profile: str) -> str:
    """AWS_ACCESS_KEY_ID seen by `exec --no-session PROFILE -- python`."""
    code = "import os; print(os.environ['AWS_ACCESS_KEY_ID'])"
    result = detached("exec", "--no-session", profile, "--", sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# --- the keyring backend --------------------------------------------------------------------


@pytest.fixture
def keyring_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """AWSPROMPT_BACKEND=keyring, and no passphrase anywhere."""
    monkeypatch.setenv("AWSPROMPT_BACKEND", "keyring")
    monkeypatch.delenv("AWSPROMPT_PASSPHRASE", raising=False)


@pytest.mark.usefixtures("keyring_backend")
def test_keyring_backend_round_trips_keys(sandbox: Sandbox, file_keyring: Path) -> None:
    """add, list, use and remove keys in the keychain; no vault file and no passphrase."""
    added = detached("add", "base", "--env", env=KEYS)
    assert added.returncode == 0, added.stderr
    assert "OS keychain" in added.stderr
    assert file_keyring.exists()
    assert not (sandbox.state / "vault.v1").exists()
    assert json.loads(keyring_get("awsprompt", "base") or "{}")["access_key_id"] == KEY_ID

    row = list_rows()["base"]
    assert row["has_credentials"] is True
    assert str(row["key_id"]).endswith(KEY_ID[-4:])
    assert KEY_ID not in json.dumps(row)
    assert child_key_id("base") == KEY_ID

    removed = detached("remove", "base", "--force")
    assert removed.returncode == 0, removed.stderr
    assert keyring_get("awsprompt", "base") is None
    # The empty [profile base] that `add` created went with the keys: no such profile now.
    assert "base" not in list_rows()
    assert not sandbox.config.exists() or "[profile base]" not in sandbox.config.read_text()
    missing = detached("exec", "--no-session", "base", "--", "true")
    assert missing.returncode != 0


@pytest.mark.usefixtures("keyring_backend")
def test_keyring_backend_caches_sessions(sandbox: Sandbox, private_moto: MotoServer) -> None:
    """The second `exec -j` is served from the encrypted cache, sealed with a keychain key."""
    assert detached("add", "base", "--env", env=KEYS).returncode == 0
    first = detached("exec", "-j", "base")
    assert first.returncode == 0, first.stderr
    private_moto.stop()  # only the cache can answer now
    second = detached("exec", "-j", "base")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert keyring_get("awsprompt", "__session_cache_key__")
    secret = json.loads(first.stdout)["SecretAccessKey"]
    files = [p for p in (sandbox.state / "sessions").rglob("*") if p.is_file()]
    assert files
    assert not any(secret.encode() in p.read_bytes() for p in files)


@pytest.mark.usefixtures("keyring_backend")
def test_unlock_is_refused_with_the_keyring_backend(sandbox: Sandbox) -> None:
    """`unlock` explains that the keychain backend is unlocked by the OS, with exit 2."""
    result = detached("unlock")
    assert result.returncode == ExitCode.USAGE
    assert "keyring backend" in result.stderr


# --- keyring_passphrase: true -----------------------------------------------------------------


@pytest.fixture
def vault_with_keychain_passphrase(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file vault holding `base`, `keyring_passphrase: true`, and no passphrase in the env."""
    created = cli("add", "base", "--env", env={**KEYS, "AWSPROMPT_PASSPHRASE": PASSPHRASE})
    assert created.returncode == 0, created.stderr
    (sandbox.state / "config.yaml").write_text("keyring_passphrase: true\n")
    monkeypatch.delenv("AWSPROMPT_PASSPHRASE", raising=False)


@pytest.mark.usefixtures("vault_with_keychain_passphrase")
def test_keychain_passphrase_opens_the_file_vault_without_a_terminal(
    sandbox: Sandbox, moto: MotoServer
) -> None:
    """With the passphrase in the keychain, `exec -j` and `add` need no env var and no tty."""
    before = detached("exec", "-j", "base")
    assert before.returncode == ExitCode.NO_TERMINAL, before.stderr
    store_passphrase(PASSPHRASE)
    assert keyring_get("awsprompt-vault", "passphrase") == PASSPHRASE
    result = detached("exec", "-j", "base")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == 1
    added = detached(
        "add", "second", "--env", env={**KEYS, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEYRING02"}
    )
    assert added.returncode == 0, added.stderr
    assert "the vault" in added.stderr
    assert child_key_id("second") == "AKIAEXAMPLEKEYRING02"
    status = detached("status", "--json")
    assert json.loads(status.stdout)["keys"] == 2


@pytest.mark.usefixtures("vault_with_keychain_passphrase")
def test_wrong_keychain_passphrase_is_reported(sandbox: Sandbox) -> None:
    """A wrong passphrase in the keychain fails with the wrong-passphrase exit code."""
    store_passphrase("not the passphrase")
    result = detached("exec", "--no-session", "base", "--", "true")
    assert result.returncode == ExitCode.WRONG_PASSPHRASE, result.stderr


@pytest.mark.usefixtures("vault_with_keychain_passphrase")
def test_typed_passphrase_is_kept_in_the_keychain(sandbox: Sandbox) -> None:
    """With keyring_passphrase on and none stored, a typed passphrase is saved; no agent offer."""
    env = {**os.environ, **KEYS, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEYRING03"}
    env.pop("AWSPROMPT_NO_AGENT", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "awsprompt", "add", "third", "--env"],
        env=env,
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=20,
    )
    child.expect("Passphrase for the awsprompt vault:")
    child.sendline(PASSPHRASE)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "Stored the vault passphrase in the OS keychain" in str(child.before)
    assert "Keep the vault" not in str(child.before)
    assert keyring_get("awsprompt-vault", "passphrase") == PASSPHRASE
    assert child_key_id("third") == "AKIAEXAMPLEKEYRING03"
    assert not (Path(os.environ["XDG_RUNTIME_DIR"]) / "awsprompt" / "agent.sock").exists()


@pytest.mark.usefixtures("vault_with_keychain_passphrase")
def test_stale_keychain_passphrase_is_replaced_after_a_prompt(sandbox: Sandbox) -> None:
    """A wrong stored passphrase, with a terminal: one prompt, then the keychain copy is fixed."""
    store_passphrase("an old passphrase")
    env = {**os.environ, **KEYS, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEYRING04"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "awsprompt", "add", "fourth", "--env"],
        env=env,
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=20,
    )
    child.expect("stored in the OS keychain does not open the vault")
    child.expect("Passphrase for the awsprompt vault:")
    child.sendline(PASSPHRASE)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert keyring_get("awsprompt-vault", "passphrase") == PASSPHRASE
    assert child_key_id("fourth") == "AKIAEXAMPLEKEYRING04"
