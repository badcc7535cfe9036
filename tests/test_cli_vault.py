"""`add`, `list` and `remove` through the real CLI: round trips, refusals, file safety."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import PASSPHRASE, ROOT, Sandbox, app, cli

from awsprompt.cli import build_parser
from awsprompt.errors import ExitCode
from awsprompt.secrets.vault import FileVault, LongTermKey

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEY_ID_2 = "AKIAI44QH8DHBEXAMPLE"
SECRET_2 = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"

KEYS = {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}
KEYS_2 = {"AWS_ACCESS_KEY_ID": KEY_ID_2, "AWS_SECRET_ACCESS_KEY": SECRET_2}


def add(name: str, keys: dict[str, str] = KEYS, *extra: str) -> subprocess.CompletedProcess[str]:
    """`awsprompt add NAME --env [EXTRA]` with KEYS in the environment."""
    return cli("add", name, "--env", *extra, env=keys)


def list_json() -> dict[str, dict[str, object]]:
    """`awsprompt list --json`, keyed by profile name."""
    proc = cli("list", "--json")
    assert proc.returncode == 0, proc.stderr
    return {row["name"]: row for row in json.loads(proc.stdout)}


def sha(path: Path) -> str:
    """Hex digest of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temp_files(folder: Path) -> list[str]:
    """Leftover temporary files of atomic writes in FOLDER."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def vault_file(sandbox: Sandbox) -> Path:
    """The vault file inside the sandbox's state folder."""
    return sandbox.state / "vault.v1"


@pytest.mark.usefixtures("with_passphrase")
def test_add_list_remove_round_trip(sandbox: Sandbox) -> None:
    """A profile added with --env shows up in list --json and disappears after remove --force."""
    proc = add("dev")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert SECRET not in proc.stderr
    assert KEY_ID not in proc.stderr  # shown masked only
    assert KEY_ID[-4:] in proc.stderr

    row = list_json()["dev"]
    assert row["has_credentials"] is True
    assert row["key_age_days"] == 0
    assert row["role_arn"] is None
    assert row["source_profile"] is None
    assert row["sessions"] == []
    key = FileVault(app(), vault_file(sandbox), passphrase=lambda _c: PASSPHRASE).get("dev")
    assert (key.access_key_id, key.secret_access_key) == (KEY_ID, SECRET)

    proc = cli("remove", "dev", "--force")
    assert proc.returncode == 0, proc.stderr
    rows = list_json()
    # the keys are gone, and so is the empty section that `add` created
    assert "dev" not in rows
    assert b"[profile dev]" not in sandbox.config.read_bytes()
    assert (sandbox.state / "vault.names").read_text() == ""


def test_secrets_never_printed_even_with_debug(sandbox: Sandbox) -> None:
    """With --debug, neither the secret, the full key id nor the passphrase reaches any output."""
    runs = [
        cli("--debug", "add", "dev", "--env", env={**KEYS, "AWSPROMPT_PASSPHRASE": PASSPHRASE}),
        cli(
            "--debug",
            "add",
            "dev",
            "--env",
            "--force",
            env={**KEYS, "AWSPROMPT_PASSPHRASE": "wrong wrong"},
        ),
        cli("--debug", "list", "--json"),
        cli("--debug", "remove", "dev", "--force", env={"AWSPROMPT_PASSPHRASE": "wrong wrong"}),
    ]
    assert [p.returncode for p in runs] == [0, 5, 0, 5]
    assert "Traceback" in runs[1].stderr
    for proc in runs:
        for secret in (SECRET, KEY_ID, PASSPHRASE, "wrong wrong"):
            assert secret not in proc.stdout + proc.stderr


@pytest.mark.usefixtures("with_passphrase")
def test_list_json_shows_roles_and_sources(sandbox: Sandbox) -> None:
    """list --json reports a role profile's role_arn and source_profile next to its source."""
    assert add("base").returncode == 0
    with sandbox.config.open("a") as fh:
        fh.write(
            "\n[profile admin]\nrole_arn = arn:aws:iam::222222222222:role/Admin\n"
            "source_profile = base\nregion = eu-west-1\n"
        )
    rows = list_json()
    assert rows["admin"]["role_arn"] == "arn:aws:iam::222222222222:role/Admin"
    assert rows["admin"]["source_profile"] == "base"
    assert rows["admin"]["has_credentials"] is False
    assert rows["admin"]["sessions"] == []
    assert rows["base"]["has_credentials"] is True
    assert set(rows) == {"admin", "base"}


@pytest.mark.usefixtures("with_passphrase")
def test_list_json_reports_key_age(sandbox: Sandbox) -> None:
    """A key stored 100 days ago is listed with key_age_days 100 and flagged for rotation."""
    added = datetime.now(timezone.utc) - timedelta(days=100, hours=2)
    vault = FileVault(app(), vault_file(sandbox), passphrase=lambda _c: PASSPHRASE)
    vault.put("old", LongTermKey(KEY_ID, SECRET, added=added))
    row = list_json()["old"]
    assert row["key_age_days"] == 100
    assert row["key_needs_rotation"] is True


def test_list_with_no_vault_needs_no_passphrase(sandbox: Sandbox) -> None:
    """list --json on a fresh machine prints [] and creates no vault."""
    proc = cli("list", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
    assert not vault_file(sandbox).exists()


@pytest.mark.usefixtures("with_passphrase")
def test_add_creates_config_section_preserving_the_rest(sandbox: Sandbox) -> None:
    """add appends `[profile NAME]` and leaves every existing byte of the config as it was."""
    original = (
        b"# my config\r\n[default]\r\nregion = us-east-1\r\n\r\n"
        b"[profile other]  ; trailing comment\n"
        b"s3 =\n    max_concurrent_requests = 10\n"
        b"region=eu-west-1"  # no final newline
    )
    sandbox.config.write_bytes(original)
    os.chmod(sandbox.config, 0o640)
    proc = add("dev")
    assert proc.returncode == 0, proc.stderr
    after = sandbox.config.read_bytes()
    assert after.startswith(original)
    assert after[len(original) :] == b"\n\n[profile dev]\n"
    assert stat.S_IMODE(sandbox.config.stat().st_mode) == 0o640


@pytest.mark.usefixtures("with_passphrase")
def test_add_keeps_an_existing_section_untouched(sandbox: Sandbox) -> None:
    """add for a profile already in the config changes nothing in the config."""
    original = b"[profile  dev]\nregion = us-west-2\n\n[profile x]\nregion = eu-west-1\n"
    sandbox.config.write_bytes(original)
    assert add("dev").returncode == 0
    assert sandbox.config.read_bytes() == original


@pytest.mark.usefixtures("with_passphrase")
def test_add_over_stored_keys_needs_force_without_a_terminal(sandbox: Sandbox) -> None:
    """add on a profile that has keys asks first; with no terminal it refuses, nothing changes."""
    assert add("dev").returncode == 0
    before = vault_file(sandbox).read_bytes()
    proc = add("dev", KEYS_2)
    assert proc.returncode == ExitCode.USAGE
    assert "already has keys" in proc.stderr
    assert "--force" in proc.stderr
    assert KEY_ID_2 not in proc.stderr
    assert vault_file(sandbox).read_bytes() == before


@pytest.mark.usefixtures("with_passphrase")
def test_add_replaces_keys(sandbox: Sandbox) -> None:
    """A second add for the same profile replaces its keys (with --force) and says so."""
    assert add("dev").returncode == 0
    proc = add("dev", KEYS_2, "--force")
    assert proc.returncode == 0, proc.stderr
    assert "Replaced" in proc.stderr
    key = FileVault(app(), vault_file(sandbox), passphrase=lambda _c: PASSPHRASE).get("dev")
    assert (key.access_key_id, key.secret_access_key) == (KEY_ID_2, SECRET_2)
    assert list(list_json()) == ["dev"]
    assert sandbox.config.read_bytes().count(b"[profile dev]") == 1


@pytest.mark.usefixtures("with_passphrase")
def test_add_refuses_temporary_keys(sandbox: Sandbox) -> None:
    """An ASIA (temporary) key id is refused with exit 2 and no vault is created."""
    proc = add(
        "dev", {"AWS_ACCESS_KEY_ID": "ASIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": SECRET}
    )
    assert proc.returncode == 2
    assert "ASIA" in proc.stderr
    assert not vault_file(sandbox).exists()
    assert not sandbox.config.exists()


@pytest.mark.parametrize(
    "section",
    [
        "role_arn = arn:aws:iam::111111111111:role/R\nsource_profile = base\n",
        "source_profile = base\n",
        "Role_Arn = arn:aws:iam::111111111111:role/R\nSOURCE_PROFILE = base\n",
    ],
)
@pytest.mark.usefixtures("with_passphrase")
def test_add_refuses_role_profiles(sandbox: Sandbox, section: str) -> None:
    """A profile that takes credentials from source_profile/role_arn cannot get keys (exit 2)."""
    sandbox.write_config(f"[profile role]\n{section}")
    before = sandbox.config.read_bytes()
    proc = add("role")
    assert proc.returncode == 2
    assert "role" in proc.stderr
    assert not vault_file(sandbox).exists()
    assert sandbox.config.read_bytes() == before


@pytest.mark.usefixtures("with_passphrase")
def test_add_refuses_malformed_key_ids(sandbox: Sandbox) -> None:
    """A malformed key id or a secret with spaces is refused with exit 2."""
    bad_id = add("dev", {"AWS_ACCESS_KEY_ID": "akia-lower", "AWS_SECRET_ACCESS_KEY": SECRET})
    bad_secret = add("dev", {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": "a b"})
    missing = cli("add", "dev", "--env")
    assert [bad_id.returncode, bad_secret.returncode, missing.returncode] == [2, 2, 2]
    assert not vault_file(sandbox).exists()


@pytest.mark.usefixtures("with_passphrase")
def test_wrong_passphrase_exits_5_and_writes_nothing(sandbox: Sandbox) -> None:
    """add with the wrong passphrase exits 5 and leaves the vault's bytes and mtime alone."""
    assert add("dev").returncode == 0
    path = vault_file(sandbox)
    digest, mtime = sha(path), path.stat().st_mtime_ns
    proc = cli("add", "prod", "--env", env={**KEYS_2, "AWSPROMPT_PASSPHRASE": "wrong wrong"})
    assert proc.returncode == 5, proc.stderr
    assert "passphrase" in proc.stderr
    assert (sha(path), path.stat().st_mtime_ns) == (digest, mtime)
    assert temp_files(sandbox.state) == []
    proc = cli("remove", "dev", "--force", env={"AWSPROMPT_PASSPHRASE": "wrong wrong"})
    assert proc.returncode == 5
    assert (sha(path), path.stat().st_mtime_ns) == (digest, mtime)


@pytest.mark.usefixtures("with_passphrase")
def test_damaged_vault_add_exits_6_and_keeps_file(sandbox: Sandbox) -> None:
    """add on a truncated vault exits 6; the file hash is unchanged and no temp file is left."""
    assert add("dev").returncode == 0
    path = vault_file(sandbox)
    path.write_bytes(path.read_bytes()[:-20])
    digest = sha(path)
    proc = add("prod", KEYS_2)
    assert proc.returncode == 6, proc.stderr
    assert "damaged" in proc.stderr
    assert sha(path) == digest
    assert temp_files(sandbox.state) == []
    assert cli("list", "--json").returncode == 6


def test_umask_zero_still_creates_private_files(sandbox: Sandbox, tmp_path: Path) -> None:
    """Under umask 0 the state folder is 0700 and the vault, names and lock files are 0600."""
    env = {**os.environ, **KEYS, "AWSPROMPT_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "awsprompt", "add", "dev", "--env"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=lambda: os.umask(0),
    )
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(sandbox.state.stat().st_mode) == 0o700
    for name in ("vault.v1", "vault.names", "vault.lock"):
        assert stat.S_IMODE((sandbox.state / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(sandbox.config.stat().st_mode) & 0o022 == 0


@pytest.mark.usefixtures("with_passphrase")
def test_readable_vault_refused_with_chmod_hint(sandbox: Sandbox) -> None:
    """A 0644 vault is refused (exit 7) by add and list, with a chmod hint, and left as is."""
    assert add("dev").returncode == 0
    path = vault_file(sandbox)
    os.chmod(path, 0o644)
    digest = sha(path)
    for proc in (add("prod", KEYS_2), cli("list", "--json")):
        assert proc.returncode == 7, proc.stderr
        assert "chmod 600" in proc.stderr
    assert sha(path) == digest
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.usefixtures("with_passphrase")
def test_readable_state_folder_refused(sandbox: Sandbox) -> None:
    """A state folder others can enter is refused (exit 7) with a chmod 700 hint."""
    assert add("dev").returncode == 0
    os.chmod(sandbox.state, 0o755)  # noqa: S103 - the insecure mode under test
    proc = add("prod", KEYS_2)
    assert proc.returncode == 7, proc.stderr
    assert "chmod 700" in proc.stderr


@pytest.mark.usefixtures("with_passphrase")
def test_symlinked_vault_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    """A vault that is a symlink is refused (exit 7) and neither file is modified."""
    assert add("dev").returncode == 0
    path = vault_file(sandbox)
    real = tmp_path / "elsewhere.v1"
    path.rename(real)
    path.symlink_to(real)
    digest = sha(real)
    for proc in (add("prod", KEYS_2), cli("list", "--json")):
        assert proc.returncode == 7, proc.stderr
        assert "symlink" in proc.stderr
    assert path.is_symlink()
    assert sha(real) == digest


HOSTILE = ["x';touch pwn;'", "$(touch pwn)", "a\nb", "-rf", "%F{red}", "`touch pwn`", ""]


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("command", ["add", "remove", "export", "exec"])
@pytest.mark.usefixtures("with_passphrase")
def test_hostile_profile_names_refused(
    sandbox: Sandbox, tmp_path: Path, command: str, name: str
) -> None:
    """Shell-hostile profile names are refused with exit 2 before anything runs or is written."""
    extra = ["--env"] if command == "add" else []
    proc = subprocess.run(
        [sys.executable, "-m", "awsprompt", command, *extra, name],
        env={**os.environ, **KEYS, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "pwn").exists()
    assert not (ROOT / "pwn").exists()
    assert not vault_file(sandbox).exists()
    assert not sandbox.config.exists()


@pytest.mark.parametrize("command", ["list", "add"])
@pytest.mark.usefixtures("with_passphrase")
def test_list_and_add_do_not_import_boto3(sandbox: Sandbox, command: str) -> None:
    """The vault commands run without importing boto3 (it costs ~170 ms)."""
    argv = ["list", "--json"] if command == "list" else ["add", "dev", "--env"]
    code = (
        "import sys, awsprompt.cli as c\n"
        f"rc = c.main({argv!r})\n"
        "sys.stdout.flush()\n"
        'sys.stderr.write(f\'RESULT {rc} {"boto3" in sys.modules} {"botocore" in sys.modules}\')\n'
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **KEYS},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.stderr.splitlines()[-1] == "RESULT 0 False False", proc.stderr


def test_version() -> None:
    """--version prints the package version and exits 0."""
    from awsprompt import __version__

    proc = cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"awsprompt {__version__}"


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(set(sub.choices))  # type: ignore[arg-type]


def test_help_on_every_command() -> None:
    """`--help` and `COMMAND --help` exit 0 and print usage for every registered command."""
    proc = cli("--help")
    assert proc.returncode == 0
    assert "usage: awsprompt" in proc.stdout
    commands = _commands()
    assert {"add", "list", "remove"} <= set(commands)
    for command in commands:
        proc = cli(command, "--help")
        assert proc.returncode == 0, (command, proc.stderr)
        assert proc.stdout.startswith("usage: awsprompt "), command
        assert "--help" in proc.stdout, command


@pytest.mark.usefixtures("with_passphrase")
def test_remove_takes_back_the_empty_section_add_made(sandbox: Sandbox) -> None:
    """add then remove leaves ~/.aws/config byte for byte as before; a used section stays."""
    original = b"[default]\nregion = eu-west-1\n"
    sandbox.config.write_bytes(original)
    assert add("dev").returncode == 0
    assert b"[profile dev]" in sandbox.config.read_bytes()
    assert cli("remove", "dev", "--force").returncode == 0
    assert sandbox.config.read_bytes() == original
    assert [row["name"] for row in json.loads(cli("list", "--json").stdout)] == ["default"]
    sandbox.config.write_bytes(original + b"\n[profile ops]\nregion = us-west-2\n")
    assert add("ops").returncode == 0
    assert cli("remove", "ops", "--force").returncode == 0
    assert b"[profile ops]\nregion = us-west-2\n" in sandbox.config.read_bytes()
