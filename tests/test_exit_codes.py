"""Every exit code reachable without AWS, and the one-line error format that goes with it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from conftest import PASSPHRASE, ROOT, Sandbox, cli

from awsprompt.errors import ExitCode

KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
WITH_PASS = {"AWSPROMPT_PASSPHRASE": PASSPHRASE}
Run = subprocess.CompletedProcess[str]


def make_vault(sandbox: Sandbox) -> None:
    """Store keys for profile 'dev' through the CLI."""
    proc = cli("add", "dev", "--env", env={**KEYS, **WITH_PASS})
    assert proc.returncode == 0, proc.stderr


def usage(sandbox: Sandbox) -> Run:
    """A temporary key offered to `add`."""
    return cli("add", "dev", "--env", env={**KEYS, "AWS_ACCESS_KEY_ID": "ASIAIOSFODNN7EXAMPLE"})


def config_unparseable(sandbox: Sandbox) -> Run:
    """`list` over a config file with a key before any section."""
    sandbox.write_config("region = us-east-1\n[profile a]\n")
    return cli("list", "--json")


def config_role_without_source(sandbox: Sandbox) -> Run:
    """`export` of a role profile with no source_profile."""
    sandbox.write_config("[profile r]\nrole_arn = arn:aws:iam::111111111111:role/R\n")
    return cli("export", "r")


def profile_not_found(sandbox: Sandbox) -> Run:
    """`export` of a profile no file knows, with a [default] that must not be used."""
    sandbox.write_credentials(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n"
    )
    return cli("export", "nosuch")


def wrong_passphrase(sandbox: Sandbox) -> Run:
    """`add` with the wrong passphrase."""
    make_vault(sandbox)
    return cli("add", "prod", "--env", env={**KEYS, "AWSPROMPT_PASSPHRASE": "wrong wrong"})


def vault_damaged(sandbox: Sandbox) -> Run:
    """`list` over a vault whose checksum line was cut."""
    make_vault(sandbox)
    path = sandbox.state / "vault.v1"
    path.write_bytes(path.read_bytes()[:-10])
    return cli("list", "--json")


def insecure(sandbox: Sandbox) -> Run:
    """`list` over a group-readable vault."""
    make_vault(sandbox)
    os.chmod(sandbox.state / "vault.v1", 0o640)
    return cli("list", "--json")


def no_terminal(sandbox: Sandbox) -> Run:
    """`add` needing a new passphrase with no env var and no controlling terminal."""
    return subprocess.run(
        [sys.executable, "-m", "awsprompt", "add", "dev", "--env"],
        env={**os.environ, **KEYS},
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        start_new_session=True,  # no controlling terminal, so /dev/tty cannot be opened
    )


def not_in_vault(sandbox: Sandbox) -> Run:
    """`remove` of a profile the vault does not hold."""
    make_vault(sandbox)
    return cli("remove", "nosuch", "--force")


SCENARIOS: list[tuple[ExitCode, Callable[[Sandbox], Run]]] = [
    (ExitCode.USAGE, usage),
    (ExitCode.CONFIG, config_unparseable),
    (ExitCode.CONFIG, config_role_without_source),
    (ExitCode.PROFILE_NOT_FOUND, profile_not_found),
    (ExitCode.WRONG_PASSPHRASE, wrong_passphrase),
    (ExitCode.VAULT_DAMAGED, vault_damaged),
    (ExitCode.INSECURE, insecure),
    (ExitCode.NO_TERMINAL, no_terminal),
    (ExitCode.NOT_IN_VAULT, not_in_vault),
]


@pytest.mark.parametrize(
    ("code", "scenario"), SCENARIOS, ids=[f"{c.name}-{s.__name__}" for c, s in SCENARIOS]
)
def test_exit_code_and_error_line(
    sandbox: Sandbox, code: ExitCode, scenario: Callable[[Sandbox], Run]
) -> None:
    """Each failure exits with its own code and prints exactly one `awsprompt: error:` line."""
    proc = scenario(sandbox)
    assert proc.returncode == code, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    # the passphrase-from-environment warning is the only other line allowed
    lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith("awsprompt: warning: ")]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("awsprompt: error: ")
    assert proc.stderr.endswith("\n")


def test_error_line_is_the_whole_stderr_without_a_passphrase(sandbox: Sandbox) -> None:
    """With no passphrase in play, stderr is exactly the error line, hint included."""
    proc = cli("export", "nosuch")
    assert proc.returncode == ExitCode.PROFILE_NOT_FOUND
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("awsprompt: error: profile 'nosuch' not found")
    assert "(hint: " in proc.stderr


def test_every_reachable_code_is_covered() -> None:
    """The scenario table covers every code from USAGE to NOT_IN_VAULT."""
    covered = {code for code, _ in SCENARIOS}
    assert covered == {c for c in ExitCode if ExitCode.USAGE <= c <= ExitCode.NOT_IN_VAULT}


def test_exit_codes_are_distinct() -> None:
    """No two names share an exit code."""
    values = [c.value for c in ExitCode]
    assert len(values) == len(set(values))


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(sandbox: Sandbox, where: str) -> None:
    """--debug (before or after the command) prints a traceback, then the same error line."""
    make_vault(sandbox)
    argv = ["--debug", "remove", "nosuch", "--force"]
    if where == "after":
        argv = ["remove", "nosuch", "--force", "--debug"]
    proc = cli(*argv)
    assert proc.returncode == ExitCode.NOT_IN_VAULT
    assert "Traceback (most recent call last)" in proc.stderr
    assert "NotInVault" in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("awsprompt: error: ")


def test_argparse_usage_errors_exit_2(sandbox: Sandbox) -> None:
    """An unknown command or option exits 2 without a traceback (bare `awsprompt` prints help)."""
    for argv in (["frobnicate"], ["list", "--nope"], ["exec"]):
        proc = cli(*argv)
        assert proc.returncode == ExitCode.USAGE, argv
        assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("exec",),
        ("nope",),
        ("exec", "x;y", "-j"),
        ("list", "--bogus"),
        ("export", "p", "-f", "xml"),
    ],
)
def test_usage_errors_are_one_line(args: tuple[str, ...]) -> None:
    """argparse's usage errors come out as one `awsprompt: error:` line with a hint, exit 2."""
    proc = cli(*args)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("awsprompt: error: ") and "(hint: " in lines[0]
    assert proc.stdout == ""


def test_an_invalid_region_is_a_config_error(sandbox: Sandbox, moto: object) -> None:
    """region = 'not a region!' is exit 3 naming the region, not an 'unexpected' exit 1."""
    sandbox.write_config(
        "[profile base]\n"
        "[profile r]\nrole_arn = arn:aws:iam::111111111111:role/r\nsource_profile = base\n"
        "region = not a region!\n"
    )
    add = cli("add", "base", "--env", env={**KEYS, **WITH_PASS})
    assert add.returncode == 0, add.stderr
    result = cli("exec", "r", "-j", env=WITH_PASS)
    assert result.returncode == ExitCode.CONFIG, result.stderr
    assert "'not a region!' is not a valid AWS region" in result.stderr
    assert "unexpected" not in result.stderr
